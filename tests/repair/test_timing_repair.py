"""Timing repair (issue 6 §2): synthesis recipes, the verified repair loop, clock relaxation
only with approval, rejected fixes, and the recipe reaching qflow's own synthesis."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli

from siliconcrew.core.design import load_design
from siliconcrew.core.recipe import SynthRecipe
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.repair.timing.ladder import (
    RepairBudget,
    TimingRepair,
    relaxed_period,
    synthesis_ladder,
)
from siliconcrew.sandbox import open_sandbox
from siliconcrew.tools.base import ToolContext
from siliconcrew.tools.registry import execute, load_registry

ADD32 = """module add32 (input clk, input [31:0] a, input [31:0] b, output reg [32:0] s);
    reg [31:0] a_q, b_q;
    always @(posedge clk) begin
        a_q <= a;
        b_q <= b;
        s <= a_q + b_q;
    end
endmodule
"""


def local_factory(ws: Path, image: str | None = None):
    return open_sandbox(ws, SandboxSettings(backend="local"), quiet=True)


def copy_mac8(tmp_path: Path, period: float) -> Path:
    design = tmp_path / "mac8"
    shutil.copytree(
        EXAMPLES / "mac8", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    card = design / "design.yaml"
    # io_delay_pct 0: the periods below were calibrated with no I/O delay (with the default
    # 20 %, mac8's input -> multiplier path is the worst and 3 ns closes by prefix-adders
    # instead of abc-min-delay); these tests are about the repair loop, not I/O constraints.
    card.write_text(
        card.read_text().replace("period_ns: 20", f"period_ns: {period}, io_delay_pct: 0")
    )
    return design


class Session:
    """A repair session on a design folder with the real tools (local sandbox)."""

    def __init__(self, folder: Path) -> None:
        self.design, self.folder = load_design(folder)
        self.ctx = ToolContext(self.folder, local_factory)
        self.reg = load_registry(include_plugins=False)
        self.calls: list[str] = []

    def run_tool(self, name: str, inp: dict):
        self.calls.append(name)
        return execute(self.reg.get(name), inp, self.ctx)

    def repair(self, **budget) -> TimingRepair:
        return TimingRepair(
            self.design, self.run_tool, budget=RepairBudget(formal_timeout_s=10, **budget)
        )


# ------------------------------------------------------------------------------ recipes
def test_recipe_scripts():
    assert SynthRecipe().is_default and SynthRecipe().abc_script_text() is None
    r = SynthRecipe(
        abc_script="delay-target",
        abc_delay_ps=3000,
        gate_sizing=True,
        prefix_adders=True,
        retime=True,
    )
    assert r.abc_script_text() == (
        "+strash;dretime;retime,-o,-D,3000;map,-D,3000;buffer,-p;upsize,-D,3000;dnsize,-D,3000"
    )
    # qflow's default mapping, so the local engine's synthesis is unchanged by it
    assert (
        SynthRecipe(abc_script="min-delay").abc_script_text()
        == "+strash;scorr;ifraig;retime;strash;dch,-f;map,-M,1"
    )
    hl = r.high_level("top", True, {"prefix_lcu": "/w/prefix_lcu.v"})
    assert "synth -top top -flatten -run begin:fine" in hl
    assert 'techmap -autoproc -map +/techmap.v -map "/w/prefix_lcu.v"' in hl
    assert "abc -dff -script +strash;retime,-M,4,-o;map" in hl  # min-delay retiming
    ladder = dict(synthesis_ladder(3.0))
    assert list(ladder) == [
        "abc-min-delay",
        "abc-delay-target",
        "gate-sizing",
        "prefix-adders",
        "abc-script-search",
        "retiming",
    ]
    best = SynthRecipe(abc_script="min-delay", abc_delay_ps=3000)
    assert ladder["gate-sizing"](best)[0] == best.model_copy(update={"gate_sizing": True})
    assert ladder["gate-sizing"](SynthRecipe())[0].abc_script == "delay-target"
    search = ladder["abc-script-search"](best)
    assert len({c.abc_script_text() for c in search}) == 6 and best not in search
    assert ladder["retiming"](search[1])[0] == search[1].model_copy(update={"retime": True})
    assert relaxed_period(2.6, -0.2414) == 2.9  # (2.6 + 0.2414) * 1.02 = 2.898, up to 0.1
    assert relaxed_period(2.6, -0.2414, target_slack_ns=0.3) == 3.3  # 3.204 -> 3.3
    with pytest.raises(ValueError):
        SynthRecipe.model_validate({"abc_delay": 3000})  # a typo is an error, not ignored
    with pytest.raises(ValueError, match="need.*abc_delay_ps"):
        SynthRecipe(gate_sizing=True)  # sizing without a target means nothing


def test_prefix_adders_are_proven_equivalent_and_faster(tmp_path):
    (tmp_path / "add32.v").write_text(ADD32)
    ctx = ToolContext(tmp_path, local_factory)
    reg = load_registry(include_plugins=False)
    try:
        ws = {}
        for label, recipe in (
            ("ripple", SynthRecipe()),
            ("prefix", SynthRecipe(prefix_adders=True)),
        ):
            syn = execute(
                reg.get("synthesize"),
                {"files": ["add32.v"], "top": "add32", "recipe": recipe.model_dump()},
                ctx,
            )
            assert syn.ok, syn.summary
            sta = execute(
                reg.get("sta"),
                {
                    "netlist": syn.artifacts["netlist"],
                    "top": "add32",
                    "clock_port": "clk",
                    "clock_period_ns": 10,
                },
                ctx,
            )
            ws[label] = sta.metrics["timing__setup__ws"]
            eq = execute(
                reg.get("equivalence"),
                {
                    "files": ["add32.v"],
                    "top": "add32",
                    "netlist": syn.artifacts["netlist"],
                    "method": "formal",
                },
                ctx,
            )
            assert eq.ok and eq.metrics["equiv__method"] == "formal", eq.summary
        assert ws["prefix"] > ws["ripple"] + 0.5  # log2(32) levels instead of 32
    finally:
        ctx.close()


# ------------------------------------------------------------------------------ the loop
def test_repair_closes_mac8_without_touching_the_design(tmp_path):
    # 2.65 ns: with qflow's min-delay mapping (the checks' default for the qflow engine since
    # issue #19; at 3 ns mac8 now meets timing) mac8 misses by ~0.1 ns; Kogge-Stone adders
    # close it. No engine check here (its own tests), no knowledge base (the user's).
    design = copy_mac8(tmp_path, 2.65)
    before = {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in design.rglob("*") if p.is_file()
    }
    flags = ("--no-engine-check", "--no-memory")
    proc = run_cli(
        "timing", str(design), "--repair", "--json", "--sandbox", "local", *flags, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rep = json.loads(proc.stdout)
    assert rep["closed"] and rep["wns_before"] < 0 <= rep["wns_after"]
    assert rep["attempts"][0]["strategy"] == "abc-min-delay"  # = the baseline: no gain
    assert not rep["attempts"][0]["kept"] and rep["attempts"][0]["reason"] == "no improvement"
    att = [a for a in rep["attempts"] if a["kept"]][-1]
    assert att["strategy"] == rep["strategy"] == "prefix-adders"
    assert set(att["checks"]) == {"equivalence", "gate_level_testbench"}
    assert rep["recipe"]["abc_script"] == "min-delay" and rep["recipe"]["prefix_adders"]
    assert not rep["engine_checked"] and "pre-layout only" in rep["stopped"]
    assert not rep["llm_used"]
    saved = json.loads((design / "runs" / rep["run_id"] / "repair.json").read_text())
    assert saved["wns_after"] == rep["wns_after"]
    after = {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in design.rglob("*")
        if p.is_file() and p in before
    }
    assert after == before  # repairs are proposals: design files are not rewritten
    # the human-readable form tells the user what to put in design.yaml
    proc = run_cli("timing", str(design), "--repair", "--sandbox", "local", *flags, timeout=600)
    assert proc.returncode == 0 and "prefix_adders: true" in proc.stdout


def test_design_that_meets_timing_is_left_alone(tmp_path):
    s = Session(copy_mac8(tmp_path, 20))
    try:
        rep = s.repair().run(approve_clock=lambda old, new: pytest.fail("must not ask"))
    finally:
        s.ctx.close()
    assert rep.closed and rep.attempts == [] and rep.wns_before >= 0
    assert "already met" in rep.stopped and rep.recipe == {}
    assert s.calls == ["synthesize", "sta"]  # no strategy ran


def test_clock_relaxation_only_with_approval(tmp_path):
    s = Session(copy_mac8(tmp_path, 2.0))
    try:
        asked: list[tuple[float, float]] = []
        rep = s.repair(max_attempts=1).run(
            approve_clock=lambda old, new: asked.append((old, new)) or False
        )
        assert not rep.closed and rep.final_period_ns == 2.0
        assert [a.strategy for a in rep.attempts] == ["abc-min-delay"]
        assert asked and asked[0][0] == 2.0 and asked[0][1] > 2.0
        assert f"{asked[0][1]:g} ns clock (relaxation not approved)" in rep.stopped
        rep = s.repair(max_attempts=1).run(approve_clock=lambda old, new: True)
        assert rep.closed and rep.final_period_ns == asked[0][1]
        relax = rep.attempts[-1]
        assert relax.kind == "clock" and relax.kept and relax.wns_after >= 0
        assert rep.strategy.endswith("relax-clock")
    finally:
        s.ctx.close()


def test_an_rtl_fix_that_breaks_the_testbench_is_rejected(tmp_path):
    design = copy_mac8(tmp_path, 2.0)
    src = (design / "rtl" / "mac8.v").read_text()
    # faster (the accumulator add is gone) and wrong
    (design / "rtl" / "broken.v").write_text(
        src.replace("acc + {4'd0, product}", "{4'd0, product}")
    )
    s = Session(design)
    seen: list[dict] = []

    def rewrite(evidence: dict, n: int):
        seen.append(evidence)
        return ["rtl/broken.v"] if n == 1 else None

    try:
        rep = s.repair(max_attempts=8).run(rewrite=rewrite)
    finally:
        s.ctx.close()
    rtl_att = [a for a in rep.attempts if a.kind == "rtl"]
    assert len(rtl_att) == 1 and not rtl_att[0].kept
    assert rtl_att[0].reason.startswith("rejected: testbench")
    assert rep.rtl == ["rtl/mac8.v"] and not rep.closed and rep.llm_used
    assert seen[0]["wns"] == rep.wns_after and seen[0]["period_ns"] == 2.0
    assert rep.stopped == "the RTL rewriter gave up"


def test_a_netlist_that_differs_from_the_rtl_is_rejected(tmp_path):
    design = copy_mac8(tmp_path, 3.0)
    s = Session(design)
    try:
        repair = s.repair()
        ev = repair.evaluate(
            ["rtl/mac8.v"], SynthRecipe(abc_script="delay-target", abc_delay_ps=3000), 3.0
        )
        assert ev.ok and ev.netlist
        good = repair.check_netlist(["rtl/mac8.v"], ev.netlist)
        assert isinstance(good, dict) and "gate_level_testbench" in good
        path = design / ev.netlist
        text = path.read_text()
        assert re.search(r"\bXOR2X1\b", text)
        path.write_text(re.sub(r"\bXOR2X1\b", "XNOR2X1", text, count=1))  # one wrong gate
        verdict = repair.check_netlist(["rtl/mac8.v"], ev.netlist)
    finally:
        s.ctx.close()
    assert isinstance(verdict, str) and verdict.startswith(("equivalence", "gate-level"))


# ------------------------------------------------------------------------------ hardening
def test_recipe_reaches_qflow_synthesis(tmp_path):
    from siliconcrew.steps.harden import harden

    design = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    card = design / "design.yaml"
    card.write_text(
        card.read_text() + "synthesis: {abc_script: delay-target, abc_delay_ps: 5000, "
        "prefix_adders: true}\n"
    )
    rep = harden(design, local_factory, max_repairs=0)
    flow = Path(rep.result.run_dir)
    pv = (flow / "project_vars.sh").read_text()
    assert 'set abc_script = "+strash;dretime;retime,-o,-D,5000;map,-D,5000"' in pv
    script = re.search(r"set yosys_script = (\S+)", pv).group(1)
    assert script.endswith("recipe/high_level.ys")
    ys = (flow / "recipe" / "high_level.ys").read_text()
    assert "prefix_lcu.v" in ys and (flow / "recipe" / "prefix_lcu.v").is_file()
    synth_log = (flow / "log" / "synth.log").read_text(errors="replace")
    assert "_80_lcu_kogge_stone" in synth_log  # qflow's yosys really used our carry tree
    assert rep.status == "ok", rep.outcome
    assert rep.result.metrics.get("gl_sim__passed") is True  # and the chip still works
