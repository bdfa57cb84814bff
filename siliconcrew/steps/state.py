"""The one state schema of a run: what every step of the agent graph reads and updates
(LangGraph merges the updates; the reducers below append instead of replacing). Routing is
not state: steps return where the run goes next (`Update.goto`)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class RunState(TypedDict, total=False):
    plan: dict[str, Any]
    rtl_files: list[str]
    rtl_attempts: int
    verify_attempts: int
    harden_attempts: int
    evidence: str | None          # why the last check failed, for the RTL agent
    pending_fix: dict[str, Any] | None  # an RTL change made for `evidence`, not yet verified
    lint: dict[str, Any]
    verify: dict[str, Any]
    synth: dict[str, Any]
    sta: dict[str, Any]
    equiv: dict[str, Any]
    timing: dict[str, Any]        # worst paths mapped to RTL with causes (timing analysis)
    timing_repair: dict[str, Any]  # the last repair report (attempts with WNS before/after)
    timing_attempts: Annotated[list[dict[str, Any]], operator.add]  # every attempt, all rounds
    synth_recipe: dict[str, Any]  # synthesis knobs a repair verified; used by synth + harden
    clock_period_ns: float        # set only by an approved clock relaxation
    harden: dict[str, Any]
    harden_options: dict[str, Any]    # flow options proposed by the hardening agent
    status: str                   # running | ok | failed | needs_llm | budget_exceeded | ...
    reason: str
    notes: Annotated[list[str], operator.add]
    # sub-modules written in parallel (one Send per planned module), merged by the reducer
    module_results: Annotated[list[dict[str, Any]], operator.add]
    nodes: Annotated[list[dict[str, Any]], operator.add]
