"""cocotb tests as the contract (golden, design.yaml `testbench: {cocotb: [...]}`) and as the
verification agent's own test (`verification: {own_testbench: cocotb}`): real cocotb 2.1 and
Icarus in the docker sandbox, the real openai client against the scripted endpoint."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, run_cli
from tests.scripted_llm import ScriptedLLM

GOOD_RTL = (EXAMPLES / "counter" / "rtl" / "counter.v").read_text()
BUGGY_RTL = GOOD_RTL.replace("count <= count + 1'b1;", "count <= count + 2'd2;")
PLAN = {
    "top": "counter",
    "modules": [{"name": "counter", "ports": [{"name": "clk", "direction": "input", "width": 1}]}],
    "clock": {"port": "clk", "period_ns": 10},
    "reset": {"port": "rst", "active_high": True, "synchronous": True},
    "checks": ["cocotb"],
    "questions": [],
}
# A cocotb test a user would write for the counter: a Python model, values in the messages.
COUNTER_TEST = """\
import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge


@cocotb.test()
async def counts_when_enabled(dut):
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.en.value = 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    dut.en.value = 1
    expected = 0
    for cycle in range(20):
        await RisingEdge(dut.clk)
        expected = (expected + 1) % 256
        await FallingEdge(dut.clk)
        got = int(dut.count.value)
        assert got == expected, f"cycle {cycle}: count={got} expected {expected}"


@cocotb.test()
async def holds_when_disabled(dut):
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.en.value = 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    for _ in range(5):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    assert int(dut.count.value) == 0, f"count={int(dut.count.value)} while disabled"
"""

pytestmark = pytest.mark.docker


def cocotb_counter(tmp_path: Path, rtl: str | None = GOOD_RTL) -> Path:
    """examples/counter with its Verilog testbench replaced by a golden cocotb test."""
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    shutil.rmtree(design / "tb")
    (design / "tests").mkdir()
    (design / "tests" / "test_counter.py").write_text(COUNTER_TEST)
    card = yaml.safe_load((design / "design.yaml").read_text())
    card["testbench"] = {"cocotb": ["tests/test_counter.py"]}
    card.pop("verification")
    if rtl is None:
        shutil.rmtree(design / "rtl")
        card.pop("rtl")
    else:
        (design / "rtl" / "counter.v").write_text(rtl)
    (design / "design.yaml").write_text(yaml.safe_dump(card, sort_keys=False))
    return design


def llm_env(server: ScriptedLLM) -> dict:
    return {
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-scripted",
        "SILICONCREW_MODEL": "scripted-coder",
        "SILICONCREW_KB": "off",
    }


def _cocotb_step(data: dict) -> dict:
    steps = [s for s in data["steps"] if s["step"] == "cocotb:test_counter"]
    assert len(steps) == 1, [s["step"] for s in data["steps"]]
    return steps[0]["result"]


def test_golden_cocotb_test_passes_and_catches_a_bug(tmp_path):
    good = run_cli("check", str(cocotb_counter(tmp_path / "a")), "--json", "--sandbox", "docker")
    assert good.returncode == 0, good.stdout[-2000:] + good.stderr[-2000:]
    res = _cocotb_step(json.loads(good.stdout))
    assert res["ok"] and res["metrics"]["cocotb__tests"] == 2
    assert res["metrics"]["cocotb__failures"] == 0

    bad = run_cli(
        "check", str(cocotb_counter(tmp_path / "b", BUGGY_RTL)), "--json", "--sandbox", "docker"
    )
    assert bad.returncode != 0
    res = _cocotb_step(json.loads(bad.stdout))
    assert not res["ok"] and res["metrics"]["cocotb__failures"] == 1
    # the failing test is named with the compared values; the passing one is not blamed
    messages = " ".join(d["message"] for d in res["diagnostics"])
    assert "counts_when_enabled" in messages and "count=2 expected 1" in messages
    assert "holds_when_disabled" not in messages


def test_run_sends_cocotb_evidence_to_the_rtl_agent_and_keeps_the_test(tmp_path):
    design = cocotb_counter(tmp_path, rtl=None)
    test_file = design / "tests" / "test_counter.py"
    digest = hashlib.sha256(test_file.read_bytes()).hexdigest()
    answers = [BUGGY_RTL, GOOD_RTL]
    prompts: list[str] = []

    def answer(req: dict) -> dict:
        system = req["messages"][0]["content"]
        if "planning engineer" in system:
            return {"content": "```json\n" + json.dumps(PLAN) + "\n```"}
        prompts.append(req["messages"][-1]["content"])
        return {"content": "```verilog\n" + answers.pop(0) + "```"}

    with ScriptedLLM() as srv:
        srv.default = answer
        proc = run_cli("run", str(design), "--json", "--sandbox", "docker", env=llm_env(srv))
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert data["status"] == "ok" and data["iterations"]["rtl"] == 2
    # the fixing prompt carried the golden cocotb failure with its values
    assert "golden cocotb test test_counter" in prompts[1]
    assert "count=2 expected 1" in prompts[1]
    assert hashlib.sha256(test_file.read_bytes()).hexdigest() == digest  # the contract kept


def test_agent_writes_its_own_cocotb_test_and_rewrites_one_that_cannot_run(tmp_path):
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    shutil.rmtree(design / "tb")
    card = yaml.safe_load((design / "design.yaml").read_text())
    card.pop("testbench")
    card["verification"] = {"own_testbench": "cocotb"}
    (design / "design.yaml").write_text(yaml.safe_dump(card, sort_keys=False))
    broken = "```python\nimport cocotb\n\n@cocotb.test()\nasync def t(dut)\n    pass\n```"
    tests = [broken, "```python\n" + COUNTER_TEST + "```"]
    feedback: list[str] = []

    def answer(req: dict) -> dict:
        system = req["messages"][0]["content"]
        if "planning engineer" in system:
            return {"content": "```json\n" + json.dumps(PLAN) + "\n```"}
        if "cocotb 2.x test module" in system:
            feedback.append(req["messages"][-1]["content"])
            return {"content": tests.pop(0)}
        return {"content": "```verilog\n" + GOOD_RTL + "```"}

    with ScriptedLLM() as srv:
        srv.default = answer
        proc = run_cli("run", str(design), "--json", "--sandbox", "docker", env=llm_env(srv))
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert data["status"] == "ok"
    verify = [n for n in data["nodes"] if n["node"] == "verify"]
    assert (
        "agent-written cocotb test tb/test_sc_counter.py: cocotb: 2 test(s) passed"
        in (verify[-1]["outcome"])
    )
    assert not tests and len(feedback) == 2 and "did not run" in feedback[1]
    assert (design / "tb" / "test_sc_counter.py").read_text().startswith("import cocotb")
