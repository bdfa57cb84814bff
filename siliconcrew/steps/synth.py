"""synth step: synthesis, then STA and equivalence on its netlist — the one place this
sequence is written (the check pipeline and the graph's synth node both run it; the timing
ladder and the analysis build the same tool inputs from tools/design_calls)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from siliconcrew.steps.base import Step, StepInput, StepResult, ToolRun, report
from siliconcrew.tools.design_calls import equivalence_input, sta_input, synthesize_input
from siliconcrew.tools.run_context import RunContext


class SynthInput(StepInput):
    recipe: dict[str, Any] | None = Field(
        default=None, description="a verified timing repair's recipe; None = design.yaml's")
    period_ns: float | None = Field(
        default=None, description="a relaxed clock; None = design.yaml's")


class SynthStep(Step):
    id = "synth"
    needs = ("rtl",)
    makes = ("netlist", "synthesize", "sta", "equivalence")
    config = ("top", "synthesis", "clock", "flow.pdk", "include_dirs")
    Input = SynthInput

    def run(self, ctx: RunContext, inp: StepInput, on_check=None) -> StepResult:
        assert isinstance(inp, SynthInput)
        d, rtl = ctx.design, inp.rtl or None
        out = StepResult(step=self.id)
        report(on_check, "synthesize", "running")
        syn = ctx.tool(self.id, "synthesize", synthesize_input(d, rtl, inp.recipe))
        report(on_check, "synthesize", "ok" if syn.ok else "failed")
        out.runs.append(ToolRun(name="synthesize", result=syn))
        out.outputs["synthesize"] = syn
        netlist = syn.artifacts.get("netlist") if syn.ok else None
        if netlist is None:
            for name in ("sta", "equivalence"):
                report(on_check, name, "skipped: no netlist (synthesis failed)")
                out.runs.append(ToolRun(name=name, skipped="no netlist (synthesis failed)"))
            return out
        out.outputs["netlist"] = netlist
        # I/O delays and uncertainty from design.yaml's clock (LibreLane's convention); the sta
        # tool reports a pre-layout hold violation as a warning: hold is signed off post-route.
        for name, tool_in in (("sta", sta_input(d, netlist, inp.period_ns)),
                              ("equivalence", equivalence_input(d, netlist, rtl))):
            report(on_check, name, "running")
            res = ctx.tool(self.id, name, tool_in)
            report(on_check, name, "ok" if res.ok else "failed")
            out.runs.append(ToolRun(name=name, result=res))
            out.outputs[name] = res
        return out
