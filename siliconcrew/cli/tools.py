"""`tools list` and `tools run`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, UnsafeOpt, tools_app


@tools_app.command("list")
def tools_list(as_json: bool = JsonOpt):
    """List registered tools (built-in and plugins) with their input schema."""
    from siliconcrew import api
    from siliconcrew.render.console import console, print_json
    from siliconcrew.render.tools import tool_table

    tools = api.list_tools()
    if as_json:
        print_json(tools)
        return
    tool_table(console(), console(stderr=True), tools)


def _input_arg(raw: str):
    """`@file.json` is a file to read; anything else is the JSON itself."""
    return Path(raw[1:]) if raw.startswith("@") else raw


@tools_app.command("run")
def tools_run(
    name: str = typer.Argument(..., help="tool name (see `siliconcrew tools list`)"),
    input_: str = typer.Option(..., "--input", "-i", help="JSON object, or @file.json"),
    workspace: Path = typer.Option(
        Path("."), "--workspace", "-w", help="directory that input paths are relative to"
    ),
    as_json: bool = JsonOpt,
    sandbox: Optional[str] = SandboxOpt,
    unsafe_host: bool = UnsafeOpt,
):
    """Run one tool directly. Exit code: 0 ok, 1 check failed, 2 bad input, 3 no sandbox."""
    from siliconcrew import api
    from siliconcrew.render.console import console, error_line, print_json
    from siliconcrew.render.tools import tool_result

    with console(stderr=True).status(f"running {name}…"):
        result = api.call_tool(
            name, _input_arg(input_), workspace, sandbox=sandbox, unsafe_host=unsafe_host
        )
    if result.refused:
        # Refused inside the tool (path outside the workspace, missing file, no sandbox): the
        # same one-line `error:` on stderr as input refused before the run.
        error_line(result.summary)
        if not as_json:
            raise typer.Exit(result.exit_code)
    if as_json:
        print_json(result)
    else:
        tool_result(console(), result)
    raise typer.Exit(result.exit_code)
