"""The design's ports and where its testbench instantiates it, read with pyslang.

pyslang elaborates the RTL (with design.yaml's parameter values) on text only: nothing of
the design runs on the host. Widths are the elaborated ones, so `[WIDTH-1:0]` is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from siliconcrew.core.errors import UserInputError

RESET_NAMES = ("rst", "reset", "rst_n", "rstn", "reset_n", "resetn", "rst_ni", "arst", "arst_n")


@dataclass(frozen=True)
class Port:
    name: str
    direction: str  # input | output | inout
    width: int


def _compilation(files: list[Path], top: str | None = None, params: dict | None = None):
    import pyslang

    opts = pyslang.ast.CompilationOptions()
    if top:
        opts.topModules = {top}
    if params:
        opts.paramOverrides = [f"{k}={v}" for k, v in params.items()]
    comp = pyslang.ast.Compilation(pyslang.Bag([opts]))
    for f in files:
        comp.addSyntaxTree(
            pyslang.syntax.SyntaxTree.fromText(f.read_text(errors="replace"), name=str(f))
        )
    return comp


def _direction(d) -> str:
    name = str(d).rsplit(".", 1)[-1].lower()
    return {"in": "input", "out": "output", "inout": "inout"}.get(name, name)


def design_ports(files: list[Path], top: str, params: dict | None = None) -> list[Port]:
    """Ports of `top` in declaration order, elaborated with `params`."""
    comp = _compilation(files, top, params)
    for inst in comp.getRoot().topInstances:
        if inst.name == top:
            ports = [
                Port(p.name, _direction(p.direction), int(p.type.bitWidth))
                for p in inst.body.portList
            ]
            if not ports:
                break
            return ports
    raise UserInputError(
        f"could not read the ports of module '{top}' from the RTL",
        "check design.yaml top: and that the RTL parses (siliconcrew check --no-harden)",
    )


def dut_path(files: list[Path], tb_top: str, top: str) -> str | None:
    """Hierarchical path of the first instance of `top` under `tb_top` (breadth first)."""
    import pyslang

    comp = _compilation(files, tb_top)
    roots = [i for i in comp.getRoot().topInstances if i.name == tb_top]
    queue = [(r.body, r.name) for r in roots]
    while queue:
        body, path = queue.pop(0)
        for m in body:
            if m.kind == pyslang.ast.SymbolKind.Instance:
                here = f"{path}.{m.name}"
                if m.definition.name == top:
                    return here
                queue.append((m.body, here))
    return None


def reset_port(ports: list[Port], clock: str | None, chosen: str | None = None) -> Port | None:
    """The reset input: design.yaml's `integration.reset`, else a conventional name."""
    inputs = {p.name: p for p in ports if p.direction == "input" and p.width == 1}
    if chosen:
        if chosen not in inputs:
            raise UserInputError(
                f"integration.reset '{chosen}' is not a 1-bit input of the design",
                f"use one of: {', '.join(n for n in inputs if n != clock) or '(none)'}",
            )
        return inputs[chosen]
    for name in RESET_NAMES:
        if name in inputs and name != clock:
            return inputs[name]
    return None


def active_low(name: str) -> bool:
    """Reset polarity by convention: rst_n, rstn, resetn, rst_ni, rst_b are active low."""
    return name.lower().endswith(("_n", "_ni", "_b", "rstn", "resetn"))
