"""The step contract (LibreLane's Step is the model).

A step declares its `id`, the inputs it `needs`, the outputs it `makes` and the design.yaml
keys it reads (`config`); `run` takes the run context and a typed input and returns a typed
`StepResult`. A step keeps no state between runs, calls tools only through the context's one
traced wrapper (`RunContext.tool`) and starts no process itself. The check pipeline is the
list of steps without agents; the graph builds its nodes from the same steps.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from siliconcrew.steps.state import RunState
from siliconcrew.tools.base import ToolResult
from siliconcrew.tools.run_context import RunContext


class StepInput(BaseModel):
    """What every step may be given: the RTL to work on (design.yaml's when empty)."""

    model_config = ConfigDict(extra="forbid")
    rtl: list[str] = Field(default_factory=list)


class ToolRun(BaseModel):
    """One tool call of a step, or why it did not run."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    name: str  # the check's name in results.json (lint, simulate, ...)
    result: ToolResult | None = None
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.result is None or self.result.ok


class StepResult(BaseModel):
    """A step's outcome: its tool runs in order and the outputs it declared in `makes`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    step: str
    runs: list[ToolRun] = Field(default_factory=list)
    outputs: dict[str, Any] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.runs)

    def run(self, name: str) -> ToolRun | None:
        return next((r for r in self.runs if r.name == name), None)


class Step(ABC):
    id: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    makes: ClassVar[tuple[str, ...]] = ()
    config: ClassVar[tuple[str, ...]] = ()
    Input: ClassVar[type[StepInput]] = StepInput

    @abstractmethod
    def run(self, ctx: RunContext, inp: StepInput, on_check=None) -> StepResult:
        """Run the step. `on_check(name, status)` reports each tool call as it starts and
        ends ("running", "ok", "failed", "skipped: <why>") for progress displays."""


def report(on_check, name: str, status: str) -> None:
    if on_check is not None:
        on_check(name, status)


# -- steps of the agent graph ------------------------------------------------------------------
class Update(BaseModel):
    """What a graph step returns: its state update, a one-line outcome for the trace, and
    where the run goes next (`goto`: a step id; None = the graph's fixed edge). Routing is
    the step's decision, not a key left in the state for an edge function to read."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    state: dict[str, Any] = Field(default_factory=dict)
    outcome: str = "ok"
    goto: str | None = None
    fan_out: list[dict[str, Any]] | None = None  # run `goto` once per item, in parallel


class GraphStep(ABC):
    """A step of the agent graph: reads the run state (`steps/state.py`), returns an `Update`.

    It may ask the person at the keyboard through `ctx.ask` (the graph turns that into a
    LangGraph interrupt; a step that asks reruns from its start on resume, so everything it
    does before asking must be idempotent)."""

    id: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    makes: ClassVar[tuple[str, ...]] = ()
    config: ClassVar[tuple[str, ...]] = ()
    goes_to: ClassVar[tuple[str, ...]] = ()  # every step id `goto` may name

    @abstractmethod
    def update(self, ctx: RunContext, state: RunState) -> Update: ...
