"""Best-of-N RTL candidates: the selection policy (pure), the LLM's `n`, and the RTL step
with a scripted endpoint and real iverilog (local sandbox): the right candidate is picked
with a golden testbench and without one; N = 1 is the single answer of before; the trace
and the report show every candidate."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from siliconcrew.agents.candidates import Candidate, parse_ports, select, stimulus_testbench
from siliconcrew.agents.llm import LLMClient
from siliconcrew.agents.llm_config import LLMSettings
from siliconcrew.api.context import load_settings, sandbox_factory
from siliconcrew.core.design import load_design
from siliconcrew.core.errors import UserInputError
from siliconcrew.core.rundir import RunDir
from siliconcrew.steps.report import render
from siliconcrew.steps.rtl import RtlStep
from siliconcrew.tools.registry import load_registry
from siliconcrew.tools.run_context import RunContext
from tests.conftest import EXAMPLES
from tests.scripted_llm import ScriptedLLM

RIGHT = (EXAMPLES / "counter" / "rtl" / "counter.v").read_text()
# Same behaviour, other code: agrees with RIGHT on every output trace.
RIGHT_TOO = RIGHT.replace("count <= count + 1'b1;", "count <= count + {{(WIDTH-1){1'b0}}, 1'b1};")
WRAP_BUG = RIGHT.replace(
    "assign wrap = en && (count == {WIDTH{1'b1}});", "assign wrap = (count == {WIDTH{1'b1}});"
)
ENABLE_BUG = RIGHT.replace("else if (en)", "else")
RESET_BUG = RIGHT.replace("count <= {WIDTH{1'b0}};", "count <= count;")
STEP_BUG = RIGHT.replace("count <= count + 1'b1;", "count <= count + 2'd2;")
LINT_BUG = RIGHT.replace("count <= count + 1'b1;", "count <= count + 1'b1")
PLAN = {
    "top": "counter",
    "modules": [{"name": "counter", "ports": [{"name": "clk", "direction": "input", "width": 1}]}],
    "questions": [],
}
TB_OWN = (
    (EXAMPLES / "counter" / "tb" / "tb_counter.v")
    .read_text()
    .replace("tb_counter", "sc_tb_counter")
)


def fenced(code: str) -> dict:
    return {"content": f"```verilog\n{code}```"}


# -- the policy (pure) -----------------------------------------------------------------------


def test_golden_pass_beats_a_larger_group():
    cands = [
        Candidate(1, "a", True, trace="x"),
        Candidate(2, "b", True, trace="x"),
        Candidate(3, "c", True, golden=True, trace="y"),
        Candidate(4, "d", False),
    ]
    for c in cands[:2]:
        c.golden = False
    sel = select(cands)
    assert sel.winner == 3 and "golden" in sel.reason
    assert sel.groups == [[1, 2], [3]] and cands[0].group == 1 and cands[3].group is None


def test_majority_then_agent_testbench_then_warnings():
    cands = [
        Candidate(1, "a", True, trace="x"),
        Candidate(2, "b", True, trace="y"),
        Candidate(3, "c", True, trace="y"),
        Candidate(4, "d", False, trace="z"),
        Candidate(5, "e", False, trace="z"),
        Candidate(6, "f", False, trace="z"),
    ]
    sel = select(cands)  # the lint-failing group of 3 does not count
    assert sel.winner == 2 and "2 of 3" in sel.reason
    tie = [
        Candidate(1, "a", True, trace="x", warnings=0),
        Candidate(2, "b", True, trace="y", own_tb=True, warnings=3),
    ]
    sel = select(tie)
    assert sel.winner == 2 and "agent's testbench" in sel.reason
    tie[1].own_tb = None
    sel = select(tie)
    assert sel.winner == 1 and "lint warnings" in sel.reason


def test_ports_and_stimulus_text():
    ports = parse_ports(RIGHT, "counter")
    assert [(p.direction, p.name, p.width) for p in ports] == [
        ("input", "clk", 1),
        ("input", "rst", 1),
        ("input", "en", 1),
        ("output", "count", 8),
        ("output", "wrap", 1),
    ]
    non_ansi = "module m(a, y);\n input [3:0] a; output reg y;\n always @* y = ^a;\nendmodule"
    assert [(p.name, p.width) for p in parse_ports(non_ansi, "m")] == [("a", 4), ("y", 1)]
    tb = stimulus_testbench("sc_stim_counter", "counter", ports, clock="clk")
    assert "counter dut (.clk(clk), .rst(rst)" in tb and "clk = 1;" in tb
    assert "rst = (cyc < 2" in tb and "$random(seed)" in tb


# -- design.yaml ---------------------------------------------------------------------------


def counter_copy(tmp_path: Path, *, candidates: int | None, golden: bool = True) -> Path:
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    shutil.rmtree(design / "rtl")
    card = design / "design.yaml"
    text = card.read_text().replace(
        "rtl: [rtl/counter.v]\n", f"rtl: {{candidates: {candidates}}}\n" if candidates else ""
    )
    if not golden:
        shutil.rmtree(design / "tb")
        text = text.replace("testbench: [tb/tb_counter.v]\n", "").replace("  top: tb_counter\n", "")
    card.write_text(text)
    return design


def test_design_yaml_candidates(tmp_path):
    design, _ = load_design(counter_copy(tmp_path, candidates=8))
    assert design.rtl_options.candidates == 8 and design.rtl == []
    card = tmp_path / "counter" / "design.yaml"
    card.write_text(card.read_text().replace("candidates: 8", "candidats: 8"))
    with pytest.raises(UserInputError) as err:
        load_design(tmp_path / "counter")
    assert "did you mean 'candidates'" in err.value.one_line()
    card.write_text(card.read_text().replace("candidats: 8", "candidates: 0"))
    with pytest.raises(UserInputError, match="greater than or equal to 1"):
        load_design(tmp_path / "counter")


# -- the LLM's n -----------------------------------------------------------------------------


@pytest.mark.parametrize("honour_n", [True, False])
def test_chat_n_one_request_or_n(honour_n):
    with ScriptedLLM() as srv:
        srv.honour_n = honour_n
        count = iter(range(100))
        srv.default = lambda req: {"content": f"answer {next(count)}"}
        llm = LLMClient(LLMSettings(base_url=srv.base_url, model="m", max_retries=0))
        replies = llm.chat_n("rtl", [{"role": "user", "content": "hi"}], 4)
    assert sorted(r.content for r in replies) == [f"answer {i}" for i in range(4)]
    assert len(srv.requests) == (1 if honour_n else 4)
    assert srv.requests[0]["n"] == 4 and srv.requests[0]["temperature"] == 0.8
    assert all(r["temperature"] == 0.8 for r in srv.requests)


# -- the RTL step, scripted endpoint, real iverilog -------------------------------------------


def run_rtl_step(
    design_dir: Path, answer, *, honour_n: bool = False, candidates: int | None = None
):
    design, folder = load_design(design_dir)
    with ScriptedLLM() as srv:
        srv.default = answer
        srv.honour_n = honour_n
        llm = LLMClient(LLMSettings(base_url=srv.base_url, model="scripted", max_retries=0))
        run_dir = RunDir(folder)
        ctx = RunContext(
            design=design,
            folder=folder,
            run_dir=run_dir,
            registry=load_registry(include_plugins=False),
            sandbox_factory=sandbox_factory(load_settings("local", False)),
            llm=llm,
            candidates=candidates,
        )
        try:
            update = RtlStep().update(ctx, {"plan": PLAN})
        finally:
            ctx.close()
        run_dir.write_json(
            "results.json",
            {
                "status": "running",
                "nodes": [],
                "rtl_candidates": update.state.get("rtl_candidates", []),
            },
        )
    return update, run_dir.path, srv.requests


def events(run_dir: Path, name: str) -> list[dict]:
    lines = (run_dir / "trace.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e.get("event") == name]


def test_golden_testbench_picks_the_one_right_candidate(tmp_path, monkeypatch):
    monkeypatch.setenv("SILICONCREW_KB", "off")
    design = counter_copy(tmp_path, candidates=5)
    # two identical wrong answers form the largest group: the golden testbench must win
    answers = [WRAP_BUG, WRAP_BUG, ENABLE_BUG, RIGHT, LINT_BUG]
    update, run_dir, reqs = run_rtl_step(design, lambda req: fenced(answers.pop(0)), honour_n=True)
    assert (design / "rtl" / "counter.v").read_text() == RIGHT
    rec = update.state["rtl_candidates"][0]
    assert rec["winner"] == 4 and "golden testbench" in rec["reason"]
    assert [c["golden"] for c in rec["candidates"]] == [False, False, False, True, None]
    assert rec["candidates"][4]["lint_ok"] is False and rec["groups"][0] == [1, 2]
    assert len(reqs) == 1 and reqs[0]["n"] == 5  # one request with n
    assert update.state["lint"]["ok"] and "best of 5" in update.outcome
    # the trace and the report show every candidate, its group and why the winner won
    ev = events(run_dir, "rtl_candidates")
    assert len(ev) == 1 and len(ev[0]["candidates"]) == 5 and ev[0]["winner"] == 4
    html = render(run_dir)
    assert "RTL candidates: attempt 1, best of 5" in html
    assert "c4 ✔ picked" in html and "passes the golden testbench" in html
    assert len(re.findall(r"<td>c\d", html)) == 5


def test_without_golden_the_majority_of_output_traces_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SILICONCREW_KB", "off")
    design = counter_copy(tmp_path, candidates=6, golden=False)
    rtl = [WRAP_BUG, RIGHT, ENABLE_BUG, RESET_BUG, RIGHT_TOO, STEP_BUG]

    def answer(req: dict) -> dict:
        if "verification engineer" in req["messages"][0]["content"]:
            return {"content": "no testbench today"}  # no agent testbench: traces decide
        return fenced(rtl.pop(0))

    update, run_dir, reqs = run_rtl_step(design, answer)
    rec = update.state["rtl_candidates"][0]
    # the extra requests run in parallel: find each answer by its file
    code = {c["index"]: (design / c["path"]).read_text() for c in rec["candidates"]}
    right = sorted(i for i, text in code.items() if text in (RIGHT, RIGHT_TOO))
    assert len(right) == 2 and rec["groups"][0] == right and rec["winner"] == right[0], rec
    assert [len(g) for g in rec["groups"]] == [2, 1, 1, 1, 1]
    assert "largest group of agreeing candidates (2 of 6" in rec["reason"]
    assert (design / "rtl" / "counter.v").read_text() in (RIGHT, RIGHT_TOO)
    assert rec["own_testbench"] is None and rec["golden"] is False
    # this endpoint ignores n: one request with n=6, then 5 more
    rtl_reqs = [r for r in reqs if "verification" not in r["messages"][0]["content"]]
    assert len(rtl_reqs) == 6 and rtl_reqs[0]["n"] == 6


def test_without_golden_a_tie_is_broken_by_the_agents_testbench(tmp_path, monkeypatch):
    monkeypatch.setenv("SILICONCREW_KB", "off")
    design = counter_copy(tmp_path, candidates=4, golden=False)
    rtl = [WRAP_BUG, ENABLE_BUG, RESET_BUG, RIGHT]  # one right, three different bugs

    def answer(req: dict) -> dict:
        if "verification engineer" in req["messages"][0]["content"]:
            assert "module counter" not in json.dumps(req["messages"])  # no candidate shown
            return fenced(TB_OWN)
        return fenced(rtl.pop(0))

    update, run_dir, _ = run_rtl_step(design, answer, honour_n=True)
    rec = update.state["rtl_candidates"][0]
    assert len(rec["groups"]) == 4 and rec["winner"] == 4, rec
    assert [c["own_tb"] for c in rec["candidates"]] == [False, False, False, True]
    assert "broken by the agent's testbench" in rec["reason"]
    assert (design / "tb" / "sc_tb_counter.v").is_file()  # kept for the verify step
    assert (design / "rtl" / "counter.v").read_text() == RIGHT


def test_one_candidate_is_the_single_answer_of_before(tmp_path, monkeypatch):
    monkeypatch.setenv("SILICONCREW_KB", "off")
    design = counter_copy(tmp_path, candidates=None)
    update, run_dir, reqs = run_rtl_step(design, lambda req: fenced(RIGHT))
    assert len(reqs) == 1 and "n" not in reqs[0] and reqs[0]["temperature"] == 0.2
    assert "rtl_candidates" not in update.state and "best of" not in update.outcome
    assert not (design / "candidates").exists() and not events(run_dir, "rtl_candidates")
    assert update.state["lint"]["ok"] and (design / "rtl" / "counter.v").read_text() == RIGHT
    assert "RTL candidates" not in render(run_dir)
    # --candidates overrides design.yaml (here: the default 1)
    update, _, reqs = run_rtl_step(design, lambda req: fenced(RIGHT), candidates=3, honour_n=True)
    assert len(reqs) == 1 and reqs[0]["n"] == 3 and update.state["rtl_candidates"][0]["n"] == 3
