"""Random-stimulus equivalence: RTL and gate netlist side by side in one simulation.

The fallback when SAT-based proof does not finish (multipliers are the classic case) or
cannot be trusted (tri-state logic): both designs get the same random inputs for N steps
and every output is compared; bits the RTL leaves X are not compared, `z` is compared as a
value (`!==`), so a netlist that drives where the RTL releases the bus is a mismatch. A pass
means "no mismatch in N vectors", a weaker claim than a proof, and is reported as such.
Where the netlist is X and the RTL is not, that is counted apart ("x_only"): it is what a
design that relies on `initial` values (silicon has none) or whose reset the stimulus never
applied looks like, not a proof that the two differ. A real mismatch (both known, different)
is printed with the inputs of that step, and the same testbench cut at that step is the
counterexample a user can replay.

The stimulus is race-free by construction, so a mismatch is a difference of the designs and
not of the order two simulators happen to process simultaneous events in:
- every clock (the given clock port, the inputs that reach a flop's, latch's or memory's
  clock pin in the RTL, and clock-like names) toggles in its own time slot, one slot per
  clock and step, so no two clocks ever have an edge at the same time; clocks after the
  first skip a random quarter of their pulses, so the domains do not keep one phase;
- data inputs change at the start of a step, resets while the first clock is high: neither
  ever at a clock edge; resets (async ones found in the RTL with their polarity, or
  reset-like names) are asserted for the first 4 steps, then rarely;
- an `inout` port is driven by the testbench with weak strength and a random value: the
  design's own (strong) drive wins, so the bus shows what the design drives, or the
  testbench's value where it releases the bus, and never floats into the design's registers.
Outputs are compared before each clock's rising edge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_PORT = re.compile(
    r"^\s*(input|output|inout)\s+(?:wire\s+|reg\s+|tri\s+)?(?:\[(\d+):(\d+)\]\s*)?"
    r"([A-Za-z_][\w$]*)\s*;",
    re.MULTILINE,
)
_RESET = re.compile(
    r"^(rst|reset|clr|clear)(_?n|_b)?$|^(rst|reset)|^[a-z]_?(rst|reset)(_?n|_b)?$", re.IGNORECASE
)
#: name parts that make a clock-like name something else (`clk_en`, `clk_sel`, `clk_div`)
_NOT_CLOCK = {
    "en",
    "ena",
    "enable",
    "sel",
    "select",
    "div",
    "gate",
    "gated",
    "cnt",
    "count",
    "ok",
    "valid",
    "req",
    "ack",
    "stop",
    "lock",
    "locked",
    "rst",
    "reset",
    "mux",
}


@dataclass
class Port:
    name: str
    direction: str
    width: int


def netlist_ports(netlist_text: str, top: str) -> list[Port]:
    m = re.search(
        rf"^\s*module\s+{re.escape(top)}\b(.*?)^\s*endmodule",
        netlist_text,
        re.MULTILINE | re.DOTALL,
    )
    body = m.group(1) if m else ""
    ports = []
    for direction, msb, lsb, name in _PORT.findall(body):
        width = abs(int(msb) - int(lsb)) + 1 if msb else 1
        ports.append(Port(name, direction, width))
    return ports


def rename_module(netlist_text: str, top: str, new: str) -> str:
    return re.sub(
        rf"^(\s*module\s+){re.escape(top)}\b", rf"\g<1>{new}", netlist_text, flags=re.MULTILINE
    )


def _random_expr(width: int) -> str:
    words = (width + 31) // 32
    return "{" + ", ".join(["$random(sc_seed)"] * words) + "}"


# -- names -------------------------------------------------------------------------------------
def clock_like(name: str) -> bool:
    """clk, clock, CLK_in, i_Clock, wclk, rclk, sys_clk, clk_a — not clk_en / clk_sel."""
    parts = [p for p in re.split(r"_+", name.lower()) if p]
    if any(p in _NOT_CLOCK for p in parts):
        return False
    return any(
        p in ("clk", "clock", "ck")
        or re.fullmatch(r"[a-z]{0,4}(clk|clock)\d*", p)
        or re.fullmatch(r"(clk|clock)[a-z]?\d*", p)
        for p in parts
    )


def name_reset_active(name: str) -> str | None:
    """Active level ('0'/'1') of an input whose name says reset (today's rule), else None."""
    if not _RESET.match(name):
        return None
    low = bool(re.search(r"(_?n|_b)$", name, re.I)) and not name.lower().endswith(("en", "in"))
    low = low or bool(re.match(r"^n_?(rst|reset)", name, re.I))
    return "0" if low else "1"


# -- what the RTL says (yosys `prep` + `write_json`) ---------------------------------------------
def analysis_script(reads: str, top: str, json_name: str = "rtl.json") -> str:
    """Yosys script: the RTL flattened as the formal check sees it, written as JSON."""
    return f"{reads}\nprep -flatten -top {top}\nwrite_json {json_name}\n"


_CLOCK_PINS = {
    **{
        t: ("CLK",)
        for t in (
            "$dff",
            "$dffe",
            "$adff",
            "$adffe",
            "$sdff",
            "$sdffe",
            "$sdffce",
            "$dffsr",
            "$dffsre",
            "$aldff",
            "$aldffe",
            "$memrd",
            "$memrd_v2",
            "$memwr",
            "$memwr_v2",
            "$fsm",
        )
    },
    **{t: ("EN",) for t in ("$dlatch", "$adlatch", "$dlatchsr")},
    "$mem": ("RD_CLK", "WR_CLK"),
    "$mem_v2": ("RD_CLK", "WR_CLK"),
}
_ASYNC_PINS = {
    "$adff": (("ARST", "ARST_POLARITY"),),
    "$adffe": (("ARST", "ARST_POLARITY"),),
    "$adlatch": (("ARST", "ARST_POLARITY"),),
    **{
        t: (("SET", "SET_POLARITY"), ("CLR", "CLR_POLARITY"))
        for t in ("$dffsr", "$dffsre", "$dlatchsr")
    },
}
_GATE_CLOCKED = re.compile(r"^\$_(DFF|DFFE|SDFF|SDFFE|SDFFCE|DFFSR|DFFSRE|ALDFF|ALDFFE)_")
_GATE_LATCH = re.compile(r"^\$_(DLATCH|DLATCHSR)_")
_GATE_ARST = re.compile(r"^\$_(?:DFF|DFFE|DLATCH)_[NP]([NP])[01][NP]?_$")
_GATE_SR = re.compile(r"^\$_(?:DFFSR|DFFSRE|DLATCHSR)_[NP]([NP])([NP])[NP]?_$")
_SEQUENTIAL = re.compile(
    r"^\$(_?(a|s|al)?dff|_?dlatch|_?adlatch|_?sr|_?ff|mem|fsm|_SDFF|_ALDFF"
    r"|_DFF|_DLATCH|_SR|_FF)",
    re.IGNORECASE,
)
_INVERTERS = {"$not", "$_NOT_"}
_BUFFERS = {"$pos", "$buf", "$_BUF_"}


def _param(cell: dict, name: str, default: int = 1) -> int:
    v = cell.get("parameters", {}).get(name, default)
    try:
        return int(v, 2) if isinstance(v, str) else int(v)
    except ValueError:
        return default


@dataclass
class RtlFacts:
    """Clocks, async resets and tri-state logic of the RTL's top, from yosys' JSON."""

    clocks: dict[str, set[int]] = field(default_factory=dict)  # input port -> clock bits
    resets: dict[str, str] = field(default_factory=dict)  # 1-bit input -> active level
    tristate_ports: list[str] = field(default_factory=list)  # ports the RTL can drive z on
    z_internal: bool = False  # z constants elsewhere
    inout_ports: list[str] = field(default_factory=list)
    multi_driven: list[str] = field(default_factory=list)  # nets with several drivers

    def formal_blockers(self) -> list[str]:
        """Why yosys' equiv_* passes cannot give a trustworthy verdict on this RTL."""
        out = []
        if self.tristate_ports or self.z_internal:
            where = ", ".join(self.tristate_ports[:6]) or "internal nets"
            out.append(
                f"the RTL drives z (tri-state) on {where}: yosys' SAT models have no z "
                "(it becomes an unconstrained value) and several drivers of one net "
                "make the model contradictory, so a proof would mean nothing"
            )
        elif self.inout_ports:
            out.append(
                f"inout port(s) {', '.join(self.inout_ports[:6])}: the port is both an "
                "input and driven inside, which yosys' equiv model cannot separate"
            )
        if self.multi_driven and not (self.tristate_ports or self.z_internal):
            out.append(
                f"net(s) with several drivers ({', '.join(self.multi_driven[:6])}): "
                "the SAT model of a multiply-driven net is contradictory"
            )
        return out


def rtl_facts(data: dict[str, Any], top: str) -> RtlFacts:
    mods = data.get("modules", {})
    mod = mods.get(top) or next(iter(mods.values()), None)
    facts = RtlFacts()
    if not mod:
        return facts
    ports = mod.get("ports", {})
    in_bits: dict[int, tuple[str, int]] = {}
    out_bits: dict[int, tuple[str, int]] = {}
    for name, p in ports.items():
        for i, b in enumerate(p.get("bits", [])):
            if p.get("direction") in ("input", "inout") and isinstance(b, int):
                in_bits[b] = (name, i)
            if p.get("direction") in ("output", "inout"):
                if b == "z" and name not in facts.tristate_ports:
                    facts.tristate_ports.append(name)
                if isinstance(b, int):
                    out_bits[b] = (name, i)
        if p.get("direction") == "inout":
            facts.inout_ports.append(name)
    cells = mod.get("cells", {})
    drivers: dict[int, tuple[dict, str, int]] = {}
    n_drivers: dict[int, int] = {b: 1 for b in in_bits}
    for cell in cells.values():
        dirs = cell.get("port_directions", {})
        conns = cell.get("connections", {})
        z_in = any(
            b == "z" for port, bits in conns.items() if dirs.get(port) != "output" for b in bits
        )
        for port, bits in conns.items():
            if dirs.get(port) != "output":
                continue
            for i, b in enumerate(bits):
                if isinstance(b, int):
                    drivers[b] = (cell, port, i)
                    n_drivers[b] = n_drivers.get(b, 0) + 1
                    if z_in and b in out_bits and out_bits[b][0] not in facts.tristate_ports:
                        facts.tristate_ports.append(out_bits[b][0])
        if z_in and not any(
            isinstance(b, int) and b in out_bits
            for port, bits in conns.items()
            if dirs.get(port) == "output"
            for b in bits
        ):
            facts.z_internal = True
    bit_name: dict[int, str] = {}
    for name, net in mod.get("netnames", {}).items():
        for i, b in enumerate(net.get("bits", [])):
            if isinstance(b, int) and (b not in bit_name or not name.startswith("$")):
                bit_name[b] = f"{name}[{i}]" if len(net["bits"]) > 1 else name
            if b == "z" and not net.get("hide_name"):
                facts.z_internal = facts.z_internal or name not in ports
    facts.multi_driven = sorted({bit_name.get(b, str(b)) for b, n in n_drivers.items() if n > 1})

    def trace(bits: list, active: int | None):
        """Input-port bits in the combinational fan-in of `bits`; with the active level at
        the port when the path is buffers and inverters only."""
        found: list[tuple[str, int, int | None]] = []
        stack = [(b, active) for b in bits]
        seen: set[tuple[Any, Any]] = set()
        while stack and len(seen) < 20000:
            b, level = stack.pop()
            if not isinstance(b, int) or (b, level) in seen:
                continue
            seen.add((b, level))
            if b in in_bits:
                found.append((*in_bits[b], level))
                continue
            if b not in drivers:
                continue
            cell, _, idx = drivers[b]
            ctype = cell.get("type", "")
            if not ctype.startswith("$") or _SEQUENTIAL.match(ctype):
                continue  # a submodule, a flop or a memory: not combinational fan-in
            conns, dirs = cell.get("connections", {}), cell.get("port_directions", {})
            if ctype in _INVERTERS | _BUFFERS and "A" in conns:
                a = conns["A"]
                nxt = a[idx] if idx < len(a) else None
                inv = ctype in _INVERTERS
                stack.append((nxt, None if level is None else (1 - level if inv else level)))
                continue
            if (
                ctype in ("$logic_not", "$reduce_bool", "$reduce_or", "$reduce_and")
                and len(conns.get("A", [])) == 1
            ):
                inv = ctype == "$logic_not"
                stack.append(
                    (conns["A"][0], None if level is None else (1 - level if inv else level))
                )
                continue
            for port, pbits in conns.items():
                if dirs.get(port) != "output":
                    stack += [(x, None) for x in pbits]
        return found

    levels: dict[str, set[int | None]] = {}
    for cell in cells.values():
        ctype = cell.get("type", "")
        conns = cell.get("connections", {})
        pins = list(_CLOCK_PINS.get(ctype, ()))
        if _GATE_CLOCKED.match(ctype):
            pins.append("C")
        elif _GATE_LATCH.match(ctype):
            pins.append("E")
        for pin in pins:
            for port, bit, _ in trace(conns.get(pin, []), None):
                facts.clocks.setdefault(port, set()).add(bit)
        arst = [(pin, _param(cell, pol)) for pin, pol in _ASYNC_PINS.get(ctype, ())]
        m = _GATE_ARST.match(ctype)
        if m:
            arst.append(("R", 1 if m.group(1) == "P" else 0))
        m = _GATE_SR.match(ctype)
        if m:
            arst += [("S", 1 if m.group(1) == "P" else 0), ("R", 1 if m.group(2) == "P" else 0)]
        for pin, pol in arst:
            for port, _bit, level in trace(conns.get(pin, []), pol):
                if ports[port].get("direction") == "input" and len(ports[port]["bits"]) == 1:
                    levels.setdefault(port, set()).add(level)
    for port, lv in levels.items():
        if len(lv) == 1 and None not in lv and port not in facts.clocks:
            facts.resets[port] = str(lv.pop())
    return facts


# -- the stimulus --------------------------------------------------------------------------------
@dataclass
class Stimulus:
    clocks: list[tuple[str, int]] = field(default_factory=list)  # (port, bit), in slot order
    resets: dict[str, str] = field(default_factory=dict)  # port -> active level
    clock_names: list[str] = field(default_factory=list)  # "clk", "ui_in[0]"


def plan_stimulus(ports: list[Port], clock: str | None, facts: RtlFacts | None) -> Stimulus:
    """Which inputs are clocks (each its own slot) and which are resets (their own time).
    Precedence: the given clock port, clock-like names, resets (async ones from the RTL, or
    reset-like names), then the other inputs that reach a clock pin in the RTL (a clear
    that reaches a latch's enable stays a reset)."""
    inputs = {p.name: p for p in ports if p.direction == "input"}
    clocks: list[tuple[str, int]] = []

    def add(name: str, bits) -> None:
        for b in sorted(bits):
            if (name, b) not in clocks and b < inputs[name].width:
                clocks.append((name, b))

    if clock and clock in inputs:
        add(clock, range(inputs[clock].width))
    for name in sorted(inputs):
        if clock_like(name):
            add(name, range(inputs[name].width))
    resets: dict[str, str] = {}
    for name, p in inputs.items():
        if name in {c for c, _ in clocks} or p.width != 1:
            continue
        level = (facts.resets.get(name) if facts else None) or name_reset_active(name)
        if level is not None:
            resets[name] = level
    for name in sorted(inputs):
        if facts and name not in resets and facts.clocks.get(name):
            add(name, facts.clocks[name])
    names = [p if inputs[p].width == 1 else f"{p}[{b}]" for p, b in clocks]
    return Stimulus(clocks, resets, names)


def testbench(
    top: str,
    gate_top: str,
    ports: list[Port],
    clock: str | None,
    cycles: int,
    seed: int = 1,
    stimulus: Stimulus | None = None,
    gold_params: str = "",
) -> str:
    """Random co-simulation of the RTL (`gold`, with `gold_params`, e.g. `#(.N(16)) `: the
    parameters the netlist was built with) against the netlist (`gate`)."""
    stim = stimulus or plan_stimulus(ports, clock, None)
    clock_bits: dict[str, set[int]] = {}
    for clock_port, b in stim.clocks:
        clock_bits.setdefault(clock_port, set()).add(b)
    ins = [p for p in ports if p.direction == "input"]
    data = [
        p for p in ins if len(clock_bits.get(p.name, ())) < p.width and p.name not in stim.resets
    ]
    ios = [p for p in ports if p.direction == "inout"]
    outs = [p for p in ports if p.direction in ("output", "inout")]
    rng = lambda p: f"[{p.width - 1}:0] "  # noqa: E731  (bit-selects work on every net)
    lines = [
        "`timescale 1ns/1ps",
        "module sc_equiv_tb;",
        f"  integer sc_seed = {seed};",
        "  integer sc_i, sc_b, sc_errors = 0, sc_compared = 0, sc_skipped = 0, sc_x_only = 0;",
        "  integer sc_cmp, sc_bad, sc_nx, sc_pulse;",
    ]
    # Resets start inactive, so that asserting them is an edge (an async reset acts at once).
    lines += [
        f"  reg {rng(p)}{p.name} = {1 - int(stim.resets[p.name]) if p.name in stim.resets else 0};"
        for p in ins
    ]
    lines += [f"  reg {rng(p)}{p.name}__tb = 0;" for p in ios]
    lines += [f"  wire {rng(p)}g_{p.name}, n_{p.name};" for p in outs]
    # The testbench's side of a bidirectional port: weak, so the design's drive wins.
    lines += [
        f"  assign (weak0, weak1) {pref}{p.name} = {p.name}__tb;"
        for p in ios
        for pref in ("g_", "n_")
    ]
    conn = lambda pref: ", ".join(  # noqa: E731
        [f".{p.name}({p.name})" for p in ins] + [f".{p.name}({pref}{p.name})" for p in outs]
    )
    lines += [f"  {top} {gold_params}gold ({conn('g_')});", f"  {gate_top} gate ({conn('n_')});"]
    # While the reset prelude runs, a netlist still X next to an RTL `initial` value is
    # expected (the reset has not acted yet): only X that outlives it counts.
    warm = 4 if stim.resets else 0
    shown = [p.name for p in data] + [f"{p.name}__tb" for p in ios] + sorted(stim.resets)
    fmt_in = " ".join(f"{n.replace('__tb', '(tb)')}=%h" for n in shown)
    args_in = "".join(f", {n}" for n in shown)
    lines += ["  task check; begin"]
    for p in outs:
        g, n = f"g_{p.name}", f"n_{p.name}"
        lines += [
            "    sc_cmp = 0; sc_bad = 0; sc_nx = 0;",
            f"    for (sc_b = 0; sc_b < {p.width}; sc_b = sc_b + 1)",
            f"      if ({g}[sc_b] !== 1'bx) begin",
            f"        if ({n}[sc_b] === 1'bx) sc_nx = 1;",
            f"        else begin sc_cmp = 1; if ({g}[sc_b] !== {n}[sc_b]) sc_bad = 1; end",
            "      end",
            "    if (sc_bad) begin sc_compared = sc_compared + 1; sc_errors = sc_errors + 1;",
            f'      if (sc_errors <= 5) $display("MISMATCH cycle %0d {p.name}: rtl=%h '
            f'gate=%h (inputs {fmt_in})", sc_i, {g}, {n}{args_in}); end',
            f"    else if (sc_nx) begin if (sc_i >= {warm}) begin",
            "      sc_x_only = sc_x_only + 1;",
            f'      if (sc_x_only <= 3) $display("XONLY cycle %0d {p.name}: rtl=%h '
            f'gate=%h", sc_i, {g}, {n}); end end',
            "    else if (sc_cmp) sc_compared = sc_compared + 1;",
            "    else sc_skipped = sc_skipped + 1;",
        ]
    lines += [
        "  end endtask",
        "  initial begin",
        f"    for (sc_i = 0; sc_i < {cycles}; sc_i = sc_i + 1) begin",
    ]
    # t = 0: data (and the testbench's side of inout ports)
    for p in data:
        cbits = clock_bits.get(p.name)
        if cbits:
            mask = sum(1 << b for b in cbits)
            lines.append(
                f"      {p.name} = ({_random_expr(p.width)} & ~{p.width}'d{mask}) | "
                f"({p.name} & {p.width}'d{mask});"
            )
        else:
            lines.append(f"      {p.name} = {_random_expr(p.width)};")
    for p in ios:
        lines.append(f"      {p.name}__tb = {_random_expr(p.width)};")
    # which of the later clocks pulse in this step (drawn now: one random stream, in order)
    if len(stim.clocks) > 1:
        lines.append("      sc_pulse = $random(sc_seed);")
    # Resets: asserted for the first 4 steps, then about once in 1024 steps; they change
    # while the first clock is high (2 units after its rising edge, 3 before its fall): away
    # from every edge, and while a latch enabled by that clock is open, so releasing a reset
    # that also gates the latch does not race its closing.
    resets = [
        f"{name} = (sc_i < 4) ? 1'b{level} : ((($random(sc_seed) & 1023) == 0) ? "
        f"1'b{level} : 1'b{1 - int(level)});"
        for name, level in sorted(stim.resets.items())
    ]
    if stim.clocks:
        lines.append("      #4;")
        # one 10-unit slot per clock: compare, rise at +4 (after the check), fall at +9
        for k, (clock_port, b) in enumerate(stim.clocks):
            lv = f"{clock_port}[{b}]"
            if k == 0:
                lines.append(f"      check; {lv} = 1'b1; #2;")
                lines += [f"      {r}" for r in resets]
                lines.append(f"      #3; {lv} = 1'b0; #1;")
            else:
                on = f"(sc_pulse[{2 * (k - 1) % 32 + 1}:{2 * (k - 1) % 32}] != 2'b00)"
                lines.append(f"      #4; check; if {on} {lv} = 1'b1; #5; {lv} = 1'b0; #1;")
    else:
        lines += [f"      {r}" for r in resets] + ["      #5; check;"]
    lines += [
        "    end",
        '    $display("EQUIV-SIM compared=%0d skipped=%0d errors=%0d x_only=%0d", '
        "sc_compared, sc_skipped, sc_errors, sc_x_only);",
        "    $finish;",
        "  end",
        "endmodule",
        "",
    ]
    return "\n".join(line for line in lines if line)


# -- the netlist side ------------------------------------------------------------------------------
_Z_CONST = re.compile(r"\b\d*\s*'[sS]?[bBhHoOdD]\s*[0-9a-fA-F_xXzZ?]*[zZ?]")
_TRI_PRIMS = re.compile(r"\b(bufif[01]|notif[01]|r?tranif[01]|r?tran|\\?\$_TBUF_|\\?\$tribuf)\b")
#: tri-state cells of the bundled OSU libraries (used when the liberty is not readable here)
OSU_TRISTATE_CELLS = frozenset({"TBUFX1", "TBUFX2", "PADINOUT"})


def liberty_tristate_cells(liberty_text: str) -> set[str]:
    """Cells of a liberty with a `three_state` pin (yosys 0.23's read_liberty ignores that
    attribute: it reads TBUFX1 as a plain inverter)."""
    cells = set()
    heads = list(re.finditer(r"\bcell\s*\(\s*\"?([\w$]+)\"?\s*\)", liberty_text))
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(liberty_text)
        if "three_state" in liberty_text[m.end() : end]:
            cells.add(m.group(1))
    return cells


def netlist_tristate(netlist_text: str, tristate_cells: set[str] | frozenset[str]) -> list[str]:
    """What in a gate netlist drives z: tri-state cells, z constants, tri-state primitives."""
    found = []
    counts: dict[str, int] = {}
    for m in re.finditer(
        r"^\s*([A-Za-z_][\w$]*)\s+(?:#\s*\(.*?\)\s*)?[\\A-Za-z_][^\s(]*\s*\(",
        netlist_text,
        re.MULTILINE,
    ):
        if m.group(1) in tristate_cells:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    found += [f"{n} x{c}" for c, n in sorted((c, n) for n, c in counts.items())]
    code = re.sub(r"//[^\n]*|/\*.*?\*/", "", netlist_text, flags=re.DOTALL)
    if _Z_CONST.search(code):
        found.append("z constants")
    prims = sorted(set(_TRI_PRIMS.findall(code)))
    if prims:
        found.append("tri-state primitives (" + ", ".join(prims) + ")")
    return found
