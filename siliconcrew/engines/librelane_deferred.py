"""LibreLane's deferred checker errors, kept across the engine's stage groups.

Why: most LibreLane checkers do not stop the flow. `MetricChecker.run` (steps/checker.py,
librelane 3.0.17) logs `"{value} {description} found. - deferred"` and raises
`DeferredStepError`; `SequentialFlow.run` (flows/sequential.py) collects it, goes on with the
state it had (the checker writes no state_out.json), saves `final/` when the step range ends
and only then raises `FlowError("One or more deferred errors were encountered: ...")`, which
`__main__.py` turns into exit code 2. Immediate errors (`StepError`, e.g. the lint,
unmapped-cell and disconnected-pin checkers) raise `FlowError` at once, exit 2 too, but
*without* saving `final/`.

The engine runs the flow in groups (`--to` the group's last step). Taken at face value, exit 2
from a group would end the flow at a checker that LibreLane itself lets run on — e.g.
`Checker.PowerGridViolations` inside placement, whose own description says the violations
"may be ignored if LVS passes", while LVS is never reached. So: exit 2 *with* a fresh `final/`
and only checker step folders left without a state_out.json is a deferred-only ending; the
group counts as finished, the next group starts from the newest state (the same one LibreLane
carried on with), and the errors are judged when the flow ends (`judge_deferred`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from siliconcrew.sandbox.base import ExecResult

#: `__main__.py` (3.0.17): `except FlowError: ... ctx.exit(2)`
DEFERRED_FLOW_EXIT = 2
#: `MetricChecker.run`: `self.err(f"{error_msg} - deferred")`
DEFERRED_SUFFIX = " - deferred"

#: Checkers that raise DeferredStepError (steps/checker.py, 3.0.17: `deferred` defaults to True
#: for MetricChecker; the TimingViolations checkers always raise it) → the metric they judge.
DEFERRED_CHECKERS: dict[str, str] = {
    "Checker.TrDRC": "route__drc_errors",
    "Checker.MagicDRC": "magic__drc_error__count",
    "Checker.IllegalOverlap": "magic__illegal_overlap__count",
    "Checker.WireLength": "route__wirelength__max",
    "Checker.XOR": "design__xor_difference__count",
    "Checker.LVS": "design__lvs_error__count",
    "Checker.PowerGridViolations": "design__power_grid_violation__count",
    "Checker.KLayoutDRC": "klayout__drc_error__count",
    "Checker.KLayoutDensity": "klayout__density_error__count",
    "Checker.KLayoutAntenna": "klayout__antenna_error__count",
    "Checker.SetupViolations": "timing__setup_vio__count",
    "Checker.HoldViolations": "timing__hold_vio__count",
    "Checker.MaxSlewViolations": "design__max_slew_violation__count",
    "Checker.MaxCapViolations": "design__max_cap_violation__count",
}
TIMING_CHECKERS = frozenset(
    {
        "Checker.SetupViolations",
        "Checker.HoldViolations",
        "Checker.MaxSlewViolations",
        "Checker.MaxCapViolations",
    }
)
_BY_SLUG = {cid.lower().replace(".", "-"): cid for cid in DEFERRED_CHECKERS}
#: The checker whose own description says its errors may be ignored when LVS passes.
WAIVED_BY_LVS = "Checker.PowerGridViolations"


@dataclass(frozen=True)
class DeferredError:
    step: str  # LibreLane step id, e.g. Checker.PowerGridViolations
    message: str  # LibreLane's message, e.g. "5 power grid violations (...) found."
    step_dir: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeferredError:
        return cls(
            step=str(data.get("step", "")),
            message=str(data.get("message", "")),
            step_dir=str(data.get("step_dir", "")),
        )


def _new_text(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _slug(step_dir: Path) -> str:
    return step_dir.name.split("-", 1)[1] if "-" in step_dir.name else step_dir.name


def deferred_errors(
    run_dir: Path,
    new_dirs: list[Path],
    log_sizes: dict[str, int],
    res: ExecResult,
    *,
    saves_final: bool = True,
) -> list[DeferredError] | None:
    """The deferred checker errors of a LibreLane invocation that ended on them only, else
    None (a real failure). Read from files: the step folders, `final/`, `error.log`.

    `saves_final`: LibreLane 3 saves `final/` before raising the deferred FlowError, so its
    absence means an immediate error. OpenLane 2.3.10 raises first and saves nothing
    (flows/sequential.py there): then only the failed steps being deferred checkers (which
    never raise an immediate error) tells the two apart."""
    if res.exit_code != DEFERRED_FLOW_EXIT or res.timed_out or res.killed_reason:
        return None
    if saves_final and not (run_dir / "final").is_dir():
        return None  # an immediate error: LibreLane saved no final views
    failed = [d for d in new_dirs if not (d / "state_out.json").is_file()]
    ids = [_BY_SLUG.get(_slug(d)) for d in failed]
    if not failed or any(i is None for i in ids):
        return None
    text = _new_text(run_dir / "error.log", log_sizes.get("error.log", 0))
    logged = [
        ln[: -len(DEFERRED_SUFFIX)].strip()
        for ln in text.splitlines()
        if ln.rstrip().endswith(DEFERRED_SUFFIX)
    ]
    out: list[DeferredError] = []
    for step_dir, step_id in zip(failed, ids, strict=True):
        assert step_id is not None
        metric = DEFERRED_CHECKERS[step_id]
        # a MetricChecker logs "{value} {description} found. - deferred", in step order; the
        # timing checkers log nothing of their own (their message reaches only the console)
        if step_id in TIMING_CHECKERS or not logged:
            msg = (
                f"{metric}__corner:* above 0 in a corner LibreLane checks"
                if step_id in TIMING_CHECKERS
                else f"{metric} above its threshold"
            )
        else:
            msg = logged.pop(0)
        out.append(DeferredError(step=step_id, message=msg, step_dir=step_dir.name))
    return out


def judge_deferred(
    carried: dict[str, list[dict[str, Any]]], metrics: dict[str, Any]
) -> tuple[list[DeferredError], list[DeferredError]]:
    """(still errors, waived) for the deferred errors every stage carried, on the final
    metrics. Power-grid violations are waived when LVS ran and found nothing (the checker's
    own advice); every other deferred error stands, as in LibreLane's whole-flow run."""
    errors: list[DeferredError] = []
    waived: list[DeferredError] = []
    lvs = metrics.get("design__lvs_error__count")
    for items in carried.values():
        for raw in items if isinstance(items, list) else []:
            d = DeferredError.from_dict(raw)
            if d.step == WAIVED_BY_LVS and isinstance(lvs, (int, float)) and lvs == 0:
                waived.append(d)
            else:
                errors.append(d)
    return errors, waived
