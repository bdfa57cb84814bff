"""The graph: planner → rtl → verify → synth (synthesis, STA, equivalence) → timing → harden
→ report, with bounded loops back to rtl when verification or hardening needs an RTL change.

Nodes are small and idempotent (a node interrupted by a crash reruns from its start on
resume: it only rewrites its own outputs). The SQLite checkpointer lives in the run
directory; `durability="sync"` makes every finished node survive a kill -9.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

from siliconcrew.agents.llm import BudgetExceeded, LLMError
from siliconcrew.pipelines.state import RunState
from siliconcrew.tools.run_context import RunContext

CHECKPOINT_DB = "checkpoints.sqlite"
NodeFn = Callable[..., dict[str, Any]]  # langgraph calls it with `state`


def _node(ctx: RunContext, name: str,
          fn: Callable[[RunContext, Any], dict[str, Any]]) -> NodeFn:
    def run(state: RunState) -> dict[str, Any]:
        ctx.run_dir.event("node_start", node=name)
        t0 = time.perf_counter()
        try:
            update = fn(ctx, state)
        except BudgetExceeded as exc:
            update = {"status": "budget_exceeded", "reason": exc.one_line()}
        except LLMError as exc:
            update = {"status": "failed", "reason": f"LLM: {exc.one_line()}"}
        outcome = update.pop("_outcome", update.get("status") or "ok")
        dt = round(time.perf_counter() - t0, 3)
        ctx.run_dir.event("node_end", node=name, outcome=outcome, duration_s=dt)
        update["nodes"] = [{"node": name, "outcome": outcome, "duration_s": dt}]
        return update
    return run


# -- nodes ----------------------------------------------------------------------------------------
def planner(ctx: RunContext, state: RunState) -> dict[str, Any]:
    from siliconcrew.agents.planner import make_plan

    plan = make_plan(ctx)
    questions = [q for q in plan.get("questions") or [] if isinstance(q, str) and q.strip()]
    if questions and ctx.approve == "ask":
        # Interactive runs ask what the spec leaves open; unattended runs record the questions
        # and go on with the planner's assumptions.
        from langgraph.types import interrupt

        answers = interrupt({"question": "The planner needs answers:\n- " + "\n- ".join(questions),
                             "step": "planner", "kind": "questions", "questions": questions})
        plan["answers"] = answers if isinstance(answers, (str, list, dict)) else str(answers)
    ctx.run_dir.write_json("plan.json", plan)
    return {"plan": plan, "status": "running", "rtl_attempts": 0, "verify_attempts": 0,
            "harden_attempts": 0, "_outcome": f"plan from {plan.get('source')}"}


def rtl(ctx: RunContext, state: RunState) -> dict[str, Any]:
    from siliconcrew.agents.rtl import write_rtl

    have_rtl = bool(ctx.design.rtl) and all((ctx.folder / f).is_file() for f in ctx.design.rtl)
    if have_rtl and not state.get("evidence"):
        from siliconcrew.tools.design_calls import lint_input

        res = ctx.tool("rtl", "lint", lint_input(ctx.design))
        return {"rtl_files": list(ctx.design.rtl),
                "lint": {"ok": res.ok, "summary": res.summary,
                         "errors": [d.model_dump() for d in res.errors][:20]},
                "_outcome": "given RTL: " + res.summary}
    if ctx.llm is None:
        why = ("no RTL in design.yaml" if not have_rtl else "the RTL needs a fix") + \
            " and no LLM is configured"
        return {"status": "needs_llm", "reason": why + " (set OPENAI_BASE_URL and "
                "SILICONCREW_MODEL)", "notes": [f"rtl agent skipped: {why}"]}
    out = write_rtl(ctx, dict(state))
    out["rtl_attempts"] = state.get("rtl_attempts", 0) + 1
    out["evidence"] = None
    out["_outcome"] = f"attempt {out['rtl_attempts']}: {out['lint'].get('summary')}"
    return out


def module_rtl(ctx: RunContext, state: dict[str, Any]) -> dict[str, Any]:
    """One planned sub-module, reached through a Send (its siblings run in parallel).

    Writes only reducer fields: parallel branches must not race on plain state keys."""
    from siliconcrew.agents.planner import spec_text
    from siliconcrew.agents.rtl import write_module

    try:
        result = write_module(ctx, state["module"], spec_text(ctx))
    except (BudgetExceeded, LLMError) as exc:
        result = {"module": state["module"].get("name"), "ok": False, "summary": exc.one_line()}
    return {"module_results": [result], "_outcome": f"{result['module']}: {result['summary']}"}


def verify(ctx: RunContext, state: RunState) -> dict[str, Any]:
    from siliconcrew.agents.verification import run_golden, run_own_testbench

    if not state.get("lint", {}).get("ok"):
        return {"verify": {"ok": False, "summary": "lint failed"},
                "evidence": "lint errors: " + str(state.get("lint", {}).get("errors"))[:3000],
                "verify_attempts": state.get("verify_attempts", 0) + 1,
                "_outcome": "lint failed"}
    if not ctx.design.testbench and ctx.llm is not None:
        result = run_own_testbench(ctx, state["rtl_files"], state.get("plan", {}))
    else:
        result = run_golden(ctx, state["rtl_files"])
        if result.get("skipped"):
            result["summary"] += " (no LLM to write one)"
    out: dict[str, Any] = {}
    fix = state.get("pending_fix")
    if fix and result.get("ok") and not result.get("skipped"):
        # Only a fix whose following check passed is learned (see knowledge_base/insights).
        from siliconcrew.agents.knowledge import record_fix

        after = "\n".join((ctx.folder / f).read_text(errors="replace")
                          for f in state["rtl_files"])
        record_fix(ctx, fix["evidence"], fix["before"], after, check="simulate")
        out["pending_fix"] = None
    return {**out, "verify": result, "evidence": result.get("evidence"),
            "verify_attempts": state.get("verify_attempts", 0) + 1,
            "_outcome": result["summary"]}


def _recipe(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """The synthesis recipe in force: a verified timing repair's, else design.yaml's."""
    return state.get("synth_recipe") or ctx.design.synthesis.model_dump()


def _period(ctx: RunContext, state: RunState) -> float:
    return state.get("clock_period_ns") or ctx.design.clock.period_ns


def synth(ctx: RunContext, state: RunState) -> dict[str, Any]:
    from siliconcrew.steps.synth import SynthInput, SynthStep

    step = SynthStep().run(ctx, SynthInput(rtl=state["rtl_files"], recipe=_recipe(ctx, state),
                                           period_ns=state.get("clock_period_ns")))
    s = step.outputs["synthesize"]
    out: dict[str, Any] = {"synth": {"ok": s.ok, "summary": s.summary, "metrics": {
        k: v for k, v in s.metrics.items() if not isinstance(v, (dict, list))},
        "artifacts": s.artifacts}}
    if not s.ok:
        return {**out, "status": "failed", "reason": s.summary, "_outcome": s.summary}
    # pre-layout: a hold violation is a warning here (see _after_synth); setup decides
    t, e = step.outputs["sta"], step.outputs["equivalence"]
    out["sta"] = {"ok": t.ok, "summary": t.summary, "metrics": {
        k: v for k, v in t.metrics.items() if not isinstance(v, (dict, list))}}
    out["equiv"] = {"ok": e.ok, "summary": e.summary, "metrics": e.metrics}
    out["_outcome"] = f"{s.summary}; {t.summary.split(';')[0]}; {e.summary}"
    if t.metrics.get("timing__hold__met") is False:
        out["notes"] = [f"pre-layout hold WNS {t.metrics.get('timing__hold__ws')} ns: a warning "
                        "(ideal clocks); hold is signed off post-route by the hardening engine"]
    return out


def timing(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """Setup violated: (1) verified synthesis-side repairs, no RTL change; (2) with an LLM,
    the RTL agent gets the evidence (worst paths → RTL lines → causes) and the testbench +
    STA that follow check its rewrite; (3) clock relaxation only if approved (`--approve ask`
    asks, `--allow-clock-relax` allows); else stop with the evidence (timing_failed)."""
    from siliconcrew.repair.timing.analysis import analyze_design
    from siliconcrew.repair.timing.ladder import RepairBudget, TimingRepair, relaxed_period

    ws = state.get("sta", {}).get("metrics", {}).get("timing__setup__ws")
    out: dict[str, Any] = {}
    previous = state.get("timing_repair")
    if previous and state.get("rtl_attempts", 0) > previous.get("rtl_attempts", 0):
        # back after an RTL rewrite: record it as an attempt (its testbench already passed)
        out["timing_attempts"] = [{"strategy": "rtl-rewrite (LLM)", "kind": "rtl",
                                   "wns_before": previous.get("wns_after"), "wns_after": ws,
                                   "kept": True,
                                   "reason": "testbench passed, so the RTL is kept; WNS with the "
                                             "previous recipe (synthesis repairs re-run next)"}]
    design = ctx.design.model_copy(update={"clock": ctx.design.clock.model_copy(
        update={"period_ns": _period(ctx, state)})})
    repair = TimingRepair(design, ctx.tool_fn("timing"),
                          rtl=state.get("rtl_files"), budget=RepairBudget(max_attempts=6))
    rep = repair.run()
    ctx.run_dir.write_json("timing_repair.json", rep.model_dump())
    attempts = [a.model_dump() for a in rep.attempts]
    out["timing_attempts"] = out.get("timing_attempts", []) + attempts
    out["timing_repair"] = {**rep.model_dump(exclude={"attempts"}),
                            "rtl_attempts": state.get("rtl_attempts", 0)}
    recipe = rep.recipe or state.get("synth_recipe")
    if recipe:
        out["synth_recipe"] = recipe
    if rep.closed:
        msg = (f"timing closed without RTL change: WNS {rep.wns_before} -> {rep.wns_after} ns "
               f"({rep.strategy}; checked by equivalence + gate-level testbench)")
        sta = dict(state.get("sta", {}))
        sta["metrics"] = {**sta.get("metrics", {}), "timing__setup__ws": rep.wns_after}
        return {**out, "sta": sta, "notes": [msg], "evidence": None, "timing_next": "harden",
                "_outcome": f"closed by {rep.strategy}"}
    best = rep.wns_after if rep.wns_after is not None else ws
    evidence = ""
    analysis: dict[str, Any] = {}
    try:
        from siliconcrew.core.recipe import SynthRecipe

        # without retiming: moved registers have no RTL names, the evidence would lose lines
        evidence_recipe = SynthRecipe.model_validate(recipe or {}).model_copy(
            update={"retime": False})
        analysis = analyze_design(ctx.design, ctx.folder, ctx.tool_ctx, ctx.tool_fn("timing"),
                                  clock_period_ns=_period(ctx, state), top_paths=3,
                                  rtl=state.get("rtl_files"), recipe=evidence_recipe)
        ctx.run_dir.write_json("timing.json", analysis)
        worst = (analysis.get("paths") or [{}])[0]
        lines = ", ".join(f"{r.get('file')}:{r.get('line')}" for r in worst.get("rtl", [])[:6])
        causes = ", ".join(str(c.get("class", c)) if isinstance(c, dict) else str(c)
                           for c in worst.get("causes", [])[:3])
        start = worst.get("start_signal") or worst.get("start")
        end = worst.get("end_signal") or worst.get("end")
        evidence = (f"; worst path {start} -> {end} "
                    f"(slack {worst.get('slack')}) through {lines or '?'}; causes: {causes or '?'}")
    except Exception as exc:  # analysis is evidence, not a gate
        evidence = f"; analysis failed: {exc}"[:300]
    tried = "; synthesis-side repairs tried: " + ", ".join(
        f"{a.strategy} {a.wns_after}" for a in rep.attempts)
    if ctx.llm is not None and state.get("rtl_attempts", 0) < ctx.max_iterations:
        # An RTL change proposed by the LLM with the evidence; the golden testbench and STA
        # that follow are its check (nothing is kept that fails them).
        fix = (f"TIMING: setup slack {best} ns at a {_period(ctx, state)} ns clock"
               f"{evidence}{tried}.\nRestructure the logic on that path so it meets the clock. "
               "Change the latency (add pipeline registers) ONLY if the spec says latency is "
               "free; keep the interface and the behaviour the testbench checks.")
        return {**out, "evidence": fix, "timing": analysis, "timing_next": "rtl",
                "notes": [f"timing violated ({best} ns after synthesis repairs): sent to the "
                          "RTL agent"],
                "_outcome": f"violated ({best} ns): back to RTL"}
    if best is not None and not state.get("clock_period_ns"):  # relax once at most
        new_period = rep.needed_period_ns or relaxed_period(_period(ctx, state), best)
        approved = ctx.relax_clock
        if ctx.approve == "ask" and not approved:
            from langgraph.types import interrupt

            approved = bool(interrupt({
                "question": f"Timing does not close at {_period(ctx, state):g} ns "
                            f"(best WNS {best} ns). Relax the clock to {new_period:g} ns?",
                "step": "relax_clock"}))
        if approved:
            msg = f"clock relaxed {_period(ctx, state):g} -> {new_period:g} ns (approved)"
            return {**out, "clock_period_ns": new_period, "notes": [msg], "timing": analysis,
                    "evidence": None, "timing_next": "synth",
                    "timing_attempts": out["timing_attempts"] + [{
                        "strategy": "relax-clock", "kind": "clock", "wns_before": best,
                        "period_ns": new_period, "kept": True, "reason": "approved"}],
                    "_outcome": msg}
    msg = (f"setup slack {best} ns < 0 at {_period(ctx, state)} ns after synthesis-side "
           f"repairs{evidence}. "
           + ("No LLM to rewrite the RTL" if ctx.llm is None else "RTL attempts used up")
           + "; clock relaxation not approved: the run stops here (see timing.json, "
             "timing_repair.json)")
    return {**out, "status": "timing_failed", "reason": msg, "notes": [msg], "timing": analysis,
            "timing_next": "report", "_outcome": "violated"}


def harden(ctx: RunContext, state: RunState) -> dict[str, Any]:
    from siliconcrew.steps.harden import harden as run_harden

    if ctx.approve == "ask":
        from langgraph.types import interrupt

        answer = interrupt({"question": f"Harden {ctx.design.name} to GDS now?",
                            "step": "harden"})
        if not answer:
            return {"status": "stopped", "reason": "hardening declined at the approval gate",
                    "_outcome": "declined"}
    extra: dict[str, Any] = dict(state.get("harden_options") or {})
    if state.get("synth_recipe"):
        extra["synth_recipe"] = state["synth_recipe"]
    proposals = 0
    notes: list[str] = []

    def attempt(options: dict[str, Any]):
        return run_harden(ctx.folder, ctx.sandbox_factory, engine_name=ctx.engine,
                          max_repairs=ctx.max_repairs, run_id=ctx.run_dir.run_id,
                          rtl=state.get("rtl_files"), extra_options=options or None,
                          clock_period_ns=state.get("clock_period_ns"),
                          design=ctx.design, sandbox=ctx.tool_ctx.sandbox)

    while True:
        report = attempt(extra)
        if report.status != "ok" and extra.get("synth_recipe") and \
                "setup_violations" in report.failure_classes:
            # The recipe was judged by pre-layout STA (no wires); the engine's own result is
            # the judge here: rerun with the engine's default synthesis, keep the better.
            plain = attempt({**extra, "synth_recipe": {}})
            ws_r = report.result.metrics.get("timing__setup__ws")
            ws_p = plain.result.metrics.get("timing__setup__ws")
            better = plain.status == "ok" or (ws_p is not None and ws_r is not None
                                               and ws_p > ws_r)
            notes.append(f"post-route setup WS {ws_r} ns with the timing recipe, {ws_p} ns with "
                         f"the engine's default synthesis: kept the "
                         f"{'default' if better else 'recipe'}")
            ctx.run_dir.event("note", message=notes[-1])
            if better:
                report, extra = plain, {**extra, "synth_recipe": {}}
        summary = {"status": report.status, "outcome": report.outcome,
                   "metrics": {k: v for k, v in report.result.metrics.items()
                               if not isinstance(v, (dict, list))},
                   "artifacts": report.result.artifacts,
                   "failure_classes": report.failure_classes, "send_back": report.send_back,
                   "attempts": len(report.repairs) or 1, "options": extra,
                   "repairs_tried": [(r.get("action") or {}).get("name") for r in report.repairs
                                     if isinstance(r, dict) and r.get("action")]}
        # The LLM may propose config changes once the deterministic repairs are spent; each
        # proposal is checked by a full rerun. RTL-level send-backs go to the RTL agent instead.
        if report.status == "ok" or ctx.llm is None or report.send_back or proposals >= 2:
            break
        from siliconcrew.agents.hardening import propose

        proposal = propose(ctx, summary, {**report.result.config, **extra},
                           ctx.engine or ctx.design.flow.engine)
        if not proposal:
            break
        proposals += 1
        ctx.run_dir.event("harden_proposal", options=proposal, attempt=proposals)
        extra = {**extra, **proposal}
    out: dict[str, Any] = {"harden": summary, "harden_options": extra, "notes": notes,
                           "harden_attempts": state.get("harden_attempts", 0) + 1 + proposals,
                           "_outcome": f"{report.status} ({report.outcome})"
                           + (f" after {proposals} agent proposal(s)" if proposals else "")}
    if report.send_back and report.send_back.get("target") == "rtl":
        out["evidence"] = "hardening needs an RTL change:\n" + "\n".join(
            report.send_back.get("evidence") or [])
    return out


def report(ctx: RunContext, state: RunState) -> dict[str, Any]:
    status = state.get("status", "running")
    if status == "running":
        status = "ok" if state.get("harden", {}).get("status") == "ok" else "failed"
    return {"status": status, "_outcome": status}


# -- edges ----------------------------------------------------------------------------------------
def _after_planner(ctx: RunContext) -> Callable[[RunState], Any]:
    def route(state: RunState) -> Any:
        from langgraph.types import Send

        from siliconcrew.agents.rtl import submodules

        if ctx.llm is None or ctx.design.rtl or state.get("status") not in (None, "running"):
            return "rtl"
        subs = submodules(state.get("plan") or {}, ctx.design.top)
        if not subs:
            return "rtl"
        return [Send("module_rtl", {"module": m}) for m in subs]
    return route


def _after_rtl(state: RunState) -> str:
    return "report" if state.get("status") not in (None, "running") else "verify"


def _after_verify(ctx: RunContext) -> Callable[[RunState], str]:
    def route(state: RunState) -> str:
        if state.get("verify", {}).get("ok"):
            return "synth"
        if ctx.llm is not None and state.get("rtl_attempts", 0) < ctx.max_iterations:
            return "rtl"
        return "fail_verify"
    return route


def fail_verify(ctx: RunContext, state: RunState) -> dict[str, Any]:
    why = ("no LLM to fix the RTL" if ctx.llm is None else
           f"{state.get('rtl_attempts', 0)} RTL attempts used (--max-iterations)")
    return {"status": "failed", "reason": f"verification failed and {why}: "
            + str(state.get("verify", {}).get("summary")), "_outcome": "failed"}


def _after_synth(state: RunState) -> str:
    if state.get("status") not in (None, "running"):
        return "report"
    ws = state.get("sta", {}).get("metrics", {}).get("timing__setup__ws")
    return "timing" if ws is not None and ws < 0 else "harden"


def _after_timing(state: RunState) -> str:
    if state.get("status") not in (None, "running"):
        return "report"
    return state.get("timing_next") or "report"


def _after_harden(ctx: RunContext) -> Callable[[RunState], str]:
    def route(state: RunState) -> str:
        h = state.get("harden", {})
        if (h.get("send_back") or {}).get("target") == "rtl" and ctx.llm is not None and \
                state.get("rtl_attempts", 0) < ctx.max_iterations:
            return "rtl"
        return "report"
    return route


def build_graph(ctx: RunContext):
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.graph import END, START, StateGraph

    g = StateGraph(RunState)
    for name, fn in (("planner", planner), ("module_rtl", module_rtl), ("rtl", rtl),
                     ("verify", verify), ("synth", synth),
                     ("timing", timing), ("harden", harden), ("report", report),
                     ("fail_verify", fail_verify)):
        g.add_node(name, _node(ctx, name, fn))
    g.add_edge(START, "planner")
    g.add_conditional_edges("planner", _after_planner(ctx), ["rtl", "module_rtl"])
    g.add_edge("module_rtl", "rtl")
    g.add_conditional_edges("rtl", _after_rtl, ["verify", "report"])
    g.add_conditional_edges("verify", _after_verify(ctx), ["synth", "rtl", "fail_verify"])
    g.add_edge("fail_verify", "report")
    g.add_conditional_edges("synth", _after_synth, ["timing", "harden", "report"])
    g.add_conditional_edges("timing", _after_timing, ["rtl", "synth", "harden", "report"])
    g.add_conditional_edges("harden", _after_harden(ctx), ["rtl", "report"])
    g.add_edge("report", END)
    conn = sqlite3.connect(str(ctx.run_dir.path / CHECKPOINT_DB), check_same_thread=False)
    return g.compile(checkpointer=SqliteSaver(conn)), conn
