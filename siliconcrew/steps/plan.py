"""plan step: the planner's plan (modules, ports, clock, checks) from the spec, or from
design.yaml alone without an LLM; the questions the spec leaves open are asked in
interactive runs and recorded (with the planner's assumptions) in unattended ones."""

from __future__ import annotations

from siliconcrew.steps.base import GraphStep, Update
from siliconcrew.steps.state import RunState
from siliconcrew.tools.run_context import RunContext


class PlanStep(GraphStep):
    id = "planner"
    needs = ("spec",)
    makes = ("plan", "plan.json")
    config = ("spec", "top", "clock", "rtl")
    goes_to = ("rtl", "module_rtl")

    def update(self, ctx: RunContext, state: RunState) -> Update:
        from siliconcrew.agents.planner import make_plan
        from siliconcrew.agents.rtl import submodules

        plan = make_plan(ctx)
        questions = [q for q in plan.get("questions") or [] if isinstance(q, str) and q.strip()]
        if questions and ctx.approve == "ask" and ctx.ask is not None:
            answers = ctx.ask(
                {
                    "question": "The planner needs answers:\n- " + "\n- ".join(questions),
                    "step": "planner",
                    "kind": "questions",
                    "questions": questions,
                }
            )
            plan["answers"] = answers if isinstance(answers, (str, list, dict)) else str(answers)
        ctx.run_dir.write_json("plan.json", plan)
        out = Update(
            state={
                "plan": plan,
                "status": "running",
                "rtl_attempts": 0,
                "verify_attempts": 0,
                "harden_attempts": 0,
            },
            outcome=f"plan from {plan.get('source')}",
            goto="rtl",
        )
        # An LLM writing a design from scratch: the planned sub-modules first, in parallel.
        if ctx.llm is not None and not ctx.design.rtl:
            subs = submodules(plan, ctx.design.top)
            if subs:
                out.goto, out.fan_out = "module_rtl", [{"module": m} for m in subs]
        return out
