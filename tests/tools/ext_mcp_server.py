"""A small MCP server written with the SDK's MCPServer (FastMCP), used as another team's
server in the tests: `python ext_mcp_server.py` (stdio) or `--http PORT`."""

from __future__ import annotations

import os
import sys

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("teamlab")


@server.tool()
def parity(bits: str) -> dict:
    """Parity of a string of 0s and 1s (1 when the count of 1s is odd)."""
    if set(bits) - {"0", "1"}:
        raise ToolError(f"not a bit string: {bits!r}")
    return {"bits": len(bits), "ones": bits.count("1"), "parity": bits.count("1") % 2}


@server.tool()
def repeat(text: str, times: int) -> str:
    """`text` repeated `times` times (an output longer than SiliconCrew passes on)."""
    return text * times


@server.tool()
def where_am_i() -> str:
    """The server's working folder and whether it sees a SiliconCrew workspace variable."""
    return f"cwd={os.getcwd()} secret={os.environ.get('OPENAI_API_KEY', '<none>')}"


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
