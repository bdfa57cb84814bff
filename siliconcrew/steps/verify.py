"""verify step, without an agent: the golden testbench on the RTL (read-only to agents,
judged on its own pass/fail patterns). The agent graph's verify node adds the agent-written
testbench when there is no golden one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from siliconcrew.steps.base import GraphStep, Step, StepInput, StepResult, ToolRun, Update, report
from siliconcrew.steps.state import RunState
from siliconcrew.tools.design_calls import cocotb_inputs, simulate_input
from siliconcrew.tools.run_context import RunContext


class SimulateStep(Step):
    id = "verify"
    needs = ("rtl",)
    makes = ("simulate",)
    config = ("testbench", "verification", "include_dirs")

    def run(self, ctx: RunContext, inp: StepInput, on_check=None) -> StepResult:
        sim_in = simulate_input(ctx.design, inp.rtl or None)
        cocotb = cocotb_inputs(ctx.design, inp.rtl or None)
        if sim_in is None and not cocotb:
            why = "no testbench in design.yaml"
            report(on_check, "simulate", f"skipped: {why}")
            return StepResult(step=self.id, runs=[ToolRun(name="simulate", skipped=why)])
        runs: list[ToolRun] = []
        outputs: dict[str, Any] = {}
        if sim_in is not None:
            report(on_check, "simulate", "running")
            res = ctx.tool(self.id, "simulate", sim_in)
            report(on_check, "simulate", "ok" if res.ok else "failed")
            runs.append(ToolRun(name="simulate", result=res))
            outputs["simulate"] = res
        for call in cocotb:
            name = f"cocotb:{Path(call['test_module']).stem}"
            report(on_check, name, "running")
            res = ctx.tool(self.id, "cocotb_run", call)
            report(on_check, name, "ok" if res.ok else "failed")
            runs.append(ToolRun(name=name, result=res))
            outputs.setdefault("simulate", res)
            if not res.ok and outputs["simulate"].ok:
                outputs["simulate"] = res  # the first failure is what the run reports
        return StepResult(step=self.id, runs=runs, outputs=outputs)


class VerifyStep(GraphStep):
    """The golden testbench on the RTL (or, with no golden one and an LLM, a testbench the
    verification agent writes, judged apart). A failure goes back to the RTL agent with the
    evidence while attempts remain; a fix whose check then passes is learned."""

    id = "verify"
    needs = ("rtl_files", "lint", "pending_fix")
    makes = ("verify", "evidence", "verify_attempts", "debug_evidence", "tb_adjudications")
    config = ("testbench", "verification")
    goes_to = ("synth", "rtl", "report")

    def update(self, ctx: RunContext, state: RunState) -> Update:
        from siliconcrew.agents.cocotb_tests import run_own_cocotb
        from siliconcrew.agents.verification import run_golden, run_own_testbench

        attempts = state.get("verify_attempts", 0) + 1
        if not state.get("lint", {}).get("ok"):
            result: dict[str, Any] = {"ok": False, "summary": "lint failed"}
            out = {
                "verify": result,
                "verify_attempts": attempts,
                "evidence": "lint errors: " + str(state.get("lint", {}).get("errors"))[:3000],
            }
            return self._route(ctx, state, out, "lint failed")
        if not ctx.design.has_golden_tests() and ctx.llm is not None:
            if ctx.design.verification.own_testbench == "cocotb":
                result = run_own_cocotb(ctx, state["rtl_files"], state.get("plan", {}))
            else:
                result = run_own_testbench(
                    ctx, state["rtl_files"], state.get("plan", {}), state.get("rtl_candidates")
                )
        else:
            result = run_golden(ctx, state["rtl_files"])
            if result.get("skipped"):
                result["summary"] += " (no LLM to write one)"
        out = {"verify": result, "evidence": result.get("evidence"), "verify_attempts": attempts}
        # what the report shows: the waveform's evidence and any testbench adjudication
        if result.get("debug"):
            out["debug_evidence"] = [{"attempt": attempts, **result["debug"]}]
        if result.get("adjudication"):
            adj = {"attempt": attempts, "testbench": result.get("testbench")}
            out["tb_adjudications"] = [{**adj, **result["adjudication"]}]
        fix = state.get("pending_fix")
        if fix and result.get("ok") and not result.get("skipped"):
            # Only a fix whose following check passed is learned (see knowledge_base/insights).
            from siliconcrew.agents.knowledge import record_fix

            after = "\n".join(
                (ctx.folder / f).read_text(errors="replace") for f in state["rtl_files"]
            )
            record_fix(ctx, fix["evidence"], fix["before"], after, check="simulate")
            out["pending_fix"] = None
        return self._route(ctx, state, out, result["summary"])

    @staticmethod
    def _route(ctx: RunContext, state: RunState, out: dict[str, Any], outcome: str) -> Update:
        if out["verify"].get("ok"):
            return Update(state=out, outcome=outcome, goto="synth")
        if ctx.llm is not None and state.get("rtl_attempts", 0) < ctx.max_iterations:
            return Update(state=out, outcome=outcome, goto="rtl")
        why = (
            "no LLM to fix the RTL"
            if ctx.llm is None
            else f"{state.get('rtl_attempts', 0)} RTL attempts used (--max-iterations)"
        )
        out.update(
            status="failed",
            reason=f"verification failed and {why}: " + str(out["verify"].get("summary")),
        )
        return Update(state=out, outcome=outcome, goto="report")
