"""timing step (setup violated after synthesis): (1) the verified synthesis-side repairs of
the no-LLM ladder (`repair/timing`), no RTL change; (2) with an LLM, the RTL agent gets the
evidence (worst paths → RTL lines → causes) and the testbench + STA that follow check its
rewrite; (3) clock relaxation only if approved (`--approve ask` asks, `--allow-clock-relax`
allows); else the run stops with the evidence (timing_failed)."""

from __future__ import annotations

from typing import Any

from siliconcrew.steps.base import GraphStep, Update
from siliconcrew.steps.state import RunState
from siliconcrew.tools.run_context import RunContext


def period_ns(ctx: RunContext, state: RunState) -> float:
    """The clock in force: an approved relaxation's, else design.yaml's."""
    return state.get("clock_period_ns") or ctx.design.clock.period_ns


def evidence_line(
    ctx: RunContext, state: RunState, recipe: dict[str, Any] | None
) -> tuple[str, dict[str, Any]]:
    """'; worst path A -> B (slack S) through file:line, ...; causes: ...' and the analysis
    (timing.json). Analysed without retiming: moved registers have no RTL names, the
    evidence would lose its lines. The analysis is evidence, not a gate: a failure is said."""
    from siliconcrew.core.recipe import SynthRecipe
    from siliconcrew.repair.timing.analysis import analyze_design

    try:
        no_retime = SynthRecipe.model_validate(recipe or {}).model_copy(update={"retime": False})
        analysis = analyze_design(
            ctx.design,
            ctx.folder,
            ctx.tool_ctx,
            ctx.tool_fn("timing"),
            clock_period_ns=period_ns(ctx, state),
            top_paths=3,
            rtl=state.get("rtl_files"),
            recipe=no_retime,
        )
    except Exception as exc:  # any failure of the analysis is reported as such, not raised
        return f"; analysis failed: {exc}"[:300], {}
    ctx.run_dir.write_json("timing.json", analysis)
    worst = (analysis.get("paths") or [{}])[0]
    lines = ", ".join(f"{r.get('file')}:{r.get('line')}" for r in worst.get("rtl", [])[:6])
    causes = ", ".join(
        str(c.get("class", c)) if isinstance(c, dict) else str(c)
        for c in worst.get("causes", [])[:3]
    )
    start = worst.get("start_signal") or worst.get("start")
    end = worst.get("end_signal") or worst.get("end")
    return (
        f"; worst path {start} -> {end} (slack {worst.get('slack')}) through "
        f"{lines or '?'}; causes: {causes or '?'}"
    ), analysis


class TimingStep(GraphStep):
    id = "timing"
    needs = ("sta", "rtl_files", "synth_recipe", "clock_period_ns", "timing_repair")
    makes = (
        "timing_attempts",
        "timing_repair",
        "timing_memory",
        "synth_recipe",
        "timing",
        "evidence",
        "clock_period_ns",
        "timing_repair.json",
        "timing.json",
        "rtl_files",
    )
    config = ("clock", "synthesis", "testbench")
    goes_to = ("harden", "rtl", "synth", "report")

    def update(self, ctx: RunContext, state: RunState) -> Update:
        from siliconcrew.repair.timing.ladder import RepairBudget, TimingRepair, relaxed_period

        ws = state.get("sta", {}).get("metrics", {}).get("timing__setup__ws")
        clock = period_ns(ctx, state)
        out: dict[str, Any] = {"timing_attempts": self._rewrite_attempt(state, ws)}
        design = ctx.design.model_copy(
            update={"clock": ctx.design.clock.model_copy(update={"period_ns": clock})}
        )
        from siliconcrew.core.design import spec_path
        from siliconcrew.repair.timing.pipeline import Pipeliner

        spec = spec_path(ctx.design, ctx.folder)
        pipeliner = Pipeliner(
            design,
            ctx.folder,
            ctx.run_dir.path.relative_to(ctx.folder).as_posix() + "/pipeline",
            spec.read_text(errors="replace") if spec else None,
        )
        # No engine check here: the harden node that follows is the engine's judgement
        # (and reruns with the engine's default synthesis when the recipe fails post-route).
        # Recipes that closed the same causes before are tried first; a closure is held in
        # the state and stored only once the harden node confirmed it (timing_memory.py).
        from siliconcrew.repair.timing.memory import baseline_causes
        from siliconcrew.steps.timing_memory import after_repair, open_memory

        run_tool = ctx.tool_fn(self.id)
        memory, memory_note = open_memory(ctx)

        def causes() -> list[str]:
            found, problem = baseline_causes(
                design, ctx.folder, ctx.tool_ctx, run_tool, rtl=state.get("rtl_files")
            )
            if problem:  # evidence, not a gate: the ladder runs without memory
                ctx.run_dir.event("note", message=problem)
            return found

        repair = TimingRepair(
            design,
            run_tool,
            rtl=state.get("rtl_files"),
            budget=RepairBudget(max_attempts=8),
            pipeliner=pipeliner,
            memory=memory,
            causes=causes if memory is not None else None,
            run_id=ctx.run_dir.run_id,
        )
        rep = repair.run()
        out["timing_memory"] = after_repair(ctx, rep, memory, memory_note)
        ctx.run_dir.write_json("timing_repair.json", rep.model_dump())
        out["timing_attempts"] += [a.model_dump() for a in rep.attempts]
        out["timing_repair"] = {
            **rep.model_dump(exclude={"attempts"}),
            "rtl_attempts": state.get("rtl_attempts", 0),
        }
        recipe = rep.recipe or state.get("synth_recipe")
        if recipe:
            out["synth_recipe"] = recipe
        if rep.closed and rep.added_latency:  # the pipelined RTL is what gets hardened
            out["rtl_files"] = list(rep.rtl)
        if rep.closed:
            msg = (
                f"timing closed without RTL change: WNS {rep.wns_before} -> {rep.wns_after} "
                f"ns ({rep.strategy}; checked by equivalence + gate-level testbench)"
            )
            if rep.strategy == "remembered":
                msg += f"; recipe remembered for {rep.memory_key}"
            sta = state.get("sta", {})
            sta = {**sta, "metrics": {**sta.get("metrics", {}), "timing__setup__ws": rep.wns_after}}
            return Update(
                state={**out, "sta": sta, "notes": [msg], "evidence": None},
                outcome=f"closed by {rep.strategy}",
                goto="harden",
            )
        best = rep.wns_after if rep.wns_after is not None else ws
        evidence, analysis = evidence_line(ctx, state, recipe)
        out["timing"] = analysis
        tried = "; synthesis-side repairs tried: " + ", ".join(
            f"{a.strategy} {a.wns_after}" for a in rep.attempts
        )
        if ctx.llm is not None and state.get("rtl_attempts", 0) < ctx.max_iterations:
            # An RTL change proposed by the LLM with the evidence; the golden testbench and
            # STA that follow are its check (nothing is kept that fails them).
            fix = (
                f"TIMING: setup slack {best} ns at a {clock} ns clock{evidence}{tried}.\n"
                "Restructure the logic on that path so it meets the clock. Change the "
                "latency (add pipeline registers) ONLY if the spec says latency is free; "
                "keep the interface and the behaviour the testbench checks."
            )
            return Update(
                state={
                    **out,
                    "evidence": fix,
                    "notes": [
                        f"timing violated ({best} ns after synthesis repairs): sent to the "
                        "RTL agent"
                    ],
                },
                outcome=f"violated ({best} ns): back to RTL",
                goto="rtl",
            )
        if best is not None and not state.get("clock_period_ns"):  # relax once at most
            new_period = rep.needed_period_ns or relaxed_period(clock, best)
            approved = ctx.relax_clock
            if ctx.approve == "ask" and not approved and ctx.ask is not None:
                approved = bool(
                    ctx.ask(
                        {
                            "question": f"Timing does not close at {clock:g} ns (best WNS "
                            f"{best} ns). Relax the clock to {new_period:g} ns?",
                            "step": "relax_clock",
                        }
                    )
                )
            if approved:
                msg = f"clock relaxed {clock:g} -> {new_period:g} ns (approved)"
                out["timing_attempts"].append(
                    {
                        "strategy": "relax-clock",
                        "kind": "clock",
                        "wns_before": best,
                        "period_ns": new_period,
                        "kept": True,
                        "reason": "approved",
                    }
                )
                return Update(
                    state={**out, "clock_period_ns": new_period, "notes": [msg], "evidence": None},
                    outcome=msg,
                    goto="synth",
                )
        msg = (
            f"setup slack {best} ns < 0 at {clock} ns after synthesis-side repairs"
            f"{evidence}. "
            + ("No LLM to rewrite the RTL" if ctx.llm is None else "RTL attempts used up")
            + "; clock relaxation not approved: the run stops here (see timing.json, "
            "timing_repair.json)"
        )
        return Update(
            state={**out, "status": "timing_failed", "reason": msg, "notes": [msg]},
            outcome="violated",
            goto="report",
        )

    @staticmethod
    def _rewrite_attempt(state: RunState, ws: float | None) -> list[dict[str, Any]]:
        """Back after an RTL rewrite for timing: record it as an attempt (its testbench
        already passed, so the RTL is kept)."""
        previous = state.get("timing_repair")
        if not (previous and state.get("rtl_attempts", 0) > previous.get("rtl_attempts", 0)):
            return []
        return [
            {
                "strategy": "rtl-rewrite (LLM)",
                "kind": "rtl",
                "wns_before": previous.get("wns_after"),
                "wns_after": ws,
                "kept": True,
                "reason": "testbench passed, so the RTL is kept; WNS with the previous recipe "
                "(synthesis repairs re-run next)",
            }
        ]
