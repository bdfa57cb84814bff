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
