"""`check`: the deterministic steps (lint → simulate → synthesize → STA → equivalence), then
hardening to GDS when every step passed. No agents, no LLM."""

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
from siliconcrew.api.results import CheckResult

if TYPE_CHECKING:
    from siliconcrew.core.cancel import CancelToken
    from siliconcrew.core.settings import Settings

HARDEN_PHASE = "hardening"
"""Step name `check` reports (state "running") when it moves on from the checks to hardening."""


def check(
    design_dir: Path | str,
    *,
    harden: bool = True,
    max_repairs: int = 3,
    sandbox: str | None = None,
    unsafe_host: bool = False,
    settings: Settings | None = None,
    progress: ProgressFn | None = None,
    on_warning: WarningFn | None = None,
    cancel: CancelToken | None = None,
) -> CheckResult:
    """Run the checks of `design_dir`; with `harden` (and RTL in design.yaml) go on to GDS in
    the same run folder. `ok` is true when the checks pass and the layout is signoff clean."""
    from siliconcrew.pipelines.checks import run_checks
    from siliconcrew.tools.registry import load_registry

    design, folder = load_checked_design(Path(design_dir), on_warning)
    settings = resolve_settings(settings, sandbox, unsafe_host)
    factory = sandbox_factory(settings, cancel)
    run = run_checks(
        design,
        folder,
        load_registry(),
        factory,
        progress,
        harden=harden,
        max_repairs=max_repairs,
        harden_phase=HARDEN_PHASE,
    )
    report = run.harden
    data = run.to_dict()
    data["harden"] = report.to_dict() if report else None
    data["ok"] = run.ok and (report is None or report.status == "ok")
    return CheckResult.model_validate(data)
