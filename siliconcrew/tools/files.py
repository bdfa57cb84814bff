"""`read_file` / `write_file`: how agents read and change design files.

Writes stay inside the workspace, never touch protected files (the user's golden testbench
is read-only to agents), and keep the previous version under .siliconcrew/history/ so any
change can be undone.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import time

from pydantic import Field

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.workspace import SCRATCH_DIR
from siliconcrew.tools.base import Tool, ToolContext, ToolInput, ToolResult

MAX_FILE_BYTES = 2 * 1024 * 1024


class ReadFileInput(ToolInput):
    path: str = Field(description="file to read, relative to the workspace")
    max_bytes: int = Field(200_000, gt=0, le=MAX_FILE_BYTES)


class WriteFileInput(ToolInput):
    path: str = Field(description="file to write, relative to the workspace (e.g. rtl/top.v)")
    content: str = Field(description="the complete new file content")


class ReadFileTool(Tool[ReadFileInput]):
    name = "read_file"
    description = "Read a text file in the workspace"
    input_model = ReadFileInput

    def run(self, ctx: ToolContext, inp: ReadFileInput) -> ToolResult:
        start = time.perf_counter()
        path = ctx.resolve(inp.path)
        if not path.is_file():
            raise UserInputError(f"'{inp.path}' is not a file", "give a file path")
        data = path.read_bytes()[: inp.max_bytes]
        return ToolResult(
            tool=self.name,
            ok=True,
            summary=f"read {len(data)} bytes",
            metrics={
                "content": data.decode("utf-8", errors="replace"),
                "truncated": path.stat().st_size > inp.max_bytes,
            },
            duration_s=round(time.perf_counter() - start, 3),
        )


class WriteFileTool(Tool[WriteFileInput]):
    name = "write_file"
    description = "Write (create or replace) a text file in the workspace"
    input_model = WriteFileInput
    read_only = False

    def run(self, ctx: ToolContext, inp: WriteFileInput) -> ToolResult:
        start = time.perf_counter()
        path = ctx.resolve(inp.path, must_exist=False)
        rel = ctx.rel(path)
        if rel.split("/")[0] in (SCRATCH_DIR, "runs"):
            raise UserInputError(
                f"'{inp.path}' is in a folder SiliconCrew manages",
                "write design files (e.g. rtl/...) instead",
            )
        if path in ctx.protected:
            raise UserInputError(
                f"'{inp.path}' is a golden testbench file: read-only to agents",
                "write your own testbench under a new name",
            )
        data = inp.content.encode()
        if len(data) > MAX_FILE_BYTES:
            raise UserInputError(f"content too large ({len(data)} bytes)", "write smaller files")
        previous = None
        if path.exists():
            stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            hist = ctx.workspace / SCRATCH_DIR / "history" / f"{rel}.{stamp}"
            hist.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, hist)
            previous = ctx.rel(hist)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".sc-tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return ToolResult(
            tool=self.name,
            ok=True,
            summary=f"wrote {rel} ({len(data)} bytes)",
            artifacts={"file": rel, **({"previous": previous} if previous else {})},
            duration_s=round(time.perf_counter() - start, 3),
        )
