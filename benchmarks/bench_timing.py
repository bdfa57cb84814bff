#!/usr/bin/env python3
"""Timing repair on the evaluation set (benchmarks/timing_designs, issue #6 §3).

For each design: WNS before/after at its stated clock (pre-layout OpenSTA), the post-route
WNS of the closing candidate (qflow: synthesis with the recipe, placement, routing, vesta
with extracted parasitics, and the testbench on the post-route netlist; a closure is claimed
only when that passes, `--no-engine-check` to skip it), the latency pipelining added, the
strategy that worked, attempts, wall time, and the share of designs closed with no LLM.
Every kept fix was checked by equivalence (proof or random co-simulation) and the design's
testbench on the gate-level netlist. `--harden` also runs the whole qflow flow (to GDS) with
the default synthesis and with the recipe found.

Each design is copied to a scratch folder first, so the set stays clean. Prints figures;
not a test. Example:
    .venv/bin/python benchmarks/bench_timing.py --only add32,mul16 --json out.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from siliconcrew.core.settings import load_settings  # noqa: E402
from siliconcrew.repair.timing.ladder import RepairBudget, repair_design  # noqa: E402
from siliconcrew.sandbox import open_sandbox  # noqa: E402
from siliconcrew.steps.timing_engine import engine_checker  # noqa: E402

DESIGNS = REPO / "benchmarks" / "timing_designs"


def fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:+.3f}"


def harden_with(
    folder: Path, factory, recipe: dict, period: float, rtl: list[str] | None = None
) -> dict:
    from siliconcrew.steps.harden import harden

    rep = harden(
        folder,
        factory,
        max_repairs=1,
        clock_period_ns=period,
        rtl=rtl,  # the pipelined RTL when pipelining closed it
        extra_options={"synth_recipe": recipe} if recipe else None,
    )
    m = rep.result.metrics
    return {
        "status": rep.status,
        "post_route_ws": m.get("timing__setup__ws"),
        "cells": m.get("synth__cell__count"),
        "drc": m.get("magic__drc_error__count"),
        "lvs": m.get("design__lvs_error__count"),
        "gl_sim": m.get("gl_sim__passed"),
    }


def graph_runs(args, names: list[str]) -> int:
    """The graph's timing node on each design: closed (reaches the hardening gate) or an
    honest timing_failed with the evidence."""
    import os
    import subprocess

    cli = [sys.executable, "-m", "siliconcrew"]
    env = {**os.environ, "SILICONCREW_MODEL": ""}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-timing-graph-") as tmp:
        for name in names:
            work = Path(tmp) / name
            shutil.copytree(
                args.designs / name, work, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
            )
            t0 = time.perf_counter()
            argv = [*cli, "run", str(work), "--json", "--approve", "ask"]
            if args.sandbox:
                argv += ["--sandbox", args.sandbox]
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=3600)
            wall = time.perf_counter() - t0
            try:
                data = json.loads(proc.stdout)
            except json.JSONDecodeError:
                print(f"{name:10s} run failed: {proc.stderr.strip()[-300:]}")
                continue
            timing = [n["outcome"] for n in data.get("nodes", []) if n["node"] == "timing"]
            reached = any(n["node"] == "harden" for n in data.get("nodes", []))
            row = {
                "design": name,
                "status": data.get("status"),
                "timing": timing,
                "reached_hardening": reached,
                "wall_s": round(wall, 1),
                "reason": (data.get("reason") or "")[:300],
            }
            rows.append(row)
            print(
                f"{name:10s} {'closed' if reached else data.get('status'):14s} "
                f"{wall:6.1f} s  timing node: {'; '.join(timing) or '-'}",
                flush=True,
            )
    print(
        f"\nreached hardening {sum(r['reached_hardening'] for r in rows)}/{len(rows)}; "
        f"the rest stopped with timing_failed and their evidence"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", type=Path, default=DESIGNS)
    ap.add_argument("--only", default="", help="comma-separated design names")
    ap.add_argument("--sandbox", default=None, help="auto | docker | local")
    ap.add_argument("--max-attempts", type=int, default=8)
    ap.add_argument(
        "--target-slack", type=float, default=0.0, help="closed means pre-layout WNS >= this (ns)"
    )
    ap.add_argument(
        "--harden",
        action="store_true",
        help="also harden with qflow (baseline and repaired) for post-route WNS",
    )
    ap.add_argument(
        "--graph",
        action="store_true",
        help="run the whole agent graph instead (`siliconcrew run`, no LLM, "
        "stopping at the hardening gate) and print where timing ended",
    )
    ap.add_argument(
        "--no-engine-check",
        action="store_true",
        help="claim closure pre-layout (skip the qflow post-route confirmation)",
    )
    ap.add_argument("--json", type=Path, default=None, help="write all figures here")
    args = ap.parse_args()

    overrides = {"backend": args.sandbox} if args.sandbox else {}
    settings = load_settings(**overrides)

    def factory(ws: Path, image: str | None = None):
        return open_sandbox(ws, settings.sandbox)

    names = [n for n in args.only.split(",") if n] or sorted(
        p.name for p in args.designs.iterdir() if (p / "design.yaml").is_file()
    )
    if args.graph:
        return graph_runs(args, names)
    rows = []
    print(
        f"{'design':10s} {'clock':>6s} {'WNS before':>10s} {'WNS after':>10s} "
        f"{'post-route':>10s} {'closed':>6s} {'+lat':>4s} {'tries':>5s} {'wall s':>7s}  "
        "strategy",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-timing-") as tmp:
        for name in names:
            work = Path(tmp) / name
            shutil.copytree(
                args.designs / name, work, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
            )
            t0 = time.perf_counter()
            rep = repair_design(
                work,
                factory,
                budget=RepairBudget(
                    max_attempts=args.max_attempts, target_slack_ns=args.target_slack
                ),
                engine_check_factory=None if args.no_engine_check else engine_checker,
            )
            row = {
                "design": name,
                "period_ns": rep.period_ns,
                "wns_before": rep.wns_before,
                "wns_after": rep.wns_after,
                "closed": rep.closed,
                "strategy": rep.strategy,
                "recipe": rep.recipe,
                "iterations": rep.iterations,
                "llm_used": rep.llm_used,
                "wall_s": round(time.perf_counter() - t0, 1),
                "stopped": rep.stopped,
                "post_route_wns": rep.post_route_wns,
                "engine_checked": rep.engine_checked,
                "added_latency": rep.added_latency,
                "pipelining": rep.pipelining,
                "attempts": [
                    {
                        "strategy": a.strategy,
                        "wns_after": a.wns_after,
                        "post_route_wns": a.post_route_wns,
                        "kept": a.kept,
                        "reason": a.reason,
                        "cells": a.cells,
                        "explored": a.explored,
                        "engine": a.engine,
                    }
                    for a in rep.attempts
                ],
            }
            verdict = "yes" if rep.closed else "no"
            if rep.closed and not rep.engine_checked:
                verdict = "pre"  # closed pre-layout, no engine confirmation
            print(
                f"{name:10s} {rep.period_ns:6.2f} {fmt(rep.wns_before):>10s} "
                f"{fmt(rep.wns_after):>10s} {fmt(rep.post_route_wns):>10s} {verdict:>6s} "
                f"{rep.added_latency:4d} {rep.iterations:5d} {row['wall_s']:7.1f}  "
                f"{rep.strategy or '-'}" + ("" if rep.closed else f" ({rep.stopped})"),
                flush=True,
            )
            if args.harden:
                row["harden_baseline"] = harden_with(work, factory, {}, rep.period_ns)
                row["harden_repaired"] = harden_with(
                    work, factory, rep.recipe, rep.period_ns, rep.rtl if rep.added_latency else None
                )
                print(
                    f"{'':10s} post-route WNS (qflow/vesta): baseline "
                    f"{fmt(row['harden_baseline']['post_route_ws'])}, with recipe "
                    f"{fmt(row['harden_repaired']['post_route_ws'])} "
                    f"(DRC {row['harden_repaired']['drc']}, LVS "
                    f"{row['harden_repaired']['lvs']}, gate-level sim "
                    f"{row['harden_repaired']['gl_sim']})",
                    flush=True,
                )
            rows.append(row)
    closed = sum(r["closed"] for r in rows)
    no_llm = sum(r["closed"] and not r["llm_used"] for r in rows)
    improved = sum(
        r["wns_after"] is not None
        and r["wns_before"] is not None
        and r["wns_after"] > r["wns_before"]
        for r in rows
    )
    post = sum(r["closed"] and r["engine_checked"] for r in rows)
    print(
        f"\nclosed post-route (engine-confirmed) {post}/{len(rows)}; "
        f"closed {closed}/{len(rows)}; closed with no LLM {no_llm}/{len(rows)} "
        f"({100.0 * no_llm / max(1, len(rows)):.0f} %); WNS improved on {improved}/{len(rows)}; "
        f"total {sum(r['wall_s'] for r in rows):.0f} s"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
