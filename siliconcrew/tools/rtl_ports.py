"""The RTL's port order, and a gate-level netlist put back into it.

Flow engines write netlists whose module header lists ports in their own order (qflow: the
BLIF's inputs, then outputs), while testbenches of real IP often connect the design by
position (`LFSR DUT(out_tb, clk_tb, rst_tb);`). Simulating such a testbench against the
netlist then fails to elaborate ("Unable to assign to unresolved wires") although both are
right. The RTL is parsed with pyslang (a real SystemVerilog front end: ANSI and non-ANSI
headers, parameters, macros) on text only; nothing of the design runs on the host.
"""

from __future__ import annotations

import re
from pathlib import Path


def rtl_port_order(files: list[Path], top: str) -> list[str] | None:
    """Port names of module `top` in declaration order, or None when it cannot be told."""
    import pyslang

    comp = pyslang.ast.Compilation()
    for f in files:
        try:
            text = f.read_text(errors="replace")
        except OSError:
            return None
        comp.addSyntaxTree(pyslang.syntax.SyntaxTree.fromText(text, name=str(f)))
    # The design's top is an uninstantiated module, so slang elaborates it as a top instance.
    for inst in comp.getRoot().topInstances:
        if inst.name == top:
            return [p.name for p in inst.body.portList] or None
    return None


def reorder_module_ports(netlist: str, top: str, order: list[str]) -> str | None:
    """The netlist with `module top (...)`'s port list in `order`; None when the names differ.

    Only the header list changes: declarations (`input [7:0] a;`) and the body stay as they
    are, so connections by name are unaffected.
    """
    header = re.compile(r"(\bmodule\s+" + re.escape(top) + r"\s*\()([^;]*?)(\)\s*;)", re.S)
    m = header.search(netlist)
    if not m:
        return None
    current = [p.strip() for p in m.group(2).split(",") if p.strip()]
    if sorted(current) != sorted(order):
        return None
    if current == order:
        return netlist
    return netlist[: m.start(2)] + ", ".join(order) + netlist[m.end(2) :]


class PortInfo:
    """One port of a module as declared: direction, width, declared range and signedness."""

    __slots__ = ("name", "direction", "width", "left", "right", "signed")

    def __init__(
        self, name: str, direction: str, width: int, left: int, right: int, signed: bool
    ) -> None:
        self.name, self.direction, self.width = name, direction, width
        self.left, self.right, self.signed = left, right, signed

    def decl(self) -> str:
        """`signed [7:0]` / `` for a scalar: what a wrapper redeclares."""
        rng = f"[{self.left}:{self.right}] " if (self.width > 1 or self.left != self.right) else ""
        return ("signed " if self.signed else "") + rng

    def __repr__(self) -> str:
        return f"PortInfo({self.name} {self.direction} {self.decl()}w={self.width})"


class ModuleInterface:
    """The ports of a top module and where its name is written (to rename it)."""

    def __init__(
        self,
        top: str,
        ports: list[PortInfo],
        port_parameters: list[str],
        file: Path,
        name_start: int,
        name_end: int,
    ) -> None:
        self.top, self.ports, self.port_parameters = top, ports, port_parameters
        self.file, self.name_start, self.name_end = file, name_start, name_end


def module_interface(files: list[Path], top: str) -> ModuleInterface | str:
    """The interface of `top` (ports with widths, its overridable parameters, the file and
    offsets of its name), or why it cannot be told. Text only, with pyslang."""
    import pyslang

    comp = pyslang.ast.Compilation()
    where: tuple[Path, int, int] | None = None
    for f in files:
        try:
            text = f.read_text(errors="replace")
        except OSError as exc:
            return f"cannot read {f.name}: {exc}"
        tree = pyslang.syntax.SyntaxTree.fromText(text, name=str(f))
        comp.addSyntaxTree(tree)
        root = tree.root
        members = [root] if "Module" in str(root.kind) else list(getattr(root, "members", []))
        for member in members:
            header = getattr(member, "header", None)
            name = getattr(header, "name", None)
            if name is not None and name.valueText == top and "Module" in str(member.kind):
                rng = name.range
                where = (f, rng.start.offset, rng.end.offset)
    if where is None:
        return f"module {top} not found in the RTL"
    for inst in comp.getRoot().topInstances:
        if inst.name != top:
            continue
        ports: list[PortInfo] = []
        for p in inst.body.portList:
            direction = str(getattr(p, "direction", "")).rsplit(".", 1)[-1].lower()
            typ = getattr(p, "type", None)
            if typ is None or direction not in ("in", "out"):
                return f"port {p.name} is not a plain input or output ({direction or 'unknown'})"
            width = int(getattr(typ, "bitWidth", 0) or 0)
            if width <= 0 or not getattr(typ, "isIntegral", True):
                return f"port {p.name} has a type a wrapper cannot redeclare ({typ})"
            rng = getattr(typ, "range", None)
            left, right = (rng.left, rng.right) if rng is not None else (width - 1, 0)
            if rng is None and width > 1:
                return f"port {p.name} has a type a wrapper cannot redeclare ({typ})"
            ports.append(
                PortInfo(
                    p.name, direction, width, left, right, bool(getattr(typ, "isSigned", False))
                )
            )
        params = [
            s.name
            for s in inst.body.parameters
            if not getattr(s, "isLocalParam", False) and getattr(s, "isPortParam", True)
        ]
        return ModuleInterface(top, ports, params, *where)
    return f"module {top} is instantiated by another module of the RTL (not a top)"
