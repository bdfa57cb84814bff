"""The run graph end to end: real tools, real openai client against the scripted endpoint."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import CLI, EXAMPLES, REPO, run_cli
from tests.scripted_llm import ScriptedLLM

GOOD_RTL = (EXAMPLES / "counter" / "rtl" / "counter.v").read_text()
BUGGY_RTL = GOOD_RTL.replace("count <= count + 1'b1;", "count <= count + 2'd2;")
PLAN = {
    "top": "counter",
    "modules": [{"name": "counter", "ports": [{"name": "clk", "direction": "input", "width": 1}]}],
    "clock": {"port": "clk", "period_ns": 10},
    "reset": {"port": "rst", "active_high": True, "synchronous": True},
    "checks": ["golden testbench"],
    "questions": [],
}


def spec_only_counter(tmp_path: Path) -> Path:
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    shutil.rmtree(design / "rtl")
    card = design / "design.yaml"
    card.write_text(card.read_text().replace("rtl: [rtl/counter.v]\n", ""))
    return design


def trace_events(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "trace.jsonl").read_text().splitlines()]


def llm_env(server: ScriptedLLM) -> dict:
    return {
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-scripted",
        "SILICONCREW_MODEL": "scripted-coder",
        "SILICONCREW_KB": "off",
    }


def test_rtl_given_design_reaches_gds_without_llm(tmp_path):
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    env = {k: "" for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "SILICONCREW_MODEL")}
    proc = run_cli("run", str(design), "--json", "--sandbox", "local", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert data["status"] == "ok" and data["llm"]["calls"] == 0
    assert [n["node"] for n in data["nodes"]] == [
        "planner",
        "rtl",
        "verify",
        "synth",
        "harden",
        "report",
    ]
    assert Path(data["artifacts"]["gds"]).is_file()
    run_dir = Path(data["run_dir"])
    assert (run_dir / "checkpoints.sqlite").is_file() and (run_dir / "plan.json").is_file()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["llm"]["api_key_set"] is False and "yosys" in manifest["tool_versions"]


def test_spec_only_without_llm_says_why(tmp_path):
    design = spec_only_counter(tmp_path)
    env = {k: "" for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "SILICONCREW_MODEL")}
    proc = run_cli("run", str(design), "--json", "--sandbox", "local", env=env)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["status"] == "needs_llm"
    assert "no RTL" in data["reason"] and "SILICONCREW_MODEL" in data["reason"]


def test_spec_only_design_buggy_rtl_caught_fixed_and_hardened(tmp_path):
    design = spec_only_counter(tmp_path)
    tb = design / "tb" / "tb_counter.v"
    tb_hash = hashlib.sha256(tb.read_bytes()).hexdigest()
    rtl_answers = [BUGGY_RTL, GOOD_RTL]

    def answer(req: dict) -> dict:
        system = req["messages"][0]["content"]
        if "planning engineer" in system:
            return {"content": "Here is the plan:\n```json\n" + json.dumps(PLAN) + "\n```"}
        user = req["messages"][1]["content"]
        if rtl_answers[0] is GOOD_RTL:
            assert "FAILED this check" in user and "ERROR" in user  # evidence reached the agent
            prompts.append(user)
        return {"content": "```verilog\n" + rtl_answers.pop(0) + "```"}

    prompts: list[str] = []
    kb = tmp_path / "kb"
    with ScriptedLLM() as srv:
        srv.default = answer
        proc = run_cli(
            "run",
            str(design),
            "--json",
            "--sandbox",
            "local",
            env={**llm_env(srv), "SILICONCREW_KB": str(kb)},
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert data["status"] == "ok" and data["iterations"]["rtl"] == 2
    assert data["llm"]["calls"] == 3 and data["llm"]["prompt_tokens"] > 0
    nodes = [n["node"] for n in data["nodes"]]
    assert nodes == ["planner", "rtl", "verify", "rtl", "verify", "synth", "harden", "report"]
    assert data["nodes"][2]["outcome"].startswith("simulation failed")
    assert (design / "rtl" / "counter.v").read_text() == GOOD_RTL
    assert hashlib.sha256(tb.read_bytes()).hexdigest() == tb_hash  # golden tb untouched
    events = trace_events(Path(data["run_dir"]))
    assert sum(1 for e in events if e["event"] == "node_end" and e["node"] == "rtl") == 2
    assert sum(1 for e in events if e["event"] == "llm_call") == 3
    assert Path(data["artifacts"]["gds"]).is_file()
    # the fixing prompt carried the waveform's debug evidence: output, time, the wrong line
    assert "Debug evidence" in prompts[0] and "Failing output(s): count" in prompts[0]
    assert "rtl/counter.v:17" in prompts[0]
    dbg = data["debug_evidence"]
    assert len(dbg) == 1 and dbg[0]["first_fail"] and dbg[0]["attempt"] == 1
    assert "Debug evidence: verify attempt 1" in (Path(data["run_dir"]) / "report.html").read_text()
    # the fixing prompt carried knowledge-base hits for the failure it had to fix
    assert "Knowledge base" in prompts[0]
    assert any(e["event"] == "kb_hits" for e in events)
    # and the verified fix was learned (only after the testbench passed)
    listed = run_cli("kb", "list", "--collection", "insights", "--kb", str(kb), "--json")
    insights = json.loads(listed.stdout)
    items = (
        insights
        if isinstance(insights, list)
        else insights.get("items", insights.get("entries", []))
    )
    assert len(items) == 1 and "count <= count + 1'b1" in json.dumps(items)


def test_budget_cap_stops_cleanly_and_keeps_artefacts(tmp_path):
    design = spec_only_counter(tmp_path)
    with ScriptedLLM() as srv:
        srv.default = {
            "content": "```json\n" + json.dumps(PLAN) + "\n```",
            "usage": {"prompt_tokens": 500, "completion_tokens": 500, "total_tokens": 1000},
        }
        proc = run_cli(
            "run",
            str(design),
            "--json",
            "--sandbox",
            "local",
            "--max-tokens",
            "800",
            env=llm_env(srv),
        )
        calls = len(srv.requests)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["status"] == "budget_exceeded" and "token budget" in data["reason"]
    assert calls == 1 and (Path(data["run_dir"]) / "plan.json").is_file()


def test_approval_gate_without_terminal_declines(tmp_path):
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    proc = run_cli(
        "run",
        str(design),
        "--json",
        "--sandbox",
        "local",
        "--approve",
        "ask",
        env={"SILICONCREW_MODEL": ""},
    )
    data = json.loads(proc.stdout)
    assert proc.returncode == 1 and data["status"] == "stopped"
    assert "approval" in data["reason"]
    assert (
        not list((Path(data["run_dir"]) / "harden").glob("attempt-*"))
        if (Path(data["run_dir"]) / "harden").exists()
        else True
    )


def test_resume_after_kill_9_repeats_no_finished_step(tmp_path):
    design = tmp_path / "mac8"
    shutil.copytree(
        EXAMPLES / "mac8", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    env = {**os.environ, "SILICONCREW_MODEL": ""}
    proc = subprocess.Popen(
        [*CLI, "run", str(design), "--json", "--sandbox", "local"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    runs = design / "runs"
    deadline = time.time() + 120
    run_dir = None
    while time.time() < deadline:  # kill -9 while hardening runs (after synth finished)
        dirs = list(runs.glob("*/trace.jsonl")) if runs.exists() else []
        if dirs:
            run_dir = dirs[0].parent
            events = trace_events(run_dir)
            if any(e["event"] == "node_start" and e.get("node") == "harden" for e in events):
                time.sleep(1.0)
                break
        time.sleep(0.1)
    assert run_dir is not None, "the run never reached hardening"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = trace_events(run_dir)
    assert not any(e["event"] == "run_end" for e in before)
    done_before = [e["node"] for e in before if e["event"] == "node_end"]
    assert done_before == ["planner", "rtl", "verify", "synth"]

    res = run_cli(
        "run",
        str(design),
        "--json",
        "--sandbox",
        "local",
        "--resume",
        run_dir.name,
        env={"SILICONCREW_MODEL": ""},
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    data = json.loads(res.stdout)
    assert data["status"] == "ok" and data["run_id"] == run_dir.name
    after = trace_events(run_dir)[len(before) :]
    rerun = [e["node"] for e in after if e["event"] == "node_start"]
    assert rerun == ["harden", "report"]  # nothing that had finished ran twice
    tool_calls_after = [e for e in after if e["event"] == "tool_call"]
    assert not tool_calls_after  # lint/simulate/synthesize/sta/equivalence not repeated


def test_resume_unknown_run_is_input_error(tmp_path):
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    proc = run_cli("run", str(design), "--resume", "20200101-000000-dead", "--sandbox", "local")
    assert proc.returncode == 2 and "no checkpoint" in proc.stderr


def test_no_golden_testbench_agent_writes_its_own(tmp_path):
    design = spec_only_counter(tmp_path)
    shutil.rmtree(design / "tb")
    card = design / "design.yaml"
    card.write_text(
        card.read_text()
        .replace("testbench: [tb/tb_counter.v]\n", "")
        .replace("  top: tb_counter\n", "")
    )
    own_tb = (
        (EXAMPLES / "counter" / "tb" / "tb_counter.v")
        .read_text()
        .replace("tb_counter", "sc_tb_counter")
    )
    broken_tb = own_tb.replace("endmodule", "wire oops = ;\nendmodule")
    tb_answers = [broken_tb, own_tb]  # the first does not compile: it is rewritten, not the RTL

    def answer(req: dict) -> dict:
        system = req["messages"][0]["content"]
        if "planning engineer" in system:
            return {"content": json.dumps(PLAN)}
        if "verification engineer" in system:
            return {"content": "```verilog\n" + tb_answers.pop(0) + "```"}
        return {"content": "```verilog\n" + GOOD_RTL + "```"}

    with ScriptedLLM() as srv:
        srv.default = answer
        proc = run_cli("run", str(design), "--json", "--sandbox", "local", env=llm_env(srv))
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    verify = next(n for n in data["nodes"] if n["node"] == "verify")
    assert "agent-written testbench tb/sc_tb_counter.v" in verify["outcome"]
    assert "simulation passed" in verify["outcome"]
    assert (design / "tb" / "sc_tb_counter.v").is_file() and data["status"] == "ok"
    assert data["iterations"]["rtl"] == 1 and not tb_answers


def test_hardening_agent_proposal_is_checked_by_a_rerun(tmp_path):
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    card = design / "design.yaml"
    card.write_text(
        card.read_text().replace(
            "flow: {engine: qflow, pdk: osu018}",
            "flow: {engine: qflow, pdk: osu018, options: {route_layers: 2, initial_density: 1.0}}",
        )
    )

    def answer(req: dict) -> dict:
        system = req["messages"][0]["content"]
        if "planning engineer" in system:
            return {"content": json.dumps(PLAN)}
        assert (
            "physical-design engineer" in system
            and "routing_congestion" in req["messages"][1]["content"]
        )
        return {
            "content": json.dumps(
                {
                    "options": {"route_layers": 4, "initial_density": 0.7, "clock_period_ns": 50},
                    "why": "more layers, less density",
                }
            )
        }

    with ScriptedLLM() as srv:
        srv.default = answer
        proc = run_cli(
            "run",
            str(design),
            "--json",
            "--sandbox",
            "local",
            "--max-repairs",
            "0",
            env=llm_env(srv),
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    harden = next(n for n in data["nodes"] if n["node"] == "harden")
    assert "after 1 agent proposal" in harden["outcome"] and data["status"] == "ok"
    events = trace_events(Path(data["run_dir"]))
    proposal = next(e for e in events if e["event"] == "harden_proposal")
    assert proposal["options"] == {"route_layers": 4, "initial_density": 0.7}  # unknown key dropped
    assert any("unknown options" in e.get("message", "") for e in events if e["event"] == "note")


def test_planned_submodules_are_written_in_parallel_then_integrated(tmp_path):
    design = spec_only_counter(tmp_path)
    inc8 = "module inc8(input [7:0] a, output [7:0] y);\n  assign y = a + 8'd1;\nendmodule\n"
    allones = "module allones8(input [7:0] a, output y);\n  assign y = &a;\nendmodule\n"
    top = """module counter #(parameter WIDTH = 8) (
    input wire clk, input wire rst, input wire en,
    output reg [WIDTH-1:0] count, output wire wrap);
    wire [7:0] next;
    wire full;
    inc8 u_inc (.a(count), .y(next));
    allones8 u_full (.a(count), .y(full));
    assign wrap = en && full;
    always @(posedge clk) begin
        if (rst) count <= 8'd0;
        else if (en) count <= next;
    end
endmodule
"""
    plan = {
        **PLAN,
        "modules": [
            {
                "name": "inc8",
                "ports": [
                    {"name": "a", "direction": "input", "width": 8},
                    {"name": "y", "direction": "output", "width": 8},
                ],
            },
            {
                "name": "allones8",
                "ports": [
                    {"name": "a", "direction": "input", "width": 8},
                    {"name": "y", "direction": "output", "width": 1},
                ],
            },
            {"name": "counter", "ports": []},
        ],
    }
    seen_top_prompt: list[str] = []

    def answer(req: dict) -> dict:
        system, user = req["messages"][0]["content"], req["messages"][1]["content"]
        if "planning engineer" in system:
            return {"content": json.dumps(plan)}
        if "Write module `inc8`" in user:
            time.sleep(0.5)  # both workers are in flight at once
            return {"content": "```verilog\n" + inc8 + "```"}
        if "Write module `allones8`" in user:
            time.sleep(0.5)
            return {"content": "```verilog\n" + allones + "```"}
        seen_top_prompt.append(user)
        return {"content": "```verilog\n" + top + "```"}

    with ScriptedLLM() as srv:
        srv.default = answer
        proc = run_cli("run", str(design), "--json", "--sandbox", "local", env=llm_env(srv))
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert data["status"] == "ok"
    nodes = [n["node"] for n in data["nodes"]]
    assert nodes[:4] == ["planner", "module_rtl", "module_rtl", "rtl"]
    assert "instantiate them" in seen_top_prompt[0] and "inc8 (rtl/inc8.v)" in seen_top_prompt[0]
    events = trace_events(Path(data["run_dir"]))
    starts = [e for e in events if e["event"] == "node_start" and e["node"] == "module_rtl"]
    ends = [e for e in events if e["event"] == "node_end" and e["node"] == "module_rtl"]
    # the two module_rtl nodes ran in parallel
    assert len(starts) == 2 and max(s["ts"] for s in starts) < min(e["ts"] for e in ends)
    assert (design / "rtl" / "inc8.v").is_file() and (design / "rtl" / "allones8.v").is_file()
    assert Path(data["artifacts"]["gds"]).is_file()


# The timing tests below are about the graph, not the knowledge base: with it off, no recipe
# remembered by another run (the default KB is per user) is tried first (tests/steps/
# test_timing_memory.py tests the memory with a private one).
NO_LLM_NO_KB = {"SILICONCREW_MODEL": "", "SILICONCREW_KB": "off"}


def _mac8_at(tmp_path: Path, period: float) -> Path:
    design = tmp_path / "mac8"
    shutil.copytree(
        EXAMPLES / "mac8", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    card = design / "design.yaml"
    # io_delay_pct 0: these periods were calibrated with no I/O delay (mac8's inputs feed its
    # multiplier, so the default 20 % moves the worst path to b -> acc and the strategy that
    # closes 3 ns from abc-min-delay to prefix-adders); the tests are about the graph.
    card.write_text(
        card.read_text().replace("period_ns: 20", f"period_ns: {period}, io_delay_pct: 0")
    )
    return design


def test_setup_violation_stops_with_rtl_level_evidence(tmp_path):
    design = _mac8_at(tmp_path, 2.0)  # beyond what synthesis-side repairs reach
    proc = run_cli(
        "run",
        str(design),
        "--json",
        "--sandbox",
        "local",
        env=NO_LLM_NO_KB,
        timeout=900,
    )
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["status"] == "timing_failed"
    assert "rtl/mac8.v:17" in data["reason"] and "wide_arithmetic" in data["reason"]
    assert "after synthesis-side repairs" in data["reason"]
    assert [n["node"] for n in data["nodes"]][-2:] == ["timing", "report"]
    run_dir = Path(data["run_dir"])
    assert (run_dir / "timing.json").is_file()
    repair = json.loads((run_dir / "timing_repair.json").read_text())
    assert not repair["closed"] and repair["wns_before"] < repair["wns_after"] < 0
    assert all(
        a["wns_before"] is not None and a["wns_after"] is not None for a in repair["attempts"]
    )


def test_setup_violation_closed_by_synthesis_goes_on_to_hardening(tmp_path):
    # 2.65 ns: the checks synthesize with qflow's min-delay mapping (issue #19), which meets
    # 3 ns; at 2.65 it misses by ~0.1 ns and Kogge-Stone adders close it.
    design = _mac8_at(tmp_path, 2.65)
    proc = run_cli(
        "run",
        str(design),
        "--json",
        "--sandbox",
        "local",
        "--approve",
        "ask",
        env=NO_LLM_NO_KB,
        timeout=900,
    )
    data = json.loads(proc.stdout)
    nodes = [n["node"] for n in data["nodes"]]
    assert nodes[-4:] == ["synth", "timing", "harden", "report"]  # harden gate declined
    assert data["status"] == "stopped"
    repair = json.loads((Path(data["run_dir"]) / "timing_repair.json").read_text())
    assert repair["closed"] and repair["strategy"] == "prefix-adders"
    assert repair["recipe"]["abc_script"] == "min-delay" and repair["recipe"]["prefix_adders"]
    timing_outcome = next(n["outcome"] for n in data["nodes"] if n["node"] == "timing")
    assert "closed by prefix-adders" in timing_outcome
    assert data["synth_recipe"]["prefix_adders"]  # what hardening is given
    kept = [a for a in data["timing_attempts"] if a["kept"]][-1]
    assert data["timing_attempts"][0]["wns_before"] < 0 <= kept["wns_after"]
    page = (Path(data["run_dir"]) / "report.html").read_text()
    assert "<h2>Timing repair</h2>" in page and "prefix-adders" in page


def test_post_route_setup_failure_is_judged_against_the_engines_own_synthesis(tmp_path):
    # mac8 at 2.65 ns closes pre-layout (no wires) but not post-route on qflow: the harden
    # node reruns with the engine's default synthesis and keeps the better of the two.
    design = _mac8_at(tmp_path, 2.65)
    proc = run_cli(
        "run",
        str(design),
        "--json",
        "--sandbox",
        "local",
        "--max-repairs",
        "0",
        env=NO_LLM_NO_KB,
        timeout=900,
    )
    data = json.loads(proc.stdout)
    assert proc.returncode == 1 and data["status"] == "failed"
    note = next(n for n in data["notes"] if n.startswith("post-route setup WS"))
    ws = [
        float(x)
        for x in re.findall(r"WS (-?[\d.]+) ns with the timing recipe, (-?[\d.]+)", note)[0]
    ]
    assert all(w < 0 for w in ws)  # both measured by the engine, both violating
    assert note.endswith("kept the default") == (ws[1] > ws[0])
    assert len(list((Path(data["run_dir"]) / "harden").glob("attempt-*"))) >= 2


def test_clock_relaxation_is_applied_only_when_allowed(tmp_path):
    design = _mac8_at(tmp_path, 2.0)
    proc = run_cli(
        "run",
        str(design),
        "--json",
        "--sandbox",
        "local",
        "--approve",
        "ask",
        "--allow-clock-relax",
        env=NO_LLM_NO_KB,
        timeout=900,
    )
    data = json.loads(proc.stdout)
    nodes = [n["node"] for n in data["nodes"]]
    assert nodes[-5:] == ["synth", "timing", "synth", "harden", "report"]
    synths = [n["outcome"] for n in data["nodes"] if n["node"] == "synth"]
    assert "timing VIOLATED" in synths[0] and "timing met" in synths[1]
    relaxed = next(n["outcome"] for n in data["nodes"] if n["node"] == "timing")
    assert relaxed.startswith("clock relaxed 2 -> ")


def test_planner_questions_are_asked_in_interactive_runs(tmp_path):
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    plan = {**PLAN, "questions": ["Should wrap be registered?"]}
    with ScriptedLLM() as srv:
        srv.default = {"content": json.dumps(plan)}
        proc = run_cli(
            "run", str(design), "--json", "--sandbox", "local", "--approve", "ask", env=llm_env(srv)
        )
    data = json.loads(proc.stdout)
    saved = json.loads((Path(data["run_dir"]) / "plan.json").read_text())
    assert saved["questions"] == ["Should wrap be registered?"]
    assert "no terminal" in saved["answers"]  # asked; no one at the keyboard in this test
    assert data["status"] == "stopped"  # and the hardening gate was declined the same way


def test_latency_free_violation_is_pipelined_by_the_ladder_before_any_llm_rewrite(tmp_path):
    # Issue #19: muladd's spec says latency is free. At 1.75 ns min-delay retiming alone
    # misses (slow.v, -0.21 ns; it closes 2.0 ns); the ladder's pipelining adds output
    # stages that retiming moves into the multiplier, checked by the testbench on the
    # wrapper and on the netlist, so the run reaches hardening with the pipelined RTL and
    # the LLM is never asked for a timing rewrite. (Before min-delay retiming and pipelining,
    # slow.v went back to the "LLM", whose 4-stage fast.v closed 3 ns; the ladder now does
    # better than fast.v.)
    src = REPO / "tests" / "fixtures" / "muladd"
    design = tmp_path / "muladd"
    shutil.copytree(src, design)
    card = design / "design.yaml"
    card.write_text(card.read_text().replace("period_ns: 5.5", "period_ns: 1.75"))
    slow = (src / "slow.v").read_text()
    answers = [slow]
    prompts: list[str] = []

    def answer(req: dict) -> dict:
        system = req["messages"][0]["content"]
        if "planning engineer" in system:
            return {"content": json.dumps({**PLAN, "top": "muladd", "modules": []})}
        prompts.append(req["messages"][1]["content"])
        return {"content": "```verilog\n" + answers.pop(0) + "```"}

    with ScriptedLLM() as srv:
        srv.default = answer
        # --approve ask with no terminal declines hardening: the test stops at the gate
        proc = run_cli(
            "run",
            str(design),
            "--json",
            "--sandbox",
            "local",
            "--approve",
            "ask",
            env=llm_env(srv),
            timeout=900,
        )
    data = json.loads(proc.stdout)
    nodes = [n["node"] for n in data["nodes"]]
    assert nodes == ["planner", "rtl", "verify", "synth", "timing", "harden", "report"]
    assert len(prompts) == 1 and not answers  # the initial RTL only: no timing rewrite
    timing = [n["outcome"] for n in data["nodes"] if n["node"] == "timing"]
    assert timing[0] == "closed by pipelining"
    piped = next(a for a in data["timing_attempts"] if a["strategy"] == "pipelining")
    assert piped["kept"] and piped["added_latency"] >= 1 and piped["wns_after"] >= 0
    assert piped["checks"]["testbench_rtl"] == "passed"
    assert "passed" in piped["checks"]["gate_level_testbench"]
    retimed = next(a for a in data["timing_attempts"] if a["strategy"] == "retiming")
    assert retimed["wns_after"] < 0  # retiming alone was not enough
    assert data["synth_recipe"]["retime"]
    repair = json.loads((Path(data["run_dir"]) / "timing_repair.json").read_text())
    assert repair["closed"] and repair["added_latency"] == piped["added_latency"]
    assert any(f.endswith("muladd_pipelined.v") for f in repair["rtl"])  # what is hardened
    assert data["status"] == "stopped"  # reached the hardening gate
