#!/usr/bin/env python3
"""Sandbox and CLI overhead figures (prints numbers; not a test).

- median warm sandbox call (`true`) for the docker and local backends
- median tool-call overhead: a ~1 s simulation through the `simulate` tool vs the same vvp
  binary run directly on the host
- `siliconcrew --help` wall time
Targets (issue #2): warm docker call <= 50 ms; overhead <= 10 % on a 1 s simulation;
--help <= 0.4 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from siliconcrew.core.errors import SandboxUnavailable  # noqa: E402
from siliconcrew.core.settings import SandboxSettings  # noqa: E402
from siliconcrew.sandbox import open_sandbox  # noqa: E402
from siliconcrew.tools.base import ToolContext  # noqa: E402
from siliconcrew.tools.registry import execute, load_registry  # noqa: E402

# A testbench that burns ~1 s of vvp time with no output.
SLOW_TB = """module slow;
  integer i; reg [31:0] acc = 0;
  initial begin
    for (i = 0; i < ITER; i = i + 1) acc = acc * 1664525 + 1013904223;
    $display("acc=%0d", acc);
    $finish;
  end
endmodule
"""


def warm_calls(backend: str, n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            sb = open_sandbox(Path(tmp), SandboxSettings(backend=backend), quiet=True)
        except SandboxUnavailable as exc:
            return {"backend": backend, "error": exc.one_line()}
        with sb:
            cwd = sb.scratch_dir("bench")
            sb.run(["true"], cwd=cwd)  # warm up (container start)
            times = []
            for _ in range(n):
                t = time.perf_counter()
                r = sb.run(["true"], cwd=cwd)
                times.append(time.perf_counter() - t)
                assert r.ok, r.output
        return {
            "backend": backend,
            "median_ms": round(statistics.median(times) * 1000, 1),
            "p90_ms": round(sorted(times)[int(0.9 * n) - 1] * 1000, 1),
            "n": n,
        }


def calibrate_iterations(tmp: Path, target_s: float = 1.0) -> int:
    """Find ITER so that vvp runs ~target_s on this machine."""
    it = 200_000
    for _ in range(4):
        src = tmp / "slow.v"
        src.write_text(SLOW_TB.replace("ITER", str(it)))
        subprocess.run(["iverilog", "-o", str(tmp / "slow.vvp"), str(src)], check=True)
        t = time.perf_counter()
        subprocess.run(["vvp", "-n", str(tmp / "slow.vvp")], check=True, capture_output=True)
        dt = time.perf_counter() - t
        it = max(1000, int(it * target_s / dt))
        if abs(dt - target_s) < 0.1 * target_s:
            break
    return it


def tool_overhead(backend: str, iterations: int, n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        (ws / "slow.v").write_text(SLOW_TB.replace("ITER", str(iterations)))
        subprocess.run(["iverilog", "-o", str(ws / "direct.vvp"), str(ws / "slow.v")], check=True)
        direct = []
        for _ in range(n):
            t = time.perf_counter()
            subprocess.run(["vvp", "-n", str(ws / "direct.vvp")], check=True, capture_output=True)
            direct.append(time.perf_counter() - t)
        try:
            ctx = ToolContext(
                ws, lambda w: open_sandbox(w, SandboxSettings(backend=backend), quiet=True)
            )
            ctx.sandbox  # noqa: B018  (start it before timing)
        except SandboxUnavailable as exc:
            return {"backend": backend, "error": exc.one_line()}
        tool = load_registry(include_plugins=False).get("simulate")
        tooled = []
        try:
            for _ in range(n):
                res = execute(tool, {"files": ["slow.v"], "top": "slow", "timeout_s": 60}, ctx)
                assert res.ok, res.summary
                run_log = ws / res.artifacts["run_log"]
                tooled.append(res.duration_s)
                assert run_log.exists()
        finally:
            ctx.close()
        # The tool also compiles (iverilog); compare like with like: compile + run directly.
        comp = []
        for _ in range(n):
            t = time.perf_counter()
            subprocess.run(
                ["iverilog", "-g2012", "-s", "slow", "-o", str(ws / "d2.vvp"), str(ws / "slow.v")],
                check=True,
            )
            subprocess.run(["vvp", "-n", str(ws / "d2.vvp")], check=True, capture_output=True)
            comp.append(time.perf_counter() - t)
        d, c, tl = statistics.median(direct), statistics.median(comp), statistics.median(tooled)
        return {
            "backend": backend,
            "direct_run_s": round(d, 3),
            "direct_compile_and_run_s": round(c, 3),
            "tool_s": round(tl, 3),
            "overhead_pct": round(100 * (tl - c) / c, 1),
        }


def help_time(n: int) -> dict:
    exe = shutil.which("siliconcrew") or str(Path(sys.executable).parent / "siliconcrew")
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([exe, "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return {"median_s": round(statistics.median(times), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=30, help="samples for warm calls")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report = {"warm_call": [warm_calls(b, args.n) for b in ("docker", "local")]}
    with tempfile.TemporaryDirectory() as tmp:
        iterations = calibrate_iterations(Path(tmp))
    report["tool_overhead"] = [tool_overhead(b, iterations, 5) for b in ("docker", "local")]
    report["help"] = help_time(10)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print("warm sandbox call (`true`), target <= 50 ms median:")
    for r in report["warm_call"]:
        if "error" in r:
            print(f"  {r['backend']:7s} {r['error']}")
        else:
            print(
                f"  {r['backend']:7s} median {r['median_ms']} ms, p90 {r['p90_ms']} ms (n={r['n']})"
            )
    print("simulate tool overhead on a ~1 s simulation, target <= 10 %:")
    for r in report["tool_overhead"]:
        if "error" in r:
            print(f"  {r['backend']:7s} {r['error']}")
        else:
            print(
                f"  {r['backend']:7s} tool {r['tool_s']} s vs direct compile+run "
                f"{r['direct_compile_and_run_s']} s (run alone {r['direct_run_s']} s): "
                f"overhead {r['overhead_pct']} %"
            )
    print(f"siliconcrew --help: median {report['help']['median_s']} s (target <= 0.4 s)")


if __name__ == "__main__":
    main()
