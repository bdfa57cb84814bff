"""Deterministic failure classification for hardening runs (no LLM).

Input: the run's metrics in LibreLane names (both engines report them) and the text of its logs
and reports, keyed by file or stage name. Output: `Finding`s, one per (class, source), each with
the lines that triggered it, ordered most fundamental first: an RTL that fails its own
testbench, or simulates unlike its netlist, comes before everything; a synthesis problem
explains a placement failure, which explains congestion, which explains DRC errors, and so on;
timing comes last because it is judged on a layout that exists.

The patterns were checked against real output: the OpenROAD / OpenLane / LibreLane / OpenSTA /
Yosys / netgen / magic files in ../shared/fixtures (see SOURCES.md there) and qflow logs produced
on purpose in tests/fixtures/qflow. Things that look alarming but are harmless are *not* matched:
"ABC: Error: The network is combinational.", "No latch inferred", the DFFLIBMAP list of
"unmapped dff cell" types, netgen's "Error ... osu018_setup.tcl:5 (ignoring)", OpenROAD's
auto-adjusted "[WARNING GPL-0302]", max-slew table rows marked "(VIOLATED)", detailed routing
that converges to 0 violations, a qflow sta.log whose last run passes after an earlier one
failed (qflow appends to that log), LibreLane's "N Lint warnings found." (Checker.LintWarnings
only warns unless ERROR_ON_LINTER_WARNINGS is set), its "Check for ... clear.", "Threshold for
... is not set. The checker will be skipped." and "No up-to-date ... timing data" lines, and
`N/A` in manufacturability.rpt (a skipped check).

LibreLane's checker messages (steps/checker.py, librelane 3.0.17) each have a rule: the
MetricChecker form "{value} {description} found." (with " - deferred" when the checker lets
the flow run on), the timing checkers' "... violations found in the following corners:", the
corner-wildcard error, the assign-statement and timing-construct errors.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

FailureClass = Literal[
    "rtl_fails_testbench",
    "sim_synth_mismatch",
    "synthesis_problem",
    "placement_density",
    "routing_congestion",
    "drc_violations",
    "antenna_violations",
    "lvs_pins_only",
    "lvs_mismatch",
    "power_grid_violations",
    "max_slew_cap_fanout",
    "setup_violations",
    "hold_violations",
    "gate_level_mismatch",
    "tool_crash",
    "unknown",
]

#: The golden testbench fails on the RTL itself (the gate-level stage runs it on both).
RTL_FAILS_TESTBENCH = "rtl_fails_testbench"
#: RTL and post-route netlist behave differently and the RTL is the one to change: it fails
#: the testbench the netlist passes, or the netlist fails where a net of the design differs
#: (X from state with no reset, a sensitivity list, blocking assignments, initial values).
SIM_SYNTH_MISMATCH = "sim_synth_mismatch"
SYNTHESIS_PROBLEM = "synthesis_problem"
PLACEMENT_DENSITY = "placement_density"
ROUTING_CONGESTION = "routing_congestion"
DRC_VIOLATIONS = "drc_violations"
ANTENNA_VIOLATIONS = "antenna_violations"
LVS_MISMATCH = "lvs_mismatch"
#: The circuits match device for device and net for net; only the top-level pin lists differ
#: (typically a power pin the layout lacks because the die is too small for the power
#: stripes). A flow problem: never the RTL's.
LVS_PINS_ONLY = "lvs_pins_only"
#: OpenROAD PSM found unconnected power-grid nodes (LibreLane's Checker.PowerGridViolations,
#: whose own description says they "may be ignored if LVS passes"): a warning when LVS ran and
#: passed, an error otherwise.
POWER_GRID_VIOLATIONS = "power_grid_violations"
MAX_SLEW_CAP_FANOUT = "max_slew_cap_fanout"
SETUP_VIOLATIONS = "setup_violations"
HOLD_VIOLATIONS = "hold_violations"
#: The netlist fails a testbench the RTL passes, and the design's nets agree (only the
#: testbench's own variables differ: a zero-delay race in the testbench) or no difference
#: was found: not something the RTL agent can change.
GATE_LEVEL_MISMATCH = "gate_level_mismatch"
TOOL_CRASH = "tool_crash"
UNKNOWN = "unknown"

#: Most fundamental first. DRV repair (slew/cap/fanout) precedes timing repair as in OpenROAD;
#: a crash without a recognised cause and "unknown" only lead when nothing else was found.
CLASS_ORDER: tuple[str, ...] = (
    RTL_FAILS_TESTBENCH,
    SIM_SYNTH_MISMATCH,
    SYNTHESIS_PROBLEM,
    PLACEMENT_DENSITY,
    ROUTING_CONGESTION,
    DRC_VIOLATIONS,
    ANTENNA_VIOLATIONS,
    LVS_PINS_ONLY,
    LVS_MISMATCH,
    POWER_GRID_VIOLATIONS,
    MAX_SLEW_CAP_FANOUT,
    SETUP_VIOLATIONS,
    HOLD_VIOLATIONS,
    GATE_LEVEL_MISMATCH,
    TOOL_CRASH,
    UNKNOWN,
)
FAILURE_CLASSES = CLASS_ORDER
MAX_EVIDENCE = 5
_MAX_LINE = 500  # evidence lines are cut to this many characters (a gl_sim verdict
#                  with its failing line and first difference runs to ~400)

Severity = Literal["error", "warning"]


class Finding(BaseModel):
    """One failure class seen in one source, with the lines (or metric=value) that show it."""

    klass: FailureClass
    evidence: list[str] = Field(default_factory=list)
    source: str
    severity: Severity = "error"
    message: str = ""

    @property
    def rank(self) -> int:
        return CLASS_ORDER.index(self.klass)


class _Hit:
    __slots__ = ("klass", "severity", "line", "message")

    def __init__(self, klass: str, severity: Severity, line: str, message: str) -> None:
        self.klass, self.severity, self.line, self.message = klass, severity, line, message


# --------------------------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------------------------


def _to_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _metric(metrics: dict[str, Any], *names: str, worst: str = "max") -> tuple[str, float] | None:
    """The first of `names` present (or, failing that, the worst per-corner value)."""
    for name in names:
        v = _to_number(metrics.get(name))
        if v is not None and not math.isnan(v):
            return name, v
    for name in names:
        prefix = name + "__corner:"
        raw = [(k, _to_number(v)) for k, v in metrics.items() if k.startswith(prefix)]
        vals = [(k, v) for k, v in raw if v is not None and not math.isnan(v)]
        if vals:
            pick = min if worst == "min" else max
            return pick(vals, key=lambda kv: kv[1])
    return None


def _fmt(name: str, value: float) -> str:
    return f"{name}={int(value)}" if float(value).is_integer() else f"{name}={value:.6g}"


# (class, severity, metric names (variants), test, message)
_COUNT_RULES: tuple[tuple[str, Severity, tuple[str, ...], str], ...] = (
    (SYNTHESIS_PROBLEM, "error", ("design__inferred_latch__count",), "inferred latches"),
    (SYNTHESIS_PROBLEM, "error", ("design__instance_unmapped__count",), "unmapped cells"),
    (
        SYNTHESIS_PROBLEM,
        "error",
        ("synthesis__check_error__count",),
        "yosys CHECK errors (multiple/no drivers, loops)",
    ),
    (
        SYNTHESIS_PROBLEM,
        "error",
        ("design__lint_error__count", "design__lint_errors__count"),
        "lint errors",
    ),
    # qflow's qrouter count (the qflow engine's metric; LibreLane has no such metric: its
    # routing failures show in route__drc_errors__iter:N, see _drt_iteration_hits)
    (ROUTING_CONGESTION, "error", ("route__failed_nets",), "nets the router could not route"),
    (
        ROUTING_CONGESTION,
        "error",
        ("design__critical_disconnected_pin__count",),
        "critical pins left disconnected by routing",
    ),
    (DRC_VIOLATIONS, "error", ("route__drc_errors",), "detailed-routing DRC errors"),
    (DRC_VIOLATIONS, "error", ("magic__drc_error__count",), "magic DRC errors"),
    (DRC_VIOLATIONS, "error", ("klayout__drc_error__count",), "KLayout DRC errors"),
    (DRC_VIOLATIONS, "error", ("magic__illegal_overlap__count",), "illegal overlaps"),
    (ANTENNA_VIOLATIONS, "error", ("antenna__violating__nets",), "antenna-violating nets"),
    (ANTENNA_VIOLATIONS, "error", ("antenna__violating__pins",), "antenna-violating pins"),
    (
        ANTENNA_VIOLATIONS,
        "error",
        ("route__antenna_violation__count", "route__antenna_violations__count"),
        "antenna violations after routing",
    ),
    (ANTENNA_VIOLATIONS, "error", ("klayout__antenna_error__count",), "KLayout antenna errors"),
    (
        LVS_MISMATCH,
        "error",
        ("design__lvs_error__count", "design__lvs_errors__count"),
        "LVS errors",
    ),
    (
        LVS_MISMATCH,
        "error",
        ("design__lvs_unmatched_pin__count", "design__lvs_unmatched_pins__count"),
        "LVS unmatched pins",
    ),
    (
        LVS_MISMATCH,
        "error",
        ("design__lvs_unmatched_net__count", "design__lvs_unmatched_nets__count"),
        "LVS unmatched nets",
    ),
    (
        POWER_GRID_VIOLATIONS,
        "error",
        ("design__power_grid_violation__count",),
        "power-grid violations (OpenROAD PSM)",
    ),
    (DRC_VIOLATIONS, "error", ("klayout__density_error__count",), "KLayout density errors"),
    (
        TOOL_CRASH,
        "error",
        ("design__xor_difference__count",),
        "Magic and KLayout stream-outs differ (XOR)",
    ),
    (MAX_SLEW_CAP_FANOUT, "warning", ("design__max_slew_violation__count",), "max slew violations"),
    (
        MAX_SLEW_CAP_FANOUT,
        "warning",
        ("design__max_cap_violation__count",),
        "max capacitance violations",
    ),
    (
        MAX_SLEW_CAP_FANOUT,
        "warning",
        ("design__max_fanout_violation__count",),
        "max fanout violations",
    ),
    (SETUP_VIOLATIONS, "error", ("timing__setup_vio__count",), "setup-violating paths"),
    (HOLD_VIOLATIONS, "error", ("timing__hold_vio__count",), "hold-violating paths"),
)

_SLACK_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (SETUP_VIOLATIONS, ("timing__setup__ws", "timing__setup__wns"), "negative setup slack"),
    (SETUP_VIOLATIONS, ("timing__setup__tns",), "negative setup TNS"),
    (HOLD_VIOLATIONS, ("timing__hold__ws", "timing__hold__wns"), "negative hold slack"),
    (HOLD_VIOLATIONS, ("timing__hold__tns",), "negative hold TNS"),
)


#: A detailed router that ends with at least this share of its first iteration's violations
#: did not converge: the routing resources are short (congestion), not a few local DRC spots.
DRT_STUCK_FRACTION = 0.2
_DRT_ITER_METRIC = re.compile(r"^route__drc_errors__iter:(\d+)$")


def _drt_iteration_hits(metrics: dict[str, Any]) -> list[_Hit]:
    """LibreLane's per-iteration detailed-routing counts (`route__drc_errors__iter:N`, written
    by OpenROAD.DetailedRouting's metrics): a router still far from 0 at its last iteration is
    congestion; one that ends with a few violations is left to the route__drc_errors rule."""
    iters = sorted(
        (int(m.group(1)), v)
        for k, raw in metrics.items()
        if (m := _DRT_ITER_METRIC.match(k)) and (v := _to_number(raw)) is not None
    )
    if len(iters) < 2:
        return []
    (first_n, first), (last_n, last) = iters[0], iters[-1]
    if last <= 0 or first <= 0 or last < DRT_STUCK_FRACTION * first:
        return []
    return [
        _Hit(
            ROUTING_CONGESTION,
            "error",
            f"route__drc_errors__iter:{last_n}={int(last)} "
            f"(route__drc_errors__iter:{first_n}={int(first)})",
            "detailed routing did not converge",
        )
    ]


def _metric_hits(metrics: dict[str, Any]) -> list[_Hit]:
    hits: list[_Hit] = _drt_iteration_hits(metrics)
    for klass, sev, names, msg in _COUNT_RULES:
        found = _metric(metrics, *names, worst="max")
        if found and found[1] > 0:
            hits.append(_Hit(klass, sev, _fmt(*found), msg))
    for klass, names, msg in _SLACK_RULES:
        found = _metric(metrics, *names, worst="min")
        if found and found[1] < 0:
            hits.append(_Hit(klass, "error", _fmt(*found), msg))
    return hits


# OpenLane 1 wide metrics.csv columns → LibreLane names (-1 means "not measured" there).
_OL1_NAMES = {
    "tritonRoute_violations": "route__drc_errors",
    "Magic_violations": "magic__drc_error__count",
    "klayout_violations": "klayout__drc_error__count",
    "pin_antenna_violations": "antenna__violating__pins",
    "net_antenna_violations": "antenna__violating__nets",
    "lvs_total_errors": "design__lvs_error__count",
    "wns": "timing__setup__wns",
    "tns": "timing__setup__tns",
}


def load_metrics(path: str | Path) -> dict[str, Any]:
    """Metrics from LibreLane metrics.json / state_in.json / metrics.csv or OpenLane 1 CSV."""
    p = Path(path)
    text = p.read_text(encoding="utf-8", errors="replace")
    if p.suffix == ".json":
        data = json.loads(text)
        if isinstance(data, dict) and isinstance(data.get("metrics"), dict):
            data = data["metrics"]
        return dict(data) if isinstance(data, dict) else {}
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return {}
    if [c.strip() for c in rows[0][:2]] == ["Metric", "Value"]:
        return {r[0]: r[1] for r in rows[1:] if len(r) >= 2}
    if len(rows) >= 2:  # OpenLane 1: header row + one value row
        out: dict[str, Any] = {}
        for k, v in zip(rows[0], rows[1], strict=False):
            out[k] = v
            if k in _OL1_NAMES and _to_number(v) is not None and _to_number(v) != -1:
                out[_OL1_NAMES[k]] = v
        return out
    return {}


# --------------------------------------------------------------------------------------------
# log text: line rules
# --------------------------------------------------------------------------------------------


class _Rule:
    __slots__ = ("rx", "klass", "severity", "message", "count_group", "yosys_only", "needles")

    def __init__(
        self,
        pattern: str,
        klass: str,
        severity: Severity,
        message: str,
        *,
        count_group: int | None = None,
        flags: int = 0,
        yosys_only: bool = False,
        needles: tuple[str, ...] = (),
    ) -> None:
        self.rx = re.compile(pattern, flags | re.MULTILINE)
        self.klass, self.severity, self.message = klass, severity, message
        self.count_group = count_group
        self.yosys_only = yosys_only
        #: literals one of which every match contains: the regex runs only when one occurs
        #: in the text (a `\b(\d+) ...` pattern is tried at every digit of a long log)
        self.needles = needles


_I = re.IGNORECASE
# Each rule runs over the whole text in MULTILINE mode: use [ \t], never \s, at line edges so
# a match cannot run into the next line.
_RULES: tuple[_Rule, ...] = (
    # the gate-level stage's verdict (qflow engine: RTL and netlist against one testbench)
    _Rule(
        r"^the design fails its own testbench on the RTL too",
        RTL_FAILS_TESTBENCH,
        "error",
        "the RTL fails its own golden testbench",
    ),
    _Rule(
        r"^simulation/synthesis mismatch: ",
        SIM_SYNTH_MISMATCH,
        "error",
        "the RTL fails the testbench the post-route netlist passes",
    ),
    _Rule(
        r"^post-route netlist fails the testbench the RTL passes.*(?:netlist X|"
        r"the design's nets differ)",
        SIM_SYNTH_MISMATCH,
        "error",
        "the netlist's nets differ from the RTL's",
    ),
    _Rule(
        r"^post-route netlist fails the testbench the RTL passes(?!.*(?:netlist X|"
        r"the design's nets differ))",
        GATE_LEVEL_MISMATCH,
        "error",
        "the netlist fails where the RTL passes, the design's nets agree",
    ),
    # the testbench does not compile against the flat post-route netlist (a hierarchical
    # reference, a parameter the netlist has not): the gate-level set-up, not the design
    _Rule(
        r"^gate-level compile failed",
        GATE_LEVEL_MISMATCH,
        "error",
        "the testbench does not compile against the post-route netlist",
    ),
    # synthesis (yosys, qflow, LibreLane checkers)
    _Rule(r"^[ \t]*Latch inferred for signal", SYNTHESIS_PROBLEM, "error", "latch inferred"),
    _Rule(
        r"multiple conflicting drivers for",
        SYNTHESIS_PROBLEM,
        "error",
        "multiple conflicting drivers",
    ),
    _Rule(r"has no driver\b", SYNTHESIS_PROBLEM, "error", "wire used but not driven"),
    _Rule(
        r"^[ \t]*found and reported (\d+) problems",
        SYNTHESIS_PROBLEM,
        "error",
        "yosys CHECK problems",
        count_group=1,
        flags=_I,
    ),
    # LibreLane's checkers (steps/checker.py, 3.0.17): MetricChecker says
    # "{value} {metric_description} found." (+ " - deferred" when it lets the flow go on)
    _Rule(
        r"\b(\d+) (?:Unmapped Yosys instances|Yosys check errors|Lint errors) found",
        SYNTHESIS_PROBLEM,
        "error",
        "synthesis checker failed",
        count_group=1,
        needles=("Unmapped Yosys instances", "Yosys check errors", "Lint errors"),
    ),
    _Rule(
        r"assign statements? found in (?:the )?netlist",
        SYNTHESIS_PROBLEM,
        "error",
        "assign statements in the netlist (Checker.NetlistAssignStatements)",
    ),
    _Rule(
        r"Timing constructs found in the RTL",
        SYNTHESIS_PROBLEM,
        "error",
        "timing constructs in RTL",
    ),
    _Rule(r"Errors detected in verilog source", SYNTHESIS_PROBLEM, "error", "RTL does not parse"),
    _Rule(r"(?:^|: )ERROR: ", SYNTHESIS_PROBLEM, "error", "yosys error", yosys_only=True),
    # placement
    _Rule(r"\[ERROR GPL-\d+\]", PLACEMENT_DENSITY, "error", "global placement failed"),
    _Rule(r"RePlAce diverged", PLACEMENT_DENSITY, "error", "global placement diverged"),
    _Rule(
        r"^(?:Given|Suggested) target density:",
        PLACEMENT_DENSITY,
        "error",
        "target density too low for the core",
    ),
    _Rule(r"\[ERROR DPL-\d+\]", PLACEMENT_DENSITY, "error", "detailed placement failed"),
    _Rule(r"\[ERROR PPL-\d+\]", PLACEMENT_DENSITY, "error", "pin placement failed"),
    _Rule(
        r"graywolf failed with exit status|GrayWolf failure:|decongest\.tcl failed",
        PLACEMENT_DENSITY,
        "error",
        "qflow placement failed",
    ),
    # routing
    _Rule(
        r"\[ERROR GRT-(?:0116|0118|0119|0232)\]|\[ERROR GRT-\d+\].*congestion",
        ROUTING_CONGESTION,
        "error",
        "global routing congestion",
        flags=_I,
    ),
    _Rule(
        r"\[WARNING GRT-0115\]",
        ROUTING_CONGESTION,
        "warning",
        "global routing finished with overflow",
    ),
    _Rule(
        r"violation type: (?:Horizontal|Vertical) congestion",
        ROUTING_CONGESTION,
        "error",
        "congested global-routing cells",
    ),
    _Rule(r"qrouter failure:", ROUTING_CONGESTION, "error", "qrouter failed"),
    _Rule(
        r"\b(\d+) critical disconnected pins found",
        ROUTING_CONGESTION,
        "error",
        "disconnected pins",
        count_group=1,
        needles=("critical disconnected pins found",),
    ),
    # DRC
    _Rule(
        r"violation type: (?!(?:Horizontal|Vertical) congestion)",
        DRC_VIOLATIONS,
        "error",
        "detailed-routing DRC violation",
    ),
    _Rule(r"^\[INFO\]:? COUNT: (\d+)", DRC_VIOLATIONS, "error", "magic DRC count", count_group=1),
    _Rule(r"There are violations in the design after", DRC_VIOLATIONS, "error", "DRC violations"),
    _Rule(
        r"Total Magic DRC violations is (\d+)",
        DRC_VIOLATIONS,
        "error",
        "magic DRC count",
        count_group=1,
    ),
    _Rule(
        r"^Violation Message .* found (\d+) Times",
        DRC_VIOLATIONS,
        "error",
        "magic DRC rule violated",
        count_group=1,
    ),
    _Rule(r"^drc = (\d+)", DRC_VIOLATIONS, "error", "magic DRC count (qflow)", count_group=1),
    _Rule(
        r"DRC failure:[ \t]+There are (\d+) DRC errors",
        DRC_VIOLATIONS,
        "error",
        "magic DRC errors (qflow)",
        count_group=1,
    ),
    _Rule(
        r"\b(\d+) (?:Routing DRC errors|Magic DRC errors|KLayout DRC errors|"
        r"Magic Illegal Overlap errors|KLayout density errors) found",
        DRC_VIOLATIONS,
        "error",
        "DRC checker failed",
        count_group=1,
        needles=(
            "Routing DRC errors",
            "Magic DRC errors",
            "KLayout DRC errors",
            "Magic Illegal Overlap errors",
            "KLayout density errors",
        ),
    ),
    # antenna
    _Rule(
        r"\[INFO ANT-000[12]\] Found (\d+) (?:net|pin) violations",
        ANTENNA_VIOLATIONS,
        "error",
        "antenna violations",
        count_group=1,
    ),
    _Rule(r"Required ratio:.*\(VIOLATED\)", ANTENNA_VIOLATIONS, "error", "antenna ratio violated"),
    _Rule(
        r"^(?:Pin|Net) violations: (\d+)",
        ANTENNA_VIOLATIONS,
        "error",
        "antenna violations",
        count_group=1,
    ),
    _Rule(
        r"\b(\d+) KLayout antenna errors found",
        ANTENNA_VIOLATIONS,
        "error",
        "KLayout antenna check failed",
        count_group=1,
        needles=("KLayout antenna errors found",),
    ),
    # LVS
    _Rule(r"Netlists do not match", LVS_MISMATCH, "error", "netlists do not match"),
    _Rule(
        r"Cells failed matching|failed pin matching", LVS_MISMATCH, "error", "pin matching failed"
    ),
    _Rule(r"\*\*Mismatch\*\*|\(no matching pin\)", LVS_MISMATCH, "error", "pin mismatch"),
    _Rule(r"^[ \t]*Total errors = (\d+)", LVS_MISMATCH, "error", "LVS errors", count_group=1),
    _Rule(
        r"^[ \t]*(?:unmatched (?:pins|nets|devices)|net count difference|"
        r"device count difference|property failures) = (\d+)",
        LVS_MISMATCH,
        "error",
        "LVS difference",
        count_group=1,
    ),
    _Rule(
        r"Design fails LVS with (\d+) errors",
        LVS_MISMATCH,
        "error",
        "LVS failed (qflow)",
        count_group=1,
    ),
    _Rule(r"There are LVS errors in the design", LVS_MISMATCH, "error", "LVS failed"),
    _Rule(
        r"\b(\d+) LVS errors found",
        LVS_MISMATCH,
        "error",
        "LVS checker failed",
        count_group=1,
        needles=("LVS errors found",),
    ),
    _Rule(r"Property errors were found", LVS_MISMATCH, "error", "LVS property errors"),
    # power grid (Checker.PowerGridViolations; severity follows LVS, see classify)
    _Rule(
        r"\b(\d+) power grid violations \(as reported by OpenROAD PSM",
        POWER_GRID_VIOLATIONS,
        "error",
        "power-grid violations (ignorable when LVS passes)",
        count_group=1,
        needles=("power grid violations (as reported by OpenROAD PSM",),
    ),
    # slew / cap / fanout
    _Rule(
        r"Max (?:Slew|Cap|Fanout) violations found in the following corners",
        MAX_SLEW_CAP_FANOUT,
        "warning",
        "max slew/cap/fanout violations",
        flags=_I,
    ),
    _Rule(
        r"There are max (?:fanout|slew|cap|capacitance|transition) violations in the design",
        MAX_SLEW_CAP_FANOUT,
        "warning",
        "max slew/cap/fanout violations",
    ),
    _Rule(
        r"^max (?:slew|cap|fanout) violation count (\d+)",
        MAX_SLEW_CAP_FANOUT,
        "warning",
        "max slew/cap/fanout violations",
        count_group=1,
    ),
    _Rule(
        r"\b(\d+) Threshold-surpassing long wires found",
        MAX_SLEW_CAP_FANOUT,
        "error",
        "wires longer than the PDK's threshold (Checker.WireLength)",
        count_group=1,
        needles=("Threshold-surpassing long wires found",),
    ),
    # timing (context-free forms; slack reports are handled by _sta_hits)
    _Rule(
        r"RSZ-0062\].*Unable to repair all setup",
        SETUP_VIOLATIONS,
        "error",
        "resizer could not repair setup",
    ),
    _Rule(
        r"Setup violations found in the following corners",
        SETUP_VIOLATIONS,
        "error",
        "setup violations",
    ),
    _Rule(
        r"There are setup violations in the design", SETUP_VIOLATIONS, "error", "setup violations"
    ),
    _Rule(
        r"RSZ-0066\].*Unable to repair all hold",
        HOLD_VIOLATIONS,
        "error",
        "resizer could not repair hold",
    ),
    _Rule(
        r"RSZ-0064\].*Unable to repair all hold",
        HOLD_VIOLATIONS,
        "warning",
        "hold not repaired within margin",
    ),
    _Rule(
        r"Hold violations found in the following corners",
        HOLD_VIOLATIONS,
        "error",
        "hold violations",
    ),
    _Rule(r"There are hold violations in the design", HOLD_VIOLATIONS, "error", "hold violations"),
    # flow problems a person must fix (Checker.XOR; a TIMING_VIOLATION_CORNERS-style wildcard)
    _Rule(
        r"\b(\d+) XOR differences found",
        TOOL_CRASH,
        "error",
        "Magic and KLayout stream-outs differ (Checker.XOR)",
        count_group=1,
        needles=("XOR differences found",),
    ),
    _Rule(
        r"One or more wildcards specified in \S+ did not match any corners",
        TOOL_CRASH,
        "error",
        "a corner wildcard in the config matches no corner",
    ),
    # crashes (always reported, ordered after every recognised cause)
    _Rule(
        r"Segmentation fault|core dumped|std::bad_alloc|terminate called after throwing|"
        r"Traceback \(most recent call last\)|[Oo]ut of memory|^[ \t]*Killed[ \t]*$",
        TOOL_CRASH,
        "error",
        "tool crashed",
    ),
)

# Lines that say "something failed" without saying what: a crash only when nothing else in the
# same log explains the failure.
_GENERIC_FAILURE = re.compile(
    r"Synthesis flow stopped (?:due to|on) error condition|^Premature exit\.|"
    r"Command exited with non-zero status|make: \*\*\* .*Error \d+|child process exited abnormally|"
    r"\[ERROR [A-Z]{2,4}-\d{4}\]|^\[ERROR\]|The following error was encountered|"
    r"^Error: \S+\.tcl, \d+|non-zero exit (?:code|status)|exited with (?:exit )?code [1-9]"
)

_CORNER_LINE = re.compile(r"^\*\s+\S+")
_DEFERRED_END = "One or more deferred errors were encountered"  # flows/sequential.py


def _clip(line: str) -> str:
    line = line.strip()
    return line if len(line) <= _MAX_LINE else line[:_MAX_LINE] + "…"


def _line_at(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (len(text) if end < 0 else end)


def _line_hits(text: str, yosys_log: bool) -> list[_Hit]:
    """Every rule over the whole text (one C-level scan per rule), hits in line order."""
    found: dict[tuple[int, int], tuple[_Rule, str]] = {}
    for idx, rule in enumerate(_RULES):
        if rule.yosys_only and not yosys_log:
            continue
        if rule.needles and not any(n in text for n in rule.needles):
            continue
        for m in rule.rx.finditer(text):
            if rule.count_group is not None:
                n = _to_number(m.group(rule.count_group))
                if not n or n <= 0:
                    continue
            start, end = _line_at(text, m.start())
            found.setdefault((start, idx), (rule, text[start:end]))
    hits: list[_Hit] = []
    for (start, _idx), (rule, line) in sorted(found.items()):
        hits.append(_Hit(rule.klass, rule.severity, _clip(line), rule.message))
        if "in the following corners" in line:  # LibreLane checker: the corners follow
            for nxt in text[start + len(line) + 1 :].split("\n", 4)[:3]:
                if not _CORNER_LINE.match(nxt.strip()):
                    break
                hits.append(_Hit(rule.klass, rule.severity, _clip(nxt), rule.message))
    return hits


# --------------------------------------------------------------------------------------------
# log text: detectors that need context
# --------------------------------------------------------------------------------------------

_DRT_COUNT = re.compile(
    r"Number of violations = (\d+)|Completing\s+\d+%\s+with\s+(\d+)\s+"
    r"violations"
)
_DRT_ITER = re.compile(r"\[INFO DRT-0195\] Start .* iteration")


def _drt_hits(lines: list[str]) -> list[_Hit]:
    """Detailed routing: only the last violation count matters (it converges, or not)."""
    last: tuple[int, str] | None = None
    last_iter = None
    for raw in lines:
        m = _DRT_COUNT.search(raw)
        if m:
            last = (int(m.group(1) or m.group(2)), raw)
        elif _DRT_ITER.search(raw):
            last_iter = raw
    if last is None or last[0] == 0:
        return []
    out = [
        _Hit(
            DRC_VIOLATIONS,
            "error",
            _clip(last[1]),
            f"detailed routing ended with {last[0]} violations",
        )
    ]
    if last_iter:
        out.append(_Hit(DRC_VIOLATIONS, "error", _clip(last_iter), "last DRT iteration"))
    return out


_QR_FINAL = re.compile(r"^Final: Failed net routes: (\d+)")
_QR_ANY = re.compile(r"^Failed net routes: (\d+)")


def _qrouter_hits(lines: list[str]) -> list[_Hit]:
    """qrouter: the `Final:` line decides; intermediate stage counts are progress."""
    final_idx = None
    for i, raw in enumerate(lines):
        if raw.startswith("Final: "):
            final_idx = i
    if final_idx is not None:
        m = _QR_FINAL.match(lines[final_idx])
        if not m or int(m.group(1)) == 0:
            return []
        out = [
            _Hit(
                ROUTING_CONGESTION,
                "error",
                _clip(lines[final_idx]),
                f"qrouter left {m.group(1)} nets unrouted",
            )
        ]
        nets = []
        for nxt in lines[final_idx + 1 : final_idx + 12]:
            if nxt.startswith("List of failed nets"):
                continue
            if not nxt.startswith(" ") or not nxt.strip():
                break
            nets.append(nxt.strip())
        if nets:
            out.append(
                _Hit(
                    ROUTING_CONGESTION,
                    "error",
                    "failed nets: " + " ".join(nets[:8]),
                    "unrouted nets",
                )
            )
        return out
    counts = [raw for raw in lines if _QR_ANY.match(raw)]
    if counts and int(_QR_ANY.match(counts[-1]).group(1)) > 0:  # type: ignore[union-attr]
        return [
            _Hit(
                ROUTING_CONGESTION, "error", _clip(counts[-1]), "qrouter stopped with unrouted nets"
            )
        ]
    return []


_VESTA_START = re.compile(r"^Running vesta static timing analysis")
_VESTA_VERDICT = re.compile(
    r"^(?:ERROR:\s+)?Design (meets|fails) (timing requirements|"
    r"minimum hold timing)"
)
_VESTA_SLACK = re.compile(r"Slack = (-[\d.]+) ps")


def _vesta_hits(lines: list[str]) -> list[_Hit]:
    """qflow/vesta: sta.log is appended to on every run; only the last run counts."""
    starts = [i for i, raw in enumerate(lines) if _VESTA_START.match(raw)]
    block = lines[starts[-1] :] if starts else lines
    out: list[_Hit] = []
    for raw in block:
        m = _VESTA_VERDICT.match(raw)
        if not m or m.group(1) != "fails":
            continue
        if m.group(2) == "timing requirements":
            out.append(_Hit(SETUP_VIOLATIONS, "error", _clip(raw), "vesta: setup fails"))
            neg = [r for r in block if _VESTA_SLACK.search(r)][:3]
            out.extend(_Hit(SETUP_VIOLATIONS, "error", _clip(r), "negative slack") for r in neg)
        else:
            out.append(_Hit(HOLD_VIOLATIONS, "error", _clip(raw), "vesta: hold fails"))
    return out


_STA_MODE = (
    (
        re.compile(
            r"Path Type: max|library setup time|-path_delay max|\(Setup\)|"
            r"report_worst_slack -max"
        ),
        SETUP_VIOLATIONS,
    ),
    (
        re.compile(
            r"Path Type: min|library hold time|-path_delay min|\(Hold\)|"
            r"report_worst_slack -min"
        ),
        HOLD_VIOLATIONS,
    ),
)
_STA_VIOLATED = re.compile(r"^\s*(-[\d.]+)\s+slack \(VIOLATED\)")
_NUM = r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
_STA_WNS = re.compile(r"^(?:wns|tns|worst slack) (max|min) " + _NUM + r"\s*$")
# A section header of a slack summary; the value follows within a few lines.
_STA_SECTION = re.compile(r"^report_(?:wns|tns|worst_slack)\b|Slack \((?:Setup|Hold)\)", _I)
_STA_VALUE = re.compile(
    r"^(?:worst slack|wns|tns)\s+" + _NUM + r"\s*$|^[\w.\-]+:\s+" + _NUM + r"\s*$"
)


def _sta_hits(lines: list[str]) -> list[_Hit]:
    """OpenSTA / OpenROAD reports: whether a negative slack is setup or hold is in the context
    (Path Type, library setup/hold time, the section header)."""
    out: list[_Hit] = []
    mode = SETUP_VIOLATIONS
    armed = 0  # lines left in which a bare "name: value" belongs to a slack section
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        for rx, klass in _STA_MODE:
            if rx.search(line):
                mode = klass
        if _STA_SECTION.search(line):
            armed = 4
            continue
        armed = max(armed - 1, 0)
        m = _STA_VIOLATED.match(line)
        if m:
            out.append(_Hit(mode, "error", _clip(line), "path with negative slack"))
            continue
        m = _STA_WNS.match(line)
        if m:
            if float(m.group(2)) < 0:
                klass = SETUP_VIOLATIONS if m.group(1) == "max" else HOLD_VIOLATIONS
                out.append(_Hit(klass, "error", _clip(line), "negative worst slack"))
            continue
        if armed:
            m = _STA_VALUE.match(line)
            if m and float(m.group(1) or m.group(2)) < 0:
                out.append(_Hit(mode, "error", _clip(line), "negative worst slack"))
    return out


def _box_cells(line: str, sep: str) -> list[str]:
    return [c.strip() for c in line.strip().strip(sep).split(sep)]


def _summary_table_hits(lines: list[str]) -> list[_Hit]:
    """LibreLane/OpenLane 2 STAPostPNR summary.rpt (rich box table): the Overall row."""
    header_rows = [_box_cells(raw, "┃") for raw in lines if raw.lstrip().startswith("┃")]
    if not header_rows:
        return []
    ncol = max(len(r) for r in header_rows)
    names = [
        " ".join(r[i] for r in header_rows if i < len(r) and r[i]).lower().replace("…", "")
        for i in range(ncol)
    ]
    if not any("corner" in n for n in names):
        return []
    group, groups = "", []  # "Reg to Reg Paths" belongs to the Hold/Setup column before it
    for n in names:
        group = "hold" if "hold" in n else "setup" if "setup" in n else group
        groups.append(group)
    out: list[_Hit] = []
    for raw in lines:
        if not raw.lstrip().startswith("│"):
            continue
        cells = _box_cells(raw, "│")
        if not cells or cells[0] != "Overall":
            continue
        for name, group, cell in zip(names, groups, cells, strict=False):
            v = _to_number(cell)
            if v is None or "of which" in name:
                continue
            klass = None
            if ("slack" in name or "tns" in name or "reg to reg paths" in name) and v < 0:
                klass = HOLD_VIOLATIONS if group == "hold" else SETUP_VIOLATIONS
            elif ("vio" in name) and v > 0:
                if "max cap" in name or "max slew" in name or "fanout" in name:
                    klass = MAX_SLEW_CAP_FANOUT
                elif "hold" in name:
                    klass = HOLD_VIOLATIONS
                elif "setup" in name:
                    klass = SETUP_VIOLATIONS
            if klass:
                sev: Severity = "warning" if klass == MAX_SLEW_CAP_FANOUT else "error"
                out.append(_Hit(klass, sev, _clip(raw), f"{name}: {cell} (Overall)"))
                out.append(_Hit(klass, sev, f"{name}={cell} (Overall)", f"{name}: {cell}"))
    return out


def _antenna_table_hits(lines: list[str]) -> list[_Hit]:
    """LibreLane antenna_summary.rpt: any data row is a violating pin."""
    if not any("P / R" in raw and "┃" in raw for raw in lines):
        return []
    rows = [raw for raw in lines if raw.lstrip().startswith("│")]
    return [_Hit(ANTENNA_VIOLATIONS, "error", _clip(r), "antenna violator") for r in rows[:3]]


_PARTIAL = re.compile(r"^Partial/Required:\s*([\d.]+),")


def _ol1_antenna_hits(lines: list[str]) -> list[_Hit]:
    out = []
    for raw in lines:
        m = _PARTIAL.match(raw.strip())
        if m and float(m.group(1)) > 1.0:
            out.append(_Hit(ANTENNA_VIOLATIONS, "error", _clip(raw), "antenna ratio > 1"))
    return out


_MFG_SECTION = {"* Antenna": ANTENNA_VIOLATIONS, "* LVS": LVS_MISMATCH, "* DRC": DRC_VIOLATIONS}


def _manufacturability_hits(lines: list[str]) -> list[_Hit]:
    """LibreLane manufacturability.rpt: `* Antenna` / `* LVS` / `* DRC` then `Passed ✅`,
    `Failed 𐄂` with counts, or `N/A` (skipped: not a failure)."""
    out = []
    for i, raw in enumerate(lines):
        klass = _MFG_SECTION.get(raw.strip())
        if not klass:
            continue
        nxt = next((n.strip() for n in lines[i + 1 : i + 4] if n.strip()), "")
        # "N/A": the check's step was skipped (misc.py ReportManufacturability prints it when
        # the metric is missing) — nothing was measured, nothing failed
        if nxt and not nxt.startswith(("Passed", "N/A")):
            out.append(
                _Hit(
                    klass, "error", _clip(f"{raw.strip()}: {nxt}"), "manufacturability check failed"
                )
            )
    return out


_YOSYS_STATS = re.compile(r"^\d+(?:\.\d+)*\. Printing statistics\.")
_YOSYS_PASS = re.compile(r"^\d+(?:\.\d+)*\. ")
_CELL_OLD = re.compile(r"^\s+(\$\S+)\s+(\d+)\s*$")  # yosys <= 0.4x: name count
_CELL_NEW = re.compile(r"^\s+(\d+)\s+(?:[\d.]+|-)\s+(\$\S+)\s*$")  # newer: count area name


_LVS_COUNT = re.compile(
    r"^\s*(net count difference|device count difference|unmatched nets|"
    r"unmatched devices|unmatched pins|property failures) = (\d+)"
)


def _lvs_pins_only_hits(lines: list[str]) -> list[_Hit]:
    """netgen matched the circuits, and the only LVS errors are unmatched top-level pins."""
    counts = {}
    for raw in lines:
        m = _LVS_COUNT.match(raw)
        if m:
            counts[m.group(1)] = int(m.group(2))
    matched = any(re.search(r"(Netlists|Circuits) match uniquely", raw) for raw in lines)
    mismatched = any("Netlists do not match" in raw for raw in lines)
    if not matched or mismatched or counts.get("unmatched pins", 0) == 0:
        return []
    if any(v for k, v in counts.items() if k != "unmatched pins"):
        return []
    evidence = [
        _clip(raw)
        for raw in lines
        if "match uniquely" in raw or "unmatched pins" in raw or "no matching pin" in raw
    ]
    return [
        _Hit(
            LVS_PINS_ONLY,
            "error",
            e,
            "circuits match; only the top-level pin lists "
            "differ (a power pin missing from the layout?)",
        )
        for e in evidence
    ]


def _yosys_unmapped_hits(lines: list[str]) -> list[_Hit]:
    """Internal `$...` cells left in the *final* statistics = unmapped (e.g. a latch)."""
    starts = [i for i, raw in enumerate(lines) if _YOSYS_STATS.match(raw)]
    if starts:
        block = []
        for raw in lines[starts[-1] + 1 :]:
            if _YOSYS_PASS.match(raw) or raw.startswith("End of script"):
                break
            block.append(raw)
    elif any(raw.startswith("=== ") for raw in lines) and not any(
        "Executing" in raw for raw in lines
    ):
        block = lines  # a stat.rpt file
    else:
        return []
    out = []
    for raw in block:
        m = _CELL_OLD.match(raw) or _CELL_NEW.match(raw)
        if m:
            out.append(
                _Hit(
                    SYNTHESIS_PROBLEM, "error", _clip(raw), "unmapped internal cell after synthesis"
                )
            )
    return out


def _json_hits(text: str) -> list[_Hit]:
    """Netgen JSON (badnets/badelements) and yosys `stat -json` (unmapped `$` cells)."""
    stripped = text.lstrip()
    if not stripped.startswith(("[", "{")):
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return []
    out: list[_Hit] = []
    if isinstance(data, list) and any(isinstance(e, dict) and "badnets" in e for e in data):
        for e in data:
            if not isinstance(e, dict):
                continue
            bn, be = len(e.get("badnets") or []), len(e.get("badelements") or [])
            if bn or be:
                name = e.get("name")
                name = " vs ".join(map(str, name)) if isinstance(name, list) else name
                out.append(
                    _Hit(
                        LVS_MISMATCH,
                        "error",
                        f"netgen {name}: badnets={bn} badelements={be}",
                        "netgen found mismatching nets/devices",
                    )
                )
    if isinstance(data, dict) and isinstance(data.get("modules"), dict):
        for mod, info in data["modules"].items():
            cells = (info or {}).get("num_cells_by_type") or {}
            for cell, n in cells.items():
                if cell.startswith("$") and n:
                    out.append(
                        _Hit(
                            SYNTHESIS_PROBLEM,
                            "error",
                            f"{mod}: {cell} {n}",
                            "unmapped internal cell after synthesis",
                        )
                    )
    return out


_XML_ITEM = re.compile(r"<item>")


def _xml_report_hits(text: str) -> list[_Hit]:
    """KLayout report database (.xml / .lyrdb from KLayout or Magic DRC): items are errors."""
    if "<report-database" not in text:
        return []
    n = len(_XML_ITEM.findall(text))
    if not n:
        return []
    cat = re.search(r"<item>.*?<category>(.*?)</category>", text, re.S)
    ev = f"{n} items in report-database" + (f" (first: {cat.group(1).strip()})" if cat else "")
    return [_Hit(DRC_VIOLATIONS, "error", ev, "DRC report database has items")]


# (detector, lower-case words of which one must occur in the text for it to run)
_DETECTORS: tuple[tuple[Callable[[list[str]], list[_Hit]], tuple[str, ...]], ...] = (
    (_drt_hits, ("violations",)),
    (_qrouter_hits, ("failed net routes",)),
    (_vesta_hits, ("design fails",)),
    (_sta_hits, ("slack", "wns", "tns")),
    (_summary_table_hits, ("┃",)),
    (_antenna_table_hits, ("p / r",)),
    (_ol1_antenna_hits, ("partial/required",)),
    (_manufacturability_hits, ("* antenna", "* lvs", "* drc")),
    (_yosys_unmapped_hits, ("===",)),
    (_lvs_pins_only_hits, ("unmatched pins",)),
)


def _log_hits(text: str) -> list[_Hit]:
    lines = text.splitlines()
    yosys_log = "yosys" in text.lower() and ("Executing" in text or "Yosys" in text)
    hits = _line_hits(text, yosys_log)
    low = text.lower()
    for det, keys in _DETECTORS:
        if any(k in low for k in keys):
            hits.extend(det(lines))
    hits.extend(_json_hits(text))
    hits.extend(_xml_report_hits(text))
    # LibreLane's end-of-flow "One or more deferred errors were encountered:" lists checker
    # messages classified above: the FlowError around them is not a crash of its own
    if not any(h.severity == "error" for h in hits) and _DEFERRED_END not in text:
        generic = [raw for raw in lines if _GENERIC_FAILURE.search(raw)]
        hits.extend(
            _Hit(TOOL_CRASH, "error", _clip(g), "stage failed without a recognised cause")
            for g in generic[:MAX_EVIDENCE]
        )
    return hits


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def _merge(hits: Iterable[_Hit], source: str) -> list[Finding]:
    by_class: dict[str, Finding] = {}
    for h in hits:
        f = by_class.get(h.klass)
        if f is None:
            f = by_class[h.klass] = Finding(
                klass=h.klass, source=source, severity=h.severity, message=h.message
            )  # type: ignore[arg-type]
        if h.severity == "error" and f.severity != "error":
            f.severity = "error"
            f.message = h.message
        if h.line not in f.evidence and len(f.evidence) < MAX_EVIDENCE:
            f.evidence.append(h.line)
    return list(by_class.values())


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most fundamental class first; errors before warnings; log lines before metrics."""
    return sorted(
        findings, key=lambda f: (f.rank, f.severity != "error", f.source == "metrics", f.source)
    )


def classify(
    metrics: dict[str, Any] | None,
    logs: dict[str, str] | None,
    *,
    failed_stage: str | None = None,
    failed: bool = False,
) -> list[Finding]:
    """Failure findings for one run, most fundamental first; [] for a clean run.

    `failed_stage` / `failed` say the run failed: when nothing recognisable explains it, a
    `tool_crash` (a stage died) or `unknown` finding is added so callers always get a class.
    """
    findings: list[Finding] = []
    if metrics:
        findings += _merge(_metric_hits(metrics), "metrics")
    for name, text in (logs or {}).items():
        if text:
            findings += _merge(_log_hits(text), name)
    lvs_clean = _to_number((metrics or {}).get("design__lvs_error__count")) == 0
    for f in findings:  # "you may ignore these if LVS passes" (Checker.PowerGridViolations)
        if f.klass == POWER_GRID_VIOLATIONS and lvs_clean:
            f.severity = "warning"
            f.message += "; LVS passed, so LibreLane's advice is to ignore them"
    if (failed_stage or failed) and not any(f.severity == "error" for f in findings):
        if failed_stage:
            tail = _stage_tail(failed_stage, logs or {})
            findings.append(
                Finding(
                    klass=TOOL_CRASH,
                    source=failed_stage,
                    evidence=tail,
                    message=f"stage '{failed_stage}' failed without a recognised cause",
                )
            )
        else:
            findings.append(
                Finding(
                    klass=UNKNOWN,
                    source="run",
                    evidence=[],
                    message="the run failed but no failure class matched",
                )
            )
    return sort_findings(findings)


def _stage_tail(stage: str, logs: dict[str, str]) -> list[str]:
    for name, text in logs.items():
        if stage in name and text.strip():
            tail = [ln.strip() for ln in text.strip().splitlines() if ln.strip()][-3:]
            return [_clip(t) for t in tail]
    return [f"stage {stage} failed"]


def primary(findings: Iterable[Finding]) -> Finding | None:
    """The finding to act on: the most fundamental error, else the most fundamental warning."""
    ordered = sort_findings(findings)
    errors = [f for f in ordered if f.severity == "error"]
    return (errors or ordered)[0] if ordered else None


def evidence_for(findings: Iterable[Finding], klass: str, limit: int = 10) -> list[str]:
    """The evidence of every finding of one class (all sources), log lines first."""
    out: list[str] = []
    for f in sort_findings(findings):
        if f.klass == klass:
            out += [e for e in f.evidence if e not in out]
    return out[:limit]


def classes(findings: Iterable[Finding]) -> set[str]:
    return {f.klass for f in findings}


def read_log(path: str | Path) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")
