"""Parsers of timing reports (sta_report) and of yosys logs (diagnostics.parse_yosys).

Two kinds of input: reports made here by the real `sta` tool on the counter, and verbatim
OpenSTA / OpenROAD / OpenLane reports from /work/shared/fixtures (see SOURCES.md there). The
expected values below were read from the fixture files by hand; the parser must reproduce them.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from siliconcrew.tools.diagnostics import parse_yosys
from siliconcrew.tools.sta import _sections
from siliconcrew.tools.sta_report import parse_endpoint_table, parse_paths

TIMING = FIXTURES / "timing-reports"
YOSYS = FIXTURES / "yosys"
COUNTER_RTL = {"files": ["rtl/counter.v"], "top": "counter", "liberty": "osu018"}


def read(path):
    return path.read_text(errors="replace")


def assert_arrivals_add_up(path, tol):
    """Each stage's arrival is the previous arrival plus its incr: the columns were split right."""
    for prev, cur in zip(path.stages, path.stages[1:], strict=False):
        assert cur.arrival == pytest.approx(prev.arrival + cur.incr, abs=tol), (prev, cur)
    assert path.stages[-1].arrival == pytest.approx(path.arrival, abs=tol)


# ----------------------------------------------------------------- real sta on the counter
@pytest.fixture
def counter_netlist(counter_ws, tool_ctx, run_tool):
    ctx = tool_ctx(counter_ws)
    res = run_tool(ctx, "synthesize", COUNTER_RTL)
    assert res.ok, res.summary
    return ctx, res.artifacts["netlist"]


def test_sta_counter_violated_at_half_ns(counter_ws, counter_netlist, run_tool):
    ctx, netlist = counter_netlist
    res = run_tool(
        ctx,
        "sta",
        {
            "netlist": netlist,
            "top": "counter",
            "clock_port": "clk",
            "clock_period_ns": 0.5,
            "liberty": "osu018",
        },
    )
    assert res.ok is False and res.failure == "check", res.summary
    m = res.metrics
    assert m["timing__setup__ws"] < 0
    assert m["timing__setup__tns"] <= m["timing__setup__ws"]
    assert m["timing__setup_vio__count"] > 0
    assert m["timing__met"] is False
    # 8 flops (D pins) + 9 outputs (count[7:0], wrap) are the setup endpoints
    assert m["timing__endpoints"] == 17
    assert "timing VIOLATED" in res.summary
    setup_diags = [d for d in res.diagnostics if d.code == "setup"]
    assert len(setup_diags) == m["timing__setup_vio__count"]

    worst = m["timing__setup__worst_path"]
    assert worst["slack"] == pytest.approx(m["timing__setup__ws"], abs=1e-4)
    assert worst["slack"] == pytest.approx(worst["required"] - worst["arrival"], abs=2e-4)
    assert worst["path_type"] == "max" and worst["group"] == "clk"
    assert "clocked by clk" in worst["startpoint"] and "clocked by clk" in worst["endpoint"]
    stages = worst["stages"]
    assert len(stages) >= 3
    cells = [s["cell"] for s in stages]
    assert "DFFPOSX1" in cells
    assert stages[0]["pin"].endswith("/CLK") and stages[0]["cell"] == "DFFPOSX1"
    assert stages[-1]["pin"].endswith("/D") and stages[-1]["cell"] == "DFFPOSX1"
    assert all(s["edge"] in "^v" for s in stages)
    arrivals = [s["arrival"] for s in stages]
    assert arrivals == sorted(arrivals) and arrivals[-1] == pytest.approx(worst["arrival"])

    # The report file parses to the same numbers when read again from disk.
    text = (counter_ws / res.artifacts["report"]).read_text()
    sec = _sections(text)
    setup_rows = parse_endpoint_table(sec["setup_end"])
    assert len(setup_rows) == 17
    assert min(r.slack for r in setup_rows) == pytest.approx(m["timing__setup__ws"])
    assert sum(r.slack < 0 for r in setup_rows) == m["timing__setup_vio__count"]
    for r in setup_rows:
        assert r.slack == pytest.approx(r.required - r.actual, abs=2e-4)
    paths = parse_paths(sec["setup_paths"])
    assert paths and paths[0].slack == pytest.approx(worst["slack"])
    assert_arrivals_add_up(paths[0], tol=2e-4)
    # the whole report: setup and hold tables both, nothing else
    assert len(parse_endpoint_table(text)) == 34


def test_sta_counter_met_at_10ns(counter_ws, counter_netlist, run_tool):
    ctx, netlist = counter_netlist
    res = run_tool(
        ctx,
        "sta",
        {
            "netlist": netlist,
            "top": "counter",
            "clock_port": "clk",
            "clock_period_ns": 10,
            "liberty": "osu018",
        },
    )
    assert res.ok is True, res.summary
    m = res.metrics
    assert m["timing__setup__ws"] > 0 and m["timing__hold__ws"] > 0
    assert m["timing__setup_vio__count"] == 0 and m["timing__setup__tns"] == 0
    assert m["timing__met"] is True
    assert not [d for d in res.diagnostics if d.severity == "error"]
    # fmax follows from the slack: 1 / (period - WNS)
    assert m["clock__fmax_mhz"] == pytest.approx(1000 / (10 - m["timing__setup__ws"]), rel=1e-3)


# ---------------------------------------------------------- OpenROAD golden (gcd, asap7)
def test_openroad_gcd_asap7_violated_paths():
    paths = parse_paths(read(TIMING / "openroad_report_checks_wns_tns_violated_gcd_asap7.log"))
    assert len(paths) == 3
    flop = "(rising edge-triggered flip-flop clocked by core_clock)"
    # long names wrap: "Startpoint: <name>" then the "(...)" on the next, indented line
    assert paths[0].startpoint == f"dpath/a_lt_b$in1[0]$_DFFE_PP_ {flop}"
    assert paths[0].endpoint == f"dpath/a_lt_b$in1[1]$_DFFE_PP_ {flop}"
    assert paths[1].endpoint == f"ctrl/state/out[1]$_DFF_P_ {flop}"
    assert [p.slack for p in paths] == [-430.88, -708.24, -748.23]
    assert [p.arrival for p in paths] == [901.96, 1179.25, 1218.42]
    assert [p.required for p in paths] == [471.08, 471.01, 470.19]
    assert {p.group for p in paths} == {"core_clock"}
    assert {p.path_type for p in paths} == {"max"}

    first = paths[0]
    assert len(first.stages) == 25
    assert first.stages[0].pin == "dpath/a_lt_b$in1[0]$_DFFE_PP_/CLK"
    assert first.stages[0].cell == "DFFHQNx1_ASAP7_75t_R"
    assert (first.stages[1].pin, first.stages[1].incr, first.stages[1].arrival) == (
        "dpath/a_lt_b$in1[0]$_DFFE_PP_/QN",
        71.18,
        71.18,
    )
    assert first.stages[2].edge == "v" and first.stages[2].cell == "INVx1_ASAP7_75t_R"
    assert first.stages[-1].pin == "dpath/a_lt_b$in1[1]$_DFFE_PP_/D"
    assert_arrivals_add_up(first, tol=0.011)
    # capture-side lines (clock edge, library setup time) are not stages
    assert not any(s.pin.endswith("/CLK") for s in first.stages[1:])


def test_openroad_gcd_has_no_endpoint_table():
    text = read(TIMING / "openroad_report_checks_wns_tns_violated_gcd_asap7.log")
    assert parse_endpoint_table(text) == []


# ----------------------------------------------------------------- OpenLane 2 (sky130)
def test_ol2_checks_rpt_unconstrained_path():
    text = read(TIMING / "ol2_sta_max_ss_100C_1v60_checks.rpt")
    paths = parse_paths(text)
    assert len(paths) == 1
    p = paths[0]
    assert p.startpoint == "wb_rst_i (input port clocked by clk)"
    assert p.endpoint == "_308_ (rising edge-triggered flip-flop clocked by clk)"
    assert (p.path_type, p.group) == ("max", "clk")
    assert (p.arrival, p.required, p.slack) == (28.175699, 33.222275, 5.046576)
    # Fanout/Cap/Slew/Delay/Time columns: net lines are not stages, Delay is the incr
    assert len(p.stages) == 26
    assert (p.stages[0].pin, p.stages[0].cell, p.stages[0].arrival) == ("wb_rst_i", "in", 18.07)
    assert (p.stages[1].pin, p.stages[1].incr, p.stages[1].arrival) == (
        "input37/A",
        0.000242,
        18.07024,
    )
    assert (p.stages[2].pin, p.stages[2].incr) == ("input37/X", 0.259387)
    assert p.stages[-1].pin == "_308_/D" and p.stages[-1].cell == "sky130_fd_sc_hd__dfxtp_1"
    assert not any(s.pin.endswith("(net)") or s.cell == "net" for s in p.stages)
    assert_arrivals_add_up(p, tol=5e-6)


def test_ol2_checks_rpt_slew_table_is_not_endpoints():
    """`report_check_types -max_slew` rows look like endpoint rows but are pins vs slew limits."""
    text = read(TIMING / "ol2_sta_max_ss_100C_1v60_checks.rpt")
    assert (
        "output79/A                              1.000000    1.437235   -0.437235 (VIOLATED)"
        in text
    )
    assert parse_endpoint_table(text) == []


def test_ol2_max_rpt_met_paths():
    paths = parse_paths(read(TIMING / "ol2_sta_max_ss_100C_1v60_max_met.rpt"))
    assert len(paths) >= 4
    assert [(p.endpoint.split(" (")[0], p.slack) for p in paths[:4]] == [
        ("_308_", 5.046576),
        ("_298_", 5.218062),
        ("_301_", 5.239283),
        ("_300_", 5.252332),
    ]
    assert {p.startpoint for p in paths[:4]} == {"wb_rst_i (input port clocked by clk)"}
    assert all(p.slack > 0 for p in paths[:4])
    assert paths[1].arrival == 28.027391 and paths[1].required == 33.245453


# ---------------------------------------------------------- OpenLane 1 hold (gf180mcu)
def test_ol1_min_rpt_hold_violations():
    # the file is cut after line 400: the 7th chunk joins two paths, so only the first 6 count
    paths = parse_paths(read(TIMING / "ol1_multi_corner_sta_min_hold_violated.rpt"))[:6]
    assert [p.slack for p in paths] == [-0.11, -0.10, -0.09, 0.30, 0.47, 0.47]
    assert [p.startpoint for p in paths[:3]] == [
        "wbs_dat_i[7] (input port clocked by clk)",
        "la_data_in[48] (input port clocked by clk)",
        "wbs_dat_i[6] (input port clocked by clk)",
    ]
    assert [p.endpoint.split(" (")[0] for p in paths[:3]] == ["_350_", "_345_", "_349_"]
    assert paths[4].startpoint == "_369_ (rising edge-triggered flip-flop clocked by clk)"
    assert {p.path_type for p in paths} == {"min"}
    assert sum(p.slack < 0 for p in paths) == 3
    p = paths[0]
    assert (p.arrival, p.required) == (7.52, 7.63)
    assert (p.stages[0].pin, p.stages[0].fanout, p.stages[0].arrival) == ("wbs_dat_i[7]", 2, 5.69)
    assert (p.stages[2].pin, p.stages[2].fanout, p.stages[2].incr) == ("input52/Z", 2, 0.26)
    assert p.stages[-1].pin == "_350_/D"
    assert p.stages[-1].cell == "gf180mcu_fd_sc_mcu7t5v0__dffq_4"
    assert len(p.stages) == 12
    assert_arrivals_add_up(p, tol=0.011)


def test_summary_reports_are_not_paths():
    for name in (
        "ol2_stapostpnr_summary_met.rpt",
        "ol1_multi_corner_sta_summary_hold_violated.rpt",
        "ol2_sta_max_ss_100C_1v60_wns.max.rpt",
    ):
        text = read(TIMING / name)
        assert text.strip()
        assert parse_paths(text) == [] and parse_endpoint_table(text) == [], name


# --------------------------------------------------------------------- yosys diagnostics
def test_yosys_multiple_conflicting_drivers():
    log = YOSYS / "issue_openlane1334_yosys_check_multiple_conflicting_drivers.log"
    diags = parse_yosys(read(log), lambda p: p)
    assert len(diags) == 1
    d = diags[0]
    assert (d.severity, d.code, d.file, d.line) == ("warning", "multiple-drivers", None, None)
    assert "user_project_wrapper.\\io_in [16]" in d.message


def test_yosys_multiple_drivers_colorlite():
    diags = parse_yosys(read(YOSYS / "issue_colorlite4_yosys_check_pass_summary.log"), lambda p: p)
    assert [(d.code, d.severity) for d in diags] == [("multiple-drivers", "warning")]
    assert "colorlite.\\sys_rst" in diags[0].message


def test_yosys_wire_used_no_driver():
    diags = parse_yosys(
        read(YOSYS / "issue_openlane2098_yosys_wire_used_no_driver.log"), lambda p: p
    )
    assert len(diags) == 11
    assert {d.code for d in diags} == {"no-driver"}
    assert {d.severity for d in diags} == {"warning"}
    wires = [d.message.split("HL_NEURON.\\")[1].split(" is used")[0] for d in diags]
    assert wires == [f"VALUE_OUT [{i}]" for i in range(7, -1, -1)] + [
        "VALID_OUT",
        "READY",
        "OVERFLOW",
    ]


def test_yosys_clean_librelane_log():
    """Only 'ABC: Warning: ...' in this log: not a yosys warning line, and no error."""
    text = read(YOSYS / "librelane_06-yosys-synthesis.log")
    assert "ABC: Warning: Detected 2 multi-output cells" in text
    diags = parse_yosys(text, lambda p: p)
    assert not [d for d in diags if d.severity == "error"]
    assert not [d for d in diags if d.code in ("multiple-drivers", "no-driver", "latch")]


def test_yosys_file_errors_are_mapped():
    text = (
        "/workspace/.siliconcrew/jobs/x/../../rtl/top.v:12: ERROR: syntax error, "
        "unexpected ';'\nERROR: Module `foo' referenced in module `top' is not part of the "
        "design.\n"
    )
    seen = []

    def mapper(p):
        seen.append(p)
        return "rtl/top.v"

    diags = parse_yosys(text, mapper)
    assert seen == ["/workspace/.siliconcrew/jobs/x/../../rtl/top.v"]
    assert [(d.file, d.line, d.severity) for d in diags] == [
        ("rtl/top.v", 12, "error"),
        (None, None, "error"),
    ]
    assert "syntax error" in diags[0].message and "foo" in diags[1].message


def test_synthesize_reports_real_yosys_driver_problems(tmp_path, tool_ctx, run_tool):
    """The same messages, produced by the yosys in the sandbox, reach the synthesize result."""
    ws = tmp_path / "ws"  # tmp_path itself is 0700 root: the docker sandbox user can't enter it
    ws.mkdir(mode=0o755)
    (ws / "md.v").write_text(
        "module md(input a, input b, output y, output z);\n"
        "  wire w;\n"
        "  assign y = a;\n"
        "  assign y = b;\n"
        "  assign z = w;\n"
        "endmodule\n"
    )
    res = run_tool(tool_ctx(ws), "synthesize", {"files": ["md.v"], "top": "md"})
    assert res.ok, res.summary
    codes = [d.code for d in res.diagnostics]
    assert "multiple-drivers" in codes and "no-driver" in codes
    assert res.metrics["synth__multiple_driver__count"] >= 1
    assert "md." in next(d for d in res.diagnostics if d.code == "no-driver").message
