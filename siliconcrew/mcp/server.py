"""The MCP server: registered tools and flows as MCP tools, design files and results as
resources, over stdio or streamable HTTP.

Built on the official SDK's low-level `Server` (mcp 2.x), because every tool brings its own
input schema (its pydantic model's) rather than a Python signature. Work runs in a worker
thread (the API is synchronous); progress callbacks become MCP progress notifications. A
cancelled request (`notifications/cancelled`) cancels the call's `CancelToken`: the command
running in the sandbox is killed at once (its process group, or the container's command), the
flow raises `Cancelled` instead of starting another stage, and its own `finally` closes the
sandbox. The server answers other requests meanwhile (the cancelled call's thread is
abandoned, it only unwinds).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
import mcp_types as types
from mcp.server.lowlevel import Server
from pydantic import BaseModel

from siliconcrew import __version__, api
from siliconcrew.core.cancel import Cancelled, CancelToken
from siliconcrew.core.errors import SiliconCrewError, UserInputError
from siliconcrew.mcp.flows import FLOWS, Flow
from siliconcrew.mcp.resources import list_resources, read_resource
from siliconcrew.mcp.secrets import redact, secret_values
from siliconcrew.tools.base import ToolResult

log = logging.getLogger("siliconcrew.mcp")

INSTRUCTIONS = (
    "SiliconCrew: EDA tools (lint, simulate, synthesize, sta, equivalence, read_file, ...) and "
    "flows (check, harden, timing, timing_repair, run, integrate, kb_search, report) on the "
    "design folders of one workspace. Paths are relative to the workspace; paths outside it are "
    "refused. Results are SiliconCrew's ToolResult / flow results as structured content "
    "(metrics use LibreLane's names). Resources: design.yaml, spec, RTL, the latest run's "
    "results.json, report.html and layout PNG."
)


@dataclass
class ServerOptions:
    workspace: Path
    allow_writes: bool = False
    sandbox: str | None = None
    unsafe_host: bool = False


def _text(text: str) -> types.TextContent:
    return types.TextContent(type="text", text=text)


class SiliconCrewServer:
    """What the MCP handlers call; one per server process (shared by HTTP sessions)."""

    def __init__(self, opts: ServerOptions) -> None:
        workspace = Path(opts.workspace)
        if not workspace.is_dir():
            raise UserInputError(
                f"workspace '{workspace}' is not a directory",
                "pass --workspace DIR (an existing folder)",
            )
        self.workspace = workspace.resolve()
        self.allow_writes = opts.allow_writes
        self.settings = api.load_settings(opts.sandbox, opts.unsafe_host)
        self.secrets = secret_values(self.settings.llm)
        # Other teams' MCP servers are not re-served (untrusted, and a loop when a config names
        # this server): only built-ins and installed plugins.
        listed = api.list_tools(include_external=False)
        for err in listed.plugin_errors:
            log.warning("plugin skipped: %s: %s", err.entry_point, err.error)
        self.flows: dict[str, Flow] = {f.name: f for f in FLOWS}
        # Flows own their names; a plugin tool with the same name is not served.
        self.tools = {t.name: t for t in listed.tools if t.name not in self.flows}
        self._tool_schema = ToolResult.model_json_schema(mode="serialization")

    # listing ---------------------------------------------------------------------------------
    def mcp_tools(self) -> list[types.Tool]:
        out: list[types.Tool] = []
        for t in self.tools.values():
            if not t.read_only and not self.allow_writes:
                continue
            out.append(
                types.Tool(
                    name=t.name,
                    description=t.description,
                    input_schema=t.parameters,
                    output_schema=self._tool_schema,
                    annotations=types.ToolAnnotations(
                        title=t.name,
                        read_only_hint=t.read_only,
                        destructive_hint=not t.read_only,
                        open_world_hint=False,
                    ),
                )
            )
        for f in self.flows.values():
            out.append(
                types.Tool(
                    name=f.name,
                    description=f.description,
                    input_schema=f.input_model.model_json_schema(),
                    output_schema=f.output_model.model_json_schema(mode="serialization"),
                    annotations=types.ToolAnnotations(
                        title=f.name,
                        read_only_hint=f.read_only,
                        destructive_hint=False,
                        idempotent_hint=f.read_only,
                        open_world_hint=False,
                    ),
                )
            )
        return out

    # calling ---------------------------------------------------------------------------------
    def refusal(self, message: str) -> types.CallToolResult:
        return types.CallToolResult(
            content=[_text("refused: " + redact(message, self.secrets))], is_error=True
        )

    def result(self, data: dict[str, Any], *, is_error: bool) -> types.CallToolResult:
        data = redact(data, self.secrets)
        return types.CallToolResult(
            content=[_text(json.dumps(data, default=str))],
            structured_content=data,
            is_error=is_error,
        )

    def run_sync(
        self,
        name: str,
        arguments: dict[str, Any],
        progress: Callable[[str, str], None],
        cancel: CancelToken | None = None,
    ) -> types.CallToolResult:
        """The work itself (in a worker thread): API errors become tool errors."""
        try:
            if name in self.flows:
                flow = self.flows[name]
                inp = _parse(flow.input_model, name, arguments)
                res: BaseModel = flow.call(
                    self.workspace, inp, self.settings, progress, cancel or CancelToken()
                )
                return self.result(res.model_dump(mode="json"), is_error=False)
            tool = self.tools.get(name)
            if tool is None:
                return self.refusal(f"unknown tool '{name}' (see tools/list)")
            if not tool.read_only and not self.allow_writes:
                return self.refusal(
                    f"{name} changes files in the workspace and this server was started "
                    "without --allow-writes — restart it with `siliconcrew mcp --allow-writes` "
                    "to allow file changes"
                )
            call = api.call_tool(
                name,
                arguments,
                self.workspace,
                settings=self.settings,
                progress=progress,
                cancel=cancel,
            )
            # A refusal (path outside the workspace, bad input, no sandbox) or a broken tool
            # is an error; a design that fails the check (a syntax error) is a normal result.
            return self.result(
                call.model_dump(mode="json"), is_error=not call.ok and call.failure != "check"
            )
        except SiliconCrewError as exc:
            return self.refusal(exc.one_line())

    async def call(self, ctx: Any, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        token = CancelToken()
        loop = anyio.lowlevel.current_token()
        lock = threading.Lock()
        worker: list[int] = []
        count = 0

        def progress(step: str, state: str) -> None:
            # Called from the flow's thread and from a stage's log follower (its heartbeats):
            # the event loop's token lets both reach the session.
            nonlocal count
            if token.cancelled:
                if threading.get_ident() in worker:
                    raise Cancelled("cancelled")  # work outside the sandbox stops here
                return
            with lock:
                count += 1
                value = float(count)
            message = redact(f"{step}: {state}", self.secrets)
            try:
                anyio.from_thread.run(ctx.session.report_progress, value, None, message, token=loop)
            except Exception as exc:  # a client gone away must not break the flow
                log.debug("progress not sent: %s", exc)

        def work() -> types.CallToolResult:
            worker.append(threading.get_ident())
            return self.run_sync(name, arguments, progress, token)

        try:
            return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            # Kill the running command now (not from the event loop: stopping a container in
            # exec mode is a docker API call); the thread then raises Cancelled and unwinds.
            threading.Thread(target=token.cancel, name="mcp-cancel", daemon=True).start()
            raise


def _parse(model: type[BaseModel], name: str, arguments: dict[str, Any]) -> BaseModel:
    from pydantic import ValidationError

    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "input"
        raise UserInputError(
            f"{name}: bad input '{where}': {err['msg']}", "see the tool's input schema"
        ) from None


def build_server(opts: ServerOptions) -> Server:
    """The low-level MCP server for `opts` (not yet running)."""
    sc = SiliconCrewServer(opts)

    async def on_list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=sc.mcp_tools())

    async def on_call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        return await sc.call(ctx, params.name, dict(params.arguments or {}))

    async def on_list_resources(ctx, params) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=list_resources(sc.workspace))

    async def on_read_resource(
        ctx, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        return types.ReadResourceResult(
            contents=read_resource(sc.workspace, str(params.uri), sc.secrets)
        )

    server: Server = Server(
        "siliconcrew",
        version=__version__,
        title="SiliconCrew",
        description="RTL-to-GDS tools and flows in a sandbox",
        instructions=INSTRUCTIONS,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
        on_list_resources=on_list_resources,
        on_read_resource=on_read_resource,
    )
    server.siliconcrew = sc  # type: ignore[attr-defined]  # for tests and the CLI's banner
    return server


def serve_stdio(opts: ServerOptions) -> None:
    """Serve on stdin/stdout until the client closes them (what desktop clients spawn)."""
    from mcp.server.stdio import stdio_server

    server = build_server(opts)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def serve_http(
    opts: ServerOptions,
    host: str = "127.0.0.1",
    port: int = 8765,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve streamable HTTP at http://host:port/mcp until interrupted."""
    import uvicorn

    server = build_server(opts)
    app = server.streamable_http_app(host=host)
    if on_ready is not None:
        on_ready(f"http://{host}:{port}/mcp")
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run()
