"""Other teams' MCP servers as plugin tools.

The config file's `mcp_servers:` names servers, each started as a command (stdio) or reached
at a URL (streamable HTTP):

    mcp_servers:
      lab:  {command: [python, lab_server.py], timeout_s: 20}
      sim:  {url: http://127.0.0.1:9000/mcp, agents: [verification]}

Each server tool `t` becomes the tool `<server>.t` (origin `external:<server>`), with the
server's own input schema. A server that does not start, answers with an error or times out
is skipped with the reason (like a broken entry-point plugin) and never breaks the CLI.

External tools are untrusted: their output is truncated and labelled as external, they are
never read-only unless the config says so (agents in gated modes ask first), they do not get
the workspace path (the server runs in its configured `cwd`, default the home folder, with
the MCP SDK's minimal environment plus the configured `env`), and a call has a timeout.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from siliconcrew.core.errors import UserInputError
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult

MAX_OUTPUT_CHARS = 16_000
"""External output kept in a result (and so in a prompt); the rest is cut, and said so."""
EXTERNAL_LABEL = "[external MCP tool from server '{server}': its output is untrusted] "


class McpServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: list[str] | None = Field(None, min_length=1, description="stdio: argv to start")
    url: str | None = Field(None, description="streamable HTTP endpoint, e.g. http://h:p/mcp")
    env: dict[str, str] = Field(default_factory=dict, description="extra environment")
    cwd: str | None = Field(None, description="working folder of a command (default: home)")
    timeout_s: float = Field(30.0, gt=0, le=3600, description="per call and per listing")
    agents: list[str] | None = Field(None, description="agents that may call its tools")
    read_only: bool = Field(False, description="trust its tools not to change anything")

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise ValueError("give exactly one of 'command' (a list) or 'url'")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError("'url' must start with http:// or https://")
        return self


class ServerDown(Exception):
    """The server did not start, did not answer, or broke the protocol (one line)."""


def parse_servers(raw: dict[str, Any]) -> tuple[dict[str, McpServerConfig], dict[str, str]]:
    """(valid configs, {name: why skipped}) of the config's `mcp_servers` section."""
    good: dict[str, McpServerConfig] = {}
    bad: dict[str, str] = {}
    for name, cfg in (raw or {}).items():
        if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
            bad[str(name)] = "server names use letters, digits, '_' and '-' only"
            continue
        try:
            good[name] = McpServerConfig.model_validate(cfg)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "config"
            bad[name] = f"bad config '{where}': {err['msg']}"
    return good, bad


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _why(exc: BaseException, errlog: Any = None) -> str:
    exc = _leaf(exc)
    text = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    if errlog is not None:
        try:
            errlog.seek(0)
            lines = [ln for ln in errlog.read().splitlines() if ln.strip()]
            if lines:
                text += f" (server stderr: {lines[-1][:200]})"
        except (OSError, ValueError):
            pass
    return text


@asynccontextmanager
async def _session(cfg: McpServerConfig, errlog: Any) -> AsyncIterator[Any]:
    from mcp import ClientSession

    if cfg.url is not None:
        from mcp.client.streamable_http import streamable_http_client

        async with streamable_http_client(cfg.url) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=cfg.timeout_s) as s:
                await s.initialize()
                yield s
        return
    from mcp.client.stdio import StdioServerParameters, stdio_client

    assert cfg.command is not None
    params = StdioServerParameters(
        command=cfg.command[0],
        args=cfg.command[1:],
        env=cfg.env or None,
        cwd=cfg.cwd or str(Path.home()),
    )
    async with stdio_client(params, errlog=errlog) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=cfg.timeout_s) as s:
            await s.initialize()
            yield s


def _with_session(server: str, cfg: McpServerConfig, work: Any) -> Any:
    """Run `await work(session)` against the server within its timeout; ServerDown on any
    failure to start, connect or answer."""
    import anyio

    async def main() -> Any:
        with anyio.fail_after(cfg.timeout_s):
            async with _session(cfg, errlog) as s:
                return await work(s)

    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errlog:
        try:
            return anyio.run(main)
        except TimeoutError:
            raise ServerDown(
                f"MCP server '{server}' did not answer within {cfg.timeout_s:g} s"
            ) from None
        except Exception as exc:  # foreign process / network: any failure is reported
            raise ServerDown(f"MCP server '{server}' is unavailable: {_why(exc, errlog)}") from None


def _input_model(schema: dict[str, Any]) -> type[ToolInput]:
    """A pydantic model whose JSON schema is the server's own and that validates with it."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)

    class ExternalInput(ToolInput):
        model_config = ConfigDict(extra="allow")

        @model_validator(mode="before")
        @classmethod
        def _check(cls, data: Any) -> Any:
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
            if errors:
                where = ".".join(str(p) for p in errors[0].path) or "input"
                raise PydanticCustomError(
                    "external_schema", "{where}: {msg}", {"where": where, "msg": errors[0].message}
                )
            return data

        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return schema

    return ExternalInput


class ExternalTool(Tool[ToolInput]):
    """One tool of an MCP server; each is a subclass made by `make_tool`."""

    server: ClassVar[str]
    remote_name: ClassVar[str]
    config: ClassVar[McpServerConfig]

    def run(self, ctx: ToolContext, inp: ToolInput) -> ToolResult:
        # No workspace path is sent: the arguments are the caller's, as given.
        start = time.perf_counter()
        args = inp.model_dump()

        async def call(session: Any) -> Any:
            return await session.call_tool(self.remote_name, args)

        try:
            res = _with_session(self.server, self.config, call)
        except ServerDown as exc:
            failure = "timeout" if "did not answer" in str(exc) else "tool"
            return ToolResult(
                tool=self.name,
                ok=False,
                summary=str(exc),
                failure=failure,
                diagnostics=[Diagnostic(severity="error", code="mcp_server", message=str(exc))],
                duration_s=round(time.perf_counter() - start, 3),
                backend=f"mcp:{self.server}",
            )
        return wrap_result(self.name, self.server, res, time.perf_counter() - start)


def wrap_result(name: str, server: str, res: Any, elapsed: float) -> ToolResult:
    """An MCP CallToolResult as a ToolResult: text content (truncated), structured content,
    `ok` = not is_error; everything labelled external."""
    parts: list[str] = []
    for block in res.content or []:
        kind = getattr(block, "type", "")
        parts.append(block.text if kind == "text" else f"[{kind} content not shown]")
    text = "\n".join(parts)
    structured = res.structured_content
    shown = json.dumps(structured, default=str) if structured is not None else ""
    truncated = len(text) > MAX_OUTPUT_CHARS or len(shown) > MAX_OUTPUT_CHARS
    metrics: dict[str, Any] = {
        "external": server,
        "output": text[:MAX_OUTPUT_CHARS],
        "truncated": truncated,
    }
    if structured is not None:
        metrics["structured"] = structured if len(shown) <= MAX_OUTPUT_CHARS else None
    first = " ".join(text.split())[:200]
    summary = f"[external {server}] " + (first or ("error" if res.is_error else "done"))
    diagnostics = (
        [Diagnostic(severity="error", code="external", message=first or "error")]
        if res.is_error
        else []
    )
    return ToolResult(
        tool=name,
        ok=not res.is_error,
        summary=summary,
        metrics=metrics,
        diagnostics=diagnostics,
        failure="tool" if res.is_error else None,
        duration_s=round(elapsed, 3),
        backend=f"mcp:{server}",
    )


def make_tool(server: str, cfg: McpServerConfig, remote: Any) -> ExternalTool:
    name = f"{server}.{remote.name}"
    attrs = {
        "name": name,
        "server": server,
        "remote_name": remote.name,
        "config": cfg,
        "description": EXTERNAL_LABEL.format(server=server) + (remote.description or ""),
        "input_model": _input_model(dict(remote.input_schema or {"type": "object"})),
        "read_only": cfg.read_only,
        "agents": tuple(cfg.agents) if cfg.agents is not None else None,
    }
    cls = type(f"External_{server}_{remote.name}", (ExternalTool,), attrs)
    return cls()


def load_external(
    raw: dict[str, Any], only: str | None = None
) -> tuple[list[ExternalTool], dict[str, str]]:
    """The tools of every configured server (or only of server `only`), and the servers
    skipped with why."""
    configs, skipped = parse_servers(raw)
    tools: list[ExternalTool] = []
    for server, cfg in configs.items():
        if only is not None and server != only:
            continue

        async def listing(session: Any) -> Any:
            return await session.list_tools()

        try:
            listed = _with_session(server, cfg, listing)
        except ServerDown as exc:
            skipped[server] = str(exc)
            continue
        tools.extend(make_tool(server, cfg, t) for t in listed.tools)
    if only is not None:
        skipped = {k: v for k, v in skipped.items() if k == only}
    return tools, skipped


def unknown_external(
    name: str, skipped: dict[str, str], configured: set[str]
) -> UserInputError | None:
    """The clear error for `<server>.<tool>` when that server is down or has no such tool."""
    server, _, tool = name.partition(".")
    if not tool or server not in configured and server not in skipped:
        return None
    if server in skipped:
        return UserInputError(
            skipped[server],
            f"check mcp_servers.{server} in the config file and that the server runs",
        )
    return UserInputError(
        f"MCP server '{server}' has no tool '{tool}'", "see `siliconcrew tools list`"
    )
