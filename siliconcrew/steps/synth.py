"""synth step: synthesis, then STA and equivalence on its netlist — the one place this
sequence is written (the check pipeline and the graph's synth node both run it; the timing
ladder and the analysis build the same tool inputs from tools/design_calls)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from siliconcrew.steps.base import (
    GraphStep,
    Step,
    StepInput,
    StepResult,
    ToolRun,
    Update,
    report,
)
from siliconcrew.steps.state import RunState
from siliconcrew.tools.design_calls import equivalence_input, sta_input, synthesize_input
from siliconcrew.tools.run_context import RunContext


class SynthInput(StepInput):
    recipe: dict[str, Any] | None = Field(
        default=None, description="a verified timing repair's recipe; None = design.yaml's"
    )
    period_ns: float | None = Field(
        default=None, description="a relaxed clock; None = design.yaml's"
    )


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
        for name, tool_in in (
            ("sta", sta_input(d, netlist, inp.period_ns)),
            ("equivalence", equivalence_input(d, netlist, rtl)),
        ):
            report(on_check, name, "running")
            res = ctx.tool(self.id, name, tool_in)
            report(on_check, name, "ok" if res.ok else "failed")
            out.runs.append(ToolRun(name=name, result=res))
            out.outputs[name] = res
        return out


def _flat(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if not isinstance(v, (dict, list))}


class SynthGraphStep(GraphStep):
    """The synth step in the agent graph: the same sequence on the RTL the agents settled
    on, with a verified timing repair's recipe and an approved clock relaxation."""

    id = "synth"
    needs = ("rtl_files", "synth_recipe", "clock_period_ns")
    makes = ("synth", "sta", "equiv")
    config = SynthStep.config
    goes_to = ("timing", "harden", "report")

    def update(self, ctx: RunContext, state: RunState) -> Update:
        recipe = state.get("synth_recipe") or ctx.design.check_recipe().model_dump()
        step = SynthStep().run(
            ctx,
            SynthInput(
                rtl=state["rtl_files"], recipe=recipe, period_ns=state.get("clock_period_ns")
            ),
        )
        s = step.outputs["synthesize"]
        out: dict[str, Any] = {
            "synth": {
                "ok": s.ok,
                "summary": s.summary,
                "metrics": _flat(s.metrics),
                "artifacts": s.artifacts,
            }
        }
        if not s.ok:
            return Update(
                state={**out, "status": "failed", "reason": s.summary},
                outcome=s.summary,
                goto="report",
            )
        t, e = step.outputs["sta"], step.outputs["equivalence"]
        out["sta"] = {"ok": t.ok, "summary": t.summary, "metrics": _flat(t.metrics)}
        out["equiv"] = {"ok": e.ok, "summary": e.summary, "metrics": e.metrics}
        if t.metrics.get("timing__hold__met") is False:
            # pre-layout: hold is a warning (ideal clocks); setup decides where the run goes
            out["notes"] = [
                f"pre-layout hold WNS {t.metrics.get('timing__hold__ws')} ns: a "
                "warning (ideal clocks); hold is signed off post-route by the "
                "hardening engine"
            ]
        ws = t.metrics.get("timing__setup__ws")
        return Update(
            state=out,
            outcome=f"{s.summary}; {t.summary.split(';')[0]}; {e.summary}",
            goto="timing" if ws is not None and ws < 0 else "harden",
        )
