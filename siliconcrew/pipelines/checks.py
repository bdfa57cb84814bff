"""The check pipeline: the run's steps without agents — rtl (lint) → verify (the golden
testbench) → synth (synthesis, STA, equivalence).

What `siliconcrew check` (and `run` on RTL with no LLM) does before hardening. Each step is
the same `Step` the agent graph's nodes run; tool calls go through the run context's traced
wrapper; results and a trace land in runs/<run_id>/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.core.design import Design
from siliconcrew.core.rundir import RunDir
from siliconcrew.steps.base import StepResult, ToolRun
from siliconcrew.steps.rtl import LintStep
from siliconcrew.steps.synth import SynthInput, SynthStep
from siliconcrew.steps.verify import SimulateStep
from siliconcrew.tools.registry import Registry
from siliconcrew.tools.run_context import RunContext

CHECK_NAMES = ("lint", "simulate", "synthesize", "sta", "equivalence")


@dataclass
class CheckRun:
    run_dir: RunDir
    steps: list[ToolRun] = field(default_factory=list)
    harden: Any = None  # the HardenReport when hardening ran after the checks

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def warnings(self) -> list[str]:
        """Timing warnings that do not gate (a pre-layout hold violation: hold is signed off
        after CTS and routing, by the hardening engine)."""
        out = []
        for s in self.steps:
            m = s.result.metrics if s.result is not None and s.name == "sta" else {}
            if m.get("timing__hold__met") is False and s.ok:
                worst = m.get("timing__hold__worst_path") or {}
                path = " -> ".join(
                    str(worst.get(k, "?")).split(" (")[0] for k in ("startpoint", "endpoint")
                )
                out.append(
                    f"sta: pre-layout hold WNS {m.get('timing__hold__ws')} ns at "
                    f"{m.get('timing__hold_vio__count')} endpoint(s), worst {path}: "
                    "a warning, not a gate (ideal clocks; hold is signed off after CTS "
                    "and routing by the hardening engine)"
                )
        return out

    def to_dict(self) -> dict:
        return {
            "run_id": self.run_dir.run_id,
            "run_dir": str(self.run_dir.path),
            "ok": self.ok,
            "warnings": self.warnings,
            "steps": [
                {
                    "step": s.name,
                    "skipped": s.skipped,
                    "result": s.result.model_dump() if s.result else None,
                }
                for s in self.steps
            ],
        }


def run_checks(
    design: Design,
    folder: Path,
    registry: Registry,
    sandbox_factory,
    on_step: Callable[[str, str], None] | None = None,
    run_id: str | None = None,
    *,
    harden: bool = False,
    max_repairs: int = 3,
    harden_phase: str = "hardening",
) -> CheckRun:
    """The checks; with `harden`, when they pass, the harden step in the same run folder and
    the same sandbox (one container per run; design.yaml is not read again)."""
    run_dir = RunDir(folder, run_id)
    ctx = RunContext(
        design=design,
        folder=folder,
        run_dir=run_dir,
        registry=registry,
        sandbox_factory=sandbox_factory,
        tool_subdir="",
    )
    run = CheckRun(run_dir)

    def on_check(name: str, status: str) -> None:
        if status.startswith("skipped: "):
            run_dir.event("step_skipped", step=name, reason=status[len("skipped: ") :])
        if on_step:
            on_step(name, status)

    def add(result: StepResult) -> None:
        run.steps.extend(result.runs)

    try:
        run_dir.event("run_start", flow="checks", design=design.name)
        ctx.write_manifest()
        lint = LintStep().run(ctx, LintStep.Input(), on_check)
        add(lint)
        if not design.rtl:
            pass  # the RTL agent writes it (`run`); nothing else can be checked
        elif not lint.ok:
            run.steps.extend(ToolRun(name=n, skipped="lint failed") for n in CHECK_NAMES[1:])
        else:
            add(SimulateStep().run(ctx, SimulateStep.Input(), on_check))
            add(SynthStep().run(ctx, SynthInput(), on_check))
        run_dir.write_json("results.json", run.to_dict())
        run_dir.event("run_end", ok=run.ok)
        if harden and run.ok and design.rtl:
            from siliconcrew.steps.harden import harden as harden_flow

            if on_step:
                on_step(harden_phase, "running")
            report = harden_flow(
                folder,
                sandbox_factory,
                max_repairs=max_repairs,
                run_id=run_dir.run_id,
                progress=on_step,
                design=design,
                sandbox=ctx.tool_ctx.sandbox,
            )
            assert not isinstance(report, dict)  # not a dry run: a report, never a plan
            run.harden = report
    finally:
        ctx.close()
    return run
