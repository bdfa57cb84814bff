"""Scoring: the figures, what counts, the objectives, the best and the Pareto front. A failed
trial never wins, whatever its (missing or plausible-looking) metrics say."""

from __future__ import annotations

import math

import pytest

from siliconcrew.explore.scoring import (
    FAILED_TUNE_VALUE,
    best,
    counted,
    figures,
    judge,
    objective_value,
    pareto,
    rank,
    tune_value,
)

CLEAN = {
    "clock__period_ns": 10.0,
    "timing__setup__ws": 6.0,
    "design__die__area": 5000.0,
    "design__instance__area": 4000.0,
    "design__instance__count": 120,
    "magic__drc_error__count": 0,
    "design__lvs_error__count": 0,
}


def trial(tid, status="ok", failure=None, **metrics):
    fig = figures({**CLEAN, **metrics})
    return {"id": tid, "status": status, "failure": failure, "metrics": fig, "config": {}}


def test_figures_follow_autotuner_effective_period():
    fig = figures(CLEAN)
    assert fig["effective_period_ns"] == 4.0 and fig["fmax_mhz"] == 250.0
    assert fig["area_um2"] == 5000.0 and fig["cell_area_um2"] == 4000.0 and fig["drc"] == 0
    # the trial's period stands in when the engine did not report one
    assert figures({"timing__setup__ws": 1.0}, period_ns=5)["fmax_mhz"] == 250.0
    assert figures({})["fmax_mhz"] is None


@pytest.mark.parametrize(
    "status, failure, metrics, words",
    [
        ("failed", "drc: 3 errors", {"magic__drc_error__count": 3}, "drc: 3 errors"),
        ("ok", None, {"magic__drc_error__count": 2}, "DRC 2"),
        ("ok", None, {"design__lvs_error__count": 1}, "LVS errors 1"),
        ("ok", None, {"timing__setup__ws": -0.3}, "setup WS -0.3"),
        ("ok", None, {"design__die__area": None}, "missing area_um2"),
        ("ok", None, {"timing__setup__ws": float("nan")}, "missing setup_ws_ns"),
    ],
)
def test_judge_fails_unclean_or_incomplete_trials(status, failure, metrics, words):
    got, why = judge(status, failure, figures({**CLEAN, **metrics}))
    assert got == "failed" and words in why


def test_judge_passes_a_clean_complete_trial():
    assert judge("ok", None, figures(CLEAN)) == ("ok", None)


def test_objectives_and_ties():
    fast = trial("fast", timing__setup__ws=8.0, design__die__area=9000.0)  # 500 MHz
    small = trial("small", timing__setup__ws=5.0, design__die__area=3000.0)  # 200 MHz
    twin = trial("twin", timing__setup__ws=8.0, design__die__area=8000.0)  # 500 MHz, smaller
    trials = [fast, small, twin]
    assert best(trials, "fmax")["id"] == "twin"  # tie on fmax: smaller area
    assert best(trials, "area")["id"] == "small"
    assert best(trials, "score")["id"] == "twin"
    assert objective_value(fast["metrics"], "score") == 2.0
    # AutoTuner's DRC penalty on the score (only seen by trials that count at all)
    assert objective_value({**fast["metrics"], "drc": 10}, "score") == 4.0
    with pytest.raises(ValueError):
        rank(trials, "speed")


@pytest.mark.parametrize("objective", ["fmax", "area", "score"])
def test_a_failed_trial_never_wins(objective):
    """A failed trial with better-looking figures, or none at all, is never ranked, and
    Ray Tune's value for it is below every real one."""
    real = trial("real", timing__setup__ws=1.0, design__die__area=90000.0)  # poor but clean
    dazzling = trial(
        "dazzling", status="failed", failure="lvs", timing__setup__ws=9.9, design__die__area=1.0
    )
    empty = {"id": "empty", "status": "failed", "failure": "synthesis", "metrics": {}}
    ok_no_metrics = {"id": "liar", "status": "ok", "metrics": {"fmax_mhz": 1e9}}
    trials = [dazzling, empty, ok_no_metrics, real]
    assert [t["id"] for t in rank(trials, objective)] == ["real"]
    assert best(trials, objective)["id"] == "real"
    assert not counted(ok_no_metrics)
    real_value = tune_value(real, objective)
    for t in (dazzling, empty, ok_no_metrics):
        v = tune_value(t, objective)
        assert v == FAILED_TUNE_VALUE and math.isfinite(v) and v < real_value
    assert best([dazzling, empty], objective) is None


def test_tune_value_orients_every_objective_for_max():
    a = trial("a", timing__setup__ws=8.0, design__die__area=9000.0)
    b = trial("b", timing__setup__ws=5.0, design__die__area=3000.0)
    assert tune_value(a, "fmax") > tune_value(b, "fmax")
    assert tune_value(b, "area") > tune_value(a, "area")
    assert tune_value(a, "score") > tune_value(b, "score")
    huge = trial("huge", design__die__area=1e15)
    assert tune_value(huge, "area") > FAILED_TUNE_VALUE


def test_pareto_front_keeps_non_dominated_clean_trials_only():
    pts = {
        "a": (8.0, 9000.0),  # 500 MHz, 9000
        "b": (5.0, 3000.0),  # 200 MHz, 3000
        "c": (6.0, 6000.0),  # 250 MHz, 6000
        "d": (5.0, 7000.0),  # 200 MHz, 7000: dominated by b and c
        "e": (6.0, 6000.0),  # equal to c: kept
    }
    trials = [trial(k, timing__setup__ws=ws, design__die__area=ar) for k, (ws, ar) in pts.items()]
    trials.append(trial("bad", status="failed", timing__setup__ws=9.9, design__die__area=1.0))
    front = [t["id"] for t in pareto(trials)]
    assert front[0] == "b" and set(front) == {"a", "b", "c", "e"}
    areas = [t["metrics"]["area_um2"] for t in pareto(trials)]
    assert areas == sorted(areas)
    assert pareto([]) == []
