"""The tool inputs a design implies, written once.

The check flow, the graph's nodes, the verification agent, the timing-repair ladder and the
timing analysis all lint, simulate, synthesize, time and compare the same design; each used
to build these dicts itself and they drifted (the graph judged a clock-less combinational
block against a virtual clock the check flow did not). Callers pass what differs (candidate
RTL, a recipe, a relaxed period, a netlist); the design supplies everything else.
"""

from __future__ import annotations

from typing import Any

from siliconcrew.core.design import Design
from siliconcrew.core.recipe import SynthRecipe

FORMAL_TIMEOUT_S = 15  # the yosys proof is time-boxed; random co-simulation decides after


def lint_input(d: Design, rtl: list[str] | None = None) -> dict[str, Any]:
    return {"files": list(rtl or d.rtl), "top": d.top, "include_dirs": d.include_dirs}


def simulate_input(d: Design, rtl: list[str] | None = None) -> dict[str, Any] | None:
    """The golden testbench on `rtl` (design.yaml's by default); None without a testbench."""
    if not d.testbench:
        return None
    v = d.verification
    return {
        "files": [*(rtl or d.rtl), *d.testbench],
        "top": d.testbench_top(),
        "simulator": v.simulator,
        "timeout_s": v.timeout_s,
        "include_dirs": d.include_dirs,
        "pass_patterns": v.pass_patterns,
        "fail_patterns": v.fail_patterns,
    }


def cocotb_inputs(d: Design, rtl: list[str] | None = None) -> list[dict[str, Any]]:
    """One `cocotb_run` call per golden cocotb test module, on `rtl` (design.yaml's by
    default); empty when design.yaml names none."""
    tb = d.testbench_options
    return [
        {
            "sources": [*(rtl or d.rtl), *d.testbench],
            "toplevel": d.cocotb_toplevel(),
            "test_module": module,
            "simulator": tb.simulator,
            "include_dirs": d.include_dirs,
            # cocotb builds the simulation and imports Python before the first time step
            "timeout_s": max(d.verification.timeout_s, 120),
        }
        for module in d.cocotb_tests
    ]


def gate_level_simulate_input(d: Design, netlist: str) -> dict[str, Any] | None:
    """The golden testbench on a synthesized netlist with the cell models (icarus: the cell
    library is plain Verilog); None without a testbench."""
    if not (d.testbench and d.testbench_top()):
        return None
    v = d.verification
    return {
        "files": [netlist, *d.testbench],
        "top": d.testbench_top(),
        "simulator": "icarus",
        "timeout_s": max(v.timeout_s, 120),
        "cell_library": d.check_liberty(),
        "include_dirs": d.include_dirs,
        "pass_patterns": v.pass_patterns,
        "fail_patterns": v.fail_patterns,
    }


def synthesize_input(
    d: Design,
    rtl: list[str] | None = None,
    recipe: SynthRecipe | dict[str, Any] | None = None,
    timeout_s: float | None = None,
) -> dict[str, Any]:
    """`recipe` overrides design.yaml's `synthesis:` (a timing repair's candidate)."""
    if recipe is None:
        recipe = d.check_recipe()
    inp: dict[str, Any] = {
        "files": list(rtl or d.rtl),
        "top": d.top,
        "liberty": d.check_liberty(),
        "include_dirs": d.include_dirs,
        "parameters": dict(d.parameters),
        "recipe": recipe.model_dump() if isinstance(recipe, SynthRecipe) else dict(recipe),
    }
    if timeout_s is not None:
        inp["timeout_s"] = timeout_s
    return inp


def sta_input(
    d: Design, netlist: str, period_ns: float | None = None, paths: int | None = None
) -> dict[str, Any]:
    """STA of `netlist` with design.yaml's clock (I/O delays, uncertainty: LibreLane's
    convention); the netlist already has design.yaml's `parameters:` built in. With no
    `clock:` and no explicit period the design states no timing requirement (a
    combinational block): its longest path is reported, not judged."""
    inp: dict[str, Any] = {"netlist": netlist, "top": d.top, "liberty": d.check_liberty()}
    if period_ns is not None or d.states_timing():
        inp.update(d.clock.sta_constraints(period_ns))
    else:
        inp.update(
            {
                **d.clock.sta_constraints(),
                "input_delay_ns": 0.0,
                "output_delay_ns": 0.0,
                "setup_gates": False,
            }
        )
    if paths is not None:
        inp["paths"] = paths
    return inp


def equivalence_input(
    d: Design,
    netlist: str,
    rtl: list[str] | None = None,
    formal_timeout_s: float = FORMAL_TIMEOUT_S,
) -> dict[str, Any]:
    return {
        "files": list(rtl or d.rtl),
        "netlist": netlist,
        "top": d.top,
        "include_dirs": d.include_dirs,
        "parameters": dict(d.parameters),
        "liberty": d.check_liberty(),
        "clock_port": d.clock.port,
        "formal_timeout_s": formal_timeout_s,
    }
