"""verify step, without an agent: the golden testbench on the RTL (read-only to agents,
judged on its own pass/fail patterns). The agent graph's verify node adds the agent-written
testbench when there is no golden one."""

from __future__ import annotations

from siliconcrew.steps.base import Step, StepInput, StepResult, ToolRun, report
from siliconcrew.tools.design_calls import simulate_input
from siliconcrew.tools.run_context import RunContext


class SimulateStep(Step):
    id = "verify"
    needs = ("rtl",)
    makes = ("simulate",)
    config = ("testbench", "verification", "include_dirs")

    def run(self, ctx: RunContext, inp: StepInput, on_check=None) -> StepResult:
        sim_in = simulate_input(ctx.design, inp.rtl or None)
        if sim_in is None:
            why = "no testbench in design.yaml"
            report(on_check, "simulate", f"skipped: {why}")
            return StepResult(step=self.id, runs=[ToolRun(name="simulate", skipped=why)])
        report(on_check, "simulate", "running")
        res = ctx.tool(self.id, "simulate", sim_in)
        report(on_check, "simulate", "ok" if res.ok else "failed")
        return StepResult(step=self.id, runs=[ToolRun(name="simulate", result=res)],
                          outputs={"simulate": res})
