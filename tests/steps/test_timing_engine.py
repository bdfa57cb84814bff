"""Issue #19 item 3: the engine's word on a timing-repair candidate (real qflow, local
sandbox): post-route WNS from backanno and the testbench on the post-route netlist."""

from __future__ import annotations

import shutil
from pathlib import Path

from siliconcrew.core.design import load_design
from siliconcrew.core.recipe import SynthRecipe
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.sandbox import open_sandbox
from siliconcrew.steps.timing_engine import engine_checker

MUL8 = Path(__file__).resolve().parents[1] / "fixtures" / "mul8v"


def local_factory(ws: Path, image: str | None = None):
    return open_sandbox(ws, SandboxSettings(backend="local"), quiet=True)


def test_engine_check_reports_post_route_timing_and_testbench(tmp_path):
    folder = tmp_path / "mul8v"
    shutil.copytree(MUL8, folder)
    design, folder = load_design(folder)
    check = engine_checker(design, folder, local_factory)
    assert check is not None
    verdict = check(list(design.rtl), SynthRecipe(abc_script="min-delay"), 6.0)
    assert verdict.ok and verdict.gl_sim, verdict.summary
    assert verdict.wns is not None and 0 < verdict.wns < 6.0
    assert "post-route WNS" in verdict.summary and "passes" in verdict.summary
    run = folder / "runs" / str(verdict.run_id) / "harden"
    stages = (run / "attempt-0" / "stages.json").read_text()
    assert '"backanno"' in stages and '"gl_sim"' in stages and '"drc"' not in stages
    # a clock the routed design cannot meet: the same check says so with the engine's figure
    tight = check(list(design.rtl), SynthRecipe(abc_script="min-delay"), 1.0)
    assert not tight.ok and tight.wns is not None and tight.wns < 0
    nothing = design.model_copy(update={"flow": design.flow.model_copy(update={"engine": "x"})})
    assert engine_checker(nothing, folder, local_factory) is None  # no engine check here
