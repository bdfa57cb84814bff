"""The plugin on its own: parse a real VCD written by iverilog for the counter testbench."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from siliconcrew_vcdstats.tool import VcdStatsTool, parse_vcd

REPO = Path(__file__).resolve().parents[4]
COUNTER = REPO / "examples" / "counter"


@pytest.fixture(scope="module")
def counter_vcd(tmp_path_factory) -> Path:
    if not shutil.which("iverilog"):
        pytest.skip("iverilog not installed")
    work = tmp_path_factory.mktemp("vcd")
    subprocess.run(
        [
            "iverilog",
            "-g2012",
            "-o",
            str(work / "sim.vvp"),
            "-s",
            "tb_counter",
            str(COUNTER / "rtl/counter.v"),
            str(COUNTER / "tb/tb_counter.v"),
        ],
        check=True,
    )
    subprocess.run(["vvp", "-n", str(work / "sim.vvp")], check=True, cwd=work, capture_output=True)
    return work / "tb_counter.vcd"


def test_parse_counts_toggles(counter_vcd):
    sig = parse_vcd(counter_vcd.read_text())
    assert sig["tb_counter.clk"]["changes"] > 1000  # 600 cycles, two edges each
    assert sig["tb_counter.dut.count"]["width"] == 8
    assert sig["tb_counter.dut.wrap"]["changes"] >= 2  # wraps twice in the test


def test_tool_refuses_non_vcd(tmp_path):
    from siliconcrew.tools.base import ToolContext
    from siliconcrew.tools.registry import execute

    (tmp_path / "x.vcd").write_text("not a waveform\n")
    ctx = ToolContext(tmp_path, sandbox_factory=None)
    r = execute(VcdStatsTool(), {"vcd": "x.vcd"}, ctx)
    assert r.failure == "input" and "not a VCD" in r.summary
    r = execute(VcdStatsTool(), {"vcd": "../outside.vcd"}, ctx)
    assert r.failure == "input" and "outside the workspace" in r.summary
