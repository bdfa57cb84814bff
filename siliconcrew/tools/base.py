"""The tool contract: typed input, structured result, run through a sandbox.

Agents see a tool as (name, description, JSON schema of its input model) and get back a
`ToolResult`. Tools never import agents; they reach the world only through `ToolContext`,
which confines paths to the workspace and owns the sandbox.
"""

from __future__ import annotations

import abc
import datetime as _dt
import os
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from siliconcrew.core.workspace import resolve_inside
from siliconcrew.sandbox.base import ExecResult, Sandbox

Severity = Literal["error", "warning", "info"]
# Why a result is not ok: bad arguments; the design failed the check (syntax error, mismatch,
# timing violated, not equivalent); the tool itself broke; killed at the timeout; no sandbox.
Failure = Literal["input", "check", "tool", "timeout", "sandbox"]


class Diagnostic(BaseModel):
    """One finding from a tool, located in a workspace file when the tool said where."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    severity: Severity = "error"
    code: str | None = None
    message: str


class ToolResult(BaseModel):
    """What every tool returns; `failure` says why `ok` is false (None when ok)."""

    tool: str
    ok: bool
    summary: str
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    artifacts: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    log_path: str | None = None
    duration_s: float = 0.0
    backend: str | None = None
    failure: Failure | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


class ToolInput(BaseModel):
    """Base for tool inputs: unknown fields are refused so typos surface at once."""

    model_config = ConfigDict(extra="forbid")


class ToolContext:
    """Workspace, sandbox and output location for tool calls.

    The sandbox is opened lazily so listing tools or validating input never starts a container.
    """

    def __init__(
        self,
        workspace: Path,
        sandbox_factory,
        out_root: Path | None = None,
        protected: set[Path] | None = None,
    ) -> None:
        self.workspace = workspace.resolve()
        #: files agents may read but never write (the user's golden testbench)
        self.protected = {p.resolve() for p in (protected or set())}
        self._sandbox_factory = sandbox_factory
        self._sandbox: Sandbox | None = None
        self.out_root = out_root

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = self._sandbox_factory(self.workspace)
            # Golden testbenches are read-only to commands too, not only to agents' tools.
            self._sandbox.protect(self.protected)
        return self._sandbox

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    # paths -----------------------------------------------------------------------------------
    def resolve(self, path: str, *, must_exist: bool = True) -> Path:
        return resolve_inside(self.workspace, path, must_exist=must_exist)

    def rel(self, host_path: Path) -> str:
        """Workspace-relative path, without following symlinks: a log a command swapped for a
        symlink is still named by where it was, never by where it points."""
        return Path(os.path.abspath(host_path)).relative_to(self.workspace).as_posix()

    def job_dir(self, tool: str) -> Path:
        """A fresh output directory for one tool call (inside the workspace, sandbox-writable)."""
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"{tool}-{stamp}-{uuid.uuid4().hex[:6]}"
        if self.out_root is not None:
            path = self.out_root / name
            path.mkdir(parents=True, exist_ok=True)
            self.sandbox.make_writable(path)
            return path
        return self.sandbox.scratch_dir("jobs", name)

    def map_tool_path(self, path: str, cwd: Path | None = None) -> str:
        """Turn a path printed by a tool (sandbox-absolute or cwd-relative) into a workspace one."""
        host = (
            self.sandbox.to_host(path) if path.startswith("/") else ((cwd or self.workspace) / path)
        )
        if host is None:
            return path
        try:
            return self.rel(host)
        except ValueError:
            return path


InputT = TypeVar("InputT", bound=ToolInput)


class Tool(abc.ABC, Generic[InputT]):
    """A typed EDA tool. Subclasses set name/description/input_model and implement `run`.

    `Tool[XInput]` types `run`'s input as the model the registry validated it against.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    input_model: type[InputT]  # a class attribute (a ClassVar cannot hold a type variable)
    #: False when the tool changes design files (agents then need approval in gated modes).
    read_only: ClassVar[bool] = True
    #: Agents that may call it (planner, rtl, verification, timing, hardening); None = all.
    agents: ClassVar[tuple[str, ...] | None] = None

    @abc.abstractmethod
    def run(self, ctx: ToolContext, inp: InputT) -> ToolResult:
        """Run the tool; raise UserInputError for bad input, return ok=False for tool failures."""

    def schema(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": self.input_model.model_json_schema(),
        }

    # helpers for subclasses -----------------------------------------------------------------
    def exec(
        self,
        ctx: ToolContext,
        argv: list[str],
        cwd: Path,
        timeout_s: float | None,
        log_name: str,
        watch=(),
    ) -> ExecResult:
        return ctx.sandbox.run(argv, cwd=cwd, timeout_s=timeout_s, log_name=log_name, watch=watch)

    def result(
        self,
        ctx: ToolContext,
        *,
        ok: bool,
        summary: str,
        start: float,
        log: ExecResult | None = None,
        **kw: Any,
    ) -> ToolResult:
        return ToolResult(
            tool=self.name,
            ok=ok,
            summary=summary,
            log_path=ctx.rel(log.log_path) if log else kw.pop("log_path", None),
            duration_s=round(time.perf_counter() - start, 3),
            backend=ctx.sandbox.name,
            **kw,
        )
