"""The local (qflow/osu018) flow engine for real: GDS, DRC, LVS, PNG, repairs, resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, EXAMPLES, run_cli

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def copy_example(tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copytree(EXAMPLES / name, dst, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    return dst


def harden(design: Path, *args: str, backend: str = "local"):
    sandbox = "docker" if backend.startswith("docker") else "local"
    proc = run_cli("harden", str(design), "--json", "--sandbox", sandbox, *args, timeout=900)
    data = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else None
    return proc, data


def set_flow(design: Path, flow: str) -> None:
    card = design / "design.yaml"
    lines = [
        f"flow: {flow}" if line.startswith("flow:") else line
        for line in card.read_text().splitlines()
    ]
    card.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("backend", BACKENDS)
def test_counter_to_clean_gds(tmp_path, backend):
    design = copy_example(tmp_path, "counter")
    proc, data = harden(design, backend=backend)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert data["status"] == "ok" and data["engine"] == "qflow"
    m, art = data["metrics"], data["artifacts"]
    assert m["magic__drc_error__count"] == 0
    assert m["design__lvs_error__count"] == 0
    assert m["route__failed_nets"] == 0
    assert 30 <= m["design__instance__count"] <= 120
    assert 0 < m["design__instance__area"] < m["design__die__area"]
    assert 0.1 < m["design__instance__utilization"] < 1.0
    assert 0 < m["timing__setup__ws"] < 10 and m["timing__hold__ws"] > 0
    gds = Path(art["gds"])
    assert gds.stat().st_size > 10_000 and gds.read_bytes()[:2] == b"\x00\x06"  # GDS HEADER
    png = Path(art["png"])
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5_000
    stages = {s["name"]: s["status"] for s in data["stages"]}
    assert all(
        stages[s] == "ok" for s in ("synthesis", "placement", "routing", "drc", "lvs", "gdsii")
    )
    assert stages["gl_sim"] == "ok"  # post-route netlist passes the golden testbench
    assert data["outcome"] == "clean" and len(data["repairs"]) == 1


@pytest.mark.docker
def test_mac8_about_1k_cells_repaired_to_clean(tmp_path):
    """~900 cells at qflow's default density leave one magic DRC error: the loop lowers density."""
    design = copy_example(tmp_path, "mac8")
    proc, data = harden(design, backend="docker")
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = data["metrics"]
    assert 700 <= m["design__instance__count"] <= 1500
    assert m["magic__drc_error__count"] == 0 and m["design__lvs_error__count"] == 0
    assert m["timing__setup__ws"] > 0
    assert data["stages"][-1]["name"] == "gl_sim" and data["stages"][-1]["status"] == "ok"
    attempts = data["repairs"]
    if len(attempts) > 1:  # the first attempt failed DRC and a config repair fixed it
        assert "drc_violations" in attempts[0]["classes"]
        assert attempts[-1]["status"] == "ok" and attempts[-1]["config_diff"]
        assert data["outcome"] == "fixed"
    repairs_file = Path(data["run_dir"]) / "harden" / "repairs.json"
    assert json.loads(repairs_file.read_text())["attempts"][0]["attempt"] == 0


def test_unroutable_utilization_is_repaired_and_reported(tmp_path):
    design = copy_example(tmp_path, "counter")
    set_flow(
        design, "{engine: qflow, pdk: osu018, options: {route_layers: 2, initial_density: 1.0}}"
    )
    proc, data = harden(design, "--max-repairs", "0")
    assert proc.returncode == 1
    assert "routing_congestion" in data["failure_classes"]
    route = next(s for s in data["stages"] if s["name"] == "routing")
    assert route["status"] == "failed" and data["metrics"]["route__failed_nets"] > 0

    proc, data = harden(design, "--max-repairs", "4")
    assert proc.returncode == 0, proc.stderr[-2000:]
    attempts = data["repairs"]
    assert len(attempts) >= 2
    assert "routing_congestion" in attempts[0]["classes"]
    changed = set().union(*(a["config_diff"].keys() for a in attempts[1:]))
    assert changed & {"initial_density", "route_layers"}
    assert data["metrics"]["route__failed_nets"] == 0 and data["outcome"] == "fixed"
    # each attempt ran in its own folder
    assert len(list((Path(data["run_dir"]) / "harden").glob("attempt-*"))) == len(attempts)


def test_combinational_design_without_clock(tmp_path):
    design = tmp_path / "add4"
    (design / "rtl").mkdir(parents=True)
    (design / "rtl" / "add4.v").write_text(
        "module add4(input [3:0] a, input [3:0] b, output [4:0] s);\n"
        "  assign s = a + b;\nendmodule\n"
    )
    (design / "design.yaml").write_text(
        "name: add4\ntop: add4\nrtl: [rtl/add4.v]\nclock: {period_ns: 5}\n"
    )
    proc, data = harden(design)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 0 < data["metrics"]["timing__setup__ws"] < 5  # period minus the in→out delay
    assert next(s for s in data["stages"] if s["name"] == "gl_sim")["status"] == "skipped"


def test_top_not_found_is_sent_back_to_rtl(tmp_path):
    design = copy_example(tmp_path, "counter")
    card = design / "design.yaml"
    card.write_text(card.read_text().replace("top: counter", "top: countr"))
    proc, data = harden(design)
    assert proc.returncode == 1
    assert data["stages"][0]["name"] == "synthesis" and data["stages"][0]["status"] == "failed"
    assert "synthesis_problem" in data["failure_classes"]
    assert data["outcome"] == "send_back" and data["send_back"]["target"] == "rtl"


def test_resume_from_stage_keeps_finished_stages(tmp_path):
    design = copy_example(tmp_path, "counter")
    proc, data = harden(design, "--to", "route")  # qflow's command name: the stage's old name
    assert proc.returncode == 4 and data["status"] == "partial"
    assert [s["name"] for s in data["stages"]][-1] == "routing"
    flow_dir = Path(data["flow_dir"])
    synth_log = flow_dir / "log" / "synth.log"
    before = synth_log.stat().st_mtime_ns
    # a crash mid-stage: the migrate stage dies (its output is missing) — simulate by running
    # it against a removed routed DEF, then restore and resume from migrate.
    routed = flow_dir / "layout" / "counter.def"
    saved = routed.read_bytes()
    routed.unlink()
    proc, data = harden(design, "--from", "migrate", "--max-repairs", "0")
    assert proc.returncode == 1
    assert next(s for s in data["stages"] if s["name"] == "migrate")["status"] == "failed"
    routed.write_bytes(saved)
    proc, data = harden(design, "--from", "migrate", "--run", data["run_id"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    statuses = {s["name"]: s["status"] for s in data["stages"]}
    assert statuses["synthesis"] == statuses["placement"] == statuses["routing"] == "cached"
    assert statuses["migrate"] == statuses["lvs"] == statuses["gdsii"] == "ok"
    assert synth_log.stat().st_mtime_ns == before  # synthesis was not redone
    assert Path(data["flow_dir"]) == flow_dir


@pytest.mark.parametrize(
    "args,needle",
    [
        (("--from", "nosuchstage"), "unknown stage"),
        (("--from", "lvs", "--to", "place"), "comes after"),
        (("--engine", "magic8"), "unknown flow engine"),
        (("--max-repairs", "-1"), "max-repairs"),
    ],
)
def test_bad_harden_arguments(tmp_path, args, needle):
    design = copy_example(tmp_path, "counter")
    proc = run_cli("harden", str(design), "--sandbox", "local", *args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and needle in proc.stderr


def test_unknown_pdk_for_local_engine(tmp_path):
    design = copy_example(tmp_path, "counter")
    set_flow(design, "{engine: qflow, pdk: sky130A}")
    proc = run_cli("harden", str(design), "--sandbox", "local")
    assert proc.returncode == 2 and "sky130A" in proc.stderr and "librelane" in proc.stderr


# osu050 is not here: Debian's qflow osu050 leaves 99 magic DRC errors on this counter at any
# density (a tech-file issue the repair loop rightly cannot fix); see README limits.
@pytest.mark.parametrize("pdk", ["osu035"])
def test_counter_on_other_osu_techs(tmp_path, pdk):
    design = copy_example(tmp_path, "counter")
    set_flow(design, f"{{engine: qflow, pdk: {pdk}}}")
    proc, data = harden(design)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert data["config"]["tech"] == pdk
    assert data["metrics"]["magic__drc_error__count"] == 0
    assert data["metrics"]["design__lvs_error__count"] == 0
    # bigger geometry than osu018: the same 8-bit counter needs a larger die
    assert data["metrics"]["design__die__area"] > 2833.6


INC_RTL = """`include "widths.vh"
module inc_reg (input clk, input rst_n, input [`W-1:0] d, output reg [`W-1:0] q);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= 0; else q <= d ^ `MASK;
endmodule
"""
INC_TB = """`timescale 1ns/1ps
`include "widths.vh"
module tb_inc_reg;
  reg clk = 0, rst_n = 0; reg [`W-1:0] d = 0; wire [`W-1:0] q; integer i, errors = 0;
  inc_reg dut (.clk(clk), .rst_n(rst_n), .d(d), .q(q));
  always #10 clk = ~clk;
  initial begin
    #25 rst_n = 1;
    for (i = 0; i < 50; i = i + 1) begin
      @(negedge clk) d = $random; @(posedge clk) #1;
      if (q !== (d ^ `MASK)) begin errors = errors + 1; $display("ERROR: q=%h", q); end
    end
    if (errors == 0) $display("TEST PASSED");
    $finish;
  end
endmodule
"""


def test_include_dirs_reach_qflow_and_the_gate_level_simulation(tmp_path):
    """spi_master in the corpus: `include "spi_defs.vh"` from design.yaml's include_dirs
    (rtl/include). qflow's generated yosys script takes no -I ("Can't open include file"),
    and the gate-level testbench, which includes it too, was compiled without -I."""
    design = tmp_path / "inc_reg"
    for sub in ("rtl/include", "tb"):
        (design / sub).mkdir(parents=True)
    (design / "rtl/include/widths.vh").write_text("`define W 6\n`define MASK 6'h2a\n")
    (design / "rtl/inc_reg.v").write_text(INC_RTL)
    (design / "tb/tb_inc_reg.v").write_text(INC_TB)
    (design / "spec.md").write_text("# inc_reg\nA register with an include file.\n")
    (design / "design.yaml").write_text(
        "name: inc_reg\ntop: inc_reg\nrtl: [rtl/inc_reg.v]\ninclude_dirs: [rtl/include]\n"
        "testbench: [tb/tb_inc_reg.v]\nclock: {port: clk, period_ns: 20}\n"
        "flow: {engine: qflow, pdk: osu018}\n"
        "verification: {top: tb_inc_reg, pass_patterns: ['TEST PASSED']}\n"
    )
    proc, data = harden(design)
    assert data is not None, proc.stderr[-2000:]
    stages = {s["name"]: s for s in data["stages"]}
    assert stages["synthesis"]["status"] == "ok", stages["synthesis"]["summary"]
    assert stages["gl_sim"]["status"] == "ok", stages["gl_sim"]["summary"]
    assert data["status"] == "ok", data
    assert data["metrics"]["design__instance__count"] >= 6


CNT_RTL = """module cnt #(parameter N = 5) (input clk, input rst_n, output reg [3:0] q,
                                   output wrap);
  wire [3:0] q_next = (q == N - 1) ? 4'd0 : q + 4'd1;
  assign wrap = (q == N - 1);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= 0; else q <= q_next;
endmodule
"""
CNT_TB = """`timescale 1ns/1ps
module tb_cnt;
  reg clk = 0, rst_n = 0; wire [3:0] q; wire wrap; integer i, errors = 0, model = 0;
  cnt #(.N(@N@)) dut (.clk(clk), .rst_n(rst_n), .q(q), .wrap(wrap));
  always #10 clk = ~clk;
  initial begin
    #25 rst_n = 1;
    for (i = 0; i < 40; i = i + 1) begin
      @(posedge clk) #1 model = (model == @N@ - 1) ? 0 : model + 1;
      if (q !== model) begin errors = errors + 1; $display("ERROR: q=%0d expected %0d", q, model); end
@PEEK@
    end
    if (errors == 0) $display("TEST PASSED");
    $finish;
  end
endmodule
"""


def _cnt_design(tmp_path, n=5, peek=""):
    design = tmp_path / "cnt"
    for sub in ("rtl", "tb"):
        (design / sub).mkdir(parents=True)
    (design / "rtl/cnt.v").write_text(CNT_RTL)
    (design / "tb/tb_cnt.v").write_text(
        CNT_TB.replace("@N@", str(n)).replace("@PEEK@", "      " + peek)
    )
    (design / "spec.md").write_text("# cnt\nA modulo-N counter.\n")
    (design / "design.yaml").write_text(
        "name: cnt\ntop: cnt\nrtl: [rtl/cnt.v]\ntestbench: [tb/tb_cnt.v]\n"
        "clock: {port: clk, period_ns: 20}\nflow: {engine: qflow, pdk: osu018}\n"
        "verification: {top: tb_cnt, pass_patterns: ['TEST PASSED']}\n"
    )
    return design


def _gl_stage(design):
    proc, data = harden(design)
    assert data is not None, proc.stderr[-2000:]
    return data, {s["name"]: s for s in data["stages"]}["gl_sim"]


def test_testbench_peeking_at_a_wire_the_netlist_keeps_is_bound(tmp_path):
    """A testbench that displays `dut.q_next` did not elaborate against the flat netlist,
    which keeps that wire bit by bit (q_next_0_ ...): the gate-level copy of the netlist now
    gets `wire [3:0] q_next = {q_next_3_, ...};` and the summary says so."""
    data, gl = _gl_stage(_cnt_design(tmp_path, peek='$display("q=%0d", dut.q_next);'))
    assert gl["status"] == "ok", gl["summary"]
    assert "dut.q_next" in gl["summary"] and "bound" in gl["summary"], gl["summary"]
    assert gl["metrics"]["gl_sim__bound_references"] == {"dut.q_next": "q_next_0_..q_next_3_"}


def test_gate_level_run_defines_gl(tmp_path):
    peek = '`ifndef GL\n      $display("q=%0d", dut.q_next);\n      `endif'
    data, gl = _gl_stage(_cnt_design(tmp_path, peek=peek))
    assert gl["status"] == "ok", gl["summary"]
    assert gl["metrics"]["gl_sim__rtl_passed"] is True  # the RTL run did read dut.q_next
    assert data["status"] == "ok"


def test_testbench_parameter_override_is_named_when_the_netlist_fails(tmp_path):
    """uart_rx: the testbench sets CLKS_PER_BIT=16, the netlist is built with the RTL's 434;
    the netlist then fails, and the verdict talked about X at 0 ns instead of the cause."""
    data, gl = _gl_stage(_cnt_design(tmp_path, n=3))
    assert gl["status"] == "failed"
    assert "parameter N" in gl["summary"] and "default" in gl["summary"], gl["summary"]
    assert "parameters: {NAME: value} in design.yaml" in gl["summary"]  # the way out


def test_parameters_build_the_configuration_the_testbench_overrides(tmp_path):
    """uart_rx: design.yaml `parameters: {N: 3}` (LibreLane's SYNTH_PARAMETERS) makes qflow's
    own synthesis build N=3, the value the testbench sets with #(.N(3)): the post-route
    netlist then passes the same testbench (without it: the test above)."""
    design = _cnt_design(tmp_path, n=3)
    card = design / "design.yaml"
    card.write_text(card.read_text() + "parameters: {N: 3}\n")
    data, gl = _gl_stage(design)
    assert gl["status"] == "ok", gl["summary"]
    assert data["status"] == "ok"
    script = Path(data["run_dir"]) / "harden" / "attempt-0" / "recipe" / "high_level.ys"
    assert script.read_text().splitlines()[0] == "chparam -set N 3 cnt"


FSM_RTL = """module fsm (input clk, input rst_n, input go, output busy, output [1:0] low);
  localparam IDLE = 2'd0, RUN = 2'd1, DONE = 2'd2;
  reg [1:0] state;
  reg [2:0] cnt;   // cnt[2] is always 0: a constant flop synthesis removes
  reg [3:0] hist [0:1];
  assign busy = (state == RUN);
  assign low = cnt[1:0] ^ hist[1][1:0];
  always @(posedge clk or negedge rst_n)
    if (!rst_n) begin state <= IDLE; cnt <= 3'd0; end
    else begin
      cnt <= {1'b0, cnt[1:0] + 2'd1};
      case (state)
        IDLE: if (go) state <= RUN;
        RUN:  if (cnt[1:0] == 2'd3) state <= DONE;
        DONE: state <= IDLE;
        default: state <= IDLE;
      endcase
    end
  always @(posedge clk) begin hist[0] <= {state, cnt[1:0]}; hist[1] <= hist[0]; end
endmodule
"""
FSM_TB = """`timescale 1ns/1ps
module tb_fsm;
  reg clk = 0, rst_n = 0, go = 0; wire busy; wire [1:0] low; integer i, errors = 0;
  reg [1:0] model = 0, c = 0;
  fsm dut (.clk(clk), .rst_n(rst_n), .go(go), .busy(busy), .low(low));
  always #10 clk = ~clk;
  initial begin
    @(negedge clk) rst_n = 1; go = 1;
    for (i = 0; i < 40; i = i + 1) begin
      @(posedge clk) #1;
      case (model)
        0: if (go) model = 1;
        1: if (c == 3) model = 2;
        2: model = 0;
      endcase
      c = c + 1;
      if (busy !== (model == 1)) begin errors = errors + 1; $display("ERROR: busy=%b", busy); end
      @PEEK@
      @(negedge clk) go = (i % 7 == 3);
    end
    if (errors == 0) $display("TEST PASSED");
    $finish;
  end
endmodule
"""
STATE_CHECK = (
    '$display("state=%0d", dut.state); if (dut.state !== model) begin '
    'errors = errors + 1; $display("ERROR: state=%0d expected %0d", dut.state, '
    "model); end"
)


def _fsm_design(tmp_path, peek):
    design = tmp_path / "fsm"
    for sub in ("rtl", "tb"):
        (design / sub).mkdir(parents=True)
    (design / "rtl/fsm.v").write_text(FSM_RTL)
    (design / "tb/tb_fsm.v").write_text(FSM_TB.replace("@PEEK@", peek))
    (design / "spec.md").write_text("# fsm\nA three-state FSM.\n")
    (design / "design.yaml").write_text(
        "name: fsm\ntop: fsm\nrtl: [rtl/fsm.v]\ntestbench: [tb/tb_fsm.v]\n"
        "clock: {port: clk, period_ns: 20}\nflow: {engine: qflow, pdk: osu018}\n"
        "verification: {top: tb_fsm, pass_patterns: ['TEST PASSED']}\n"
    )
    return design


def test_testbench_reading_an_fsm_state_runs_on_the_netlist(tmp_path):
    """acc_cpu/regfile_2r1w: the testbench checks `dut.state` against its own model. The flat
    netlist keeps the register as state_0_, state_1_; an observation wire made of exactly
    those nets lets the same testbench judge the netlist (a wrong bit order would fail the
    check), and the summary names the binding."""
    data, gl = _gl_stage(_fsm_design(tmp_path, STATE_CHECK))
    assert gl["status"] == "ok", gl["summary"]
    assert gl["metrics"]["gl_sim__rtl_passed"] is True
    assert "dut.state (state_0_..state_1_)" in gl["summary"], gl["summary"]
    assert gl["metrics"]["gl_sim__bound_references"] == {"dut.state": "state_0_..state_1_"}
    observed = Path(data["run_dir"]) / "harden" / "attempt-0" / "gl_sim" / "fsm.observed.v"
    assert "wire [1:0] state = {state_1_, state_0_};" in observed.read_text()


@pytest.mark.parametrize(
    "peek,ref,why",
    [
        # cnt[2] is constant 0: synthesis removed its flop, so the netlist has no cnt_2_
        ('$display("cnt=%0d", dut.cnt);', "dut.cnt", "bit cnt[2] has no net in the netlist"),
        ('$display("h=%0d", dut.hist[1]);', "dut.hist", "memory"),
    ],
)
def test_reference_the_netlist_cannot_show_keeps_the_diagnosis(tmp_path, peek, ref, why):
    """Nothing is invented: a register with a bit synthesis removed, or a memory, stays an
    unbound reference, named in one line with the reason."""
    data, gl = _gl_stage(_fsm_design(tmp_path, peek))
    assert gl["status"] == "failed"
    summary = gl["summary"]
    assert "\n" not in summary
    assert f"reads {ref} inside the design" in summary and "hierarchical reference" in summary
    assert why in summary, summary
    assert "gl_sim__bound_references" not in gl["metrics"]


PKG = """package cnt_pkg;
  localparam int MOD = 5;
  function automatic logic [3:0] step(logic [3:0] q);
    step = (q == MOD - 1) ? 4'd0 : q + 4'd1;
  endfunction
endpackage
"""


def test_testbench_importing_an_rtl_package_runs_on_the_netlist(tmp_path):
    """sv_pkg_alu: the testbench does `import alu_pkg::*;`; the netlist run compiled the
    testbench with the netlist only, so the package was missing ('syntax error' at the
    import). The RTL's package blocks (not its modules) now come along."""
    design = _cnt_design(tmp_path)
    (design / "rtl/cnt_pkg.sv").write_text(PKG)
    tb = design / "tb/tb_cnt.v"
    tb.write_text(
        tb.read_text()
        .replace("module tb_cnt;", "module tb_cnt;\n  import cnt_pkg::*;")
        .replace("model = (model == 5 - 1) ? 0 : model + 1;", "model = step(model);")
    )
    card = design / "design.yaml"
    card.write_text(
        card.read_text().replace("rtl: [rtl/cnt.v]", "rtl: [rtl/cnt_pkg.sv, rtl/cnt.v]")
    )
    data, gl = _gl_stage(design)
    assert gl["status"] == "ok", gl["summary"]
    assert gl["metrics"]["gl_sim__rtl_passed"] is True
