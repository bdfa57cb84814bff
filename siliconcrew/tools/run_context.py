"""Everything nodes need that is not state: design, run directory, tools, LLM, limits.

Kept out of the checkpointed state on purpose (sandboxes and clients are not serialisable
and must be rebuilt on resume).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.core.design import Design
from siliconcrew.core.rundir import RunDir
from siliconcrew.tools.base import ToolContext, ToolResult
from siliconcrew.tools.registry import Registry, execute


@dataclass
class RunContext:
    design: Design
    folder: Path
    run_dir: RunDir
    registry: Registry
    sandbox_factory: Any
    llm: Any = None                 # LLMClient or None (no endpoint configured)
    approve: str = "auto"           # "auto" | "ask"
    max_iterations: int = 3
    max_repairs: int = 3
    engine: str | None = None
    relax_clock: bool = False       # timing repair may relax the clock without asking
    _tool_ctx: ToolContext | None = field(default=None, repr=False)

    @property
    def tool_ctx(self) -> ToolContext:
        if self._tool_ctx is None:
            steps = self.run_dir.path / "steps"
            steps.mkdir(parents=True, exist_ok=True)
            self._tool_ctx = ToolContext(
                self.folder, self.sandbox_factory, out_root=steps,
                protected={self.folder / t for t in self.design.testbench})
            self._tool_ctx.sandbox.make_writable(steps)
        return self._tool_ctx

    def tool(self, node: str, name: str, inp: dict[str, Any]) -> ToolResult:
        """Run a registry tool for a node, with trace events around it."""
        self.run_dir.event("tool_call", node=node, tool=name, input=inp)
        t0 = time.perf_counter()
        result = execute(self.registry.get(name), inp, self.tool_ctx)
        self.run_dir.event("tool_result", node=node, tool=name, ok=result.ok,
                           summary=result.summary, failure=result.failure,
                           duration_s=round(time.perf_counter() - t0, 3))
        return result

    def close(self) -> None:
        if self._tool_ctx is not None:
            self._tool_ctx.close()
            self._tool_ctx = None
