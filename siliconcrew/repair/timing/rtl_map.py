"""Map the stages of a gate-level timing path back to RTL signals and file:line.

Two netlists are involved:

* the mapped netlist (`netlist.json` from the `synthesize` tool). Its flip-flops keep their yosys
  `src` attribute and their outputs keep the RTL register names, but ABC drops `src` from every
  combinational standard cell and `opt_clean -purge` drops the intermediate wire names. So a
  mapped path says *which registers/ports* it runs between, not which RTL operators lie between.
* the coarse RTL netlist (`rtl.json`: yosys `proc; flatten; opt_clean`, no techmap). Its `$mul`,
  `$add`, `$lt`, `$mux`... cells carry `src` lines and widths. The RTL elements of a path are
  the coarse cells in the forward cone of the start bit and the backward cone of the end bit.

The STA netlist is `netlist.v` written with `write_verilog -noattr`, which renames every
private (`$`-named) wire and cell to `_N_`: wires first, then cells, in module order, numbered
from one past the highest existing `_N_` name. `sta_name_map` reproduces that and, given the
netlist.v text, checks it cell by cell (type) so a yosys that numbers differently is noticed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

_SRC = re.compile(
    r"^(?P<file>.+?):(?P<l1>\d+)(?:\.(?P<c1>\d+))?"
    r"(?:-(?P<l2>\d+)(?:\.(?P<c2>\d+))?)?$"
)
_NUMBERED = re.compile(r"^\\?_(\d+)_$")


def parse_src(src: str | None) -> list[tuple[str, int, int]]:
    """yosys `src` ("f.v:12.5-12.20|g.v:3.1-9.4") -> [(file, first line, last line)]."""
    out = []
    for part in (src or "").split("|"):
        m = _SRC.match(part.strip())
        if m:
            l1 = int(m.group("l1"))
            out.append((m.group("file"), l1, int(m.group("l2") or l1)))
    return out


def clean_name(name: str) -> str:
    """Netlist/STA spelling -> plain name: drop yosys' leading '\\' and verilog/STA escapes."""
    name = name[1:] if name.startswith("\\") else name
    return name.replace("\\", "").strip()


def split_bit(name: str) -> tuple[str, int | None]:
    """'acc[3]' -> ('acc', 3); 'clk' -> ('clk', None)."""
    m = re.match(r"^(.*)\[(\d+)\]$", name)
    return (m.group(1), int(m.group(2))) if m else (name, None)


def _is_top(mod: dict) -> bool:
    v = str(mod.get("attributes", {}).get("top", "0"))
    try:
        return int(v, 2 if set(v) <= {"0", "1"} else 10) != 0
    except ValueError:
        return False


def _top_module(data: dict, top: str | None) -> tuple[str, dict]:
    mods = data.get("modules") or {}
    if top and top in mods:
        return top, mods[top]
    for name, mod in mods.items():
        if _is_top(mod):
            return name, mod
    real = [(n, m) for n, m in mods.items() if m.get("cells") or m.get("netnames")]
    if len(real) == 1:
        return real[0]
    raise ValueError("netlist json has no top module" + (f" '{top}'" if top else ""))


def _is_flop_type(ctype: str) -> bool:
    t = ctype.lower()
    if t.startswith("$"):
        return any(h in t for h in ("dff", "dlatch", "$sr", "aldff"))
    return False


@dataclass
class Netlist:
    """One module of a yosys JSON netlist, indexed by bit."""

    name: str
    module: dict
    cells: dict[str, dict] = field(default_factory=dict)
    # bit -> [(netname, index, hidden)]
    names_of_bit: dict[int, list[tuple[str, int, bool]]] = field(default_factory=dict)
    driver: dict[int, tuple[str, str]] = field(default_factory=dict)  # bit -> (cell, port)
    loads: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict | str | Path, top: str | None = None) -> "Netlist":
        parsed = data if isinstance(data, dict) else json.loads(Path(data).read_text())
        name, mod = _top_module(parsed, top)
        nl = cls(name=name, module=mod, cells=dict(mod.get("cells") or {}))
        for net, info in (mod.get("netnames") or {}).items():
            hidden = bool(info.get("hide_name")) or net.startswith("$")
            for i, b in enumerate(info.get("bits") or []):
                if isinstance(b, int):
                    nl.names_of_bit.setdefault(b, []).append((net, i, hidden))
        for cname, cell in nl.cells.items():
            dirs = cell.get("port_directions") or {}
            for port, bits in (cell.get("connections") or {}).items():
                d = dirs.get(port) or _guess_dir(cell.get("type", ""), port)
                for b in bits:
                    if not isinstance(b, int):
                        continue
                    if d == "output":
                        nl.driver[b] = (cname, port)
                    else:
                        nl.loads.setdefault(b, []).append((cname, port))
        for pname, port in (mod.get("ports") or {}).items():
            for b in port.get("bits") or []:
                if isinstance(b, int) and port.get("direction") == "output":
                    nl.loads.setdefault(b, []).append(("<port>", pname))
        return nl

    def public_name(self, bit: int) -> str | None:
        """'acc[3]' (or 'clk') for a bit with a public net name, else None."""
        for net, i, hidden in self.names_of_bit.get(bit, []):
            if not hidden:
                width = len(self.module["netnames"][net]["bits"])
                if width == 1:
                    return clean_name(net)
                return f"{clean_name(net)}[{i + self._offset(net)}]"
        return None

    def _offset(self, net: str) -> int:
        return int(self.module["netnames"][net].get("offset", 0) or 0)

    def bit_of(self, signal: str) -> int | None:
        """Bit id of 'acc[3]' / 'acc' / 'foo.bar[2]' (escaped or not)."""
        base, idx = split_bit(clean_name(signal))
        for net, info in (self.module.get("netnames") or {}).items():
            if clean_name(net) != base:
                continue
            bits = info.get("bits") or []
            k = (idx - int(info.get("offset", 0) or 0)) if idx is not None else 0
            if 0 <= k < len(bits) and isinstance(bits[k], int):
                return bits[k]
        return None

    def outputs(self, cell: str) -> list[int]:
        c = self.cells[cell]
        dirs = c.get("port_directions") or {}
        return [
            b
            for p, bits in c.get("connections", {}).items()
            if (dirs.get(p) or _guess_dir(c.get("type", ""), p)) == "output"
            for b in bits
            if isinstance(b, int)
        ]

    def fanout(self, bit: int) -> int:
        return len(self.loads.get(bit, []))


_OUT_PORTS = {"Y", "Q", "QN", "Z", "ZN", "X", "CO", "S", "YC", "YS", "CON", "SN", "Q_N"}


def _guess_dir(ctype: str, port: str) -> str:
    return "output" if port in _OUT_PORTS else "input"


def sta_name_map(nl: Netlist, netlist_v: str | None = None) -> dict[str, str]:
    """Instance name as STA prints it (from netlist.v) -> cell name in the JSON netlist.

    Public names map to themselves (unescaped). Private `$...` cells get write_verilog's
    `_N_` numbering. With the netlist.v text the guess is verified by cell type and dropped
    (public names only) when it does not hold.
    """
    mod = nl.module
    offset = 0
    for name in list(mod.get("netnames") or {}) + list(nl.cells):
        m = _NUMBERED.match(name)
        if m and not name.startswith("$"):
            offset = max(offset, int(m.group(1)) + 1)
    n_priv_wires = sum(1 for n in (mod.get("netnames") or {}) if n.startswith("$"))
    priv_cells = [c for c in nl.cells if c.startswith("$")]
    total = n_priv_wires + len(priv_cells)
    digits = 1
    i = 10
    while i < offset + total:
        digits += 1
        i *= 10
    mapping = {clean_name(c): c for c in nl.cells if not c.startswith("$")}
    guessed = {f"_{offset + n_priv_wires + k:0{digits}d}_": c for k, c in enumerate(priv_cells)}
    if netlist_v is not None:
        insts = {
            clean_name(n): t
            for t, n in re.findall(
                r"^\s*(\\?[\w$]+)\s+(\\\S+|[\w$]+)\s*\(", netlist_v, re.MULTILINE
            )
        }
        bad = sum(
            1
            for v_name, c in guessed.items()
            if insts.get(v_name) not in (None, nl.cells[c].get("type"))
        )
        missing = sum(1 for v_name in guessed if v_name not in insts)
        if guessed and (bad or missing > len(guessed) // 10):
            return mapping
    mapping.update(guessed)
    return mapping


def instance_of(pin: str) -> tuple[str, str | None]:
    """'u1/_65_/Y' -> ('u1/_65_', 'Y'); a top port 'a[3]' -> ('a[3]', None)."""
    if "/" in pin:
        inst, port = pin.rsplit("/", 1)
        return inst, port
    return pin, None


# ------------------------------------------------------------------------------ coarse RTL graph
_BITWISE = {
    "$and",
    "$or",
    "$xor",
    "$xnor",
    "$not",
    "$pos",
    "$mux",
    "$bwmux",
    "$buf",
    "$_AND_",
    "$_OR_",
    "$_XOR_",
    "$_XNOR_",
    "$_NOT_",
    "$_MUX_",
    "$_BUF_",
    "$_NAND_",
    "$_NOR_",
}
_PREFIX = {"$add", "$sub", "$neg", "$mul", "$alu", "$macc"}
ARITH = {
    "$add",
    "$sub",
    "$neg",
    "$mul",
    "$alu",
    "$macc",
    "$div",
    "$mod",
    "$divfloor",
    "$modfloor",
    "$pow",
}
COMPARE = {"$lt", "$le", "$gt", "$ge", "$eq", "$ne", "$eqx", "$nex"}
SHIFT = {"$shl", "$shr", "$sshl", "$sshr", "$shift", "$shiftx"}
MUX = {"$mux", "$pmux", "$bmux", "$bwmux", "$demux", "$_MUX_"}
OP_TEXT = {
    "$mul": "*",
    "$add": "+",
    "$sub": "-",
    "$neg": "-",
    "$div": "/",
    "$mod": "%",
    "$lt": "<",
    "$le": "<=",
    "$gt": ">",
    "$ge": ">=",
    "$eq": "==",
    "$ne": "!=",
    "$shl": "<<",
    "$shr": ">>",
    "$sshr": ">>>",
    "$mux": "?:",
    "$pmux": "case",
}


class RtlGraph:
    """Bit-level data-dependency graph of the coarse (pre-techmap) RTL netlist."""

    def __init__(self, nl: Netlist):
        self.nl = nl
        g = nx.DiGraph()
        self.flops: dict[int, tuple[str, int]] = {}  # Q bit -> (flop cell, index)
        self.flop_d: dict[int, int] = {}  # D bit -> Q bit
        for cname, cell in nl.cells.items():
            ctype = cell.get("type", "")
            conns = cell.get("connections") or {}
            dirs = cell.get("port_directions") or {}
            if _is_flop_type(ctype):
                dbits = conns.get("D", [])
                for k, b in enumerate(conns.get("Q", [])):
                    if isinstance(b, int):
                        self.flops[b] = (cname, k)
                        if k < len(dbits) and isinstance(dbits[k], int):
                            self.flop_d[dbits[k]] = b
                continue
            outs = {
                p: bits
                for p, bits in conns.items()
                if (dirs.get(p) or ("output" if p in ("Y", "X", "CO") else "input")) == "output"
            }
            ins = {p: bits for p, bits in conns.items() if p not in outs}
            for oport, obits in outs.items():
                for i, ob in enumerate(obits):
                    if not isinstance(ob, int):
                        continue
                    node = ("c", cname, oport, i)
                    g.add_edge(node, ob)
                    for iport, ibits in ins.items():
                        for j, ib in enumerate(ibits):
                            if isinstance(ib, int) and _depends(ctype, iport, j, i, len(obits)):
                                g.add_edge(ib, node)
        self.g = g

    def flop_inputs(self, q_bit: int) -> list[int]:
        """Data/enable/sync-reset bits of the flop bit whose Q is q_bit (the timing endpoint)."""
        cname, k = self.flops[q_bit]
        conns = self.nl.cells[cname].get("connections") or {}
        bits = []
        for port, pb in conns.items():
            if port in ("D", "AD") and k < len(pb):
                bits.append(pb[k])
            elif port in ("EN", "SRST", "CE"):
                bits.extend(pb)
        return [b for b in bits if isinstance(b, int)]

    def path_cells(self, start_bit: int, end_bits: list[int]) -> list[str]:
        """Coarse cells on some combinational path start -> end, in data-flow order."""
        if start_bit not in self.g:
            return []
        fwd = nx.descendants(self.g, start_bit) | {start_bit}
        back: set = set()
        for b in end_bits:
            if b in self.g:
                back |= nx.ancestors(self.g, b) | {b}
        nodes = fwd & back
        sub = self.g.subgraph(nodes)
        order = []
        seen = set()
        for n in nx.topological_sort(sub) if nx.is_directed_acyclic_graph(sub) else sub.nodes:
            if isinstance(n, tuple) and n[1] not in seen:
                seen.add(n[1])
                order.append(n[1])
        return order

    def cell_signal(self, cname: str) -> str | None:
        """Public RTL name of what the cell drives (itself, else the nearest named net after)."""
        cell = self.nl.cells[cname]
        outs = [
            b
            for p, bits in (cell.get("connections") or {}).items()
            if p in ("Y", "X", "CO")
            for b in bits
            if isinstance(b, int)
        ]
        names = []
        for b in outs:
            for net, _i, hidden in self.nl.names_of_bit.get(b, []):
                if not hidden and clean_name(net) not in names:
                    names.append(clean_name(net))
        if names:
            return names[0]
        # walk forward (breadth first, bounded) to the first named net
        frontier, seen = list(outs), set(outs)
        for _ in range(6):
            nxt = []
            for b in frontier:
                if b in self.flop_d:  # feeds a register: name the register
                    for net, _i, hidden in self.nl.names_of_bit.get(self.flop_d[b], []):
                        if not hidden:
                            return clean_name(net)
                    continue
                for net, _i, hidden in self.nl.names_of_bit.get(b, []):
                    if not hidden:
                        return clean_name(net)
                for node in self.g.successors(b) if b in self.g else []:
                    for ob in self.g.successors(node):
                        if ob not in seen:
                            seen.add(ob)
                            nxt.append(ob)
            frontier = nxt
        return None


def _depends(ctype: str, iport: str, j: int, i: int, width: int) -> bool:
    """Does output bit i of a cell depend on input bit j of port iport?"""
    if iport in ("S",) and ctype in ("$mux", "$pmux", "$_MUX_", "$bwmux"):
        return ctype != "$bwmux" or j == i
    if ctype in _BITWISE:
        return j == i
    if ctype == "$pmux" and iport == "B":
        return j % width == i
    if ctype == "$pmux" and iport == "A":
        return j == i
    if ctype in _PREFIX:
        return j <= i
    return True


def rel_file(path: str, roots: list[Path]) -> str:
    """A src file path (sandbox-absolute) -> relative to the design folder when it is there."""
    p = Path(path)
    for root in roots:
        try:
            return p.relative_to(root).as_posix()
        except ValueError:
            pass
    # docker mounts the workspace elsewhere: match the longest existing suffix
    parts = p.parts
    for root in roots:
        for k in range(1, len(parts)):
            cand = Path(*parts[k:])
            if (root / cand).is_file():
                return cand.as_posix()
    return path


def rtl_entry(nl: Netlist, cname: str, signal: str | None, roots: list[Path]) -> dict | None:
    cell = nl.cells[cname]
    srcs = parse_src(cell.get("attributes", {}).get("src"))
    if not srcs:
        return None
    f, l1, l2 = srcs[0]
    ctype = cell.get("type", "")
    params = cell.get("parameters") or {}
    width = max(
        (_int(params.get(k)) for k in ("A_WIDTH", "B_WIDTH", "Y_WIDTH", "WIDTH")), default=0
    )
    return {
        "file": rel_file(f, roots),
        "line": l1,
        "end_line": l2,
        "signal": signal or ctype,
        "op": ctype,
        "width": width,
    }


def _int(v) -> int:
    if v is None:
        return 0
    s = str(v)
    try:
        return int(s, 2) if set(s) <= {"0", "1"} and len(s) > 8 else int(s)
    except ValueError:
        return 0


@dataclass
class PathMapper:
    """Maps STA paths (pins of netlist.v instances) onto the coarse RTL graph."""

    mapped: Netlist | None
    rtl: RtlGraph | None
    name_map: dict[str, str]
    roots: list[Path]

    @classmethod
    def load(
        cls,
        netlist_json: Path | None,
        rtl_json: Path | None = None,
        netlist_v: Path | None = None,
        top: str | None = None,
        roots: list[Path] | None = None,
    ) -> "PathMapper":
        mapped = Netlist.from_json(netlist_json, top) if netlist_json else None
        rtl = RtlGraph(Netlist.from_json(rtl_json, top)) if rtl_json else None
        vtext = netlist_v.read_text(errors="replace") if netlist_v and netlist_v.exists() else None
        name_map = sta_name_map(mapped, vtext) if mapped else {}
        return cls(mapped, rtl, name_map, [r.resolve() for r in roots or []])

    def point_signal(self, point: str, is_start: bool) -> tuple[str | None, dict | None]:
        """Start/end point (instance or port name) -> (RTL signal like 'acc[3]', flop src)."""
        name = clean_name(point.split(" (")[0])
        if self.mapped is None:
            return None, None
        cell = self.name_map.get(name)
        if cell is None:  # a port
            base = split_bit(name)[0]
            info = next(
                (
                    v
                    for k, v in (self.mapped.module.get("netnames") or {}).items()
                    if clean_name(k) == base
                ),
                None,
            )
            if info is None:
                return None, None
            src = parse_src(info.get("attributes", {}).get("src"))
            return name, (
                {"file": rel_file(src[0][0], self.roots), "line": src[0][1]} if src else None
            )
        outs = self.mapped.outputs(cell)
        sig = next((s for s in (self.mapped.public_name(b) for b in outs) if s), None)
        src = parse_src(self.mapped.cells[cell].get("attributes", {}).get("src"))
        loc = {"file": rel_file(src[0][0], self.roots), "line": src[0][1]} if src else None
        return sig, loc

    def stage_fanout(self, pin: str) -> int | None:
        """Loads on the net an output pin drives, from the mapped netlist's connectivity."""
        if self.mapped is None:
            return None
        inst, port = instance_of(clean_name(pin))
        cell = self.name_map.get(inst)
        if cell is None or port is None:
            return None
        dirs = self.mapped.cells[cell].get("port_directions") or {}
        direction = dirs.get(port) or _guess_dir(self.mapped.cells[cell].get("type", ""), port)
        if direction != "output":
            return None
        bits = self.mapped.cells[cell].get("connections", {}).get(port) or []
        return self.mapped.fanout(bits[0]) if bits and isinstance(bits[0], int) else None

    def map_path(self, startpoint: str, endpoint: str) -> dict:
        """{'start': sig, 'end': sig, 'rtl': [{file, line, signal, op, width}...]}."""
        start_sig, start_loc = self.point_signal(startpoint, True)
        end_sig, end_loc = self.point_signal(endpoint, False)
        rtl: list[dict] = []
        if start_sig and start_loc:
            rtl.append({**start_loc, "signal": start_sig, "op": "start", "width": 1})
        elif start_sig:
            rtl.append({"file": None, "line": None, "signal": start_sig, "op": "start", "width": 1})
        if self.rtl is not None and start_sig and end_sig:
            sb = self.rtl.nl.bit_of(start_sig)
            eb = self.rtl.nl.bit_of(end_sig)
            if sb is not None and eb is not None:
                ends = self.rtl.flop_inputs(eb) if eb in self.rtl.flops else [eb]
                for cname in self.rtl.path_cells(sb, ends):
                    e = rtl_entry(self.rtl.nl, cname, self.rtl.cell_signal(cname), self.roots)
                    if e:
                        rtl.append(e)
        if end_sig and end_loc:
            rtl.append({**end_loc, "signal": end_sig, "op": "end", "width": 1})
        elif end_sig:
            rtl.append({"file": None, "line": None, "signal": end_sig, "op": "end", "width": 1})
        return {"start_signal": start_sig, "end_signal": end_sig, "rtl": rtl}
