"""Other teams' MCP servers as plugin tools: a real MCP server written with the SDK
(ext_mcp_server.py, next to this file) configured under `mcp_servers`, over stdio and HTTP;
a server that is down gives one clear error and never breaks `tools list`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from mcp_helpers import free_port, wait_port

EXT = Path(__file__).with_name("ext_mcp_server.py")


def _config(tmp_path: Path, servers: dict) -> dict[str, str]:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(json.dumps({"mcp_servers": servers}))  # JSON is YAML
    return {"SILICONCREW_CONFIG": str(cfg)}


LAB = {"command": [sys.executable, str(EXT)], "timeout_s": 30}
DOWN = {
    "command": [
        sys.executable,
        "-c",
        "import sys; sys.stderr.write('lab license expired\\n'); sys.exit(3)",
    ],
    "timeout_s": 10,
}


def test_external_tool_listed_and_run(tmp_path):
    env = _config(tmp_path, {"lab": LAB})
    listed = run_cli("tools", "list", "--json", env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    tools = {t["name"]: t for t in json.loads(listed.stdout)["tools"]}
    assert tools["lab.parity"]["origin"] == "external:lab"
    assert "external MCP tool" in tools["lab.parity"]["description"]
    assert tools["lab.parity"]["parameters"]["required"] == ["bits"]
    assert "lint" in tools  # the built-ins are still there

    ran = run_cli(
        "tools",
        "run",
        "lab.parity",
        "--input",
        '{"bits": "1101"}',
        "--json",
        "-w",
        str(tmp_path),
        env=env,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    out = json.loads(ran.stdout)
    assert out["ok"] is True and out["backend"] == "mcp:lab"
    assert json.loads(out["metrics"]["output"])["parity"] == 1

    # the server's own error is a failed result; a bad argument is refused before the call
    failed = run_cli(
        "tools", "run", "lab.parity", "--input", '{"bits": "12"}', "--json", env=env, timeout=120
    )
    assert failed.returncode == 1 and "not a bit string" in json.loads(failed.stdout)["summary"]
    refused = run_cli(
        "tools", "run", "lab.parity", "--input", '{"bitz": "1"}', env=env, timeout=120
    )
    assert refused.returncode == 2 and "'bits' is a required property" in refused.stderr


def test_external_server_gets_no_workspace_nor_secrets(tmp_path):
    env = {**_config(tmp_path, {"lab": LAB}), "OPENAI_API_KEY": "sk-not-for-them-123"}
    ws = tmp_path / "ws"
    ws.mkdir()
    ran = run_cli(
        "tools",
        "run",
        "lab.where_am_i",
        "--input",
        "{}",
        "--json",
        "-w",
        str(ws),
        env=env,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    output = json.loads(ran.stdout)["metrics"]["output"]
    assert f"cwd={Path.home()}" in output and str(ws) not in output
    assert "sk-not-for-them" not in output


def test_external_server_over_http(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(EXT), "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_port(port, proc)
        env = _config(tmp_path, {"remote": {"url": f"http://127.0.0.1:{port}/mcp"}})
        ran = run_cli(
            "tools",
            "run",
            "remote.parity",
            "--input",
            '{"bits": "11"}',
            "--json",
            env=env,
            timeout=120,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(json.loads(ran.stdout)["metrics"]["output"])["parity"] == 0


@pytest.mark.parametrize(
    "server",
    [DOWN, {"url": "http://127.0.0.1:9/mcp", "timeout_s": 10}],
    ids=["command-exits", "nothing-listens"],
)
def test_server_down_is_one_clear_error(tmp_path, server):
    env = _config(tmp_path, {"lab": LAB, "down": server})
    listed = run_cli("tools", "list", "--json", env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr  # never breaks the CLI
    data = json.loads(listed.stdout)
    assert "lab.parity" in {t["name"] for t in data["tools"]}
    skipped = {e["entry_point"]: e["error"] for e in data["plugin_errors"]}
    assert "MCP server 'down' is unavailable" in skipped["mcp_servers.down"]

    ran = run_cli("tools", "run", "down.parity", "--input", '{"bits": "1"}', env=env, timeout=120)
    assert ran.returncode == 2
    errors = [ln for ln in ran.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: MCP server 'down' is unavailable")
    assert "mcp_servers.down" in errors[0]
    if "command" in server:
        assert "lab license expired" in errors[0]  # the server's own last words


def test_agents_get_external_tools_labelled(tmp_path, monkeypatch):
    """What an agent is offered (tool_specs) and what its call returns."""
    from siliconcrew.agents.tooling import tool_specs
    from siliconcrew.tools.base import ToolContext
    from siliconcrew.tools.registry import load_registry

    for k, v in _config(tmp_path, {"lab": {**LAB, "agents": ["verification"]}}).items():
        monkeypatch.setenv(k, v)
    reg = load_registry(external=True)
    ctx = ToolContext(tmp_path, lambda ws: pytest.fail("an external tool opened a sandbox"))
    assert tool_specs(reg, ctx, ["lab.parity"], agent="rtl") == []  # its agents filter
    (spec,) = tool_specs(reg, ctx, ["lab.parity"], agent="verification")
    assert spec.description.startswith("[external MCP tool from server 'lab'")
    out = spec.handler({"bits": "111"})
    assert out["ok"] is True and json.loads(out["metrics"]["output"])["parity"] == 1
    assert out["summary"].startswith("[external lab]")
    assert os.environ["SILICONCREW_CONFIG"].endswith("config.yaml")
