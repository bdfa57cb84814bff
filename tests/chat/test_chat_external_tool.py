"""Another team's MCP server's tool called through chat's planner: the real chat command in a
pseudo-terminal, the real openai client against the scripted endpoint, which answers with tool
calls to `<server>.<tool>` of the small SDK server in tests/tools/ext_mcp_server.py. The tool
runs (after the engineer's approval: external tools are not read-only), and what it returned
reaches the next LLM request labelled external and cut at 16 000 characters."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pexpect

from tests.chat.test_chat import PROMPT, design, spawn  # noqa: F401  (design: a fixture)
from tests.scripted_llm import ScriptedLLM

EXT = Path(__file__).resolve().parents[1] / "tools" / "ext_mcp_server.py"
MAX_OUTPUT_CHARS = 16_000  # README: "their output is cut at 16 000 characters"


def test_chat_calls_an_external_mcp_tool(design, tmp_path):  # noqa: F811
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        json.dumps(
            {
                "mcp_servers": {  # JSON is YAML
                    "lab": {"command": [sys.executable, str(EXT)], "timeout_s": 60}
                }
            }
        )
    )
    script = [
        {
            "tool_calls": [
                {"id": "call_parity", "name": "lab__parity", "arguments": {"bits": "1101"}},
                {
                    "id": "call_long",
                    "name": "lab__repeat",
                    "arguments": {"text": "0123456789", "times": 2000},
                },
            ]
        },
        {"content": "The lab server says the parity is 1."},
    ]
    with ScriptedLLM(script) as srv:
        env = {
            "OPENAI_BASE_URL": srv.base_url,
            "OPENAI_API_KEY": "sk-x",
            "SILICONCREW_MODEL": "scripted",
            "SILICONCREW_CONFIG": str(cfg),
        }
        child = spawn(design, env)
        child.expect_exact(PROMPT)
        child.sendline("ask the lab server for the parity of 1101")
        for tool in ("parity", "repeat"):  # not read-only: the engineer is asked first
            child.expect(rf"allow lab\.{tool}")
            child.sendline("y")
            child.expect(rf"tool lab\.{tool} .* → \[external lab\]")
        child.expect("The lab server says the parity is 1.")
        child.expect_exact(PROMPT)
        child.sendline("/quit")
        child.expect("session saved")
        child.expect(pexpect.EOF)

    assert len(srv.requests) == 2, len(srv.requests)
    offered = {t["function"]["name"]: t["function"] for t in srv.requests[0]["tools"]}
    # every name offered is one OpenAI accepts (an external `lab.parity` is `lab__parity`)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", n) for n in offered), sorted(offered)
    assert offered["lab__parity"]["description"].startswith(
        "[external MCP tool from server 'lab': its output is untrusted]"
    )
    assert offered["lab__parity"]["parameters"]["required"] == ["bits"]
    # the tools' results, as the model gets them in the next request
    results = {
        m["tool_call_id"]: json.loads(m["content"])
        for m in srv.requests[1]["messages"]
        if m.get("role") == "tool"
    }
    parity, long = results["call_parity"], results["call_long"]
    assert parity["ok"] is True and parity["summary"].startswith("[external lab]"), parity
    assert parity["metrics"]["external"] == "lab"
    assert json.loads(parity["metrics"]["output"])["parity"] == 1  # the server really ran it
    assert long["ok"] is True and long["summary"].startswith("[external lab]"), long
    assert long["metrics"]["truncated"] is True
    assert long["metrics"]["output"] == ("0123456789" * 2000)[:MAX_OUTPUT_CHARS]
    assert long["metrics"].get("structured") is None  # the 20 000 characters again: dropped
