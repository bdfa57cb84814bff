"""`siliconcrew mcp`: serve the tools and flows to MCP clients (Claude Code, Cursor, VS Code)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import SandboxOpt, UnsafeOpt, app


@app.command("mcp")
def mcp_serve(
    workspace: Path = typer.Option(
        Path("."), "--workspace", "-w", help="the only folder tools may touch (default: the cwd)"
    ),
    http: bool = typer.Option(False, "--http", help="streamable HTTP instead of stdio"),
    host: str = typer.Option("127.0.0.1", "--host", help="HTTP address (with --http)"),
    port: int = typer.Option(8765, "--port", help="HTTP port (with --http)"),
    allow_writes: bool = typer.Option(
        False, "--allow-writes", help="serve write_file (changes design files)"
    ),
    sandbox: Optional[str] = SandboxOpt,
    unsafe_host: bool = UnsafeOpt,
):
    """Serve SiliconCrew's tools, flows and design resources over MCP (stdio by default)."""
    from siliconcrew.mcp import ServerOptions, serve_http, serve_stdio

    opts = ServerOptions(
        workspace=workspace, allow_writes=allow_writes, sandbox=sandbox, unsafe_host=unsafe_host
    )
    if not http:
        serve_stdio(opts)  # stdout is the protocol: nothing else may be printed there
        return
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write(
            f"warning: serving on {host} without authentication: anyone who "
            "reaches it can run the tools on this workspace\n"
        )

    def ready(url: str) -> None:
        sys.stderr.write(f"siliconcrew MCP server on {url} (workspace {workspace.resolve()})\n")
        sys.stderr.flush()

    serve_http(opts, host=host, port=port, on_ready=ready)
