"""Debug evidence from the waveform and testbench adjudication, with real iverilog and yosys
(local sandbox) and the scripted endpoint: a one-statement mutant gets evidence naming the
failing output, the time and the changed line among the top-3 suspects; a wrong
agent-written testbench is detected and rewritten while the RTL stays as it was; the trace
and the report show both."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from siliconcrew.agents.adjudication import decide
from siliconcrew.agents.debug import debug_evidence
from siliconcrew.agents.llm import LLMClient
from siliconcrew.agents.llm_config import LLMSettings
from siliconcrew.agents.localise import literal_value
from siliconcrew.api.context import load_settings, sandbox_factory
from siliconcrew.core.design import load_design
from siliconcrew.core.rundir import RunDir
from siliconcrew.steps.report import render
from siliconcrew.steps.verify import VerifyStep
from siliconcrew.tools.base import ToolContext
from siliconcrew.tools.design_calls import simulate_input
from siliconcrew.tools.registry import execute, load_registry
from siliconcrew.tools.run_context import RunContext
from tests.conftest import EXAMPLES, REPO
from tests.scripted_llm import ScriptedLLM

CORPUS = REPO / "benchmarks" / "corpus"
COUNTER_RTL = (EXAMPLES / "counter" / "rtl" / "counter.v").read_text()
GOOD_TB = (EXAMPLES / "counter" / "tb" / "tb_counter.v").read_text()
# the agent's reference model counts by two: the testbench is wrong, the RTL right
WRONG_TB = GOOD_TB.replace("tb_counter", "sc_tb_counter").replace(
    "model = model + 8'd1", "model = model + 8'd2"
)
PLAN = {"top": "counter", "modules": [{"name": "counter"}], "questions": []}


def mutate(folder: Path, file: str, line: int, old: str, new: str) -> None:
    path = folder / file
    lines = path.read_text().splitlines()
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new)
    path.write_text("\n".join(lines) + "\n")


def evidence_for(folder: Path):
    design, folder = load_design(folder)
    ctx = ToolContext(folder, sandbox_factory(load_settings("local", False)))
    reg = load_registry(include_plugins=False)
    try:

        def tool(name: str, inp: dict):
            return execute(reg.get(name), inp, ctx)

        sim_in = simulate_input(design)
        assert sim_in is not None
        assert not tool("simulate", sim_in).ok  # the mutant is caught
        return debug_evidence(
            tool, folder, rtl_files=list(design.rtl), sim_input=sim_in, top=design.top
        )
    finally:
        ctx.close()


@pytest.mark.parametrize(
    ("design", "file", "line", "old", "new", "output"),
    [
        # a wrong operator in one arm of a case (combinational, positional testbench)
        ("alu8", "rtl/alu.v", 36, "a << b[2:0]", "a >> b[2:0]", "y"),
        # a wrong constant in a register's next-state logic (sequential, two registers)
        ("counter", "rtl/counter.v", 17, "count + 1'b1", "count + 2'd2", "count"),
    ],
)
def test_mutant_evidence_names_output_time_and_line(tmp_path, design, file, line, old, new, output):
    src = (CORPUS / design) if (CORPUS / design).is_dir() else (EXAMPLES / design)
    work = tmp_path / design
    shutil.copytree(src, work, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    mutate(work, file, line, old, new)
    ev, why = evidence_for(work)
    assert ev is not None, why
    assert output in ev.outputs and ev.first_fail is not None, ev.text()
    top3 = [s.label() for s in ev.suspects[:3]]
    assert f"{file}:{line}" in top3, ev.text()
    assert ev.actual.get(output) and ev.history  # values at and before the failure
    text = ev.text()
    assert f"{file}:{line}" in text and "Failing output(s)" in text


def test_literal_values():
    assert literal_value("8'd12") == 12 and literal_value("4'b1010") == 10
    assert literal_value("'h3F") == 63 and literal_value("0") == 0 and literal_value("a") is None


# -- adjudication (pure) ---------------------------------------------------------------------


def test_golden_testbench_is_never_judged_wrong():
    adj = decide(golden=True, second_testbench=True, candidates=[False, False, False])
    assert adj.decision == "rtl" and not adj.testbench_wrong and "contract" in adj.reason


def test_votes_decide_between_testbench_and_rtl():
    assert decide(golden=False, second_testbench=True).decision == "testbench"
    assert decide(golden=False, second_testbench=False).decision == "rtl"
    assert decide(golden=False, second_testbench=None).decision == "undecided"
    both = decide(golden=False, second_testbench=None, candidates=[False, False])
    assert both.decision == "testbench" and "all 2 other RTL candidates" in both.reason
    split = decide(golden=False, second_testbench=True, candidates=[True, False])
    assert split.decision == "undecided"  # one vote each way
    assert decide(golden=False, second_testbench=False, candidates=[True]).decision == "rtl"


# -- the verify step, scripted endpoint ------------------------------------------------------


def counter_without_golden(tmp_path: Path, rtl: str) -> Path:
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    shutil.rmtree(design / "tb")
    (design / "rtl" / "counter.v").write_text(rtl)
    card = design / "design.yaml"
    text = card.read_text().replace("testbench: [tb/tb_counter.v]\n", "")
    card.write_text(text.replace("  top: tb_counter\n", ""))
    return design


def fenced(code: str) -> dict:
    return {"content": f"```verilog\n{code}```"}


def run_verify(design_dir: Path, answer) -> tuple:
    design, folder = load_design(design_dir)
    with ScriptedLLM() as srv:
        srv.default = answer
        llm = LLMClient(LLMSettings(base_url=srv.base_url, model="scripted", max_retries=0))
        run_dir = RunDir(folder)
        ctx = RunContext(
            design=design,
            folder=folder,
            run_dir=run_dir,
            registry=load_registry(include_plugins=False),
            sandbox_factory=sandbox_factory(load_settings("local", False)),
            llm=llm,
        )
        try:
            update = VerifyStep().update(
                ctx, {"rtl_files": ["rtl/counter.v"], "lint": {"ok": True}, "plan": PLAN}
            )
        finally:
            ctx.close()
    run_dir.write_json(
        "results.json",
        {
            "status": "running",
            "nodes": [],
            "debug_evidence": update.state.get("debug_evidence", []),
            "tb_adjudications": update.state.get("tb_adjudications", []),
        },
    )
    return update, run_dir.path, srv.requests


def events(run_dir: Path, name: str) -> list[dict]:
    lines = (run_dir / "trace.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e.get("event") == name]


def test_wrong_agent_testbench_is_rewritten_and_the_rtl_untouched(tmp_path, monkeypatch):
    monkeypatch.setenv("SILICONCREW_KB", "off")
    design = counter_without_golden(tmp_path, COUNTER_RTL)
    before = (design / "rtl" / "counter.v").read_bytes()
    asked: list[str] = []

    def answer(req: dict) -> dict:
        system, user = req["messages"][0]["content"], req["messages"][-1]["content"]
        if "INDEPENDENT" in system:
            asked.append("second")
            assert "module counter" not in user  # never shown the RTL
            return fenced(GOOD_TB.replace("tb_counter", "sc_tb2_counter"))
        if "judged WRONG" in user:
            asked.append("rewrite")
            return fenced(GOOD_TB.replace("tb_counter", "sc_tb_counter"))
        asked.append("first")
        return fenced(WRONG_TB)

    update, run_dir, _ = run_verify(design, answer)
    assert asked == ["first", "second", "rewrite"]
    verify = update.state["verify"]
    adj = verify["adjudication"]
    assert adj["decision"] == "testbench" and adj["rewritten"] is True, adj
    assert adj["second_testbench"] is True and "independent testbench" in adj["reason"]
    assert verify["ok"] and update.goto == "synth"  # the rewritten testbench passes
    assert (design / "rtl" / "counter.v").read_bytes() == before  # the RTL is not touched
    assert "8'd2" not in (design / "tb" / "sc_tb_counter.v").read_text()
    ev = events(run_dir, "tb_adjudication")
    assert len(ev) == 1 and ev[0]["decision"] == "testbench"
    html = render(run_dir)
    assert "Testbench adjudication" in html and "judged wrong" in html


def test_wrong_rtl_goes_back_with_debug_evidence(tmp_path, monkeypatch):
    monkeypatch.setenv("SILICONCREW_KB", "off")
    buggy = COUNTER_RTL.replace("count <= count + 1'b1;", "count <= count + 2'd2;")
    design = counter_without_golden(tmp_path, buggy)

    def answer(req: dict) -> dict:
        if "INDEPENDENT" in req["messages"][0]["content"]:
            return fenced(GOOD_TB.replace("tb_counter", "sc_tb2_counter"))
        if "judged WRONG" in req["messages"][-1]["content"]:
            raise AssertionError("a right testbench must not be rewritten")
        return fenced(GOOD_TB.replace("tb_counter", "sc_tb_counter"))

    update, run_dir, _ = run_verify(design, answer)
    verify = update.state["verify"]
    assert not verify["ok"] and verify["adjudication"]["decision"] == "rtl"
    assert "rewritten" not in verify["adjudication"]
    evidence = update.state["evidence"]
    assert "Debug evidence" in evidence and "rtl/counter.v:17" in evidence
    dbg = update.state["debug_evidence"][0]
    assert "count" in dbg["outputs"] and dbg["first_fail"]
    assert "rtl/counter.v:17" in [f"{s['file']}:{s['line']}" for s in dbg["suspects"][:3]]
    html = render(run_dir)
    assert "Debug evidence: verify attempt 1" in html and "rtl/counter.v:17" in html
    assert events(run_dir, "debug_evidence")
