#!/usr/bin/env python3
"""Hardening overhead: `siliconcrew harden` as a user runs it vs the raw qflow stages.

For each design:
  raw        `qflow <stage> -T osu018 <top>` run directly on the host, stage by stage, in a
             bare project folder (the floor: what qflow itself costs), then the layout PNG
             drawn once from its DEF (what the picture costs on its own);
  framework  the real CLI in a subprocess, `siliconcrew harden <copy> --json --sandbox B`
             for B in docker and local, with SILICONCREW_PROFILE set: the process writes its
             perf_counter spans (siliconcrew.core.profile) and the bench splits its wall
             time into Python start, imports, design load, sandbox/container start, each
             stage (the command in the sandbox vs our log parsing around it), gl_sim (a
             stage raw qflow does not have), layout metrics, PNG, sandbox close, output.
Ratios: `same stages` = (wall - gl_sim) / raw; `whole` = wall / raw.
Targets (issue 13): <= 1.15 on small designs, <= 1.05 where the raw flow takes >= 30 s.
The load average is printed with every figure: measure on an idle machine.
Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from siliconcrew.core.design import load_design  # noqa: E402
from siliconcrew.engines.qflow import STAGE_ALIASES  # noqa: E402  (qflow command → stage)

QFLOW_STAGES = ("synthesize", "place", "sta", "route", "backanno", "migrate", "drc", "lvs", "gdsii")
#: designs whose default density leaves a DRC error: bench the config the repair loop lands
#: on, written into the copy's design.yaml, so raw and framework run the same config once
OPTIONS = {"mac8": {"initial_density": 0.65}}


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


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
        lines = [
            f"set source_file_list = {proj / 'source' / (design.top + '.fl')}",
            "set is_system_verilog = 1",
            f'set vesta_options = "--period {round(design.clock.period_ns * 1000)} '
            '--summary reports --long"',
        ]
        lines += [f"set {k} = {v}" for k, v in options.items()]
        (proj / "project_vars.sh").write_text("\n".join(lines) + "\n")
        times = {}
        load_before = load()
        for stage in QFLOW_STAGES:
            t = time.perf_counter()
            subprocess.run(
                ["qflow", stage, "-T", "osu018", design.top], cwd=proj, capture_output=True
            )
            times[STAGE_ALIASES.get(stage, stage)] = round(time.perf_counter() - t, 3)
        # the picture on its own, in a fresh interpreter (klayout's import included)
        t = time.perf_counter()
        png = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; "
                "from siliconcrew.engines.layout import render_png; "
                "render_png(Path(sys.argv[1]), [Path(sys.argv[2])], Path(sys.argv[3]))",
                str(proj / "layout" / f"{design.top}.def"),
                "/usr/share/qflow/tech/osu018/osu018_stdcells.lef",
                str(proj / "x.png"),
            ],
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        png_s = time.perf_counter() - t
    return {
        "stages": times,
        "total_s": round(sum(times.values()), 3),
        "png_process_s": round(png_s, 3) if png.returncode == 0 else None,
        "load": f"{load_before} -> {load()}",
    }


def copy_design(src: Path, dest_root: Path, options: dict) -> Path:
    dst = dest_root / src.name
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    if options:
        card = dst / "design.yaml"
        opts = ", ".join(f"{k}: {v}" for k, v in options.items())
        card.write_text(
            "\n".join(
                line.replace("}", f", options: {{{opts}}}}}", 1)
                if line.startswith("flow:")
                else line
                for line in card.read_text().splitlines()
            )
            + "\n"
        )
    return dst


def cli_argv() -> list[str]:
    script = Path(sys.executable).parent / "siliconcrew"
    return [str(script)] if script.exists() else [sys.executable, "-m", "siliconcrew"]


def framework(design_dir: Path, backend: str, options: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        design = copy_design(design_dir, root, options)
        profile = root / "profile.json"
        env = {**os.environ, "PYTHONPATH": str(REPO), "SILICONCREW_PROFILE": str(profile)}
        load_before = load()
        launch = time.time()
        t = time.perf_counter()
        proc = subprocess.run(
            [*cli_argv(), "harden", str(design), "--json", "--sandbox", backend],
            capture_output=True,
            text=True,
            env=env,
        )
        wall = time.perf_counter() - t
        load_after = load()
        try:
            out = json.loads(proc.stdout)
        except ValueError:
            return {
                "error": (proc.stderr.strip().splitlines() or ["no output"])[-1],
                "exit": proc.returncode,
            }
        prof = json.loads(profile.read_text()) if profile.exists() else None
        trace = (
            [json.loads(x) for x in (Path(out["run_dir"]) / "trace.jsonl").read_text().splitlines()]
            if out.get("run_dir")
            else []
        )
    return {
        "exit": proc.returncode,
        "status": out.get("status"),
        "wall_s": round(wall, 3),
        "launch": launch,
        "profile": prof,
        "stages": out.get("stages", []),
        "repairs": len(out.get("repairs", [])),
        "trace": [t["event"] for t in trace],
        "drc": out["metrics"].get("magic__drc_error__count"),
        "lvs": out["metrics"].get("design__lvs_error__count"),
        "cells": out["metrics"].get("design__instance__count"),
        "load": f"{load_before} -> {load_after}",
    }


def breakdown(fw: dict, raw: dict) -> dict[str, Any]:
    """Split the CLI's wall time into phases from its profile (seconds)."""
    prof = fw["profile"]
    spans = prof["spans"]

    def total(name: str, **where: Any) -> float:
        return sum(
            s["dur"]
            for s in spans
            if s["name"] == name and all(s.get(k) == v for k, v in where.items())
        )

    def first(name: str) -> dict | None:
        return next((s for s in spans if s["name"] == name), None)

    start = first("command_start")
    b: dict[str, Any] = {}
    b["python_start"] = prof["wall_at_import"] - fw["launch"]
    b["imports"] = (
        (start["start"] if start else 0.0)
        + total("command_imports")
        + total("harden_imports")
        + total("import_docker")
    )
    b["load_design"] = total("load_design")
    b["sandbox_open"] = total("sandbox_open") - total("import_docker")
    b["container_start"] = total("container_start")
    b["prepare"] = total("prepare") - total("container_start")
    stages = {}
    for st in fw["stages"]:
        name = st["name"]
        if st["status"] not in ("ok", "failed"):
            continue
        inside = total("sandbox_exec", cmd=name)
        stage = total("stage", stage=name)
        stages[name] = {
            "framework": round(stage, 3),
            "in_sandbox": round(inside, 3),
            "raw": raw["stages"].get(name),
            "around": round(stage - inside, 3),
            "save_state": round(total("save_state", stage=name), 3),
        }
    b["stages"] = stages
    b["layout_metrics"] = total("layout_metrics")
    b["png"] = total("png")
    b["collect_other"] = total("collect") - b["layout_metrics"] - b["png"]
    b["sandbox_close"] = total("sandbox_close")
    b["result_and_output"] = total("result_model") + total("render_output")
    b["exit"] = fw["wall_s"] - (b["python_start"] + prof["end"])
    accounted = sum(v for k, v in b.items() if isinstance(v, float)) + sum(
        s["framework"] + s["save_state"] for s in stages.values()
    )
    b["other"] = fw["wall_s"] - accounted
    return b


def print_row(design: str, raw: dict, fws: dict[str, dict]) -> None:
    print(
        f"\n== {design}: raw qflow stages {raw['total_s']:.2f} s (load {raw['load']}); "
        f"PNG alone in a fresh process {raw['png_process_s']} s"
    )
    for backend, fw in fws.items():
        if "error" in fw:
            print(f"  {backend}: {fw['error']}")
            continue
        b = fw["breakdown"]
        gl = b["stages"].get("gl_sim", {}).get("framework", 0.0)
        print(
            f"  --sandbox {backend}: wall {fw['wall_s']:.2f} s, status {fw['status']}, "
            f"cells {fw['cells']}, DRC {fw['drc']}, LVS {fw['lvs']}, attempts "
            f"{fw['repairs']} (load {fw['load']})"
        )
        print(
            f"    python start {b['python_start']:.3f}  imports {b['imports']:.3f}  "
            f"design load {b['load_design']:.3f}  sandbox open {b['sandbox_open']:.3f}  "
            f"container start {b['container_start']:.3f}  prepare {b['prepare']:.3f}"
        )
        print(
            f"    {'stage':11s} {'framework':>9s} {'sandbox':>8s} {'raw':>7s} "
            f"{'around':>7s} {'fw-raw':>7s}"
        )
        for name, s in b["stages"].items():
            raw_s = s["raw"]
            diff = f"{s['framework'] - raw_s:+7.3f}" if raw_s is not None else "      -"
            print(
                f"    {name:11s} {s['framework']:9.3f} {s['in_sandbox']:8.3f} "
                f"{raw_s if raw_s is not None else '-':>7} {s['around']:7.3f} {diff}"
            )
        print(
            f"    layout metrics {b['layout_metrics']:.3f}  PNG {b['png']:.3f}  collect other "
            f"{b['collect_other']:.3f}  sandbox close {b['sandbox_close']:.3f}  "
            f"result+output {b['result_and_output']:.3f}  exit {b['exit']:.3f}  "
            f"unaccounted {b['other']:.3f}"
        )
        print(
            f"    ratio same stages (wall - gl_sim {gl:.2f} s) / raw = "
            f"{(fw['wall_s'] - gl) / raw['total_s']:.3f};  whole command / raw = "
            f"{fw['wall_s'] / raw['total_s']:.3f}"
        )
        heavy = fw["profile"].get("heavy_imported")
        print(f"    heavy packages imported: {', '.join(heavy) if heavy else 'none'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("designs", nargs="*", default=["benchmarks/corpus/accu", "examples/mac8"])
    ap.add_argument("--backends", nargs="+", default=["docker", "local"])
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="framework runs per backend; the run with the median wall is shown",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report = []
    for d in args.designs:
        path = (REPO / d) if not Path(d).is_absolute() else Path(d)
        options = OPTIONS.get(path.name, {})
        raw = raw_qflow(path, options)
        row: dict[str, Any] = {"design": path.name, "raw": raw, "framework": {}}
        for backend in args.backends:
            runs = [framework(path, backend, options) for _ in range(args.repeat)]
            good = [r for r in runs if "error" not in r and r.get("profile")]
            if not good:
                row["framework"][backend] = runs[0]
                continue
            walls = sorted(r["wall_s"] for r in good)
            pick = next(r for r in good if r["wall_s"] == walls[(len(walls) - 1) // 2])
            pick["breakdown"] = breakdown(pick, raw)
            pick["walls"] = walls
            pick["median_wall_s"] = statistics.median(walls)
            row["framework"][backend] = pick
        report.append(row)
        if not args.json:
            print_row(path.name, raw, row["framework"])
            for backend, fw in row["framework"].items():
                if "walls" in fw and len(fw["walls"]) > 1:
                    print(f"  {backend} walls over {len(fw['walls'])} runs: {fw['walls']}")
    if args.json:
        for row in report:
            for fw in row["framework"].values():
                fw.pop("profile", None)
        print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
