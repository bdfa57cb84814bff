"""How a trial is judged: its figures, whether it counts, its score, the best, the Pareto
front. Pure functions over plain dicts (no Ray, no files).

A trial counts (status "ok") only when its flow finished clean: GDS, magic DRC 0, LVS clean,
no setup violation, and every figure the score needs is present. Anything else is "failed"
with the reason, and is left out of the best and of the Pareto front: a missing metric is
never read as a plausible value (AutoTuner's known trap: an error value that scored like a
real result). Ray Tune gets a finite value for failed trials that is below every real one
(`FAILED_TUNE_VALUE`), so its search treats them as the worst outcome, never the best.

Figures (LibreLane's names in, short names out):
- period_ns: the trial's clock period; setup_ws_ns: post-route worst setup slack;
- effective_period_ns = period − WS (AutoTuner's "effective clock period"); fmax_mhz = 1000 /
  effective period;
- area_um2: the die area (what density and synthesis both change); cell_area_um2: the cells';
- drc, lvs_errors, cells.

Objectives: fmax (maximise fmax), area (minimise die area), score (AutoTuner's default:
effective period + effective period / 10 × DRC count, minimised; clean trials have DRC 0, so
among counted trials it ranks as fmax does). Ties go to the other axis (smaller area for
fmax/score, higher fmax for area)."""

from __future__ import annotations

import math
from typing import Any

OBJECTIVES = ("fmax", "area", "score")
#: What Ray Tune is told for a failed trial (mode "max"): below any real value of any objective.
FAILED_TUNE_VALUE = -1e18
TUNE_METRIC = "explore_value"
TUNE_MODE = "max"
#: The figures a counted trial must have.
REQUIRED = ("period_ns", "setup_ws_ns", "effective_period_ns", "fmax_mhz", "area_um2")


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def figures(metrics: dict[str, Any], period_ns: float | None = None) -> dict[str, Any]:
    """The trial's figures from the engine's metrics (missing ones stay None)."""
    period = _num(metrics.get("clock__period_ns"))
    if period is None:
        period = _num(period_ns)
    ws = _num(metrics.get("timing__setup__ws"))
    eff = round(period - ws, 4) if period is not None and ws is not None else None
    fmax = round(1000.0 / eff, 2) if eff is not None and eff > 0 else None
    drc = metrics.get("magic__drc_error__count")
    if drc is None:
        drc = metrics.get("route__drc_errors")
    return {
        "period_ns": period,
        "setup_ws_ns": ws,
        "effective_period_ns": eff,
        "fmax_mhz": fmax,
        "area_um2": _num(metrics.get("design__die__area")),
        "cell_area_um2": _num(metrics.get("design__instance__area")),
        "cells": metrics.get("design__instance__count"),
        "drc": drc,
        "lvs_errors": metrics.get("design__lvs_error__count"),
    }


def judge(
    flow_status: str, flow_failure: str | None, fig: dict[str, Any]
) -> tuple[str, str | None]:
    """(status, failure): "ok" only for a clean flow with every required figure; else
    "failed" and why (the flow's own reason first)."""
    problems: list[str] = []
    if flow_status != "ok":
        problems.append(flow_failure or f"flow {flow_status}")
    drc = fig.get("drc")
    if isinstance(drc, int | float) and drc > 0:
        problems.append(f"DRC {drc:g}")
    lvs = fig.get("lvs_errors")
    if isinstance(lvs, int | float) and lvs > 0:
        problems.append(f"LVS errors {lvs:g}")
    ws = fig.get("setup_ws_ns")
    if isinstance(ws, int | float) and ws < 0:
        problems.append(f"setup WS {ws:g} ns")
    missing = [k for k in REQUIRED if fig.get(k) is None]
    if missing and flow_status == "ok":
        problems.append("missing " + ", ".join(missing))
    if problems:
        seen: list[str] = []
        for p in problems:
            if p not in seen:
                seen.append(p)
        return "failed", "; ".join(seen)
    return "ok", None


def counted(trial: dict[str, Any]) -> bool:
    """A trial that may be ranked: ok and every required figure present."""
    fig = trial.get("metrics") or {}
    return trial.get("status") == "ok" and all(_num(fig.get(k)) is not None for k in REQUIRED)


def objective_value(fig: dict[str, Any], objective: str) -> float | None:
    """The figure the objective ranks on (None when it cannot be computed)."""
    if objective == "fmax":
        return _num(fig.get("fmax_mhz"))
    if objective == "area":
        return _num(fig.get("area_um2"))
    if objective == "score":
        eff = _num(fig.get("effective_period_ns"))
        if eff is None:
            return None
        drc = _num(fig.get("drc")) or 0.0
        return round(eff + eff / 10.0 * drc, 6)
    raise ValueError(f"unknown objective {objective!r}")


def _sort_key(trial: dict[str, Any], objective: str) -> tuple[float, float]:
    """Smaller is better: (objective, tie-break)."""
    fig = trial["metrics"]
    value = objective_value(fig, objective)
    assert value is not None
    fmax, area = float(fig["fmax_mhz"]), float(fig["area_um2"])
    if objective == "fmax":
        return (-value, area)
    if objective == "area":
        return (value, -fmax)
    return (value, area)


def tune_value(trial: dict[str, Any], objective: str) -> float:
    """The value Ray Tune maximises: the objective oriented so larger is better; failed
    trials get FAILED_TUNE_VALUE, below every real value."""
    if not counted(trial):
        return FAILED_TUNE_VALUE
    value = objective_value(trial["metrics"], objective)
    if value is None:
        return FAILED_TUNE_VALUE
    return value if objective == "fmax" else -value


def rank(trials: list[dict[str, Any]], objective: str) -> list[dict[str, Any]]:
    """Counted trials, best first. Failed trials are never in it."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}")
    ok = [t for t in trials if counted(t) and objective_value(t["metrics"], objective) is not None]
    return sorted(ok, key=lambda t: _sort_key(t, objective))


def best(trials: list[dict[str, Any]], objective: str) -> dict[str, Any] | None:
    ranked = rank(trials, objective)
    return ranked[0] if ranked else None


def pareto(trials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The counted trials no other counted trial dominates (fmax ≥ and area ≤, one strictly),
    sorted by area. Equal points are all kept."""
    pts = [t for t in trials if counted(t)]

    def dominates(a: dict[str, Any], b: dict[str, Any]) -> bool:
        fa, aa = a["metrics"]["fmax_mhz"], a["metrics"]["area_um2"]
        fb, ab = b["metrics"]["fmax_mhz"], b["metrics"]["area_um2"]
        return fa >= fb and aa <= ab and (fa > fb or aa < ab)

    front = [t for t in pts if not any(dominates(o, t) for o in pts if o is not t)]
    return sorted(front, key=lambda t: (t["metrics"]["area_um2"], -t["metrics"]["fmax_mhz"]))
