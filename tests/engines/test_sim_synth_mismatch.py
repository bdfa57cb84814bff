"""The gate-level stage runs the golden testbench on the RTL too, and says which one fails.

Real qflow runs (a few seconds each) of designs made to fail in each way: an RTL whose
simulation differs from its synthesis (sensitivity list; `initial` values), a testbench that
races the netlist at the clock edge, and a netlist one gate away from the RTL's. The
waveform comparison itself is checked on VCDs that iverilog writes.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from siliconcrew.core.settings import SandboxSettings
from siliconcrew.sandbox import open_sandbox
from siliconcrew.tools.vcd_compare import DUMP_FILE, DUMP_MODULE, compare_vcds, dump_module_source
from tests.conftest import run_cli

# y should be a & b, but the sensitivity list misses b: the RTL holds y when only b changes;
# yosys builds the AND gate, so the netlist passes.
ANDY_RTL = """module andy(input [3:0] a, input [3:0] b, output reg [3:0] y);
  always @(a) y = a & b;
endmodule
"""
ANDY_TB = """`timescale 1ns/1ps
module tb_andy;
  reg [3:0] a = 4'h0, b = 4'h0;
  wire [3:0] y;
  integer errors = 0;
  andy dut(.a(a), .b(b), .y(y));
  task check(input [3:0] exp);
    if (y !== exp) begin
      $display("ERROR: a=%h b=%h expected=%h, got=%h", a, b, exp, y);
      errors = errors + 1;
    end
  endtask
  initial begin
    #10 a = 4'hf; #1 check(4'h0);
    #10 b = 4'h5; #1 check(4'h5);   // only b changed
    #10 a = 4'h3; #1 check(4'h1);
    #10 if (errors == 0) $display("TEST PASSED"); else $display("TEST FAILED: %0d errors", errors);
    $finish;
  end
endmodule
"""
CNT4_RTL = """module cnt4(input clk, input rst, output reg [3:0] q);
  always @(posedge clk) if (rst) q <= 4'd0; else q <= q + 4'd1;
endmodule
"""
# Samples q right at the rising edge. `sample` = "" passes on both (the tb wakes before the
# netlist's flops update); "#0" passes on the RTL only: after #0 the netlist's flops have
# switched (active region), the RTL's nonblocking updates have not (NBA region comes later).
CNT4_TB = """`timescale 1ns/1ps
module tb_cnt4;
  reg clk = 0, rst = 1;
  wire [3:0] q;
  reg [3:0] model = 0;
  integer errors = 0, i;
  cnt4 dut(.clk(clk), .rst(rst), .q(q));
  always #5 clk = ~clk;
  initial begin
    DUMP
    @(negedge clk); @(negedge clk); rst = 0;
    for (i = 0; i < 20; i = i + 1) begin
      @(posedge clk) SAMPLE;
      if (q !== model) begin
        $display("ERROR: cycle %0d expected=%h, got=%h", i, model, q);
        errors = errors + 1;
      end
      model = model + 1;
    end
    if (errors == 0) $display("TEST PASSED"); else $display("TEST FAILED: %0d errors", errors);
    $finish;
  end
endmodule
"""
# A counter with no reset that relies on `initial`: the RTL counts from 0, the netlist's
# flops stay X (osu018 flops have no initial value).
CNT8_INIT_RTL = """module cnt8(input clk, output reg [7:0] q);
  initial q = 8'd0;
  always @(posedge clk) q <= q + 8'd1;
endmodule
"""
CNT8_INIT_TB = """`timescale 1ns/1ps
module tb_cnt8;
  reg clk = 0;
  wire [7:0] q;
  reg [7:0] model = 3;
  integer errors = 0, i;
  cnt8 dut(.clk(clk), .q(q));
  always #5 clk = ~clk;
  initial begin
    @(negedge clk); @(negedge clk);
    for (i = 0; i < 20; i = i + 1) begin
      @(negedge clk);
      if (q !== model) begin
        $display("ERROR: cycle %0d expected=%h, got=%h", i, model, q);
        errors = errors + 1;
      end
      model = model + 1;
    end
    if (errors == 0) $display("TEST PASSED"); else $display("TEST FAILED: %0d errors", errors);
    $finish;
  end
endmodule
"""


def make_design(root: Path, top: str, rtl: str, tb: str, clock: str) -> Path:
    (root / "rtl").mkdir(parents=True)
    (root / "tb").mkdir()
    (root / "rtl" / f"{top}.v").write_text(rtl)
    (root / "tb" / f"tb_{top}.v").write_text(tb)
    (root / "spec.md").write_text(f"{top}\n")
    (root / "design.yaml").write_text(
        f"name: {top}\ntop: {top}\nspec: spec.md\nrtl: [rtl/{top}.v]\n"
        f"testbench: [tb/tb_{top}.v]\nclock: {clock}\nflow: {{engine: qflow, pdk: osu018}}\n"
        f'verification:\n  top: tb_{top}\n  pass_patterns: ["TEST PASSED"]\n'
    )
    return root


def harden(design: Path, *args: str):
    proc = run_cli("harden", str(design), "--json", "--sandbox", "local", *args, timeout=600)
    assert proc.stdout.strip().startswith("{"), proc.stderr[-2000:]
    return proc, json.loads(proc.stdout)


def gl_sim(data: dict) -> dict:
    return next(s for s in data["stages"] if s["name"] == "gl_sim")


def cnt4_tb(sample: str, own_dump: bool = False) -> str:
    dump = '$dumpfile("tb_cnt4.vcd"); $dumpvars(0, tb_cnt4);' if own_dump else ""
    return CNT4_TB.replace("SAMPLE", sample).replace("DUMP", dump)


def test_rtl_failing_its_testbench_is_a_sim_synth_mismatch_not_ok(tmp_path):
    """Before: `ok (clean)`: only the netlist was simulated, and it passes."""
    design = make_design(tmp_path / "andy", "andy", ANDY_RTL, ANDY_TB, "{period_ns: 10}")
    proc, data = harden(design)
    assert proc.returncode == 1 and data["status"] == "failed", data["stages"][-1]
    st = gl_sim(data)
    assert st["status"] == "failed"
    s = st["summary"]
    assert s.startswith(
        "simulation/synthesis mismatch: the RTL fails its testbench "
        "(ERROR: a=f b=5 expected=5, got=0) but the post-route netlist passes"
    )
    assert "RTL and netlist behave differently; first difference: tb_andy.y at 0 ns" in s
    assert "RTL X where the netlist has a value" in s  # never evaluated before a changes
    assert "first with both known: tb_andy.y at 21 ns (rtl=4'h0, netlist=4'h5)" in s
    m = st["metrics"]
    assert m["gl_sim__passed"] is True and m["gl_sim__rtl_passed"] is False
    first = m["gl_sim__first_difference"]
    assert first["signal"] == "tb_andy.y" and first["time"] == "0 ns" and first["net"]
    assert first["then_known"]["time"] == "21 ns" and first["then_known"]["netlist"] == "4'h5"
    # routed to the RTL agent with the verdict as evidence, not to a person as a tool crash
    assert data["failure_classes"][0] == "sim_synth_mismatch"
    assert "tool_crash" not in data["failure_classes"]
    assert data["outcome"] == "send_back" and data["send_back"]["target"] == "rtl"
    assert any("tb_andy.y at 21 ns" in e for e in data["send_back"]["evidence"])
    verdict = Path(data["flow_dir"]) / st["log_path"]
    assert verdict.name == "verdict.log" and verdict.read_text().startswith(s)


def test_clean_design_is_ok_and_a_one_gate_netlist_change_names_the_difference(tmp_path):
    design = make_design(
        tmp_path / "cnt4", "cnt4", CNT4_RTL, cnt4_tb(""), "{port: clk, period_ns: 10}"
    )
    proc, data = harden(design)
    assert proc.returncode == 0, data["stages"][-1]
    st = gl_sim(data)
    assert st["status"] == "ok"
    assert st["summary"] == "post-route netlist and RTL both pass the testbench"
    assert st["metrics"] == {"gl_sim__passed": True, "gl_sim__rtl_passed": True}

    # One gate of the routed netlist swapped (AND → OR), then only gl_sim rerun.
    netlist = Path(data["flow_dir"]) / "synthesis" / "cnt4.rtlnopwr.v"
    text = netlist.read_text()
    assert text.count("\nAND2X2 ") == 1, text
    netlist.write_text(text.replace("\nAND2X2 ", "\nOR2X2 "))
    proc, data = harden(design, "--from", "gl_sim", "--max-repairs", "0")
    assert proc.returncode == 1
    st = gl_sim(data)
    s = st["summary"]
    assert st["status"] == "failed"
    # during reset the OR lets the flop's X through, then the counter runs off by 4
    assert s.startswith(
        "post-route netlist fails the testbench the RTL passes; first difference: "
        "tb_cnt4.q at 5 ns (rtl=4'h0, netlist=4'b0x00) — netlist X "
        "(uninitialised state or a zero-delay race at a clock edge)"
    )
    assert "first with both known: tb_cnt4.q at 15 ns (rtl=4'h0, netlist=4'h4)" in s
    assert s.endswith("netlist run: ERROR: cycle 0 expected=0, got=4")
    m = st["metrics"]
    assert m["gl_sim__passed"] is False and m["gl_sim__rtl_passed"] is True
    assert m["gl_sim__first_difference"]["x_in_netlist_only"] is True
    assert data["failure_classes"] == ["sim_synth_mismatch"]


def test_testbench_race_at_the_clock_edge_is_named_and_sent_to_a_person(tmp_path):
    """RTL passes, netlist fails; the design's nets agree at every step: the testbench races.
    The testbench dumps its own VCD too (then iverilog writes ours into its file)."""
    design = make_design(
        tmp_path / "cnt4",
        "cnt4",
        CNT4_RTL,
        cnt4_tb("#0", own_dump=True),
        "{port: clk, period_ns: 10}",
    )
    proc, data = harden(design)
    assert proc.returncode == 1
    st = gl_sim(data)
    s = st["summary"]
    assert s.startswith(
        "post-route netlist fails the testbench the RTL passes; first difference: "
        "tb_cnt4.errors at 25 ns (rtl=0, netlist=1) — only testbench variables "
        "differ, the design's nets agree: a zero-delay race at a clock edge"
    )
    assert "netlist run: ERROR: cycle 0 expected=0, got=1" in s
    first = st["metrics"]["gl_sim__first_difference"]
    assert first == {**first, "signal": "tb_cnt4.errors", "time_fs": 25_000_000, "net": False}
    assert data["failure_classes"] == ["gate_level_mismatch"]
    assert data["send_back"]["target"] == "user"
    assert (
        "waveform gl_sim/tb_cnt4.vcd (the testbench's own $dumpfile tb_cnt4.vcd)"
        in (Path(data["flow_dir"]) / st["log_path"]).read_text()
    )


def test_initial_value_in_rtl_is_netlist_x_from_time_0_sent_to_rtl(tmp_path):
    """Before: `post-route simulation failed (output: ...)`, class tool_crash, to a person."""
    design = make_design(
        tmp_path / "cnt8", "cnt8", CNT8_INIT_RTL, CNT8_INIT_TB, "{port: clk, period_ns: 10}"
    )
    proc, data = harden(design)
    assert proc.returncode == 1
    s = gl_sim(data)["summary"]
    assert s.startswith(
        "post-route netlist fails the testbench the RTL passes; first difference: "
        "tb_cnt8.q at 0 ns (rtl=8'h00, netlist=8'bxxxxxxxx) — netlist X from "
        "time 0 (uninitialised state"
    )
    assert data["failure_classes"] == ["sim_synth_mismatch"]
    assert data["send_back"]["target"] == "rtl" and "tool_crash" not in data["failure_classes"]


def test_rtl_and_netlist_both_failing_is_the_rtls_own_bug(tmp_path):
    rtl = CNT4_RTL.replace("q + 4'd1", "q + 4'd2")
    design = make_design(tmp_path / "cnt4", "cnt4", rtl, cnt4_tb(""), "{port: clk, period_ns: 10}")
    proc, data = harden(design)
    assert proc.returncode == 1
    s = gl_sim(data)["summary"]
    assert s == (
        "the design fails its own testbench on the RTL too (ERROR: cycle 1 expected=1, "
        "got=2); the post-route netlist fails it as well (ERROR: cycle 1 expected=1, "
        "got=2)"
    )
    assert data["failure_classes"] == ["rtl_fails_testbench"]
    assert data["send_back"]["target"] == "rtl"


# ------------------------------------------------------------------ the comparison on its own

COUNTER_TB = """`timescale 1ns/1ps
module tb;
  reg clk = 0; reg [7:0] cnt = 0; wire [7:0] y; integer n = 0;
  assign y = cnt ^ 8'h0f;
  always #5 clk = ~clk;
  always @(posedge clk) begin cnt <= (cnt == STOP) ? cnt : cnt + 1; n = n + 1; end
  initial begin #4000 $display("done"); $finish; end
endmodule
"""


@pytest.fixture
def local_sb(tmp_path):
    sb = open_sandbox(tmp_path, SandboxSettings(backend="local"), quiet=True)
    yield sb
    sb.close()


def simulate(sb, folder: Path, stop: int, limit: int) -> Path:
    folder.mkdir()
    sb.make_writable(folder)
    (folder / "tb.v").write_text(COUNTER_TB.replace("STOP", str(stop)))
    (folder / "dump.v").write_text(dump_module_source("tb", limit_bytes=limit))
    comp = sb.run(
        ["iverilog", "-o", "s.vvp", "-s", "tb", "-s", DUMP_MODULE, "tb.v", "dump.v"],
        cwd=folder,
        timeout_s=60,
    )
    assert comp.exit_code == 0, comp.output
    run = sb.run(["vvp", "-n", "s.vvp"], cwd=folder, timeout_s=60)
    assert run.exit_code == 0 and "done" in run.output, run.output
    return folder / DUMP_FILE


def test_vcd_compare_first_difference_bounds_and_refusals(tmp_path, local_sb):
    ws = tmp_path
    sigpipe = signal.getsignal(signal.SIGPIPE)
    a = simulate(local_sb, ws / "a", 255, 1 << 20)
    b = simulate(local_sb, ws / "b", 100, 1 << 20)  # cnt stops at 100: differs from 1005 ns
    same = simulate(local_sb, ws / "c", 255, 1 << 20)
    c = compare_vcds(ws, a, b, "tb")
    d = c.difference
    assert d is not None and c.known_difference is None and c.signals == 4
    # y (a net) is named before cnt (a variable) at the same step
    assert (d.signal, d.time, d.a, d.b, d.net) == ("tb.y", "1005 ns", "8'h6a", "8'h6b", True)
    c = compare_vcds(ws, a, same, "tb")
    assert c.difference is None and c.complete and c.compared_to == "4000 ns"
    # cut by $dumplimit: compared up to the cut, which comes before the difference
    a2 = simulate(local_sb, ws / "a2", 255, 2000)
    b2 = simulate(local_sb, ws / "b2", 100, 2000)
    assert a2.stat().st_size < 4000
    c = compare_vcds(ws, a2, b2, "tb", limit_bytes=2000)
    assert c.difference is None and not c.complete and "dump limit" in (c.note or "")
    # files the sandbox could have planted are refused, missing ones said so; never raises
    os.symlink(a, ws / "link.vcd")
    assert "refused" in compare_vcds(ws, ws / "link.vcd", b, "tb").note
    assert "no waveform" in compare_vcds(ws, ws / "none.vcd", b, "tb").note
    os.mkfifo(ws / "fifo.vcd")
    assert "refused" in compare_vcds(ws, ws / "fifo.vcd", b, "tb", timeout_s=2).note
    assert "no signals of nosuch" in compare_vcds(ws, a, b, "nosuch").note
    # vcdvcd's import resets SIGPIPE for the whole process: it must be put back
    assert signal.getsignal(signal.SIGPIPE) == sigpipe
