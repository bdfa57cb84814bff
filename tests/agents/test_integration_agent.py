"""The integration agent (real openai client, scripted local endpoint): its pin table is used
when it is valid and then faces the same replay test; a refused one falls back to the
default mapping, said in the result."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import EXAMPLES
from scripted_llm import ScriptedLLM

from siliconcrew import api

pytestmark = pytest.mark.docker


@pytest.fixture
def counter(tmp_path, monkeypatch):
    monkeypatch.setenv("SILICONCREW_CONFIG", str(tmp_path / "no-such-config.yaml"))
    monkeypatch.setenv("SILICONCREW_KB", "off")
    d = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", d, ignore=shutil.ignore_patterns("runs"))
    return d


def use(monkeypatch, srv: ScriptedLLM) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-scripted")
    monkeypatch.setenv("SILICONCREW_MODEL", "scripted-coder")


def answer(pins: dict) -> dict:
    return {"content": json.dumps({"pins": pins, "why": "scripted"})}


def test_the_agents_tile_mapping_is_used_and_replayed(counter, monkeypatch):
    pins = {"en": "ui[7]", "count": "uio[7:0]", "wrap": "uo[3]"}
    with ScriptedLLM([answer(pins)]) as srv:
        use(monkeypatch, srv)
        res = api.integrate("tinytapeout", counter, sandbox="docker")
        asked = srv.requests[0]["messages"]
    assert res.mapping == "llm" and res.ok, [
        (s.step, s.result and s.result.summary) for s in res.steps
    ]
    assert "ui[0..7] are" in asked[0]["content"] and '"count"' in asked[1]["content"]
    assert res.pinout["ui[7]"] == "en" and res.pinout["uo[3]"] == "wrap"
    assert res.pinout["uio[0]"] == "count[0]" and res.pinout["ui[0]"] == ""
    cocotb = next(s for s in res.steps if s.step == "cocotb_test").result
    assert cocotb.ok and cocotb.metrics["cocotb__failures"] == 0


def test_a_refused_pin_table_falls_back_to_the_default(counter, monkeypatch):
    with ScriptedLLM([answer({"count": "io[3:0]"})]) as srv:  # 4 pins for 8 bits, io[3] reserved
        use(monkeypatch, srv)
        res = api.integrate("caravel", counter, sandbox="docker")
    assert res.ok and res.mapping == "default"
    assert "pin table was refused" in res.mapping_note and res.register_map["pins"] == {}
