"""The shipped example plugin package: installed for real, it shows up and runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, REPO, run_cli

PLUGIN = EXAMPLES / "plugins" / "siliconcrew-vcdstats"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(PLUGIN),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {"PYTHONPATH": str(target)}


def test_listed_after_install(installed):
    proc = run_cli("tools", "list", "--json", env=installed)
    data = json.loads(proc.stdout)
    tool = next(t for t in data["tools"] if t["name"] == "vcd_stats")
    assert tool["origin"] == "plugin:siliconcrew-vcdstats" and tool["read_only"] is True
    assert "vcd" in tool["parameters"]["properties"]
    assert not data["plugin_errors"]


def test_runs_on_a_simulation_vcd(installed, counter_ws):
    sim = run_cli(
        "tools",
        "run",
        "simulate",
        "--input",
        json.dumps({"files": ["rtl/counter.v", "tb/tb_counter.v"], "top": "tb_counter"}),
        "--workspace",
        str(counter_ws),
        "--json",
        "--sandbox",
        "local",
    )
    vcd = json.loads(sim.stdout)["artifacts"]["vcd"]
    proc = run_cli(
        "tools",
        "run",
        "vcd_stats",
        "--input",
        json.dumps({"vcd": vcd}),
        "--workspace",
        str(counter_ws),
        "--json",
        env=installed,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert res["ok"] and res["metrics"]["vcd__signals"] >= 8
    assert res["metrics"]["vcd__by_signal"]["tb_counter.dut.count"]["changes"] > 100


def test_plugin_own_tests_pass(installed):
    env = {**os.environ, "PYTHONPATH": installed["PYTHONPATH"]}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(PLUGIN / "tests")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "2 passed" in proc.stdout
