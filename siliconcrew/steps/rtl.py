"""rtl step, without an agent: lint the given RTL (the agent graph's rtl node writes RTL with
the LLM first, then runs the same lint)."""

from __future__ import annotations

from siliconcrew.steps.base import Step, StepInput, StepResult, ToolRun, report
from siliconcrew.tools.design_calls import lint_input
from siliconcrew.tools.run_context import RunContext


class LintStep(Step):
    id = "rtl"
    needs = ("rtl",)
    makes = ("lint",)
    config = ("rtl", "top", "include_dirs")

    def run(self, ctx: RunContext, inp: StepInput, on_check=None) -> StepResult:
        if not (inp.rtl or ctx.design.rtl):
            why = "no RTL in design.yaml (the RTL agent writes it)"
            report(on_check, "lint", f"skipped: {why}")
            return StepResult(step=self.id, runs=[ToolRun(name="lint", skipped=why)])
        report(on_check, "lint", "running")
        res = ctx.tool(self.id, "lint", lint_input(ctx.design, inp.rtl or None))
        report(on_check, "lint", "ok" if res.ok else "failed")
        return StepResult(step=self.id, runs=[ToolRun(name="lint", result=res)],
                          outputs={"lint": res})
