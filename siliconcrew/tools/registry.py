"""The tool registry: built-in tools plus plugins from the `siliconcrew.tools` entry points.

A plugin entry point may name a `Tool` subclass, a `Tool` instance, or a zero-argument factory
returning one. A broken plugin (import error, wrong type, bad schema) is recorded in
`Registry.errors` and skipped; it never takes the CLI down.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from pydantic import ValidationError

from siliconcrew.core.errors import SandboxUnavailable, UserInputError
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolResult

ENTRY_POINT_GROUP = "siliconcrew.tools"


def builtin_tools() -> list[Tool]:
    from siliconcrew.tools.cocotb_run import CocotbRunTool
    from siliconcrew.tools.equivalence import EquivalenceTool
    from siliconcrew.tools.files import ReadFileTool, WriteFileTool
    from siliconcrew.tools.lint import LintTool
    from siliconcrew.tools.netlist_json import NetlistJsonTool
    from siliconcrew.tools.rtl_graph import RtlGraphTool
    from siliconcrew.tools.simulate import SimulateTool
    from siliconcrew.tools.sta import StaTool
    from siliconcrew.tools.synthesize import SynthesizeTool

    return [
        LintTool(),
        SimulateTool(),
        SynthesizeTool(),
        StaTool(),
        EquivalenceTool(),
        ReadFileTool(),
        WriteFileTool(),
        CocotbRunTool(),
        NetlistJsonTool(),
        RtlGraphTool(),
    ]


@dataclass
class PluginError:
    entry_point: str
    error: str


@dataclass
class Registry:
    tools: dict[str, Tool] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    errors: list[PluginError] = field(default_factory=list)
    #: configured MCP servers (mcp_servers) and those skipped, with why
    mcp_servers: set[str] = field(default_factory=set)
    mcp_skipped: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> Tool:
        if name not in self.tools:
            from siliconcrew.tools.mcp_client import unknown_external

            external = unknown_external(name, self.mcp_skipped, self.mcp_servers)
            if external is not None:
                raise external
            raise UserInputError(
                f"unknown tool '{name}'",
                "see `siliconcrew tools list` (known: " + ", ".join(sorted(self.tools)) + ")",
            )
        return self.tools[name]


def _load_plugin(ep) -> Tool:
    obj = ep.load()
    if isinstance(obj, type) and issubclass(obj, Tool):
        tool = obj()
    elif isinstance(obj, Tool):
        tool = obj
    elif callable(obj):
        tool = obj()
    else:
        raise TypeError(f"{ep.value} is not a Tool class, instance or factory")
    if not isinstance(tool, Tool):
        raise TypeError(f"{ep.value} did not produce a siliconcrew Tool")
    for attr in ("name", "description", "input_model"):
        if not getattr(tool, attr, None):
            raise TypeError(f"tool from {ep.value} lacks '{attr}'")
    json.dumps(tool.input_model.model_json_schema())  # the schema agents will see must build
    return tool


def load_registry(include_plugins: bool = True, external: bool | str = False) -> Registry:
    """Built-ins, then entry-point plugins, then (with `external`: every configured MCP
    server, or only the server named) the tools of the config's `mcp_servers`."""
    reg = Registry()
    for tool in builtin_tools():
        reg.tools[tool.name] = tool
        reg.origin[tool.name] = "builtin"
    if not include_plugins:
        return reg
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            tool = _load_plugin(ep)
        except Exception as exc:  # plugin code is foreign: any failure is reported, not raised
            reg.errors.append(
                PluginError(
                    f"{ep.name} = {ep.value}", f"{type(exc).__name__}: {exc}".splitlines()[0]
                )
            )
            continue
        if tool.name in reg.tools:
            reg.errors.append(
                PluginError(
                    f"{ep.name} = {ep.value}", f"tool name '{tool.name}' already registered"
                )
            )
            continue
        reg.tools[tool.name] = tool
        dist = getattr(ep, "dist", None)
        reg.origin[tool.name] = f"plugin:{dist.name}" if dist else "plugin"
    if external:
        _load_external(reg, None if external is True else str(external))
    return reg


def _load_external(reg: Registry, only: str | None) -> None:
    from siliconcrew.core.settings import load_settings
    from siliconcrew.tools.mcp_client import load_external

    raw = load_settings().mcp_servers
    reg.mcp_servers = set(raw)
    tools, skipped = load_external(raw, only)
    reg.mcp_skipped = skipped
    for server, why in skipped.items():
        reg.errors.append(PluginError(f"mcp_servers.{server}", why))
    for tool in tools:
        if tool.name in reg.tools:
            reg.errors.append(
                PluginError(
                    f"mcp_servers.{tool.server}", f"tool name '{tool.name}' already registered"
                )
            )
            continue
        reg.tools[tool.name] = tool
        reg.origin[tool.name] = f"external:{tool.server}"


def parse_input(tool: Tool, raw: dict | str):
    """Validate raw input (dict or JSON text) against the tool's model: one-line errors."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UserInputError(
                f"tool input is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                "pass a JSON object, e.g. '{\"files\": [...]}'",
            ) from None
    if not isinstance(raw, dict):
        raise UserInputError("tool input must be a JSON object", "wrap the arguments in {...}")
    try:
        return tool.input_model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "input"
        raise UserInputError(
            f"{tool.name}: bad input '{where}': {err['msg']}",
            f"see `siliconcrew tools list --json` for the {tool.name} schema",
        ) from None


def execute(tool: Tool, raw: dict | str, ctx: ToolContext) -> ToolResult:
    """Validate and run a tool; every failure becomes a ToolResult (agents get it as data)."""
    start = time.perf_counter()

    def fail(kind: str, message: str, code: str) -> ToolResult:
        return ToolResult(
            tool=tool.name,
            ok=False,
            summary=message,
            failure=kind,
            diagnostics=[Diagnostic(severity="error", code=code, message=message)],
            duration_s=round(time.perf_counter() - start, 3),
        )

    try:
        inp = parse_input(tool, raw)
        return tool.run(ctx, inp)
    except UserInputError as exc:
        return fail("input", exc.one_line(), "input")
    except SandboxUnavailable as exc:
        return fail("sandbox", exc.one_line(), "sandbox")
