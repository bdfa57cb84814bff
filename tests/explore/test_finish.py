"""The driver's last step without Ray: records in, ranked result and files out. A crashed
or failed trial is listed with its reason and never becomes the best; a failed baseline is
reported as such."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import yaml
from conftest import EXAMPLES

from siliconcrew.explore.scoring import figures
from siliconcrew.explore.space import config_key

SPACE = {"clock.period_ns": {"uniform": [4, 12]}, "synthesis.abc_script": {"choice": ["default"]}}


def _plan(tmp_path: Path):
    from siliconcrew.explore.runner import plan_explore

    d = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", d, ignore=shutil.ignore_patterns("runs", "explore"))
    data = yaml.safe_load((d / "design.yaml").read_text())
    data["explore"] = {"space": SPACE, "objective": "fmax", "samples": 3}
    (d / "design.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return plan_explore(d)


def _rec(plan, period, ws, status="ok", failure=None, baseline=False, drc=0):
    cfg = {} if baseline else {"clock.period_ns": period, "synthesis.abc_script": "default"}
    m = figures(
        {
            "clock__period_ns": period,
            "timing__setup__ws": ws,
            "design__die__area": 3000.0,
            "design__instance__area": 2000.0,
            "design__instance__count": 50,
            "magic__drc_error__count": drc,
            "design__lvs_error__count": 0,
        }
    )
    key = config_key(plan.inputs_hash, {"__baseline__": True} if baseline else cfg)
    return {
        "id": key,
        "config": cfg,
        "status": status,
        "failure": failure,
        "metrics": m,
        "baseline": baseline,
        "run_dir": None,
        "run_archive": b"x",
        "work_dir": "/tmp/w",
    }


def test_failed_and_crashed_trials_are_listed_never_best(tmp_path):
    from siliconcrew.explore.runner import crashed, finish

    plan = _plan(tmp_path)
    base = _rec(plan, 10.0, 8.0, baseline=True)  # 500 MHz
    good = _rec(plan, 5.0, 2.5)  # 400 MHz
    drc = _rec(plan, 6.0, 5.9, status="failed", failure="drc: 3 errors", drc=3)  # "10 GHz"
    boom = crashed(
        plan,
        {"clock.period_ns": 7.0, "synthesis.abc_script": "default"},
        RuntimeError("worker died\nmore"),
    )
    res = finish(plan, [good, drc, boom], base, interrupted=False, wall_s=1.0)
    assert res.best is not None and res.best.is_baseline and res.best.metrics["fmax_mhz"] == 500
    assert res.baseline is not None and res.baseline.status == "ok"
    assert res.baseline.config == {"clock.period_ns": 10, "synthesis.abc_script": "default"}
    by = {t.id: t for t in res.trials}
    assert by[boom["id"]].failure == "trial crashed: RuntimeError: worker died"
    assert by[drc["id"]].status == "failed" and drc["id"] not in res.pareto
    assert (res.summary.ok, res.summary.failed) == (2, 2) and res.exit_code == 0
    rows = list(csv.DictReader(Path(res.artifacts["table_csv"]).open()))
    assert len(rows) == 4 and rows[0]["baseline"] == "1"
    state = json.loads(Path(res.artifacts["state"]).read_text())
    assert "run_archive" not in json.dumps(state) and state["best"]["trial"] == base["id"]


def test_nothing_clean_means_no_best_and_exit_1(tmp_path):
    from siliconcrew.explore.runner import finish

    plan = _plan(tmp_path)
    base = _rec(plan, 10.0, 8.0, baseline=True, status="failed", failure="drc: 1", drc=1)
    bad = _rec(plan, 4.0, -0.5, status="failed", failure="setup WS -0.5 ns")
    res = finish(plan, [bad], base, interrupted=False, wall_s=1.0)
    assert res.best is None and res.pareto == [] and res.exit_code == 1
    assert res.baseline.status == "failed" and res.baseline.failure == "drc: 1"
    assert "best_yaml" not in res.artifacts
    assert Path(res.artifacts["pareto_png"]).read_bytes()[:4] == b"\x89PNG"
    interrupted = finish(plan, [], None, interrupted=True, wall_s=1.0)
    assert interrupted.exit_code == 130 and interrupted.baseline is None
