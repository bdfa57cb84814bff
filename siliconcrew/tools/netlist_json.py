"""`netlist_json`: elaborate Verilog with yosys (proc, flatten, tribuf) and write its JSON netlist.

Structural rules (what drives a port bit, whether a latch or a tri-state buffer was inferred)
are read from the elaborated netlist rather than from the source text: yosys has already
resolved generate blocks, parameters and procedural code into cells, so a rule cannot be
fooled by how the Verilog is written.
"""

from __future__ import annotations

import time

from pydantic import Field

from siliconcrew.core.names import check_identifier
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult
from siliconcrew.tools.diagnostics import first_errors, parse_yosys
from siliconcrew.tools.sources import (
    check_defines,
    resolve_dirs,
    resolve_sources,
    yosys_include_opts,
)


class NetlistJsonInput(ToolInput):
    files: list[str] = Field(description="Verilog files, workspace-relative")
    top: str = Field(description="top module")
    defines: dict[str, str | int | None] = Field(default_factory=dict)
    include_dirs: list[str] = Field(default_factory=list, description="`include search dirs")
    timeout_s: float = Field(300, gt=0, le=3600)


class NetlistJsonTool(Tool[NetlistJsonInput]):
    name = "netlist_json"
    description = "Elaborate Verilog with yosys (proc, flatten, tribuf) and write netlist.json"
    input_model = NetlistJsonInput
    agents = ("verification",)

    def run(self, ctx: ToolContext, inp: NetlistJsonInput) -> ToolResult:
        start = time.perf_counter()
        check_identifier(inp.top, "top")
        files = resolve_sources(ctx, inp.files)
        defines = check_defines(inp.defines)
        incs = resolve_dirs(ctx, inp.include_dirs)
        sb = ctx.sandbox
        job = ctx.job_dir("netlist")
        dflags = " ".join([*(f"-D{d}" for d in defines), *yosys_include_opts(ctx, incs)])
        script = [f"read_verilog -sv {dflags} {sb.inside(f)}" for f in files]
        script += [
            f"hierarchy -check -top {inp.top}",
            "proc",
            "flatten",
            "tribuf",
            "opt_clean",
            "write_json netlist.json",
        ]
        (job / "netlist.ys").write_text("\n".join(script) + "\n")
        run = self.exec(ctx, ["yosys", "-q", "-s", "netlist.ys"], job, inp.timeout_s, "yosys")
        out = job / "netlist.json"
        if run.exit_code != 0 or not out.is_file():
            diags = parse_yosys(run.output, lambda p: ctx.map_tool_path(p, job)) or [
                Diagnostic(code="yosys", message=run.killed_reason or f"exit {run.exit_code}")
            ]
            return self.result(
                ctx,
                ok=False,
                start=start,
                log=run,
                summary="elaboration failed: " + first_errors(diags),
                diagnostics=diags,
                failure="timeout" if run.timed_out else "check",
            )
        return self.result(
            ctx,
            ok=True,
            start=start,
            log=run,
            summary=f"elaborated {inp.top}",
            artifacts={"netlist_json": ctx.rel(out)},
        )
