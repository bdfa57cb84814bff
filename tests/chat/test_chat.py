"""The chat command driven through a real pseudo-terminal, against the scripted endpoint."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pexpect
import pytest

from tests.conftest import EXAMPLES, REPO
from tests.scripted_llm import ScriptedLLM

PROMPT = "sc> "


def spawn(design, env_extra: dict, *args: str) -> pexpect.spawn:
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "SILICONCREW_KB": "off", **env_extra}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "siliconcrew", "chat", str(design), "--sandbox", "local", *args],
        cwd=str(REPO),
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 200),
    )
    return child


@pytest.fixture
def design(tmp_path):
    d = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", d, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    return d


def test_chat_without_llm_slash_commands_work(design):
    child = spawn(design, {"SILICONCREW_MODEL": "", "OPENAI_BASE_URL": "", "OPENAI_API_KEY": ""})
    child.expect("no LLM configured")
    child.expect_exact(PROMPT)
    child.sendline("/tools")
    child.expect("synthesize")
    child.expect_exact(PROMPT)
    child.sendline("/files")
    child.expect("rtl/counter.v")
    child.expect_exact(PROMPT)
    child.sendline("/timing")  # timing debug without an LLM, from the chat
    child.expect(r"timing met \(worst slack [\d.]+ ns at 10(\.0)? ns\)")
    child.expect_exact(PROMPT)
    child.sendline("/timing repair")
    child.expect(r"closed: WNS [\d.]+ → [\d.]+ ns; timing already met: nothing changed")
    child.expect_exact(PROMPT)
    child.sendline("make it faster please")
    child.expect("SILICONCREW_MODEL")
    child.expect_exact(PROMPT)
    child.sendline("/quit")
    child.expect("session saved: (\\S+)")
    child.expect(pexpect.EOF)


def test_chat_integrate_command(design):
    """/integrate: the CLI's integrate from the chat (Caravel on the local sandbox: the
    Wishbone replay, ≈2 s), its table and folder; a bad target in one line."""
    child = spawn(design, {"SILICONCREW_MODEL": "", "OPENAI_BASE_URL": "", "OPENAI_API_KEY": ""})
    child.expect_exact("/timing [repair]")  # the help is text: brackets shown as written
    child.expect_exact(PROMPT)
    child.sendline("/integrate efabless")
    child.expect_exact("unknown integration target 'efabless' — use caravel or tinytapeout")
    child.expect_exact(PROMPT)
    child.sendline("/integrate caravel 0x30001000")
    child.expect(r"wishbone_test\s.*PASS")
    child.expect(r"folder: \S*runs/\S+/integrate/caravel")
    child.expect_exact("next: copy it over a caravel_user_project clone")
    child.expect_exact(PROMPT)
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    regs = next(design.glob("runs/*/results.json"))
    assert json.loads(regs.read_text())["register_map"]["base"] == "0x30001000"


def test_chat_streams_shows_tool_calls_undoes_and_resumes(design):
    new_rtl = (design / "rtl" / "counter.v").read_text().replace("8-bit", "eight-bit")
    script = [
        {"content": "Linting now."},  # streamed plain answer first
        {
            "tool_calls": [
                {"name": "lint", "arguments": {"files": ["rtl/counter.v"], "top": "counter"}}
            ]
        },
        {"content": "Lint is clean: no warnings."},
        {
            "tool_calls": [
                {"name": "write_file", "arguments": {"path": "rtl/counter.v", "content": new_rtl}}
            ]
        },
        {"content": "I updated the header comment."},
        {"content": "You asked me about the counter before."},
    ]
    with ScriptedLLM(script) as srv:
        env = {
            "OPENAI_BASE_URL": srv.base_url,
            "OPENAI_API_KEY": "sk-x",
            "SILICONCREW_MODEL": "scripted",
        }
        child = spawn(design, env)
        child.expect_exact(PROMPT)
        child.sendline("hello")
        child.expect("Linting now.")
        child.expect_exact(PROMPT)
        child.sendline("please lint the counter")
        child.expect("tool lint")
        child.expect("lint clean")
        child.expect("Lint is clean: no warnings.")
        child.expect_exact(PROMPT)
        child.sendline("rename 8-bit in the comment")
        child.expect("allow write_file rtl/counter.v\\? \\[y/n\\]")  # approval for a file change
        child.sendline("y")
        child.expect("tool write_file")
        child.expect("I updated the header comment.")
        child.expect_exact(PROMPT)
        assert "eight-bit" in (design / "rtl" / "counter.v").read_text()
        child.sendline("/diff")
        child.expect("eight-bit")
        child.expect_exact(PROMPT)
        child.sendline("/undo")
        child.expect("restored rtl/counter.v")
        child.expect_exact(PROMPT)
        assert "eight-bit" not in (design / "rtl" / "counter.v").read_text()
        child.sendline("/cost")
        child.expect("LLM: 5 calls")
        child.expect_exact(PROMPT)
        child.sendline("/quit")
        child.expect("session saved: (\\S+) ")
        session_id = child.match.group(1)
        child.expect(pexpect.EOF)

        # resume: the model gets the earlier conversation back
        child = spawn(design, env, "--session", session_id)
        child.expect_exact(PROMPT)
        child.sendline("what did I ask?")
        child.expect("You asked me about the counter before.")
        child.expect_exact(PROMPT)
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    last = srv.requests[-1]["messages"]
    assert any(m.get("content") == "please lint the counter" for m in last)
    assert srv.requests[-1]["stream"] is True
    transcript = (design / "runs" / f"chat-{session_id}" / "transcript.md").read_text()
    assert "please lint the counter" in transcript and "Lint is clean" in transcript


def test_chat_run_command_goes_to_gds(design):
    child = spawn(design, {"SILICONCREW_MODEL": "", "OPENAI_BASE_URL": "", "OPENAI_API_KEY": ""})
    child.expect_exact(PROMPT)
    child.sendline("/approve auto")
    child.expect("approval for gated steps: auto")
    child.expect_exact(PROMPT)
    child.sendline("/run")
    child.expect("harden", timeout=180)
    child.expect("run \\S+: ok", timeout=180)
    child.expect_exact(PROMPT)
    child.sendline("/status")
    child.expect(": ok")
    child.expect_exact(PROMPT)
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    results = sorted((design / "runs").glob("*/results.json"))
    assert json.loads(results[-1].read_text())["status"] == "ok"
