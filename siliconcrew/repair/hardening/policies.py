"""Repair policies: for each failure class, what to try, in order, before giving up.

A `RepairAction` is either an abstract config change that every engine translates into its own
keys through `FlowEngine.apply_action(action, params, config)` (returning None when it cannot
express it), or a send-back: the failure is not a configuration problem and goes, with its
evidence, to another agent ("rtl": the RTL agent; "timing_debug": the timing-debug agent;
"user": a person, when the flow itself broke). Parameters escalate: a second try of the same
action goes further than the first. Changing the clock period changes the specification, so
"relax_clock" only runs with the user's permission.

Abstract actions and their parameters:

  lower_density        {step_pct}  lower the placement target density / core utilisation by
                                   step_pct percentage points
  enlarge_die          {factor}    multiply the die/core *area* by factor
  enable_antenna_repair {}         turn on diode insertion / antenna repair
  timing_repair        {setup_margin_pct?, hold_margin_pct?}  enable or strengthen resizer
                                   timing repair with the given margins (% of the clock period)
  fix_slew_cap         {}          enable or strengthen design-rule (slew/cap/fanout) repair
  routing_effort       {}          more router iterations / effort
  relax_clock          {factor}    multiply the clock period (needs the user's permission)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from siliconcrew.repair.hardening.classify import (
    ANTENNA_VIOLATIONS,
    CLASS_ORDER,
    DRC_VIOLATIONS,
    GATE_LEVEL_MISMATCH,
    HOLD_VIOLATIONS,
    LVS_MISMATCH,
    LVS_PINS_ONLY,
    MAX_SLEW_CAP_FANOUT,
    PLACEMENT_DENSITY,
    POWER_GRID_VIOLATIONS,
    ROUTING_CONGESTION,
    RTL_FAILS_TESTBENCH,
    SETUP_VIOLATIONS,
    SIM_SYNTH_MISMATCH,
    SYNTHESIS_PROBLEM,
    TOOL_CRASH,
    UNKNOWN,
)

ABSTRACT_ACTIONS = (
    "lower_density",
    "enlarge_die",
    "enable_antenna_repair",
    "timing_repair",
    "fix_slew_cap",
    "routing_effort",
    "relax_clock",
)
SendBack = Literal["rtl", "timing_debug", "user"]
SEND_BACK_TARGETS: tuple[str, ...] = ("rtl", "timing_debug", "user")


@dataclass(frozen=True)
class RepairAction:
    """One step of a policy. `name` is unique across all policies (the loop's "tried" key)."""

    name: str
    action: str | None
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    needs_permission: bool = False
    send_back: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _lower(pct: int) -> RepairAction:
    return RepairAction(
        f"lower_density_{pct}",
        "lower_density",
        {"step_pct": pct},
        f"lower the placement target density by {pct} percentage points",
    )


def _enlarge(factor: float) -> RepairAction:
    return RepairAction(
        f"enlarge_die_x{factor:g}",
        "enlarge_die",
        {"factor": factor},
        f"multiply the die/core area by {factor:g}",
    )


def _setup_repair(pct: int) -> RepairAction:
    return RepairAction(
        f"timing_repair_setup_{pct}",
        "timing_repair",
        {"setup_margin_pct": pct},
        f"resizer setup repair with a {pct}% margin",
    )


def _hold_repair(pct: int) -> RepairAction:
    return RepairAction(
        f"timing_repair_hold_{pct}",
        "timing_repair",
        {"hold_margin_pct": pct},
        f"resizer hold repair with a {pct}% margin",
    )


def _relax(factor: float) -> RepairAction:
    pct = round((factor - 1) * 100)
    return RepairAction(
        f"relax_clock_{pct}pct",
        "relax_clock",
        {"factor": factor},
        f"lengthen the clock period by {pct}% (changes the spec)",
        needs_permission=True,
    )


def _send(target: str, why: str, description: str) -> RepairAction:
    return RepairAction(f"send_back_{target}_{why}", None, {}, description, send_back=target)


ROUTING_EFFORT = RepairAction(
    "routing_effort", "routing_effort", {}, "raise router effort / iterations"
)
ANTENNA_REPAIR = RepairAction(
    "enable_antenna_repair", "enable_antenna_repair", {}, "enable antenna repair (diode insertion)"
)
FIX_SLEW_CAP = RepairAction(
    "fix_slew_cap", "fix_slew_cap", {}, "enable design-rule repair of max slew/cap/fanout"
)

POLICIES: dict[str, tuple[RepairAction, ...]] = {
    RTL_FAILS_TESTBENCH: (
        _send(
            "rtl",
            "rtl_testbench",
            "the RTL itself fails the golden testbench: send the failing lines to the RTL agent",
        ),
    ),
    SIM_SYNTH_MISMATCH: (
        _send(
            "rtl",
            "sim_synth",
            "RTL and netlist simulate differently (a sensitivity list, "
            "blocking assignments, initial values, state with no reset): send the failing "
            "line and the first waveform difference to the RTL agent",
        ),
    ),
    SYNTHESIS_PROBLEM: (
        _send(
            "rtl",
            "synthesis",
            "latches, unmapped cells or multiply/un-driven nets are "
            "RTL bugs: send them to the RTL agent with the yosys lines",
        ),
    ),
    PLACEMENT_DENSITY: (_lower(10), _lower(20), _enlarge(1.25), _enlarge(1.5)),
    ROUTING_CONGESTION: (_lower(10), ROUTING_EFFORT, _lower(20), _enlarge(1.25), _enlarge(1.5)),
    DRC_VIOLATIONS: (ROUTING_EFFORT, _lower(10), _enlarge(1.25), _lower(20)),
    ANTENNA_VIOLATIONS: (ANTENNA_REPAIR, ROUTING_EFFORT),
    # qflow's power stripes need a die wider than their pitch: a tiny design (one gate) gets
    # only the vdd stripe and its layout has no gnd pin. A bigger core fixes it (a NOR gate:
    # clean at density 0.3).
    LVS_PINS_ONLY: (
        _lower(40),
        _lower(15),
        _send(
            "user",
            "lvs_pins",
            "the circuits match but the layout's top-level pins differ "
            "from the netlist's: a flow problem (power pins), not an RTL one",
        ),
    ),
    # The layout differs from the netlist it was built from: a flow fault (a short or open
    # left by routing, a cell the extraction does not see). RTL problems that look like it
    # (undriven / multiply-driven nets) are caught at synthesis (SYNTHESIS_PROBLEM), so the
    # RTL agent cannot fix this: re-place and re-route with more room, then a person.
    LVS_MISMATCH: (
        _lower(10),
        _enlarge(1.25),
        _send(
            "user",
            "lvs",
            "layout and netlist still disagree after re-placing with more "
            "room: a flow fault (short/open in routing or extraction); see the netgen lines",
        ),
    ),
    # Unconnected power-grid nodes: on a small die the stripes may miss cells; past that the
    # PDN settings (PDN_*PITCH, macro connections) are a person's call.
    POWER_GRID_VIOLATIONS: (
        _enlarge(1.25),
        _send(
            "user",
            "power_grid",
            "OpenROAD PSM found unconnected power-grid nodes and LVS "
            "did not pass: check the PDN settings (stripe pitch, macro connections)",
        ),
    ),
    MAX_SLEW_CAP_FANOUT: (FIX_SLEW_CAP, _setup_repair(5)),
    SETUP_VIOLATIONS: (
        _setup_repair(5),
        _setup_repair(10),
        FIX_SLEW_CAP,
        _relax(1.1),
        _relax(1.25),
        _send(
            "timing_debug",
            "setup",
            "timing repair is exhausted: send the critical paths to the timing-debug agent",
        ),
    ),
    HOLD_VIOLATIONS: (
        _hold_repair(5),
        _hold_repair(10),
        _send(
            "timing_debug",
            "hold",
            "hold repair is exhausted: send the failing hold paths to the timing-debug agent",
        ),
    ),
    GATE_LEVEL_MISMATCH: (
        _send(
            "user",
            "gate_level",
            "the netlist fails a testbench the RTL passes while the "
            "design's nets agree (a zero-delay race in the testbench) or no difference was "
            "found: a person has to look at the testbench and the first difference",
        ),
    ),
    TOOL_CRASH: (
        _send(
            "user",
            "crash",
            "a stage died without a recognised cause: a person has to look at the log tail",
        ),
    ),
    UNKNOWN: (
        _send(
            "user", "unknown", "the run failed and no failure class matched: a person has to look"
        ),
    ),
}

assert set(POLICIES) == set(CLASS_ORDER), "every failure class needs a policy"


def policy_for(klass: str) -> tuple[RepairAction, ...]:
    return POLICIES.get(klass, POLICIES[UNKNOWN])


def all_actions() -> dict[str, RepairAction]:
    """Every distinct action by name (shared actions appear in several policies)."""
    out: dict[str, RepairAction] = {}
    for actions in POLICIES.values():
        for a in actions:
            prev = out.setdefault(a.name, a)
            if prev != a:
                raise ValueError(f"two different repair actions are named {a.name!r}")
    return out
