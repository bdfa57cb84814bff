"""Tiny Tapeout: a tt_um_<name> tile for a design (pure generation).

The tile has 8 dedicated inputs (ui_in), 8 dedicated outputs (uo_out) and 8 bidirectional
pins (uio, direction per bit by uio_oe), besides clk, rst_n and ena. Data inputs fill ui_in
then uio; outputs fill uo_out then uio; the clock is clk and the reset input is rst_n
(inverted for an active-high reset). A design that needs more pins than the tile has is
refused with the count: more tiles give more area, never more pins.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from siliconcrew.core.errors import UserInputError
from siliconcrew.integrate.ports import active_low
from siliconcrew.integrate.trace import Sample
from siliconcrew.tools.rtl_ports import Port

TILE_PINS = {"ui_in": 8, "uo_out": 8, "uio": 8}
TT_PORTS = [
    ("input", "[7:0]", "ui_in", "Dedicated inputs"),
    ("output", "[7:0]", "uo_out", "Dedicated outputs"),
    ("input", "[7:0]", "uio_in", "IOs: Input path"),
    ("output", "[7:0]", "uio_out", "IOs: Output path"),
    ("output", "[7:0]", "uio_oe", "IOs: Enable path (active high: 0=input, 1=output)"),
    ("input", "", "ena", "always 1 when the design is powered, so you can ignore it"),
    ("input", "", "clk", "clock"),
    ("input", "", "rst_n", "reset_n - low to reset"),
]


class TooManyPins(UserInputError):
    """The design's data ports do not fit the tile's 24 I/O pins."""


@dataclass
class TTPlan:
    name: str
    top: str
    ports: list[Port]
    clock: str | None
    reset: Port | None
    # port → list of (group, bit) per port bit, LSB first; group: ui_in | uo_out | uio
    bits: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> str:
        return f"tt_um_{self.name}"

    def data_inputs(self) -> list[Port]:
        skip = {self.clock, self.reset.name if self.reset else None}
        return [p for p in self.ports if p.direction == "input" and p.name not in skip]

    def outputs(self) -> list[Port]:
        return [p for p in self.ports if p.direction == "output"]

    def uio_outputs(self) -> list[int]:
        return sorted(b for p in self.outputs() for g, b in self.bits[p.name] if g == "uio")

    def pinout(self) -> dict[str, str]:
        """info.yaml's pinout: every pin named after the port bit it carries."""
        names = {f"ui[{i}]": "" for i in range(8)}
        names.update({f"uo[{i}]": "" for i in range(8)})
        names.update({f"uio[{i}]": "" for i in range(8)})
        for p in self.data_inputs() + self.outputs():
            for i, (g, b) in enumerate(self.bits[p.name]):
                key = {"ui_in": "ui", "uo_out": "uo", "uio": "uio"}[g]
                names[f"{key}[{b}]"] = f"{p.name}[{i}]" if p.width > 1 else p.name
        return names


def plan_tt(
    name: str,
    top: str,
    ports: list[Port],
    clock: str | None,
    reset: Port | None,
    params: dict[str, Any] | None = None,
    pins: dict[str, str] | None = None,
) -> TTPlan:
    plan = TTPlan(name, top, ports, clock, reset, params=dict(params or {}))
    inouts = [p.name for p in ports if p.direction == "inout"]
    if inouts:
        raise UserInputError(
            f"inout port {inouts[0]} cannot be mapped to the tile automatically",
            "split it into input, output and enable ports (uio_in/uio_out/uio_oe)",
        )
    n_in = sum(p.width for p in plan.data_inputs())
    n_out = sum(p.width for p in plan.outputs())
    total = sum(TILE_PINS.values())
    if n_in + n_out > total or n_in > 16 or n_out > 16:
        raise TooManyPins(
            f"{name} needs {n_in + n_out} I/O pins ({n_in} inputs + {n_out} outputs, besides "
            f"clk and rst_n); a Tiny Tapeout tile has {total} (ui_in 8 in, uo_out 8 out, "
            "uio 8 either way; more tiles add area, not pins)",
            "use Caravel (siliconcrew integrate caravel), or narrow or serialize the ports",
        )
    plan.bits = _explicit_pins(plan, pins or {})
    used = {gb for bits in plan.bits.values() for gb in bits}
    free = {g: [b for b in range(8) if (g, b) not in used] for g in ("ui_in", "uo_out", "uio")}
    for group, ports in (("ui_in", plan.data_inputs()), ("uo_out", plan.outputs())):
        for p in ports:
            if p.name in plan.bits:
                continue
            bits = []
            for _ in range(p.width):
                g = group if free[group] else "uio"
                if not free[g]:
                    raise TooManyPins(
                        f"integration.pins leaves no free pin for {p.name}",
                        "map fewer ports by hand, or none",
                    )
                bits.append((g, free[g].pop(0)))
            plan.bits[p.name] = bits
    return plan


_TT_PIN = re.compile(r"^(ui|uo|uio)\[(\d+)(?::(\d+))?\]$")
_GROUP = {"ui": "ui_in", "uo": "uo_out", "uio": "uio"}


def _explicit_pins(plan: TTPlan, table: dict[str, str]) -> dict[str, list[tuple[str, int]]]:
    """`pins: {port: "ui[3:0]" | "uo[7]" | "uio[5:4]"}` (ui inputs only, uo outputs only,
    uio either) → port → (group, bit) per port bit, LSB first."""
    ports = {p.name: p for p in plan.data_inputs() + plan.outputs()}
    out: dict[str, list[tuple[str, int]]] = {}
    taken: dict[tuple[str, int], str] = {}
    for port, where in table.items():
        if port not in ports:
            raise UserInputError(
                f"integration.pins: '{port}' is not a data port of the design (clk and the "
                "reset are fixed to clk and rst_n)",
                f"map one of: {', '.join(ports)}",
            )
        m = _TT_PIN.match(str(where).replace(" ", ""))
        if not m:
            raise UserInputError(
                f"integration.pins: '{port}: {where}' is not ui[k], uo[k] or uio[k] (or [hi:lo])",
                'write e.g. count: "uo[7:0]"',
            )
        group, hi = _GROUP[m.group(1)], int(m.group(2))
        lo = int(m.group(3)) if m.group(3) is not None else hi
        direction = ports[port].direction
        if (group == "ui_in" and direction != "input") or (
            group == "uo_out" and direction != "output"
        ):
            raise UserInputError(
                f"integration.pins: {port} is an {direction} but {where} is "
                f"{'input' if group == 'ui_in' else 'output'}-only",
                "inputs go on ui or uio, outputs on uo or uio",
            )
        bits = list(range(min(lo, hi), max(lo, hi) + 1))
        if len(bits) != ports[port].width or max(bits) > 7:
            raise UserInputError(
                f"integration.pins: {port} is {ports[port].width} bit(s) wide; {where} does not fit",
                "give as many pins (0..7) as the port has bits",
            )
        for b in bits:
            if (group, b) in taken:
                raise UserInputError(
                    f"integration.pins: {where} is given to both {taken[(group, b)]} and {port}",
                    "give each pin to one port",
                )
            taken[(group, b)] = port
        out[port] = [(group, b) for b in bits]
    return out


def _param(v: Any) -> str:
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else f'"{v}"'


def project_verilog(plan: TTPlan) -> str:
    """src/project.v: the tile wrapper with the template's port list."""
    lines = [
        "/*",
        " * Generated by SiliconCrew (siliconcrew integrate tinytapeout).",
        " * SPDX-License-Identifier: Apache-2.0",
        " */",
        "",
        "`default_nettype none",
        "",
        f"module {plan.module} (",
    ]
    body = []
    for d, rng, n, doc in TT_PORTS:
        body.append(f"    {d:<6} wire {rng or '     '} {n},  // {doc}")
    body[-1] = body[-1].replace(",  //", "   //")
    lines += body
    lines += [");", ""]
    uio_in_sources: dict[int, str] = {}
    ui_sources: dict[int, str] = {}
    uo: dict[int, str] = {}
    uio_out: dict[int, str] = {}
    for p in plan.data_inputs():
        lines.append(f"    wire {f'[{p.width - 1}:0] ' if p.width > 1 else ''}d_{p.name};")
        for i, (g, b) in enumerate(plan.bits[p.name]):
            bit = f"d_{p.name}[{i}]" if p.width > 1 else f"d_{p.name}"
            src = "ui_in" if g == "ui_in" else "uio_in"
            (ui_sources if g == "ui_in" else uio_in_sources)[b] = bit
            lines.append(f"    assign {bit} = {src}[{b}];")
    for p in plan.outputs():
        lines.append(f"    wire {f'[{p.width - 1}:0] ' if p.width > 1 else ''}d_{p.name};")
        for i, (g, b) in enumerate(plan.bits[p.name]):
            bit = f"d_{p.name}[{i}]" if p.width > 1 else f"d_{p.name}"
            (uo if g == "uo_out" else uio_out)[b] = bit
    lines.append("")
    conns = []
    for p in plan.ports:
        if p.name == plan.clock:
            conns.append(f".{p.name}(clk)")
        elif plan.reset and p.name == plan.reset.name:
            conns.append(f".{p.name}({'rst_n' if active_low(p.name) else '~rst_n'})")
        else:
            conns.append(f".{p.name}(d_{p.name})")
    params = (
        " #(" + ", ".join(f".{k}({_param(v)})" for k, v in plan.params.items()) + ")"
        if plan.params
        else ""
    )
    lines.append(f"    {plan.top}{params} u_design (")
    lines.append(",\n".join(f"        {c}" for c in conns))
    lines += ["    );", ""]

    def vec(table: dict[int, str], default: str = "1'b0") -> str:
        return "{" + ", ".join(table.get(b, default) for b in range(7, -1, -1)) + "}"

    lines.append(f"    assign uo_out  = {vec(uo)};")
    lines.append(f"    assign uio_out = {vec(uio_out)};")
    oe = {b: "1'b1" for b in plan.uio_outputs()}
    lines.append(f"    assign uio_oe  = {vec(oe)};  // 1 = output")
    unused = ["ena", "ui_in", "uio_in"]
    if not plan.reset:
        unused.append("rst_n")
    if not plan.clock:
        unused.append("clk")
    lines.append("    // List all unused inputs to prevent warnings")
    lines.append(f"    wire _unused = &{{{', '.join(unused)}, 1'b0}};")
    lines += ["", "endmodule", ""]
    return "\n".join(lines)


def info_yaml(
    plan: TTPlan,
    *,
    description: str,
    clock_hz: int,
    sources: list[str],
    headers: list[str] | None = None,
) -> str:
    """info.yaml in the template's shape (yaml_version 6). `headers`: the design's `include
    files in src/, which are not listed (they are no compilation units of their own); a
    comment names them."""
    out = [
        "# Tiny Tapeout project information (generated by SiliconCrew; fill in title/author)",
        "project:",
        f'  title:        "{plan.name}"      # Project title',
        '  author:       ""      # Your name',
        '  discord:      ""      # Your discord username (optional)',
        f"  description:  {json.dumps(description)}      # One line description",
        '  language:     "Verilog" # other examples include SystemVerilog, Amaranth, VHDL, etc',
        f"  clock_hz:     {clock_hz}       # Clock frequency in Hz (or 0 if not applicable)",
        "",
        "  # How many tiles your design occupies? A single tile is about 167x108 uM.",
        '  tiles: "1x1"          # Valid values: 1x1, 1x2, 2x2, 3x2, 4x2, 6x2 or 8x2',
        "",
        '  # Your top module name must start with "tt_um_". Make it unique by including your github username:',
        f'  top_module:  "{plan.module}"',
        "",
        "  # List your project's source files here.",
        "  # Source files must be in ./src and you must list each source file separately, one per line.",
        "  # Don't forget to also update `PROJECT_SOURCES` in test/Makefile.",
        "  source_files:",
    ]
    out += [f'    - "{s}"' for s in sources]
    if headers:
        out.append(
            "  # Not listed: the `include files in src/ ("
            + ", ".join(headers)
            + "), read through `include (test/Makefile passes -I$(SRC_DIR))."
        )
    out += [
        "",
        "# The pinout of your project. Leave unused pins blank. DO NOT delete or add any pins.",
        "pinout:",
    ]
    pins = plan.pinout()
    for group, title in (("ui", "Inputs"), ("uo", "Outputs"), ("uio", "Bidirectional pins")):
        out.append(f"  # {title}")
        out += [f'  {group}[{i}]: "{pins[f"{group}[{i}]"]}"' for i in range(8)]
        out.append("")
    out += ["# Do not change!", "yaml_version: 6", ""]
    return "\n".join(out)


def tb_verilog(plan: TTPlan) -> str:
    """test/tb.v as in the template: the tile with wires for the cocotb test."""
    return "\n".join(
        [
            "`default_nettype none",
            "`timescale 1ns / 1ps",
            "",
            "/* This testbench just instantiates the module and makes some convenient wires",
            "   that can be driven / tested by the cocotb test.py. */",
            "module tb ();",
            "",
            "  // Dump the signals to a VCD file. You can view it with gtkwave or surfer.",
            "  initial begin",
            '    $dumpfile("tb.vcd");',
            "    $dumpvars(0, tb);",
            "    #1;",
            "  end",
            "",
            "  // Wire up the inputs and outputs:",
            "  reg clk;",
            "  reg rst_n;",
            "  reg ena;",
            "  reg [7:0] ui_in;",
            "  reg [7:0] uio_in;",
            "  wire [7:0] uo_out;",
            "  wire [7:0] uio_out;",
            "  wire [7:0] uio_oe;",
            "`ifdef GL_TEST",
            "  wire VPWR = 1'b1;",
            "  wire VGND = 1'b0;",
            "`endif",
            "",
            f"  {plan.module} user_project (",
            "`ifdef GL_TEST",
            "      .VPWR(VPWR),",
            "      .VGND(VGND),",
            "`endif",
            "      .ui_in  (ui_in),    // Dedicated inputs",
            "      .uo_out (uo_out),   // Dedicated outputs",
            "      .uio_in (uio_in),   // IOs: Input path",
            "      .uio_out(uio_out),  // IOs: Output path",
            "      .uio_oe (uio_oe),   // IOs: Enable path (active high: 0=input, 1=output)",
            "      .ena    (ena),      // enable - goes high when design is selected",
            "      .clk    (clk),      // clock",
            "      .rst_n  (rst_n)     // not reset",
            "  );",
            "",
            "endmodule",
            "",
        ]
    )


def vectors_json(plan: TTPlan, trace: list[Sample], period_ns: float) -> str:
    """test/vectors.json: the pin map and the design testbench's trace, for test.py."""
    reset = plan.reset.name if plan.reset else None
    data = {
        "period_ns": period_ns,
        "reset": reset,
        "reset_active_low": bool(reset and active_low(reset)),
        "inputs": {p.name: plan.bits[p.name] for p in plan.data_inputs()},
        "outputs": {p.name: plan.bits[p.name] for p in plan.outputs()},
        "samples": [
            {
                "in": {k: v for k, v in s.inputs.items()},
                "out": {k: [v, m] for k, (v, m) in s.outputs.items()},
            }
            for s in trace
        ],
    }
    return json.dumps(data, separators=(",", ":"))


TEST_PY = '''\
# Generated by SiliconCrew (siliconcrew integrate tinytapeout).
# SPDX-License-Identifier: Apache-2.0
"""Replays the design's own testbench through the tile: at every clock edge the inputs the
design saw are put on ui_in/uio_in/rst_n, and the outputs it showed are compared on
uo_out/uio_out (unknown bits skipped). vectors.json holds the pin map and the trace."""

import json
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge, Timer

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text())


def pins_in(sample):
    ui = uio = 0
    for port, bits in VECTORS["inputs"].items():
        value = sample["in"][port]
        for i, (group, b) in enumerate(bits):
            if (value >> i) & 1:
                if group == "ui_in":
                    ui |= 1 << b
                else:
                    uio |= 1 << b
    return ui, uio


def bits_of(signal):
    """{bit: 0 | 1 | None}: x/z bits are None (a mismatch wherever the trace knows the bit)."""
    text = str(signal.value)
    return {i: (int(c) if c in "01" else None) for i, c in enumerate(reversed(text))}


def port_out(dut, port):
    """(value, known mask) of a design output, gathered from its pins."""
    pins = {"uo_out": bits_of(dut.uo_out), "uio": bits_of(dut.uio_out)}
    value = known = 0
    for i, (group, b) in enumerate(VECTORS["outputs"][port]):
        bit = pins["uo_out" if group == "uo_out" else "uio"][b]
        if bit is not None:
            value |= bit << i
            known |= 1 << i
    return value, known


@cocotb.test()
async def test_project(dut):
    dut._log.info("Start")
    period = VECTORS["period_ns"]
    cocotb.start_soon(Clock(dut.clk, period, unit="ns").start())
    dut.ena.value = 1
    dut.ui_in.value = 0
    dut.uio_in.value = 0
    dut.rst_n.value = 1
    await FallingEdge(dut.clk)
    reset = VECTORS["reset"]
    errors = []
    samples = VECTORS["samples"]
    for k, sample in enumerate(samples):
        ui, uio = pins_in(sample)
        dut.ui_in.value = ui
        dut.uio_in.value = uio
        if reset:
            level = sample["in"][reset] & 1
            dut.rst_n.value = level if VECTORS["reset_active_low"] else 1 - level
        await Timer(period / 4, unit="ns")
        for port, (want, mask) in sample["out"].items():
            got, known = port_out(dut, port)
            if ((got ^ want) | ~known) & mask:
                errors.append(f"sample {k}: {port} = {got:#x}, the design's testbench saw {want:#x}")
        if k < len(samples) - 1:
            await RisingEdge(dut.clk)
            await FallingEdge(dut.clk)
    assert not errors, f"{len(errors)} mismatches; first: " + "; ".join(errors[:3])
    dut._log.info(f"{len(samples)} samples replayed, 0 mismatches")
'''


def makefile(plan: TTPlan, sources: list[str], include_dirs: list[str] | None = None) -> str:
    """test/Makefile as in the template (cocotb's make rules; icarus). `include_dirs`: the
    src/ sub-folders an `include is found in besides src/ itself (a header including its
    neighbour), added after the template's -I$(SRC_DIR)."""
    srcs = " \\\n                  ".join(sources)
    extra = "".join(f"COMPILE_ARGS += -I$(SRC_DIR)/{d}\n" for d in include_dirs or [])
    return f"""# Makefile
# See https://docs.cocotb.org/en/stable/quickstart.html for more info

# defaults
SIM ?= icarus
TOPLEVEL_LANG ?= verilog
SRC_DIR = $(PWD)/../src
PROJECT_SOURCES = {srcs}

ifneq ($(GATES),yes)

# RTL simulation:
SIM_BUILD = sim_build/rtl
VERILOG_SOURCES += $(addprefix $(SRC_DIR)/,$(PROJECT_SOURCES))

else

# Gate level simulation:
SIM_BUILD = sim_build/gl
COMPILE_ARGS += -DGL_TEST
COMPILE_ARGS += -DFUNCTIONAL
COMPILE_ARGS += -DUSE_POWER_PINS
COMPILE_ARGS += -DSIM
COMPILE_ARGS += -DUNIT_DELAY=\\#1
VERILOG_SOURCES += $(PDK_ROOT)/sky130A/libs.ref/sky130_fd_sc_hd/verilog/primitives.v
VERILOG_SOURCES += $(PDK_ROOT)/sky130A/libs.ref/sky130_fd_sc_hd/verilog/sky130_fd_sc_hd.v

# this gets copied in by the GDS action workflow
VERILOG_SOURCES += $(PWD)/gate_level_netlist.v

endif

# Allow sharing configuration between design and testbench via `include`:
COMPILE_ARGS += -I$(SRC_DIR)
{extra}
# Include the testbench sources:
VERILOG_SOURCES += $(PWD)/tb.v
TOPLEVEL = tb

# List test modules to run, separated by commas and without the .py suffix:
COCOTB_TEST_MODULES = test

# include cocotb's make rules to take care of the simulator setup
include $(shell cocotb-config --makefiles)/Makefile.sim
"""
