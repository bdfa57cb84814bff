"""VerilogEval harness on our own problems, with the scripted endpoint playing the model."""

from __future__ import annotations

import json

import pytest

from siliconcrew.pipelines.verilog_eval import pass_at_k
from tests.conftest import EXAMPLES, run_cli
from tests.scripted_llm import ScriptedLLM

DATASET = EXAMPLES / "verilog-eval-mini"
AND = "module TopModule(input a, input b, output out);\n  assign out = a & b;\nendmodule\n"
MUX_OK = (
    "module TopModule(input sel, input [7:0] a, input [7:0] b, output [7:0] out);\n"
    "  assign out = sel ? b : a;\nendmodule\n"
)
MUX_BAD = MUX_OK.replace("sel ? b : a", "sel ? a : b")
DFF_SYNTAX = (
    "module TopModule(input clk, input [7:0] d, output reg [7:0] q);\n"
    "  always @(posedge clk q <= d;\nendmodule\n"
)
POP_WRONG_PORTS = (
    "module TopModule(input [3:0] x, output [2:0] y);\n"
    "  assign y = x[0]+x[1]+x[2]+x[3];\nendmodule\n"
)


def answer(req: dict) -> dict:
    text = json.dumps(req["messages"])
    assert "RefModule" not in text and "Mismatches" not in text  # never sees test/ref
    prompt = req["messages"][1]["content"]
    calls = sum(1 for m in req["messages"] if m["role"] == "assistant")
    if "AND gate" in prompt:
        code = AND
    elif "multiplexer" in prompt:
        answer.mux += 1
        code = MUX_OK if answer.mux % 2 == 1 else MUX_BAD
    elif "D flip-flops" in prompt:
        code = DFF_SYNTAX
    else:
        code = POP_WRONG_PORTS
    del calls
    return {"content": f"```verilog\n{code}```"}


answer.mux = 0


def test_pass_at_k_estimator():
    assert pass_at_k(2, 1, 1) == 0.5 and pass_at_k(2, 1, 2) == 1.0 and pass_at_k(3, 0, 1) == 0.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)


def test_bench_judges_and_classifies(tmp_path):
    answer.mux = 0
    out = tmp_path / "results"
    with ScriptedLLM() as srv:
        srv.default = answer
        proc = run_cli(
            "bench",
            "verilog-eval",
            str(DATASET),
            "--samples",
            "2",
            "--jobs",
            "2",
            "--out",
            str(out),
            "--json",
            "--sandbox",
            "local",
            env={
                "OPENAI_BASE_URL": srv.base_url,
                "OPENAI_API_KEY": "sk-x",
                "SILICONCREW_MODEL": "scripted",
                "SILICONCREW_KB": "off",
            },
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    per = data["per_problem"]
    assert per["Prob001_and_gate"] == {"n": 2, "c": 2, "failures": {}}
    assert per["Prob002_mux2"]["c"] == 1 and per["Prob002_mux2"]["failures"] == {"mismatch": 1}
    assert per["Prob003_dff8"]["failures"] == {"syntax": 2}
    assert per["Prob004_popcount4"]["failures"] == {"compile": 2}
    assert data["pass@1"] == pytest.approx((1 + 0.5 + 0 + 0) / 4)
    assert data["pass@2"] == pytest.approx((1 + 1 + 0 + 0) / 4)
    assert data["llm"]["calls"] >= 8
    # the mismatching sample carries debug evidence: the output, the time, the wrong line
    bad = [r for r in data["results"] if r["status"] == "mismatch"]
    assert len(bad) == 1 and bad[0]["evidence"]["outputs"] == ["out"], bad
    assert bad[0]["evidence"]["first_fail"] and bad[0]["evidence"]["suspects"]
    assert bad[0]["evidence"]["suspects"][0]["line"] == "TopModule.sv:2"
    assert json.loads((out / "results.json").read_text())["pass@1"] == data["pass@1"]


def test_bench_needs_an_endpoint_and_a_dataset(tmp_path):
    proc = run_cli(
        "bench",
        "verilog-eval",
        str(DATASET),
        "--sandbox",
        "local",
        env={"SILICONCREW_MODEL": "", "OPENAI_BASE_URL": "", "OPENAI_API_KEY": ""},
    )
    assert proc.returncode == 2 and "LLM endpoint" in proc.stderr
    proc = run_cli(
        "bench",
        "verilog-eval",
        str(tmp_path / "none"),
        "--sandbox",
        "local",
        env={"SILICONCREW_MODEL": "m", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
    )
    assert proc.returncode == 2 and "does not exist" in proc.stderr


def test_bench_best_of_n_picks_by_output_traces(tmp_path):
    """--candidates 5: two right answers (written differently) and three different bugs;
    the hidden test is never shown, yet the pick passes it (pass@1 1.0 vs 0.4 per sample)."""
    right_too = MUX_OK.replace("sel ? b : a", "(a & ~{8{sel}}) | (b & {8{sel}})")
    wrong = [
        MUX_BAD,
        MUX_OK.replace("sel ? b : a", "a | b"),
        MUX_OK.replace("sel ? b : a", "sel ? b : a & 8'h7f"),
    ]
    answers = [wrong[0], MUX_OK, wrong[1], right_too, wrong[2]]

    def best_of(req: dict) -> dict:
        text = json.dumps(req["messages"])
        assert "RefModule" not in text and "Mismatches" not in text
        return {"content": f"```verilog\n{answers.pop(0)}```"}

    out = tmp_path / "results"
    with ScriptedLLM() as srv:
        srv.default = best_of
        srv.honour_n = True
        proc = run_cli(
            "bench",
            "verilog-eval",
            str(DATASET),
            "--problems",
            "Prob002*",
            "--candidates",
            "5",
            "--out",
            str(out),
            "--json",
            "--sandbox",
            "local",
            env={
                "OPENAI_BASE_URL": srv.base_url,
                "OPENAI_API_KEY": "sk-x",
                "SILICONCREW_MODEL": "scripted",
                "SILICONCREW_KB": "off",
            },
        )
        assert len(srv.requests) == 1 and srv.requests[0]["n"] == 5
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert data["candidates"] == 5 and data["pass@1"] == 1.0
    assert data["per_sample_pass_rate"] == pytest.approx(0.4)
    res = data["results"][0]
    assert res["candidates"] == ["mismatch", "pass", "mismatch", "pass", "mismatch"]
    assert res["picked"] == 2 and res["groups"][0] == [2, 4]
    assert "largest group" in res["reason"]
    # the text output names both figures
    answers[:] = [wrong[0], MUX_OK, wrong[1], right_too, wrong[2]]
    with ScriptedLLM() as srv:
        srv.default = best_of
        srv.honour_n = True
        proc = run_cli(
            "bench",
            "verilog-eval",
            str(DATASET),
            "--problems",
            "Prob002*",
            "--candidates",
            "5",
            "--out",
            str(tmp_path / "r2"),
            "--sandbox",
            "local",
            env={
                "OPENAI_BASE_URL": srv.base_url,
                "OPENAI_API_KEY": "sk-x",
                "SILICONCREW_MODEL": "scripted",
                "SILICONCREW_KB": "off",
            },
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "pass@1 of the picked answer=1.0" in proc.stdout
    assert "per-sample pass rate=0.4" in proc.stdout
