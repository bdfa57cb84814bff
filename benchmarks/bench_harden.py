#!/usr/bin/env python3
"""Hardening overhead: framework wall time vs raw qflow stage times, and PNG render time.

For each design, in one invocation:
  raw        `qflow <stage> -T osu018 <top>` run directly on the host, stage by stage (the
             floor: what qflow itself costs);
  framework  the same stages through `run_flow` (sandbox, config, log parsing, metrics,
             stage state, PNG) for each available backend.
Target (issue #3): framework / raw <= 1.05. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from siliconcrew.core.design import load_design  # noqa: E402
from siliconcrew.core.errors import SandboxUnavailable  # noqa: E402
from siliconcrew.core.settings import SandboxSettings  # noqa: E402
from siliconcrew.engines.base import run_flow  # noqa: E402
from siliconcrew.engines.layout import render_png  # noqa: E402
from siliconcrew.engines.qflow import QflowEngine  # noqa: E402
from siliconcrew.sandbox import open_sandbox  # noqa: E402
from siliconcrew.steps.harden import design_input  # noqa: E402

QFLOW_STAGES = ("synthesize", "place", "sta", "route", "backanno", "migrate", "drc", "lvs",
                "gdsii")


def raw_qflow(design_dir: Path, options: dict) -> dict:
    design, folder = load_design(design_dir)
    with tempfile.TemporaryDirectory() as tmp:
        proj = Path(tmp)
        for sub in ("source", "synthesis", "layout", "log"):
            (proj / sub).mkdir()
        for f in design.rtl:
            shutil.copy(folder / f, proj / "source")
        files = "\n".join(str(proj / "source" / Path(f).name) for f in design.rtl)
        (proj / "source" / f"{design.top}.fl").write_text(files + "\n")
        lines = [f"set source_file_list = {proj / 'source' / (design.top + '.fl')}",
                 "set is_system_verilog = 1",
                 f'set vesta_options = "--period {round(design.clock.period_ns * 1000)} '
                 '--summary reports --long"']
        lines += [f"set {k} = {v}" for k, v in options.items()]
        (proj / "project_vars.sh").write_text("\n".join(lines) + "\n")
        times = {}
        for stage in QFLOW_STAGES:
            t = time.perf_counter()
            subprocess.run(["qflow", stage, "-T", "osu018", design.top], cwd=proj,
                           capture_output=True)
            times[stage] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        render_png(proj / "layout" / f"{design.top}.def",
                   [Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lef")], proj / "x.png")
        png = time.perf_counter() - t
    return {"stages": times, "total_s": round(sum(times.values()), 3), "png_s": round(png, 3)}


def framework(design_dir: Path, backend: str, options: dict) -> dict:
    design, folder = load_design(design_dir)
    dinput = design_input(design, folder)
    dinput.options = options
    engine = QflowEngine()
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        Path(tmp).chmod(0o755)  # like runs/: the sandbox user must be able to enter it
        try:
            sb = open_sandbox(folder, SandboxSettings(backend=backend), quiet=True)
        except SandboxUnavailable as exc:
            return {"error": exc.one_line()}
        with sb:
            sb.run(["true"], cwd=sb.scratch_dir("bench"))  # container start is not the flow
            stage_times: dict[str, float] = {}
            t = time.perf_counter()
            result = run_flow(engine, dinput, Path(tmp) / "flow", sb, {
                **engine.default_config(dinput), **options}, to_stage="gdsii")
            total = time.perf_counter() - t
            for s in result.stages:
                stage_times[s.name] = s.duration_s
    return {"status": result.status, "total_s": round(total, 3), "stages": stage_times,
            "drc": result.metrics.get("magic__drc_error__count"),
            "lvs": result.metrics.get("design__lvs_error__count")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("designs", nargs="*", default=["examples/counter", "examples/mac8"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report = []
    for d in args.designs:
        path = (REPO / d) if not Path(d).is_absolute() else Path(d)
        # mac8 at qflow's default density has one DRC error; bench the repaired config.
        options = {"initial_density": 0.65} if path.name == "mac8" else {}
        raw = raw_qflow(path, options)
        row = {"design": path.name, "raw": raw, "framework": {}}
        for backend in ("docker", "local"):
            row["framework"][backend] = framework(path, backend, options)
        report.append(row)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for row in report:
        raw = row["raw"]
        print(f"{row['design']}: raw qflow stages {raw['total_s']} s "
              f"(PNG render {raw['png_s']} s)")
        for backend, fw in row["framework"].items():
            if "error" in fw:
                print(f"  {backend:7s} {fw['error']}")
                continue
            print(f"  {backend:7s} framework {fw['total_s']} s -> ratio "
                  f"{fw['total_s'] / raw['total_s']:.3f} (target <= 1.05); status {fw['status']}, "
                  f"DRC {fw['drc']}, LVS {fw['lvs']}")


if __name__ == "__main__":
    main()
