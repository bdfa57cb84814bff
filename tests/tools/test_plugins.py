"""Plugin tools from the `siliconcrew.tools` entry-point group, installed without pip.

A `*.dist-info` folder next to a module on PYTHONPATH is all importlib.metadata needs, so the
test builds a tiny distribution in tmp_path and drives the real CLI with it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import run_cli

PLUGIN_MODULE = textwrap.dedent('''
    """Demo siliconcrew plugin: count the lines of a workspace file (no sandbox needed)."""
    import time

    from siliconcrew.tools.base import Tool, ToolInput, ToolResult


    class WordCountInput(ToolInput):
        file: str


    class WordCountTool(Tool):
        name = "wordcount"
        description = "Count the lines of a file in the workspace"
        input_model = WordCountInput

        def run(self, ctx, inp):
            start = time.perf_counter()
            path = ctx.resolve(inp.file)
            lines = len(path.read_text().splitlines())
            return ToolResult(tool=self.name, ok=True, summary=f"{inp.file}: {lines} lines",
                              metrics={"lines": lines},
                              duration_s=round(time.perf_counter() - start, 3))


    NOT_A_TOOL = "just a string"
''')

ENTRY_POINTS = textwrap.dedent("""
    [siliconcrew.tools]
    wordcount = sc_demo_plugin:WordCountTool
    broken = sc_missing_module:Nope
    notatool = sc_demo_plugin:NOT_A_TOOL
""")


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "sc_demo_plugin.py").write_text(PLUGIN_MODULE)
    dist = root / "sc_demo_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sc-demo-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    return root


def env_with(path: Path) -> dict:
    return {"PYTHONPATH": str(path), "SILICONCREW_CONFIG": str(path / "no-config.yaml")}


def test_tools_list_shows_plugin_and_errors(plugin_path):
    proc = run_cli("tools", "list", "--json", env=env_with(plugin_path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    tools = {t["name"]: t for t in data["tools"]}
    assert tools["wordcount"]["origin"] == "plugin:sc-demo-plugin"
    assert tools["wordcount"]["description"] == "Count the lines of a file in the workspace"
    schema = tools["wordcount"]["parameters"]
    assert schema["required"] == ["file"] and set(schema["properties"]) == {"file"}
    # the built-ins are still there and still built-in
    for name in ("lint", "simulate", "synthesize", "sta", "equivalence"):
        assert tools[name]["origin"] == "builtin"
    # broken entry points are reported, not registered, and do not take the CLI down
    assert "broken" not in tools and "notatool" not in tools
    errors = {e["entry_point"]: e["error"] for e in data["plugin_errors"]}
    assert set(errors) == {
        "broken = sc_missing_module:Nope",
        "notatool = sc_demo_plugin:NOT_A_TOOL",
    }
    assert "ModuleNotFoundError" in errors["broken = sc_missing_module:Nope"]
    assert "sc_missing_module" in errors["broken = sc_missing_module:Nope"]
    assert "not a Tool" in errors["notatool = sc_demo_plugin:NOT_A_TOOL"]


def test_tools_list_table_warns_about_broken_plugins(plugin_path):
    proc = run_cli("tools", "list", env=env_with(plugin_path))
    assert proc.returncode == 0, proc.stderr
    assert "wordcount" in proc.stdout
    assert "plugin skipped" in proc.stderr and "sc_missing_module" in proc.stderr


def test_plugin_absent_without_pythonpath(tmp_path):
    """Control: without the dist-info on the path there is no wordcount and no plugin error."""
    proc = run_cli(
        "tools", "list", "--json", env={"SILICONCREW_CONFIG": str(tmp_path / "no-config.yaml")}
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert "wordcount" not in {t["name"] for t in data["tools"]}
    assert not any("sc_demo_plugin" in e["entry_point"] for e in data["plugin_errors"])


def test_tools_run_plugin(plugin_path, counter_ws):
    expected = len((counter_ws / "rtl" / "counter.v").read_text().splitlines())
    assert expected > 5
    proc = run_cli(
        "tools",
        "run",
        "wordcount",
        "--input",
        '{"file": "rtl/counter.v"}',
        "--workspace",
        str(counter_ws),
        "--json",
        "--sandbox",
        "local",
        env=env_with(plugin_path),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = json.loads(proc.stdout)
    assert res["ok"] is True and res["tool"] == "wordcount"
    assert res["metrics"]["lines"] == expected
    assert res["summary"] == f"rtl/counter.v: {expected} lines"


def test_tools_run_plugin_path_confined(plugin_path, counter_ws):
    """ctx.resolve confines plugin paths to the workspace like the built-in tools'."""
    proc = run_cli(
        "tools",
        "run",
        "wordcount",
        "--input",
        '{"file": "../../../etc/passwd"}',
        "--workspace",
        str(counter_ws),
        "--sandbox",
        "local",
        env=env_with(plugin_path),
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert "outside the workspace" in err[0]


def test_tools_run_plugin_bad_input(plugin_path, counter_ws):
    proc = run_cli(
        "tools",
        "run",
        "wordcount",
        "--input",
        '{"path": "rtl/counter.v"}',
        "--workspace",
        str(counter_ws),
        "--sandbox",
        "local",
        env=env_with(plugin_path),
    )
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: wordcount: bad input")


def test_run_broken_plugin_by_name_is_unknown(plugin_path, counter_ws):
    proc = run_cli(
        "tools",
        "run",
        "broken",
        "--input",
        "{}",
        "--workspace",
        str(counter_ws),
        "--sandbox",
        "local",
        env=env_with(plugin_path),
    )
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "unknown tool 'broken'" in err[0]
    assert "wordcount" in err[0]  # the list of known tools includes the working plugin
