"""Debug evidence for a failing testbench, through the tools: the testbench run again with a
full waveform (`simulate` with `dump_vcd`: an extra top module, the testbench untouched),
the RTL elaborated with source lines (`rtl_graph`), then `agents.localise` (pure) ranks the
lines. Used by the verification agent (graph runs, chat `/run`), `bench verilog-eval` on a
failing sample and benchmarks/bench_localise.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from siliconcrew.agents.localise import Evidence, localise
from siliconcrew.sandbox.safe_io import UnsafePath
from siliconcrew.tools.vcd_values import read_vcd

RunTool = Callable[[str, dict[str, Any]], Any]


def debug_evidence(
    run_tool: RunTool,
    workspace: Path,
    *,
    rtl_files: list[str],
    sim_input: dict[str, Any],
    top: str,
    include_dirs: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
) -> tuple[Evidence | None, str]:
    """(evidence, why not) for the failing simulation `sim_input` (the simulate tool's input
    as the check ran it) of design `top` in `rtl_files`. Evidence is None when the waveform
    or the graph could not be made (the reason says which); never raises for the design's
    own faults."""
    sim = dict(sim_input)
    if sim.get("simulator", "icarus") != "icarus":
        sim["simulator"] = "icarus"  # the debug waveform comes from icarus
    sim["dump_vcd"] = True
    res = run_tool("simulate", sim)
    vcd = res.artifacts.get("vcd")
    if res.metrics.get("sim__compiled") is False or not vcd:
        return None, "no waveform: " + res.summary
    graph_res = run_tool(
        "rtl_graph",
        {
            "files": rtl_files,
            "top": top,
            "include_dirs": include_dirs or [],
            "parameters": parameters or {},
        },
    )
    if not graph_res.ok:
        return None, "no RTL graph: " + graph_res.summary
    try:
        wf = read_vcd(workspace, workspace / vcd)
        graph = json.loads((workspace / graph_res.artifacts["graph"]).read_text())
    except (UnsafePath, OSError, ValueError) as exc:
        return None, f"waveform or graph unreadable: {exc}"
    sources = {}
    for f in rtl_files:
        try:
            sources[f] = (workspace / f).read_text(errors="replace")
        except OSError:
            continue
    log_path = res.artifacts.get("run_log")
    log = (workspace / log_path).read_text(errors="replace") if log_path else ""
    ev = localise(graph, wf, top, sources, log)
    if wf.truncated:
        ev.notes.append("the waveform was cut at its size limit: later samples are missing")
    return ev, ""
