"""`siliconcrew batch` throughput: the same small corpus designs with 1 and 2 workers (a local
Ray each time), and a plain `api.check` loop for the framework's per-design overhead.

    PYTHONPATH=. python benchmarks/bench_batch.py [--designs 6] [--harden] [--sandbox docker]

Not a test: prints figures. Copies the designs to a temporary folder (runs/ stay out of git).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DESIGNS = [
    "nor_gate",
    "adder_8bit",
    "ripple_adder4",
    "counter_12",
    "edge_detect",
    "gray_counter",
    "johnson_counter",
    "seven_seg",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--designs", type=int, default=6)
    ap.add_argument("--harden", action="store_true", help="checks and GDS (default: checks)")
    ap.add_argument("--sandbox", default="docker")
    args = ap.parse_args()

    from siliconcrew import api
    from siliconcrew.batch.runner import run_batch

    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    folders = []
    for name in DESIGNS[: args.designs]:
        shutil.copytree(
            REPO / "benchmarks" / "corpus" / name, tmp / name, ignore=shutil.ignore_patterns("runs")
        )
        folders.append(tmp / name)

    t = time.monotonic()
    plain = [api.check(f, harden=args.harden, sandbox=args.sandbox).ok for f in folders]
    loop_s = time.monotonic() - t
    walls = {}
    for workers in (1, 2):
        t = time.monotonic()
        res = run_batch(
            folders,
            workers=workers,
            harden=args.harden,
            sandbox=args.sandbox,
            out_dir=tmp / "batches",
        )
        walls[workers] = time.monotonic() - t
        print(
            f"{workers} worker(s): {walls[workers]:.1f} s wall, "
            f"{len(folders) / walls[workers] * 60:.1f} designs/min, "
            f"ok {res.summary.ok} failed {res.summary.failed} errored {res.summary.errored}"
        )
    print(f"plain api.check loop: {loop_s:.1f} s ({sum(plain)}/{len(plain)} ok)")
    print(f"throughput 2 vs 1 workers: {walls[1] / walls[2]:.2f}x")
    print(
        f"batch overhead per design (1 worker vs plain loop, Ray start included): "
        f"{(walls[1] - loop_s) / len(folders):+.2f} s"
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
