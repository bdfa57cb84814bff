"""The hardening engine's word on a timing repair (issue #19, item 3).

Pre-layout OpenSTA is not post-route vesta: a recipe that meets the clock on the synthesized
netlist can miss it once qflow has placed, buffered and routed it (and the other way round).
So before the repair ladder claims closure, the candidate (its RTL and recipe) goes through
the engine: qflow's own synthesis with the recipe, placement, STA, routing and post-route
STA with extracted parasitics (`backanno`), then the design's testbench on the post-route
netlist (`gl_sim`). DRC/LVS/GDS are left to the hardening that follows: they do not decide
timing. Only the qflow engine can run here (LibreLane needs OpenROAD): for other engines
there is no check and the ladder says its closure is pre-layout only.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from siliconcrew.core.design import Design
from siliconcrew.core.recipe import SynthRecipe
from siliconcrew.repair.timing.ladder import EngineCheck, EngineVerdict
from siliconcrew.sandbox.base import Sandbox

ENGINES_CHECKED = ("qflow",)


def post_route_wns(stages: list[Any]) -> float | None:
    """The setup WS of the last timing stage that reported one (backanno after routing)."""
    for name in ("backanno", "sta"):
        for st in stages:
            if st.name == name and st.status == "ok" and "timing__setup__ws" in st.metrics:
                return float(st.metrics["timing__setup__ws"])
    return None


def engine_checker(
    design: Design,
    folder: Path,
    sandbox_factory: Any,
    sandbox: Sandbox | None = None,
) -> EngineCheck | None:
    """A check that hardens a candidate through post-route timing and the post-route
    testbench; None when the design's engine cannot run here."""
    if design.flow.engine not in ENGINES_CHECKED:
        return None

    def check(rtl: list[str], recipe: SynthRecipe, period_ns: float) -> EngineVerdict:
        from siliconcrew.steps.harden import HardenReport, harden

        t0 = time.perf_counter()
        d = design.model_copy(
            update={"clock": design.clock.model_copy(update={"period_ns": period_ns})}
        )
        common: dict[str, Any] = {
            "design": d,
            "sandbox": sandbox,
            "rtl": rtl,
            "clock_period_ns": period_ns,
            "max_repairs": 0,
            "extra_options": {"synth_recipe": {} if recipe.is_default else recipe.model_dump()},
        }
        rep = harden(folder, sandbox_factory, to_stage="backanno", **common)
        assert isinstance(rep, HardenReport)
        wns = post_route_wns(rep.result.stages)
        failed = [s for s in rep.result.stages if s.status == "failed"]
        if failed:
            return EngineVerdict(
                ok=False,
                wns=wns,
                summary=f"qflow {failed[0].name} failed: {failed[0].summary}"[:300],
                run_id=rep.run_id,
                wall_s=round(time.perf_counter() - t0, 1),
            )
        gl = harden(folder, sandbox_factory, from_stage="gl_sim", run_id=rep.run_id, **common)
        assert isinstance(gl, HardenReport)
        sim = next((s for s in gl.result.stages if s.name == "gl_sim"), None)
        passed = sim is not None and sim.status == "ok"
        met = wns is not None and wns >= 0
        summary = f"post-route WNS {wns} ns ({'met' if met else 'violated'}); " + (
            "testbench passes on the post-route netlist"
            if passed
            else f"post-route testbench: {sim.summary if sim else 'not run'}"
        )
        return EngineVerdict(
            ok=met and passed,
            wns=wns,
            gl_sim=passed,
            summary=summary[:300],
            run_id=rep.run_id,
            wall_s=round(time.perf_counter() - t0, 1),
        )

    return check
