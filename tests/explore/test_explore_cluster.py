"""`siliconcrew explore` on a REAL 2-node Ray cluster on this machine (tests/ray_cluster.py:
2 nodes × 1 CPU, pinned to 127.0.0.1), the docker sandbox, examples/counter with a small
space (3 samples + the baseline).

The first exploration is interrupted (SIGINT) once a sampled trial has finished; the second
run of the same command must reuse every finished trial (same run folders, not run again)
and complete the rest. The JSON, the table, the Pareto PNG and the best snippet are read
from that second run."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, REPO
from ray_cluster import cluster, interruptible

from siliconcrew.core.design import Design

__all__ = ["cluster"]  # the shared 2-node loopback cluster fixture
pytestmark = pytest.mark.docker

SPACE = {
    "clock.period_ns": {"uniform": [4, 12]},
    "synthesis.abc_script": {"choice": ["default", "delay-target"]},
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def design(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("explore") / "counter"
    shutil.copytree(EXAMPLES / "counter", d, ignore=shutil.ignore_patterns("runs", "explore"))
    data = yaml.safe_load((d / "design.yaml").read_text())
    data["explore"] = {"space": SPACE, "objective": "fmax", "samples": 3}
    (d / "design.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return d


def _explore(design: Path, cluster, *extra: str) -> subprocess.Popen:
    args = ["--address", cluster.address, "--node-ip-address", "127.0.0.1"]
    return subprocess.Popen(
        [sys.executable, "-m", "siliconcrew", "explore", str(design), *args, *extra],
        cwd=design.parent,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )


def _finished(design: Path) -> dict[str, dict]:
    out = {}
    for f in design.glob("explore/*/trials/*/trial.json"):
        rec = json.loads(f.read_text())
        out[rec["id"]] = rec
    return out


@pytest.fixture(scope="module")
def runs(cluster, design):
    """Run 1 interrupted after the first sampled trial; run 2 to the end."""
    first = _explore(design, cluster, "--workers", "1", "--sandbox", "docker", "--json")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        if any(not r["baseline"] for r in _finished(design).values()):
            break
        time.sleep(0.2)
    first.send_signal(signal.SIGINT)
    out1, err1 = first.communicate(timeout=120)
    kept = _finished(design)
    second = _explore(design, cluster, "--workers", "2", "--sandbox", "docker", "--json")
    out2, err2 = second.communicate(timeout=300)
    return {
        "rc1": first.returncode,
        "out1": out1,
        "err1": err1,
        "kept": kept,
        "rc2": second.returncode,
        "res": json.loads(out2) if out2.strip() else {},
        "err2": err2,
    }


def test_interrupted_run_exits_130_and_keeps_finished_trials(runs):
    assert runs["rc1"] == 130, runs["err1"][-3000:]
    res1 = json.loads(runs["out1"])
    assert res1["interrupted"] is True
    sampled = [k for k, r in runs["kept"].items() if not r["baseline"]]
    assert 1 <= len(sampled) < 3, runs["kept"].keys()  # interrupted before the end
    assert "run the same command again" in runs["err1"]


def test_rerun_reuses_finished_trials_and_completes(runs, design):
    assert runs["rc2"] == 0, runs["err2"][-3000:]
    res = runs["res"]
    assert res["interrupted"] is False and res["samples"] == 3
    trials = {t["id"]: t for t in res["trials"]}
    assert len(trials) == 4 and sum(t["baseline"] for t in trials.values()) == 1
    for key, rec in runs["kept"].items():  # reused, not run again
        assert trials[key]["resumed"] is True, key
        assert trials[key]["run_id"] == rec["run_id"]
    fresh = [t for t in trials.values() if not t["resumed"]]
    assert len(fresh) == 4 - len(runs["kept"])
    # one run folder per trial: nothing ran twice
    run_dirs = list(design.glob("explore/*/trials/*/runs/*"))
    assert len(run_dirs) == 4, run_dirs
    assert res["summary"]["resumed"] == len(runs["kept"])


def test_json_shape_and_real_metrics(runs, design):
    res = runs["res"]
    assert {"best", "baseline", "trials", "artifacts"} <= set(res)
    assert {"config", "metrics", "run_dir"} <= set(res["best"])
    assert {"config", "metrics"} <= set(res["baseline"])
    assert res["baseline"]["config"] == {"clock.period_ns": 10, "synthesis.abc_script": "default"}
    for t in res["trials"]:
        assert {"config", "status", "metrics", "failure"} <= set(t)
        assert t["status"] == "ok", t  # counter is clean at every period of this space
        m = t["metrics"]
        assert m["drc"] == 0 and m["lvs_errors"] == 0 and m["setup_ws_ns"] >= 0
        assert m["effective_period_ns"] == pytest.approx(m["period_ns"] - m["setup_ws_ns"])
        assert m["fmax_mhz"] == pytest.approx(1000 / m["effective_period_ns"], rel=1e-3)
        assert m["area_um2"] > m["cell_area_um2"] > 0 and m["cells"] > 10
        run_dir = Path(t["run_dir"])
        assert run_dir.is_dir() and run_dir.is_relative_to(design / "explore")
        assert "siliconcrew-explore" not in (run_dir / "harden.json").read_text()
        if not t["baseline"]:
            assert set(t["config"]) == set(SPACE) and 4 <= t["config"]["clock.period_ns"] <= 12
            applied = yaml.safe_load((run_dir.parents[1] / "design.yaml").read_text())
            assert applied["clock"]["period_ns"] == t["config"]["clock.period_ns"]
    best_fmax = max(t["metrics"]["fmax_mhz"] for t in res["trials"])
    assert res["best"]["metrics"]["fmax_mhz"] == best_fmax  # objective fmax
    assert res["pareto"] and res["best"]["trial"] in {t["id"] for t in res["trials"]}


def test_artifacts_png_csv_and_best_snippet(runs, design):
    res = runs["res"]
    art = res["artifacts"]
    png = Path(art["pareto_png"])
    assert png.read_bytes()[:8] == PNG_MAGIC and png.is_relative_to(design / "explore")
    rows = list(csv.DictReader(Path(art["table_csv"]).open()))
    assert len(rows) == 4 and sum(r["best"] == "1" for r in rows) == 1
    assert {r["trial"] for r in rows} == {t["id"] for t in res["trials"]}
    snippet = Path(art["best_yaml"]).read_text()
    assert snippet == res["best"]["snippet"]
    part = yaml.safe_load(snippet) or {}
    data = yaml.safe_load((design / "design.yaml").read_text())
    merged = {**data, **part}
    Design.model_validate(merged)
    if not res["best"]["is_baseline"]:
        assert merged["clock"]["period_ns"] == res["best"]["config"]["clock.period_ns"]
