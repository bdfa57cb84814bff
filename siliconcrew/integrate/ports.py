"""The design's ports as a shuttle harness needs them, and where its testbench instantiates it.

The ports come from the one RTL interface reader (siliconcrew.tools.rtl_ports), elaborated
with design.yaml's parameter values, so `[WIDTH-1:0]` is resolved; this module only decides
what a harness can take and says what to fix when it cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.params import ParamValue
from siliconcrew.tools.rtl_ports import Elaboration, Port, read_module

RESET_NAMES = ("rst", "reset", "rst_n", "rstn", "reset_n", "resetn", "rst_ni", "arst", "arst_n")


def design_ports(
    files: list[Path],
    top: str,
    params: dict[str, ParamValue] | None = None,
    include_dirs: Sequence[Path] = (),
) -> list[Port]:
    """Ports of `top` in declaration order, elaborated with `params`; UserInputError when
    they cannot be read or a harness could not carry one (no fixed bit width)."""
    iface = read_module(files, top, params, include_dirs)
    if isinstance(iface, str) or not iface.ports:
        why = iface if isinstance(iface, str) else f"module {top} has no ports"
        raise UserInputError(
            f"could not read the ports of module '{top}' from the RTL: {why}",
            "check design.yaml top: and that the RTL parses (siliconcrew check --no-harden)",
        )
    if iface.port_errors:
        name, error = next(iter(iface.port_errors.items()))
        raise UserInputError(
            f"port {name} of {top} cannot be sized: {error}",
            "fix the RTL, or add the folder of its `include files to design.yaml include_dirs:",
        )
    for p in iface.ports:
        if p.width <= 0:
            raise UserInputError(
                f"port {p.name} of {top} has no fixed bit width ({p.type or p.direction})",
                "give the top plain vector ports (input [N-1:0] x)",
            )
    return iface.ports


def dut_path(
    files: list[Path], tb_top: str, top: str, include_dirs: Sequence[Path] = ()
) -> str | None:
    """Hierarchical path of the first instance of `top` under `tb_top` (breadth first)."""
    try:
        elab = Elaboration(files, [tb_top], include_dirs=include_dirs)
    except OSError as exc:
        raise UserInputError(
            f"cannot read {Path(exc.filename or '?').name}: {exc.strerror or exc}",
            "check design.yaml rtl:, testbench: and include_dirs:",
        ) from exc
    instance = elab.pyslang.ast.SymbolKind.Instance
    root = elab.top(tb_top)
    queue = [(root.body, root.name)] if root is not None else []
    while queue:
        body, path = queue.pop(0)
        for m in body:
            if m.kind == instance:
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
