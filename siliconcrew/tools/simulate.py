"""`simulate`: compile and run a testbench with Icarus (default) or Verilator --binary.

Pass/fail is judged from three signals, because testbenches report failure in different ways:
the simulator's exit code ($fatal, crashes), the output lines (fail patterns; required pass
patterns), and the timeout (a testbench that never calls $finish is a failure, not a hang).
"""

from __future__ import annotations

import re
import time
from typing import Literal

from pydantic import Field

from siliconcrew.core.errors import UserInputError
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult
from siliconcrew.tools.diagnostics import first_errors, parse_iverilog, parse_verilator, parse_vvp
from siliconcrew.tools.sources import (
    TECH_LIBERTY,
    check_defines,
    check_identifier,
    resolve_dirs,
    resolve_sources,
    stage_data_files,
)

# Lines that mean failure in common self-checking testbench styles. Case matters for FAIL so
# "0 failures" or "failsafe" never trip it; users override with fail_patterns.
DEFAULT_FAIL_PATTERNS = [
    r"^\s*(ERROR|FATAL)\b",
    r"\bFAIL(ED|URE)?\b",
    r"(?i)\btests? failed\b",
    r"(?i)\bassertion (failed|error)\b",
    r"\bMismatches:\s*[1-9]\d*",
    r"^%(Error|Fatal)",
]


#: The extra root module of a `dump_vcd` run and the file it writes.
DEBUG_DUMP_MODULE = "siliconcrew_debug_dump"
DEBUG_DUMP_FILE = "siliconcrew_debug.vcd"
DEBUG_DUMP_LIMIT_BYTES = 64 << 20


def debug_dump_source(tb_top: str) -> str:
    """A second root (`iverilog -s <tb> -s siliconcrew_debug_dump`) dumping everything under
    the testbench top: the design's internals too, for the failure's driver cone. Capped by
    `$dumplimit` so a long simulation cannot fill the disk."""
    return (
        "// written by siliconcrew: the debug waveform (the testbench is not edited)\n"
        f"module {DEBUG_DUMP_MODULE};\n"
        "  initial begin\n"
        f'    $dumpfile("{DEBUG_DUMP_FILE}");\n'
        f"    $dumpvars(0, {tb_top});\n"
        f"    $dumplimit({DEBUG_DUMP_LIMIT_BYTES});\n"
        "  end\n"
        "endmodule\n"
    )


class SimulateInput(ToolInput):
    files: list[str] = Field(description="design and testbench files, relative to the workspace")
    top: str = Field(description="top-level (testbench) module")
    simulator: Literal["icarus", "verilator"] = "icarus"
    timeout_s: float = Field(60, gt=0, le=24 * 3600, description="kill the run after this")
    defines: dict[str, str | int | None] = Field(default_factory=dict)
    include_dirs: list[str] = Field(default_factory=list)
    pass_patterns: list[str] | None = Field(
        None, description="regexes that must ALL appear in the output for a pass"
    )
    fail_patterns: list[str] | None = Field(
        None, description="regexes any of which makes the run fail (default: common styles)"
    )
    extra_tops: list[str] = Field(
        default_factory=list,
        description="more root modules elaborated beside `top` (icarus only), e.g. a probe "
        "that dumps a scope",
    )
    cell_library: Literal["osu018", "osu035", "osu050"] | None = Field(
        None,
        description="gate-level run: add this tech's standard-cell models (a "
        "synthesized netlist is among the files)",
    )
    dump_vcd: bool = Field(
        False,
        description="icarus: also dump every signal under the testbench top to a VCD "
        "(artifact 'vcd'), with an extra top-level module; the testbench is not edited",
    )


def _compile_patterns(patterns: list[str], what: str) -> list[re.Pattern]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.MULTILINE))
        except re.error as exc:
            raise UserInputError(
                f"bad {what} regex '{p}': {exc}", "fix the regular expression"
            ) from None
    return out


class SimulateTool(Tool[SimulateInput]):
    name = "simulate"
    description = "Simulate a testbench with iverilog/vvp or verilator --binary; pass/fail + VCD"
    input_model = SimulateInput

    def run(self, ctx: ToolContext, inp: SimulateInput) -> ToolResult:
        start = time.perf_counter()
        check_identifier(inp.top, "top")
        for extra in inp.extra_tops:
            check_identifier(extra, "extra_tops")
        if inp.extra_tops and inp.simulator != "icarus":
            raise UserInputError(
                "extra_tops needs the icarus simulator", "drop extra_tops or use icarus"
            )
        files = resolve_sources(ctx, inp.files)
        incs = resolve_dirs(ctx, inp.include_dirs)
        defines = check_defines(inp.defines)
        fail_res = _compile_patterns(
            DEFAULT_FAIL_PATTERNS if inp.fail_patterns is None else inp.fail_patterns, "fail"
        )
        pass_res = _compile_patterns(inp.pass_patterns or [], "pass")
        sb = ctx.sandbox
        job = ctx.job_dir("simulate")
        staged = stage_data_files(ctx.workspace, files, job)
        srcs = [sb.inside(f) for f in files]
        if inp.cell_library:
            srcs.append(TECH_LIBERTY[inp.cell_library].replace(".lib", ".v"))
        mapper = lambda p: ctx.map_tool_path(p, job)  # noqa: E731

        roots = ["-s", inp.top, *[a for t in inp.extra_tops for a in ("-s", t)]]
        if inp.dump_vcd:
            if inp.simulator != "icarus":
                raise UserInputError(
                    "dump_vcd needs simulator 'icarus'", "use icarus for a debug waveform"
                )
            (job / f"{DEBUG_DUMP_MODULE}.v").write_text(debug_dump_source(inp.top))
            srcs.append(f"{DEBUG_DUMP_MODULE}.v")
            roots += ["-s", DEBUG_DUMP_MODULE]
        if inp.simulator == "icarus":
            comp = self.exec(
                ctx,
                [
                    "iverilog",
                    "-g2012",
                    *roots,
                    "-o",
                    "sim.vvp",
                    *[f"-D{d}" for d in defines],
                    *[f"-I{sb.inside(d)}" for d in incs],
                    *srcs,
                ],
                job,
                300,
                "compile",
            )
            comp_diags = parse_iverilog(comp.output, mapper)
            run_argv = ["vvp", "-n", "sim.vvp"]
        else:
            comp = self.exec(
                ctx,
                [
                    "verilator",
                    "--binary",
                    "--timing",
                    "-j",
                    "2",
                    "-Wno-fatal",
                    "-Wno-lint",
                    "-Wno-style",
                    "--top-module",
                    inp.top,
                    "-Mdir",
                    "obj",
                    "-o",
                    "Vsim",
                    *[f"-D{d}" for d in defines],
                    *[f"-I{sb.inside(d)}" for d in incs],
                    *srcs,
                ],
                job,
                900,
                "compile",
            )
            comp_diags = [d for d in parse_verilator(comp.output, mapper)]
            run_argv = ["obj/Vsim"]

        if comp.exit_code != 0 or comp.timed_out:
            errs = [d for d in comp_diags if d.severity == "error"] or [
                Diagnostic(
                    severity="error",
                    code="compile",
                    message=comp.killed_reason
                    or (
                        comp.output.strip().splitlines() or [f"compiler exit code {comp.exit_code}"]
                    )[-1],
                )
            ]
            return self.result(
                ctx,
                ok=False,
                start=start,
                log=comp,
                summary="compile failed: " + first_errors(errs),
                diagnostics=comp_diags or errs,
                failure="check",
                metrics={"sim__compiled": False},
            )

        # Patterns are matched by the sandbox over the whole output stream, before the log is
        # capped: a failure line in the middle of a flood must still fail the run.
        run = self.exec(ctx, run_argv, job, inp.timeout_s, "run", watch=[*fail_res, *pass_res])
        out = run.output
        diags = [d for d in comp_diags if d.severity == "warning"] + parse_vvp(out, mapper)
        reasons: list[str] = []
        failure = None
        if run.timed_out:
            reasons.append(
                f"did not finish within {inp.timeout_s:g} s (killed; does the "
                "testbench call $finish?)"
            )
            failure = "timeout"
        elif run.exit_code != 0:
            reasons.append(run.killed_reason or f"simulator exit code {run.exit_code}")
        for rx in fail_res:
            if rx.pattern in run.hits:
                line = run.hits[rx.pattern].strip()
                reasons.append(f"output matches fail pattern {rx.pattern!r}: {line[:200]}")
        if not run.timed_out:
            for rx in pass_res:
                if rx.pattern not in run.hits:
                    reasons.append(f"required pass pattern {rx.pattern!r} not in output")
        ok = not reasons
        if not ok and failure is None:
            failure = "check"
            diags.append(Diagnostic(severity="error", code="sim-fail", message=reasons[0]))
        for extra in reasons[1:]:
            diags.append(Diagnostic(severity="error", code="sim-fail", message=extra))
        metrics: dict = {
            "sim__compiled": True,
            "sim__exit_code": run.exit_code,
            "sim__timed_out": run.timed_out,
            "sim__output_bytes": run.output_bytes,
            "sim__output_truncated": run.truncated,
            "sim__data_files": staged,
        }
        if run.truncated:
            diags.append(
                Diagnostic(
                    severity="info",
                    code="output-truncated",
                    message=f"output was {run.output_bytes} bytes; the log keeps its head and tail "
                    "(pass/fail patterns were checked against all of it)",
                )
            )
        for note in run.notes:
            diags.append(Diagnostic(severity="warning", code="sandbox", message=note))
        artifacts = {"compile_log": ctx.rel(comp.log_path), "run_log": ctx.rel(run.log_path)}
        vcds = sorted(job.rglob("*.vcd"))
        if inp.dump_vcd and (job / DEBUG_DUMP_FILE).is_file():
            artifacts["vcd"] = ctx.rel(job / DEBUG_DUMP_FILE)
        elif vcds:
            artifacts["vcd"] = ctx.rel(vcds[0])
        summary = (
            f"simulation passed ({inp.simulator}, {run.duration_s:.2f} s)"
            if ok
            else "simulation failed: " + "; ".join(reasons[:2])
        )
        return self.result(
            ctx,
            ok=ok,
            summary=summary,
            start=start,
            log=run,
            diagnostics=diags,
            artifacts=artifacts,
            metrics=metrics,
            failure=failure,
        )
