"""`rtl_graph`: the RTL as yosys sees it before optimisation, as JSON with `src` attributes.

`proc; flatten; opt_clean` keeps one word-level cell per operator, mux per `if`/`case` and
flip-flop per register, each with the `file:line` it came from, and the design's own signal
names (hierarchical after `flatten`: `u1.sum`, as the simulator's VCD names them). Debug
evidence walks this graph backwards from a failing output (agents/localise.py); no
optimisation runs, so a wrong operator is still a cell on its own line.
"""

from __future__ import annotations

import time

from pydantic import Field

from siliconcrew.core.names import check_identifier
from siliconcrew.core.params import ParamValue, check_parameters, chparam_line
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult
from siliconcrew.tools.diagnostics import first_errors, parse_yosys
from siliconcrew.tools.sources import (
    check_defines,
    resolve_dirs,
    resolve_sources,
    yosys_include_opts,
)

GRAPH_FILE = "rtl_graph.json"


class RtlGraphInput(ToolInput):
    files: list[str] = Field(description="RTL files (no testbenches), relative to the workspace")
    top: str = Field(description="top module")
    defines: dict[str, str | int | None] = Field(default_factory=dict)
    include_dirs: list[str] = Field(default_factory=list)
    parameters: dict[str, ParamValue] = Field(default_factory=dict)
    timeout_s: float = Field(120, gt=0, le=3600)


class RtlGraphTool(Tool[RtlGraphInput]):
    name = "rtl_graph"
    description = (
        "Elaborate RTL with yosys (proc, flatten, no optimisation) to a JSON graph whose "
        "cells carry their source file:line"
    )
    input_model = RtlGraphInput

    def run(self, ctx: ToolContext, inp: RtlGraphInput) -> ToolResult:
        start = time.perf_counter()
        check_identifier(inp.top, "top")
        files = resolve_sources(ctx, inp.files)
        incs = resolve_dirs(ctx, inp.include_dirs)
        defines = check_defines(inp.defines)
        params = check_parameters(inp.parameters)
        sb = ctx.sandbox
        job = ctx.job_dir("rtl_graph")
        opts = " ".join([*(f"-D{d}" for d in defines), *yosys_include_opts(ctx, incs)])
        reads = "\n".join(f'read_verilog -sv {opts} "{sb.inside(f)}"' for f in files)
        script = (
            f"{reads}\n{chparam_line(inp.top, params)}\nhierarchy -check -top {inp.top}\n"
            f"proc\nflatten\nopt_clean\nwrite_json {GRAPH_FILE}\n"
        )
        (job / "rtl_graph.ys").write_text(script)
        run = self.exec(
            ctx, ["yosys", "-q", "-l", "yosys.log", "rtl_graph.ys"], job, inp.timeout_s, "yosys"
        )
        log = job / "yosys.log"
        text = log.read_text(errors="replace") if log.is_file() else run.output
        diags = parse_yosys(text, lambda p: ctx.map_tool_path(p, job))
        out = job / GRAPH_FILE
        if run.exit_code != 0 or run.timed_out or not out.is_file():
            if not any(d.severity == "error" for d in diags):
                diags.append(
                    Diagnostic(
                        severity="error",
                        code="yosys",
                        message=run.killed_reason or f"yosys exit {run.exit_code}",
                    )
                )
            return self.result(
                ctx,
                ok=False,
                start=start,
                log=run,
                diagnostics=diags,
                summary="elaboration failed: " + first_errors(diags),
                failure="timeout" if run.timed_out else "check",
            )
        return self.result(
            ctx,
            ok=True,
            start=start,
            log=run,
            diagnostics=[d for d in diags if d.severity != "error"],
            summary=f"elaborated {inp.top} (proc, flatten) with source lines",
            artifacts={"graph": ctx.rel(out)},
        )
