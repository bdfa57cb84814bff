"""`sta`: OpenSTA setup/hold analysis of a synthesized netlist at one clock.

The 2019 OpenSTA in Debian exits 0 even when a command fails, so every run is checked for
`Error:` lines. Metrics use LibreLane's names so all flows speak one vocabulary.

Constraints follow LibreLane's base SDC: the input and output delays apply to both min and max
analysis, and the clock uncertainty to setup and hold. The clock is ideal (no CTS, no wires),
so a hold violation found here is a warning by default, not a failure: hold is signed off after
CTS and routing (the hardening engine's post-route timing decides). Setup still fails the run.
"""

from __future__ import annotations

import re
import time

from pydantic import Field

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.names import check_identifier
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult
from siliconcrew.tools.sources import liberty_inside, resolve_file
from siliconcrew.tools.sta_report import parse_endpoint_table, parse_paths

_SECTION = re.compile(r"^=== (\w+) ===$", re.MULTILINE)
_ERROR = re.compile(r"^Error: (.*)$", re.MULTILINE)
_HOLD_NOTE = "ideal clocks: hold is signed off after CTS and routing"
_NOT_FOUND = re.compile(r"^Warning: .*?(port|instance|net|cell) '([^']+)' not found", re.MULTILINE)


class StaInput(ToolInput):
    netlist: str = Field(description="gate-level netlist (e.g. the synthesize artefact)")
    top: str
    clock_port: str | None = Field(None, description="clock input; None = virtual clock")
    clock_period_ns: float = Field(gt=0, le=1e6)
    liberty: str | None = Field(None, description="osu018|osu035|osu050 or a .lib file")
    input_delay_ns: float = Field(
        0.0,
        ge=0,
        description="set_input_delay on every input but "
        "the clock, both -min and -max (LibreLane: 20 % of the period)",
    )
    output_delay_ns: float = Field(
        0.0, ge=0, description="set_output_delay on every output, both -min and -max"
    )
    clock_uncertainty_ns: float = Field(
        0.0, ge=0, description="set_clock_uncertainty (setup and hold)"
    )
    hold_gates: bool = Field(
        False,
        description="fail on a hold violation; default: a warning "
        "(ideal clocks before CTS: hold is signed off post-route)",
    )
    setup_gates: bool = Field(
        True,
        description="fail on a setup violation; False for a design "
        "with no clock requirement (the delay is reported, not judged)",
    )
    paths: int = Field(5, ge=1, le=100, description="worst setup paths to report in full")
    timeout_s: float = Field(300, gt=0)


def _sections(text: str) -> dict[str, str]:
    parts = _SECTION.split(text)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


class StaTool(Tool[StaInput]):
    name = "sta"
    description = "Static timing analysis with OpenSTA: setup/hold WNS/TNS and worst paths"
    input_model = StaInput

    def run(self, ctx: ToolContext, inp: StaInput) -> ToolResult:
        start = time.perf_counter()
        check_identifier(inp.top, "top")
        if inp.clock_port:
            check_identifier(inp.clock_port, "clock_port")
        netlist = resolve_file(ctx, inp.netlist, "netlist")
        sb = ctx.sandbox
        lib = liberty_inside(ctx, inp.liberty)
        job = ctx.job_dir("sta")
        p = inp.clock_period_ns
        if inp.clock_port:
            clock = f"create_clock -name clk -period {p} [get_ports {{{inp.clock_port}}}]"
            inputs = f"[delete_from_list [all_inputs] [get_ports {{{inp.clock_port}}}]]"
        else:
            clock = f"create_clock -name clk -period {p}"
            inputs = "[all_inputs]"
        tcl = f"""read_liberty {{{lib}}}
read_verilog {{{sb.inside(netlist)}}}
link_design {inp.top}
{clock}
set_clock_uncertainty {inp.clock_uncertainty_ns} [get_clocks clk]
set_input_delay -max {inp.input_delay_ns} -clock clk {inputs}
set_input_delay -min {inp.input_delay_ns} -clock clk {inputs}
set_output_delay -max {inp.output_delay_ns} -clock clk [all_outputs]
set_output_delay -min {inp.output_delay_ns} -clock clk [all_outputs]
puts "=== setup_end ==="
report_checks -path_delay max -group_count 100000 -endpoint_count 1 \
-format end -digits 4 > setup_end.txt
puts "=== hold_end ==="
report_checks -path_delay min -group_count 100000 -endpoint_count 1 \
-format end -digits 4 > hold_end.txt
puts "=== setup_paths ==="
report_checks -path_delay max -group_count {inp.paths} -endpoint_count 1 \
-fields {{fanout}} -digits 4 > setup_paths.txt
puts "=== hold_paths ==="
report_checks -path_delay min -group_count 1 -digits 4 > hold_paths.txt
puts "=== done ==="
"""
        (job / "sta.tcl").write_text(tcl)
        run = self.exec(ctx, ["sta", "-no_splash", "-exit", "sta.tcl"], job, inp.timeout_s, "sta")
        # Reports go to files (the console log is capped; a 64-bit design's endpoint table
        # alone passed the cap), then are put back under their section markers.
        out = run.output
        for name in ("setup_end", "hold_end", "setup_paths", "hold_paths"):
            part = job / f"{name}.txt"
            if part.exists():
                out = out.replace(
                    f"=== {name} ===\n", f"=== {name} ===\n{part.read_text(errors='replace')}", 1
                )
        (job / "sta.rpt").write_text(out)
        errors = [Diagnostic(severity="error", code="sta", message=m) for m in _ERROR.findall(out)]
        for kind, name in _NOT_FOUND.findall(out):
            if inp.clock_port and name == inp.clock_port:
                raise UserInputError(
                    f"clock port '{name}' not found in {inp.top}",
                    "give the clock input's name (clock_port) or none for a combinational design",
                )
            errors.append(
                Diagnostic(severity="error", code="sta", message=f"{kind} '{name}' not found")
            )
        if run.timed_out or "=== done ===" not in out or errors:
            if not errors:
                errors.append(
                    Diagnostic(
                        severity="error",
                        code="sta",
                        message=run.killed_reason or "sta did not complete",
                    )
                )
            if any("link" in d.message.lower() or "module" in d.message.lower() for d in errors):
                errors[0].message += f" (is '{inp.top}' the netlist's top module?)"
            return self.result(
                ctx,
                ok=False,
                start=start,
                log=run,
                diagnostics=errors,
                summary="sta failed: " + errors[0].message,
                failure="timeout" if run.timed_out else "tool",
                artifacts={"report": ctx.rel(job / "sta.rpt")},
            )
        sec = _sections(out)
        setup = parse_endpoint_table(sec.get("setup_end", ""))
        hold = parse_endpoint_table(sec.get("hold_end", ""))
        paths = parse_paths(sec.get("setup_paths", ""))
        hold_paths = parse_paths(sec.get("hold_paths", ""))

        def ws(rows):  # worst slack, or None when nothing is constrained
            return round(min(r.slack for r in rows), 4) if rows else None

        def tns(rows):
            return round(sum(min(0.0, r.slack) for r in rows), 4)

        metrics = {
            "timing__setup__ws": ws(setup),
            "timing__setup__tns": tns(setup),
            "timing__setup_vio__count": sum(r.slack < 0 for r in setup),
            "timing__hold__ws": ws(hold),
            "timing__hold__tns": tns(hold),
            "timing__hold_vio__count": sum(r.slack < 0 for r in hold),
            "clock__period_ns": p,
            # the constraints the figures are under (I/O paths change with them)
            "clock__uncertainty_ns": inp.clock_uncertainty_ns,
            "timing__input_delay_ns": inp.input_delay_ns,
            "timing__output_delay_ns": inp.output_delay_ns,
            "timing__endpoints": len(setup),
        }
        worst = paths[0].to_dict() if paths else None
        if metrics["timing__setup__ws"] is not None:
            # the clock the worst path meets, its I/O delays kept at the same share of the
            # period (design.yaml's clock.io_delay_pct); a reg-to-reg path: 1 / (period - WS)
            io = 0.0
            if worst and "(input port" in worst["startpoint"]:
                io += inp.input_delay_ns
            if worst and "(output port" in worst["endpoint"]:
                io += inp.output_delay_ns
            need = (p - metrics["timing__setup__ws"] - io) / (1 - io / p) if io < p else 0.0
            metrics["clock__fmax_mhz"] = round(1000.0 / need, 2) if need > 0 else None
        if hold_paths:
            metrics["timing__hold__worst_path"] = hold_paths[0].to_dict()
        metrics["timing__setup__worst_path"] = worst
        metrics["timing__setup__paths"] = [pth.to_dict() for pth in paths]
        diags = []
        setup_met = metrics["timing__setup__ws"] is None or metrics["timing__setup__ws"] >= 0
        hold_met = metrics["timing__hold__ws"] is None or metrics["timing__hold__ws"] >= 0
        met = (setup_met or not inp.setup_gates) and (hold_met or not inp.hold_gates)
        metrics["timing__hold__met"] = hold_met
        if not setup:
            diags.append(
                Diagnostic(
                    severity="warning",
                    code="unconstrained",
                    message="no constrained timing paths (no flops or I/O paths)",
                )
            )
        for r in setup:
            if r.slack < 0 and inp.setup_gates:
                diags.append(
                    Diagnostic(
                        severity="error",
                        code="setup",
                        message=f"setup violated at {r.endpoint}: slack {r.slack:g} ns",
                    )
                )
        for r in hold:
            if r.slack < 0:
                diags.append(
                    Diagnostic(
                        severity="error" if inp.hold_gates else "warning",
                        code="hold",
                        message=f"hold violated at {r.endpoint}: slack {r.slack:g} ns"
                        + ("" if inp.hold_gates else f" (pre-layout, {_HOLD_NOTE})"),
                    )
                )
        s_ws, h_ws = metrics["timing__setup__ws"], metrics["timing__hold__ws"]
        summary = (
            f"setup WNS {s_ws if s_ws is not None else 'n/a'} ns "
            f"(TNS {metrics['timing__setup__tns']}), hold WNS "
            f"{h_ws if h_ws is not None else 'n/a'} ns at {p:g} ns — "
            + ("timing met" if met else "timing VIOLATED")
        )
        if not hold_met and not inp.hold_gates:
            summary += f" (hold WARNING: pre-layout hold violated; {_HOLD_NOTE})"
        if not inp.setup_gates and s_ws is not None:
            delay = round(p - s_ws - inp.input_delay_ns - inp.output_delay_ns, 4)
            metrics["timing__comb_delay_ns"] = delay
            summary += (
                f" (no clock requirement: longest path {delay:g} ns, reported, not "
                "judged; add clock: {period_ns: N} to design.yaml to constrain it)"
            )
        if worst:
            summary += (
                f"; worst path {worst['startpoint'].split(' (')[0]} -> "
                f"{worst['endpoint'].split(' (')[0]}"
            )
        metrics["timing__met"] = met
        return self.result(
            ctx,
            ok=met,
            failure=None if met else "check",
            start=start,
            log=run,
            diagnostics=diags,
            summary=summary,
            metrics=metrics,
            artifacts={"report": ctx.rel(job / "sta.rpt"), "script": ctx.rel(job / "sta.tcl")},
        )
