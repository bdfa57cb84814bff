"""The agent graph: LangGraph wiring of the run's steps, nothing else.

planner → [module_rtl ×N] → rtl → verify → synth → (timing) → harden → (integrate) → report,
with bounded loops back to rtl when verification, timing or hardening needs an RTL change.
Each node is one `GraphStep` (steps/); the step returns its state update and where the run
goes next, which becomes a `Command(goto=...)` here (a fan-out becomes `Send`s). What the
steps may ask a person goes through a LangGraph interrupt. Nodes are idempotent up to their
last checkpoint (a node interrupted by a crash reruns from its start on resume); the SQLite
checkpointer lives in the run directory and `durability="sync"` (the runner) makes every
finished node survive a kill -9.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

from siliconcrew.agents.llm import BudgetExceeded, LLMError
from siliconcrew.steps.base import GraphStep, Update
from siliconcrew.steps.harden import HardenStep
from siliconcrew.steps.integrate import IntegrateGraphStep
from siliconcrew.steps.plan import PlanStep
from siliconcrew.steps.report import ReportStep
from siliconcrew.steps.rtl import ModuleRtlStep, RtlStep
from siliconcrew.steps.state import RunState
from siliconcrew.steps.synth import SynthGraphStep
from siliconcrew.steps.timing import TimingStep
from siliconcrew.steps.verify import VerifyStep
from siliconcrew.tools.run_context import RunContext

CHECKPOINT_DB = "checkpoints.sqlite"
STEPS: tuple[GraphStep, ...] = (
    PlanStep(),
    ModuleRtlStep(),
    RtlStep(),
    VerifyStep(),
    SynthGraphStep(),
    TimingStep(),
    HardenStep(),
    IntegrateGraphStep(),
    ReportStep(),
)
START_STEP = "planner"
# Fixed edges, for steps that do not choose (the fan-in of parallel sub-modules, the end).
EDGES = {"module_rtl": "rtl"}


def node(ctx: RunContext, step: GraphStep) -> Callable[..., Any]:
    """A LangGraph node for `step`: trace events around it, questions as interrupts, an LLM
    budget or endpoint failure as the run's status, the step's `goto` as a Command."""

    def run(state: RunState) -> Any:
        from langgraph.types import Command, Send

        ctx.run_dir.event("node_start", node=step.id)
        t0 = time.perf_counter()
        try:
            upd = step.update(ctx, state)
        except BudgetExceeded as exc:
            upd = Update(
                state={"status": "budget_exceeded", "reason": exc.one_line()},
                outcome="budget_exceeded",
                goto="report",
            )
        except LLMError as exc:
            upd = Update(
                state={"status": "failed", "reason": f"LLM: {exc.one_line()}"},
                outcome="failed",
                goto="report",
            )
        dt = round(time.perf_counter() - t0, 3)
        ctx.run_dir.event("node_end", node=step.id, outcome=upd.outcome, duration_s=dt)
        update = {
            **upd.state,
            "nodes": [{"node": step.id, "outcome": upd.outcome, "duration_s": dt}],
        }
        if upd.goto is None:
            return update
        goto: Any = upd.goto
        if upd.fan_out is not None:
            goto = [Send(upd.goto, item) for item in upd.fan_out]
        return Command(update=update, goto=goto)

    return run


def build_graph(ctx: RunContext, steps: tuple[GraphStep, ...] = STEPS):
    """The compiled graph over `steps` (tests pass fakes with the same ids) and its SQLite
    connection (the caller closes it)."""
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import interrupt

    ctx.ask = interrupt  # a step's question pauses the run (valid inside a node only)
    g = StateGraph(RunState)
    for step in steps:
        g.add_node(step.id, node(ctx, step), destinations=step.goes_to or None)
    g.add_edge(START, START_STEP)
    for src, dst in EDGES.items():
        g.add_edge(src, dst)
    g.add_edge("report", END)
    conn = sqlite3.connect(str(ctx.run_dir.path / CHECKPOINT_DB), check_same_thread=False)
    return g.compile(checkpointer=SqliteSaver(conn)), conn
