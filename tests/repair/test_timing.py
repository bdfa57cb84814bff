"""Timing debug analysis (issue 6 §1): report parsing, RTL mapping, root causes, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.repair.timing import analyze, analyze_report, report_figures
from siliconcrew.repair.timing.rtl_map import Netlist, parse_src, sta_name_map
from siliconcrew.sandbox import open_sandbox

REPORTS = FIXTURES / "timing-reports"
ALL_REPORTS = sorted(REPORTS.iterdir()) if REPORTS.is_dir() else []


def local_factory(ws: Path):
    return open_sandbox(ws, SandboxSettings(backend="local"), quiet=True)


def make_design(root: Path, name: str, rtl: str, period: float, clock: str | None = "clk") -> Path:
    d = root / name
    (d / "rtl").mkdir(parents=True)
    (d / "rtl" / f"{name}.v").write_text(rtl)
    clk = f"{{port: {clock}, period_ns: {period}}}" if clock else f"{{period_ns: {period}}}"
    (d / "design.yaml").write_text(
        f"name: {name}\ntop: {name}\nrtl: [rtl/{name}.v]\nclock: {clk}\n"
    )
    return d


def line_of(rtl: str, marker: str) -> int:
    return next(i for i, ln in enumerate(rtl.splitlines(), 1) if marker in ln)


# ------------------------------------------------------------------------------ report parsing
@pytest.mark.parametrize("report", ALL_REPORTS, ids=lambda p: p.name)
def test_every_fixture_report_parses(report):
    result = analyze_report(report.read_text(errors="replace"))
    assert set(result) >= {"wns", "tns", "paths", "met"}
    for p in result["paths"]:
        assert p["slack"] < 0 and p["start"] and p["end"]


EXPECTED = {  # read by hand from the files
    "openroad_report_checks_wns_tns_violated_gcd_asap7.log": (-748.23, -748.23, -26784.16, False),
    "ol1_multi_corner_sta_summary_hold_violated.rpt": (1.18, 0.0, 0.0, True),
    "ol2_sta_max_ss_100C_1v60_ws.max.rpt": (5.046576, 0.0, 0.0, True),
    "ol2_sta_max_ss_100C_1v60_max_met.rpt": (5.046576, 0.0, 0.0, True),
    "librelane_55-stapostpnr_summary_noclock.rpt": (6.0215, 0.0, 0.0, True),
    "librelane_ihp_sg13g2_55-stapostpnr_summary_met.rpt": (43.5447, 0.0, 0.0, True),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_figures(name):
    ws, wns, tns, met = EXPECTED[name]
    r = analyze_report((REPORTS / name).read_text(errors="replace"))
    assert r["worst_slack"] == pytest.approx(ws)
    assert r["wns"] == pytest.approx(wns)
    assert r["tns"] == pytest.approx(tns)
    assert r["met"] is met


def test_openroad_paths_and_structural_causes():
    text = (REPORTS / "openroad_report_checks_wns_tns_violated_gcd_asap7.log").read_text()
    r = analyze_report(text, top_paths=5)
    worst = r["paths"][0]
    assert worst["slack"] == pytest.approx(-748.23)
    assert worst["start"] == "dpath/a_lt_b$in1[0]$_DFFE_PP_"
    assert worst["end"] == "ctrl/state/out[1]$_DFF_P_"
    assert worst["levels"] >= 30
    assert worst["causes"][0]["class"] == "deep_combinational_chain"
    assert [p["slack"] for p in r["paths"]] == sorted(p["slack"] for p in r["paths"])


def test_hold_only_report_and_fanout_from_net_lines():
    hold = analyze_report((REPORTS / "ol1_multi_corner_sta_min_hold_violated.rpt").read_text())
    assert hold["worst_slack"] is None and hold["hold_worst_slack"] < 0
    # ol2 prints fanout on '(net)' lines: net37 (34 loads) is driven by input37/X
    from siliconcrew.repair.timing.analysis import net_fanouts

    fans = net_fanouts((REPORTS / "ol2_sta_max_ss_100C_1v60_max_met.rpt").read_text())
    assert fans[0]["input37/X"] == 34


def test_high_fanout_cause_from_report_text():
    text = (REPORTS / "ol2_sta_max_ss_100C_1v60_max_met.rpt").read_text()
    # make the met path violate: its net37 fanout of 34 must be named as a cause
    text = text.replace("slack (MET)", "slack (VIOLATED)", 1)
    first_slack = [ln for ln in text.splitlines() if "slack (VIOLATED)" in ln][0]
    text = text.replace(
        first_slack, first_slack.replace(first_slack.split()[0], "-" + first_slack.split()[0]), 1
    )
    r = analyze_report(text)
    causes = {c["class"]: c for c in r["paths"][0]["causes"]}
    assert "high_fanout" in causes and "34 loads" in causes["high_fanout"]["evidence"]


def test_malformed_reports_are_clear_errors():
    with pytest.raises(UserInputError, match="not a timing report"):
        report_figures("hello\nthis is a lint log\n")
    truncated = "Startpoint: _1_ (rising edge-triggered flip-flop clocked by clk)\nEndpoint: _2_\n"
    with pytest.raises(UserInputError, match="truncated"):
        report_figures(truncated)


def test_parse_src_and_name_escaping():
    assert parse_src("/w/rtl/a.v:12.5-14.20|/w/b.v:3.1-3.9") == [
        ("/w/rtl/a.v", 12, 14),
        ("/w/b.v", 3, 3),
    ]
    top = "00000000000000000000000000000001"
    nl = Netlist.from_json(
        {
            "modules": {
                "t": {
                    "attributes": {"top": top},
                    "ports": {},
                    "cells": {
                        "\\u_reg[3]": {"type": "DFFPOSX1", "connections": {"Q": [2]}},
                        "$abc$1$x": {"type": "INVX1", "connections": {"A": [2], "Y": [3]}},
                    },
                    "netnames": {
                        "$w": {"bits": [3], "hide_name": 1},
                        "q": {"bits": [2], "hide_name": 0},
                    },
                }
            }
        }
    )
    m = sta_name_map(nl)
    assert m["u_reg[3]"] == "\\u_reg[3]"  # escaped public name, unescaped as STA prints it
    assert m["_1_"] == "$abc$1$x"  # one private wire (_0_) numbered before the cell


# ------------------------------------------------------------------------------ real designs
MUL16 = """module mul16 (
    input  wire        clk,
    input  wire [15:0] a,
    input  wire [15:0] b,
    output reg  [31:0] p
);
    reg [15:0] ra, rb;
    always @(posedge clk) begin
        ra <= a;
        rb <= b;
    end
    wire [31:0] prod = ra * rb;  // MUL
    always @(posedge clk) p <= prod;
endmodule
"""

ADDCHAIN = """module addchain (
    input wire clk,
    input wire [15:0] a, b, c, d,
    output reg [15:0] y
);
    reg [15:0] ra, rb, rc, rd;
    always @(posedge clk) begin ra <= a; rb <= b; rc <= c; rd <= d; end
    wire [15:0] s1 = ra + rb;   // ADD1
    wire [15:0] s2 = s1 + rc;   // ADD2
    wire [15:0] s3 = s2 + rd;   // ADD3
    always @(posedge clk) y <= s3;
endmodule
"""

FANOUT = """module fan64 (
    input wire clk,
    input wire s,
    input wire [63:0] x,
    output reg [63:0] y
);
    reg sel;
    reg [63:0] rx;
    always @(posedge clk) begin sel <= s; rx <= x; end
    always @(posedge clk) y <= sel ? rx : ~rx;  // FAN
endmodule
"""


def test_multiplier_maps_to_its_line_with_wide_arithmetic(tmp_path):
    d = make_design(tmp_path, "mul16", MUL16, period=2.0)
    r = analyze(d, local_factory, top_paths=3)
    assert r["met"] is False and r["wns"] < 0
    worst = r["paths"][0]
    assert worst["start_signal"].split("[")[0] in ("ra", "rb")
    assert worst["end_signal"].startswith("p[")
    ops = [e for e in worst["rtl"] if e["op"] == "$mul"]
    assert ops and ops[0]["line"] == line_of(MUL16, "// MUL") and ops[0]["file"] == "rtl/mul16.v"
    assert ops[0]["signal"] == "prod"
    classes = [c["class"] for c in worst["causes"]]
    assert classes[0] == "wide_arithmetic"
    assert r["hotspots"][0]["op"] == "$mul"


def test_add_chain_maps_each_line_in_order(tmp_path):
    d = make_design(tmp_path, "addchain", ADDCHAIN, period=1.5)
    r = analyze(d, local_factory, top_paths=2)
    worst = r["paths"][0]
    add_lines = [e["line"] for e in worst["rtl"] if e["op"] == "$add"]
    want = [line_of(ADDCHAIN, f"// ADD{i}") for i in (1, 2, 3)]
    assert add_lines == want, worst["rtl"]
    assert [e["signal"] for e in worst["rtl"] if e["op"] == "$add"] == ["s1", "s2", "s3"]
    assert "wide_arithmetic" in [c["class"] for c in worst["causes"]]


def test_register_with_64_loads_is_high_fanout(tmp_path):
    d = make_design(tmp_path, "fan64", FANOUT, period=0.6)
    r = analyze(d, local_factory, top_paths=3)
    assert r["met"] is False
    worst = r["paths"][0]
    assert worst["start_signal"] == "sel", worst
    causes = {c["class"]: c for c in worst["causes"]}
    assert "high_fanout" in causes, worst["causes"]
    assert "(sel)" in causes["high_fanout"]["evidence"]
    assert any(e["op"] == "$mux" and e["line"] == line_of(FANOUT, "// FAN") for e in worst["rtl"])


def test_design_that_meets_timing_has_no_paths(counter_ws, tool_ctx, backend):
    # through both backends: the same analysis inside docker maps files back to the workspace
    r = analyze(counter_ws, lambda ws: tool_ctx(ws).sandbox, clock_period_ns=50)
    assert r["met"] is True and r["paths"] == [] and r["worst_slack"] > 0


def test_own_sta_output_parses(tmp_path):
    d = make_design(tmp_path, "mul16", MUL16, period=2.0)
    r = analyze(d, local_factory, top_paths=1)
    text = (d / r["report"]).read_text()
    again = analyze_report(text, top_paths=1)
    assert again["wns"] == pytest.approx(r["wns"]) and again["tns"] == pytest.approx(r["tns"])
    assert again["paths"][0]["slack"] == pytest.approx(r["paths"][0]["slack"])


# ------------------------------------------------------------------------------ CLI
def test_cli_json_and_exit_codes(tmp_path):
    d = make_design(tmp_path, "mul16", MUL16, period=2.0)
    res = run_cli(
        "timing", str(d), "--clock-period", "2", "--top-paths", "2", "--json", "--sandbox", "local"
    )
    assert res.returncode == 1, res.stderr
    data = json.loads(res.stdout)
    assert data["wns"] < 0 and len(data["paths"]) == 2
    p = data["paths"][0]
    assert set(p) >= {"start", "end", "slack", "rtl", "causes"}
    assert {"file", "line", "signal"} <= set(p["rtl"][0])
    met = run_cli("timing", str(d), "--clock-period", "100", "--sandbox", "local")
    assert met.returncode == 0 and "timing met" in met.stdout


def test_cli_malformed_report_exit_2(tmp_path):
    bad = tmp_path / "bad.rpt"
    bad.write_text("\x00\x01 nothing here\n")
    res = run_cli("timing", str(tmp_path), "--report", str(bad))
    assert res.returncode == 2
    assert res.stderr.startswith("error: not a timing report") and res.stderr.count("\n") == 1
    good = run_cli(
        "timing",
        str(tmp_path),
        "--report",
        str(REPORTS / "openroad_report_checks_wns_tns_violated_gcd_asap7.log"),
    )
    assert good.returncode == 1 and "-748.23" in good.stdout


def test_every_violating_path_names_a_cause(tmp_path):
    """A valid/ready accumulator (corpus `accu`, not written for this test) far below its
    period: short control paths (count compare → load mux, 3 levels) named no cause at all."""
    import shutil

    d = tmp_path / "accu"
    shutil.copytree(Path(__file__).parents[2] / "benchmarks" / "corpus" / "accu", d)
    res = run_cli(
        "timing",
        str(d),
        "--clock-period",
        "0.5",
        "--top-paths",
        "40",
        "--json",
        "--sandbox",
        "local",
    )
    assert res.returncode == 1, res.stderr[-1500:]  # violated, and --top-paths 40 is accepted
    paths = json.loads(res.stdout)["paths"]
    assert len(paths) > 10
    assert all(p["causes"] for p in paths), [p["start_signal"] for p in paths if not p["causes"]]
    short = [p for p in paths if p["causes"][0]["class"] == "period_near_cell_floor"]
    assert short and all(p["levels"] <= 4 for p in short)
    assert "rtl/accu.v:" in short[0]["causes"][0]["evidence"]
