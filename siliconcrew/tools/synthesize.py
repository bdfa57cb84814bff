"""`synthesize`: Yosys generic synthesis mapped to a standard-cell liberty (osu018 default).

Writes two netlists: `netlist.v` without attributes (what OpenSTA 2019 can read; internal
nets are split so no `assign {...} = {...}` concatenation reaches its parser) and
`netlist.json` with `src` attributes, which timing debug uses to map cells back to RTL lines.
"""

from __future__ import annotations

import re
import time

from pydantic import Field

from siliconcrew.core.names import check_identifier
from siliconcrew.core.params import ParamValue, check_parameters, chparam_line, unknown_parameter
from siliconcrew.core.recipe import SynthRecipe
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult
from siliconcrew.tools.diagnostics import first_errors, parse_yosys
from siliconcrew.tools.seq_legalize import (
    applies_to,
    legalize_lines,
    rtl_has_z,
    tristate_lines,
    write_latch_map,
    write_tbuf_map,
)
from siliconcrew.tools.sources import (
    check_defines,
    liberty_inside,
    resolve_dirs,
    resolve_sources,
    stage_data_files,
    yosys_include_opts,
)

_CELLS = re.compile(r"^\s+Number of cells:\s+(\d+)", re.MULTILINE)
_AREA = re.compile(r"Chip area for (?:top )?module '\\?([^']+)':\s+([\d.]+)")
_CELL_LINE = re.compile(r"^\s{5,}(\S+)\s+(\d+)\s*$", re.MULTILINE)


class SynthesizeInput(ToolInput):
    files: list[str] = Field(description="RTL files (no testbenches), relative to the workspace")
    top: str = Field(description="top module")
    liberty: str | None = Field(None, description="osu018|osu035|osu050 or a .lib in the workspace")
    defines: dict[str, str | int | None] = Field(default_factory=dict)
    include_dirs: list[str] = Field(default_factory=list)
    parameters: dict[str, ParamValue] = Field(
        default_factory=dict,
        description="top-level parameter values to build with "
        "(chparam on the top; LibreLane's SYNTH_PARAMETERS)",
    )
    flatten: bool = True
    recipe: SynthRecipe = Field(
        default_factory=SynthRecipe,
        description="timing knobs (delay target, sizing, prefix "
        "adders, retiming); default = plain synthesis",
    )
    timeout_s: float = Field(600, gt=0, le=24 * 3600)


def parse_stat(text: str) -> tuple[int | None, float | None, dict[str, int]]:
    """Cell count, area and per-cell counts from the last `stat -liberty` block."""
    block = text[text.rfind("=== ") :] if "=== " in text else text
    cells = _CELLS.findall(block)
    areas = _AREA.findall(block)
    per_cell = {name: int(n) for name, n in _CELL_LINE.findall(block)}
    return (int(cells[-1]) if cells else None, float(areas[-1][1]) if areas else None, per_cell)


class SynthesizeTool(Tool[SynthesizeInput]):
    name = "synthesize"
    description = "Synthesize RTL with yosys to a liberty: netlist, cell count, area, warnings"
    input_model = SynthesizeInput

    def run(self, ctx: ToolContext, inp: SynthesizeInput) -> ToolResult:
        start = time.perf_counter()
        check_identifier(inp.top, "top")
        files = resolve_sources(ctx, inp.files)
        incs = resolve_dirs(ctx, inp.include_dirs)
        defines = check_defines(inp.defines)
        params = check_parameters(inp.parameters)
        sb = ctx.sandbox
        lib = liberty_inside(ctx, inp.liberty)
        job = ctx.job_dir("synthesize")
        stage_data_files(ctx.workspace, files, job)  # $readmemh("rom.hex") in the RTL
        opts = " ".join([*(f"-D{d}" for d in defines), *yosys_include_opts(ctx, incs)])
        reads = "\n".join(f'read_verilog -sv {opts} "{sb.inside(f)}"' for f in files)
        recipe = inp.recipe
        inside = {k: sb.inside(v) for k, v in recipe.support_files(job).items()}
        legalize = (
            "\n".join(
                legalize_lines(sb.inside(write_latch_map(job)), sb.inside(write_tbuf_map(job)))
            )
            if applies_to(inp.liberty)
            else ""
        )
        tristate = "\n".join(tristate_lines(inp.flatten))
        script = f"""read_liberty -lib "{lib}"
{reads}
{chparam_line(inp.top, params)}
hierarchy -check -top {inp.top}
{tristate}
{recipe.high_level(inp.top, inp.flatten, inside)}
{legalize}
check
dfflibmap -liberty "{lib}"
{recipe.abc_command(lib, inside)}
setundef -zero
splitnets
opt_clean -purge
tee -o stat.txt stat -liberty "{lib}"
write_verilog -noattr -noexpr netlist.v
write_json netlist.json
"""
        (job / "synth.ys").write_text(script)
        run = self.exec(
            ctx, ["yosys", "-q", "-l", "yosys.log", "synth.ys"], job, inp.timeout_s, "yosys"
        )
        log_text = (
            (job / "yosys.log").read_text(errors="replace")
            if (job / "yosys.log").exists()
            else run.output
        )
        mapper = lambda p: ctx.map_tool_path(p, job)  # noqa: E731
        diags = [d for d in parse_yosys(log_text, mapper) if not d.message.startswith("ABC:")]
        if run.exit_code != 0 or run.timed_out:
            wrong_param = unknown_parameter(log_text, inp.top) if params else None
            if wrong_param:
                diags.insert(0, Diagnostic(severity="error", code="parameter", message=wrong_param))
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
                summary="synthesis failed: " + first_errors(diags),
                failure="timeout" if run.timed_out else "check",
                artifacts={"yosys_log": ctx.rel(job / "yosys.log")}
                if (job / "yosys.log").exists()
                else {},
            )
        stat = (job / "stat.txt").read_text(errors="replace") if (job / "stat.txt").exists() else ""
        cells, area, per_cell = parse_stat(stat)
        unmapped = {c: n for c, n in per_cell.items() if c.startswith("$")}
        for cell, n in unmapped.items():
            diags.append(
                Diagnostic(
                    severity="warning",
                    code="unmapped",
                    message=f"{n} cell(s) of type {cell} not mapped to the liberty"
                    + (
                        " (latch: the library mapping has no latch cell)"
                        if "LATCH" in cell.upper()
                        else ""
                    ),
                )
            )
        tristate_cells = sum(n for c, n in per_cell.items() if "TBUF" in c.upper())
        if tristate_cells == 0 and rtl_has_z(files):
            diags.append(
                Diagnostic(
                    severity="warning",
                    code="tri-state-lost",
                    message="the RTL writes z but the netlist has no tri-state "
                    "driver: only `assign y = en ? v : 'bz;` (a mux "
                    "with z) becomes a tri-state buffer; a z from a "
                    "case statement or a constant z became 0",
                )
            )
        latches = sum(1 for d in diags if d.code == "latch")
        drivers = sum(1 for d in diags if d.code == "multiple-drivers")
        metrics = {
            "design__instance__count": cells,
            "design__instance__area": area,
            "synth__latch__count": latches,
            "synth__multiple_driver__count": drivers,
            "synth__unmapped__count": sum(unmapped.values()),
            "synth__recipe": recipe.label(),
            **({"synth__parameters": dict(params)} if params else {}),
            "synth__cells_by_type": per_cell,
        }
        warnings = [d for d in diags if d.severity == "warning"]
        summary = (
            f"synthesized {inp.top}: {cells} cells, area {area:g}"
            if cells is not None and area is not None
            else f"synthesized {inp.top}"
        )
        if warnings:
            summary += (
                f" ({len(warnings)} warnings: "
                + ", ".join(sorted({d.code or "yosys" for d in warnings}))
                + ")"
            )
        return self.result(
            ctx,
            ok=True,
            start=start,
            log=run,
            diagnostics=diags,
            summary=summary,
            metrics=metrics,
            artifacts={
                "netlist": ctx.rel(job / "netlist.v"),
                "netlist_json": ctx.rel(job / "netlist.json"),
                "stat": ctx.rel(job / "stat.txt"),
                "yosys_log": ctx.rel(job / "yosys.log"),
            },
        )
