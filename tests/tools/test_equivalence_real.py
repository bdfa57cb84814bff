"""Equivalence verdicts on corpus designs that fooled it (real yosys, iverilog, osu018 cells).

- tristate_bus: two `assign data = en ? r : 8'bz;` drivers on an inout bus. Synthesis made the
  bus `assign data = 8'h00` (0 cells) and the formal check "proved" that equivalent (yosys'
  SAT has no z). Now the drivers are TBUFX1 cells, no proof is claimed, and the random
  co-simulation, which compares z as a value, is what decides.
- async_fifo: two clocks (wclk, rclk) and two async resets. The co-simulation drove rclk and
  rrstn like data, in the same time step as the other inputs, and RTL and gate-level sims
  ordered that race differently: a false "NOT equivalent". Now every clock has its own slot.
"""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import REPO

CORPUS = REPO / "benchmarks" / "corpus"

CONSTANT_BUS = """module tristate_bus(clk, rst_n, we, re, sel, data);
  input clk;
  input rst_n;
  input we;
  input re;
  input sel;
  inout [7:0] data;
  assign data = 8'h00;
endmodule
"""


def _copy(tmp_path, name):
    ws = tmp_path / name
    shutil.copytree(CORPUS / name, ws, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    return ws


def _synth(ctx, run_tool, files, top):
    r = run_tool(ctx, "synthesize", {"files": files, "top": top})
    assert r.ok, r.summary
    return r


@pytest.fixture
def tristate(tmp_path, tool_ctx, run_tool):
    ws = _copy(tmp_path, "tristate_bus")
    ctx = tool_ctx(ws)
    return ws, ctx, _synth(ctx, run_tool, ["rtl/tristate_bus.v"], "tristate_bus")


def _equiv(ctx, run_tool, netlist, method="auto", **kw):
    inp = {
        "files": ["rtl/tristate_bus.v"],
        "top": "tristate_bus",
        "netlist": netlist,
        "clock_port": "clk",
        "method": method,
        "sim_cycles": 1000,
        **kw,
    }
    return run_tool(ctx, "equivalence", inp)


def test_tristate_bus_is_mapped_to_tristate_buffers(tristate):
    ws, _, synth = tristate
    cells = synth.metrics["synth__cells_by_type"]
    assert synth.metrics["design__instance__count"] > 8
    assert cells.get("TBUFX1", 0) + cells.get("TBUFX2", 0) == 8  # one per bus bit, merged
    assert synth.metrics["synth__unmapped__count"] == 0
    assert synth.metrics["synth__multiple_driver__count"] == 0
    netlist = (ws / synth.artifacts["netlist"]).read_text()
    assert not re.search(r"assign\s+data\s*=\s*8'h00", netlist)
    assert "inout [7:0] data" in netlist


def test_tristate_bus_verdict_is_simulation_not_a_proof(tristate, run_tool):
    _, ctx, synth = tristate
    r = _equiv(ctx, run_tool, synth.artifacts["netlist"])
    assert r.ok, r.summary
    assert r.metrics["equiv__method"] == "simulation"
    assert r.metrics["equiv__compared"] > 900 and r.metrics["equiv__mismatches"] == 0
    assert "not a proof" in r.summary and "z (tri-state)" in r.summary
    assert not r.summary.startswith("equivalent")
    # Formal only: it says why it cannot prove anything, and is not a pass.
    f = _equiv(ctx, run_tool, synth.artifacts["netlist"], method="formal")
    assert not f.ok and f.failure == "check"
    assert f.summary.startswith("not proven") and "tri-state" in f.summary
    assert f.metrics["equiv__proven"] == 0


def test_constant_bus_netlist_is_not_equivalent(tristate, run_tool):
    """The netlist the old flow produced (bus tied to 0) must never pass."""
    ws, ctx, _ = tristate
    (ws / "const.v").write_text(CONSTANT_BUS)
    r = _equiv(ctx, run_tool, "const.v")
    assert not r.ok and r.failure == "check", r.summary
    assert r.summary.startswith("NOT equivalent") and r.metrics["equiv__mismatches"] > 0
    assert any(d.code == "mismatch" and "data" in d.message for d in r.diagnostics)
    assert any(d.code == "inout" for d in r.diagnostics)
    f = _equiv(ctx, run_tool, "const.v", method="formal")
    assert (
        not f.ok
        and "equivalent:" not in f.summary
        and "proven" not in f.summary.replace("not proven", "")
    )


def test_always_driving_netlist_is_not_equivalent(tristate, run_tool):
    """Tri-state buffers replaced by plain inverters (what yosys' own model of TBUFX1 is):
    the values are right whenever the RTL drives, wrong when it releases the bus."""
    ws, ctx, synth = tristate
    text = (ws / synth.artifacts["netlist"]).read_text()
    always_on = re.sub(
        r"TBUFX1 (\S+) \(\s*\.A\(([^)]*)\),\s*\.EN\([^)]*\),\s*\.Y\(([^)]*)\)",
        r"INVX1 \1 (.A(\2), .Y(\3)",
        text,
    )
    assert always_on.count("INVX1") > text.count("INVX1")
    (ws / "always_on.v").write_text(always_on)
    r = _equiv(ctx, run_tool, "always_on.v")
    assert not r.ok and r.summary.startswith("NOT equivalent"), r.summary


@pytest.fixture
def fifo(tmp_path, tool_ctx, run_tool):
    ws = _copy(tmp_path, "async_fifo")
    ctx = tool_ctx(ws)
    return ws, ctx, _synth(ctx, run_tool, ["rtl/asyn_fifo.v"], "asyn_fifo")


def _fifo_equiv(ctx, run_tool, netlist):
    return run_tool(
        ctx,
        "equivalence",
        {
            "files": ["rtl/asyn_fifo.v"],
            "top": "asyn_fifo",
            "netlist": netlist,
            "clock_port": "wclk",
            "method": "simulation",
            "sim_cycles": 2000,
        },
    )


def test_two_clock_fifo_gets_no_false_mismatch(fifo, run_tool):
    _, ctx, synth = fifo
    r = _fifo_equiv(ctx, run_tool, synth.artifacts["netlist"])
    assert r.ok, r.summary
    assert r.metrics["equiv__sim_clocks"] == ["wclk", "rclk"]
    assert r.metrics["equiv__sim_resets"] == {"rrstn": 0, "wrstn": 0}  # from the RTL
    assert r.metrics["equiv__compared"] > 4000 and r.metrics["equiv__mismatches"] == 0


def test_broken_two_clock_netlist_is_still_caught(fifo, run_tool):
    ws, ctx, synth = fifo
    text = (ws / synth.artifacts["netlist"]).read_text()
    broken = re.sub(r"^(\s+)XOR2X1(\s)", r"\1XNOR2X1\2", text, count=1, flags=re.M)
    assert broken != text
    (ws / "broken.v").write_text(broken)
    r = _fifo_equiv(ctx, run_tool, "broken.v")
    assert not r.ok and r.failure == "check"
    assert r.summary.startswith("NOT equivalent") and r.metrics["equiv__mismatches"] > 0
    # The counterexample replays the same mismatch.
    script = ws / r.artifacts["counterexample_script"]
    replay = ctx.sandbox.run(
        ["sh", ctx.sandbox.inside(script)], cwd=ws, timeout_s=120, log_name="replay"
    )
    first = next(d.message for d in r.diagnostics if d.code == "mismatch")
    assert first in replay.output


CASE_Z = """module case_z(input [1:0] s, input [3:0] a, input [3:0] b, output reg [3:0] y);
  always @* case (s) 2'd0: y = a; 2'd1: y = b; default: y = 4'bz; endcase
endmodule
"""


def test_z_that_synthesis_cannot_map_is_warned_and_not_equivalent(tmp_path, tool_ctx, run_tool):
    """`tribuf` reads muxes only: a case statement's z becomes logic. Synthesis says so and the
    equivalence check does not call the result equivalent (before, its co-simulation skipped
    the RTL's z like an X and reported "no mismatch")."""
    ws = tmp_path / "case_z"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "case_z.v").write_text(CASE_Z)
    ctx = tool_ctx(ws)
    synth = _synth(ctx, run_tool, ["rtl/case_z.v"], "case_z")
    assert any(d.code == "tri-state-lost" for d in synth.diagnostics), synth.diagnostics
    r = run_tool(
        ctx,
        "equivalence",
        {
            "files": ["rtl/case_z.v"],
            "top": "case_z",
            "netlist": synth.artifacts["netlist"],
            "sim_cycles": 500,
        },
    )
    assert not r.ok and r.summary.startswith("NOT equivalent"), r.summary
    assert "rtl=z" in r.diagnostics[0].message


# ------------------------------------------------------------------ include dirs (acc_cpu)
DEFS_TOP = """`include "widths.vh"
module inc_top (input clk, input rst_n, input [`W-1:0] d, output reg [`W-1:0] q);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= 0; else q <= d ^ `MASK;
endmodule
"""


def test_equivalence_reads_the_rtl_with_its_include_dirs(tmp_path, tool_ctx, run_tool):
    """design.yaml's include_dirs reach the equivalence check as they reach lint, simulate and
    synthesize: `include "widths.vh"` from inc/ used to stop the check ("Include file
    widths.vh not found") on RTL that synthesized fine."""
    ws = tmp_path / "inc"
    (ws / "rtl").mkdir(parents=True)
    (ws / "inc").mkdir()
    (ws / "inc" / "widths.vh").write_text("`define W 6\n`define MASK 6'h2a\n")
    (ws / "rtl" / "inc_top.v").write_text(DEFS_TOP)
    ctx = tool_ctx(ws)
    s = run_tool(
        ctx, "synthesize", {"files": ["rtl/inc_top.v"], "top": "inc_top", "include_dirs": ["inc"]}
    )
    assert s.ok, s.summary
    for method in ("formal", "simulation"):
        e = run_tool(
            ctx,
            "equivalence",
            {
                "files": ["rtl/inc_top.v"],
                "top": "inc_top",
                "netlist": s.artifacts["netlist"],
                "include_dirs": ["inc"],
                "clock_port": "clk",
                "method": method,
                "sim_cycles": 200,
            },
        )
        assert e.ok, (method, e.summary)


def test_include_beside_the_including_file_in_a_sub_folder(tmp_path, tool_ctx, run_tool):
    """acc_cpu: rtl/core/alu-unit.v includes opcodes.vh from rtl/core/ (include_dirs:
    [rtl/core]); yosys finds it next to the file, iverilog only through -I, so the
    equivalence co-simulation did not compile."""
    ws = _copy(tmp_path, "acc_cpu")
    ctx = tool_ctx(ws)
    files = ["rtl/CPU_Top.v", "rtl/core/alu-unit.v", "rtl/core/Decoder.v", "rtl/mem/prog_rom.v"]
    s = run_tool(
        ctx, "synthesize", {"files": files, "top": "CPU_Top", "include_dirs": ["rtl/core"]}
    )
    assert s.ok, s.summary
    e = run_tool(
        ctx,
        "equivalence",
        {
            "files": files,
            "top": "CPU_Top",
            "netlist": s.artifacts["netlist"],
            "include_dirs": ["rtl/core"],
            "clock_port": "CLK",
            "method": "simulation",
            "sim_cycles": 500,
        },
    )
    assert "did not compile" not in e.summary, e.summary
    assert e.ok, e.summary
