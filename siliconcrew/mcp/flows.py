"""The flows served as MCP tools: check, harden, timing, timing_repair, run, integrate,
kb_search, report.

Each has a pydantic input model (its JSON schema is the MCP input schema), the model of what
it returns (the MCP output schema) and a call into `siliconcrew.api`. Design and run folders
are paths relative to the workspace, confined to it like every tool path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from siliconcrew import api
from siliconcrew.api.results import (
    CheckResult,
    HardenResult,
    IntegrateResult,
    KbHit,
    ReportResult,
    RunResult,
    TimingRepairResult,
    TimingResult,
)
from siliconcrew.core.cancel import CancelToken
from siliconcrew.core.errors import UserInputError
from siliconcrew.core.workspace import resolve_inside

if TYPE_CHECKING:
    from siliconcrew.core.settings import Settings

ProgressFn = Callable[[str, str], None]


class FlowInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DesignInput(FlowInput):
    design: str = Field(
        ".", description="design folder (with design.yaml), relative to the workspace"
    )


class CheckInput(DesignInput):
    harden: bool = Field(True, description="go on to GDS when every check passed")
    max_repairs: int = Field(3, ge=0, le=10, description="hardening config repairs to try")


class HardenInput(DesignInput):
    from_stage: str | None = Field(None, description="continue the newest run from this stage")
    to_stage: str | None = Field(None, description="stop after this stage (status 'partial')")
    max_repairs: int = Field(3, ge=0, le=10)


class TimingInput(DesignInput):
    clock_period: float | None = Field(None, gt=0, description="ns; default: design.yaml's")
    top_paths: int = Field(5, ge=1, le=50)


class TimingRepairInput(DesignInput):
    clock_period: float | None = Field(None, gt=0)
    max_attempts: int = Field(8, ge=1, le=32)
    target_slack: float = Field(0.0, description="ns of setup slack to reach")


class RunInput(DesignInput):
    max_iterations: int = Field(3, ge=1, le=10)
    max_repairs: int = Field(3, ge=0, le=10)
    max_tokens: int | None = Field(None, gt=0)
    max_cost: float | None = Field(None, gt=0, description="USD")


class IntegrateInput(DesignInput):
    target: Literal["caravel", "tinytapeout"] = Field(description="the shuttle harness")
    base: int | str | None = Field(
        None,
        description="caravel: the Wishbone bridge's address, a number or text such as "
        "'0x30001000' (default 0x30000000)",
    )


class KbSearchInput(FlowInput):
    query: str = Field(description="an error message, a question, a tool's output line")
    k: int = Field(5, ge=1, le=50)
    mode: Literal["hybrid", "vector", "lexical"] = "hybrid"


class ReportInput(DesignInput):
    run: str | None = Field(
        None,
        description="run folder (runs/<id> of the design, relative "
        "to the workspace); default: the newest run",
    )


class KbHitsOut(BaseModel):
    """kb_search's hits (a JSON object: MCP structured content must be one)."""

    hits: list[KbHit] = Field(default_factory=list)


@dataclass(frozen=True)
class Flow:
    name: str
    description: str
    input_model: type[FlowInput]
    output_model: type[BaseModel]
    #: (workspace, input, settings, progress, cancel token) -> result
    call: Callable[[Path, Any, Settings, ProgressFn, CancelToken], BaseModel]
    read_only: bool = False


def design_dir(workspace: Path, design: str) -> Path:
    folder = resolve_inside(workspace, design)
    if not folder.is_dir() or not (folder / "design.yaml").is_file():
        raise UserInputError(
            f"'{design}' is not a design folder (no design.yaml)",
            "give a folder of the workspace that holds design.yaml",
        )
    return folder


def newest_run(folder: Path) -> Path | None:
    runs = folder / "runs"
    if not runs.is_dir():
        return None
    found = sorted(
        (
            p
            for p in runs.iterdir()
            if p.is_dir() and not p.name.startswith("chat-") and (p / "results.json").is_file()
        ),
        key=lambda p: p.name,
    )
    return found[-1] if found else None


def _check(
    ws: Path, inp: CheckInput, settings: Settings, progress: ProgressFn, cancel: CancelToken
) -> BaseModel:
    return api.check(
        design_dir(ws, inp.design),
        harden=inp.harden,
        max_repairs=inp.max_repairs,
        settings=settings,
        progress=progress,
        cancel=cancel,
    )


def _harden(
    ws: Path, inp: HardenInput, settings: Settings, progress: ProgressFn, cancel: CancelToken
) -> BaseModel:
    return api.harden(
        design_dir(ws, inp.design),
        from_stage=inp.from_stage,
        to_stage=inp.to_stage,
        max_repairs=inp.max_repairs,
        settings=settings,
        progress=progress,
        cancel=cancel,
    )


def _timing(
    ws: Path, inp: TimingInput, settings: Settings, progress: ProgressFn, cancel: CancelToken
) -> BaseModel:
    progress("timing", "running")
    res = api.timing(
        design_dir(ws, inp.design),
        clock_period=inp.clock_period,
        top_paths=inp.top_paths,
        settings=settings,
        cancel=cancel,
    )
    progress("timing", "ok" if res.met else "failed")
    return res


def _timing_repair(
    ws: Path, inp: TimingRepairInput, settings: Settings, progress: ProgressFn, cancel: CancelToken
) -> BaseModel:
    def on_attempt(attempt: Any) -> None:
        progress(
            "timing_repair",
            f"progress: {attempt.strategy} ({'kept' if attempt.kept else 'not kept'})",
        )

    return api.timing_repair(
        design_dir(ws, inp.design),
        clock_period=inp.clock_period,
        max_attempts=inp.max_attempts,
        target_slack=inp.target_slack,
        settings=settings,
        on_attempt=on_attempt,
        cancel=cancel,
    )


def _run(
    ws: Path, inp: RunInput, settings: Settings, progress: ProgressFn, cancel: CancelToken
) -> BaseModel:
    # Unattended: nobody can answer an approval prompt through MCP, so gates follow "auto".
    return api.run(
        design_dir(ws, inp.design),
        approve="auto",
        max_iterations=inp.max_iterations,
        max_repairs=inp.max_repairs,
        max_tokens=inp.max_tokens,
        max_cost=inp.max_cost,
        settings=settings,
        progress=progress,
        cancel=cancel,
    )


def _integrate(
    ws: Path, inp: IntegrateInput, settings: Settings, progress: ProgressFn, cancel: CancelToken
) -> BaseModel:
    return api.integrate(
        inp.target,
        design_dir(ws, inp.design),
        base=inp.base,
        settings=settings,
        progress=progress,
        cancel=cancel,
    )


def _kb_search(
    ws: Path, inp: KbSearchInput, settings: Settings, progress: ProgressFn, cancel: CancelToken
) -> BaseModel:
    hits = api.kb_search(inp.query, k=inp.k, mode=inp.mode)
    return KbHitsOut(hits=list(hits.root))


def _report(
    ws: Path, inp: ReportInput, settings: Settings, progress: ProgressFn, cancel: CancelToken
) -> BaseModel:
    if inp.run is not None:
        run_dir = resolve_inside(ws, inp.run)
    else:
        folder = design_dir(ws, inp.design)
        found = newest_run(folder)
        if found is None:
            raise UserInputError(f"no finished run in '{inp.design}'", "call check or run first")
        run_dir = found
    return api.report(run_dir)


FLOWS: list[Flow] = [
    Flow(
        "check",
        "Deterministic checks of a design (lint, simulate, synthesize, STA, "
        "equivalence), then hardening to GDS when they pass. No LLM. Progress per stage.",
        CheckInput,
        CheckResult,
        _check,
    ),
    Flow(
        "harden",
        "Take a design to GDS with its flow engine (qflow/osu018 here); failures "
        "are classified and the flow config repaired. Progress per stage.",
        HardenInput,
        HardenResult,
        _harden,
    ),
    Flow(
        "timing",
        "Synthesis + STA of a design: worst paths mapped to RTL lines and causes.",
        TimingInput,
        TimingResult,
        _timing,
    ),
    Flow(
        "timing_repair",
        "Try the no-LLM timing repairs (synthesis recipes), each checked by "
        "equivalence and the testbench; design files are never changed.",
        TimingRepairInput,
        TimingRepairResult,
        _timing_repair,
    ),
    Flow(
        "run",
        "The agent graph (plan, RTL, verify, synth, harden, report). Without an LLM "
        "configured on the server, designs with RTL still go to GDS and the result says "
        "which agents were skipped (status needs_llm for a spec-only design).",
        RunInput,
        RunResult,
        _run,
    ),
    Flow(
        "integrate",
        "Wrap a design for a shuttle harness (caravel: a caravel_user_project-shaped folder "
        "with a Wishbone register bridge; tinytapeout: a tt_um_ tile) under runs/<id>/"
        "integrate/<target>/, and check the wrapper (lint, the design's own testbench "
        "replayed through it, precheck rules). Refused when the design cannot fit the "
        "harness. Progress per check.",
        IntegrateInput,
        IntegrateResult,
        _integrate,
    ),
    Flow(
        "kb_search",
        "Search SiliconCrew's knowledge base (EDA error messages, fixes, verified insights).",
        KbSearchInput,
        KbHitsOut,
        _kb_search,
        read_only=True,
    ),
    Flow(
        "report",
        "Write (or rewrite) the self-contained HTML report of a run; returns its path.",
        ReportInput,
        ReportResult,
        _report,
    ),
]
