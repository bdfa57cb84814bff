"""The `siliconcrew` CLI as a user (or CI) sees it: a subprocess, real EDA tools, exit codes.

Exit codes: 0 ok, 1 check failed, 2 bad input, 3 no sandbox. Bad input is one line on stderr
starting with `error:`, never a traceback.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli

LINT_COUNTER = json.dumps({"files": ["rtl/counter.v"], "top": "counter"})
SIM_COUNTER = {"files": ["rtl/counter.v", "tb/tb_counter.v"], "top": "tb_counter"}
RESULT_KEYS = {
    "ok",
    "summary",
    "diagnostics",
    "artifacts",
    "metrics",
    "log_path",
    "duration_s",
    "backend",
}
DEAD_DOCKER = {"DOCKER_HOST": "unix:///tmp/nonexistent-docker.sock"}


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    """Keep a config file or SILICONCREW_* variables of the host out of these runs."""
    monkeypatch.setenv("SILICONCREW_CONFIG", str(tmp_path / "no-such-config.yaml"))
    for var in ("SILICONCREW_SANDBOX", "SILICONCREW_IMAGE", "SILICONCREW_UNSAFE_HOST"):
        monkeypatch.delenv(var, raising=False)


def one_line_error(proc) -> str:
    """The stderr of a refused command: exactly one line, starting with 'error:'."""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one stderr line, got: {proc.stderr!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    return lines[0]


def tool_run(ws: Path, tool: str, inp, *extra: str, sandbox: str = "local", env=None):
    raw = inp if isinstance(inp, str) else json.dumps(inp)
    return run_cli(
        "tools",
        "run",
        tool,
        "--input",
        raw,
        "--workspace",
        str(ws),
        "--sandbox",
        sandbox,
        *extra,
        env=env,
    )


# ------------------------------------------------------------------------------ basics
def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"siliconcrew \d+\.\d+\.\d+\S*", proc.stdout.strip())


def test_help_lists_commands():
    proc = run_cli("--help")
    assert proc.returncode == 0, proc.stderr
    for cmd in ("run", "tools", "sandbox"):
        assert re.search(rf"^\W*{cmd}\s", proc.stdout, re.MULTILINE), (
            f"{cmd} missing:\n{proc.stdout}"
        )


def test_tools_list_json_contract():
    proc = run_cli("tools", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    tools = {t["name"]: t for t in data["tools"]}
    expected = {
        "lint": {"files", "top", "include_dirs"},
        "simulate": {
            "files",
            "top",
            "simulator",
            "timeout_s",
            "defines",
            "pass_patterns",
            "fail_patterns",
        },
        "synthesize": {"files", "top", "liberty"},
        "sta": {"netlist", "top", "clock_port", "clock_period_ns", "liberty"},
        "equivalence": {"files", "netlist", "top"},
    }
    assert expected.keys() <= tools.keys()
    for name, props in expected.items():
        schema = tools[name]["parameters"]
        assert schema["type"] == "object"
        missing = props - set(schema["properties"])
        assert not missing, f"{name} schema lacks {missing}"
        assert tools[name]["origin"] == "builtin"
        assert tools[name]["description"]
    assert set(tools["sta"]["parameters"]["required"]) >= {"netlist", "top", "clock_period_ns"}
    assert data["plugin_errors"] == []


# ------------------------------------------------------------------------- tools run
def test_tools_run_simulate_counter(counter_ws, tmp_path):
    inp = tmp_path / "x.json"
    inp.write_text(json.dumps(SIM_COUNTER))
    proc = run_cli(
        "tools",
        "run",
        "simulate",
        "--input",
        f"@{inp}",
        "--json",
        "--workspace",
        str(counter_ws),
        "--sandbox",
        "local",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = json.loads(proc.stdout)
    assert RESULT_KEYS <= res.keys()
    assert res["ok"] is True and res["failure"] is None
    assert res["tool"] == "simulate" and res["backend"] == "local"
    assert res["duration_s"] > 0
    vcd = counter_ws / res["artifacts"]["vcd"]
    assert vcd.is_file() and vcd.suffix == ".vcd"
    assert "$enddefinitions" in vcd.read_text()
    log = counter_ws / res["log_path"]
    assert "TEST PASSED" in log.read_text()


def test_tools_run_simulate_error_line_fails(counter_ws):
    (counter_ws / "tb" / "tb_bad.v").write_text(
        "module tb_bad;\n"
        "  initial begin\n"
        '    #1 $display("ERROR: count mismatch at cycle 3");\n'
        "    $finish;\n"
        "  end\n"
        "endmodule\n"
    )
    proc = tool_run(
        counter_ws,
        "simulate",
        {"files": ["rtl/counter.v", "tb/tb_bad.v"], "top": "tb_bad"},
        "--json",
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    res = json.loads(proc.stdout)
    assert res["ok"] is False and res["failure"] == "check"
    assert "ERROR: count mismatch at cycle 3" in res["summary"]
    assert any(d["code"] == "sim-fail" and d["severity"] == "error" for d in res["diagnostics"])


# ------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "name, inp, expect",
    [
        ("nosuchtool", LINT_COUNTER, "unknown tool 'nosuchtool'"),
        ("lint", '{"files": ["rtl/counter.v"', "not valid JSON"),
        ("lint", '["rtl/counter.v"]', "must be a JSON object"),
        ("lint", '{"top": "counter"}', "'files'"),
        ("sta", '{"netlist": "n.v", "top": "counter"}', "'clock_period_ns'"),
        ("lint", '{"files": ["rtl/counter.v"], "topp": "counter"}', "'topp'"),
        ("lint", '{"files": ["../x.v"], "top": "counter"}', "'../x.v' is outside the workspace"),
        (
            "lint",
            '{"files": ["/etc/passwd"], "top": "counter"}',
            "'/etc/passwd' is outside the workspace",
        ),
        ("lint", '{"files": ["rtl/missing.v"], "top": "counter"}', "rtl/missing.v"),
        (
            "simulate",
            '{"files": ["rtl/counter.v"], "top": "tb; rm -rf /"}',
            "not a Verilog identifier",
        ),
    ],
    ids=[
        "unknown-tool",
        "malformed-json",
        "not-an-object",
        "missing-field",
        "missing-sta-field",
        "unknown-field",
        "dotdot-path",
        "absolute-path",
        "missing-file",
        "bad-identifier",
    ],
)
def test_tools_run_bad_input(counter_ws, name, inp, expect):
    proc = tool_run(counter_ws, name, inp)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = one_line_error(proc)
    assert expect in line
    # refused before anything ran: no job directory was made
    assert not (counter_ws / ".siliconcrew" / "jobs").exists()


def test_tools_run_path_outside_workspace_json(counter_ws):
    """With --json the refusal is also a structured result (failure 'input') on stdout."""
    proc = tool_run(counter_ws, "lint", {"files": ["../../etc/passwd"]}, "--json")
    assert proc.returncode == 2
    res = json.loads(proc.stdout)
    assert res["ok"] is False and res["failure"] == "input"
    assert "outside the workspace" in res["summary"]
    assert "outside the workspace" in one_line_error(proc)


def test_tools_run_missing_input_file(counter_ws, tmp_path):
    missing = tmp_path / "nonexistent.json"
    proc = run_cli(
        "tools",
        "run",
        "lint",
        "--input",
        f"@{missing}",
        "--workspace",
        str(counter_ws),
        "--sandbox",
        "local",
    )
    assert proc.returncode == 2
    assert str(missing) in one_line_error(proc)


def test_tools_run_workspace_not_a_dir(tmp_path):
    proc = tool_run(tmp_path / "nope", "lint", LINT_COUNTER)
    assert proc.returncode == 2
    assert "nope" in one_line_error(proc)


def test_tools_run_unknown_sandbox(counter_ws):
    proc = tool_run(counter_ws, "lint", LINT_COUNTER, sandbox="kubernetes")
    assert proc.returncode == 2
    assert "unknown sandbox backend 'kubernetes'" in one_line_error(proc)


def test_run_folder_without_design_yaml(tmp_path):
    proc = run_cli("run", str(tmp_path), "--sandbox", "local")
    assert proc.returncode == 2
    assert "no design.yaml" in one_line_error(proc)


def test_run_missing_folder(tmp_path):
    proc = run_cli("run", str(tmp_path / "ghost"), "--sandbox", "local")
    assert proc.returncode == 2
    assert "ghost" in one_line_error(proc)


def test_run_invalid_yaml(tmp_path):
    (tmp_path / "design.yaml").write_text("name: x\ntop: [unclosed\n")
    proc = run_cli("run", str(tmp_path), "--sandbox", "local")
    assert proc.returncode == 2
    assert "not valid YAML" in one_line_error(proc)
    assert not (tmp_path / "runs").exists()


def test_run_design_yaml_missing_rtl(tmp_path):
    (tmp_path / "design.yaml").write_text("name: x\ntop: x\nrtl: [rtl/nope.v]\n")
    proc = run_cli("run", str(tmp_path), "--sandbox", "local")
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert "rtl/nope.v" in line and "not found" in line
    assert not (tmp_path / "runs").exists()


def test_run_design_yaml_bad_key_type(tmp_path):
    (tmp_path / "design.yaml").write_text("name: x\ntop: x\nclock: {period_ns: -1}\n")
    proc = run_cli("run", str(tmp_path), "--sandbox", "local")
    assert proc.returncode == 2
    assert "clock.period_ns" in one_line_error(proc)


# ------------------------------------------------------------------------- sandbox down
def test_docker_daemon_down_exit_3(counter_ws):
    proc = tool_run(counter_ws, "lint", LINT_COUNTER, "--json", sandbox="docker", env=DEAD_DOCKER)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    res = json.loads(proc.stdout)
    assert res["ok"] is False and res["failure"] == "sandbox"
    for text in (res["summary"], one_line_error(proc)):
        assert "not reachable" in text
        assert "/tmp/nonexistent-docker.sock" in text
        assert "dockerd" in text and "--sandbox local" in text  # how to start it / way around


def test_docker_daemon_down_exit_3_human(counter_ws):
    proc = tool_run(counter_ws, "lint", LINT_COUNTER, sandbox="docker", env=DEAD_DOCKER)
    assert proc.returncode == 3
    assert "Docker daemon not reachable" in one_line_error(proc)


def test_auto_falls_back_to_local(counter_ws):
    proc = tool_run(counter_ws, "lint", LINT_COUNTER, "--json", sandbox="auto", env=DEAD_DOCKER)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "using the local backend" in proc.stderr
    res = json.loads(proc.stdout)
    assert res["ok"] is True and res["backend"] == "local"
    assert res["metrics"]["lint__errors"] == 0


@pytest.mark.docker
def test_docker_image_missing_exit_3(counter_ws):
    proc = tool_run(
        counter_ws,
        "lint",
        LINT_COUNTER,
        "--json",
        sandbox="docker",
        env={"SILICONCREW_IMAGE": "siliconcrew-no-such-image:0"},
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    res = json.loads(proc.stdout)
    assert res["failure"] == "sandbox"
    line = one_line_error(proc)
    assert "siliconcrew-no-such-image:0" in line
    assert "siliconcrew sandbox build" in line


# ------------------------------------------------------------------------------- run
def test_run_counter_flow(tmp_path):
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    proc = run_cli("check", str(design), "--json", "--sandbox", "local")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is True
    steps = data["steps"]
    assert [s["step"] for s in steps] == ["lint", "simulate", "synthesize", "sta", "equivalence"]
    for s in steps:
        assert s["skipped"] is None and s["result"]["ok"] is True, s
        assert s["result"]["backend"] == "local"
    run_dir = Path(data["run_dir"])
    assert run_dir.parent == design / "runs" and run_dir.name == data["run_id"]

    manifest = json.loads((run_dir / "manifest.json").read_text())
    versions = manifest["tool_versions"]
    assert versions["yosys"].startswith("Yosys ")
    assert "Icarus Verilog" in versions["iverilog"]
    assert manifest["design"]["name"] == "counter"
    assert manifest["sandbox"]["backend"] == "local"

    events = [json.loads(line) for line in (run_dir / "trace.jsonl").read_text().splitlines()]
    names = [e["event"] for e in events]
    assert names[0] == "run_start" and "run_end" in names
    assert events[names.index("run_end")]["ok"] is True
    # the unattended run goes on to GDS once every check passed
    assert names.index("run_end") < names.index("harden_start") and names[-1] == "harden_end"
    harden = data["harden"]
    assert harden["status"] == "ok" and harden["run_id"] == data["run_id"]
    assert Path(harden["artifacts"]["gds"]).is_file()
    assert harden["metrics"]["magic__drc_error__count"] == 0
    assert names.count("tool_call") == 5 and names.count("tool_result") == 5
    results = json.loads((run_dir / "results.json").read_text())
    assert results["ok"] is True and len(results["steps"]) == 5
    # the step artefacts live in the run directory
    synth = next(s["result"] for s in steps if s["step"] == "synthesize")
    assert (design / synth["artifacts"]["netlist"]).resolve().is_relative_to(run_dir.resolve())
    assert synth["metrics"]["design__instance__count"] > 0


def test_run_counter_broken_rtl_fails_at_lint(tmp_path):
    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    rtl = design / "rtl" / "counter.v"
    rtl.write_text(rtl.read_text().replace("count <= count + 1'b1;", "count <= count + ;"))
    proc = run_cli("check", str(design), "--json", "--sandbox", "local")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is False
    lint = data["steps"][0]
    assert lint["step"] == "lint" and lint["result"]["ok"] is False
    assert any(
        d["file"] == "rtl/counter.v" and d["line"] == 17 for d in lint["result"]["diagnostics"]
    ), lint["result"]["diagnostics"]
    assert [s["skipped"] for s in data["steps"][1:]] == ["lint failed"] * 4


# --------------------------------------------------------------------------- doctor
def test_sandbox_doctor_local():
    proc = run_cli("sandbox", "doctor", "--json", "--sandbox", "local")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rep = json.loads(proc.stdout)
    assert rep["ok"] is True
    assert rep["backend"] == "local" and rep["configured_backend"] == "local"
    assert rep["tool_versions"]["yosys"].startswith("Yosys ")
    assert "Verilator" in rep["tool_versions"]["verilator"]
