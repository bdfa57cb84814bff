"""Caravel: a caravel_user_project-shaped folder for a design (pure generation).

The design sits inside a macro `<name>_wb` behind a Wishbone register bridge (the way
caravel_user_project's own example, user_proj_example, is built), and `user_project_wrapper`
instantiates the macro as `mprj` with the harness's exact port list. Register map, at
`base` (0x3000_0000, the start of the user area) in 32-bit words:

    0x00 ID    (ro)  0x5C1C0001: the bridge is there and the base is right
    0x04 CTRL  (rw)  bit 0 RUN: 1 (after reset) = the design's clock runs with wb_clk_i;
                     0 = stopped, advanced by STEP
    0x08 STEP  (rw)  write N: N clock cycles while RUN = 0; reads the cycles still to give
    0x10 ...         one word per 32 bits of each design input (rw, LSW first; the reset
                     input is OR-ed with wb_rst_i), then of each output (ro)

The design's clock is `wb_clk_i` gated by a flop that changes on the falling edge (no latch,
no glitch): free-running by default, single-stepped for the wrapper-level test, which
replays the design's own testbench trace cycle by cycle. A `pins:` table maps ports straight
to GPIO (`io[k]`, `io[hi:lo]`) or logic-analyzer bits (`la[k]`) instead of registers;
`io_oeb` is 0 exactly on the pads the design drives, 1 elsewhere; all other outputs are 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from siliconcrew.core.errors import UserInputError
from siliconcrew.integrate.ports import active_low
from siliconcrew.integrate.trace import Sample
from siliconcrew.tools.rtl_ports import Port

MPRJ_IO_PADS = 38
USER_BASE = 0x3000_0000
ID_VALUE = 0x5C1C_0001
REG_ID, REG_CTRL, REG_STEP = 0x00, 0x04, 0x08
FIRST_PORT_REG = 0x10
FIRST_FREE_IO = 5  # io[4:0] are shared with the housekeeping SPI/JTAG
WB_PERIOD_NS = 25.0  # caravel_user_project's CLOCK_PERIOD for wb_clk_i

# The harness's port list, in its order (caravel_user_project verilog/rtl/user_project_wrapper.v).
WRAPPER_PORTS: list[tuple[str, str, str]] = [
    ("input", "", "wb_clk_i"),
    ("input", "", "wb_rst_i"),
    ("input", "", "wbs_stb_i"),
    ("input", "", "wbs_cyc_i"),
    ("input", "", "wbs_we_i"),
    ("input", "[3:0]", "wbs_sel_i"),
    ("input", "[31:0]", "wbs_dat_i"),
    ("input", "[31:0]", "wbs_adr_i"),
    ("output", "", "wbs_ack_o"),
    ("output", "[31:0]", "wbs_dat_o"),
    ("input", "[127:0]", "la_data_in"),
    ("output", "[127:0]", "la_data_out"),
    ("input", "[127:0]", "la_oenb"),
    ("input", "[`MPRJ_IO_PADS-1:0]", "io_in"),
    ("output", "[`MPRJ_IO_PADS-1:0]", "io_out"),
    ("output", "[`MPRJ_IO_PADS-1:0]", "io_oeb"),
    ("inout", "[`MPRJ_IO_PADS-10:0]", "analog_io"),
    ("input", "", "user_clock2"),
    ("output", "[2:0]", "user_irq"),
]
POWER_PINS = ["vdda1", "vdda2", "vssa1", "vssa2", "vccd1", "vccd2", "vssd1", "vssd2"]
ZERO, ONE = "1'b0", "1'b1"
_PIN = re.compile(r"^(io|la)\[(\d+)(?::(\d+))?\]$")


@dataclass
class Register:
    """One 32-bit bridge word: bits [lsb+width-1:lsb] of `port`."""

    port: str
    offset: int
    lsb: int
    width: int
    access: str  # rw | ro

    def slice(self) -> str:
        return f"[{self.lsb + self.width - 1}:{self.lsb}]"


@dataclass
class CaravelPlan:
    name: str  # design name; the macro is <name>_wb
    top: str
    ports: list[Port]
    clock: str | None
    reset: Port | None
    base: int = USER_BASE
    registers: list[Register] = field(default_factory=list)
    pins: dict[str, tuple[str, list[int]]] = field(default_factory=dict)  # port → (io|la, bits)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def macro(self) -> str:
        return f"{self.name}_wb"

    @property
    def window(self) -> int:
        end = max([r.offset + 4 for r in self.registers] + [FIRST_PORT_REG])
        size = 0x20
        while size < end:
            size <<= 1
        return size

    @property
    def word_bits(self) -> int:
        return max(1, (self.window // 4 - 1).bit_length())

    def inputs(self) -> list[Port]:
        return [p for p in self.ports if p.direction == "input" and p.name != self.clock]

    def outputs(self) -> list[Port]:
        return [p for p in self.ports if p.direction == "output"]

    def register_map(self) -> dict[str, Any]:
        """The documented map (register_map.json / .md): what firmware programs against."""
        regs = [
            {
                "name": "ID",
                "address": f"0x{self.base + REG_ID:08X}",
                "access": "ro",
                "reset": f"0x{ID_VALUE:08X}",
                "doc": "constant: the bridge answers at this base",
            },
            {
                "name": "CTRL",
                "address": f"0x{self.base + REG_CTRL:08X}",
                "access": "rw",
                "reset": "0x00000001",
                "doc": "bit 0 RUN: 1 = clock runs with wb_clk_i, 0 = stepped",
            },
            {
                "name": "STEP",
                "address": f"0x{self.base + REG_STEP:08X}",
                "access": "rw",
                "reset": "0x00000000",
                "doc": "write N: N clock cycles while RUN = 0",
            },
        ]
        widths = {p.name: p.width for p in self.ports}
        for r in self.registers:
            bits = r.slice() if widths[r.port] > 1 else ""
            doc = f"{r.port}{bits}"
            if self.reset and r.port == self.reset.name:
                doc += " (reset input, OR-ed with wb_rst_i)"
            suffix = f"_{r.lsb // 32}" if self._multi(r.port) else ""
            regs.append(
                {
                    "name": r.port.upper() + suffix,
                    "address": f"0x{self.base + r.offset:08X}",
                    "access": r.access,
                    "port": r.port,
                    "bits": bits,
                    "doc": doc,
                }
            )
        return {
            "base": f"0x{self.base:08X}",
            "window_bytes": self.window,
            "registers": regs,
            "pins": {p: f"{k}[{','.join(map(str, bits))}]" for p, (k, bits) in self.pins.items()},
            "clock": f"{self.clock} <- wb_clk_i (gated by CTRL.RUN / STEP)" if self.clock else None,
        }

    def _multi(self, port: str) -> bool:
        return sum(1 for r in self.registers if r.port == port) > 1


def parse_pins(
    table: dict[str, str], ports: list[Port], clock: str | None
) -> dict[str, tuple[str, list[int]]]:
    """`pins: {port: "io[12]" | "io[15:8]" | "la[3:0]"}` → port → (io|la, bit list LSB first)."""
    by_name = {p.name: p for p in ports}
    used: dict[tuple[str, int], str] = {}
    out: dict[str, tuple[str, list[int]]] = {}
    for port, where in (table or {}).items():
        if port not in by_name or port == clock:
            raise UserInputError(
                f"integration.pins: '{port}' is not a data port of the design",
                f"map one of: {', '.join(p.name for p in ports if p.name != clock)}",
            )
        m = _PIN.match(str(where).replace(" ", ""))
        if not m:
            raise UserInputError(
                f"integration.pins: '{port}: {where}' is not io[k], io[hi:lo], la[k] or la[hi:lo]",
                'write e.g. count: "io[15:8]"',
            )
        kind, hi = m.group(1), int(m.group(2))
        lo = int(m.group(3)) if m.group(3) is not None else hi
        bits = list(range(lo, hi + 1)) if hi >= lo else list(range(lo, hi - 1, -1))[::-1]
        limit = MPRJ_IO_PADS if kind == "io" else 128
        width = by_name[port].width
        if len(bits) != width:
            raise UserInputError(
                f"integration.pins: {port} is {width} bit(s) wide but {where} has {len(bits)}",
                "give as many pins as the port has bits",
            )
        for b in bits:
            if b >= limit or (kind == "io" and b < FIRST_FREE_IO):
                raise UserInputError(
                    f"integration.pins: {kind}[{b}] for {port} is outside the user's range",
                    f"use io[{FIRST_FREE_IO}..{MPRJ_IO_PADS - 1}] or la[0..127]",
                )
            if (kind, b) in used:
                raise UserInputError(
                    f"integration.pins: {kind}[{b}] is given to both {used[(kind, b)]} and {port}",
                    "give each pin to one port",
                )
            used[(kind, b)] = port
        if by_name[port].direction == "inout":
            raise UserInputError(
                f"integration.pins: inout port {port} is not supported",
                "split it into an input and an output",
            )
        out[port] = (kind, bits)
    return out


def plan_caravel(
    name: str,
    top: str,
    ports: list[Port],
    clock: str | None,
    reset: Port | None,
    *,
    base: int = USER_BASE,
    pins: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> CaravelPlan:
    if base & 0xFF or not (USER_BASE <= base < USER_BASE + 0x1000_0000):
        raise UserInputError(
            f"integration.base 0x{base:08X} is not a 256-byte aligned address in the user area",
            "use an address in 0x30000000-0x3FFFFF00 ending in 00",
        )
    inouts = [p.name for p in ports if p.direction == "inout"]
    if inouts:
        raise UserInputError(
            f"inout port {inouts[0]}: a tri-state inside the user area is refused by the precheck",
            "split it into an input, an output and an output enable",
        )
    plan = CaravelPlan(name, top, ports, clock, reset, base=base, params=dict(params or {}))
    plan.pins = parse_pins(pins or {}, ports, clock)
    offset = FIRST_PORT_REG
    for group, access in ((plan.inputs(), "rw"), (plan.outputs(), "ro")):
        for p in group:
            if access == "rw" and p.name in plan.pins:
                continue  # driven from its pins, not from a register
            for lsb in range(0, p.width, 32):
                plan.registers.append(Register(p.name, offset, lsb, min(32, p.width - lsb), access))
                offset += 4
    return plan


# -- Verilog ---------------------------------------------------------------------------------
def _decl(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""


def _pin_expr(kind: str, bits: list[int], direction: str) -> str:
    sig = {
        "io": {"input": "io_in", "output": "io_out"},
        "la": {"input": "la_data_in", "output": "la_data_out"},
    }[kind][direction]
    return (
        "{" + ", ".join(f"{sig}[{b}]" for b in reversed(bits)) + "}"
        if len(bits) > 1
        else f"{sig}[{bits[0]}]"
    )


def macro_verilog(plan: CaravelPlan, *, decode_base: int | None = None) -> str:
    """The macro: bridge + design. `decode_base` (tests only) decodes another base than the
    documented one, to prove the wrapper-level test catches a broken address map."""
    base = plan.base if decode_base is None else decode_base
    wb = plan.word_bits
    reset = plan.reset.name if plan.reset else None
    lines = [
        "// Generated by SiliconCrew (siliconcrew integrate caravel): the design behind a",
        f"// Wishbone register bridge at 0x{plan.base:08X}; see docs/register_map.md.",
        "`default_nettype none",
        "",
        f"module {plan.macro} #(",
        f"    parameter [31:0] BASE = 32'h{base:08X}",
        ") (",
        "`ifdef USE_POWER_PINS",
        "    inout vccd1,  // User area 1 1.8V supply",
        "    inout vssd1,  // User area 1 digital ground",
        "`endif",
        "    input wb_clk_i,",
        "    input wb_rst_i,",
        "    input wbs_stb_i,",
        "    input wbs_cyc_i,",
        "    input wbs_we_i,",
        "    input [3:0] wbs_sel_i,",
        "    input [31:0] wbs_dat_i,",
        "    input [31:0] wbs_adr_i,",
        "    output reg wbs_ack_o,",
        "    output reg [31:0] wbs_dat_o,",
        "    input  [127:0] la_data_in,",
        "    output [127:0] la_data_out,",
        "    input  [127:0] la_oenb,",
        "    input  [`MPRJ_IO_PADS-1:0] io_in,",
        "    output [`MPRJ_IO_PADS-1:0] io_out,",
        "    output [`MPRJ_IO_PADS-1:0] io_oeb,",
        "    output [2:0] user_irq",
        ");",
        f"    localparam [31:0] WINDOW = 32'h{plan.window:X};",
        f"    localparam [31:0] ID_VALUE = 32'h{ID_VALUE:08X};",
        "    wire valid = wbs_cyc_i && wbs_stb_i && ((wbs_adr_i & ~(WINDOW - 32'd1)) == BASE);",
        f"    wire [{wb - 1}:0] word = wbs_adr_i[{wb + 1}:2];",
        "",
        "    // Clock: wb_clk_i, gated by a flop that changes while the clock is low.",
        "    reg run_q;",
        "    reg [31:0] step_q;",
        "    reg gate_q;",
        "    always @(negedge wb_clk_i) gate_q <= run_q || (step_q != 32'd0);",
        "    wire dclk = wb_clk_i & gate_q;",
        "",
        "    function [31:0] merge(input [31:0] old, input [31:0] data, input [3:0] sel);",
        "        merge = {sel[3] ? data[31:24] : old[31:24], sel[2] ? data[23:16] : old[23:16],",
        "                 sel[1] ? data[15:8] : old[15:8], sel[0] ? data[7:0] : old[7:0]};",
        "    endfunction",
        "",
    ]
    # design-side nets
    for p in plan.inputs():
        if p.name in plan.pins:
            kind, bits = plan.pins[p.name]
            lines.append(f"    wire {_decl(p.width)}d_{p.name} = {_pin_expr(kind, bits, 'input')};")
        else:
            lines.append(f"    reg  {_decl(p.width)}r_{p.name};")
    for p in plan.outputs():
        lines.append(f"    wire {_decl(p.width)}d_{p.name};")
    lines.append("")

    def pad(expr: str, width: int) -> str:
        return expr if width == 32 else f"{{{32 - width}'d0, {expr}}}"

    # reads
    lines += ["    reg [31:0] rdata;", "    always @(*) begin", "        case (word)"]
    lines.append(f"            {wb}'d{REG_ID // 4}: rdata = ID_VALUE;")
    lines.append(f"            {wb}'d{REG_CTRL // 4}: rdata = {{31'd0, run_q}};")
    lines.append(f"            {wb}'d{REG_STEP // 4}: rdata = step_q;")
    for r in plan.registers:
        src = f"r_{r.port}" if r.access == "rw" else f"d_{r.port}"
        width = next(p.width for p in plan.ports if p.name == r.port)
        expr = src + (r.slice() if width > 1 else "")
        lines.append(f"            {wb}'d{r.offset // 4}: rdata = {pad(expr, r.width)};")
    lines += ["            default: rdata = 32'd0;", "        endcase", "    end", ""]
    lines.append("    // A write keeps the bytes wbs_sel_i leaves out (rdata is the word's value).")
    lines += ["    wire [31:0] wdata = merge(rdata, wbs_dat_i, wbs_sel_i);", ""]
    # writes
    lines += [
        "    always @(posedge wb_clk_i) begin",
        "        if (wb_rst_i) begin",
        "            wbs_ack_o <= 1'b0;",
        "            wbs_dat_o <= 32'd0;",
        "            run_q <= 1'b1;",
        "            step_q <= 32'd0;",
    ]
    for p in plan.inputs():
        if p.name not in plan.pins:
            init = "1'b1" if (reset == p.name and active_low(p.name)) else f"{p.width}'d0"
            lines.append(f"            r_{p.name} <= {init};")
    lines += [
        "        end else begin",
        "            wbs_ack_o <= 1'b0;",
        "            if (gate_q && !run_q && step_q != 32'd0) step_q <= step_q - 32'd1;",
        "            if (valid && !wbs_ack_o) begin",
        "                wbs_ack_o <= 1'b1;",
        "                wbs_dat_o <= rdata;",
        "                if (wbs_we_i) begin",
        "                    case (word)",
        f"                        {wb}'d{REG_CTRL // 4}: run_q <= wdata[0];",
        f"                        {wb}'d{REG_STEP // 4}: step_q <= wdata;",
    ]
    for r in plan.registers:
        if r.access != "rw":
            continue
        width = next(p.width for p in plan.ports if p.name == r.port)
        tgt = f"r_{r.port}" + (r.slice() if width > 1 else "")
        lines.append(
            f"                        {wb}'d{r.offset // 4}: {tgt} <= wdata[{r.width - 1}:0];"
        )
    lines += [
        "                        default: ;",
        "                    endcase",
        "                end",
        "            end",
        "        end",
        "    end",
        "",
    ]
    # the design
    conns = []
    for p in plan.ports:
        if p.name == plan.clock:
            conns.append(f".{p.name}(dclk)")
        elif p.direction == "input" and p.name in plan.pins:
            conns.append(f".{p.name}(d_{p.name})")
        elif p.direction == "input" and reset == p.name:
            rst = f"(r_{p.name} & ~wb_rst_i)" if active_low(p.name) else f"(r_{p.name} | wb_rst_i)"
            conns.append(f".{p.name}({rst})")
        elif p.direction == "input":
            conns.append(f".{p.name}(r_{p.name})")
        else:
            conns.append(f".{p.name}(d_{p.name})")
    params = ""
    if plan.params:
        params = " #(" + ", ".join(f".{k}({_param(v)})" for k, v in plan.params.items()) + ")"
    lines.append(f"    {plan.top}{params} u_design (")
    lines.append(",\n".join(f"        {c}" for c in conns))
    lines += ["    );", ""]
    # pins out
    io_out: dict[int, str] = {}
    la_out: dict[int, str] = {}
    oeb: dict[int, str] = {}
    for p in plan.outputs():
        if p.name in plan.pins:
            kind, bits = plan.pins[p.name]
            for i, b in enumerate(bits):
                src = f"d_{p.name}[{i}]" if p.width > 1 else f"d_{p.name}"
                (io_out if kind == "io" else la_out)[b] = src
                if kind == "io":
                    oeb[b] = "1'b0"
    lines.append("    // Pads: io_oeb = 0 (output) exactly where the design drives a pad.")
    for sig, table, n in (("io_out", io_out, "`MPRJ_IO_PADS"), ("la_data_out", la_out, "128")):
        lines.append(f"    assign {sig} = {_vector(table, n, ZERO)};")
    lines.append(f"    assign io_oeb = {_vector(oeb, '`MPRJ_IO_PADS', ONE)};")
    lines.append("    assign user_irq = 3'b000;")
    unused = ["la_oenb", "la_data_in", "io_in", "wbs_adr_i"]
    if not plan.clock:
        unused.append("dclk")  # a combinational design: nothing to clock
    lines.append(f"    wire _unused_ok = &{{1'b0, {', '.join(unused)}}};")
    lines += ["endmodule", "", "`default_nettype wire", ""]
    return "\n".join(lines)


def _param(v: Any) -> str:
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else f'"{v}"'


def _vector(table: dict[int, str], n: str, default: str) -> str:
    """A whole port (`MPRJ_IO_PADS or 128 bits) as a concatenation: `table`'s bits set,
    `default` elsewhere."""
    size = MPRJ_IO_PADS if n.startswith("`") else int(n)
    if not table:
        return f"{{({n}){{{default}}}}}"
    top = max(table)
    parts = []
    if top + 1 < size:
        parts.append(f"{{({n}-{top + 1}){{{default}}}}}")
    parts += [table.get(b, default) for b in range(top, -1, -1)]
    return "{" + ", ".join(parts) + "}"


def wrapper_verilog(plan: CaravelPlan) -> str:
    """user_project_wrapper: the harness's port list, the macro as `mprj`."""
    lines = [
        "// Generated by SiliconCrew (siliconcrew integrate caravel). The port list is the",
        "// harness's (caravel_user_project verilog/rtl/user_project_wrapper.v): do not change it.",
        "`default_nettype none",
        "",
        "module user_project_wrapper #(",
        "    /* verilator lint_off UNUSEDPARAM */",
        "    parameter BITS = 32",
        "    /* verilator lint_on UNUSEDPARAM */",
        ") (",
        "`ifdef USE_POWER_PINS",
    ]
    lines += [f"    inout {p}," for p in POWER_PINS]
    lines.append("`endif")
    body = []
    for direction, rng, name in WRAPPER_PORTS:
        body.append(f"    {direction} {rng + ' ' if rng else ''}{name}")
    lines.append(",\n".join(body))
    lines += [");", ""]
    conns = ["`ifdef USE_POWER_PINS", "        .vccd1(vccd1),", "        .vssd1(vssd1),", "`endif"]
    names = [n for _, _, n in WRAPPER_PORTS if n not in ("analog_io", "user_clock2")]
    lines.append(f"    {plan.macro} mprj (")
    lines += conns
    lines.append(",\n".join(f"        .{n}({n})" for n in names))
    lines += ["    );", ""]
    lines.append("    // Not used by this design (analog pads, the second clock).")
    lines.append("    wire _unused_ok = &{1'b0, user_clock2};")
    lines += ["endmodule", "", "`default_nettype wire", ""]
    return "\n".join(lines)


# -- wrapper-level test ----------------------------------------------------------------------
def _word(value: int, lsb: int, width: int) -> int:
    return (value >> lsb) & ((1 << width) - 1)


def wb_testbench(plan: CaravelPlan, trace: list[Sample], period_ns: float = 10.0) -> str:
    """A Wishbone bus-functional model that replays `trace` through user_project_wrapper:
    for each sample it writes the inputs (or drives their pins), reads every output back
    and compares the known bits, then gives one clock cycle with STEP."""
    ins = [r for r in plan.registers if r.access == "rw"]
    outs = [r for r in plan.registers if r.access == "ro"]
    pin_in = [p for p in plan.inputs() if p.name in plan.pins]
    pin_out = [p for p in plan.outputs() if p.name in plan.pins]
    n = len(trace)
    half = period_ns / 2
    lines = [
        "// Generated by SiliconCrew: wrapper-level test. A Wishbone bus-functional model",
        "// replays the design's own testbench (its inputs and outputs at each clock edge)",
        "// through user_project_wrapper's register bridge, one STEP per clock cycle.",
        "`timescale 1ns/1ps",
        "`default_nettype none",
        "module sc_wb_tb;",
        "    reg wb_clk_i = 1'b0, wb_rst_i = 1'b1;",
        "    reg wbs_stb_i = 1'b0, wbs_cyc_i = 1'b0, wbs_we_i = 1'b0;",
        "    reg [3:0] wbs_sel_i = 4'h0;",
        "    reg [31:0] wbs_dat_i = 32'd0, wbs_adr_i = 32'd0;",
        "    wire wbs_ack_o;",
        "    wire [31:0] wbs_dat_o;",
        "    reg [127:0] la_data_in = 128'd0, la_oenb = {128{1'b1}};",
        "    wire [127:0] la_data_out;",
        "    reg [`MPRJ_IO_PADS-1:0] io_in = {`MPRJ_IO_PADS{1'b0}};",
        "    wire [`MPRJ_IO_PADS-1:0] io_out, io_oeb;",
        "    wire [`MPRJ_IO_PADS-10:0] analog_io;",
        "    reg user_clock2 = 1'b0;",
        "    wire [2:0] user_irq;",
        "    integer errors = 0, k = 0, timeouts = 0;",
        "    reg [31:0] rd;",
        f"    always #{half:g} wb_clk_i = ~wb_clk_i;",
        "",
        "    user_project_wrapper uut (",
        "`ifdef USE_POWER_PINS",
    ]
    lines += [f"        .{p}()," for p in POWER_PINS]
    lines.append("`endif")
    lines.append(",\n".join(f"        .{nm}({nm})" for _, _, nm in WRAPPER_PORTS))
    lines += [
        "    );",
        "",
        "    task wb_write(input [31:0] adr, input [31:0] dat);",
        "        integer t;",
        "        begin",
        "            @(posedge wb_clk_i); #1;",
        "            wbs_adr_i = adr; wbs_dat_i = dat; wbs_sel_i = 4'hF; wbs_we_i = 1'b1;",
        "            wbs_cyc_i = 1'b1; wbs_stb_i = 1'b1;",
        "            t = 0;",
        "            @(posedge wb_clk_i);",
        "            while (!wbs_ack_o && t < 50) begin @(posedge wb_clk_i); t = t + 1; end",
        "            if (!wbs_ack_o) begin",
        "                timeouts = timeouts + 1;",
        '                $display("ERROR: no Wishbone ack for a write to 0x%08h", adr);',
        "            end",
        "            #1; wbs_cyc_i = 1'b0; wbs_stb_i = 1'b0; wbs_we_i = 1'b0;",
        "        end",
        "    endtask",
        "",
        "    task wb_read(input [31:0] adr, output [31:0] dat);",
        "        integer t;",
        "        begin",
        "            @(posedge wb_clk_i); #1;",
        "            wbs_adr_i = adr; wbs_sel_i = 4'hF; wbs_we_i = 1'b0;",
        "            wbs_cyc_i = 1'b1; wbs_stb_i = 1'b1;",
        "            t = 0;",
        "            @(posedge wb_clk_i);",
        "            while (!wbs_ack_o && t < 50) begin @(posedge wb_clk_i); t = t + 1; end",
        "            dat = wbs_ack_o ? wbs_dat_o : 32'hxxxxxxxx;",
        "            if (!wbs_ack_o) begin",
        "                timeouts = timeouts + 1;",
        '                $display("ERROR: no Wishbone ack for a read of 0x%08h", adr);',
        "            end",
        "            #1; wbs_cyc_i = 1'b0; wbs_stb_i = 1'b0;",
        "        end",
        "    endtask",
        "",
        "    task check(input [31:0] got, input [31:0] want, input [31:0] mask, input [8*24-1:0] what);",
        "        if (((got ^ want) & mask) !== 32'd0) begin",
        "            errors = errors + 1;",
        "            if (errors <= 10)",
        '                $display("ERROR: sample %0d %0s = 0x%08h, the design\'s testbench saw 0x%08h (mask 0x%08h)",',
        "                         k, what, got, want, mask);",
        "        end",
        "    endtask",
        "",
    ]
    # vectors
    lines.append(f"    localparam integer N = {n};")
    if ins:
        lines.append(f"    reg [31:0] vin [0:{n * len(ins) - 1}];")
    for p in pin_in:
        lines.append(f"    reg [{p.width - 1}:0] vpin_{p.name} [0:{n - 1}];")
    if outs:
        lines.append(f"    reg [31:0] vout [0:{n * len(outs) - 1}];")
        lines.append(f"    reg [31:0] vmask [0:{n * len(outs) - 1}];")
    for p in pin_out:
        lines.append(f"    reg [{p.width - 1}:0] vpo_{p.name} [0:{n - 1}];")
        lines.append(f"    reg [{p.width - 1}:0] vpm_{p.name} [0:{n - 1}];")
    lines.append("    initial begin")
    for i, s in enumerate(trace):
        for j, r in enumerate(ins):
            lines.append(
                f"        vin[{i * len(ins) + j}] = 32'h{_word(s.inputs[r.port], r.lsb, r.width):08x};"
            )
        for p in pin_in:
            lines.append(f"        vpin_{p.name}[{i}] = {p.width}'h{s.inputs[p.name]:x};")
        for j, r in enumerate(outs):
            val, mask = s.outputs[r.port]
            lines.append(
                f"        vout[{i * len(outs) + j}] = 32'h{_word(val, r.lsb, r.width):08x}; "
                f"vmask[{i * len(outs) + j}] = 32'h{_word(mask, r.lsb, r.width):08x};"
            )
        for p in pin_out:
            val, mask = s.outputs[p.name]
            lines.append(
                f"        vpo_{p.name}[{i}] = {p.width}'h{val:x}; vpm_{p.name}[{i}] = {p.width}'h{mask:x};"
            )
    lines.append("    end")
    lines.append("")
    base = plan.base
    lines += [
        "    initial begin",
        "        repeat (4) @(posedge wb_clk_i);",
        "        #1 wb_rst_i = 1'b0;",
        f"        wb_read(32'h{base + REG_ID:08X}, rd);",
        f"        if (rd !== 32'h{ID_VALUE:08X}) begin",
        "            errors = errors + 1;",
        f'            $display("ERROR: ID register at 0x{base + REG_ID:08X} reads 0x%08h, expected 0x{ID_VALUE:08X} (bridge base?)", rd);',
        "        end",
        f"        wb_write(32'h{base + REG_CTRL:08X}, 32'd0);  // stop the clock: step mode",
        "        for (k = 0; k < N && timeouts < 3; k = k + 1) begin",
    ]
    for j, r in enumerate(ins):
        lines.append(f"            wb_write(32'h{base + r.offset:08X}, vin[k * {len(ins)} + {j}]);")
    for p in pin_in:
        kind, bits = plan.pins[p.name]
        sig = "io_in" if kind == "io" else "la_data_in"
        for i, b in enumerate(bits):
            lines.append(f"            {sig}[{b}] = vpin_{p.name}[k][{i}];")
    if pin_in:
        lines.append("            #1;")
    for j, r in enumerate(outs):
        lines.append(f"            wb_read(32'h{base + r.offset:08X}, rd);")
        lines.append(
            f"            check(rd, vout[k * {len(outs)} + {j}], vmask[k * {len(outs)} + {j}], "
            f'"{r.port}{r.slice()}");'
        )
    for p in pin_out:
        kind, bits = plan.pins[p.name]
        sig = "io_out" if kind == "io" else "la_data_out"
        got = "{" + ", ".join(f"{sig}[{b}]" for b in reversed(bits)) + "}"
        lines.append(
            f"            check({{{32 - p.width}'d0, {got}}}, {{{32 - p.width}'d0, vpo_{p.name}[k]}}, "
            f'{{{32 - p.width}\'d0, vpm_{p.name}[k]}}, "pin {p.name}");'
        )
        if kind == "io":
            oeb = "{" + ", ".join(f"io_oeb[{b}]" for b in reversed(bits)) + "}"
            lines.append(
                f"            if ({oeb} !== {p.width}'d0) begin errors = errors + 1; "
                f'$display("ERROR: io_oeb is not 0 on the pads of {p.name}"); end'
            )
    lines += [
        "            if (k < N - 1) begin",
        f"                wb_write(32'h{base + REG_STEP:08X}, 32'd1);",
        "                rd = 32'd1;",
        f"                while (rd !== 32'd0 && timeouts < 3) wb_read(32'h{base + REG_STEP:08X}, rd);",
        "            end",
        "        end",
        "        if (errors == 0 && timeouts == 0)",
        '            $display("WISHBONE TEST PASSED: %0d samples replayed, 0 mismatches", N);',
        "        else",
        '            $display("WISHBONE TEST FAILED: %0d mismatches, %0d missing acks", errors, timeouts);',
        "        $finish;",
        "    end",
        "endmodule",
        "",
    ]
    return "\n".join(lines)


# -- LibreLane configs -----------------------------------------------------------------------
def macro_config(
    plan: CaravelPlan, rtl_names: list[str], *, include_dirs: list[str] | None = None
) -> dict[str, Any]:
    """openlane/<name>/config.json: the macro (bridge + design), as caravel_user_project
    hardens user_proj_example (LibreLane's format; `dir::` is relative to this file).
    `include_dirs`: where the design's `include files are found, relative to its RTL folder
    verilog/rtl/<name>/ ("." first): LibreLane's VERILOG_INCLUDE_DIRS (yosys and the
    linter search them)."""
    cfg: dict[str, Any] = {
        "meta": {"version": 2, "flow": "Classic"},
        "DESIGN_NAME": plan.macro,
        "VERILOG_FILES": [
            "dir::../../verilog/rtl/defines.v",
            f"dir::../../verilog/rtl/{plan.macro}.v",
        ]
        + [f"dir::../../verilog/rtl/{plan.name}/{f}" for f in rtl_names],
        "CLOCK_PERIOD": WB_PERIOD_NS,
        "CLOCK_PORT": "wb_clk_i",
        "FP_SIZING": "relative",
        "FP_CORE_UTIL": 40,
        "PL_TARGET_DENSITY_PCT": 55,
        "VDD_NETS": ["vccd1"],
        "GND_NETS": ["vssd1"],
        "MAX_TRANSITION_CONSTRAINT": 1.0,
        "MAX_FANOUT_CONSTRAINT": 16,
        "RUN_HEURISTIC_DIODE_INSERTION": 1,
        "RUN_ANTENNA_REPAIR": 1,
        "MAGIC_DEF_LABELS": 0,
        "pdk::sky130*": {"RT_MAX_LAYER": "met4"},
        "pdk::gf180mcuC": {"RT_MAX_LAYER": "Metal4"},
    }
    if include_dirs:
        cfg["VERILOG_INCLUDE_DIRS"] = [
            f"dir::../../verilog/rtl/{plan.name}" + ("" if d == "." else f"/{d}")
            for d in include_dirs
        ]
    return cfg


def wrapper_config(plan: CaravelPlan) -> dict[str, Any]:
    """openlane/user_project_wrapper/config.json: the harness's fixed die and pin template
    (fixed_dont_change/ in caravel_user_project), the macro placed by macro.cfg, its power
    hooked to vccd1/vssd1, the macro's views taken from the repository's gds/lef/lib/spef.
    The keys are caravel_user_project's, under their current LibreLane names (its template
    still uses OpenLane 2 names LibreLane translates; IO_SYNC, RUN_CVC and the random global
    placement no longer exist)."""
    m = plan.macro
    return {
        "meta": {"version": 2, "flow": "Classic"},
        "DESIGN_NAME": "user_project_wrapper",
        "VERILOG_FILES": [
            "dir::../../verilog/rtl/defines.v",
            "dir::../../verilog/rtl/user_project_wrapper.v",
        ],
        "CLOCK_PERIOD": WB_PERIOD_NS,
        "CLOCK_PORT": "wb_clk_i",
        "CLOCK_NET": "mprj.wb_clk_i",
        "PDN_MACRO_CONNECTIONS": ["mprj vccd1 vssd1 vccd1 vssd1"],
        "MACRO_PLACEMENT_CFG": "dir::macro.cfg",
        "MAGIC_DEF_LABELS": 0,
        "EXTRA_VERILOG_MODELS": [f"dir::../../verilog/gl/{m}.v"],
        "EXTRA_LEFS": f"dir::../../lef/{m}.lef",
        "EXTRA_GDS": f"dir::../../gds/{m}.gds",
        "EXTRA_LIBS": f"dir::../../lib/{m}.lib",
        "EXTRA_SPEFS": [
            m,
            f"dir::../../spef/multicorner/{m}.min.spef",
            f"dir::../../spef/multicorner/{m}.nom.spef",
            f"dir::../../spef/multicorner/{m}.max.spef",
        ],
        "FALLBACK_SDC": "dir::base_user_project_wrapper.sdc",
        "MAX_TRANSITION_CONSTRAINT": 1.5,
        "RUN_LINTER": 1,
        "ERROR_ON_SYNTH_CHECKS": False,
        "ERROR_ON_PDN_VIOLATIONS": False,
        "SYNTH_ELABORATE_ONLY": 1,
        "PL_RESIZER_DESIGN_OPTIMIZATIONS": 0,
        "PL_RESIZER_TIMING_OPTIMIZATIONS": 0,
        "GLB_RESIZER_DESIGN_OPTIMIZATIONS": 0,
        "GLB_RESIZER_TIMING_OPTIMIZATIONS": 0,
        "DESIGN_REPAIR_BUFFER_INPUT_PORTS": 0,
        "PDN_ENABLE_RAILS": 0,
        "RUN_ANTENNA_REPAIR": 0,
        "RUN_FILL_INSERTION": 0,
        "RUN_TAP_ENDCAP_INSERTION": 0,
        "PDN_VPITCH": 180,
        "PDN_HPITCH": 180,
        "RUN_CTS": 0,
        "PDN_VOFFSET": 5,
        "PDN_HOFFSET": 5,
        "MAGIC_ZEROIZE_ORIGIN": 0,
        "FP_SIZING": "absolute",
        "PDN_CORE_RING": 1,
        "PDN_CORE_RING_VWIDTH": 3.1,
        "PDN_CORE_RING_HWIDTH": 3.1,
        "PDN_CORE_RING_VOFFSET": 12.45,
        "PDN_CORE_RING_HOFFSET": 12.45,
        "PDN_CORE_RING_VSPACING": 1.7,
        "PDN_CORE_RING_HSPACING": 1.7,
        "PDN_VWIDTH": 3.1,
        "PDN_HWIDTH": 3.1,
        "PDN_VSPACING": 15.5,
        "PDN_HSPACING": 15.5,
        "VDD_NETS": ["vccd1", "vccd2", "vdda1", "vdda2"],
        "GND_NETS": ["vssd1", "vssd2", "vssa1", "vssa2"],
        "VERILOG_POWER_DEFINE": "USE_POWER_PINS",
        "MAGIC_DRC_USE_GDS": True,
        "pdk::sky130*": {
            "RT_MAX_LAYER": "met4",
            "DIE_AREA": "0 0 2920 3520",
            "FP_DEF_TEMPLATE": "dir::fixed_dont_change/user_project_wrapper.def",
        },
        "pdk::gf180mcuC": {
            "RT_MAX_LAYER": "Metal4",
            "DIE_AREA": "0 0 3000 3000",
            "FP_DEF_TEMPLATE": "dir::fixed_dont_change/user_project_wrapper_gf180mcu.def",
        },
    }


def macro_cfg(plan: CaravelPlan) -> str:
    """macro.cfg: the macro's placement in the wrapper (instance x y orientation, in µm),
    where caravel_user_project places its example macro."""
    return "mprj 1175 1690 N\n"
