"""rtl step: lint the given RTL (`LintStep`, the check pipeline's), or have the RTL agent
write or fix it first (`RtlStep`, the agent graph's; `ModuleRtlStep` for planned
sub-modules written in parallel)."""

from __future__ import annotations

from siliconcrew.steps.base import GraphStep, Step, StepInput, StepResult, ToolRun, Update, report
from siliconcrew.steps.state import RunState
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
        return StepResult(
            step=self.id, runs=[ToolRun(name="lint", result=res)], outputs={"lint": res}
        )


class RtlStep(GraphStep):
    """Given RTL with nothing to fix: lint it. Otherwise the RTL agent writes (or fixes, from
    the evidence of the check that failed) the design and lints it until clean."""

    id = "rtl"
    needs = ("plan", "evidence", "module_results")
    makes = ("rtl_files", "lint", "rtl_attempts", "rtl_candidates")
    config = ("rtl", "top", "include_dirs")
    goes_to = ("verify", "report")

    def update(self, ctx: RunContext, state: RunState) -> Update:
        d = ctx.design
        have_rtl = bool(d.rtl) and all((ctx.folder / f).is_file() for f in d.rtl)
        if have_rtl and not state.get("evidence"):
            res = ctx.tool(self.id, "lint", lint_input(d))
            return Update(
                state={
                    "rtl_files": list(d.rtl),
                    "lint": {
                        "ok": res.ok,
                        "summary": res.summary,
                        "errors": [e.model_dump() for e in res.errors][:20],
                    },
                },
                outcome="given RTL: " + res.summary,
                goto="verify",
            )
        if ctx.llm is None:
            why = (
                "no RTL in design.yaml" if not have_rtl else "the RTL needs a fix"
            ) + " and no LLM is configured"
            return Update(
                state={
                    "status": "needs_llm",
                    "notes": [f"rtl agent skipped: {why}"],
                    "reason": why + " (set OPENAI_BASE_URL and SILICONCREW_MODEL)",
                },
                outcome="needs_llm",
                goto="report",
            )
        from siliconcrew.agents.rtl import write_rtl

        out = write_rtl(ctx, dict(state))
        out["rtl_attempts"] = state.get("rtl_attempts", 0) + 1
        out["evidence"] = None
        picked = ""
        for rec in out.get("rtl_candidates") or []:
            picked = f" (best of {rec['n']}: {rec['reason']})"
        return Update(
            state=out,
            goto="verify",
            outcome=f"attempt {out['rtl_attempts']}: {out['lint'].get('summary')}" + picked,
        )


class ModuleRtlStep(GraphStep):
    """One planned sub-module, reached by a fan-out from the plan (its siblings run in
    parallel). Writes only reducer fields: parallel branches must not race on plain keys."""

    id = "module_rtl"
    needs = ("module",)
    makes = ("module_results",)
    # no goto: every branch joins the rtl step once (the graph's fixed edge)

    def update(self, ctx: RunContext, state: RunState) -> Update:
        from siliconcrew.agents.llm import BudgetExceeded, LLMError
        from siliconcrew.agents.planner import spec_text
        from siliconcrew.agents.rtl import write_module

        try:
            result = write_module(ctx, state["module"], spec_text(ctx))
        except (BudgetExceeded, LLMError) as exc:
            result = {"module": state["module"].get("name"), "ok": False, "summary": exc.one_line()}
        return Update(
            state={"module_results": [result]}, outcome=f"{result['module']}: {result['summary']}"
        )
