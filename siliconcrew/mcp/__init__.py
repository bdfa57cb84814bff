"""`siliconcrew mcp`: SiliconCrew's tools and flows served over the Model Context Protocol.

A front door like the CLI and chat: it parses MCP requests, calls `siliconcrew.api` and returns
the same typed results (as MCP structured content). Every path argument is confined to the
workspace; `write_file` is served only with `allow_writes`; secrets never reach a result.

    from siliconcrew.mcp import build_server, serve_stdio, serve_http
"""

from siliconcrew.mcp.server import ServerOptions, build_server, serve_http, serve_stdio

__all__ = ["ServerOptions", "build_server", "serve_http", "serve_stdio"]
