"""`equivalence`: prove a synthesized netlist equals its RTL with Yosys' equiv_* passes.

The liberty is read with cell functions (not as blackboxes) so the gate netlist has real
logic; `equiv_simple` + `equiv_induct` then prove matching signals equal. "Unproven" is not
"different": the result says which signals could not be proven so a human or agent can look.
"""

from __future__ import annotations

import re
import time

from pydantic import Field

from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult
from siliconcrew.tools.diagnostics import first_errors, parse_yosys
from siliconcrew.tools.sources import (check_defines, check_identifier, liberty_inside,
                                       resolve_file, resolve_sources)

_PROVEN = re.compile(r"Of those cells (\d+) are proven and (\d+) are unproven")
_FOUND = re.compile(r"Found (\d+) \$equiv cells")
_UNPROVEN = re.compile(r"Unproven \$equiv \S+: (\S+(?: \[\d+\])?) (\S+(?: \[\d+\])?)")


class EquivalenceInput(ToolInput):
    files: list[str] = Field(description="RTL files of the design (gold)")
    netlist: str = Field(description="gate-level netlist to check (gate)")
    top: str
    liberty: str | None = Field(None, description="liberty the netlist was mapped to")
    defines: dict[str, str | int | None] = Field(default_factory=dict)
    seq_depth: int = Field(5, ge=1, le=50, description="induction depth for sequential logic")
    timeout_s: float = Field(600, gt=0)


class EquivalenceTool(Tool):
    name = "equivalence"
    description = "Check RTL vs synthesized netlist equivalence (yosys equiv_make/simple/induct)"
    input_model = EquivalenceInput

    def run(self, ctx: ToolContext, inp: EquivalenceInput) -> ToolResult:
        start = time.perf_counter()
        check_identifier(inp.top, "top")
        files = resolve_sources(ctx, inp.files)
        netlist = resolve_file(ctx, inp.netlist, "netlist")
        defines = " ".join(f"-D{d}" for d in check_defines(inp.defines))
        sb = ctx.sandbox
        lib = liberty_inside(ctx, inp.liberty)
        job = ctx.job_dir("equivalence")
        reads = "\n".join(f'read_verilog -sv {defines} "{sb.inside(f)}"' for f in files)
        t, n = inp.top, inp.seq_depth
        script = f"""{reads}
prep -flatten -top {t}
rename {t} gold
design -stash gold
read_liberty -ignore_miss_func "{lib}"
read_verilog "{sb.inside(netlist)}"
prep -flatten -top {t}
rename {t} gate
design -stash gate
design -copy-from gold -as gold gold
design -copy-from gate -as gate gate
equiv_make gold gate equiv
hierarchy -top equiv
async2sync
equiv_simple -seq {n}
equiv_induct -seq {n}
equiv_status
"""
        (job / "equiv.ys").write_text(script)
        run = self.exec(ctx, ["yosys", "-q", "-l", "equiv.log", "equiv.ys"], job, inp.timeout_s,
                        "yosys")
        log_path = job / "equiv.log"
        text = log_path.read_text(errors="replace") if log_path.exists() else run.output
        artifacts = {"log": ctx.rel(log_path)} if log_path.exists() else {}
        if run.exit_code != 0 or run.timed_out:
            diags = [d for d in parse_yosys(text, lambda p: ctx.map_tool_path(p, job))
                     if d.severity == "error"] or [Diagnostic(
                         severity="error", code="yosys",
                         message=run.killed_reason or f"yosys exit {run.exit_code}")]
            return self.result(ctx, ok=False, start=start, log=run, diagnostics=diags,
                               summary="equivalence check could not run: " + first_errors(diags),
                               failure="timeout" if run.timed_out else "tool", artifacts=artifacts)
        found = _FOUND.findall(text)
        proven = _PROVEN.findall(text)
        total = int(found[-1]) if found else 0
        n_proven, n_unproven = (int(proven[-1][0]), int(proven[-1][1])) if proven else (
            (total, 0) if "Equivalence successfully proven" in text else (0, total))
        unproven = _UNPROVEN.findall(text)
        diags = [Diagnostic(severity="error", code="not-proven",
                            message=f"could not prove {g} == {h}") for g, h in unproven[:50]]
        ok = total > 0 and n_unproven == 0
        if total == 0:
            diags.append(Diagnostic(severity="error", code="no-match",
                                    message="no matching signals between RTL and netlist"))
        summary = (f"equivalent: {n_proven}/{total} signals proven" if ok else
                   f"NOT proven equivalent: {n_unproven} of {total} signals unproven"
                   + (f" (first: {unproven[0][0]})" if unproven else ""))
        return self.result(ctx, ok=ok, start=start, log=run, diagnostics=diags, summary=summary,
                           failure=None if ok else "check", artifacts=artifacts,
                           metrics={"equiv__signals": total, "equiv__proven": n_proven,
                                    "equiv__unproven": n_unproven})
