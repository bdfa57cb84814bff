"""`run`: the agent graph (plan → RTL → verify → synth/STA/equivalence → harden → report)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siliconcrew.api.context import (
    ProgressFn,
    WarningFn,
    load_checked_design,
    resolve_settings,
    sandbox_factory,
)
from siliconcrew.api.results import RunResult
from siliconcrew.core.design import MAX_CANDIDATES
from siliconcrew.core.errors import UserInputError

if TYPE_CHECKING:
    from siliconcrew.core.cancel import CancelToken
    from siliconcrew.core.settings import Settings

Approver = Callable[[dict[str, Any]], Any]
"""Gets a request {kind, question, ...}; returns True/False for an approval, or the answers
text when kind is "questions". Without one, gated steps follow `approve`."""


def run(
    design_dir: Path | str,
    *,
    engine: str | None = None,
    approve: str = "auto",
    max_iterations: int = 3,
    max_repairs: int = 3,
    max_tokens: int | None = None,
    max_cost: float | None = None,
    resume: str | None = None,
    allow_clock_relax: bool = False,
    candidates: int | None = None,
    sandbox: str | None = None,
    unsafe_host: bool = False,
    settings: Settings | None = None,
    progress: ProgressFn | None = None,
    approver: Approver | None = None,
    on_warning: WarningFn | None = None,
    cancel: CancelToken | None = None,
) -> RunResult:
    """Run the graph on `design_dir`. `approve` is "ask" (gates call `approver`) or "auto"
    (unattended). With no LLM configured, designs with RTL still go to GDS."""
    from siliconcrew.pipelines.runner import GraphOptions, run_graph

    if approve not in ("ask", "auto"):
        raise UserInputError(f"--approve must be ask or auto, not '{approve}'", "use --approve ask")
    if max_iterations < 1:
        raise UserInputError("--max-iterations must be >= 1", "use 1 or more")
    if candidates is not None and not 1 <= candidates <= MAX_CANDIDATES:
        raise UserInputError(f"--candidates must be 1..{MAX_CANDIDATES}", "use e.g. 4 or 8")
    load_checked_design(Path(design_dir), on_warning)  # bad design.yaml: before the graph
    settings = resolve_settings(settings, sandbox, unsafe_host)
    opts = GraphOptions(
        engine=engine,
        approve=approve,
        max_iterations=max_iterations,
        max_repairs=max_repairs,
        max_tokens=max_tokens,
        max_cost_usd=max_cost,
        resume=resume,
        relax_clock=allow_clock_relax,
        candidates=candidates,
    )
    result = run_graph(
        Path(design_dir),
        sandbox_factory(settings, cancel),
        settings.llm,
        opts,
        progress=progress,
        approve=approver,
    )
    return RunResult.model_validate(result.to_dict())
