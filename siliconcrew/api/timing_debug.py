"""`timing`: worst paths → RTL lines → root causes (no LLM); `timing_repair`: the no-LLM
synthesis-side repairs, each checked by equivalence and the testbench on the netlist."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siliconcrew.api.context import (
    WarningFn,
    load_checked_design,
    resolve_settings,
    sandbox_factory,
)
from siliconcrew.api.results import TimingRepairResult, TimingResult
from siliconcrew.core.errors import UserInputError

if TYPE_CHECKING:
    from siliconcrew.core.cancel import CancelToken
    from siliconcrew.core.settings import Settings

AttemptFn = Callable[[Any], None]
"""Gets each repair attempt (timing.repair.Attempt) as soon as it is judged."""


def timing(
    design_dir: Path | str,
    *,
    clock_period: float | None = None,
    top_paths: int = 5,
    report: Path | str | None = None,
    netlist_json: Path | str | None = None,
    sandbox: str | None = None,
    unsafe_host: bool = False,
    settings: Settings | None = None,
    on_warning: WarningFn | None = None,
    cancel: CancelToken | None = None,
) -> TimingResult:
    """Synthesize + STA + RTL map of `design_dir`, or (with `report`) analyse an existing STA
    report, mapped to RTL as far as `netlist_json` allows. `met` decides the exit code."""
    if report is not None:
        from siliconcrew.repair.timing import analyze_report

        report, netlist_json = Path(report), Path(netlist_json) if netlist_json else None
        if not report.is_file():
            raise UserInputError(f"report '{report}' not found", "give an existing report file")
        if netlist_json is not None and not netlist_json.is_file():
            raise UserInputError(
                f"netlist json '{netlist_json}' not found",
                "give the netlist.json written by synthesize",
            )
        result = analyze_report(
            report.read_text(errors="replace"),
            netlist_json=netlist_json,
            top_paths=top_paths,
            roots=[Path(design_dir)],
        )
        return TimingResult.model_validate(result)
    from siliconcrew.repair.timing import analyze

    load_checked_design(Path(design_dir), on_warning)
    settings = resolve_settings(settings, sandbox, unsafe_host)
    result = analyze(Path(design_dir), sandbox_factory(settings, cancel), clock_period, top_paths)
    return TimingResult.model_validate(result)


def timing_repair(
    design_dir: Path | str,
    *,
    clock_period: float | None = None,
    allow_clock_relax: bool = False,
    max_attempts: int = 8,
    target_slack: float = 0.0,
    engine_check: bool = True,
    memory: bool = True,
    sandbox: str | None = None,
    unsafe_host: bool = False,
    settings: Settings | None = None,
    on_attempt: AttemptFn | None = None,
    on_warning: WarningFn | None = None,
    cancel: CancelToken | None = None,
) -> TimingRepairResult:
    """Try the repair ladder on `design_dir`; design files are never changed (the recipe to
    keep is in the result). `closed` decides the exit code. `engine_check`: closure only
    once the engine (qflow) meets the clock post-route and the testbench passes on the
    post-route netlist; `memory`: recipes that closed the same causes before are tried
    first, and a new closure is stored (knowledge base insights)."""
    from siliconcrew.repair.timing.ladder import RepairBudget, repair_design
    from siliconcrew.repair.timing.memory import KbMemory
    from siliconcrew.steps.timing_engine import engine_checker

    budget = RepairBudget(max_attempts=max_attempts, target_slack_ns=target_slack)
    load_checked_design(Path(design_dir), on_warning)
    settings = resolve_settings(settings, sandbox, unsafe_host)
    rep = repair_design(
        Path(design_dir),
        sandbox_factory(settings, cancel),
        clock_period_ns=clock_period,
        budget=budget,
        allow_clock_relax=allow_clock_relax,
        on_attempt=on_attempt,
        engine_check_factory=engine_checker if engine_check else None,
        memory=KbMemory() if memory else None,
    )
    return TimingRepairResult.of(rep)
