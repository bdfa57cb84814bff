"""`siliconcrew harden`: design folder → flow engine → repairs → signed-off layout.

Each attempt runs in its own folder (`runs/<id>/harden/attempt-<n>/`) so a repaired config
never mixes with the output of the attempt it repairs; `repairs.json` records what changed
and why. `--from STAGE` on an existing run continues the newest attempt in place, keeping
the stages that finished (resume after a crash or a fix).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.core.design import Design, load_design
from siliconcrew.core.errors import UserInputError
from siliconcrew.core.names import pdk_problem
from siliconcrew.core.rundir import RunDir
from siliconcrew.engines import get_engine
from siliconcrew.engines.base import DesignInput, FlowResult, run_flow
from siliconcrew.sandbox.base import Sandbox
from siliconcrew.steps.base import GraphStep, Update
from siliconcrew.steps.state import RunState
from siliconcrew.tools.run_context import RunContext

ProgressFn = Callable[[str, str], None]


#: The period a design with no `clock:` is analysed at: long enough that no small block fails
#: it, so the engine's timing reports its longest path (timing__comb_delay_ns) without
#: judging it against a clock nobody asked for.
UNCONSTRAINED_PERIOD_NS = 1000.0


def design_input(design: Design, folder: Path, rtl: list[str] | None = None) -> DesignInput:
    options = dict(design.flow.options)  # a mapping: design.py refuses anything else
    rtl = list(rtl) if rtl else list(design.rtl)
    if not rtl:
        raise UserInputError(
            "design.yaml has no rtl files to harden",
            "add rtl: [...] (or let the RTL agent write it first)",
        )
    return DesignInput(
        name=design.name,
        top=design.top,
        rtl=[folder / f for f in rtl],
        clock_port=design.clock.port,
        clock_period_ns=design.clock.period_ns
        if design.states_timing()
        else UNCONSTRAINED_PERIOD_NS,
        timing_required=design.states_timing(),
        pdk=design.flow.pdk,
        testbench=[folder / f for f in design.testbench],
        testbench_top=design.testbench_top(),
        include_dirs=[folder / d for d in design.include_dirs],
        sim_pass_patterns=design.verification.pass_patterns,
        sim_fail_patterns=design.verification.fail_patterns,
        options=options,
        synth_recipe={} if design.synthesis.is_default else design.synthesis.model_dump(),
        parameters=dict(design.parameters),
    )


def latest_run_with_harden(folder: Path) -> str | None:
    runs = sorted(
        (p for p in (folder / "runs").glob("*/harden") if p.is_dir()), key=lambda p: p.parent.name
    )
    return runs[-1].parent.name if runs else None


def check_continuable(
    folder: Path, run_id: str | None, from_stage: str | None, stages: tuple[str, ...] | list[str]
) -> None:
    """`--from STAGE` continues an earlier attempt. Without one, the stages before STAGE left
    nothing to read and the flow would fail as if a tool had crashed: refuse it as input."""
    if not from_stage or from_stage == stages[0]:
        return  # starting at the first stage needs nothing from before
    harden_dir = folder / "runs" / run_id / "harden" if run_id else None
    if harden_dir is None or not any(harden_dir.glob("attempt-*")):
        where = f" in run {run_id}" if run_id else ""
        raise UserInputError(
            f"--from {from_stage}: no earlier hardening run to continue{where}",
            "run harden without --from first",
        )


def stage_logs(result: FlowResult) -> dict[str, str]:
    """Stage name → log text, for the failure classifier."""
    out = {}
    base = Path(result.run_dir)
    for st in result.stages:
        if st.log_path:
            p = base / st.log_path
            if p.exists():
                out[st.name] = p.read_text(errors="replace")[-200_000:]
    return out


@dataclass
class HardenReport:
    status: str
    engine: str
    run_id: str
    run_dir: Path
    result: FlowResult
    repairs: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = ""
    failure_classes: list[str] = field(default_factory=list)
    send_back: dict[str, Any] | None = None
    message: str = ""
    next_action: dict[str, Any] | None = None
    permission_needed: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "status": self.status,
            "engine": self.engine,
            "run_id": self.run_id,
            "run_dir": str(self.run_dir),
            "flow_dir": r.run_dir,
            "stages": [s.model_dump() for s in r.stages],
            "metrics": r.metrics,
            "artifacts": r.artifacts,
            "config": r.config,
            "repairs": self.repairs,
            "outcome": self.outcome,
            "message": self.message,
            "failure_classes": self.failure_classes,
            "send_back": self.send_back,
            "next_action": self.next_action,
            "permission_needed": self.permission_needed,
        }


def harden(
    design_dir: Path,
    sandbox_factory,
    *,
    engine_name: str | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
    max_repairs: int = 3,
    allow_clock_relax: bool = False,
    run_id: str | None = None,
    progress: ProgressFn | None = None,
    rtl: list[str] | None = None,
    extra_options: dict[str, Any] | None = None,
    clock_period_ns: float | None = None,
    dry_run: bool = False,
    design: Design | None = None,
    sandbox: Sandbox | None = None,
) -> HardenReport | dict[str, Any]:
    """Harden the design; `rtl` overrides design.yaml's files (e.g. what the RTL agent wrote),
    `extra_options` is merged over design.yaml's flow.options (e.g. an agent's proposal).
    `dry_run`: run nothing, create no run folder; return the engine's plan (the exact command
    lines and config it would run, see LibreLaneEngine.plan) as a dict.
    A caller that already holds the run's `design` and open `sandbox` (the agent graph) passes
    them: design.yaml is not read again and no second container is started (unless the
    engine needs its own image, e.g. LibreLane's)."""
    from siliconcrew.repair.hardening.loop import classify_result, repair_loop

    if design is None:
        design, folder = load_design(design_dir)
    else:
        folder = Path(design_dir).resolve()
    given_sandbox = sandbox
    engine = get_engine(engine_name or design.flow.engine)
    # design.yaml's engine/PDK pair is checked when it is loaded; an --engine override here
    problem = pdk_problem(engine.name, design.flow.pdk) if engine_name else None
    if problem:
        raise UserInputError(
            f"{problem[0]} (--engine {engine_name} with flow.pdk {design.flow.pdk})", problem[1]
        )
    dinput = design_input(design, folder, rtl)
    if clock_period_ns:  # an approved clock relaxation from timing repair
        dinput.clock_period_ns = clock_period_ns
    if extra_options:
        extra_options = dict(extra_options)
        if "synth_recipe" in extra_options:  # a timing repair's recipe replaces design.yaml's
            dinput.synth_recipe = dict(extra_options.pop("synth_recipe") or {})
        dinput.options = {**dinput.options, **extra_options}
    if max_repairs < 0:
        raise UserInputError("--max-repairs must be >= 0", "use 0 to disable repairs")
    engine.stage_range(from_stage, to_stage)  # unknown stage names first, before any run
    from_stage = engine.stage_name(from_stage) if from_stage else None  # old names → current
    to_stage = engine.stage_name(to_stage) if to_stage else None
    if dry_run:
        return _plan(engine, dinput, folder, sandbox_factory, from_stage, to_stage, run_id)
    resume = from_stage is not None and run_id is None
    if resume:
        run_id = latest_run_with_harden(folder)
    if run_id is not None and not (folder / "runs" / run_id).is_dir():
        raise UserInputError(
            f"run '{run_id}' not found in {folder / 'runs'}",
            "give an existing run id (see runs/) or omit --run",
        )
    check_continuable(folder, run_id, from_stage, engine.stages)
    run_dir = RunDir(folder, run_id)
    harden_dir = run_dir.path / "harden"
    harden_dir.mkdir(parents=True, exist_ok=True)
    attempts = sorted(harden_dir.glob("attempt-*"), key=lambda p: int(p.name.split("-")[1]))
    first_index = (
        int(attempts[-1].name.split("-")[1])
        if (from_stage and attempts)
        else (int(attempts[-1].name.split("-")[1]) + 1 if attempts else 0)
    )
    image = engine.required_image(dinput)
    if image or given_sandbox is None:
        sandbox = sandbox_factory(folder, image) if image else sandbox_factory(folder)
    else:
        sandbox = given_sandbox
    try:
        run_dir.event(
            "harden_start",
            engine=engine.name,
            from_stage=from_stage,
            to_stage=to_stage,
            sandbox=sandbox.describe(),
        )
        base_config = engine.default_config(dinput)
        if from_stage and attempts:  # continue the newest attempt with its own config
            saved = attempts[-1] / "flow_config.json"
            if saved.exists():
                base_config = json.loads(saved.read_text())

        def run_attempt(config: dict[str, Any], number: int) -> FlowResult:
            idx = first_index + number
            flow_dir = harden_dir / f"attempt-{idx}"
            run_dir.event("attempt_start", attempt=idx, config=config)
            result = run_flow(
                engine,
                dinput,
                flow_dir,
                sandbox,
                config,
                from_stage=from_stage if number == 0 else None,
                to_stage=to_stage,
                progress=progress,
            )
            run_dir.event(
                "attempt_end",
                attempt=idx,
                status=result.status,
                metrics={
                    k: v for k, v in result.metrics.items() if not isinstance(v, (dict, list))
                },
            )
            return result

        if to_stage is not None or max_repairs == 0:
            result = run_attempt(base_config, 0)
            # the same classification the repair loop makes (stage verdicts included)
            findings = (
                classify_result(result, stage_logs(result)) if result.status == "failed" else []
            )
            report = HardenReport(
                result.status,
                engine.name,
                run_dir.run_id,
                run_dir.path,
                result,
                outcome="no_repairs" if result.status == "failed" else result.status,
                failure_classes=list(dict.fromkeys(f.klass for f in findings)),
            )
        else:
            outcome = repair_loop(
                run_attempt,
                engine,
                base_config,
                max_repairs=max_repairs,
                allow_clock_relax=allow_clock_relax,
                record_dir=harden_dir,
                logs_of=stage_logs,
            )
            final = outcome.final
            findings = classify_result(final, stage_logs(final)) if final.status != "ok" else []
            report = HardenReport(
                final.status,
                engine.name,
                run_dir.run_id,
                run_dir.path,
                final,
                repairs=[a if isinstance(a, dict) else _as_dict(a) for a in outcome.attempts],
                outcome=outcome.outcome,
                failure_classes=list(dict.fromkeys(f.klass for f in findings)),
                send_back={
                    "target": outcome.send_back,
                    "evidence": outcome.evidence,
                    "message": outcome.message,
                }
                if outcome.send_back
                else None,
            )
            report.message = outcome.message
            report.next_action = outcome.next_action
            report.permission_needed = outcome.permission_needed
        run_dir.write_json("harden.json", report.to_dict())
        run_dir.event("harden_end", status=report.status, outcome=report.outcome)
        return report
    finally:
        if sandbox is not given_sandbox:
            sandbox.close()


def _plan(
    engine: Any,
    dinput: DesignInput,
    folder: Path,
    sandbox_factory,
    from_stage: str | None,
    to_stage: str | None,
    run_id: str | None,
) -> dict[str, Any]:
    """harden --dry-run: the engine's plan for the attempt that would run (nothing is run)."""
    if not hasattr(engine, "plan"):
        raise UserInputError(
            f"--dry-run is not available for the {engine.name} engine",
            "use it with flow.engine: librelane",
        )
    where = folder / "runs" / (run_id or "<new run>") / "harden" / "attempt-0"
    latest = latest_run_with_harden(folder) if from_stage and run_id is None else None
    if latest:  # --from without --run continues the newest attempt, as a real run would
        attempts = sorted(
            (folder / "runs" / latest / "harden").glob("attempt-*"),
            key=lambda p: int(p.name.split("-")[1]),
        )
        where = attempts[-1] if attempts else where
    image = engine.required_image(dinput)
    sandbox = sandbox_factory(folder, image) if image else sandbox_factory(folder)
    saved = where / "flow_config.json"  # a continued attempt keeps its own config
    config = (
        json.loads(saved.read_text())
        if from_stage and saved.is_file()
        else engine.default_config(dinput)
    )
    try:
        plan = engine.plan(dinput, where, config, sandbox, from_stage=from_stage, to_stage=to_stage)
        return {"dry_run": True, "sandbox": sandbox.describe(), **plan}
    finally:
        sandbox.close()


def _as_dict(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(obj)
    return obj


class HardenStep(GraphStep):
    """Harden in the agent graph, on the run's design and sandbox: after the approval gate
    (`--approve ask`), the engine with its deterministic repairs; a timing recipe that fails
    setup post-route is judged against the engine's default synthesis (the engine has the
    last word, not pre-layout STA); once the repairs are spent, the hardening agent may
    propose flow options, each checked by a rerun. RTL-level send-backs go to the RTL agent."""

    id = "harden"
    needs = ("rtl_files", "synth_recipe", "clock_period_ns", "harden_options", "timing_memory")
    makes = (
        "harden",
        "harden_options",
        "harden_attempts",
        "evidence",
        "harden.json",
        "timing_memory",
    )
    config = ("flow", "clock")
    goes_to = ("rtl", "integrate", "report")
    MAX_PROPOSALS = 2

    def update(self, ctx: RunContext, state: RunState) -> Update:
        if ctx.approve == "ask" and ctx.ask is not None:
            if not ctx.ask({"question": f"Harden {ctx.design.name} to GDS now?", "step": "harden"}):
                return Update(
                    state={
                        "status": "stopped",
                        "reason": "hardening declined at the approval gate",
                    },
                    outcome="declined",
                    goto="report",
                )
        extra: dict[str, Any] = dict(state.get("harden_options") or {})
        if state.get("synth_recipe"):
            extra["synth_recipe"] = state["synth_recipe"]
        notes: list[str] = []
        proposals = 0
        while True:
            report, extra = self._recipe_or_default(ctx, state, extra, notes)
            summary = _summary(report, extra)
            # The LLM may propose config changes once the deterministic repairs are spent;
            # each proposal is checked by a full rerun.
            if (
                report.status == "ok"
                or ctx.llm is None
                or report.send_back
                or proposals >= self.MAX_PROPOSALS
            ):
                break
            from siliconcrew.agents.hardening import propose

            proposal = propose(
                ctx,
                summary,
                {**report.result.config, **extra},
                ctx.engine or ctx.design.flow.engine,
            )
            if not proposal:
                break
            proposals += 1
            ctx.run_dir.event("harden_proposal", options=proposal, attempt=proposals)
            extra = {**extra, **proposal}
        out: dict[str, Any] = {
            "harden": summary,
            "harden_options": extra,
            "notes": notes,
            "harden_attempts": state.get("harden_attempts", 0) + 1 + proposals,
        }
        memory = state.get("timing_memory") or {}
        if memory.get("pending"):  # a timing closure waiting for the engine's word
            from siliconcrew.steps.timing_memory import settle

            out["timing_memory"], note = settle(
                ctx,
                memory,
                report.status,
                report.outcome,
                report.result.metrics,
                extra,
                list(state.get("rtl_files") or ctx.design.rtl),
            )
            notes.append(note)
        outcome = f"{report.status} ({report.outcome})" + (
            f" after {proposals} agent proposal(s)" if proposals else ""
        )
        if report.send_back and report.send_back.get("target") == "rtl":
            out["evidence"] = "hardening needs an RTL change:\n" + "\n".join(
                report.send_back.get("evidence") or []
            )
            if ctx.llm is not None and state.get("rtl_attempts", 0) < ctx.max_iterations:
                return Update(state=out, outcome=outcome, goto="rtl")
        # design.yaml `integration:` wraps the design for its shuttle before the report
        after = "integrate" if ctx.design.integration is not None else "report"
        return Update(state=out, outcome=outcome, goto=after)

    @staticmethod
    def _attempt(ctx: RunContext, state: RunState, options: dict[str, Any]) -> HardenReport:
        report = harden(
            ctx.folder,
            ctx.sandbox_factory,
            engine_name=ctx.engine,
            max_repairs=ctx.max_repairs,
            run_id=ctx.run_dir.run_id,
            rtl=state.get("rtl_files"),
            extra_options=options or None,
            clock_period_ns=state.get("clock_period_ns"),
            design=ctx.design,
            sandbox=ctx.tool_ctx.sandbox,
        )
        assert isinstance(report, HardenReport)  # not a dry run
        return report

    def _recipe_or_default(
        self, ctx: RunContext, state: RunState, extra: dict[str, Any], notes: list[str]
    ) -> tuple[HardenReport, dict[str, Any]]:
        """One hardening; when a timing recipe fails setup post-route, also the engine's
        default synthesis (the recipe was judged by pre-layout STA, without wires): the
        better of the two is kept."""
        report = self._attempt(ctx, state, extra)
        if (
            report.status == "ok"
            or not extra.get("synth_recipe")
            or "setup_violations" not in report.failure_classes
        ):
            return report, extra
        plain = self._attempt(ctx, state, {**extra, "synth_recipe": {}})
        ws_r = report.result.metrics.get("timing__setup__ws")
        ws_p = plain.result.metrics.get("timing__setup__ws")
        better = plain.status == "ok" or (ws_p is not None and ws_r is not None and ws_p > ws_r)
        notes.append(
            f"post-route setup WS {ws_r} ns with the timing recipe, {ws_p} ns with the "
            f"engine's default synthesis: kept the {'default' if better else 'recipe'}"
        )
        ctx.run_dir.event("note", message=notes[-1])
        return (plain, {**extra, "synth_recipe": {}}) if better else (report, extra)


def _summary(report: HardenReport, options: dict[str, Any]) -> dict[str, Any]:
    """The run state's view of a hardening (scalars only: the state is checkpointed)."""
    return {
        "status": report.status,
        "outcome": report.outcome,
        "metrics": {
            k: v for k, v in report.result.metrics.items() if not isinstance(v, (dict, list))
        },
        "artifacts": report.result.artifacts,
        "failure_classes": report.failure_classes,
        "send_back": report.send_back,
        "attempts": len(report.repairs) or 1,
        "options": options,
        "repairs_tried": [
            (r.get("action") or {}).get("name")
            for r in report.repairs
            if isinstance(r, dict) and r.get("action")
        ],
    }
