"""`cocotb_run`: results.xml read back into tests and failures (cocotb's runner does not
raise on a failing test), and a clear one-line error where the sandbox has no cocotb."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from siliconcrew.core.errors import SandboxUnavailable
from siliconcrew.tools.cocotb_run import CocotbRunInput, CocotbRunTool, parse_results

TB = """`timescale 1ns/1ps
module inv(input a, output y); assign y = ~a; endmodule
"""
TEST = """import cocotb
from cocotb.triggers import Timer

@cocotb.test()
async def inverts(dut):
    dut.a.value = 0
    await Timer(1, unit="ns")
    assert int(dut.y.value) == 1

@cocotb.test()
async def wrong(dut):
    dut.a.value = 1
    await Timer(1, unit="ns")
    assert int(dut.y.value) == 1, "y stays 1 (it must not)"
"""


def test_results_xml_is_read_into_tests_and_failures():
    xml = """<testsuites><testsuite name="t">
      <testcase name="ok_one" classname="test"/>
      <testcase name="bad_one" classname="test"><failure message="assert 0 == 1"/></testcase>
    </testsuite></testsuites>"""
    tests, failures = parse_results(xml)
    assert tests == 2 and failures == [{"test": "bad_one", "message": "assert 0 == 1"}]


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "test").mkdir(parents=True)
    (ws / "inv.v").write_text(TB)
    (ws / "test" / "test_inv.py").write_text(TEST)
    return ws


INPUT = {"sources": ["inv.v"], "toplevel": "inv", "test_module": "test/test_inv.py"}


@pytest.mark.docker
def test_a_failing_cocotb_test_is_a_failed_result_with_its_message(tmp_path, run_tool):
    from siliconcrew.core.settings import SandboxSettings
    from siliconcrew.sandbox import open_sandbox
    from siliconcrew.tools.base import ToolContext

    ws = _workspace(tmp_path)
    ctx = ToolContext(ws, lambda w: open_sandbox(w, SandboxSettings(backend="docker")))
    try:
        res = run_tool(ctx, "cocotb_run", INPUT)
    finally:
        ctx.close()
    assert not res.ok and res.failure == "check"
    assert res.metrics == {"cocotb__tests": 2, "cocotb__failures": 1}
    assert "wrong" in res.diagnostics[0].message and "y stays 1" in res.diagnostics[0].message
    assert not list((ws / "test").glob("results.xml"))  # the design folder is not written


def _host_has_cocotb() -> bool:
    probe = ["/usr/bin/python3", "-c", "import cocotb_tools.runner"]
    return subprocess.run(probe, capture_output=True).returncode == 0


@pytest.mark.local
@pytest.mark.skipif(_host_has_cocotb(), reason="the host's python3 has cocotb")
def test_local_backend_without_cocotb_says_how_to_fix(tmp_path, run_tool):
    from siliconcrew.core.settings import SandboxSettings
    from siliconcrew.sandbox import open_sandbox
    from siliconcrew.tools.base import ToolContext

    ws = _workspace(tmp_path)
    ctx = ToolContext(ws, lambda w: open_sandbox(w, SandboxSettings(backend="local")))
    try:
        with pytest.raises(SandboxUnavailable) as exc:
            CocotbRunTool().run(ctx, CocotbRunInput(**INPUT))
        res = run_tool(ctx, "cocotb_run", INPUT)  # through the registry: data for agents
    finally:
        ctx.close()
    assert "cocotb is not importable by the local sandbox's python3" in exc.value.message
    assert "pip install" in exc.value.hint and exc.value.exit_code == 3
    assert not res.ok and res.failure == "sandbox" and "pip install" in res.summary
