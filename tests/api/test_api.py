"""The operations API driven directly, on real designs with the real tools and sandbox.

Every front door (CLI, chat, MCP, batch) renders what these functions return, so the checks
here are the contract: a result's dump is the CLI's `--json` output, bad input raises the
one-line UserInputError before any sandbox starts, and nothing in the API prints.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, REPO, run_cli

from siliconcrew import api
from siliconcrew.core.errors import UserInputError

STEPS = ["lint", "simulate", "synthesize", "sta", "equivalence"]
VOLATILE = {
    "run_id",
    "run_dir",
    "duration_s",
    "log_path",
    "flow_dir",
    "artifacts",
    "summary",
    "wall_s",
    "report",
}


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    """Keep a config file or SILICONCREW_* variables of the host out of these runs."""
    monkeypatch.setenv("SILICONCREW_CONFIG", str(tmp_path / "no-such-config.yaml"))
    for var in ("SILICONCREW_SANDBOX", "SILICONCREW_IMAGE", "SILICONCREW_UNSAFE_HOST"):
        monkeypatch.delenv(var, raising=False)


def copy_counter(tmp_path: Path, name: str = "counter") -> Path:
    design = tmp_path / name
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    return design


def shape(x):
    """Keys (recursively) and value types, without the values: what two runs share."""
    if isinstance(x, dict):
        return {k: shape(v) for k, v in x.items() if k not in VOLATILE and not k.endswith("_s")}
    if isinstance(x, list):
        return [shape(v) for v in x]
    return type(x).__name__


def keys_deep(x, prefix=""):
    if isinstance(x, dict):
        out = set()
        for k, v in x.items():
            out |= {prefix + k} | keys_deep(v, prefix + k + ".")
        return out
    if isinstance(x, list):
        return set().union(*(keys_deep(v, prefix + "[].") for v in x)) if x else set()
    return set()


# ------------------------------------------------------------------------------- check
def test_check_dump_is_the_cli_json(tmp_path):
    design = copy_counter(tmp_path)
    seen: list[tuple[str, str]] = []
    res = api.check(design, sandbox="local", progress=lambda s, st: seen.append((s, st)))
    assert isinstance(res, api.CheckResult)
    assert res.ok is True and res.exit_code == 0 and res.backend == "local"
    assert [s.step for s in res.steps] == STEPS
    assert all(s.result is not None and s.result.ok for s in res.steps)
    assert res.harden is not None and res.harden.status == "ok" and res.harden.exit_code == 0
    assert res.harden.run_id == res.run_id and Path(res.harden.artifacts["gds"]).is_file()
    # progress: every step ran, then hardening in the same callback
    assert ("lint", "running") in seen and ("equivalence", "ok") in seen
    assert ("hardening", "running") in seen
    assert seen.index(("equivalence", "ok")) < seen.index(("hardening", "running"))

    proc = run_cli("check", str(design), "--json", "--sandbox", "local", cwd=REPO)
    assert proc.returncode == res.exit_code, proc.stderr
    cli = json.loads(proc.stdout)
    dump = res.model_dump()
    assert list(dump) == list(cli) == ["run_id", "run_dir", "ok", "warnings", "steps", "harden"]
    assert keys_deep(dump) == keys_deep(cli)
    assert shape(dump) == shape(cli)
    assert json.loads(json.dumps(res.to_dict(), default=str))["ok"] is True
    assert dump["run_id"] != cli["run_id"]  # two runs, one shape


def test_check_failure_and_exit_code(tmp_path):
    design = copy_counter(tmp_path)
    rtl = design / "rtl" / "counter.v"
    rtl.write_text(rtl.read_text().replace("count <= count + 1'b1;", "count <= count + ;"))
    res = api.check(design, sandbox="local")
    assert res.ok is False and res.checks_ok is False and res.exit_code == 1
    assert res.harden is None and res.input_refusal is None
    assert res.steps[0].result.failure == "check"
    assert any(d.file == "rtl/counter.v" and d.line == 17 for d in res.steps[0].result.diagnostics)
    assert [s.skipped for s in res.steps[1:]] == ["lint failed"] * 4


def test_check_refuses_bad_design_before_any_sandbox(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/nonexistent-docker.sock")
    with pytest.raises(UserInputError) as exc:
        api.check(tmp_path / "ghost", sandbox="docker")
    assert exc.value.exit_code == 2 and "does not exist" in exc.value.one_line()
    assert "\n" not in exc.value.one_line()
    with pytest.raises(UserInputError, match="unknown sandbox backend 'podman'"):
        api.check(copy_counter(tmp_path), sandbox="podman")


def test_design_warnings_reach_the_callback(tmp_path):
    design = copy_counter(tmp_path)
    (design / "spec.md").unlink()
    info = api.design_info(design)
    assert info.name == "counter" and info.has_rtl
    assert len(info.warnings) == 1 and "spec file 'spec.md' not found" in info.warnings[0]
    got: list[str] = []
    res = api.check(design, harden=False, sandbox="local", on_warning=got.append)
    assert got == info.warnings and res.ok and res.harden is None


# -------------------------------------------------------------------------------- tools
def test_call_tool_refuses_bad_arguments_with_one_line(counter_ws, monkeypatch):
    # A dead docker daemon proves the refusal comes before any sandbox is opened.
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/nonexistent-docker.sock")
    cases = [
        ("lint", {"files": 3}, "lint: bad input 'files'"),
        ("lint", '{"files": [', "tool input is not valid JSON"),
        ("lint", {"files": ["rtl/counter.v"], "bogus": 1}, "bad input 'bogus'"),
        ("no_such_tool", {}, "unknown tool 'no_such_tool'"),
        ("lint", Path("/nonexistent/input.json"), "input file"),
    ]
    for name, inp, expect in cases:
        with pytest.raises(UserInputError) as exc:
            api.call_tool(name, inp, counter_ws, sandbox="docker")
        line = exc.value.one_line()
        assert expect in line and "\n" not in line and exc.value.exit_code == 2, line
        proc = run_cli(
            "tools",
            "run",
            name,
            "--input",
            f"@{inp}"
            if isinstance(inp, Path)
            else (inp if isinstance(inp, str) else json.dumps(inp)),
            "--workspace",
            str(counter_ws),
            "--sandbox",
            "docker",
            cwd=REPO,
            env={"DOCKER_HOST": "unix:///tmp/nonexistent-docker.sock"},
        )
        assert proc.returncode == 2 and proc.stderr.strip() == f"error: {line}"
    with pytest.raises(UserInputError, match="is not a directory"):
        api.call_tool("lint", {"files": ["rtl/counter.v"]}, counter_ws / "nope")


def test_call_tool_runs_and_matches_cli(counter_ws):
    inp = {"files": ["rtl/counter.v"], "top": "counter"}
    states: list[tuple[str, str]] = []
    res = api.call_tool(
        "lint", inp, counter_ws, sandbox="local", progress=lambda n, s: states.append((n, s))
    )
    assert isinstance(res, api.ToolCallResult) and res.ok and res.exit_code == 0
    assert res.backend == "local" and res.metrics["lint__errors"] == 0
    assert states == [("lint", "running"), ("lint", "ok")]
    proc = run_cli(
        "tools",
        "run",
        "lint",
        "--input",
        json.dumps(inp),
        "--workspace",
        str(counter_ws),
        "--json",
        "--sandbox",
        "local",
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    cli = json.loads(proc.stdout)
    assert list(res.model_dump()) == list(cli)
    assert shape(res.model_dump()) == shape(cli)
    # refused inside the tool: a result, not an exception, with the CLI's exit code 2
    out = api.call_tool("lint", {"files": ["../../etc/passwd"]}, counter_ws, sandbox="local")
    assert out.ok is False and out.refused and out.failure == "input" and out.exit_code == 2


PLUGIN = """
from siliconcrew.tools.base import Tool, ToolInput, ToolResult


class LinesInput(ToolInput):
    file: str


class LinesTool(Tool):
    name = "api_lines"
    description = "Count the lines of a file"
    input_model = LinesInput

    def run(self, ctx, inp):
        n = len(ctx.resolve(inp.file).read_text().splitlines())
        return ToolResult(tool=self.name, ok=True, summary=f"{n} lines", metrics={"lines": n})
"""


@pytest.fixture
def plugin_site(tmp_path, monkeypatch) -> Path:
    site = tmp_path / "site"
    (site / "sc_api_plugin-0.1.dist-info").mkdir(parents=True)
    (site / "sc_api_plugin.py").write_text(PLUGIN)
    dist = site / "sc_api_plugin-0.1.dist-info"
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sc-api-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[siliconcrew.tools]\napi_lines = sc_api_plugin:LinesTool\nbroken = sc_api_missing:Nope\n"
    )
    monkeypatch.syspath_prepend(str(site))
    return site


def test_list_tools_lists_plugin_tools_and_errors(plugin_site, counter_ws):
    tools = api.list_tools()
    by_name = {t.name: t for t in tools.tools}
    assert by_name["api_lines"].origin == "plugin:sc-api-plugin"
    assert by_name["api_lines"].inputs == ["file"]
    assert by_name["lint"].origin == "builtin" and "top?" in by_name["lint"].inputs
    assert [e.entry_point for e in tools.plugin_errors] == ["broken = sc_api_missing:Nope"]
    assert "api_lines" not in api.list_tools(include_plugins=False).names()

    proc = run_cli("tools", "list", "--json", cwd=REPO, env={"PYTHONPATH": f"{REPO}:{plugin_site}"})
    assert proc.returncode == 0, proc.stderr
    assert tools.model_dump() == json.loads(proc.stdout)
    # and the plugin runs through the same call
    res = api.call_tool("api_lines", {"file": "rtl/counter.v"}, counter_ws)
    assert res.ok and res.metrics["lines"] > 10


# ------------------------------------------------------------------------------- timing
def test_timing_met_and_violated(tmp_path):
    design = copy_counter(tmp_path)
    met = api.timing(design, sandbox="local")
    assert met.met is True and met.exit_code == 0 and met.get("clock_period_ns") == 10
    proc = run_cli("timing", str(design), "--json", "--sandbox", "local", cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert list(met.model_dump()) == list(json.loads(proc.stdout))

    bad = api.timing(design, clock_period=0.3, top_paths=2, sandbox="local")
    assert bad.met is False and bad.exit_code == 1
    assert 1 <= len(bad.paths) <= 2 and bad.paths[0]["slack"] < 0
    assert bad.paths[0]["rtl"], bad.paths[0]  # mapped back to RTL lines

    with pytest.raises(UserInputError, match="report '.*' not found"):
        api.timing(design, report=tmp_path / "none.rpt")


# ---------------------------------------------------------------------- other operations
def test_operations_refuse_bad_options_in_one_line(tmp_path):
    design = copy_counter(tmp_path)
    with pytest.raises(UserInputError, match="--approve must be ask or auto"):
        api.run(design, approve="sometimes")
    with pytest.raises(UserInputError, match="--max-iterations must be >= 1"):
        api.run(design, max_iterations=0)
    with pytest.raises(UserInputError, match="unknown search mode 'fuzzy'"):
        api.kb_search("latch inferred", mode="fuzzy")
    with pytest.raises(UserInputError, match="empty query"):
        api.kb_search("  ")
    with pytest.raises(UserInputError, match="run folder"):
        api.report(tmp_path / "runs" / "nope")


def test_result_exit_codes():
    base = {"engine": "qflow", "run_id": "r", "run_dir": "/x"}
    assert [api.HardenResult(status=s, **base).exit_code for s in ("ok", "partial", "failed")] == [
        0,
        4,
        1,
    ]
    assert api.RunResult(run_id="r", run_dir="/x", status="failed").exit_code == 1
    assert api.TimingResult.model_validate({"met": None}).exit_code == 1
    refused = api.CheckResult.model_validate(
        {
            "run_id": "r",
            "run_dir": "/x",
            "ok": False,
            "steps": [
                {
                    "step": "lint",
                    "result": {
                        "tool": "lint",
                        "ok": False,
                        "summary": "outside",
                        "failure": "input",
                    },
                }
            ],
        }
    )
    assert refused.exit_code == 2 and refused.input_refusal == "lint: outside"


def test_api_prints_nothing_and_needs_no_terminal_libraries(tmp_path):
    """The MCP server and the batch runner call the API: no printing, no typer, no rich."""
    for path in (REPO / "siliconcrew" / "api").glob("*.py"):
        text = path.read_text()
        for banned in (
            "import typer",
            "from typer",
            "import rich",
            "from rich",
            "print(",
            "sys.stdout",
            "sys.stderr",
        ):
            assert banned not in text, f"{path.name}: {banned}"
    code = (
        "import sys; from pathlib import Path; from siliconcrew import api; "
        f"r = api.check(Path({str(copy_counter(tmp_path))!r}), harden=False, "
        "sandbox='local'); assert r.ok, r; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('rich', 'typer')]"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == "" and proc.stderr == ""


def test_front_doors_share_the_api_and_renderers_not_each_other():
    """Chat renders with siliconcrew.render and calls the API; it never imports the CLI, and
    the renderers import neither front door (so the MCP server and batch runner can reuse
    the API without a terminal, and chat without typer's app)."""
    pkg = REPO / "siliconcrew"
    for path in [*(pkg / "chat").glob("*.py"), *(pkg / "render").glob("*.py")]:
        text = path.read_text()
        assert "siliconcrew.cli" not in text, path
    for path in (pkg / "render").glob("*.py"):
        assert "siliconcrew.chat" not in path.read_text(), path
    repl = (pkg / "chat" / "repl.py").read_text()
    for call in (
        "api.run(",
        "api.timing(",
        "api.timing_repair(",
        "api.kb_search(",
        "api.list_tools(",
    ):
        assert call in repl, call
    # and what chat used to call behind the API's back is gone
    for direct in ("run_graph(", "repair_design(", "analyze(", "open_kb("):
        assert direct not in repl, direct
