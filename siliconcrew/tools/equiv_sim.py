"""Random-stimulus equivalence: RTL and gate netlist side by side in one simulation.

The fallback when SAT-based proof does not finish (multipliers are the classic case): both
designs get the same random inputs for N cycles (reset-like inputs asserted first) and every
output is compared before each clock edge; bits the RTL leaves X are not compared. A pass
means "no mismatch in N vectors", a weaker claim than a proof, and is reported as such.
Where the netlist is X and the RTL is not, that is counted apart ("x_only"): it is what a
design that relies on `initial` values (silicon has none) or whose reset the stimulus never
applied looks like, not a proof that the two differ. A real mismatch (both known, different)
is printed with the inputs of that cycle, and the same testbench cut at that cycle is the
counterexample a user can replay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PORT = re.compile(r"^\s*(input|output)\s+(?:wire\s+|reg\s+)?(?:\[(\d+):(\d+)\]\s*)?([A-Za-z_][\w$]*)\s*;",
                   re.MULTILINE)
_RESET = re.compile(r"^(rst|reset|clr|clear)(_?n|_b)?$|^(rst|reset)", re.IGNORECASE)


@dataclass
class Port:
    name: str
    direction: str
    width: int


def netlist_ports(netlist_text: str, top: str) -> list[Port]:
    m = re.search(rf"^\s*module\s+{re.escape(top)}\b(.*?)^\s*endmodule", netlist_text,
                  re.MULTILINE | re.DOTALL)
    body = m.group(1) if m else ""
    ports = []
    for direction, msb, lsb, name in _PORT.findall(body):
        width = abs(int(msb) - int(lsb)) + 1 if msb else 1
        ports.append(Port(name, direction, width))
    return ports


def rename_module(netlist_text: str, top: str, new: str) -> str:
    return re.sub(rf"^(\s*module\s+){re.escape(top)}\b", rf"\g<1>{new}", netlist_text,
                  flags=re.MULTILINE)


def _random_expr(width: int) -> str:
    words = (width + 31) // 32
    return "{" + ", ".join(["$random(seed)"] * words) + "}"


def testbench(top: str, gate_top: str, ports: list[Port], clock: str | None,
              cycles: int, seed: int = 1) -> str:
    ins = [p for p in ports if p.direction == "input" and p.name != clock]
    outs = [p for p in ports if p.direction == "output"]
    decl = lambda p: f"[{p.width - 1}:0] " if p.width > 1 else ""  # noqa: E731
    lines = ["`timescale 1ns/1ps", "module sc_equiv_tb;", f"  integer seed = {seed};",
             "  integer i, errors = 0, compared = 0, skipped = 0, x_only = 0;"]
    if clock:
        lines.append(f"  reg {clock} = 1'b0;")
    lines += [f"  reg {decl(p)}{p.name};" for p in ins]
    lines += [f"  wire {decl(p)}g_{p.name}, n_{p.name};" for p in outs]
    conn = lambda pref: ", ".join(  # noqa: E731
        [f".{p.name}({p.name})" for p in ins] + ([f".{clock}({clock})"] if clock else []) +
        [f".{p.name}({pref}{p.name})" for p in outs])
    lines += [f"  {top} gold ({conn('g_')});", f"  {gate_top} gate ({conn('n_')});"]
    # While the reset prelude runs, a netlist still X next to an RTL `initial` value is
    # expected (the reset has not acted yet): only X that outlives it counts.
    warm = 4 if any(_RESET.match(p.name) for p in ins) else 0
    fmt_in = " ".join(f"{p.name}=%h" for p in ins)
    args_in = "".join(f", {p.name}" for p in ins)
    lines += ["  task check; begin"]
    for p in outs:
        lines += [f"    if (^g_{p.name} === 1'bx) skipped = skipped + 1;",
                  f"    else if (^n_{p.name} === 1'bx) begin if (i >= {warm}) begin",
                  "      x_only = x_only + 1;",
                  f"      if (x_only <= 3) $display(\"XONLY cycle %0d {p.name}: rtl=%h gate=%h\","
                  f" i, g_{p.name}, n_{p.name}); end end",
                  f"    else begin compared = compared + 1; if (g_{p.name} !== n_{p.name}) begin",
                  "      errors = errors + 1;",
                  f"      if (errors <= 5) $display(\"MISMATCH cycle %0d {p.name}: rtl=%h gate=%h"
                  f" (inputs {fmt_in})\", i, g_{p.name}, n_{p.name}{args_in});",
                  "    end end"]
    lines += ["  end endtask", "  initial begin", f"    for (i = 0; i < {cycles}; i = i + 1) begin"]
    for p in ins:
        if _RESET.match(p.name):
            active = "1'b0" if re.search(r"(_?n|_b)$", p.name, re.I) and not p.name.lower().endswith(
                ("en", "in")) else "1'b1"
            inactive = "1'b1" if active == "1'b0" else "1'b0"
            lines.append(f"      {p.name} = (i < 4) ? {active} : ((($random(seed) & 1023) == 0) ? "
                         f"{active} : {inactive});")
        else:
            lines.append(f"      {p.name} = {_random_expr(p.width)};")
    if clock:
        lines += ["      #4; check;", f"      {clock} = 1'b1; #5; {clock} = 1'b0; #1;"]
    else:
        lines += ["      #5; check;"]
    lines += ["    end",
              "    $display(\"EQUIV-SIM compared=%0d skipped=%0d errors=%0d x_only=%0d\", compared,"
              " skipped, errors, x_only);",
              "    $finish;", "  end", "endmodule", ""]
    return "\n".join(lines)
