"""Cases from real open-source IP that broke a stage (the "Real designs reach GDS" issue)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from siliconcrew.tools.registry import execute, load_registry

TRISTATE_REG = """module tri4(input clk, input en, input [7:0] d, output reg [7:0] q);
  always @(posedge clk) q <= en ? d : 8'bz;
endmodule
"""
COUNTER = """module counter(input clk, input rst, output reg [3:0] q);
  always @(posedge clk) if (rst) q <= 0; else q <= q + 1;
endmodule
"""


def lint(ctx, files, top):
    return execute(load_registry().tools["lint"], {"files": files, "top": top}, ctx)


def test_verilator_limitation_is_not_a_design_error(tmp_path, tool_ctx):
    """`Unsupported tristate construct: ASSIGNDLY` is Verilator's limit; iverilog/yosys accept
    it."""
    ws = tmp_path / "tri"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "tri4.v").write_text(TRISTATE_REG)
    r = lint(tool_ctx(ws), ["rtl/tri4.v"], "tri4")
    assert r.ok, r.summary
    limits = [d for d in r.diagnostics if d.code == "verilator-unsupported"]
    assert limits and all(d.severity == "warning" for d in limits)
    assert any("ASSIGNDLY" in d.message for d in limits)


def test_real_syntax_error_still_fails_lint_next_to_a_limitation(tmp_path, tool_ctx):
    ws = tmp_path / "tri"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "tri4.v").write_text(TRISTATE_REG.replace("endmodule", "assign x = ;\nendmodule"))
    r = lint(tool_ctx(ws), ["rtl/tri4.v"], "tri4")
    assert not r.ok and r.failure == "check"


def test_lint_in_a_private_mktemp_workspace(tool_ctx):
    """A `mktemp -d` workspace is 0700 and root-owned; the sandbox user must still read it."""
    ws = Path(tempfile.mkdtemp(prefix="sc-private-"))
    try:
        assert ws.stat().st_mode & 0o777 == 0o700
        (ws / "counter.v").write_text(COUNTER)
        r = lint(tool_ctx(ws), ["counter.v"], "counter")
        assert r.ok, r.summary
    finally:
        for p in sorted(ws.rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() and not p.is_symlink() else p.unlink()
        os.rmdir(ws)


# ------------------------------------------------------- positional port connections at gate level
LFSR_V = """module LFSR (out, clk, rst);
  output reg [3:0] out;
  input clk, rst;
  wire feedback = ~(out[3] ^ out[2]);
  always @(posedge clk, posedge rst)
    if (rst) out <= 4'b0;
    else out <= {out[2:0], feedback};
endmodule
"""
LFSR_TB = """`timescale 1ns/1ps
module tb_lfsr;
  reg clk_tb = 0, rst_tb = 1;
  wire [3:0] out_tb;
  integer i, errors = 0;
  reg [3:0] model;
  LFSR DUT(out_tb, clk_tb, rst_tb);   // by position, as the original IP's testbench does
  always #10 clk_tb = ~clk_tb;
  initial begin
    model = 0;
    #25 rst_tb = 0;
    for (i = 0; i < 20; i = i + 1) begin
      @(posedge clk_tb); #2;
      model = {model[2:0], ~(model[3] ^ model[2])};
      if (out_tb !== model) begin errors = errors + 1; \
$display("ERROR: got %b expected %b", out_tb, model); end
    end
    if (errors == 0) $display("Your Design Passed");
    $finish;
  end
endmodule
"""


def test_positional_testbench_passes_on_the_post_route_netlist(tmp_path):
    """qflow writes inputs before outputs; the gate-level sim restores the RTL's port order."""
    import json

    from tests.conftest import run_cli

    d = tmp_path / "lfsr"
    (d / "rtl").mkdir(parents=True)
    (d / "tb").mkdir()
    (d / "rtl" / "lfsr.v").write_text(LFSR_V)
    (d / "tb" / "tb_lfsr.v").write_text(LFSR_TB)
    (d / "spec.md").write_text("4-bit LFSR\n")
    (d / "design.yaml").write_text(
        "name: lfsr\ntop: LFSR\nrtl: [rtl/lfsr.v]\ntestbench: [tb/tb_lfsr.v]\n"
        "clock: {port: clk, period_ns: 20}\nflow: {engine: qflow, pdk: osu018}\n"
        "verification: {top: tb_lfsr, pass_patterns: ['Your Design Passed']}\n"
    )
    proc = run_cli("harden", str(d), "--json", "--sandbox", "local", timeout=600)
    data = json.loads(proc.stdout)
    stages = {s["name"]: s for s in data["stages"]}
    netlist = next((d / "runs").rglob("synthesis/LFSR.rtlnopwr.v")).read_text()
    header = netlist[netlist.index("module LFSR") :].split(";")[0]
    assert header.index("clk") < header.index("out"), header  # qflow's order differs...
    assert stages["gl_sim"]["status"] == "ok", stages["gl_sim"]  # ...and still passes
    assert proc.returncode == 0, proc.stderr[-1500:]


# ------------------------------------------------------------------ a one-gate design through LVS
def test_one_gate_design_is_repaired_by_the_flow_not_sent_to_rtl(tmp_path):
    """`assign out = ~(in1 | in2);`: qflow's die fits only the vdd stripe, so the layout has no
    gnd pin ("unmatched pins = 1" while the circuits match). That is the flow's problem: the
    classifier says so and a bigger core makes it clean."""
    import json

    from tests.conftest import run_cli

    d = tmp_path / "nor"
    (d / "rtl").mkdir(parents=True)
    (d / "rtl" / "nor_gate.v").write_text(
        "module nor_gate(input in1, input in2, output out);\n"
        "  assign out = ~(in1 | in2);\nendmodule\n"
    )
    (d / "spec.md").write_text("a NOR gate\n")
    (d / "design.yaml").write_text(
        "name: nor_gate\ntop: nor_gate\nrtl: [rtl/nor_gate.v]\nflow: {engine: qflow, pdk: osu018}\n"
    )
    proc = run_cli("harden", str(d), "--json", "--sandbox", "local", timeout=600)
    data = json.loads(proc.stdout)
    first = data["repairs"][0]
    assert first["classes"][0] == "lvs_pins_only", first["classes"]
    assert first["findings"][0]["evidence"][0] == "Netlists match uniquely."
    assert data["repairs"][1]["action"]["name"].startswith("lower_density")
    assert not any((r.get("action") or {}).get("send_back") for r in data["repairs"])
    assert data["status"] == "ok" and data["metrics"]["design__lvs_error__count"] == 0
    assert proc.returncode == 0


# ------------------------------------------------------------------------ equivalence verdicts
INITIAL_ONLY = """module blink(input clk, output reg led);
  reg [3:0] cnt;
  initial begin cnt = 0; led = 0; end
  always @(posedge clk) begin cnt <= cnt + 1; if (cnt == 4'hf) led <= ~led; end
endmodule
"""
INITIAL_AND_RESET = """module cnt(input clk, input rst, output reg [3:0] q);
  initial q = 4'd5;
  always @(posedge clk) if (rst) q <= 0; else q <= q + 1;
endmodule
"""


def _synth_and_equiv(ctx, files, top):
    reg = load_registry()
    syn = execute(reg.tools["synthesize"], {"files": files, "top": top}, ctx)
    assert syn.ok, syn.summary
    return execute(
        reg.tools["equivalence"],
        {"files": files, "netlist": syn.artifacts["netlist"], "top": top, "method": "simulation"},
        ctx,
    )


def test_design_relying_on_initial_values_is_not_called_different(tmp_path, tool_ctx):
    ws = tmp_path / "blink"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "blink.v").write_text(INITIAL_ONLY)
    r = _synth_and_equiv(tool_ctx(ws), ["rtl/blink.v"], "blink")
    assert not r.ok
    assert "NOT equivalent" not in r.summary, r.summary
    assert r.metrics["equiv__mismatches"] == 0 and r.metrics["equiv__x_only"] > 0
    assert any(d.code == "uninitialised-state" and "initial" in d.message for d in r.diagnostics)


DECLARATION_INITIALISERS = """module blink2(input clk, output wrap, output [3:0] q);
  // reg [3:0] unused = 4'd1;   (commented out: not an initialiser)
  reg [3:0] cnt = 4'd0;
  assign wrap = (cnt == 4'hf);
  assign q = cnt;
  initial $display("blink2");
  always @(posedge clk) cnt <= cnt + 1;
endmodule
"""


def test_declaration_initialisers_are_named_as_the_cause(tmp_path, tool_ctx):
    """uart_tx style (`reg [2:0] r_SM_Main = 0;`): the diagnosis names the registers given
    values where declared, not 'the random stimulus never reset them'."""
    ws = tmp_path / "blink2"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "blink2.v").write_text(DECLARATION_INITIALISERS)
    r = _synth_and_equiv(tool_ctx(ws), ["rtl/blink2.v"], "blink2")
    assert not r.ok and "NOT equivalent" not in r.summary, r.summary
    diag = next(d for d in r.diagnostics if d.code == "uninitialised-state")
    assert "where they are declared (cnt = ...)" in diag.message, diag.message
    assert "unused" not in diag.message and "wrap" not in diag.message


def test_initial_values_with_a_reset_are_equivalent(tmp_path, tool_ctx):
    ws = tmp_path / "cnt"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "cnt.v").write_text(INITIAL_AND_RESET)
    r = _synth_and_equiv(tool_ctx(ws), ["rtl/cnt.v"], "cnt")
    assert r.ok, r.summary


def test_real_mismatch_comes_with_a_replayable_counterexample(tmp_path, tool_ctx):
    import subprocess

    ws = tmp_path / "cex"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "cnt.v").write_text(INITIAL_AND_RESET.replace("initial q = 4'd5;\n", ""))
    ctx = tool_ctx(ws)
    reg = load_registry()
    syn = execute(reg.tools["synthesize"], {"files": ["rtl/cnt.v"], "top": "cnt"}, ctx)
    netlist = ws / syn.artifacts["netlist"]
    # One gate changed by hand: the netlist no longer implements the RTL.
    text = netlist.read_text()
    for a, b in (("XOR2X1", "XNOR2X1"), ("NAND2X1", "NOR2X1"), ("INVX1", "BUFX2")):
        if a in text:
            netlist.write_text(text.replace(a, b, 1))
            break
    r = execute(
        reg.tools["equivalence"],
        {
            "files": ["rtl/cnt.v"],
            "top": "cnt",
            "netlist": syn.artifacts["netlist"],
            "method": "simulation",
        },
        ctx,
    )
    assert not r.ok and "NOT equivalent" in r.summary, r.summary
    assert "inputs" in r.diagnostics[0].message
    replay = subprocess.run(
        ["sh", r.artifacts["counterexample_script"]],
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "MISMATCH" in replay.stdout, replay.stdout + replay.stderr


def test_rom_initialised_by_readmemh_synthesizes(tmp_path, tool_ctx):
    """yosys reads `$readmemh("rom.hex")` relative to where it runs: the job folder."""
    from tests.sandbox.test_containment import ROM_V

    ws = tmp_path / "rom"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "rom.v").write_text(ROM_V)
    (ws / "rtl" / "rom.hex").write_text("11\n22\n33\n44\n")
    ctx = tool_ctx(ws)
    r = execute(load_registry().tools["synthesize"], {"files": ["rtl/rom.v"], "top": "rom"}, ctx)
    assert r.ok, r.summary
    (ws / "rtl" / "rom.hex").write_text("00\n00\n00\n00\n")
    zero = execute(load_registry().tools["synthesize"], {"files": ["rtl/rom.v"], "top": "rom"}, ctx)
    # the contents became logic: an all-zero ROM is (almost) nothing
    assert r.metrics["design__instance__count"] > zero.metrics["design__instance__count"]


# ------------------------------------------------------- latches and async-load flops get mapped
ALOAD_V = """module aload_cnt(input clk, input load, input [3:0] d, output reg [3:0] q);
  always @(posedge clk or posedge load)
    if (load) q <= d;
    else q <= q + 1'b1;
endmodule
"""
ALOAD_TB = """`timescale 1ns/1ps
module tb_aload;
  reg clk = 0, load = 0; reg [3:0] d = 0; wire [3:0] q; integer i, errors = 0; reg [3:0] m;
  aload_cnt dut(.clk(clk), .load(load), .d(d), .q(q));
  always #10 clk = ~clk;
  initial begin
    for (i = 0; i < 30; i = i + 1) begin
      @(negedge clk);
      if (i % 7 == 0) begin
        d = $random; load = 1; #3; m = d;
        if (q !== m) begin errors = errors + 1; $display("ERROR: load q=%h", q); end
        load = 0;
      end
      @(posedge clk); #2; m = m + 1;
      if (q !== m) begin errors = errors + 1; $display("ERROR: count q=%h exp %h", q, m); end
    end
    if (errors == 0) $display("TEST PASSED");
    $finish;
  end
endmodule
"""
LATCH_V = """module dl(input en, input [3:0] d, output reg [3:0] q);
  always @* if (!en) q = d;
endmodule
"""


def test_latches_map_to_the_library_latch(tmp_path, tool_ctx):
    ws = tmp_path / "dl"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "dl.v").write_text(LATCH_V)
    r = execute(
        load_registry().tools["synthesize"], {"files": ["rtl/dl.v"], "top": "dl"}, tool_ctx(ws)
    )
    assert r.ok, r.summary
    cells = r.metrics["synth__cells_by_type"]
    assert cells.get("LATCH") == 4 and r.metrics["synth__unmapped__count"] == 0, cells


def test_async_load_flop_reaches_a_clean_gds(tmp_path):
    """`always @(posedge clk or posedge load) if (load) q <= d;` (non-constant async value)."""
    import json

    from tests.conftest import run_cli

    d = tmp_path / "aload"
    (d / "rtl").mkdir(parents=True)
    (d / "tb").mkdir()
    (d / "rtl" / "aload.v").write_text(ALOAD_V)
    (d / "tb" / "tb.v").write_text(ALOAD_TB)
    (d / "spec.md").write_text("a counter with an asynchronous load\n")
    (d / "design.yaml").write_text(
        "name: aload_cnt\ntop: aload_cnt\nrtl: [rtl/aload.v]\ntestbench: [tb/tb.v]\n"
        "clock: {port: clk, period_ns: 20}\nflow: {engine: qflow, pdk: osu018}\n"
        "verification: {top: tb_aload, pass_patterns: ['TEST PASSED']}\n"
    )
    proc = run_cli("harden", str(d), "--json", "--sandbox", "local", timeout=600)
    data = json.loads(proc.stdout)
    stages = {s["name"]: s["status"] for s in data["stages"]}
    assert stages.get("gl_sim") == "ok", data["stages"]
    assert data["status"] == "ok", proc.stderr[-1500:]
    assert data["metrics"]["magic__drc_error__count"] == 0


def test_hierarchical_adder_with_repeated_net_names_reaches_gds(tmp_path):
    """Five levels of `add8 add8_inst1(...)`, each with its own `wire Co_temp`: qflow's
    back-annotation could not find the flattened hierarchical names after routing."""
    import json
    import shutil

    from tests.conftest import run_cli

    src = Path(__file__).parents[1] / "fixtures" / "hier_adder16"
    d = tmp_path / "adder16"
    (d / "rtl").mkdir(parents=True)
    (d / "tb").mkdir()
    shutil.copy(src / "adder_16bit.v", d / "rtl")
    shutil.copy(src / "tb_adder_16bit.v", d / "tb")
    (d / "spec.md").write_text("16-bit adder built from 8/4/2/1-bit adders\n")
    (d / "design.yaml").write_text(
        "name: adder_16bit\ntop: adder_16bit\nrtl: [rtl/adder_16bit.v]\n"
        "testbench: [tb/tb_adder_16bit.v]\nflow: {engine: qflow, pdk: osu018}\n"
        "verification: {top: tb, pass_patterns: ['Your Design Passed']}\n"
    )
    proc = run_cli("harden", str(d), "--json", "--sandbox", "local", timeout=600)
    data = json.loads(proc.stdout)
    stages = {s["name"]: s["status"] for s in data["stages"]}
    assert stages.get("backanno") == "ok" and stages.get("gl_sim") == "ok", data["stages"]
    assert data["status"] == "ok"


def test_combinational_design_without_clock_is_reported_not_judged(tmp_path):
    """A 16/8 divider with no `clock:` has no timing requirement: its ~19 ns path is reported,
    not failed against a 10 ns clock nobody asked for; with a clock it is judged."""
    import json
    import shutil

    from tests.conftest import REPO, run_cli

    d = tmp_path / "div"
    shutil.copytree(
        REPO / "benchmarks" / "corpus" / "div_16bit",
        d,
        ignore=shutil.ignore_patterns("runs", ".siliconcrew"),
    )
    proc = run_cli("check", str(d), "--no-harden", "--json", "--sandbox", "local", timeout=600)
    sta = next(s["result"] for s in json.loads(proc.stdout)["steps"] if s["step"] == "sta")
    assert proc.returncode == 0 and sta["ok"], sta["summary"]
    assert sta["metrics"]["timing__comb_delay_ns"] > 10
    card = d / "design.yaml"
    card.write_text(card.read_text() + "clock: {period_ns: 10}\n")
    proc = run_cli("check", str(d), "--no-harden", "--json", "--sandbox", "local", timeout=600)
    sta = next(s["result"] for s in json.loads(proc.stdout)["steps"] if s["step"] == "sta")
    assert proc.returncode != 0 and not sta["ok"]


STRUCT_COMB = """module pick(input logic [2:0] op, input logic [7:0] a, output logic [7:0] y,
            output logic z);
  typedef struct packed { logic [7:0] value; logic zero; } res_t;
  res_t r;
  always_comb begin
    r = '0;
    case (op)
      3'd0: r.value = a;
      default: r.value = ~a;
    endcase
    r.zero = (r.value == 8'h00);
  end
  assign y = r.value;
  assign z = r.zero;
endmodule
"""


def test_icarus_sorry_on_code_it_compiled_is_not_a_design_error(tmp_path, tool_ctx):
    """sv_pkg_alu: `r.zero = ...` in always_comb makes Icarus 11 say "sorry: constant selects
    in always_* processes are not currently supported (all bits will be included)" and then
    compile and simulate the design correctly; lint counted it as 4 errors and stopped."""
    ws = tmp_path / "sv"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "pick.sv").write_text(STRUCT_COMB)
    r = lint(tool_ctx(ws), ["rtl/pick.sv"], "pick")
    assert r.ok, r.summary
    sorry = [d for d in r.diagnostics if "constant selects" in d.message]
    assert sorry and all(d.severity == "warning" for d in sorry)
    assert all("iverilog limitation" in d.message for d in sorry)


def test_icarus_sorry_that_stops_the_compile_still_fails_lint(tmp_path, tool_ctx):
    ws = tmp_path / "sv"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "pick.sv").write_text(STRUCT_COMB.replace("endmodule", "assign x = ;\nendmodule"))
    r = lint(tool_ctx(ws), ["rtl/pick.sv"], "pick")
    assert not r.ok and r.failure == "check"
