"""The deterministic check flow: lint → simulate → synthesize → STA → equivalence.

What `siliconcrew run` does today on a design that has RTL (no LLM needed). Each step is a
tool call through the same registry agents use; results and a trace land in runs/<run_id>/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from siliconcrew.design import Design
from siliconcrew.flows.run_dir import VERSION_PROBE, RunDir, parse_version_probe
from siliconcrew.tools.base import ToolContext, ToolResult
from siliconcrew.tools.registry import Registry, execute


@dataclass
class StepOutcome:
    step: str
    result: ToolResult | None
    skipped: str | None = None


@dataclass
class CheckRun:
    run_dir: RunDir
    steps: list[StepOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.result is None or s.result.ok for s in self.steps)

    @property
    def warnings(self) -> list[str]:
        """Timing warnings that do not gate (a pre-layout hold violation: hold is signed off
        after CTS and routing, by the hardening engine)."""
        out = []
        for s in self.steps:
            m = s.result.metrics if s.result is not None and s.step == "sta" else {}
            if m.get("timing__hold__met") is False and s.result.ok:
                worst = m.get("timing__hold__worst_path") or {}
                path = " -> ".join(str(worst.get(k, "?")).split(" (")[0]
                                   for k in ("startpoint", "endpoint"))
                out.append(f"sta: pre-layout hold WNS {m.get('timing__hold__ws')} ns at "
                           f"{m.get('timing__hold_vio__count')} endpoint(s), worst {path}: "
                           "a warning, not a gate (ideal clocks; hold is signed off after CTS "
                           "and routing by the hardening engine)")
        return out

    def to_dict(self) -> dict:
        return {"run_id": self.run_dir.run_id, "run_dir": str(self.run_dir.path), "ok": self.ok,
                "warnings": self.warnings,
                "steps": [{"step": s.step, "skipped": s.skipped,
                           "result": s.result.model_dump() if s.result else None}
                          for s in self.steps]}


def _sta_constraints(design: Design) -> dict:
    """The clock from design.yaml; with no `clock:` at all the design states no timing
    requirement (a combinational block), so its longest path is reported, not judged
    against an arbitrary virtual clock."""
    if design.states_timing():
        return design.clock.sta_constraints()
    return {**design.clock.sta_constraints(), "input_delay_ns": 0.0, "output_delay_ns": 0.0,
            "setup_gates": False}


def plan_steps(design: Design) -> list[tuple[str, str, dict | None, str | None]]:
    """(step, tool, input or None, reason skipped) for the design; netlist filled in later."""
    steps: list[tuple[str, str, dict | None, str | None]] = []
    if not design.rtl:
        return [("lint", "lint", None, "no RTL in design.yaml (the RTL agent writes it)")]
    lib = design.check_liberty()
    steps.append(("lint", "lint", {"files": design.rtl, "top": design.top,
                                   "include_dirs": design.include_dirs}, None))
    tb_top = design.testbench_top()
    if design.testbench:
        v = design.verification
        steps.append(("simulate", "simulate", {
            "files": design.rtl + design.testbench, "top": tb_top, "simulator": v.simulator,
            "timeout_s": v.timeout_s, "include_dirs": design.include_dirs,
            "pass_patterns": v.pass_patterns, "fail_patterns": v.fail_patterns}, None))
    else:
        steps.append(("simulate", "simulate", None, "no testbench in design.yaml"))
    steps.append(("synthesize", "synthesize", {"files": design.rtl, "top": design.top,
                                               "liberty": lib,
                                               "include_dirs": design.include_dirs,
                                               "recipe": design.synthesis.model_dump()}, None))
    # I/O delays and uncertainty from design.yaml's clock (LibreLane's convention); the sta
    # tool reports a pre-layout hold violation as a warning: hold is signed off post-route.
    steps.append(("sta", "sta", {"top": design.top, **_sta_constraints(design),
                                 "liberty": lib}, None))
    steps.append(("equivalence", "equivalence", {"files": design.rtl, "top": design.top,
                                                 "include_dirs": design.include_dirs,
                                                 "liberty": lib, "clock_port": design.clock.port,
                                                 "formal_timeout_s": 15}, None))
    return steps


def run_checks(design: Design, folder: Path, registry: Registry, sandbox_factory,
               on_step: Callable[[str, str], None] | None = None,
               run_id: str | None = None) -> CheckRun:
    run_dir = RunDir(folder, run_id)
    ctx = ToolContext(folder, sandbox_factory, out_root=run_dir.path)
    run = CheckRun(run_dir)
    try:
        run_dir.event("run_start", flow="checks", design=design.name)
        probe = ctx.sandbox.run(["bash", "-c", VERSION_PROBE], cwd=run_dir.path, timeout_s=60,
                                log_name="versions")
        run_dir.manifest(design=design.model_dump(), sandbox=ctx.sandbox.describe(),
                         tool_versions=parse_version_probe(probe.output))
        netlist: str | None = None
        for step, tool_name, inp, skipped in plan_steps(design):
            if inp is not None and tool_name in ("sta", "equivalence"):
                if netlist is None:
                    inp, skipped = None, "no netlist (synthesis failed)"
                else:
                    inp = {**inp, "netlist": netlist}
            if inp is None:
                run.steps.append(StepOutcome(step, None, skipped))
                run_dir.event("step_skipped", step=step, reason=skipped)
                if on_step:
                    on_step(step, f"skipped: {skipped}")
                continue
            if on_step:
                on_step(step, "running")
            run_dir.event("tool_call", step=step, tool=tool_name, input=inp)
            t0 = time.perf_counter()
            result = execute(registry.get(tool_name), inp, ctx)
            run_dir.event("tool_result", step=step, tool=tool_name, ok=result.ok,
                          summary=result.summary, duration_s=round(time.perf_counter() - t0, 3),
                          failure=result.failure)
            run.steps.append(StepOutcome(step, result))
            if on_step:
                on_step(step, "ok" if result.ok else "failed")
            if step == "synthesize" and result.ok:
                netlist = result.artifacts.get("netlist")
            if step == "lint" and not result.ok:
                for rest in ("simulate", "synthesize", "sta", "equivalence"):
                    run.steps.append(StepOutcome(rest, None, "lint failed"))
                break
        run_dir.write_json("results.json", run.to_dict())
        run_dir.event("run_end", ok=run.ok)
    finally:
        ctx.close()
    return run
