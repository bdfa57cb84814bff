"""Failure classification, repair policies and the repair loop (siliconcrew.repair.hardening).

Classification is checked against every real log/report/metrics file in ../shared/fixtures
(librelane-logs, yosys, timing-reports, librelane-metrics) and the qflow logs produced for this
test in tests/fixtures/qflow (see SOURCES.md there): each file must land in exactly the expected
classes, clean ones in none, and the evidence must be the line of the file that triggered it.

The repair loop is driven by a toy engine whose outcome is a pure function of its config (the
route fails while density > 60, timing fails while the clock period < 12 ns); the logs it
returns for a failure are the real qflow logs, so the loop classifies real text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from siliconcrew.engines.base import FlowEngine, FlowResult, StageResult
from siliconcrew.repair.hardening.classify import (
    ANTENNA_VIOLATIONS,
    CLASS_ORDER,
    DRC_VIOLATIONS,
    HOLD_VIOLATIONS,
    LVS_MISMATCH,
    MAX_SLEW_CAP_FANOUT,
    PLACEMENT_DENSITY,
    POWER_GRID_VIOLATIONS,
    ROUTING_CONGESTION,
    SETUP_VIOLATIONS,
    SYNTHESIS_PROBLEM,
    TOOL_CRASH,
    UNKNOWN,
    classify,
    load_metrics,
    primary,
    read_log,
)
from siliconcrew.repair.hardening.loop import choose_action, config_diff, repair_loop
from siliconcrew.repair.hardening.policies import (
    ABSTRACT_ACTIONS,
    POLICIES,
    SEND_BACK_TARGETS,
    all_actions,
    policy_for,
)

QFLOW = Path(__file__).parents[1] / "fixtures" / "qflow"

SP, PD, RC, DRC, ANT, LVS = (
    SYNTHESIS_PROBLEM,
    PLACEMENT_DENSITY,
    ROUTING_CONGESTION,
    DRC_VIOLATIONS,
    ANTENNA_VIOLATIONS,
    LVS_MISMATCH,
)
MSCF, SETUP, HOLD = MAX_SLEW_CAP_FANOUT, SETUP_VIOLATIONS, HOLD_VIOLATIONS

# file (relative to its directory) -> {expected class: a substring of the triggering line}.
# {} = clean: no failure class at all.
LOG_EXPECTED: dict[str, dict[str, str]] = {
    # --- librelane-logs -----------------------------------------------------------------
    "librelane-logs/issue_librelane744_ol2_drt_64th_iteration_26_violations.log": {
        DRC: "Completing 20% with 26 violations."
    },
    "librelane-logs/issue_magic138_ol1_magic_drc_6_violations.log": {
        DRC: "Total Magic DRC violations is 6"
    },
    "librelane-logs/issue_openlane1029_ol1_lvs_summary_unmatched_pins.log": {
        LVS: "unmatched pins = 2"
    },
    "librelane-logs/issue_openlane1029_ol1_netgen_pin_mismatch_lines.log": {
        LVS: "|vccd1 **Mismatch**"
    },
    "librelane-logs/issue_openlane1246_ol1_GPL-0306_diverged.log": {
        PD: "[ERROR GPL-0306] RePlAce diverged"
    },
    "librelane-logs/issue_openlane1313_ol1_lef_lvs_pin_matching_failed.log": {
        LVS: "Cells failed matching, or top level cell failed pin matching."
    },
    "librelane-logs/issue_openlane1588_ol1_lvs_error_step.log": {
        LVS: "[ERROR]: There are LVS errors in the design"
    },
    "librelane-logs/issue_openroad3322_orfs_GRT-0119_congestion.log": {
        RC: "[ERROR GRT-0119] Routing congestion too high."
    },
    "librelane-logs/issue_openroad4267_orfs_GPL-0302_error.log": {
        PD: "[ERROR GPL-0302] Use a higher -density"
    },
    "librelane-logs/issue_openroad4466_drt_3rd_iter_179_violations.log": {
        DRC: "[INFO DRT-0199]   Number of violations = 179."
    },
    "librelane-logs/issue_openroad7434_drt_iterations_summary.log": {},  # converges to 0
    "librelane-logs/issue_orfs164_GRT-0118_congestion.log": {
        RC: "[ERROR GRT-0118] Routing congestion too high."
    },
    "librelane-logs/librelane_01-verilator-lint_9_warnings.log": {},
    "librelane-logs/librelane_28-openroad-globalplacement_clean.log": {},
    "librelane-logs/librelane_39-openroad-globalrouting_clean.log": {},
    "librelane-logs/librelane_40-checkantennas_antenna_clean.rpt": {},
    "librelane-logs/librelane_40-checkantennas_antenna_summary_clean.rpt": {},
    "librelane-logs/librelane_44-openroad-detailedrouting_clean.log": {},
    "librelane-logs/librelane_62-magic-drc_clean_drc.magic.lyrdb": {},
    "librelane-logs/librelane_62-magic-drc_clean_drc.magic.rpt": {},
    "librelane-logs/librelane_66-netgen-lvs_clean_lvs.netgen.json": {},
    "librelane-logs/librelane_66-netgen-lvs_clean_lvs.netgen.rpt": {},
    "librelane-logs/librelane_72-manufacturability_clean.rpt": {},
    "librelane-logs/librelane_error_empty_tt-4bitALU.log": {},
    "librelane-logs/librelane_flow_clean_tt-4bitALU.log": {},
    "librelane-logs/librelane_flow_setup_violations_ss_corners.log": {
        SETUP: "Setup violations found in the following corners:",
        MSCF: "Max Slew violations found in the following corners:",
    },
    "librelane-logs/librelane_run_dir_listing_tt-4bitALU.txt": {},
    "librelane-logs/librelane_warning_setup_violations_RSZ-0062.log": {
        SETUP: "[RSZ-0062] Unable to repair all setup violations.",
        MSCF: "Max Slew violations found in the following corners:",
    },
    "librelane-logs/librelane_warning_tt-4bitALU.log": {},
    "librelane-logs/ol1_antenna_violators_4pins.rpt": {
        ANT: "Partial/Required: 11.64, Required:    400.0"
    },
    "librelane-logs/ol1_magic_drc_clean_drc.rpt": {},
    "librelane-logs/ol1_manufacturability_antenna_violations.rpt": {ANT: "Pin violations: 4"},
    "librelane-logs/ol1_openlane_flow.log": {
        MSCF: "[WARNING]: There are max fanout violations in the design"
    },
    "librelane-logs/ol1_warnings.log": {
        MSCF: "[WARNING]: There are max fanout violations in the design"
    },
    "librelane-logs/ol2_klayout_drc_clean.xml": {},
    "librelane-logs/ol2_magic_drc_clean_drc.rpt": {},
    "librelane-logs/ol2_netgen_lvs_clean_lvs.rpt": {},
    # named "clean" (the flow completed) but its checker reports max-slew violations
    "librelane-logs/openlane2_flow_clean_tt09_older_format.log": {
        MSCF: "Max Slew violations found in the following corners:"
    },
    "librelane-logs/openroad_ant_check_antennas_violated.log": {
        ANT: "Required ratio:   10.00 (Side area) (VIOLATED)"
    },
    "librelane-logs/openroad_ant_report_file.rpt": {
        ANT: "Required ratio:   10.00 (Side area) (VIOLATED)"
    },
    "librelane-logs/openroad_drt_check_drc_violations.drc": {DRC: "violation type: Short"},
    "librelane-logs/openroad_gpl_GPL-0302_error_density.log": {
        PD: "[ERROR GPL-0302] Consider increasing the target density"
    },
    "librelane-logs/openroad_gpl_GPL-0302_warning_autoadjust_newer.log": {},  # auto-adjusted
    "librelane-logs/openroad_grt_GRT-0115_overflow_warning.log": {
        RC: "[WARNING GRT-0115] Global routing finished with congestion."
    },
    "librelane-logs/openroad_grt_GRT-0116_congestion_error.log": {
        RC: "[ERROR GRT-0116] Global routing finished with congestion."
    },
    "librelane-logs/openroad_grt_congestion_report.rpt": {
        RC: "violation type: Horizontal congestion"
    },
    # --- yosys ----------------------------------------------------------------------------
    "yosys/issue_colorlite4_yosys_check_pass_summary.log": {
        SP: "Warning: multiple conflicting drivers for colorlite.\\sys_rst:"
    },
    "yosys/issue_openlane1334_yosys_check_multiple_conflicting_drivers.log": {
        SP: "Warning: multiple conflicting drivers for user_project_wrapper."
    },
    "yosys/issue_openlane2098_yosys_wire_used_no_driver.log": {
        SP: "Warning: Wire HL_NEURON.\\VALUE_OUT [7] is used but has no driver."
    },
    "yosys/librelane_06-yosys-synthesis.log": {},  # "ABC: Error: The network is combinational."
    "yosys/librelane_06-yosys-synthesis_chk.rpt": {},
    "yosys/librelane_06-yosys-synthesis_latch.rpt": {},  # "No latch inferred ..."
    "yosys/librelane_06-yosys-synthesis_stat.json": {},
    "yosys/librelane_06-yosys-synthesis_stat.rpt": {},
    # --- timing-reports -------------------------------------------------------------------
    "timing-reports/librelane_55-stapostpnr_summary_noclock.rpt": {},
    "timing-reports/librelane_ihp_sg13g2_55-stapostpnr_summary_met.rpt": {
        MSCF: "│ Overall              │ 0.1315"
    },
    "timing-reports/ol1_multi_corner_sta_min_hold_violated.rpt": {HOLD: "-0.11   slack (VIOLATED)"},
    "timing-reports/ol1_multi_corner_sta_summary_hold_violated.rpt": {HOLD: "worst slack -0.11"},
    "timing-reports/ol2_sta_max_ss_100C_1v60_checks.rpt":  # slew rows say (VIOLATED): not timing
    {MSCF: "max slew violation count 88"},
    "timing-reports/ol2_sta_max_ss_100C_1v60_max_met.rpt": {},
    "timing-reports/ol2_sta_max_ss_100C_1v60_skew.max.rpt": {},
    "timing-reports/ol2_sta_max_ss_100C_1v60_tns.max.rpt": {},
    "timing-reports/ol2_sta_max_ss_100C_1v60_violator_list.rpt": {},
    "timing-reports/ol2_sta_max_ss_100C_1v60_wns.max.rpt": {},
    "timing-reports/ol2_sta_max_ss_100C_1v60_ws.max.rpt": {},
    "timing-reports/ol2_stapostpnr_summary_met.rpt": {MSCF: "│ Overall         │ 0"},
    "timing-reports/openroad_report_checks_wns_tns_violated_gcd_asap7.log": {
        SETUP: "wns max -430.88"
    },
}

METRICS_EXPECTED: dict[str, dict[str, str]] = {
    "librelane_gf180_fir_setup_violations_metrics.csv": {
        SETUP: "timing__setup__ws=-10.946",
        MSCF: "design__max_slew_violation__count=1607",
    },
    "librelane_gf180_fir_setup_violations_metrics.json": {
        SETUP: "timing__setup__ws=-10.946",
        MSCF: "design__max_slew_violation__count=1607",
    },
    "librelane_sky130_aggressive_setup_violations_metrics.csv": {
        SETUP: "timing__setup__ws=-5.89344",
        MSCF: "design__max_slew_violation__count=161",
        ANT: "antenna__violating__nets=9",
    },
    "librelane_sky130_aggressive_setup_violations_metrics.json": {
        SETUP: "timing__setup__ws=-5.89344",
        MSCF: "design__max_slew_violation__count=161",
        ANT: "antenna__violating__nets=9",
    },
    "librelane_sky130_tt-4bitALU_clean_metrics.csv": {},
    "librelane_sky130_tt-4bitALU_clean_metrics.json": {},
    "librelane_spm_state_in_clean.json": {},
    "ol1_caravel_user_proj_example_metrics.csv": {ANT: "antenna__violating__pins=4"},
    "ol1_caravel_user_project_wrapper_metrics.csv": {},
    "ol2b10_caravel_user_proj_example_metrics.csv": {
        ANT: "antenna__violating__nets=2",
        MSCF: "design__max_fanout_violation__count=171",
    },
}

QFLOW_EXPECTED: dict[str, dict[str, str]] = {
    "route_failed_nets_mac_2layers.log": {RC: "Final: Failed net routes: 146"},
    "route_clean_counter.log": {},
    "sta_vesta_fails_timing_counter.log": {SETUP: "ERROR:  Design fails timing requirements."},
    "sta_vesta_fail_then_pass_appended.log": {},
    "lvs_netlists_do_not_match_counter.log": {LVS: "Result: Netlists do not match."},
    "lvs_netlists_do_not_match_counter.comp.json": {LVS: "badnets=1"},
    "lvs_clean_counter.log": {},
    "drc_magic_5_errors_counter.log": {DRC: "drc = 5"},
    "drc_clean_counter.log": {},
    "synth_latch_multidriver_nodriver.log": {SP: "Latch inferred for signal `\\lat.\\q'"},
    "synth_clean_counter.log": {},
    "synth_syntax_error_bad.log": {SP: "bad.v:2: ERROR: syntax error, unexpected ';'"},
}

# evidence that is derived (a count, a table cell) rather than a verbatim line of the file
DERIVED_OK = {"lvs_netlists_do_not_match_counter.comp.json"}


def _file_lines(path: Path) -> set[str]:
    return {ln.strip() for ln in read_log(path).splitlines()}


# --------------------------------------------------------------------------------------------
# classification
# --------------------------------------------------------------------------------------------


def test_every_fixture_file_is_in_the_table():
    on_disk = {
        f"{d}/{p.name}"
        for d in ("librelane-logs", "yosys", "timing-reports")
        for p in (FIXTURES / d).iterdir()
    }
    assert on_disk == set(LOG_EXPECTED), "new or missing fixture files: update the table"
    metrics = {p.name for p in (FIXTURES / "librelane-metrics").iterdir()}
    assert metrics == set(METRICS_EXPECTED)
    qflow = {p.name for p in QFLOW.iterdir() if p.name != "SOURCES.md"}
    assert qflow == set(QFLOW_EXPECTED)


def _check(findings, expected: dict[str, str], path: Path, verbatim: bool) -> None:
    got = {f.klass for f in findings}
    assert got == set(expected), f"{path.name}: got {[(f.klass, f.evidence) for f in findings]}"
    lines = _file_lines(path) if verbatim else set()
    for klass, trigger in expected.items():
        f = next(f for f in findings if f.klass == klass)
        assert 1 <= len(f.evidence) <= 5
        hit = [e for e in f.evidence if trigger in e]
        assert hit, f"{path.name}: {klass} evidence {f.evidence} lacks {trigger!r}"
        if verbatim:  # the evidence is a real line of the file, not a paraphrase
            assert hit[0] in lines, f"{hit[0]!r} is not a line of {path.name}"


@pytest.mark.parametrize("rel", sorted(LOG_EXPECTED))
def test_shared_fixture_logs(rel: str):
    path = FIXTURES / rel
    findings = classify(None, {path.name: read_log(path)})
    _check(findings, LOG_EXPECTED[rel], path, verbatim=True)
    assert all(f.source == path.name for f in findings)


@pytest.mark.parametrize("name", sorted(METRICS_EXPECTED))
def test_shared_fixture_metrics(name: str):
    path = FIXTURES / "librelane-metrics" / name
    metrics = load_metrics(path)
    assert len(metrics) > 20  # really parsed (json / long csv / OpenLane 1 wide csv)
    findings = classify(metrics, None)
    _check(findings, METRICS_EXPECTED[name], path, verbatim=False)
    assert all(f.source == "metrics" for f in findings)


@pytest.mark.parametrize("name", sorted(QFLOW_EXPECTED))
def test_qflow_logs(name: str):
    path = QFLOW / name
    findings = classify(None, {name: read_log(path)})
    _check(findings, QFLOW_EXPECTED[name], path, verbatim=name not in DERIVED_OK)


def test_severity_and_context():
    grt115 = read_log(FIXTURES / "librelane-logs/openroad_grt_GRT-0115_overflow_warning.log")
    (f,) = classify(None, {"grt": grt115})
    assert f.severity == "warning"  # allow_congestion: routing went on
    grt116 = read_log(FIXTURES / "librelane-logs/openroad_grt_GRT-0116_congestion_error.log")
    assert classify(None, {"grt": grt116})[0].severity == "error"
    # the same OpenSTA "slack (VIOLATED)" line is hold or setup by its Path Type
    hold = classify(
        None,
        {"min": read_log(FIXTURES / "timing-reports/ol1_multi_corner_sta_min_hold_violated.rpt")},
    )
    assert [f.klass for f in hold] == [HOLD]
    # the qrouter failure names the nets it left unrouted
    qr = classify(None, {"route.log": read_log(QFLOW / "route_failed_nets_mac_2layers.log")})
    assert any(e.startswith("failed nets: a[7] _397_") for e in qr[0].evidence)
    # yosys: latch + multiple drivers + undriven wire + the latch left unmapped, one finding
    syn = classify(None, {"synth.log": read_log(QFLOW / "synth_latch_multidriver_nodriver.log")})
    ev = " | ".join(syn[0].evidence)
    for part in ("Latch inferred", "multiple conflicting drivers", "has no driver"):
        assert part in ev


def test_order_most_fundamental_first_and_primary():
    logs = {
        "sta.log": read_log(QFLOW / "sta_vesta_fails_timing_counter.log"),
        "lvs.log": read_log(QFLOW / "lvs_netlists_do_not_match_counter.log"),
        "route.log": read_log(QFLOW / "route_failed_nets_mac_2layers.log"),
        "synth.log": read_log(QFLOW / "synth_latch_multidriver_nodriver.log"),
        "drc.log": read_log(QFLOW / "drc_magic_5_errors_counter.log"),
    }
    got = [f.klass for f in classify(None, logs)]
    assert got == [SP, RC, DRC, LVS, SETUP]
    assert got == sorted(got, key=CLASS_ORDER.index)
    # a warning never outranks an error: slew (warning) is listed before setup but not acted on
    flow = classify(
        None,
        {
            "flow.log": read_log(
                FIXTURES / "librelane-logs/librelane_flow_setup_violations_ss_corners.log"
            )
        },
    )
    assert [f.klass for f in flow] == [MSCF, SETUP]
    assert primary(flow).klass == SETUP
    aggressive = classify(
        load_metrics(
            FIXTURES / "librelane-metrics/librelane_sky130_aggressive_setup_violations_metrics.json"
        ),
        None,
    )
    assert primary(aggressive).klass == ANT


def test_crash_and_unknown():
    # a stage that failed with a clean-looking log: tool_crash with the log tail as evidence
    clean_route = read_log(QFLOW / "route_clean_counter.log")
    (f,) = classify({}, {"route.log": clean_route}, failed_stage="route")
    assert f.klass == TOOL_CRASH and f.source == "route"
    assert f.evidence[-1] == clean_route.strip().splitlines()[-1].strip()
    # qflow's stop line alone (the last line of the real lvs failure log): a crash
    stop = read_log(QFLOW / "lvs_netlists_do_not_match_counter.log").strip().splitlines()[-1]
    assert stop == "Synthesis flow stopped due to error condition."
    (f,) = classify(None, {"lvs.log": stop})
    assert f.klass == TOOL_CRASH and f.evidence == [stop]
    # ... but not when the same log explains the failure
    full = read_log(QFLOW / "lvs_netlists_do_not_match_counter.log")
    assert [f.klass for f in classify(None, {"lvs.log": full})] == [LVS]
    # failed, nothing to go on
    assert [f.klass for f in classify({}, {}, failed=True)] == [UNKNOWN]
    assert classify({}, {}) == []


# --------------------------------------------------------------------------------------------
# policies
# --------------------------------------------------------------------------------------------


def test_policy_table_is_sane():
    assert set(POLICIES) == set(CLASS_ORDER)
    actions = all_actions()  # raises when two different actions share a name
    for klass, policy in POLICIES.items():
        assert policy, f"{klass} has no repair"
        for a in policy:
            assert (a.action is None) != (a.send_back is None), a
            assert a.action is None or a.action in ABSTRACT_ACTIONS
            assert a.send_back is None or a.send_back in SEND_BACK_TARGETS
            assert a.needs_permission == (a.action == "relax_clock"), a
            assert a.description
        # a send-back ends the walk, so it can only be last
        assert all(a.send_back is None for a in policy[:-1]), klass
    assert len(actions) >= 10
    assert [a.send_back for a in policy_for(LVS)] == [None, None, "user"]  # never the RTL agent
    assert [a.send_back for a in policy_for(SP)] == ["rtl"]
    setup = policy_for(SETUP)
    assert setup[-1].send_back == "timing_debug"
    assert [a.action for a in setup[:2]] == ["timing_repair", "timing_repair"]
    assert setup[0].params["setup_margin_pct"] < setup[1].params["setup_margin_pct"]
    for klass in (PD, RC):  # escalating
        steps = [a.params["step_pct"] for a in policy_for(klass) if a.action == "lower_density"]
        factors = [a.params["factor"] for a in policy_for(klass) if a.action == "enlarge_die"]
        assert steps == sorted(steps) and len(steps) == 2 and steps[0] == 10
        assert factors == sorted(factors) and factors[0] > 1
    assert policy_for(ANT)[0].action == "enable_antenna_repair"
    assert policy_for(MSCF)[0].action == "fix_slew_cap"


# --------------------------------------------------------------------------------------------
# the repair loop, on a toy engine whose outcome is a pure function of its config
# --------------------------------------------------------------------------------------------

ROUTE_FAIL = read_log(QFLOW / "route_failed_nets_mac_2layers.log")
ROUTE_OK = read_log(QFLOW / "route_clean_counter.log")
STA_FAIL = read_log(QFLOW / "sta_vesta_fails_timing_counter.log")
LVS_FAIL = read_log(QFLOW / "lvs_netlists_do_not_match_counter.log")


class ToyEngine(FlowEngine):
    name = "toy"
    stages = ("synthesize", "place", "route", "sta", "lvs")

    def __init__(self, expressible: set[str] | None = None, min_density: int = 0) -> None:
        self.expressible = expressible
        self.min_density = min_density

    def default_config(self, design):  # pragma: no cover - not used
        return {}

    def prepare(self, design, flow_dir, config, sandbox):  # pragma: no cover
        pass

    def run_stage(self, stage, design, flow_dir, config, sandbox):  # pragma: no cover
        raise NotImplementedError

    def collect(self, design, flow_dir, stages, sandbox):  # pragma: no cover
        raise NotImplementedError

    def apply_action(
        self, action: str, params: dict[str, Any], config: dict[str, Any]
    ) -> dict[str, Any] | None:
        if self.expressible is not None and action not in self.expressible:
            return None
        c = dict(config)
        if action == "lower_density":
            c["density"] = max(self.min_density, c["density"] - params["step_pct"])
        elif action == "enlarge_die":
            c["die_scale"] = round(c.get("die_scale", 1.0) * params["factor"], 4)
        elif action == "routing_effort":
            c["route_effort"] = c.get("route_effort", 1) + 1
        elif action == "timing_repair":
            c["setup_margin_pct"] = params.get("setup_margin_pct", 0)
        elif action == "fix_slew_cap":
            c["fix_slew"] = True
        elif action == "relax_clock":
            c["clock_period_ns"] = round(c["clock_period_ns"] * params["factor"], 4)
        else:
            return None
        return c


def toy_run(tmp_path: Path, *, lvs_broken: bool = False):
    """(run_attempt, logs_of): route fails while density > 60 (failed nets grow with it);
    setup fails while the clock period < 12 ns; LVS fails when asked to."""
    calls: list[dict[str, Any]] = []
    logs: dict[str, dict[str, str]] = {}

    def run_attempt(config: dict[str, Any], n: int) -> FlowResult:
        calls.append(dict(config))
        run_dir = str(tmp_path / f"attempt{n}")
        ok = StageResult
        stages = [ok(name="synthesize", status="ok"), ok(name="place", status="ok")]
        failed_nets = max(0, (config["density"] - 60) * 3)
        metrics: dict[str, Any] = {
            "design__instance__utilization": config["density"] / 100,
            "route__failed_nets": failed_nets,
        }
        if failed_nets:
            stages.append(ok(name="route", status="failed", summary="qrouter failed"))
            logs[run_dir] = {"route.log": ROUTE_FAIL}
            return FlowResult(
                engine="toy",
                status="failed",
                run_dir=run_dir,
                stages=stages,
                metrics=metrics,
                config=config,
            )
        stages.append(ok(name="route", status="ok"))
        ws = round(config["clock_period_ns"] - 12.0, 3)
        metrics["timing__setup__ws"] = ws
        logs[run_dir] = {"route.log": ROUTE_OK}
        if ws < 0:
            stages.append(ok(name="sta", status="failed"))
            logs[run_dir]["sta.log"] = STA_FAIL
            return FlowResult(
                engine="toy",
                status="failed",
                run_dir=run_dir,
                stages=stages,
                metrics=metrics,
                config=config,
            )
        stages.append(ok(name="sta", status="ok"))
        if lvs_broken:
            stages.append(ok(name="lvs", status="failed"))
            metrics["design__lvs_error__count"] = 1
            logs[run_dir]["lvs.log"] = LVS_FAIL
            return FlowResult(
                engine="toy",
                status="failed",
                run_dir=run_dir,
                stages=stages,
                metrics=metrics,
                config=config,
            )
        stages.append(ok(name="lvs", status="ok"))
        return FlowResult(
            engine="toy",
            status="ok",
            run_dir=run_dir,
            stages=stages,
            metrics=metrics,
            config=config,
        )

    return run_attempt, (lambda r: logs[r.run_dir]), calls


def _record(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "rec" / "repairs.json").read_text())


def test_loop_lowers_density_step_by_step(tmp_path: Path):
    run, logs_of, calls = toy_run(tmp_path)
    out = repair_loop(
        run,
        ToyEngine(),
        {"density": 85, "clock_period_ns": 20.0},
        max_repairs=5,
        allow_clock_relax=False,
        record_dir=tmp_path / "rec",
        logs_of=logs_of,
    )
    assert out.outcome == "fixed" and out.final.status == "ok"
    # 85 fails → -10 → 75 fails → router effort → still 75 → -20 → 55 routes
    assert [c["density"] for c in calls] == [85, 75, 75, 55]
    assert [a.action["name"] if a.action else None for a in out.attempts] == [
        None,
        "lower_density_10",
        "routing_effort",
        "lower_density_20",
    ]
    assert [a.classes[:1] for a in out.attempts[:3]] == [[RC]] * 3
    assert out.attempts[1].config_diff == {"density": {"before": 85, "after": 75}}
    assert out.attempts[2].config_diff == {"route_effort": {"after": 2}}
    assert out.attempts[3].config_diff == {"density": {"before": 75, "after": 55}}
    assert out.attempts[1].metrics_before["route__failed_nets"] == 75
    assert out.attempts[1].metrics_after["route__failed_nets"] == 45
    assert out.attempts[3].metrics_after["route__failed_nets"] == 0
    assert "Final: Failed net routes: 146" in out.attempts[0].findings[0].evidence
    assert out.config["density"] == 55
    rec = _record(tmp_path)  # what is on disk matches, attempt by attempt
    assert rec["outcome"]["outcome"] == "fixed"
    assert [a["status"] for a in rec["attempts"]] == ["failed", "failed", "failed", "ok"]
    assert rec["attempts"][3]["config_diff"] == {"density": {"before": 75, "after": 55}}
    assert rec["attempts"][0]["findings"][0]["klass"] == RC
    assert rec["initial_config"] == {"density": 85, "clock_period_ns": 20.0}


def test_loop_stops_at_budget(tmp_path: Path):
    run, logs_of, calls = toy_run(tmp_path)
    out = repair_loop(
        run,
        ToyEngine(),
        {"density": 95, "clock_period_ns": 20.0},
        max_repairs=2,
        allow_clock_relax=False,
        record_dir=tmp_path / "rec",
        logs_of=logs_of,
    )
    assert out.outcome == "budget_exhausted"
    assert len(calls) == 3 and len(out.attempts) == 3  # attempt 0 + 2 repairs, no more
    assert out.next_action["name"] == "lower_density_20"
    assert any("Final: Failed net routes" in e for e in out.evidence)
    rec = _record(tmp_path)
    assert len(rec["attempts"]) == 3 and rec["outcome"]["outcome"] == "budget_exhausted"


def test_relax_clock_only_with_permission(tmp_path: Path):
    cfg = {"density": 50, "clock_period_ns": 10.0}
    run, logs_of, calls = toy_run(tmp_path)
    out = repair_loop(
        run,
        ToyEngine(),
        cfg,
        max_repairs=8,
        allow_clock_relax=False,
        record_dir=tmp_path / "rec",
        logs_of=logs_of,
    )
    # timing repair (5%, 10%) and slew repair do not help this design; relax is refused
    assert out.outcome == "send_back" and out.send_back == "timing_debug"
    assert all(c["clock_period_ns"] == 10.0 for c in calls)
    assert [a.action["name"] for a in out.attempts[1:]] == [
        "timing_repair_setup_5",
        "timing_repair_setup_10",
        "fix_slew_cap",
    ]
    assert [p["name"] for p in out.permission_needed] == ["relax_clock_10pct", "relax_clock_25pct"]
    assert "ERROR:  Design fails timing requirements." in out.evidence
    # nobody to send back to: the loop says which permission would help
    run2, logs_of2, calls2 = toy_run(tmp_path)
    out2 = repair_loop(
        run2,
        ToyEngine(),
        cfg,
        max_repairs=8,
        allow_clock_relax=False,
        record_dir=tmp_path / "rec2",
        logs_of=logs_of2,
        send_back_targets=(),
    )
    assert out2.outcome == "needs_permission"
    assert out2.permission_needed[0]["action"] == "relax_clock"
    assert all(c["clock_period_ns"] == 10.0 for c in calls2)
    # with permission: 10 → 11 (still failing) → 13.75 → clean
    run3, logs_of3, calls3 = toy_run(tmp_path)
    out3 = repair_loop(
        run3,
        ToyEngine(),
        cfg,
        max_repairs=8,
        allow_clock_relax=True,
        record_dir=tmp_path / "rec3",
        logs_of=logs_of3,
    )
    assert out3.outcome == "fixed"
    assert [c["clock_period_ns"] for c in calls3][-2:] == [11.0, 13.75]
    assert out3.attempts[-1].config_diff == {"clock_period_ns": {"before": 11.0, "after": 13.75}}


def test_lvs_mismatch_gets_flow_repairs_then_a_person_never_the_rtl_agent(tmp_path: Path):
    """A layout that differs from its own netlist is the flow's fault (the RTL agent cannot
    fix it): re-place with more room, then stop for a person with the netgen lines."""
    run, logs_of, calls = toy_run(tmp_path, lvs_broken=True)
    out = repair_loop(
        run,
        ToyEngine(),
        {"density": 50, "clock_period_ns": 20.0},
        max_repairs=5,
        allow_clock_relax=True,
        record_dir=tmp_path / "rec",
        logs_of=logs_of,
    )
    assert out.outcome == "send_back" and out.send_back == "user"
    assert len(calls) == 3  # the first run + lower density + enlarge die
    assert "Result: Netlists do not match." in out.evidence
    assert _record(tmp_path)["outcome"]["send_back"] == "user"


def test_inexpressible_and_exhausted_actions(tmp_path: Path):
    # the engine expresses nothing: nothing to try
    run, logs_of, calls = toy_run(tmp_path)
    out = repair_loop(
        run,
        ToyEngine(expressible=set()),
        {"density": 80, "clock_period_ns": 20},
        max_repairs=5,
        allow_clock_relax=False,
        record_dir=tmp_path / "a",
        logs_of=logs_of,
    )
    assert out.outcome == "no_applicable_action" and len(calls) == 1
    assert {s["action"] for s in out.skipped} == {a.name for a in policy_for(RC)}
    # density floor at 70: the second lowering changes nothing and is skipped, not rerun
    run, logs_of, calls = toy_run(tmp_path)
    eng = ToyEngine(expressible={"lower_density"}, min_density=70)
    out = repair_loop(
        run,
        eng,
        {"density": 80, "clock_period_ns": 20},
        max_repairs=5,
        allow_clock_relax=False,
        record_dir=tmp_path / "b",
        logs_of=logs_of,
    )
    assert [c["density"] for c in calls] == [80, 70]
    assert out.outcome == "no_applicable_action"
    skipped = {s["action"]: s["reason"] for s in out.skipped}
    assert "no change" in skipped["lower_density_20"]
    assert "cannot express" in skipped["routing_effort"]
    rec = json.loads((tmp_path / "b" / "repairs.json").read_text())
    assert rec["outcome"]["skipped"] == out.skipped


def test_record_is_written_as_it_goes(tmp_path: Path):
    run, logs_of, calls = toy_run(tmp_path)

    def flaky(config, n):
        if n == 1:
            snapshot = _record(tmp_path)  # attempt 1 is on disk before it runs
            assert [a["status"] for a in snapshot["attempts"]] == ["failed", "running"]
            raise RuntimeError("sandbox went away")
        return run(config, n)

    with pytest.raises(RuntimeError, match="sandbox went away"):
        repair_loop(
            flaky,
            ToyEngine(),
            {"density": 70, "clock_period_ns": 20.0},
            max_repairs=3,
            allow_clock_relax=False,
            record_dir=tmp_path / "rec",
            logs_of=logs_of,
        )
    rec = _record(tmp_path)
    assert [a["status"] for a in rec["attempts"]] == ["failed", "error"]
    assert "sandbox went away" in rec["attempts"][1]["error"]
    assert rec["outcome"] is None
    assert not list((tmp_path / "rec").glob("*.tmp"))
    # a second loop in the same place keeps the first record
    run2, logs_of2, _ = toy_run(tmp_path)
    out = repair_loop(
        run2,
        ToyEngine(),
        {"density": 40, "clock_period_ns": 20.0},
        max_repairs=0,
        allow_clock_relax=False,
        record_dir=tmp_path / "rec",
        logs_of=logs_of2,
    )
    assert out.outcome == "clean" and out.message == "clean on the first attempt"
    assert (
        json.loads((tmp_path / "rec" / "repairs-1.json").read_text())["attempts"][1]["status"]
        == "error"
    )


def test_choose_action_and_config_diff_units():
    findings = classify(None, {"route.log": ROUTE_FAIL})
    d = choose_action(findings, {"density": 80}, ToyEngine(), tried=set(), allow_clock_relax=False)
    assert d.kind == "apply" and d.action.name == "lower_density_10"
    assert d.new_config == {"density": 70}
    d2 = choose_action(
        findings,
        {"density": 80},
        ToyEngine(),
        allow_clock_relax=False,
        tried={(RC, "lower_density_10")},
    )
    assert d2.action.name == "routing_effort"
    assert config_diff(
        {"a": 1, "n": {"x": 1, "y": 2}}, {"a": 1, "n": {"x": 3, "y": 2}, "b": 0}
    ) == {"n.x": {"before": 1, "after": 3}, "b": {"after": 0}}


# --------------------------------------------------------------------------------------------
# LibreLane's checker messages (steps/checker.py, librelane 3.0.17)
# --------------------------------------------------------------------------------------------

PDN_DESCRIPTION = (
    "power grid violations (as reported by OpenROAD PSM- you may ignore these if LVS passes)"
)
# metric_description of every MetricChecker in checker.py → the class it must land in.
# MetricChecker.run says f"{metric_value} {self.metric_description} found." and, when the
# checker is deferred, logs it with " - deferred".
CHECKER_DESCRIPTIONS = {
    "Unmapped Yosys instances": SP,  # Checker.YosysUnmappedCells
    "Yosys check errors": SP,  # Checker.YosysSynthChecks
    "Routing DRC errors": DRC,  # Checker.TrDRC
    "Magic DRC errors": DRC,  # Checker.MagicDRC
    "Magic Illegal Overlap errors": DRC,  # Checker.IllegalOverlap
    "critical disconnected pins": RC,  # Checker.DisconnectedPins
    "Threshold-surpassing long wires": MSCF,  # Checker.WireLength
    "XOR differences": TOOL_CRASH,  # Checker.XOR
    "LVS errors": LVS,  # Checker.LVS
    PDN_DESCRIPTION: POWER_GRID_VIOLATIONS,  # Checker.PowerGridViolations
    "Lint errors": SP,  # Checker.LintErrors
    "KLayout DRC errors": DRC,  # Checker.KLayoutDRC
    "KLayout density errors": DRC,  # Checker.KLayoutDensity
    "KLayout antenna errors": ANT,  # Checker.KLayoutAntenna
}
OTHER_CHECKER_MESSAGES = {
    # Checker.LintTimingConstructs (its own StepError message)
    (
        "Timing constructs found in the RTL. Please remove them or wrap them around an ifdef. It "
        "heavily unrecommended to rely on timing constructs for synthesis."
    ): SP,
    # Checker.NetlistAssignStatements
    "src/runs/x/06-yosys-synthesis/top.nl.v:12: assign statement found in netlist": SP,
    "One or more assign statements found in the netlist.": SP,
    # TimingViolations.check_timing_violations: f"{violation_type.title()} violations found..."
    "Setup violations found in the following corners:\n* nom_tt_025C_1v80": SETUP,
    "Hold violations found in the following corners:\n* min_ff_n40C_1v95": HOLD,
    "Max Slew violations found in the following corners:\n* max_ss_100C_1v60": MSCF,
    "Max Cap violations found in the following corners:\n* max_ss_100C_1v60": MSCF,
    (
        "One or more wildcards specified in SETUP_VIOLATION_CORNERS did not match any corners:\n"
        "- nom_xx*"
    ): TOOL_CRASH,
}
HARMLESS_CHECKER_LINES = [
    f"Check for {PDN_DESCRIPTION} clear.",  # verbatim in the recorded flow.log
    "Threshold for Threshold-surpassing long wires is not set. The checker will be skipped.",
    "The Routing DRC errors metric was not found. Are you sure the relevant step was run?",
    "102 Lint warnings found.",  # LintWarnings only warns by default (ERROR_ON_LINTER_WARNINGS)
    (
        "No up-to-date setup timing data for the following corners, which will not be checked:\n"
        "* nom_ff_n40C_1v95"
    ),
    "No setup violations found",
]


@pytest.mark.parametrize("deferred", [False, True])
@pytest.mark.parametrize("description", sorted(CHECKER_DESCRIPTIONS))
def test_every_metric_checker_message_has_a_rule(description, deferred):
    line = f"7 {description} found." + (" - deferred" if deferred else "")
    found = classify(None, {"error.log": line}, failed_stage="signoff")
    assert primary(found).klass == CHECKER_DESCRIPTIONS[description], found
    assert primary(found).severity == "error"
    assert (
        TOOL_CRASH not in {f.klass for f in found}
        or CHECKER_DESCRIPTIONS[description] == TOOL_CRASH
    )
    assert classify(None, {"error.log": f"0 {description} found."}) == []  # a zero is clean


@pytest.mark.parametrize("message", sorted(OTHER_CHECKER_MESSAGES))
def test_other_checker_messages_have_a_rule(message):
    found = classify(None, {"flow.log": message}, failed_stage="signoff")
    want = OTHER_CHECKER_MESSAGES[message]
    assert want in {f.klass for f in found}, found
    if want != MSCF:  # max slew/cap: a warning (LibreLane checks no corner for them by default)
        assert primary(found).klass == want, found


@pytest.mark.parametrize("line", HARMLESS_CHECKER_LINES)
def test_harmless_checker_lines_are_not_failures(line):
    assert classify(None, {"flow.log": line}) == []


LIBRELANE_HERE = Path(__file__).parents[1] / "fixtures" / "librelane"  # constructed: SOURCES.md


def test_deferred_power_grid_error_is_not_a_tool_crash():
    """The placement group's console when Checker.PowerGridViolations defers its error (the
    old driver's failed stage): classified as power-grid violations, never a crash."""
    console = read_log(LIBRELANE_HERE / "deferred_pdn_console.log")
    found = classify({}, {"placement": console}, failed_stage="placement")
    assert [f.klass for f in found] == [POWER_GRID_VIOLATIONS]
    assert found[0].severity == "error"  # LVS never ran: nothing says it may be ignored
    # once LVS has passed, LibreLane's own advice applies: a warning only
    waived = classify({"design__lvs_error__count": 0}, {"placement": console})
    assert [(f.klass, f.severity) for f in waived] == [(POWER_GRID_VIOLATIONS, "warning")]
    # and an LVS failure outranks it
    both = classify({"design__lvs_error__count": 3}, {"placement": console})
    assert primary(both).klass == LVS


MFG_NA = "* Antenna\nN/A\n\n* LVS\nN/A\n\n* DRC\nN/A\n"  # misc.py ReportManufacturability,
MFG_FAILED = (
    "* Antenna\nPassed ✅\n\n* LVS\nFailed 𐄂\nTotal Errors: 2\nUnmatched Pins: 2\n"
    "Unmatched Nets: 0\nCheck the report directory of Netgen.LVS.\n\n* DRC\n"
    "Passed ✅\n"
)  # same layout, LVS failed (the report prints what misc.py prints)


def test_manufacturability_na_is_not_a_failure():
    timing = {"timing__setup__ws": -0.8}
    found = classify(timing, {"manufacturability.rpt": MFG_NA}, failed=True)
    assert [f.klass for f in found] == [SETUP]  # N/A (skipped) never outranks timing
    assert primary(found).klass == SETUP
    failed = classify(timing, {"manufacturability.rpt": MFG_FAILED}, failed=True)
    assert primary(failed).klass == LVS and "Failed" in primary(failed).evidence[0]
    clean = read_log(FIXTURES / "librelane-logs" / "librelane_72-manufacturability_clean.rpt")
    assert classify({}, {"manufacturability.rpt": clean}) == []


def test_no_librelane_run_reports_route__failed_nets():
    """route__failed_nets is qflow's (qrouter) metric: LibreLane's congestion signals are
    its own per-iteration detailed-routing counts."""
    for path in (FIXTURES / "librelane-metrics").glob("librelane_*.json"):
        assert "route__failed_nets" not in load_metrics(path), path.name


def test_detailed_routing_that_does_not_converge_is_congestion():
    real = load_metrics(
        FIXTURES / "librelane-metrics" / "librelane_sky130_aggressive_setup_violations_metrics.json"
    )
    iters = {k: v for k, v in real.items() if k.startswith("route__drc_errors__iter:")}
    assert len(iters) == 9 and iters["route__drc_errors__iter:9"] == 0
    assert RC not in {f.klass for f in classify(real, {})}  # converged to 0
    stuck = {
        "route__drc_errors__iter:1": 5210,
        "route__drc_errors__iter:32": 3900,
        "route__drc_errors__iter:64": 3120,
        "route__drc_errors": 3120,
    }
    found = classify(stuck, {})
    assert [f.klass for f in found] == [RC, DRC]  # congestion first: repair density/die
    assert "route__drc_errors__iter:64=3120" in found[0].evidence[0]
    nearly = {
        "route__drc_errors__iter:1": 3658,
        "route__drc_errors__iter:64": 26,
        "route__drc_errors": 26,
    }  # librelane#744: a few left at the 64th iteration
    assert [f.klass for f in classify(nearly, {})] == [DRC]
