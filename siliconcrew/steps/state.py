"""The one state schema of a run: what every step of the agent graph reads and updates
(LangGraph merges the updates; the reducers below append instead of replacing). Routing is
not state: steps return where the run goes next (`Update.goto`)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class CheckSummary(TypedDict, total=False):
    """A tool's verdict as the state keeps it (scalars only: the state is checkpointed)."""

    ok: bool
    summary: str
    metrics: dict[str, Any]  # LibreLane metric names → scalars
    artifacts: dict[str, str]  # name → path (workspace-relative)
    errors: list[dict[str, Any]]  # lint diagnostics (file, line, severity, message)
    failure: str | None  # input | check | tool | timeout | sandbox
    round: int  # the lint round of the RTL agent that produced it
    skipped: str  # why the check did not run
    evidence: str  # the failing lines, for the RTL agent


class HardenSummary(TypedDict, total=False):
    status: str  # ok | failed | ...
    outcome: str  # the repair loop's outcome (clean, send_back, exhausted, ...)
    metrics: dict[str, Any]
    artifacts: dict[str, str]
    failure_classes: list[str]
    send_back: dict[str, Any] | None  # {target: rtl|user, evidence: [...], message}
    attempts: int
    options: dict[str, Any]  # flow options in force (agent proposals, a timing recipe)
    repairs_tried: list[str | None]


class NodeRecord(TypedDict):
    node: str
    outcome: str
    duration_s: float


class RunState(TypedDict, total=False):
    plan: dict[str, Any]
    rtl_files: list[str]
    rtl_attempts: int
    # best-of-N (rtl: {candidates: N}): each attempt's candidates, groups and pick, with why
    rtl_candidates: Annotated[list[dict[str, Any]], operator.add]
    verify_attempts: int
    # a failing check's evidence from the waveform (agents/localise), one per failing attempt
    debug_evidence: Annotated[list[dict[str, Any]], operator.add]
    # agent-written testbench failures: testbench or RTL wrong, why, and any rewrite
    tb_adjudications: Annotated[list[dict[str, Any]], operator.add]
    harden_attempts: int
    evidence: str | None  # why the last check failed, for the RTL agent
    pending_fix: dict[str, Any] | None  # an RTL change made for `evidence`, not yet verified
    lint: CheckSummary
    verify: CheckSummary  # the golden (or agent-written) testbench
    synth: CheckSummary
    sta: CheckSummary
    equiv: CheckSummary
    timing: dict[str, Any]  # worst paths mapped to RTL with causes (timing analysis)
    timing_repair: dict[str, Any]  # the last repair report (attempts with WNS before/after)
    timing_attempts: Annotated[list[dict[str, Any]], operator.add]  # every attempt, all rounds
    # remembered recipes (knowledge base): the key, whether one was tried and closed
    # pre-layout, the closure held until the harden node confirms it, whether it was stored,
    # whether its failure was counted against it (demoted), memory_notes (skips, why)
    timing_memory: dict[str, Any]
    synth_recipe: dict[str, Any]  # synthesis knobs a repair verified; used by synth + harden
    clock_period_ns: float  # set only by an approved clock relaxation
    harden: HardenSummary
    harden_options: dict[str, Any]  # flow options proposed by the hardening agent
    integration: dict[str, Any]  # the integrate node: target, folder, each check's outcome
    status: str  # running | ok | failed | needs_llm | budget_exceeded | ...
    reason: str
    notes: Annotated[list[str], operator.add]
    # sub-modules written in parallel (one Send per planned module), merged by the reducer
    module_results: Annotated[list[dict[str, Any]], operator.add]
    module: dict[str, Any]  # the planned sub-module a fan-out branch writes (Send input)
    nodes: Annotated[list[NodeRecord], operator.add]
