"""Timing repair: ordered strategies, each verified before it is kept, within a budget.

Order (least invasive first; ViTAD-style evidence goes to the LLM only after these):
1. synthesis-side, no RTL change (`synthesis_ladder`): ABC min-delay mapping, delay-targeted
   mapping, + gate sizing, + Kogge-Stone carry trees, a search over ABC scripts, + retiming;
   then, when the latency is free (design.yaml `timing.latency`, or the spec says so),
   pipelining: K output register stages (K = 1, 2, ...) moved into the logic by retiming;
2. RTL rewrites from a `rewrite` callback (the LLM with the evidence), checked with the
   design's testbench first;
3. clock relaxation, only if `approve_clock(old, new)` says yes.

A candidate is kept only if STA improves the worst slack AND it passes its checks: for a new
netlist, RTL-vs-netlist equivalence (a proof, or random co-simulation when the proof times
out) and the design's testbench re-run on the gate-level netlist with the cell models.
Every attempt is recorded with WNS before/after, so a rejected fix is evidence too.
Closure is claimed only after the hardening engine agrees (`engine_check`: the engine's own
synthesis, placement, routing and post-route STA, and the testbench on the post-route
netlist); a candidate that meets pre-layout but not post-route leaves the ladder climbing.

Tools are reached only through `run_tool(name, input) -> ToolResult`: this module never
starts processes and knows nothing of the graph.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from siliconcrew.core.design import Design
from siliconcrew.core.recipe import ABC_SCRIPTS, SynthRecipe
from siliconcrew.repair.timing.memory import (
    Memory,
    bare,
    baseline_causes,
    causes_key,
    demotion_note,
    describe,
    memory_record,
)
from siliconcrew.repair.timing.pipeline import Pipeliner, stage_counts
from siliconcrew.tools.base import ToolResult
from siliconcrew.tools.design_calls import (
    equivalence_input,
    gate_level_simulate_input,
    simulate_input,
    sta_input,
    synthesize_input,
)

RunTool = Callable[[str, dict[str, Any]], ToolResult]


class EngineVerdict(BaseModel):
    """The hardening engine's word on a candidate: post-route setup slack and the testbench
    on the post-route netlist."""

    ok: bool
    wns: float | None = None
    gl_sim: bool | None = None
    summary: str = ""
    run_id: str | None = None
    wall_s: float = 0.0


# engine_check(rtl, recipe, period_ns) -> the engine's verdict
EngineCheck = Callable[[list[str], SynthRecipe, float], EngineVerdict]
# (design, folder, sandbox_factory, open sandbox) -> an engine check, or None
EngineCheckFactory = Callable[[Design, Any, Any, Any], EngineCheck | None]
# rewrite(evidence, attempt_no) -> new RTL file list (workspace-relative) or None to stop
Rewrite = Callable[[dict[str, Any], int], list[str] | None]


class RepairBudget(BaseModel):
    max_attempts: int = Field(8, ge=1, le=100, description="strategies tried, all kinds")
    max_rtl_rewrites: int = Field(2, ge=0, le=20)
    max_wall_s: float = Field(1800, gt=0)
    formal_timeout_s: float = Field(15, gt=0, description="equivalence proof time box")
    synth_timeout_s: float = Field(300, gt=0, description="one candidate's synthesis")
    max_engine_checks: int = Field(
        4, ge=0, le=20, description="post-route confirmations through the engine"
    )
    target_slack_ns: float = Field(
        0.0,
        ge=0,
        le=100,
        description="closed means WNS >= this (margin for wires the pre-layout STA does not see)",
    )


class Attempt(BaseModel):
    strategy: str
    kind: Literal["synthesis", "pipeline", "rtl", "clock"]
    period_ns: float
    wns_before: float | None
    wns_after: float | None = None
    cells: int | None = None
    recipe: dict[str, Any] | None = None
    rtl: list[str] | None = None
    checks: dict[str, str] = Field(default_factory=dict)
    explored: dict[str, float | None] = Field(
        default_factory=dict, description="candidate label -> WNS (searches)"
    )
    kept: bool = False
    reason: str = ""
    wall_s: float = 0.0
    added_latency: int = Field(0, description="register stages added (pipelining)")
    post_route_wns: float | None = Field(None, description="the engine's WNS (engine check)")
    engine: str = Field("", description="the engine check's summary, when one ran")


class RepairReport(BaseModel):
    design: str
    period_ns: float
    final_period_ns: float
    wns_before: float | None
    wns_after: float | None
    closed: bool
    strategy: str | None = Field(None, description="what closed (or best improved) timing")
    recipe: dict[str, Any] = Field(default_factory=dict)
    rtl: list[str] = Field(default_factory=list)
    netlist: str | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    llm_used: bool = False
    stopped: str = ""
    wall_s: float = 0.0
    run_id: str | None = Field(None, description="runs/<run_id>/ holds repair.json + tool output")
    needed_period_ns: float | None = Field(
        None,
        description="when not closed: the clock the "
        "best netlist meets (its I/O delays scaled with it)",
    )
    added_latency: int = Field(0, description="cycles of latency pipelining added")
    pipelining: str = Field("", description="why pipelining was or was not tried")
    post_route_wns: float | None = Field(
        None, description="the engine's post-route WNS of the kept candidate"
    )
    engine_checked: bool = Field(
        False, description="closure confirmed through the hardening engine (post-route)"
    )
    memory_key: str = Field("", description="the causes key remembered recipes are filed by")
    remembered: bool = Field(
        False,
        description="this closure was stored in the knowledge base (a graph run stores it "
        "only after its harden node confirmed it: see timing_memory in the run's state)",
    )
    memory_demoted: bool = Field(
        False,
        description="the remembered recipe tried here failed and the failure was counted on "
        "its knowledge-base insight (times_failed)",
    )
    memory_notes: list[str] = Field(
        default_factory=list,
        description="what the memory did: remembered recipes skipped for their failures, "
        "the tried one's failure counted (or why not)",
    )

    @property
    def iterations(self) -> int:
        return len(self.attempts)


Candidates = Callable[[SynthRecipe], list[SynthRecipe]]


def synthesis_ladder(period_ns: float) -> list[tuple[str, Candidates]]:
    """Synthesis strategies, cheapest first. Each maps the best verified recipe so far to the
    candidates to try; the candidate with the best STA is the one verified. The ABC target is
    the clock period: tighter targets measured no better (ABC maps for minimum delay anyway
    when it cannot meet the target)."""
    d = max(1, int(round(period_ns * 1000)))

    def on(best: SynthRecipe, **change) -> SynthRecipe:
        # knobs add up on the best recipe; before any is kept, on the delay-targeted map
        base = best if best.abc_script else SynthRecipe(abc_script="delay-target", abc_delay_ps=d)
        return base.model_copy(update={"abc_delay_ps": d, **change})

    return [
        # qflow's own default mapping: a violation that only the area-oriented yosys default
        # shows closes here, and the local engine's synthesis already does the same.
        ("abc-min-delay", lambda best: [SynthRecipe(abc_script="min-delay", abc_delay_ps=d)]),
        ("abc-delay-target", lambda best: [SynthRecipe(abc_script="delay-target", abc_delay_ps=d)]),
        ("gate-sizing", lambda best: [on(best, gate_sizing=True)]),
        ("prefix-adders", lambda best: [on(best, prefix_adders=True)]),
        (
            "abc-script-search",
            lambda best: [
                on(best, abc_script=name)
                for name in ABC_SCRIPTS
                if name != (best.abc_script or "delay-target")
            ],
        ),
        ("retiming", lambda best: [on(best, retime=True)]),
    ]


def relaxed_period(
    period_ns: float, wns: float, target_slack_ns: float = 0.0, io_delay_ns: float = 0.0
) -> float:
    """The period the best netlist meets (with the target slack), rounded up to 0.1 ns with
    2 % margin. `io_delay_ns`: the input + output delay on the worst path at `period_ns`;
    it is a share of the period (clock.io_delay_pct), so it grows with the relaxed clock."""
    share = min(io_delay_ns / period_ns, 0.9) if period_ns > 0 else 0.0
    logic = period_ns - wns - io_delay_ns
    return math.ceil((logic + target_slack_ns) / (1 - share) * 1.02 * 10 - 1e-9) / 10


def _better(a: float | None, b: float | None) -> bool:
    """Is slack a better than b (None = unconstrained, best of all)?"""
    if a is None:
        return b is not None
    return b is not None and a > b


class _Evaluation(BaseModel):
    ok: bool
    wns: float | None = None
    cells: int | None = None
    netlist: str | None = None
    summary: str = ""
    io_ns: float = 0.0  # input + output delay on the worst setup path


def _worst_path_io(metrics: dict[str, Any]) -> float:
    """The I/O delay the worst setup path carries (0 for a register-to-register path)."""
    worst = metrics.get("timing__setup__worst_path") or {}
    io = 0.0
    if "(input port" in str(worst.get("startpoint", "")):
        io += float(metrics.get("timing__input_delay_ns") or 0.0)
    if "(output port" in str(worst.get("endpoint", "")):
        io += float(metrics.get("timing__output_delay_ns") or 0.0)
    return io


class TimingRepair:
    """One repair session for one design (see module docstring)."""

    def __init__(
        self,
        design: Design,
        run_tool: RunTool,
        *,
        rtl: list[str] | None = None,
        budget: RepairBudget | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
        pipeliner: Pipeliner | None = None,
        engine_check: EngineCheck | None = None,
        memory: Memory | None = None,
        causes: list[str] | Callable[[], list[str]] | None = None,
        run_id: str = "",
    ) -> None:
        self.design = design
        self.run_tool = run_tool
        self.rtl = list(rtl or design.rtl)
        self.budget = budget or RepairBudget()
        self.on_attempt = on_attempt
        self.lib = design.check_liberty()
        self.pipeliner = pipeliner
        self.engine_check = engine_check
        self.engine_runs = 0
        self.memory = memory
        self._causes = causes  # a list, or a call that analyses the design (only if needed)
        self.memory_key: str | None = None
        self.recalled_strategy: str | None = None
        self.run_id = run_id
        # why the remembered recipe failed, when it counts against it ("" when it does not)
        self.recall_failure = ""

    def meets(self, wns: float | None) -> bool:
        return wns is None or wns >= self.budget.target_slack_ns

    # -- building blocks ---------------------------------------------------------------------
    def evaluate(self, rtl: list[str], recipe: SynthRecipe, period_ns: float) -> _Evaluation:
        d = self.design
        syn = self.run_tool(
            "synthesize", synthesize_input(d, rtl, recipe, timeout_s=self.budget.synth_timeout_s)
        )
        if not syn.ok:
            return _Evaluation(ok=False, summary=syn.summary)
        sta = self.run_tool("sta", sta_input(d, syn.artifacts["netlist"], period_ns))
        ws = sta.metrics.get("timing__setup__ws")
        if ws is None and sta.failure not in (None, "check"):
            return _Evaluation(ok=False, summary=sta.summary)
        return _Evaluation(
            ok=True,
            wns=ws,
            cells=syn.metrics.get("design__instance__count"),
            netlist=syn.artifacts["netlist"],
            summary=sta.summary,
            io_ns=_worst_path_io(sta.metrics),
        )

    def check_netlist(self, rtl: list[str], netlist: str) -> dict[str, str] | str:
        """Equivalence + gate-level testbench; returns the check summaries, or the reason the
        netlist is rejected."""
        d = self.design
        checks: dict[str, str] = {}
        eq = self.run_tool(
            "equivalence",
            equivalence_input(d, netlist, rtl, formal_timeout_s=self.budget.formal_timeout_s),
        )
        checks["equivalence"] = eq.summary
        if not eq.ok:
            return f"equivalence: {eq.summary}"
        gl_in = gate_level_simulate_input(d, netlist)
        if gl_in is not None:
            sim = self.run_tool("simulate", gl_in)
            checks["gate_level_testbench"] = sim.summary
            if not sim.ok:
                return f"gate-level testbench: {sim.summary}"
        return checks

    def check_rtl(self, rtl: list[str]) -> str | None:
        """The design's testbench on candidate RTL; the reason it is rejected, or None."""
        sim_in = simulate_input(self.design, rtl)
        if sim_in is None or not self.design.testbench_top():
            return "no testbench in design.yaml: an RTL rewrite cannot be checked"
        sim = self.run_tool("simulate", sim_in)
        return None if sim.ok else f"testbench: {sim.summary}"

    def judge(
        self, att: Attempt, ev: _Evaluation, rtl: list[str], current_wns: float | None
    ) -> bool:
        """Fill the attempt from an evaluation and keep it only if STA improved and the new
        netlist passes its checks."""
        att.wns_after, att.cells = ev.wns, ev.cells
        if not ev.ok:
            att.reason = f"synthesis/STA failed: {ev.summary}"
        elif ev.wns is not None and current_wns is not None and ev.wns <= current_wns:
            att.reason = "no improvement"
        else:
            verdict = self.check_netlist(rtl, ev.netlist or "")
            if isinstance(verdict, str):
                att.reason = f"rejected: {verdict}"
            else:
                att.checks.update(verdict)
                att.kept, att.reason = True, "checks pass"
        return att.kept

    def confirm(self, att: Attempt, rtl: list[str], recipe: SynthRecipe, period: float) -> bool:
        """Closure as the engine sees it: True when there is no engine check (then closure
        is pre-layout only, said in the report) or when post-route timing is met and the
        post-route netlist passes the testbench."""
        if self.engine_check is None:
            return True
        if self.engine_runs >= self.budget.max_engine_checks:
            att.engine = f"engine check budget ({self.budget.max_engine_checks}) used"
            return False
        self.engine_runs += 1
        verdict = self.engine_check(rtl, recipe, period)
        att.post_route_wns = verdict.wns
        att.engine = verdict.summary
        met = verdict.ok and verdict.wns is not None and verdict.wns >= 0
        if not met:
            att.reason += f"; not closed post-route: {verdict.summary}"
        return met

    def pipeline(
        self, report: RepairReport, recipe: SynthRecipe, rtl: list[str], period: float
    ) -> tuple[Attempt, tuple[list[str], SynthRecipe, _Evaluation] | None] | None:
        """Latency-free pipelining: K = 1, 2, ... output stages on the best recipe with
        retiming; the first K that meets pre-layout is checked (testbench on the wrapper RTL,
        co-simulation + testbench on the netlist) and confirmed through the engine; a K the
        engine does not confirm leaves the next K to try. Returns (attempt, rtl, recipe,
        evaluation) of the kept candidate or None (the attempt is recorded either way)."""
        assert self.pipeliner is not None
        plan = self.pipeliner.plan(rtl)
        if isinstance(plan, str):
            report.pipelining = f"not tried: {plan}"
            return None
        d = max(1, int(round(period * 1000)))
        recipe = recipe.model_copy(
            update={
                "retime": True,
                "abc_delay_ps": d,
                "abc_script": recipe.abc_script or "min-delay",
            }
        )
        att = Attempt(
            strategy="pipelining",
            kind="pipeline",
            period_ns=period,
            wns_before=report.wns_after,
            recipe=recipe.model_dump(),
        )
        report.pipelining = f"latency free ({self.pipeliner.policy.source}); valid {plan.valid}"
        max_k = self.design.timing.max_added_latency
        for k in stage_counts(max_k):
            files = self.pipeliner.files(plan, rtl, k)
            ev = self.evaluate(files, recipe, period)
            att.explored[f"+{k} stage(s)"] = ev.wns
            if not (ev.ok and self.meets(ev.wns)):
                att.reason = f"+{k} stage(s): WNS {ev.wns}" if ev.ok else ev.summary
                continue
            att.rtl, att.added_latency = files, k
            att.wns_after, att.cells = ev.wns, ev.cells
            bad = self.check_rtl(files)
            if bad:  # the testbench does not take the new latency: no K will do
                att.reason = f"rejected: {bad} (a testbench must follow the valid handshake)"
                return att, None
            att.checks["testbench_rtl"] = "passed"
            verdict = self.check_netlist(files, ev.netlist or "")
            if isinstance(verdict, str):
                att.reason = f"rejected: {verdict}"
                return att, None
            att.checks.update(verdict)
            att.reason = f"checks pass with +{k} stage(s)"
            if self.confirm(att, files, recipe, period):
                att.kept = True
                return att, (files, recipe, ev)
        if not att.reason.startswith("checks pass"):
            att.reason = (
                f"no stage count up to {max_k} meets the clock pre-layout ({att.reason})"
                if att.explored
                else att.reason
            )
        return att, None

    def remembered(
        self, report: RepairReport, record: dict[str, Any], rtl: list[str], period: float
    ) -> tuple[Attempt, tuple[list[str], SynthRecipe, _Evaluation] | None]:
        """The recipe remembered for these causes, tried first (with its stage count when it
        was pipelined and this design's latency is free). A failure that is the recipe's
        (it missed the clock pre-layout, its netlist failed its checks, the engine measured
        it failing post-route, or the record no longer reads as a recipe) is left in
        `recall_failure` to be counted against it; one that says nothing about it (the
        latency is not free here, the tools failed, no engine figure) is not."""
        self.recall_failure = ""
        d = max(1, int(round(period * 1000)))
        att = Attempt(
            strategy="remembered",
            kind="synthesis",
            period_ns=period,
            wns_before=report.wns_after,
            reason=f"from the knowledge base ({self.memory_key}; {describe(record)})",
        )
        try:
            recipe = SynthRecipe.model_validate({**record.get("recipe", {}), "abc_delay_ps": d})
        except ValueError as exc:
            att.reason = f"remembered recipe unusable: {str(exc)[:200]}"
            self.recall_failure = "the record is not a usable recipe"
            return att, None
        att.recipe = recipe.model_dump()
        files, k = rtl, int(record.get("added_latency") or 0)
        if k:
            plan = self.pipeliner.plan(rtl) if self.pipeliner else "no pipeliner"
            if isinstance(plan, str):
                att.reason = f"remembered +{k} stage(s) not applicable: {plan}"
                return att, None
            assert self.pipeliner is not None
            files = self.pipeliner.files(plan, rtl, k)
            att.kind, att.rtl, att.added_latency = "pipeline", files, k
            bad = self.check_rtl(files)
            if bad:
                att.reason = f"rejected: {bad}"
                return att, None
            att.checks["testbench_rtl"] = "passed"
        ev = self.evaluate(files, recipe, period)
        if not (ev.ok and self.meets(ev.wns)):
            att.wns_after, att.cells = ev.wns, ev.cells
            att.reason = f"remembered recipe does not meet the clock here (WNS {ev.wns})"
            if ev.ok:
                self.recall_failure = (
                    f"missed the clock pre-layout (WNS {ev.wns} ns at {period:g} ns)"
                )
            return att, None
        if not self.judge(att, ev, files, report.wns_after):
            if att.reason.startswith("rejected"):
                self.recall_failure = f"its netlist failed its checks ({att.reason})"[:300]
            return att, None
        att.reason = f"{describe(record)} remembered for {self.memory_key}"
        self.recalled_strategy = record.get("strategy") or None
        if not self.confirm(att, files, recipe, period):
            att.kept = False
            if att.post_route_wns is not None:  # the engine measured it: the recipe's failure
                self.recall_failure = (
                    f"failed post-route (engine WNS {att.post_route_wns} ns at {period:g} ns)"
                )
            return att, None
        return att, (files, recipe, ev)

    def demote(self, report: RepairReport, record: dict[str, Any], att: Attempt) -> None:
        """The tried remembered recipe did not close: count it against its insight when the
        failure is the recipe's (see `remembered`), and say what was done either way."""
        assert self.memory is not None and self.memory_key
        name = describe(record)
        if not self.recall_failure:
            report.memory_notes.append(
                f"remembered {name} did not close here ({att.reason}); not counted against it "
                "(the failure says nothing about the recipe)"
            )
            return
        counts = self.memory.record_failure(
            self.memory_key, bare(record), self.run_id or "unknown", self.recall_failure
        )
        if counts is None:
            why = getattr(self.memory, "problem", "") or "the memory keeps no failures"
            report.memory_notes.append(
                f"remembered {name} {self.recall_failure}; failure not recorded: {why}"
            )
            return
        report.memory_demoted = bool(counts.get("counted", 1))
        report.memory_notes.append(
            f"remembered {name} {self.recall_failure}: {demotion_note(counts)}"
        )

    def remember(self, report: RepairReport) -> None:
        """Store a closure as a verified insight keyed by the causes (see memory.py)."""
        if not (self.memory and self.memory_key and report.closed and report.attempts):
            return
        strategy = report.strategy
        if strategy == "remembered":  # filed under how it was first found: one entry, counted
            strategy = self.recalled_strategy or strategy
        report.remembered = self.memory.remember(
            self.memory_key,
            memory_record(report.recipe, strategy, report.added_latency),
            self.run_id or "unknown",
            {
                "design": self.design.name,
                "period_ns": report.final_period_ns,
                "wns_pre_layout": report.wns_after,
                "wns_post_route": report.post_route_wns,
                "post_route_confirmed": report.engine_checked,
                "pdk": self.lib,
            },
        )

    # -- the loop --------------------------------------------------------------------------------
    def run(
        self,
        *,
        rewrite: Rewrite | None = None,
        approve_clock: Callable[[float, float], bool] | None = None,
    ) -> RepairReport:
        start = time.perf_counter()
        period = self.design.clock.period_ns
        start_recipe = self.design.check_recipe()  # what `check` synthesizes with
        base = self.evaluate(self.rtl, start_recipe, period)
        if not base.ok:
            return RepairReport(
                design=self.design.name,
                period_ns=period,
                final_period_ns=period,
                wns_before=None,
                wns_after=None,
                closed=False,
                rtl=self.rtl,
                stopped=f"baseline: {base.summary}",
                wall_s=round(time.perf_counter() - start, 2),
            )
        report = RepairReport(
            design=self.design.name,
            period_ns=period,
            final_period_ns=period,
            wns_before=base.wns,
            wns_after=base.wns,
            closed=self.meets(base.wns),
            rtl=self.rtl,
            netlist=base.netlist,
        )
        if report.closed:
            report.stopped = "timing already met: nothing changed"
            if self.budget.target_slack_ns:
                report.stopped += f" (WNS >= target {self.budget.target_slack_ns:g} ns)"
            report.wall_s = round(time.perf_counter() - start, 2)
            return report
        best_recipe, best_rtl = start_recipe, list(self.rtl)
        best_io = base.io_ns

        def out_of_budget() -> str | None:
            if len(report.attempts) >= self.budget.max_attempts:
                return f"attempt budget ({self.budget.max_attempts}) used"
            if time.perf_counter() - start > self.budget.max_wall_s:
                return f"time budget ({self.budget.max_wall_s:g} s) used"
            return None

        def record(att: Attempt, t0: float) -> None:
            att.wall_s = round(time.perf_counter() - t0, 2)
            report.attempts.append(att)
            if self.on_attempt:
                self.on_attempt(att)

        # 0. what closed the same causes before (the knowledge base), first
        if self.memory is not None and self._causes is not None:
            causes = self._causes() if callable(self._causes) else self._causes
            self.memory_key = causes_key(causes, self.lib) if causes else None
        if self.memory is not None and self.memory_key:
            report.memory_key = self.memory_key
            records = self.memory.recall(self.memory_key)
            for skipped in getattr(self.memory, "skipped", None) or []:
                report.memory_notes.append(
                    f"skipped remembered {describe(skipped)}: {skipped.get('why', '')} "
                    "(evidence, not a gate: the ladder may still find it)"
                )
            if records:
                t0 = time.perf_counter()
                att, kept = self.remembered(report, records[0], best_rtl, period)
                if kept is None:
                    self.demote(report, records[0], att)
                if kept is not None:
                    best_rtl, best_recipe, ev = kept
                    best_io = ev.io_ns
                    report.rtl, report.netlist, report.wns_after = best_rtl, ev.netlist, ev.wns
                    report.recipe, report.strategy = best_recipe.model_dump(), "remembered"
                    report.added_latency = att.added_latency
                    report.post_route_wns = att.post_route_wns
                    report.closed = True
                record(att, t0)
        # 1. synthesis-side
        for name, candidates in synthesis_ladder(period):
            if report.closed or out_of_budget():
                break
            t0 = time.perf_counter()
            recipe, ev = None, _Evaluation(ok=False, summary="no candidate")
            explored: dict[str, float | None] = {}
            for cand in candidates(best_recipe):
                cand_ev = self.evaluate(best_rtl, cand, period)
                explored[cand.label()] = cand_ev.wns
                if recipe is None or (cand_ev.ok and (not ev.ok or _better(cand_ev.wns, ev.wns))):
                    recipe, ev = cand, cand_ev
            assert recipe is not None
            att = Attempt(
                strategy=name,
                kind="synthesis",
                period_ns=period,
                wns_before=report.wns_after,
                recipe=recipe.model_dump(),
                explored=explored if len(explored) > 1 else {},
            )
            if self.judge(att, ev, best_rtl, report.wns_after):
                best_recipe, best_io = recipe, ev.io_ns
                report.wns_after, report.netlist = ev.wns, ev.netlist
                report.recipe, report.strategy = recipe.model_dump(), name
                report.post_route_wns = None
                if self.meets(ev.wns):
                    report.closed = self.confirm(att, best_rtl, recipe, period)
                    report.post_route_wns = att.post_route_wns
            record(att, t0)
        # 1b. pipelining (latency free only), on the best recipe with retiming
        if self.pipeliner is not None and not report.closed and not out_of_budget():
            t0 = time.perf_counter()
            got = self.pipeline(report, best_recipe, best_rtl, period)
            if got is not None:
                att, kept = got
                if kept is not None:
                    best_rtl, best_recipe, ev = kept
                    best_io = ev.io_ns
                    report.rtl, report.netlist, report.wns_after = best_rtl, ev.netlist, ev.wns
                    report.recipe, report.strategy = best_recipe.model_dump(), "pipelining"
                    report.added_latency = att.added_latency
                    report.post_route_wns = att.post_route_wns
                    report.closed = True
                record(att, t0)
        elif self.pipeliner is None:
            report.pipelining = "not tried: no pipeliner (design folder unknown)"
        # 2. RTL rewrites (LLM), checked by the testbench before any timing counts
        rewrites = 0
        while (
            rewrite is not None
            and not report.closed
            and not out_of_budget()
            and rewrites < self.budget.max_rtl_rewrites
        ):
            rewrites += 1
            t0 = time.perf_counter()
            ev_in = {
                "period_ns": period,
                "wns": report.wns_after,
                "rtl": best_rtl,
                "recipe": best_recipe.label(),
                "rejected": [a.reason for a in report.attempts if not a.kept][-3:],
            }
            new_rtl = rewrite(ev_in, rewrites)
            report.llm_used = True
            if not new_rtl:
                report.stopped = "the RTL rewriter gave up"
                break
            att = Attempt(
                strategy="rtl-rewrite",
                kind="rtl",
                period_ns=period,
                wns_before=report.wns_after,
                rtl=list(new_rtl),
            )
            bad = self.check_rtl(new_rtl)
            if bad:
                att.reason = f"rejected: {bad}"
                record(att, t0)
                continue
            att.checks["testbench"] = "passed"
            ev = self.evaluate(new_rtl, best_recipe, period)
            if self.judge(att, ev, new_rtl, report.wns_after):
                best_rtl, best_io = list(new_rtl), ev.io_ns
                report.rtl, report.netlist, report.wns_after = best_rtl, ev.netlist, ev.wns
                report.strategy = "rtl-rewrite" + (
                    f" + {best_recipe.label()}" if not best_recipe.is_default else ""
                )
                if self.meets(ev.wns):
                    report.closed = self.confirm(att, best_rtl, best_recipe, period)
                    report.post_route_wns = att.post_route_wns
            record(att, t0)
        # 3. clock relaxation, only with approval
        if not report.closed and report.wns_after is not None:
            worst = report.wns_after  # the engine's figure when it saw the best netlist
            if report.post_route_wns is not None and report.post_route_wns < worst:
                worst = report.post_route_wns
            new_period = relaxed_period(period, worst, self.budget.target_slack_ns, best_io)
            report.needed_period_ns = new_period
            if approve_clock is None or not approve_clock(period, new_period):
                report.stopped = report.stopped or (
                    f"the best netlist needs a {new_period:g} ns clock (relaxation not approved)"
                )
            else:
                t0 = time.perf_counter()
                att = Attempt(
                    strategy="relax-clock",
                    kind="clock",
                    period_ns=new_period,
                    wns_before=report.wns_after,
                    recipe=best_recipe.model_dump(),
                )
                ev = self.evaluate(best_rtl, best_recipe, new_period)
                att.wns_after, att.cells = ev.wns, ev.cells
                if (
                    ev.ok
                    and self.meets(ev.wns)
                    and self.confirm(att, best_rtl, best_recipe, new_period)
                ):
                    report.post_route_wns = att.post_route_wns
                    att.kept, att.reason = True, f"approved: clock {period:g} -> {new_period:g} ns"
                    report.final_period_ns, report.wns_after = new_period, ev.wns
                    report.netlist, report.closed = ev.netlist, True
                    report.strategy = (
                        report.strategy + " + " if report.strategy else ""
                    ) + "relax-clock"
                else:
                    att.reason = f"still violating at {new_period:g} ns: {ev.summary}{att.reason}"
                record(att, t0)
        report.engine_checked = report.closed and self.engine_check is not None
        self.remember(report)
        if not report.stopped:
            report.stopped = "closed" if report.closed else (out_of_budget() or "strategies used")
            if report.closed and self.engine_check is None:
                report.stopped += " (pre-layout only: no engine check)"
        report.wall_s = round(time.perf_counter() - start, 2)
        return report


def repair_design(
    design_dir,
    sandbox_factory,
    *,
    clock_period_ns: float | None = None,
    budget: RepairBudget | None = None,
    allow_clock_relax: bool = False,
    registry=None,
    run_id: str | None = None,
    on_attempt: Callable[[Attempt], None] | None = None,
    engine_check_factory: EngineCheckFactory | None = None,
    memory: Memory | None = None,
) -> RepairReport:
    """`siliconcrew timing --repair`: the no-LLM strategies on a design folder; tool output,
    pipelined RTL and repair.json land in runs/<run_id>/ (the design's files are never
    modified). `engine_check_factory(design, folder, sandbox_factory, sandbox)` gives the
    post-route confirmation (the steps layer's; None: closure is pre-layout only)."""
    from pathlib import Path

    from siliconcrew.core.design import load_design, spec_path
    from siliconcrew.core.rundir import RunDir
    from siliconcrew.tools.registry import load_registry
    from siliconcrew.tools.run_context import RunContext

    design, folder = load_design(Path(design_dir))
    if not design.rtl:
        from siliconcrew.core.errors import UserInputError

        raise UserInputError(f"{design.name}: no RTL in design.yaml", "list the RTL under 'rtl:'")
    if clock_period_ns:
        design = design.model_copy(
            update={"clock": design.clock.model_copy(update={"period_ns": clock_period_ns})}
        )
    run_dir = RunDir(folder, run_id)
    ctx = RunContext(
        design=design,
        folder=folder,
        run_dir=run_dir,
        sandbox_factory=sandbox_factory,
        registry=registry or load_registry(include_plugins=False),
    )
    try:
        run_tool = ctx.tool_fn("timing_repair")

        def record(att: Attempt) -> None:
            run_dir.event("timing_attempt", **att.model_dump())
            if on_attempt:
                on_attempt(att)

        spec = spec_path(design, folder)
        pipeliner = Pipeliner(
            design,
            folder,
            f"runs/{run_dir.run_id}/pipeline",
            spec.read_text(errors="replace") if spec else None,
        )
        engine_check = (
            engine_check_factory(design, folder, sandbox_factory, ctx.tool_ctx.sandbox)
            if engine_check_factory
            else None
        )

        def causes() -> list[str]:
            """The worst path's cause classes (the key remembered recipes are filed by);
            analysed only when the baseline violates."""
            found, problem = baseline_causes(design, folder, ctx.tool_ctx, run_tool)
            if problem:  # evidence, not a gate: the ladder runs without memory
                run_dir.event("note", message=problem)
            return found

        repair = TimingRepair(
            design,
            run_tool,
            budget=budget,
            on_attempt=record,
            pipeliner=pipeliner,
            engine_check=engine_check,
            memory=memory,
            causes=causes if memory is not None else None,
            run_id=run_dir.run_id,
        )
        report = repair.run(approve_clock=(lambda old, new: True) if allow_clock_relax else None)
        report.run_id = run_dir.run_id
        if report.memory_key:
            run_dir.event(
                "timing_memory",
                node="timing_repair",
                key=report.memory_key,
                tried=bool(report.attempts) and report.attempts[0].strategy == "remembered",
                demoted=report.memory_demoted,
                stored=report.remembered,
                notes=report.memory_notes,
            )
        run_dir.write_json("repair.json", {**report.model_dump(), "iterations": report.iterations})
        return report
    finally:
        ctx.close()
