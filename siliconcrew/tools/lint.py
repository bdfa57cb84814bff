"""`lint`: Verilator -Wall lint plus an Icarus parse; both must accept the code.

Two front ends catch different things (Verilator: widths, unused, latches; Icarus: what the
default simulator will refuse), and agents fix code faster with both sets of messages.
"""

from __future__ import annotations

import time

from pydantic import Field

from siliconcrew.core.names import check_identifier
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult
from siliconcrew.tools.diagnostics import first_errors, parse_iverilog, parse_verilator
from siliconcrew.tools.sources import resolve_dirs, resolve_sources


class LintInput(ToolInput):
    files: list[str] = Field(description="Verilog/SystemVerilog files, relative to the workspace")
    top: str | None = Field(None, description="top module name (optional)")
    include_dirs: list[str] = Field(default_factory=list, description="`include search dirs")
    timeout_s: float = Field(120, gt=0, le=3600)


class LintTool(Tool[LintInput]):
    name = "lint"
    description = "Lint Verilog with verilator --lint-only -Wall and an iverilog parse"
    input_model = LintInput

    def run(self, ctx: ToolContext, inp: LintInput) -> ToolResult:
        start = time.perf_counter()
        files = resolve_sources(ctx, inp.files)
        incs = resolve_dirs(ctx, inp.include_dirs)
        if inp.top:
            check_identifier(inp.top, "top")
        sb = ctx.sandbox
        job = ctx.job_dir("lint")
        srcs = [sb.inside(f) for f in files]
        inc_args = [f"-I{sb.inside(d)}" for d in incs]
        top_v = ["--top-module", inp.top] if inp.top else []
        top_i = ["-s", inp.top] if inp.top else []
        mapper = lambda p: ctx.map_tool_path(p, job)  # noqa: E731

        ver = self.exec(
            ctx,
            [
                "verilator",
                "--lint-only",
                "-Wall",
                "-Wno-fatal",
                "--timing",
                *top_v,
                *inc_args,
                *srcs,
            ],
            job,
            inp.timeout_s,
            "verilator",
        )
        diags = parse_verilator(ver.output, mapper)
        ivl = self.exec(
            ctx,
            ["iverilog", "-g2012", "-o", "/dev/null", *top_i, *inc_args, *srcs],
            job,
            inp.timeout_s,
            "iverilog",
        )
        ivl_diags = [
            d for d in parse_iverilog(ivl.output, mapper) if d.message not in ("I give up.",)
        ]
        if ivl.exit_code == 0 and not ivl.timed_out:
            # Icarus' "sorry: ... not currently supported" on code it then compiled is its own
            # limitation (e.g. a constant select in always_comb: it widens the sensitivity),
            # not the design's error; yosys and verilator judge the code for themselves.
            ivl_diags = [
                d.model_copy(
                    update={
                        "severity": "warning",
                        "message": f"iverilog limitation (it compiled the code "
                        f"anyway): {d.message}",
                    }
                )
                if d.code == "iverilog-sorry"
                else d
                for d in ivl_diags
            ]
        verilator_limited = False
        if ivl.exit_code == 0 and not any(d.severity == "error" for d in ivl_diags):
            diags, verilator_limited = _tool_limits_as_warnings(diags)
        # Icarus repeats what Verilator found; keep its messages only where Verilator is silent.
        seen = {(d.file, d.line) for d in diags if d.severity == "error"}
        diags += [d for d in ivl_diags if (d.file, d.line) not in seen or d.file is None]
        for run, tool in ((ver, "verilator"), (ivl, "iverilog")):
            if run.timed_out:
                diags.append(
                    Diagnostic(
                        severity="error", code="timeout", message=f"{tool} {run.killed_reason}"
                    )
                )
            elif run is ver and verilator_limited:
                continue  # verilator stopped on its own limitation, already reported
            elif run.exit_code != 0 and not any(d.severity == "error" for d in diags):
                tail = run.output.strip().splitlines()[-1:] or [f"exit code {run.exit_code}"]
                diags.append(Diagnostic(severity="error", code=tool, message=tail[0]))
        errors = [d for d in diags if d.severity == "error"]
        warnings = [d for d in diags if d.severity == "warning"]
        ok = not errors
        summary = (
            f"lint clean ({len(warnings)} warnings)"
            if ok
            else f"lint failed: {len(errors)} errors, {len(warnings)} warnings — "
            + first_errors(errors)
        )
        return self.result(
            ctx,
            ok=ok,
            summary=summary,
            start=start,
            log=ver,
            diagnostics=diags,
            artifacts={
                "verilator_log": ctx.rel(ver.log_path),
                "iverilog_log": ctx.rel(ivl.log_path),
            },
            metrics={"lint__errors": len(errors), "lint__warnings": len(warnings)},
            failure=None if ok else ("timeout" if ver.timed_out or ivl.timed_out else "check"),
        )


def _is_tool_limitation(d: Diagnostic) -> bool:
    return d.severity == "error" and (
        d.code == "UNSUPPORTED" or d.message.startswith("Unsupported")
    )


def _tool_limits_as_warnings(diags: list[Diagnostic]) -> tuple[list[Diagnostic], bool]:
    """Verilator's "Unsupported ..." errors become warnings when Icarus accepts the code.

    "Unsupported tristate construct" and friends say what Verilator cannot model, not that the
    design is wrong: Icarus and Yosys take such RTL. Blocking lint on them would send the RTL
    agent to "fix" correct code. Returns the new list and whether anything was downgraded.
    """
    out: list[Diagnostic] = []
    changed = False
    for d in diags:
        if _is_tool_limitation(d):
            changed = True
            d = d.model_copy(
                update={
                    "severity": "warning",
                    "code": "verilator-unsupported",
                    "message": f"verilator cannot model this (iverilog accepts it): {d.message}",
                }
            )
        out.append(d)
    return out, changed
