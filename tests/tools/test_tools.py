"""Built-in tools on real binaries, in both sandbox backends, including bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BAD_SYNTAX = """module bad(input a, output b);
  wire [3:0] w;
  assign b = a &
endmodule
"""


def write(ws: Path, rel: str, text: str) -> str:
    p = ws / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return rel


# ----------------------------------------------------------------------------------------- lint
def test_lint_clean_counter(counter_ws, tool_ctx, run_tool, backend):
    r = run_tool(tool_ctx(counter_ws), "lint", {"files": ["rtl/counter.v"], "top": "counter"})
    assert r.ok, r.summary
    assert r.backend == backend
    assert r.metrics["lint__errors"] == 0
    assert (counter_ws / r.artifacts["verilator_log"]).exists()


def test_lint_syntax_error_has_right_line(counter_ws, tool_ctx, run_tool):
    rel = write(counter_ws, "rtl/bad.v", BAD_SYNTAX)
    r = run_tool(tool_ctx(counter_ws), "lint", {"files": [rel]})
    assert not r.ok and r.failure == "check"
    errs = [d for d in r.diagnostics if d.severity == "error" and d.file == "rtl/bad.v"]
    assert errs, r.diagnostics
    assert errs[0].line == 4  # `endmodule` is where both front ends notice the missing operand


def test_lint_reports_width_warning_with_code(counter_ws, tool_ctx, run_tool):
    rel = write(
        counter_ws,
        "rtl/w.v",
        "module w(input [3:0] a, output [1:0] b);\n  assign b = a;\nendmodule\n",
    )
    r = run_tool(tool_ctx(counter_ws), "lint", {"files": [rel], "top": "w"})
    assert r.ok  # warnings do not fail lint
    width = [d for d in r.diagnostics if d.code == "WIDTH"]
    assert width and width[0].file == "rtl/w.v" and width[0].line == 2
    assert width[0].severity == "warning"


def test_lint_not_verilog_file(counter_ws, tool_ctx, run_tool):
    rel = write(counter_ws, "notes.txt", "This is a shopping list { eggs, milk }\n")
    r = run_tool(tool_ctx(counter_ws), "lint", {"files": [rel]})
    assert not r.ok
    assert any(d.file == "notes.txt" and d.line == 1 for d in r.errors)


def test_lint_binary_file_refused(counter_ws, tool_ctx, run_tool):
    (counter_ws / "blob.v").write_bytes(b"\x7fELF\x00\x00\x01binary")
    r = run_tool(tool_ctx(counter_ws), "lint", {"files": ["blob.v"]})
    assert not r.ok and r.failure == "input"
    assert "binary" in r.summary


def test_missing_file_is_input_error(counter_ws, tool_ctx, run_tool):
    r = run_tool(tool_ctx(counter_ws), "lint", {"files": ["rtl/nope.v"]})
    assert not r.ok and r.failure == "input"
    assert "rtl/nope.v" in r.summary


@pytest.mark.parametrize("path", ["../outside.v", "/etc/passwd", "rtl/../../x.v"])
def test_path_outside_workspace_refused(counter_ws, tool_ctx, run_tool, path):
    (counter_ws.parent / "outside.v").write_text("module o; endmodule\n")
    r = run_tool(tool_ctx(counter_ws), "simulate", {"files": [path], "top": "o"})
    assert not r.ok and r.failure == "input"
    assert "outside the workspace" in r.summary


def test_symlink_escape_refused(counter_ws, tool_ctx, run_tool):
    (counter_ws.parent / "secret.v").write_text("module s; endmodule\n")
    (counter_ws / "link.v").symlink_to(counter_ws.parent / "secret.v")
    r = run_tool(tool_ctx(counter_ws), "lint", {"files": ["link.v"]})
    assert r.failure == "input" and "outside the workspace" in r.summary


def test_wrong_top_name(counter_ws, tool_ctx, run_tool):
    ctx = tool_ctx(counter_ws)
    r = run_tool(ctx, "lint", {"files": ["rtl/counter.v"], "top": "countr"})
    assert not r.ok and "countr" in r.summary
    s = run_tool(ctx, "synthesize", {"files": ["rtl/counter.v"], "top": "countr"})
    assert not s.ok and "countr" in s.summary


def test_script_injection_in_top_refused(counter_ws, tool_ctx, run_tool):
    r = run_tool(
        tool_ctx(counter_ws),
        "synthesize",
        {"files": ["rtl/counter.v"], "top": "counter; exec rm -rf /"},
    )
    assert r.failure == "input" and "identifier" in r.summary


# ------------------------------------------------------------------------------------- simulate
SIM_FILES = ["rtl/counter.v", "tb/tb_counter.v"]


def test_simulate_counter_passes_with_vcd(counter_ws, tool_ctx, run_tool):
    r = run_tool(
        tool_ctx(counter_ws),
        "simulate",
        {"files": SIM_FILES, "top": "tb_counter", "pass_patterns": ["TEST PASSED"]},
    )
    assert r.ok, r.summary
    assert (counter_ws / r.artifacts["vcd"]).stat().st_size > 1000
    assert r.metrics["sim__exit_code"] == 0 and not r.metrics["sim__timed_out"]
    assert "TEST PASSED" in (counter_ws / r.artifacts["run_log"]).read_text()


def test_simulate_detects_wrong_design(counter_ws, tool_ctx, run_tool):
    rtl = counter_ws / "rtl/counter.v"
    rtl.write_text(rtl.read_text().replace("count + 1'b1", "count + 2'd2"))
    r = run_tool(tool_ctx(counter_ws), "simulate", {"files": SIM_FILES, "top": "tb_counter"})
    assert not r.ok and r.failure == "check"
    assert "ERROR" in r.summary or "FAIL" in r.summary


def test_simulate_required_pass_pattern_missing(counter_ws, tool_ctx, run_tool):
    r = run_tool(
        tool_ctx(counter_ws),
        "simulate",
        {"files": SIM_FILES, "top": "tb_counter", "pass_patterns": ["ALL GREEN"]},
    )
    assert not r.ok and "ALL GREEN" in r.summary


def test_simulate_fatal_and_error_are_failures(counter_ws, tool_ctx, run_tool):
    ctx = tool_ctx(counter_ws)
    rel = write(
        counter_ws, "tb/fatal.v", 'module tf; initial begin #1 $fatal(1, "boom"); end endmodule\n'
    )
    r = run_tool(ctx, "simulate", {"files": [rel], "top": "tf"})
    assert not r.ok
    assert any(d.code == "sim-fatal" and d.line == 1 for d in r.diagnostics)
    rel = write(
        counter_ws, "tb/err.v", 'module te; initial begin $error("bad"); $finish; end endmodule\n'
    )
    r = run_tool(ctx, "simulate", {"files": [rel], "top": "te"})
    assert not r.ok and any(d.code == "sim-error" for d in r.diagnostics)


def test_simulate_never_finishes_is_timeout(counter_ws, tool_ctx, run_tool):
    rel = write(counter_ws, "tb/hang.v", "module th; reg c = 0; always #1 c = ~c; endmodule\n")
    r = run_tool(tool_ctx(counter_ws), "simulate", {"files": [rel], "top": "th", "timeout_s": 2})
    assert not r.ok and r.failure == "timeout"
    assert "did not finish within 2 s" in r.summary
    assert r.duration_s < 15


def test_simulate_custom_fail_pattern_and_defines(counter_ws, tool_ctx, run_tool):
    rel = write(
        counter_ws,
        "tb/d.v",
        "module td; initial begin\n"
        '`ifdef MODE_B $display("mode B: Mismatches: 3 in 10 samples");\n'
        '`else $display("mode A: Mismatches: 0 in 10 samples"); `endif\n'
        "$finish; end endmodule\n",
    )
    ctx = tool_ctx(counter_ws)
    pats = {"pass_patterns": [r"Mismatches: 0 in \d+ samples"]}
    a = run_tool(ctx, "simulate", {"files": [rel], "top": "td", **pats})
    assert a.ok, a.summary
    b = run_tool(
        ctx, "simulate", {"files": [rel], "top": "td", "defines": {"MODE_B": None}, **pats}
    )
    assert not b.ok


def test_simulate_compile_error_located(counter_ws, tool_ctx, run_tool):
    rel = write(counter_ws, "rtl/bad.v", BAD_SYNTAX)
    r = run_tool(tool_ctx(counter_ws), "simulate", {"files": [rel], "top": "bad"})
    assert not r.ok and r.metrics["sim__compiled"] is False
    assert any(d.file == "rtl/bad.v" and d.line == 4 for d in r.errors)


def test_simulate_with_verilator(counter_ws, tool_ctx, run_tool):
    r = run_tool(
        tool_ctx(counter_ws),
        "simulate",
        {
            "files": SIM_FILES,
            "top": "tb_counter",
            "simulator": "verilator",
            "timeout_s": 120,
            "pass_patterns": ["TEST PASSED"],
        },
    )
    assert r.ok, r.summary + json.dumps([d.model_dump() for d in r.diagnostics])[:2000]


# ----------------------------------------------------------------------------- synth, sta, equiv
def test_synthesize_counter(counter_ws, tool_ctx, run_tool):
    r = run_tool(tool_ctx(counter_ws), "synthesize", {"files": ["rtl/counter.v"], "top": "counter"})
    assert r.ok, r.summary
    m = r.metrics
    assert 20 <= m["design__instance__count"] <= 80
    assert m["design__instance__area"] > 500
    assert m["synth__cells_by_type"].get("DFFPOSX1") == 8  # eight count bits
    netlist = (counter_ws / r.artifacts["netlist"]).read_text()
    assert "DFFPOSX1" in netlist and "module counter" in netlist


def test_synthesize_reports_latch_and_multiple_drivers(counter_ws, tool_ctx, run_tool):
    rel = write(
        counter_ws,
        "rtl/latchy.v",
        "module latchy(input en, input d, input e, "
        "output reg q, output y);\n  always @* if (en) q = d;\n  assign y = d;\n"
        "  assign y = e;\nendmodule\n",
    )
    r = run_tool(tool_ctx(counter_ws), "synthesize", {"files": [rel], "top": "latchy"})
    codes = {d.code for d in r.diagnostics}
    assert "latch" in codes, r.diagnostics
    latch = next(d for d in r.diagnostics if d.code == "latch")
    assert latch.file == "rtl/latchy.v" and latch.line == 2
    assert "multiple-drivers" in codes
    assert r.metrics["synth__latch__count"] == 1


def _synth(ctx, run_tool, top="counter", files=("rtl/counter.v",)):
    r = run_tool(ctx, "synthesize", {"files": list(files), "top": top})
    assert r.ok, r.summary
    return r.artifacts["netlist"]


def test_sta_met_and_violated(counter_ws, tool_ctx, run_tool):
    ctx = tool_ctx(counter_ws)
    netlist = _synth(ctx, run_tool)
    met = run_tool(
        ctx,
        "sta",
        {"netlist": netlist, "top": "counter", "clock_port": "clk", "clock_period_ns": 10},
    )
    assert met.ok and met.metrics["timing__met"]
    assert 0 < met.metrics["timing__setup__ws"] < 10
    assert met.metrics["timing__setup__tns"] == 0
    assert met.metrics["timing__hold__ws"] is not None
    fast = run_tool(
        ctx,
        "sta",
        {"netlist": netlist, "top": "counter", "clock_port": "clk", "clock_period_ns": 0.4},
    )
    assert not fast.ok and fast.failure == "check"
    assert fast.metrics["timing__setup__ws"] < 0
    assert fast.metrics["timing__setup__tns"] < fast.metrics["timing__setup__ws"]
    assert fast.metrics["timing__setup_vio__count"] > 1
    worst = fast.metrics["timing__setup__worst_path"]
    assert worst["slack"] == pytest.approx(fast.metrics["timing__setup__ws"], abs=1e-3)
    assert any(s["cell"] == "DFFPOSX1" for s in worst["stages"])
    # WNS scales with the clock: same path, 9.6 ns tighter clock
    assert met.metrics["timing__setup__ws"] - fast.metrics["timing__setup__ws"] == pytest.approx(
        9.6, abs=0.01
    )


def test_sta_wrong_clock_port_and_top(counter_ws, tool_ctx, run_tool):
    ctx = tool_ctx(counter_ws)
    netlist = _synth(ctx, run_tool)
    r = run_tool(
        ctx,
        "sta",
        {"netlist": netlist, "top": "counter", "clock_port": "clock", "clock_period_ns": 10},
    )
    assert r.failure == "input" and "clock port 'clock'" in r.summary
    r = run_tool(
        ctx,
        "sta",
        {"netlist": netlist, "top": "nosuch", "clock_port": "clk", "clock_period_ns": 10},
    )
    assert not r.ok and r.failure == "tool"


def test_equivalence_proves_and_catches_a_change(counter_ws, tool_ctx, run_tool):
    ctx = tool_ctx(counter_ws)
    netlist = _synth(ctx, run_tool)
    good = run_tool(
        ctx, "equivalence", {"files": ["rtl/counter.v"], "netlist": netlist, "top": "counter"}
    )
    assert good.ok, good.summary
    assert good.metrics["equiv__unproven"] == 0 and good.metrics["equiv__proven"] >= 9
    # Change the RTL (wrap flag now inverted) and compare against the old netlist.
    rtl = counter_ws / "rtl/counter.v"
    write(
        counter_ws,
        "rtl/counter_mut.v",
        rtl.read_text().replace("assign wrap = en &&", "assign wrap = !en &&"),
    )
    bad = run_tool(
        ctx, "equivalence", {"files": ["rtl/counter_mut.v"], "netlist": netlist, "top": "counter"}
    )
    assert not bad.ok and bad.failure == "check"
    assert bad.metrics["equiv__unproven"] >= 1
    assert any("wrap" in d.message for d in bad.diagnostics)


def test_unknown_liberty_file_refused(counter_ws, tool_ctx, run_tool):
    r = run_tool(
        tool_ctx(counter_ws),
        "synthesize",
        {"files": ["rtl/counter.v"], "top": "counter", "liberty": "libs/none.lib"},
    )
    assert r.failure == "input" and "libs/none.lib" in r.summary


@pytest.mark.docker
def test_private_file_in_docker_gives_clear_error(counter_ws, tmp_path):
    """Root host, uid-1000 sandbox: an unreadable source is named with the chmod that fixes it."""
    import os

    from siliconcrew.sandbox import open_sandbox
    from siliconcrew.tools.base import ToolContext
    from siliconcrew.tools.registry import execute, load_registry
    from tests.conftest import settings_for

    if os.getuid() != 0:
        pytest.skip("only root hosts run the sandbox as another uid")
    (counter_ws / "rtl/counter.v").chmod(0o600)
    ctx = ToolContext(counter_ws, lambda w: open_sandbox(w, settings_for("docker"), quiet=True))
    try:
        r = execute(load_registry(False).get("lint"), {"files": ["rtl/counter.v"]}, ctx)
    finally:
        ctx.close()
    assert r.failure == "input" and "chmod o+r" in r.summary


def test_equivalence_by_simulation_on_a_multiplier(tmp_path, tool_ctx, run_tool):
    """SAT cannot finish a multiplier quickly; random co-simulation checks it, and finds a bug."""
    import shutil

    from tests.conftest import EXAMPLES

    ws = tmp_path / "mac8"
    shutil.copytree(EXAMPLES / "mac8", ws, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    ctx = tool_ctx(ws)
    netlist = _synth(ctx, run_tool, top="mac8", files=("rtl/mac8.v",))
    good = run_tool(
        ctx,
        "equivalence",
        {
            "files": ["rtl/mac8.v"],
            "netlist": netlist,
            "top": "mac8",
            "method": "simulation",
            "sim_cycles": 500,
        },
    )
    assert good.ok, good.summary
    assert good.metrics["equiv__method"] == "simulation" and good.metrics["equiv__compared"] > 400
    assert "not a proof" in good.summary
    rtl = ws / "rtl" / "mac8.v"
    write(ws, "rtl/mac8_bug.v", rtl.read_text().replace("a * b", "a * (b ^ 8'h01)"))
    bad = run_tool(
        ctx,
        "equivalence",
        {
            "files": ["rtl/mac8_bug.v"],
            "netlist": netlist,
            "top": "mac8",
            "method": "simulation",
            "sim_cycles": 500,
        },
    )
    assert not bad.ok and bad.failure == "check"
    assert bad.metrics["equiv__mismatches"] > 0
    assert bad.diagnostics[0].message.startswith("MISMATCH") and "acc" in bad.diagnostics[0].message
