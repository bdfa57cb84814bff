"""Testbench references into the design (`dut.pc`), bound to the post-route netlist's nets.

A testbench of real IP often prints or checks a register inside the design
(`$display("pc=%0d", dut.pc)`). The flat post-route netlist keeps such a register bit by bit
(qflow: `pc_3_`; yosys' own netlist: `\\pc[3]`), so the reference does not elaborate there.
For the gate-level run only, a copy of the netlist gets an observation wire in the top module,

    wire [4:0] pc = {pc_4_, pc_3_, pc_2_, pc_1_, pc_0_};

made only of nets the netlist really has. The RTL gives the declared range (which bits must
exist) and nothing else: when one of them has no net (optimised away, merged, renamed), or
the variable is a memory (`reg [7:0] regs [0:7]`) or has no simple packed type, nothing is
invented and the reference stays unbound (the gate-level run says so in one line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_UNBOUND = re.compile(r"Unable to bind (?:wire/reg/memory|parameter) `([^']+)'")
_WORD = re.compile(r"\\\S+|[A-Za-z_][\w$]*")


@dataclass
class Binding:
    """The result of trying to bind a testbench's references into the design."""

    text: str | None = None  # the netlist with observation wires
    bound: dict[str, str] = field(default_factory=dict)  # ref → "lsb..msb nets" (for the note)
    refused: dict[str, str] = field(default_factory=dict)  # ref → why it cannot be bound

    def note(self) -> str:
        return ", ".join(f"{ref} ({how})" for ref, how in self.bound.items())


def unbound_references(compile_output: str) -> list[str]:
    """Every `a.b` (bit/part selects dropped) iverilog could not bind, in order, once."""
    refs = [re.sub(r"\[.*", "", m.group(1)) for m in _UNBOUND.finditer(compile_output)]
    return list(dict.fromkeys(refs))


def top_instances(testbench: list[Path], top: str) -> set[str]:
    """Instance names of module `top` in the testbench files (`uart_rx #(...) dut (...)`)."""
    inst = re.compile(
        r"\b" + re.escape(top) + r"\s*(?:#\s*\((?:[^()]|\([^()]*\))*\)\s*)?"
        r"([A-Za-z_][\w$]*)\s*\("
    )
    names: set[str] = set()
    for f in testbench:
        try:
            text = re.sub(r"/\*.*?\*/|//[^\n]*", "", f.read_text(errors="replace"), flags=re.S)
        except OSError:
            continue
        names.update(m.group(1) for m in inst.finditer(text))
    return names


def declared_bits(
    rtl: list[Path], top: str, name: str, parameters: dict[str, int | str]
) -> tuple[int, int, bool] | str:
    """(msb, lsb, signed) of variable `name` of the top as the RTL declares it, elaborated
    with design.yaml's parameters (pyslang, on text only); else why it cannot be bound."""
    from siliconcrew.tools.rtl_ports import Elaboration

    try:
        elab = Elaboration(rtl, [top], parameters)
    except OSError as exc:
        return f"cannot read {Path(exc.filename or '?').name}"
    pyslang = elab.pyslang
    inst = elab.top(top)
    if inst is None:
        return f"module {top} not found in the RTL"
    body = inst.body
    sym = body.lookupName(name)
    if sym is None or sym.kind not in (pyslang.ast.SymbolKind.Variable, pyslang.ast.SymbolKind.Net):
        return f"{name} is not a variable of {top}"
    ty = sym.type.canonicalType
    if ty.kind == pyslang.ast.SymbolKind.EnumType:
        ty = ty.baseType.canonicalType
    if ty.isScalar:
        return (0, 0, bool(ty.isSigned))
    if not ty.isPackedArray or not ty.elementType.isScalar:
        what = "a memory" if getattr(ty, "isUnpackedArray", False) else "not a plain vector"
        return f"{name} is {what} ({sym.type}): the netlist has no vector to show"
    return (ty.range.left, ty.range.right, bool(ty.isSigned))


def _top_span(netlist: str, top: str) -> tuple[int, int] | None:
    """(start of `module top`, start of its `endmodule`) in the netlist text."""
    m = re.search(r"\bmodule\s+" + re.escape(top) + r"\b", netlist)
    if not m:
        return None
    end = re.compile(r"\bendmodule\b").search(netlist, m.end())
    return (m.start(), end.start()) if end else None


def bind_references(
    netlist: str,
    top: str,
    refs: list[str],
    instances: set[str],
    rtl: list[Path],
    parameters: dict[str, int | str],
    tb_top: str | None = None,
) -> Binding:
    """Observation wires for `refs` (`dut.pc`), each bit an existing net of the top module."""
    out = Binding()
    span = _top_span(netlist, top)
    if span is None:
        out.refused = {r: f"module {top} not found in the netlist" for r in refs}
        return out
    words = set(_WORD.findall(netlist[span[0] : span[1]]))
    wires: list[str] = []
    for ref in refs:
        parts = ref.split(".")
        if tb_top and len(parts) == 3 and parts[0] == tb_top:
            parts = parts[1:]
        if len(parts) != 2 or parts[0] not in instances:
            out.refused[ref] = "not a signal of the design's top instance"
            continue
        name = parts[1]
        if name in words:
            out.refused[ref] = f"{name} is a net of the netlist already"
            continue
        bits = declared_bits(rtl, top, name, parameters)
        if isinstance(bits, str):
            out.refused[ref] = bits
            continue
        msb, lsb, signed = bits
        step = -1 if msb >= lsb else 1
        nets = []
        for i in range(msb, lsb + step, step):
            net = next((n for n in (f"{name}_{i}_", f"\\{name}[{i}]") if n in words), None)
            if net is None:
                out.refused[ref] = (
                    f"bit {name}[{i}] has no net in the netlist (optimised away or renamed)"
                )
                break
            nets.append(net)
        else:
            sign = "signed " if signed else ""
            joined = ", ".join(n + (" " if n.startswith("\\") else "") for n in nets)
            wires.append(f"wire {sign}[{msb}:{lsb}] {name} = {{{joined}}};")
            out.bound[ref] = f"{nets[-1]}..{nets[0]}" if len(nets) > 1 else nets[0]
    if wires and not out.refused:
        block = (
            "// observation wires for the testbench's references into the design, "
            "added by siliconcrew for the gate-level run only (each bit a net of this "
            "netlist)\n" + "\n".join(wires) + "\n"
        )
        out.text = netlist[: span[1]] + block + netlist[span[1] :]
    return out
