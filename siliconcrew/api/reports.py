"""`report`: the run's self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

from siliconcrew.api.results import ReportResult
from siliconcrew.core.errors import UserInputError


def report(run_dir: Path | str) -> ReportResult:
    """Write (or rewrite) runs/<id>/report.html of a run folder."""
    from siliconcrew.steps.report import write_report

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserInputError(
            f"run folder '{run_dir}' does not exist", "give <design>/runs/<run_id>"
        )
    return ReportResult(report=str(write_report(run_dir)))
