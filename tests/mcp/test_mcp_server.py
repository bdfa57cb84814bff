"""`siliconcrew mcp` through the real MCP client of the SDK, against the real server started
as a subprocess (stdio, and streamable HTTP). Tools run on the local (bubblewrap) sandbox."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import anyio
import jsonschema
import pytest
from mcp_helpers import free_port, http_session, server_env, stdio_session, wait_port

REPO = Path(__file__).resolve().parents[2]
BAD_V = "module bad(input a, output y);\n  assign y = a;\n  wire w = ;\nendmodule\n"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with examples/counter, a file with a syntax error on line 3, a file outside
    it and a symlink pointing out."""
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copytree(
        REPO / "examples" / "counter",
        ws / "counter",
        ignore=shutil.ignore_patterns("runs", ".siliconcrew"),
    )
    (ws / "bad.v").write_text(BAD_V)
    (tmp_path / "outside.v").write_text("module outside; endmodule\n")
    (ws / "link.v").symlink_to(tmp_path / "outside.v")
    return ws


def _args(ws: Path, *more: str) -> list[str]:
    return ["--workspace", str(ws), "--sandbox", "local", *more]


def test_tools_listed_with_schemas_and_annotations(ws):
    async def main():
        async with stdio_session(*_args(ws)) as s:
            return (await s.list_tools()).tools

    tools = {t.name: t for t in anyio.run(main)}
    for name in (
        "lint",
        "simulate",
        "synthesize",
        "sta",
        "equivalence",
        "read_file",
        "check",
        "harden",
        "timing",
        "timing_repair",
        "run",
        "integrate",
        "kb_search",
        "report",
    ):
        assert name in tools, sorted(tools)
    assert "write_file" not in tools  # only with --allow-writes
    for t in tools.values():
        jsonschema.Draft202012Validator.check_schema(t.input_schema)
        assert t.input_schema["type"] == "object"
        assert t.output_schema and t.output_schema["type"] == "object"
    assert tools["lint"].input_schema["required"] == ["files"]
    assert tools["lint"].annotations.read_only_hint is True
    assert tools["check"].annotations.read_only_hint is False
    assert "ok" in tools["lint"].output_schema["properties"]  # the ToolResult


def test_lint_reports_the_syntax_error_line(ws):
    async def main():
        async with stdio_session(*_args(ws)) as s:
            return await s.call_tool("lint", {"files": ["bad.v"], "top": "bad"})

    res = anyio.run(main)
    assert not res.is_error  # the design failed the check: a result, not a refusal
    out = res.structured_content
    assert out["tool"] == "lint" and out["ok"] is False and out["failure"] == "check"
    lines = {
        d["line"] for d in out["diagnostics"] if d["severity"] == "error" and d["file"] == "bad.v"
    }
    assert 3 in lines, out["diagnostics"]


def test_check_counter_with_progress_then_resources(ws):
    progress: list[str] = []

    async def on_progress(value, total, message):
        progress.append(message)

    async def main():
        async with stdio_session(*_args(ws)) as s:
            res = await s.call_tool("check", {"design": "counter"}, progress_callback=on_progress)
            listed = (await s.list_resources()).resources
            png = next(r for r in listed if r.mime_type == "image/png")
            image = await s.read_resource(png.uri)
            yaml_uri = "siliconcrew://workspace/counter/design.yaml"
            design_yaml = await s.read_resource(yaml_uri)
            return res, listed, image, design_yaml

    res, listed, image, design_yaml = anyio.run(main)
    assert not res.is_error, res.content
    out = res.structured_content
    assert out["ok"] is True, out
    # one notification per stage start and end, checks and hardening alike
    for expected in ("lint: running", "lint: ok", "equivalence: ok", "routing: ok", "gdsii: ok"):
        assert expected in progress, progress
    gds = Path(out["harden"]["artifacts"]["gds"])
    assert gds.is_file() and ws.resolve() in gds.resolve().parents
    uris = {r.uri for r in listed}
    assert "siliconcrew://workspace/counter/rtl/counter.v" in uris
    assert any(u.endswith("/results.json") for u in uris)
    blob = image.contents[0]
    assert blob.mime_type == "image/png"
    assert base64.b64decode(blob.blob)[:8] == b"\x89PNG\r\n\x1a\n"
    assert design_yaml.contents[0].text == (ws / "counter" / "design.yaml").read_text()


def test_integrate_caravel_with_a_base_then_refusals(ws):
    """The CLI's `integrate` through MCP: counter into Caravel at another bridge address (the
    Wishbone replay runs on the local sandbox, ≈2 s); mac8 on a Tiny Tapeout tile and an
    unknown harness are refused before anything runs."""
    shutil.copytree(REPO / "examples" / "mac8", ws / "mac8", ignore=shutil.ignore_patterns("runs"))
    progress: list[str] = []

    async def on_progress(value, total, message):
        progress.append(message)

    async def main():
        async with stdio_session(*_args(ws)) as s:
            schema = next(t for t in (await s.list_tools()).tools if t.name == "integrate")
            args = {"design": "counter", "target": "caravel", "base": "0x30001000"}
            done = await s.call_tool("integrate", args, progress_callback=on_progress)
            too_big = await s.call_tool("integrate", {"design": "mac8", "target": "tinytapeout"})
            unknown = await s.call_tool("integrate", {"design": "counter", "target": "efabless"})
            return schema, done, too_big, unknown

    schema, done, too_big, unknown = anyio.run(main)
    assert not done.is_error, done.content
    out = done.structured_content
    jsonschema.validate(out, schema.output_schema)
    steps = {s["step"]: s for s in out["steps"]}
    assert out["ok"] is True and steps["wishbone_test"]["result"]["ok"], steps
    assert out["register_map"]["registers"][0]["address"] == "0x30001000"  # the base given
    wrapper = Path(out["folder"]) / "verilog/rtl/user_project_wrapper.v"
    assert wrapper.is_file() and ws.resolve() in wrapper.resolve().parents
    assert "wishbone_test: running" in progress and "wishbone_test: ok" in progress, progress
    assert too_big.is_error and "needs 38 I/O pins" in too_big.content[0].text, too_big.content
    assert not list((ws / "mac8").glob("runs/*/integrate/tinytapeout/src/project.v"))
    assert unknown.is_error and "bad input 'target'" in unknown.content[0].text


@pytest.mark.parametrize("path", ["../outside.v", "ABS_OUTSIDE", "link.v"])
def test_paths_out_of_the_workspace_are_refused(ws, path):
    if path == "ABS_OUTSIDE":
        path = str(ws.parent / "outside.v")

    async def main():
        async with stdio_session(*_args(ws)) as s:
            tool = await s.call_tool("read_file", {"path": path})
            flow = await s.call_tool("timing", {"design": ".."})
            return tool, flow

    tool, flow = anyio.run(main)
    assert tool.is_error and "outside the workspace" in tool.content[0].text, tool.content
    assert "module outside" not in tool.content[0].text
    assert flow.is_error and "outside the workspace" in flow.content[0].text, flow.content


def test_write_file_only_with_allow_writes(ws):
    async def call(*extra):
        async with stdio_session(*_args(ws, *extra)) as s:
            names = {t.name for t in (await s.list_tools()).tools}
            res = await s.call_tool("write_file", {"path": "rtl_new.v", "content": "// x\n"})
            return names, res

    names, res = anyio.run(call)
    assert "write_file" not in names
    assert res.is_error and "--allow-writes" in res.content[0].text
    assert not (ws / "rtl_new.v").exists()
    names, res = anyio.run(call, "--allow-writes")
    assert "write_file" in names and not res.is_error, res.content
    assert (ws / "rtl_new.v").read_text() == "// x\n"


def test_secrets_never_in_results(ws):
    key = "sk-test-7f3a9c0d1e2b"
    (ws / "notes.txt").write_text(f"the key is {key}\n")

    async def main():
        env = server_env(OPENAI_API_KEY=key)
        async with stdio_session(*_args(ws), env=env) as s:
            return await s.call_tool("read_file", {"path": "notes.txt"})

    res = anyio.run(main)
    assert not res.is_error
    assert key not in res.content[0].text and key not in str(res.structured_content)
    assert res.structured_content["metrics"]["content"] == "the key is ***\n"


def test_streamable_http_transport(ws):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "siliconcrew",
            "mcp",
            *_args(ws),
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**os.environ, **server_env()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_port(port, proc)

        async def main():
            async with http_session(f"http://127.0.0.1:{port}/mcp") as s:
                names = {t.name for t in (await s.list_tools()).tools}
                lint = await s.call_tool(
                    "lint", {"files": ["counter/rtl/counter.v"], "top": "counter"}
                )
                escape = await s.call_tool("lint", {"files": ["../outside.v"]})
                spec = await s.read_resource("siliconcrew://workspace/counter/spec.md")
                return names, lint, escape, spec

        names, lint, escape, spec = anyio.run(main)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert {"lint", "check", "harden"} <= names
    assert not lint.is_error and lint.structured_content["ok"] is True, lint.content
    assert escape.is_error and "outside the workspace" in escape.content[0].text
    assert spec.contents[0].text == (ws / "counter" / "spec.md").read_text()
