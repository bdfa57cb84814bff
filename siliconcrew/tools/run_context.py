"""Everything a run's steps, nodes and agents need that is not state: design, run directory,
tools, LLM, limits — and the one traced tool-call wrapper (`tool`) and manifest writer.

Kept out of the checkpointed graph state on purpose (sandboxes and clients are not
serialisable and must be rebuilt on resume). Lives in the tools layer because it only
composes tools and the run directory; agents, repairs and steps all receive it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.core.design import Design
from siliconcrew.core.rundir import VERSION_PROBE, RunDir, parse_version_probe
from siliconcrew.tools.base import ToolContext, ToolResult
from siliconcrew.tools.registry import Registry, execute


@dataclass
class RunContext:
    design: Design
    folder: Path
    run_dir: RunDir
    registry: Registry
    sandbox_factory: Any
    llm: Any = None  # LLMClient or None (no endpoint configured)
    approve: str = "auto"  # "auto" | "ask"
    max_iterations: int = 3
    max_repairs: int = 3
    engine: str | None = None
    relax_clock: bool = False  # timing repair may relax the clock without asking
    candidates: int | None = None  # best-of-N RTL answers (--candidates; None: design.yaml's)
    # Ask the person at the keyboard (a question payload → the answer). The agent graph sets
    # it to LangGraph's interrupt; None = nobody to ask (unattended).
    ask: Callable[[dict[str, Any]], Any] | None = field(default=None, repr=False)
    tool_subdir: str = "steps"  # tools' job folders under the run dir ("" = the run dir)
    _tool_ctx: ToolContext | None = field(default=None, repr=False)
    _kb: Any = field(default=None, repr=False)  # the knowledge base, opened on first use

    @property
    def tool_ctx(self) -> ToolContext:
        if self._tool_ctx is None:
            out = self.run_dir.path / self.tool_subdir if self.tool_subdir else self.run_dir.path
            out.mkdir(parents=True, exist_ok=True)
            self._tool_ctx = ToolContext(
                self.folder,
                self.sandbox_factory,
                out_root=out,
                protected={self.folder / t for t in self.design.golden_files()},
            )
            if self.tool_subdir:
                self._tool_ctx.sandbox.make_writable(out)
        return self._tool_ctx

    @property
    def rtl_candidates(self) -> int:
        """Answers per RTL attempt: --candidates, else design.yaml's rtl: {candidates: N}."""
        return self.candidates or self.design.rtl_options.candidates

    def tool(self, node: str, name: str, inp: dict[str, Any]) -> ToolResult:
        """Run a registry tool for a step/node, with trace events around it (the only place
        a tool call is traced)."""
        self.run_dir.event("tool_call", node=node, tool=name, input=inp)
        t0 = time.perf_counter()
        result = execute(self.registry.get(name), inp, self.tool_ctx)
        self.run_dir.event(
            "tool_result",
            node=node,
            tool=name,
            ok=result.ok,
            summary=result.summary,
            failure=result.failure,
            duration_s=round(time.perf_counter() - t0, 3),
        )
        return result

    def tool_fn(self, node: str):
        """`tool` bound to a node name: the `run_tool(name, input)` repairs take."""
        return lambda name, inp: self.tool(node, name, inp)

    def write_manifest(self, **extra: Any) -> None:
        """manifest.json: tool versions probed in the sandbox, the sandbox, the design, and
        whatever the caller adds (LLM settings, graph options)."""
        sb = self.tool_ctx.sandbox
        probe = sb.run(
            ["bash", "-c", VERSION_PROBE],
            cwd=self.tool_ctx.out_root,
            timeout_s=60,
            log_name="versions",
        )
        self.run_dir.manifest(
            design=self.design.model_dump(),
            sandbox=sb.describe(),
            tool_versions=parse_version_probe(probe.output),
            extra=extra or None,
        )

    def close(self) -> None:
        if self._tool_ctx is not None:
            self._tool_ctx.close()
            self._tool_ctx = None
