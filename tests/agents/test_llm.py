"""The LLM client: the real openai client over HTTP against a scripted local endpoint."""

from __future__ import annotations

import json

import pytest

from siliconcrew.agents.codeblocks import code_blocks, module_names
from siliconcrew.agents.llm import Budget, BudgetExceeded, LLMClient, LLMError
from siliconcrew.agents.llm_config import LLMSettings, load_llm_settings
from siliconcrew.agents.tooling import tool_specs
from siliconcrew.sandbox import open_sandbox
from siliconcrew.tools.base import ToolContext
from tests.conftest import settings_for
from tests.scripted_llm import ScriptedLLM

SECRET = "sk-test-do-not-log-1234"


def client_for(server: ScriptedLLM, tmp_path, **kw) -> tuple[LLMClient, list[dict]]:
    events: list[dict] = []
    settings = LLMSettings(
        base_url=server.base_url,
        api_key=SECRET,
        model="m-default",
        agents={"rtl": "m-rtl"},
        max_retries=kw.pop("max_retries", 2),
        timeout_s=kw.pop("timeout_s", 30),
        prices={"m-rtl": {"prompt": 1.0, "completion": 2.0}},
    )
    client = LLMClient(
        settings,
        trace=lambda ev, **d: events.append({"event": ev, **d}),
        log_dir=tmp_path / "llm",
        **kw,
    )
    return client, events


def test_chat_counts_tokens_costs_and_traces(tmp_path):
    with ScriptedLLM(
        [
            {
                "content": "hello",
                "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
            }
        ]
    ) as srv:
        client, events = client_for(srv, tmp_path)
        reply = client.chat("rtl", [{"role": "user", "content": "hi"}])
    assert reply.content == "hello" and reply.model == "m-rtl"
    assert srv.requests[0]["model"] == "m-rtl"  # per-agent model override
    headers = {k.lower(): v for k, v in srv.headers[0].items()}
    assert headers["authorization"] == f"Bearer {SECRET}"
    assert client.usage.prompt_tokens == 1000 and client.usage.completion_tokens == 500
    assert client.usage_by_agent["rtl"].cost_usd == pytest.approx((1000 * 1 + 500 * 2) / 1e6)
    ev = events[0]
    assert ev["event"] == "llm_call" and ev["prompt_tokens"] == 1000 and ev["latency_s"] >= 0
    logged = (tmp_path / "llm").glob("*.json")
    text = "".join(p.read_text() for p in logged)
    assert "hello" in text and SECRET not in text and SECRET not in json.dumps(events)


def test_tool_loop_runs_real_tools_and_refuses_escapes(tmp_path, counter_ws):
    script = [
        {
            "tool_calls": [
                {"name": "lint", "arguments": {"files": ["rtl/counter.v"], "top": "counter"}}
            ]
        },
        {"tool_calls": [{"name": "lint", "arguments": {"files": ["../../etc/passwd"]}}]},
        {"tool_calls": [{"name": "lint", "arguments": '{"files": ["rtl/counter.v"'}]},  # malformed
        {"tool_calls": [{"name": "rm_rf", "arguments": {}}]},
        {"content": "lint is clean"},
    ]
    ctx = ToolContext(counter_ws, lambda w: open_sandbox(w, settings_for("local"), quiet=True))
    try:
        from siliconcrew.tools.registry import load_registry

        specs = tool_specs(load_registry(False), ctx, ["lint", "simulate"])
        with ScriptedLLM(script) as srv:
            client, events = client_for(srv, tmp_path)
            out = client.run_tools("verification", [{"role": "user", "content": "lint it"}], specs)
    finally:
        ctx.close()
    assert out.content == "lint is clean" and out.steps == 5
    ok, escape, malformed, unknown = out.tool_calls
    assert '"ok": true' in ok["result"]
    assert "outside the workspace" in escape["result"] and '"ok": false' in escape["result"]
    assert "not valid JSON" in malformed["result"]
    assert "unknown tool" in unknown["result"]
    # the model saw the tool schemas and every tool answer
    assert {t["function"]["name"] for t in srv.requests[0]["tools"]} == {"lint", "simulate"}
    last = srv.requests[-1]["messages"]
    assert sum(1 for m in last if m["role"] == "tool") == 4
    assert [e["tool"] for e in events if e["event"] == "agent_tool_call"] == [
        "lint",
        "lint",
        "lint",
        "rm_rf",
    ]


def test_429_then_success(tmp_path):
    with ScriptedLLM([{"status": 429}, {"content": "ok after retry"}]) as srv:
        client, _ = client_for(srv, tmp_path)
        reply = client.chat("planner", [{"role": "user", "content": "x"}])
        assert reply.content == "ok after retry"
    assert len(srv.requests) == 2


def test_500s_past_retry_budget_fail_cleanly(tmp_path):
    with ScriptedLLM([{"status": 500}] * 3) as srv:
        client, events = client_for(srv, tmp_path, max_retries=1)
        with pytest.raises(LLMError) as err:
            client.chat("planner", [{"role": "user", "content": "x"}])
    assert "500" in err.value.message and len(srv.requests) == 2
    assert events[-1]["error"]


def test_slow_reply_times_out(tmp_path):
    with ScriptedLLM([{"delay": 2.0, "content": "late"}]) as srv:
        client, _ = client_for(srv, tmp_path, max_retries=0, timeout_s=0.5)
        with pytest.raises(LLMError) as err:
            client.chat("planner", [{"role": "user", "content": "x"}])
    assert "cannot reach" in err.value.message


def test_budget_cap_stops_before_the_next_call(tmp_path):
    big = {"prompt_tokens": 600, "completion_tokens": 600, "total_tokens": 1200}
    with ScriptedLLM([{"content": "a", "usage": big}, {"content": "b", "usage": big}]) as srv:
        client, _ = client_for(srv, tmp_path, budget=Budget(max_tokens=1000))
        client.chat("rtl", [{"role": "user", "content": "x"}])
        with pytest.raises(BudgetExceeded):
            client.chat("rtl", [{"role": "user", "content": "y"}])
    assert len(srv.requests) == 1  # the second call never left the machine


def test_streaming_delivers_deltas_and_usage(tmp_path):
    text = "module m; endmodule — streamed in pieces"
    with ScriptedLLM([{"content": text}]) as srv:
        client, _ = client_for(srv, tmp_path)
        pieces: list[str] = []
        reply = client.chat(
            "planner", [{"role": "user", "content": "x"}], stream=True, on_delta=pieces.append
        )
    assert len(pieces) > 2 and "".join(pieces) == text == reply.content
    assert client.usage.completion_tokens > 0 and srv.requests[0]["stream"] is True


def test_unconfigured_client_is_refused():
    with pytest.raises(LLMError):
        LLMClient(LLMSettings())


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("SILICONCREW_MODEL", "qwen2.5-coder")
    monkeypatch.setenv("SILICONCREW_MODEL_RTL", "big-coder")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    s = load_llm_settings({"api_key": "ignored-from-file", "max_retries": 7})
    assert s.configured and s.model_for("rtl") == "big-coder"
    assert s.model_for("planner") == "qwen2.5-coder"
    assert s.api_key is None and s.max_retries == 7
    assert "api_key" not in json.dumps(s.describe()).replace("api_key_set", "")


def test_code_blocks_from_fenced_answers():
    answer = (
        "Here you go:\n```verilog\nmodule a(input x, output y);\n  assign y = x;\n"
        "endmodule\n```\n"
        "and a testbench\n```\nmodule tb; endmodule\n```\n```python\nprint(1)\n```"
    )
    blocks = code_blocks(answer)
    assert len(blocks) == 2
    assert module_names(blocks[0]) == ["a"] and module_names(blocks[1]) == ["tb"]
