"""`siliconcrew explore` on a copy of examples/mac8 (or another design): the best trial
against the baseline (the design as written, run without repairs like every trial) and
against plain `siliconcrew harden` (with its repairs), with the wall time.

    PYTHONPATH=. nice -n 10 python benchmarks/bench_explore.py [--design examples/mac8]
        [--samples 6] [--workers 2] [--objective score] [--sandbox docker]

Not a test: prints figures. Works on a temporary copy (explore/ and runs/ stay out of git).
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


def _fig(m: dict) -> str:
    return f"{m.get('fmax_mhz')} MHz, die {m.get('area_um2')} µm², cells {m.get('cells')}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--design", default=str(REPO / "examples" / "mac8"))
    ap.add_argument("--samples", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--objective", default=None)
    ap.add_argument("--sandbox", default="docker")
    args = ap.parse_args()

    from siliconcrew import api
    from siliconcrew.explore.runner import run_explore
    from siliconcrew.explore.scoring import figures

    src = Path(args.design)
    work = Path(tempfile.mkdtemp(prefix="bench-explore-")) / src.name
    shutil.copytree(src, work, ignore=shutil.ignore_patterns("runs", "explore"))

    t = time.monotonic()
    res = run_explore(
        work,
        samples=args.samples,
        workers=args.workers,
        objective=args.objective,
        sandbox=args.sandbox,
    )
    wall = time.monotonic() - t
    t = time.monotonic()
    plain = api.harden(work, sandbox=args.sandbox)
    harden_s = time.monotonic() - t

    print(f"design {src.name}: {args.samples} samples + baseline, {args.workers} workers")
    print(f"explore wall {wall:.1f} s ({res.search} search, objective {res.objective})")
    print(f"trials ok {res.summary.ok}, failed {res.summary.failed}")
    for tr in res.trials:
        what = "baseline" if tr.baseline else tr.config
        print(f"  {tr.status:6s} {_fig(tr.metrics) if tr.status == 'ok' else tr.failure}  {what}")
    base = res.baseline
    if base is not None:
        shown = _fig(base.metrics) if base.status == "ok" else f"failed: {base.failure}"
        print(f"baseline (no repairs): {shown}")
    repairs = ", ".join(r["action"]["name"] for r in plain.repairs if r.get("action")) or "none"
    print(
        f"siliconcrew harden (repairs: {repairs}): {plain.status}, "
        f"{_fig(figures(plain.metrics))} in {harden_s:.1f} s"
    )
    if res.best is not None:
        print(f"best: {_fig(res.best.metrics)}  {res.best.config}")
    print(f"pareto png: {res.artifacts.get('pareto_png')}")


if __name__ == "__main__":
    main()
