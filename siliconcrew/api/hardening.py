"""`harden`: take a design to GDS with its flow engine; failures are classified and the
config repaired (or the cause sent back)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from siliconcrew.api.context import (
    ProgressFn,
    WarningFn,
    load_checked_design,
    resolve_settings,
    sandbox_factory,
)
from siliconcrew.api.results import HardenResult

if TYPE_CHECKING:
    from siliconcrew.core.cancel import CancelToken
    from siliconcrew.core.settings import Settings


def harden(
    design_dir: Path | str,
    *,
    engine: str | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
    max_repairs: int = 3,
    allow_clock_relax: bool = False,
    run_id: str | None = None,
    sandbox: str | None = None,
    unsafe_host: bool = False,
    settings: Settings | None = None,
    progress: ProgressFn | None = None,
    on_warning: WarningFn | None = None,
    cancel: CancelToken | None = None,
) -> HardenResult:
    """Harden `design_dir` (engine: design.yaml's flow.engine unless given). `from_stage`
    continues the newest run unless `run_id`; `to_stage` stops early (status "partial").
    `cancel.cancel()` (another thread) kills the running stage: raises `Cancelled`."""
    from siliconcrew.core.profile import span

    with span("harden_imports"):
        from siliconcrew.steps.harden import HardenReport
        from siliconcrew.steps.harden import harden as harden_flow

    with span("load_design"):
        # bad design.yaml: refused before a sandbox; the design read here is the one used
        design, folder = load_checked_design(Path(design_dir), on_warning)
        settings = resolve_settings(settings, sandbox, unsafe_host)
    with span("harden_flow"):
        report = harden_flow(
            folder,
            sandbox_factory(settings, cancel),
            engine_name=engine,
            from_stage=from_stage,
            to_stage=to_stage,
            max_repairs=max_repairs,
            allow_clock_relax=allow_clock_relax,
            run_id=run_id,
            progress=progress,
            design=design,
        )
    assert isinstance(report, HardenReport)  # not a dry run: a report, never a plan
    with span("result_model"):
        return HardenResult.model_validate(report.to_dict())


def harden_plan(
    design_dir: Path | str,
    *,
    engine: str | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
    run_id: str | None = None,
    sandbox: str | None = None,
    unsafe_host: bool = False,
    settings: Settings | None = None,
    on_warning: WarningFn | None = None,
) -> dict:
    """`harden --dry-run`: the exact command lines and config.json the engine would run, after
    the same key checks as a real run; nothing runs and no run folder is made (LibreLane)."""
    from siliconcrew.steps.harden import harden as harden_flow

    load_checked_design(Path(design_dir), on_warning)
    settings = resolve_settings(settings, sandbox, unsafe_host)
    plan = harden_flow(
        Path(design_dir),
        sandbox_factory(settings),
        engine_name=engine,
        from_stage=from_stage,
        to_stage=to_stage,
        run_id=run_id,
        dry_run=True,
    )
    assert isinstance(plan, dict)
    return plan
