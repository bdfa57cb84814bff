"""Tools as operations: list what is registered (built-in and plugins), call one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from siliconcrew.api.context import ProgressFn, resolve_settings, sandbox_factory
from siliconcrew.api.results import PluginErrorInfo, ToolCallResult, ToolInfo, ToolList
from siliconcrew.core.errors import UserInputError

if TYPE_CHECKING:
    from siliconcrew.core.cancel import CancelToken
    from siliconcrew.core.settings import Settings


def list_tools(include_plugins: bool = True, include_external: bool = True) -> ToolList:
    """Every registered tool with its input schema, with the tools of the configured MCP
    servers (`<server>.<tool>`, origin `external:<server>`); broken plugins and servers that
    are down are listed under `plugin_errors`, never raised (a team's plugin must not break
    the others)."""
    from siliconcrew.tools.registry import load_registry

    reg = load_registry(
        include_plugins=include_plugins, external=include_plugins and include_external
    )
    return ToolList(
        tools=[
            ToolInfo(**t.schema(), origin=reg.origin[n], read_only=t.read_only)
            for n, t in sorted(reg.tools.items())
        ],
        plugin_errors=[PluginErrorInfo(**e.__dict__) for e in reg.errors],
    )


def _input_text(tool_input: dict[str, Any] | str | Path) -> dict[str, Any] | str:
    """A Path is a JSON file to read (the CLI's `--input @file.json`)."""
    if isinstance(tool_input, Path):
        if not tool_input.is_file():
            raise UserInputError(
                f"input file '{tool_input}' not found", "use --input @path/to/input.json"
            )
        return tool_input.read_text()
    return tool_input


def call_tool(
    name: str,
    tool_input: dict[str, Any] | str | Path,
    workspace: Path | str = ".",
    *,
    sandbox: str | None = None,
    unsafe_host: bool = False,
    settings: Settings | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ToolCallResult:
    """Run one tool on `workspace` (input paths are relative to it).

    `tool_input` is a dict, JSON text, or a Path to a JSON file. Unknown tool, bad JSON or
    input that does not fit the schema raise UserInputError before any sandbox starts. What
    the tool itself refuses (a path outside the workspace, a missing file, no sandbox) comes
    back as a result with `failure` set, like any tool failure.
    """
    from siliconcrew.tools.base import ToolContext
    from siliconcrew.tools.registry import execute, load_registry, parse_input

    workspace = Path(workspace)
    if not workspace.is_dir():
        raise UserInputError(f"workspace '{workspace}' is not a directory", "pass --workspace DIR")
    # `<server>.<tool>` is an MCP server's tool: only that server is asked.
    server = name.partition(".")[0] if "." in name else False
    tool = load_registry(external=server).get(name)
    tool_input = _input_text(tool_input)
    parse_input(tool, tool_input)  # bad JSON / schema: one-line error before any sandbox starts
    settings = resolve_settings(settings, sandbox, unsafe_host)
    ctx = ToolContext(workspace, sandbox_factory(settings, cancel))
    try:
        if progress:
            progress(name, "running")
        result = execute(tool, tool_input, ctx)
    finally:
        ctx.close()
    if progress:
        progress(name, "ok" if result.ok else "failed")
    return ToolCallResult.of(result)
