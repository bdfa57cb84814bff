"""The design's own testbench behaviour as a cycle trace, read from a VCD of its ports.

At every rising edge of the design's clock the trace keeps the inputs and outputs as they
were just before the edge (the values the design samples, and the outputs it shows for
them), plus one last sample at the end of the simulation. Replayed through a wrapper —
apply sample k's inputs, compare its outputs, give one clock edge — a correct wrapper shows
the same outputs cycle for cycle. Unknown (x/z) output bits are not compared; unknown
input bits are driven as 0.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

from siliconcrew.core.errors import UserInputError
from siliconcrew.tools.rtl_ports import Port
from siliconcrew.tools.vcd_compare import import_vcdvcd


@dataclass
class Sample:
    inputs: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, tuple[int, int]] = field(default_factory=dict)  # (value, known mask)


def _bits(value: str, width: int) -> tuple[int, int]:
    """A VCD value → (value, known mask), extended to `width` as VCD says (x/z extend)."""
    v = value.lower()
    if len(v) < width:
        pad = v[0] if v and v[0] in "xz" else "0"
        v = pad * (width - len(v)) + v
    v = v[-width:]
    val = mask = 0
    for ch in v:
        val, mask = val << 1, mask << 1
        if ch == "1":
            val, mask = val | 1, mask | 1
        elif ch == "0":
            mask |= 1
    return val, mask


class _Signal:
    def __init__(self, tv: list[tuple[int, str]]):
        self.times = [t for t, _ in tv]
        self.values = [v for _, v in tv]

    def before(self, t: int) -> str:
        """The value strictly before time t ('x' before the first change)."""
        i = bisect.bisect_left(self.times, t) - 1
        return self.values[i] if i >= 0 else "x"

    def at_end(self) -> str:
        return self.values[-1] if self.values else "x"


def read_trace(vcd: Path, dut: str, ports: list[Port], clock: str | None) -> list[Sample]:
    data = import_vcdvcd().VCDVCD(str(vcd), store_tvs=True)
    by_name: dict[str, _Signal] = {}
    for ref in data.references_to_ids:
        base = ref.split("[")[0] if ref.endswith("]") else ref
        scope, _, name = base.rpartition(".")
        if scope == dut and name not in by_name:
            by_name[name] = _Signal(data[ref].tv)
    missing = [p.name for p in ports if p.name not in by_name]
    if missing:
        raise UserInputError(
            f"the testbench's VCD has no trace of {dut}.{missing[0]}",
            "the golden testbench must instantiate the design (design.yaml top:)",
        )
    if clock is None or clock not in by_name:
        raise UserInputError(
            "integration replays the testbench at the design's clock edges: no clock port",
            "set clock: {port: ...} in design.yaml (combinational designs are not supported yet)",
        )
    clk = by_name[clock]
    edges = [
        t
        for i, (t, v) in enumerate(zip(clk.times, clk.values, strict=True))
        if v == "1" and i > 0 and clk.values[i - 1] == "0"
    ]
    widths = {p.name: p.width for p in ports}
    ins = [p.name for p in ports if p.direction == "input" and p.name != clock]
    outs = [p.name for p in ports if p.direction == "output"]

    def sample(value_of) -> Sample:
        s = Sample()
        for n in ins:
            s.inputs[n] = _bits(value_of(by_name[n]), widths[n])[0]
        for n in outs:
            s.outputs[n] = _bits(value_of(by_name[n]), widths[n])
        return s

    trace = [sample(lambda sig, t=t: sig.before(t)) for t in edges]
    trace.append(sample(lambda sig: sig.at_end()))
    if len(trace) < 2:
        raise UserInputError(
            "the golden testbench gave no clock edge to replay", "check its clock generator"
        )
    return trace
