"""Precheck-style rules on the elaborated wrapper (yosys JSON, after proc/flatten/tribuf).

The shuttles' own prechecks run on the final GDS with the sky130 PDK; these are the rules
that can be judged here, on the RTL, with a message that names the signal:
- the port list is the harness's, in its order, with its directions and widths;
- every output-enable bit (Caravel io_oeb, Tiny Tapeout uio_oe) is driven (a constant or
  logic, never left floating), and a pad the design drives is not left disabled;
- no latch (yosys $dlatch/$sr cells) and no tri-state ($tribuf or a 'z' constant).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LATCH_TYPES = ("$dlatch", "$adlatch", "$dlatchsr", "$sr", "$_DLATCH", "$_SR_", "$_DLATCHSR")
TRISTATE_TYPES = ("$tribuf", "$_TBUF_")


@dataclass
class PrecheckReport:
    errors: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def precheck(
    netlist: dict[str, Any],
    top: str,
    expected_ports: list[tuple[str, str, int]],
    *,
    oe: str,
    out: str,
    oe_active_low: bool,
) -> PrecheckReport:
    """`expected_ports`: (name, input|output|inout, width) in the harness's order."""
    rep = PrecheckReport()
    module = netlist.get("modules", {}).get(top)
    if module is None:
        rep.errors.append(f"module {top} is not in the elaborated netlist")
        return rep
    ports = module.get("ports", {})
    got = [(n, p["direction"], len(p["bits"])) for n, p in ports.items()]
    rep.checked.append("port list")
    if got != expected_ports:
        want = {n: (d, w) for n, d, w in expected_ports}
        have = {n: (d, w) for n, d, w in got}
        for n, (d, w) in want.items():
            if n not in have:
                rep.errors.append(f"port list: {n} ({d}, {w} bits) is missing")
            elif have[n] != (d, w):
                rep.errors.append(
                    f"port list: {n} is {have[n][0]} {have[n][1]} bits, the "
                    f"harness has {d} {w} bits"
                )
        rep.errors += [f"port list: {n} is not a harness port" for n in have if n not in want]
        if not rep.errors:
            rep.errors.append("port list: the ports are the harness's but in another order")
    driven: set[int] = set()
    for p in ports.values():
        if p["direction"] == "input":
            driven.update(b for b in p["bits"] if isinstance(b, int))
    latches, tris = [], []
    for name, cell in module.get("cells", {}).items():
        ctype = cell.get("type", "")
        if ctype.startswith(LATCH_TYPES):
            latches.append(f"{name} ({ctype})")
        if ctype.startswith(TRISTATE_TYPES):
            tris.append(f"{name} ({ctype})")
        dirs = cell.get("port_directions", {})
        for pin, bits in cell.get("connections", {}).items():
            if dirs.get(pin) == "output":
                driven.update(b for b in bits if isinstance(b, int))
            if "z" in bits:
                tris.append(f"{name} (a 'z' constant on {pin})")
    for n, p in ports.items():
        if p["direction"] == "output" and "z" in p["bits"]:
            tris.append(f"output {n} (a 'z' constant)")
    rep.checked += ["output enables driven", "no latch", "no tri-state"]
    if latches:
        rep.errors.append(
            f"latch inferred: {', '.join(latches[:5])} — make the logic "
            "complete (default assignments) or clock it"
        )
    if tris:
        rep.errors.append(
            f"tri-state inside the user area: {', '.join(tris[:5])} — use "
            "the pads' output enables instead"
        )
    if oe in ports and out in ports:
        oe_bits, out_bits = ports[oe]["bits"], ports[out]["bits"]
        off = "1" if oe_active_low else "0"
        for i, b in enumerate(oe_bits):
            if not (b in ("0", "1") or (isinstance(b, int) and b in driven)):
                rep.errors.append(f"{oe}[{i}] is not driven — tie it to {off} (input) or drive it")
        for i, (b, ob) in enumerate(zip(out_bits, oe_bits, strict=False)):
            if isinstance(b, int) and b in driven and ob == off:
                rep.errors.append(
                    f"{out}[{i}] is driven by the design but {oe}[{i}] is "
                    f"{off}: the pad's output is disabled"
                )
    else:
        rep.errors.append(f"{oe}/{out} are not ports of {top}")
    return rep


def expected_caravel_ports(io_pads: int = 38) -> list[tuple[str, str, int]]:
    from siliconcrew.integrate.caravel import WRAPPER_PORTS

    def width(rng: str) -> int:
        if not rng:
            return 1
        hi = rng.strip("[]").split(":")[0].replace("`MPRJ_IO_PADS", str(io_pads))
        a, _, b = hi.partition("-")
        return int(a) - (int(b) if b else 0) + 1

    return [(n, d, width(r)) for d, r, n in WRAPPER_PORTS]


def expected_tt_ports() -> list[tuple[str, str, int]]:
    from siliconcrew.integrate.tinytapeout import TT_PORTS

    return [(n, d, 8 if r else 1) for d, r, n, _ in TT_PORTS]
