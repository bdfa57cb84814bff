"""Debug evidence from a failing simulation: which output failed, when, and which RTL lines
most likely caused it. Pure code: the waveform (tools/vcd_values), the elaborated RTL graph
(tools/rtl_graph: yosys `proc; flatten` JSON with `src` attributes) and the testbench's
output come in; `Evidence` comes out.

How the lines are ranked (spectrum-based fault localisation over a dynamic slice):

1. *Failing times*: every time a testbench error counter (a variable named like `errors`,
   `mismatches`, `fail_count`) goes up, or a `mismatch` flag rises. The first is the failing
   time; the testbench's failure lines name the failing output(s) when they mention a DUT
   output by name (else every output is a suspect).
2. *Samples*: the state just before each change of a DUT input (each stimulus step), plus
   the failing times. A sample is failing when a check failed there, else passing.
3. *Dynamic slice* of the failing outputs at each sample: walk the graph backwards from the
   output bits; a mux follows only the input its select chose at that time (select values
   come from the VCD, or are computed from the cells that drive them); a flip-flop is crossed
   to its D input as it was just before the clock edge that loaded it (up to three register
   stages). Every cell met puts its `src` line in the slice. Lines that leave no cell of
   their own are found by name: a chosen mux input that is a signal, a constant or a
   concatenation of signals (`y = s;`, `q <= 0;`, `q <= {q[6:0], d};`) credits the
   assignment line in the mux's source range whose right-hand side reads exactly those
   signals; a wire shared by two names (`assign c = carry[9];`) or a flip-flop loaded
   straight from another signal (`x2 <= x1;`) credits the line that joins them.
   Lines a bug hides from that walk are credited by structure, ranked after equally
   suspicious lines: a flip-flop with an async reset that holds its reset value (reset on,
   no load since, or its dumped value unchanged since) credits its reset branch (the `if`
   on the reset and the constant assignments; yosys keeps the value as a parameter); a
   `case` compare credits its own item's label line (yosys gives every compare the whole
   statement's range; labels are matched by value, x bits masked, parameter names looked
   up) and a taken arm only that item's lines, while a case that fell to its default
   credits the `case` line; an unrolled `for` on the path credits its header, its
   cell-less body lines and its accumulator's start value (`count = 0;`). A bit with two
   drivers (two tri-state assigns on an inout bus) is followed through both.
4. *Ochiai* score per line: nf / sqrt(F * (nf + np)), where nf/np count the failing/passing
   samples whose slice holds the line and F the failing samples: a line on every failing
   path and few passing ones ranks first. For a design with state only the clean run up to
   the first failure and the first few failures count (later ones mostly carry the same
   corrupted state). Order: lines on the first failure's path of the outputs the testbench
   named, then on its path of any output, then by score, more failing samples, and farther
   from the output (of two equally suspicious lines, the cause is upstream of the one that
   carries its value).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from siliconcrew.tools.vcd_values import Var, Waveform

MAX_REG_STAGES = 3
MAX_SAMPLES = 600
FIRST_FAILS = 8  # failing samples kept for a design with state
HISTORY = 4  # samples shown before the first failure
# distance given to lines credited for structure rather than for a cell on the path (a
# reset branch, a matched case label, a loop header): of equally suspicious lines, last
WEAK = -1
_COUNTER = re.compile(r"(?i)(err|fail|mismatch|wrong|bad)")
_NOT_COUNTER = re.compile(r"(?i)(time|max|limit|expect|exp_)")
_MATCH_FLAG = re.compile(r"(?i)^(tb_)?match$")
_FAIL_LINE = re.compile(
    r"(?i)(\berror\b|\bfail(ed|ure)?\b|mismatch|expected|\bgot\b|assert)", re.IGNORECASE
)
_SEQ = (
    "$dff",
    "$dffe",
    "$adff",
    "$adffe",
    "$sdff",
    "$sdffe",
    "$sdffce",
    "$aldff",
    "$aldffe",
    "$dffsr",
    "$dffsre",
)
_LATCH = ("$dlatch", "$adlatch", "$dlatchsr")
_SRC = re.compile(r"^(.*):(\d+)\.(\d+)-(\d+)\.(\d+)$")
# one assignment statement: (target, operator, right-hand side)
_STMT = re.compile(r"([A-Za-z_{][\w\[\]:{}, .+\-]*?)\s*(?<![<>=!])(<=|=)(?!=)\s*([^;]+);")
_IDENT = re.compile(r"[A-Za-z_]\w*")


@dataclass
class Suspect:
    file: str
    line: int
    score: float
    failing: int  # failing samples whose slice holds the line
    passing: int
    text: str = ""

    def label(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Evidence:
    outputs: list[str] = field(default_factory=list)  # failing DUT outputs
    first_fail: str | None = None  # formatted time
    first_fail_t: int | None = None
    failing_samples: int = 0
    samples: int = 0
    fail_lines: list[str] = field(default_factory=list)  # the testbench's own words
    expected: dict[str, str] = field(default_factory=dict)  # output → value (tb reference)
    actual: dict[str, str] = field(default_factory=dict)  # output → value at the failure
    history: list[dict[str, Any]] = field(default_factory=list)  # cone values before it
    suspects: list[Suspect] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dut_scope: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self, limit: int = 5) -> str:
        """What the RTL agent reads."""
        out = []
        outs = ", ".join(self.outputs) or "(not named by the testbench)"
        when = f" first at {self.first_fail}" if self.first_fail else ""
        out.append(f"Failing output(s): {outs};{when} ({self.failing_samples} failing checks)")
        for o in self.outputs:
            if o in self.actual:
                exp = f" expected {self.expected[o]}" if o in self.expected else ""
                out.append(f"  {o} = {self.actual[o]} at the failure{exp}")
        if self.fail_lines:
            out.append("Testbench says: " + " | ".join(self.fail_lines[:3]))
        if self.history:
            out.append("Driver cone values over the samples before the failure:")
            for row in self.history:
                vals = " ".join(f"{k}={v}" for k, v in row["values"].items())
                out.append(f"  {row['time']}{' FAIL' if row['failing'] else ''}: {vals}")
        if self.suspects:
            out.append("Most suspicious RTL lines (drive the failing output; ranked by Ochiai):")
            for s in self.suspects[:limit]:
                out.append(
                    f"  {s.label()} score {s.score:.2f} (on {s.failing} failing / "
                    f"{s.passing} passing paths): {s.text.strip()[:120]}"
                )
        out += [f"Note: {n}" for n in self.notes]
        return "\n".join(out)


# -- the graph ------------------------------------------------------------------------------


def _lines_of(src: str | None) -> list[tuple[str, int, int]]:
    """(file, first line, last line) of each `file:l.c-l.c` segment with a real line."""
    out = []
    for seg in (src or "").split("|"):
        m = _SRC.match(seg)
        if m and int(m.group(2)) > 0:
            out.append((m.group(1), int(m.group(2)), int(m.group(4))))
    return out


def _param(cell: dict, name: str, default: int = 0) -> int:
    v = cell.get("parameters", {}).get(name, default)
    try:
        return int(v, 2) if isinstance(v, str) else int(v)
    except ValueError:
        return default


class Graph:
    """The flattened top of a yosys JSON: drivers of each bit, signal names of each bit."""

    def __init__(self, data: dict[str, Any], top: str) -> None:
        mods: dict[str, Any] = data.get("modules", {})
        mod: dict[str, Any] = mods.get(top) or next(
            (m for m in mods.values() if m.get("attributes", {}).get("top")), {}
        )
        self.ports: dict[str, tuple[str, list]] = {
            n: (p["direction"], p["bits"]) for n, p in mod.get("ports", {}).items()
        }
        self.cells: dict[str, dict] = mod.get("cells", {})
        self.driver: dict[int, str] = {}
        self.more_drivers: dict[int, list[str]] = {}
        self.y_index: dict[int, int] = {}  # bit → its index in its driver's Y
        for name, cell in self.cells.items():
            dirs = cell.get("port_directions", {})
            for port, bits in cell.get("connections", {}).items():
                if dirs.get(port) == "output":
                    for i, b in enumerate(bits):
                        if isinstance(b, int):
                            if b in self.driver:  # two drivers: a tri-state bus
                                self.more_drivers.setdefault(b, []).append(name)
                                continue
                            self.driver[b] = name
                            if port == "Y":
                                self.y_index[b] = i
        self.names: dict[str, list] = {}
        for n, net in mod.get("netnames", {}).items():
            if not net.get("hide_name"):
                self.names[n] = net["bits"]
        self.bit_names: dict[int, set[str]] = {}
        for n, bits in self.names.items():
            for b in bits:
                if isinstance(b, int):
                    self.bit_names.setdefault(b, set()).add(n.rsplit(".", 1)[-1])
        self.bit_name: dict[int, tuple[str, int]] = {}
        for n, bits in sorted(self.names.items(), key=lambda kv: (n_depth(kv[0]), kv[0])):
            for i, b in enumerate(bits):
                if isinstance(b, int):
                    self.bit_name.setdefault(b, (n, i))

    def outputs(self) -> list[str]:
        """Ports the design drives: outputs and inouts (a tri-state bus is its only output)."""
        return [n for n, (d, _) in self.ports.items() if d in ("output", "inout")]

    def inputs(self) -> list[str]:
        return [n for n, (d, _) in self.ports.items() if d == "input"]


def n_depth(name: str) -> int:
    return name.count(".")


# -- values ---------------------------------------------------------------------------------


class Values:
    """Bit values at a time (just before it): from the VCD where the bit is a dumped signal,
    else computed from the cell that drives it (for mux selects that are internal nets)."""

    def __init__(self, g: Graph, wf: Waveform, vars_: dict[str, Var]) -> None:
        self.g, self.wf, self.vars = g, wf, vars_
        self.memo: dict[tuple[str, int], list[str] | None] = {}

    def bit(self, b: Any, t: int, depth: int = 0) -> str:
        if isinstance(b, str):
            return b
        named = self.g.bit_name.get(b)
        if named is not None:
            v = self.vars.get(named[0])
            if v is not None:
                val = self.wf.before(v.code, t)
                if val is None:
                    return "x"
                i = named[1]
                return val[len(val) - 1 - i] if i < len(val) else "x"
        cell = self.g.driver.get(b)
        if cell is None or depth > 40:
            return "x"
        y = self.eval_cell(cell, t, depth + 1)
        if y is None:
            return "x"
        k = self.g.y_index.get(b)
        return y[k] if k is not None and k < len(y) else "x"

    def word(self, bits: list, t: int, depth: int = 0) -> int | None:
        v = 0
        for i, b in enumerate(bits):
            c = self.bit(b, t, depth)
            if c not in "01":
                return None
            v |= (c == "1") << i
        return v

    def eval_cell(self, name: str, t: int, depth: int = 0) -> list[str] | None:
        key = (name, t)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = None  # cycles evaluate to unknown
        cell = self.g.cells[name]
        res = _eval(cell, lambda bits: self.word(bits, t, depth), lambda b: self.bit(b, t, depth))
        self.memo[key] = res
        return res


def _signed(v: int, w: int) -> int:
    return v - (1 << w) if w and v >> (w - 1) & 1 else v


def _eval(cell: dict, word, bit) -> list[str] | None:
    """Y of a word-level cell as bits LSB first, or None when it cannot be computed."""
    typ = cell["type"]
    conn = cell.get("connections", {})
    yw = len(conn.get("Y", []))
    if yw == 0:
        return None
    if typ == "$mux":
        s = bit(conn["S"][0])
        src = conn["B"] if s == "1" else conn["A"] if s == "0" else None
        return None if src is None else [bit(b) for b in src]
    if typ == "$pmux":
        sel = [bit(b) for b in conn["S"]]
        if any(c not in "01" for c in sel):
            return None
        width = len(conn["A"])
        if "1" not in sel:
            return [bit(b) for b in conn["A"]]
        k = sel.index("1")
        return [bit(b) for b in conn["B"][k * width : (k + 1) * width]]
    a = word(conn["A"]) if "A" in conn else 0
    b = word(conn["B"]) if "B" in conn else 0
    if a is None or b is None:
        return None
    aw, bw = len(conn.get("A", [])), len(conn.get("B", []))
    sa = bool(_param(cell, "A_SIGNED")) and bool(_param(cell, "B_SIGNED") or "B" not in conn)
    if sa:
        a, b = _signed(a, aw), _signed(b, bw)
    ops = {
        "$not": lambda: ~a,
        "$pos": lambda: a,
        "$neg": lambda: -a,
        "$and": lambda: a & b,
        "$or": lambda: a | b,
        "$xor": lambda: a ^ b,
        "$xnor": lambda: ~(a ^ b),
        "$reduce_and": lambda: int(a == (1 << aw) - 1 if not sa else a == -1),
        "$reduce_or": lambda: int(a != 0),
        "$reduce_bool": lambda: int(a != 0),
        "$reduce_xor": lambda: bin(a & ((1 << aw) - 1)).count("1") & 1,
        "$reduce_xnor": lambda: 1 - (bin(a & ((1 << aw) - 1)).count("1") & 1),
        "$logic_not": lambda: int(a == 0),
        "$logic_and": lambda: int(a != 0 and b != 0),
        "$logic_or": lambda: int(a != 0 or b != 0),
        "$eq": lambda: int(a == b),
        "$ne": lambda: int(a != b),
        "$eqx": lambda: int(a == b),
        "$nex": lambda: int(a != b),
        "$lt": lambda: int(a < b),
        "$le": lambda: int(a <= b),
        "$gt": lambda: int(a > b),
        "$ge": lambda: int(a >= b),
        "$add": lambda: a + b,
        "$sub": lambda: a - b,
        "$mul": lambda: a * b,
        "$shl": lambda: a << b if b < 256 else 0,
        "$sshl": lambda: a << b if b < 256 else 0,
        "$shr": lambda: (a & ((1 << aw) - 1)) >> b if b < 256 else 0,
        "$sshr": lambda: a >> b if b < 256 else (-1 if a < 0 else 0),
    }
    fn = ops.get(typ)
    if fn is None:
        return None
    v = fn() & ((1 << yw) - 1)
    return ["1" if v >> i & 1 else "0" for i in range(yw)]


# -- source text ----------------------------------------------------------------------------

_LIT = re.compile(r"^(?:(\d+)?\s*'\s*[sS]?([bBoOdDhH])\s*([0-9a-fA-F_xXzZ?]+)|(\d[\d_]*))$")


def literal_value(text: str) -> int | None:
    m = _LIT.match(text.strip())
    if not m:
        return None
    if m.group(4):
        return int(m.group(4).replace("_", ""))
    base = {"b": 2, "o": 8, "d": 10, "h": 16}[m.group(2).lower()]
    try:
        return int(m.group(3).replace("_", ""), base)
    except ValueError:
        return None


_PARAM = re.compile(r"\b([A-Za-z_]\w*)\s*=\s*([0-9][\w']*|'[sS]?[bBoOdDhH][0-9a-fA-F_]+)")
_ITEM = re.compile(r"^\s*((?:[\w']+\s*,\s*)*[\w']+)\s*(:(?!=)|,\s*$)")


def label_pattern(text: str, params: dict[str, int]) -> tuple[int, int] | None:
    """(value, mask of the known bits) of a case-item label: `4'd3`, `11'bx_011_0010011`
    (x, z and ? bits unknown), a parameter name; None when it is not one of those."""
    text = text.strip()
    if text in params:
        return params[text], -1
    m = _LIT.match(text)
    if not m:
        return None
    if m.group(4):
        return int(m.group(4).replace("_", "")), -1
    digits = m.group(3).replace("_", "")
    base = m.group(2).lower()
    if base == "d":
        return (int(digits), -1) if digits.isdigit() else None
    step = {"b": 1, "o": 3, "h": 4}[base]
    value = mask = 0
    for ch in digits:
        value, mask = value << step, mask << step
        if ch.lower() not in "xz?":
            value |= int(ch, 16)
            mask |= (1 << step) - 1
    return value, mask


def _rhs(line: str) -> str | None:
    """The right-hand side of a one-line assignment (`x <= e;`, `x = e;`, `assign x = e;`)."""
    code = line.split("//")[0]
    m = re.search(r"(?<![=!<>])(<=|=)(?!=)(.*?);", code)
    return m.group(2).strip() if m else None


# -- localisation ---------------------------------------------------------------------------


class Localiser:
    def __init__(
        self,
        graph: dict[str, Any],
        wf: Waveform,
        top: str,
        sources: dict[str, str],
    ) -> None:
        self.g = Graph(graph, top)
        self.wf = wf
        self.sources = {f: text.splitlines() for f, text in sources.items()}
        self.scope = self._dut_scope()
        self.vars = wf.in_scope(self.scope) if self.scope is not None else {}
        self.values = Values(self.g, wf, self.vars)
        self._file_map: dict[str, str | None] = {}
        self.leaf_names = {n.rsplit(".", 1)[-1] for n in self.g.names}
        self.with_cells: set[tuple[str, int]] = set()
        self.pairs = self._wiring_pairs()
        self.loops = self._loops()
        self.params = self._parameters()
        self._items: dict[tuple[str, int, int], list[tuple[int, int, list]]] = {}
        self._item_cache: dict[str, list[tuple[str, int, int]]] = {}

    def _sequential(self, out_bits: list) -> bool:
        """Is a flip-flop or latch in the outputs' static fan-in?"""
        seen: set[str] = set()
        stack = [b for b in out_bits if isinstance(b, int)]
        while stack:
            c = self.g.driver.get(stack.pop())
            if c is None or c in seen:
                continue
            seen.add(c)
            cell = self.g.cells[c]
            if cell["type"] in _SEQ or cell["type"] in _LATCH or cell["type"].startswith("$mem"):
                return True
            for port, bits in cell.get("connections", {}).items():
                if cell.get("port_directions", {}).get(port) == "input":
                    stack.extend(b for b in bits if isinstance(b, int))
        return False

    def _wiring_pairs(self) -> dict[tuple[str, str], list[tuple[str, int]]]:
        """(assigned, read) signal → the lines that assign one from the other with no cell
        of their own (`assign c = carry[9];`, `x2 <= x1;`, `q <= {q[6:0], d};`): after
        `proc` they are bare wires, seen only where the two names share a bit (or a
        flip-flop's D is the other's bits)."""
        with_cells = self.with_cells = set()
        for cell in self.g.cells.values():
            if cell["type"] in _SEQ or cell["type"] in _LATCH:
                continue
            for f, a, _ in _lines_of(cell.get("attributes", {}).get("src")):
                known = self.src_file(f)
                if known is not None:
                    with_cells.add((known, a))
        stmt, ident = _STMT, _IDENT
        out: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for f, lines in self.sources.items():
            for i, text in enumerate(lines, 1):
                if (f, i) in with_cells:
                    continue
                code = text.split("//")[0]
                for m in stmt.finditer(code):
                    lhs = set(ident.findall(m.group(1))) & self.leaf_names
                    rhs = set(ident.findall(m.group(3))) & self.leaf_names
                    for a in lhs:
                        for b in rhs:
                            if a != b:
                                out.setdefault((a, b), []).append((f, i))
        return out

    def _credit_pairs(
        self, lhs: set[str], rhs: set[str], lines: dict[tuple[str, int], int], dist: int
    ) -> None:
        for a in lhs:
            for b in rhs:
                for ln in self.pairs.get((a, b), ()):
                    lines[ln] = min(lines.get(ln, dist), dist)

    # which scope of the VCD is the design --------------------------------------------------
    def _dut_scope(self) -> tuple[str, ...] | None:
        names = set(self.g.names)
        ports = set(self.g.ports)
        best, best_key = None, (0, 0, 0, 0, 0)
        for scope in self.wf.scopes():
            here = self.wf.in_scope(scope)
            if not ports <= set(here):
                continue
            overlap = len(names & set(here))
            leaf = scope[-1].lower()
            key = (
                overlap,
                int("ref" not in leaf and "good" not in leaf),  # VerilogEval's RefModule
                int(any(w in leaf for w in ("dut", "uut", "top", "inst"))),
                len(scope),  # the instance, not the testbench with same-named wires
                -len(here),
            )
            if key > best_key:
                best, best_key = scope, key
        return best

    def src_file(self, f: str) -> str | None:
        if f not in self._file_map:
            hit = None
            for known in self.sources:
                if f == known or f.endswith("/" + known) or known.endswith("/" + f):
                    hit = known
                    break
            self._file_map[f] = hit
        return self._file_map[f]

    def _parameters(self) -> dict[str, int]:
        """Literal values of the sources' `parameter`/`localparam` names (state encodings
        used as case labels)."""
        out: dict[str, int] = {}
        text = "\n".join(ln.split("//")[0] for lines in self.sources.values() for ln in lines)
        for decl in re.finditer(r"\b(?:localparam|parameter)\b([^;)]*)", text):
            for name, lit in _PARAM.findall(decl.group(1)):
                v = literal_value(lit)
                if v is not None:
                    out.setdefault(name, v)
        return out

    def case_items(self, f: str, a: int, z: int) -> list[tuple[int, int, list]]:
        """Items of the `case` spanning lines a..z of f: (first line, last line, label
        patterns). yosys gives every compare and mux of a case the whole statement's range;
        the labels tell which item a compare tests."""
        key = (f, a, z)
        if key in self._items:
            return self._items[key]
        items: list[tuple[int, int, list]] = []
        pending: list = []  # labels of an item whose `:` is on a later line
        start = 0
        for n in range(a + 1, z + 1):
            m = _ITEM.match(self.line_text(f, n).split("//")[0])
            if not m:
                continue
            text, colon = m.group(1).strip(), m.group(2) == ":"
            if text == "default":
                if not colon:
                    continue
                labels = []
            else:
                labels = [label_pattern(x, self.params) for x in text.split(",")]
                if any(p is None for p in labels):
                    continue
            if not pending:
                if items:  # the previous item ends where this one starts
                    items[-1] = (items[-1][0], n - 1, items[-1][2])
                start = n
            pending += labels
            if colon:
                items.append((start, z, pending))
                pending = []
        self._items[key] = items
        return items

    def _item_of(self, name: str) -> list[tuple[str, int, int]]:
        """The case item(s) a compare cell of a `case` tests: (file, first, last line)."""
        if name not in self._item_cache:
            self._item_cache[name] = self._find_item(self.g.cells[name])
        return self._item_cache[name]

    def _find_item(self, cell: dict) -> list[tuple[str, int, int]]:
        conn = cell.get("connections", {})
        if cell["type"] not in ("$eq", "$eqx") or not all(isinstance(b, str) for b in conn["B"]):
            return []
        bits = conn["B"]
        if any(b not in "01" for b in bits):
            return []
        out = []
        for f, a, z in _lines_of(cell.get("attributes", {}).get("src")):
            known = self.src_file(f)
            if known is None or z <= a or z - a > 400:
                continue
            for first, last, labels in self.case_items(known, a, z):
                for value, mask in labels:
                    if mask == -1:
                        hit = sum((b == "1") << i for i, b in enumerate(bits)) == value
                    else:
                        known_bits = [value >> i & 1 for i in range(64) if mask >> i & 1]
                        hit = [int(b) for b in bits] == known_bits[: len(bits)] and len(
                            known_bits
                        ) == len(bits)
                    if hit:
                        out.append((known, first, last))
                        break
        return out

    def _items_of_select(self, bit: Any) -> list[tuple[str, int, int]]:
        """Case items behind a mux select bit: its compare, or the OR of several labels'."""
        cname = self.g.driver.get(bit) if isinstance(bit, int) else None
        if cname is None:
            return []
        cell = self.g.cells[cname]
        items = self._item_of(cname)
        if items or cell["type"] not in ("$reduce_or", "$logic_or", "$or"):
            return items
        for port in ("A", "B"):
            for b in cell["connections"].get(port, []):
                c2 = self.g.driver.get(b) if isinstance(b, int) else None
                if c2 is not None:
                    items = items + self._item_of(c2)
        return items

    def cell_lines(self, name: str, quiet: bool = False) -> list[tuple[str, int]]:
        cell = self.g.cells[name]
        items = [] if quiet else self._item_of(name)
        if items:
            return [(f, first) for f, first, _ in items]
        out = []
        for f, a, _ in _lines_of(cell.get("attributes", {}).get("src")):
            known = self.src_file(f)
            if known is not None:
                out.append((known, a))
        return out

    def line_text(self, f: str, n: int) -> str:
        lines = self.sources.get(f, [])
        return lines[n - 1] if 0 < n <= len(lines) else ""

    # failing times and outputs ---------------------------------------------------------------
    def fail_times(self, log: str) -> list[int]:
        times: set[int] = set()
        dut = self.scope or ()
        for v in self.wf.vars:
            if dut and v.scope[: len(dut)] == dut:
                continue
            counter = _COUNTER.search(v.name) and not _NOT_COUNTER.search(v.name)
            flag = _MATCH_FLAG.match(v.name)
            if not (counter or flag):
                continue
            prev: int | None = None
            for t, val in self.wf.changes(v.code):
                cur = int(val, 2) if set(val) <= {"0", "1"} else None
                if cur is not None and prev is not None:
                    if (counter and cur > prev) or (flag and cur == 0 and prev == 1):
                        times.add(t)
                prev = cur
        if not times:
            m = re.search(r"(?i)first mismatch occurred at time (\d+)", log)
            if m:
                times.add(int(m.group(1)))
        return sorted(times)

    def fail_lines(self, log: str) -> list[str]:
        return [
            ln.strip()
            for ln in log.splitlines()
            if _FAIL_LINE.search(ln) and not re.search(r"(?i)mismatches:\s*0\b", ln)
        ][:10]

    def failing_outputs(self, lines: list[str], t: int | None) -> tuple[list[str], dict, dict]:
        outs = self.g.outputs()
        named: list[str] = []
        for ln in lines:
            for o in outs:
                if re.search(rf"(?<![\w.]){re.escape(o)}(?![\w])", ln) and o not in named:
                    named.append(o)
        expected: dict[str, str] = {}
        actual: dict[str, str] = {}
        if t is not None:
            tb_vars = {v.name: v for v in self.wf.vars if not self.scope or v.scope != self.scope}
            for o in outs:
                v = self.vars.get(o)
                if v is None:
                    continue
                val = self.wf.before(v.code, t) or "x"
                actual[o] = _fmt(val)
                for cand in (f"{o}_ref", f"{o}_exp", f"exp_{o}", f"expected_{o}", f"{o}_expected"):
                    ref = tb_vars.get(cand)
                    if ref is not None:
                        exp = self.wf.before(ref.code, t) or "x"
                        expected[o] = _fmt(exp)
                        if exp != val and o not in named:
                            named.append(o)
        return named, expected, actual

    # samples ---------------------------------------------------------------------------------
    def sample_times(self, fails: list[int]) -> list[int]:
        ts: set[int] = set(fails)
        for name in self.g.inputs():
            v = self.vars.get(name)
            if v is not None:
                ts.update(t for t in self.wf.times.get(v.code, []) if t > 0)
        ts.add(self.wf.end_time + 1)
        half = MAX_SAMPLES // 2
        keep = set(_spread(fails, half))
        passing = sorted(ts - set(fails))
        keep.update(_spread(passing, MAX_SAMPLES - len(keep)))
        return sorted(keep)

    # slicing ---------------------------------------------------------------------------------
    def _clock_edge(self, cell: dict, t: int) -> int | None:
        clk = cell["connections"].get("CLK", [None])[0]
        named = self.g.bit_name.get(clk) if isinstance(clk, int) else None
        v = self.vars.get(named[0]) if named else None
        if v is None:
            return None
        active = "1" if _param(cell, "CLK_POLARITY", 1) else "0"
        times, values = self.wf.times.get(v.code, []), self.wf.values.get(v.code, [])
        i = bisect.bisect_left(times, t) - 1
        while i >= 0:
            if values[i][-1] == active:
                return times[i]
            i -= 1
        return None

    def _holds_reset(self, cell: dict, t: int) -> str | None:
        """Does a flip-flop with an asynchronous reset hold its reset value just before `t`:
        the reset is active then, or no clock edge (with its enable on) loaded it since the
        reset was last released?"""
        conn = cell["connections"]
        arst = conn["ARST"][0]
        active = "1" if _param(cell, "ARST_POLARITY", 1) else "0"
        if self.values.bit(arst, t) == active:
            return "on"
        named = self.g.bit_name.get(arst) if isinstance(arst, int) else None
        v = self.vars.get(named[0]) if named else None
        if named is None or v is None:
            return None
        times, values = self.wf.times.get(v.code, []), self.wf.values.get(v.code, [])
        i = bisect.bisect_left(times, t) - 1
        k = named[1]
        while i >= 0 and (len(values[i]) <= k or values[i][len(values[i]) - 1 - k] != active):
            i -= 1
        if i < 0 or i + 1 >= len(times):
            return None  # never reset: the value came from a load
        release = times[i + 1]
        unchanged = False
        # a register the process reloads with its own value (an `if` without `else`, kept
        # as a mux after `proc`) is loaded on every edge: its dumped value tells instead
        qv = self._var_of(conn.get("Q", []))
        if qv is not None:
            qtimes = self.wf.times.get(qv.code, [])
            k = bisect.bisect_left(qtimes, t) - 1
            if k < 0 or qtimes[k] <= release:
                unchanged = True
        clk = conn.get("CLK", [None])[0]
        cnamed = self.g.bit_name.get(clk) if isinstance(clk, int) else None
        cv = self.vars.get(cnamed[0]) if cnamed else None
        if cv is None:
            return None
        cact = "1" if _param(cell, "CLK_POLARITY", 1) else "0"
        ctimes, cvalues = self.wf.times.get(cv.code, []), self.wf.values.get(cv.code, [])
        en = conn.get("EN", [None])[0]
        en_on = "1" if _param(cell, "EN_POLARITY", 1) else "0"
        j = bisect.bisect_left(ctimes, release)
        while j < len(ctimes) and ctimes[j] < t:
            if cvalues[j][-1:] == cact and (en is None or self.values.bit(en, ctimes[j]) == en_on):
                return "unchanged" if unchanged else None
            j += 1
        return "unloaded"

    def _var_of(self, bits: list) -> Var | None:
        """The dumped variable that holds exactly these bits (a register's own name)."""
        names = {self.g.bit_name.get(b, ("", 0))[0] for b in bits if isinstance(b, int)}
        if len(names) != 1:
            return None
        name = names.pop()
        v = self.vars.get(name)
        return v if v is not None and len(self.g.names.get(name, [])) == len(bits) else None

    def _credit_constant(
        self,
        ff: str,
        q_names: set[str],
        control: list | None,
        value: list | None,
        lines: dict[tuple[str, int], int],
        dist: int,
    ) -> None:
        """A flip-flop's value that came from a constant (its reset value, or a constant D):
        credit the lines of its process that assign a constant to it (`q <= 8'd0;`,
        `value <= RESET;`) and, for a reset, the `if` that tests the reset signal."""
        want = None
        if value is not None and all(b in ("0", "1") for b in value):
            want = sum((b == "1") << i for i, b in enumerate(value))
        ctl_names = {n for b in control or [] for n in self.g.bit_names.get(b, ())}
        for f, a, z in _lines_of(self.g.cells[ff].get("attributes", {}).get("src")):
            known = self.src_file(f)
            if known is None or z - a > 400:
                continue
            for n in range(a, z + 1):
                code = self.line_text(known, n).split("//")[0]
                hit = False
                for m in _STMT.finditer(code):
                    lhs = set(_IDENT.findall(m.group(1))) & q_names
                    rhs = m.group(3).strip("() ")
                    if not lhs or set(_IDENT.findall(rhs)) & self.leaf_names:
                        continue
                    lit = literal_value(rhs)
                    if want is None or lit is None or lit == want:
                        hit = True
                if ctl_names and re.search(r"\bif\b", code):
                    hit = hit or bool(set(_IDENT.findall(code)) & ctl_names)
                if hit:
                    key = (known, n)
                    lines[key] = min(lines.get(key, dist), dist)

    def slice(self, out_bits: Iterable[Any], t: int) -> dict[tuple[str, int], int]:
        """Lines on the dynamic path to `out_bits` at time `t`, each with its distance."""
        lines: dict[tuple[str, int], int] = {}
        seen: set[tuple[str, int]] = set()
        bits_seen: set[tuple[int, int]] = set()
        # quiet: the compares of a `case` whose default arm was taken: every label failed
        # to match, as on every other path through it; they credit the `case` line only
        stack: list[tuple[Any, int, int, int, bool]] = [(b, t, 0, 0, False) for b in out_bits]
        while stack:
            b, tt, regs, dist, quiet = stack.pop()
            if isinstance(b, tuple):  # a further driver of a bus bit
                cname = b[1]
            elif isinstance(b, int):
                names = self.g.bit_names.get(b)
                if names and len(names) > 1 and (b, tt) not in bits_seen:
                    bits_seen.add((b, tt))
                    self._credit_pairs(names, names, lines, dist)
                cname = self.g.driver.get(b)
                for other in self.g.more_drivers.get(b, ()):
                    stack.append((("cell", other), tt, regs, dist, quiet))
            else:
                continue
            if cname is None or (cname, tt) in seen:
                continue
            seen.add((cname, tt))
            cell = self.g.cells[cname]
            typ = cell["type"]
            if typ not in _SEQ and typ not in _LATCH:
                # a flip-flop's own line is its `always @(posedge clk)`: on every path, it
                # says nothing; what it stores is credited to the lines of its D cone
                # a matched case label ranks after the equally suspicious statements it
                # chose (a WEAK distance: the tie-break puts it last)
                d = WEAK if not quiet and self._item_of(cname) else dist
                for ln in self.cell_lines(cname, quiet):
                    lines[ln] = min(lines.get(ln, d), d)
            conn = cell.get("connections", {})
            follow: list[tuple[list, int, int]] = []
            quiet_s = False
            if typ == "$mux":
                s = self.values.bit(conn["S"][0], tt)
                if s == "0" and self._items_of_select(conn["S"][0]):
                    quiet_s = True  # a case item that did not match
                else:
                    follow.append((conn["S"], tt, regs))
                chosen = [conn["B"]] if s == "1" else [conn["A"]] if s == "0" else None
                if chosen is None:
                    follow += [(conn["A"], tt, regs), (conn["B"], tt, regs)]
                else:
                    follow.append((chosen[0], tt, regs))
                    self._credit_arm(
                        cname, chosen[0], lines, dist, conn["S"][0] if s == "1" else None
                    )
            elif typ == "$pmux":
                sel = [self.values.bit(x, tt) for x in conn["S"]]
                w = len(conn["A"])
                if all(c in "01" for c in sel):
                    k = sel.index("1") if "1" in sel else None
                    # a case item that matched: its compare is the reason (the others
                    # did not match, as on every other path through this case)
                    if k is None:
                        quiet_s = True
                    else:
                        follow.append(([conn["S"][k]], tt, regs))
                    chosen_bits = conn["A"] if k is None else conn["B"][k * w : (k + 1) * w]
                    follow.append((chosen_bits, tt, regs))
                    self._credit_arm(
                        cname, chosen_bits, lines, dist, None if k is None else conn["S"][k]
                    )
                else:
                    follow += [(conn["S"], tt, regs), (conn["A"], tt, regs), (conn["B"], tt, regs)]
            elif typ in _SEQ:
                q_names = {n for x in conn.get("Q", []) for n in self.g.bit_names.get(x, ())}
                d_names = {
                    n
                    for x in conn.get("D", [])
                    if x not in self.g.driver
                    for n in self.g.bit_names.get(x, ())
                }
                held = self._holds_reset(cell, tt) if "ARST" in conn else None
                if held:
                    # Its value now is the reset value (reset is on, or it was not loaded
                    # since): the reset branch put it there.
                    self._credit_constant(cname, q_names, conn["ARST"], None, lines, WEAK)
                if held in ("on", "unloaded"):
                    if regs < MAX_REG_STAGES:
                        follow.append((conn["ARST"], tt, regs + 1))
                else:
                    self._credit_pairs(q_names, d_names, lines, dist)
                    if all(isinstance(x, str) for x in conn.get("D", [])):
                        # loaded with a constant: the line that assigns it has no cell
                        self._credit_constant(cname, q_names, None, conn["D"], lines, dist)
                    if regs < MAX_REG_STAGES:
                        edge = self._clock_edge(cell, tt)
                        te = edge if edge is not None else tt
                        for port in ("D", "EN", "ARST", "SRST", "CE", "AD", "ALOAD", "SET", "CLR"):
                            if port in conn:
                                follow.append((conn[port], te, regs + 1))
            elif typ in _LATCH:
                if regs < MAX_REG_STAGES:
                    for port, bits in conn.items():
                        if cell.get("port_directions", {}).get(port) == "input":
                            follow.append((bits, tt, regs + 1))
            else:
                for port, bits in conn.items():
                    if cell.get("port_directions", {}).get(port) == "input":
                        follow.append((bits, tt, regs))
            if quiet_s:
                stack += [(x, tt, regs, dist + 1, True) for x in conn["S"]]
            quiet_in = quiet and typ in ("$reduce_or", "$logic_or", "$or")
            for bits, t2, r2 in follow:
                for x in bits:
                    stack.append((x, t2, r2, dist + 1, quiet_in))
        self._credit_loops(lines)
        return lines

    def _loops(self) -> dict[str, list[tuple[int, int, int, list[int]]]]:
        """Each `for` of each file: (header line, first and last body line, the lines just
        before it in its block that set an accumulator the body reads and writes:
        `count = 0;` before `for (...) count = count + d[i];`)."""
        out: dict[str, list[tuple[int, int, int, list[int]]]] = {}
        head = re.compile(r"^\s*for\s*\(")
        for f, lines in self.sources.items():
            code = [ln.split("//")[0] for ln in lines]
            for i, text in enumerate(code):
                if not head.match(text):
                    continue
                last = i
                if re.search(r"\bbegin\b", text):
                    depth = 0
                    for j in range(i, len(code)):
                        depth += len(re.findall(r"\bbegin\b", code[j]))
                        depth -= len(re.findall(r"\bend\b", code[j]))
                        if depth <= 0 and j > i:
                            last = j
                            break
                else:
                    last = min(i + 1, len(code) - 1)
                acc = set()
                for j in range(i + 1, last + 1):
                    for m in _STMT.finditer(code[j]):
                        lhs = set(_IDENT.findall(m.group(1)))
                        if lhs & set(_IDENT.findall(m.group(3))):
                            acc |= lhs & self.leaf_names
                inits = []
                for j in range(i - 1, max(-1, i - 20), -1):
                    if re.search(r"\b(always\w*|initial|function|task|assign)\b", code[j]):
                        break
                    for m in _STMT.finditer(code[j]):
                        if set(_IDENT.findall(m.group(1))) & acc and not (
                            set(_IDENT.findall(m.group(3))) & self.leaf_names
                        ):
                            inits.append(j + 1)
                out.setdefault(f, []).append((i + 1, i + 2, last + 1, inits))
        return out

    def _credit_loops(self, lines: dict[tuple[str, int], int]) -> None:
        """A `for` is unrolled by yosys: its header, its loop-variable arithmetic and the
        accumulator's start value leave no cell. When a line of the body is on the path,
        credit those too, ranked after equally suspicious lines (WEAK)."""
        for f, n in list(lines):
            for header, first, last, inits in self.loops.get(f, ()):
                if not first <= n <= last:
                    continue
                extra = [header, *inits]
                extra += [
                    k
                    for k in range(first, last + 1)
                    if (f, k) not in self.with_cells and _STMT.search(self.line_text(f, k))
                ]
                for k in extra:
                    lines.setdefault((f, k), WEAK)

    def _credit_arm(
        self,
        mux: str,
        bits: list,
        lines: dict[tuple[str, int], int],
        dist: int,
        select: Any = None,
    ) -> None:
        """A chosen mux input with no cell of its own (`y = s;`, `q <= 0;`): credit the one
        assignment line in the mux's source range whose right-hand side is exactly it."""
        if any(isinstance(b, int) and b not in self.g.bit_name for b in bits):
            return  # an unnamed cell output: that cell's own line is found when followed
        want_value: int | None = None
        want_set: set[str] | None = None
        bit_sets: list[set[str]] = []
        if all(isinstance(b, str) for b in bits):
            if any(b not in "01" for b in bits):
                return
            want_value = sum((b == "1") << i for i, b in enumerate(bits))
        else:
            # every name of each bit (`assign out_bit = q[0];` gives q[0] two names)
            bit_sets = [self.g.bit_names.get(b, set()) for b in bits if isinstance(b, int)]
            want_set = set().union(*bit_sets)
            if not want_set:
                return
        # a case arm: only the lines of the item whose label the select tested
        items = self._items_of_select(select) if select is not None else []
        for f, a, z in _lines_of(self.g.cells[mux].get("attributes", {}).get("src")):
            known = self.src_file(f)
            if known is None or z - a > 400:
                continue
            for n in range(a, z + 1):
                if items and not any(k == known and i <= n <= j for k, i, j in items):
                    continue
                rhs = _rhs(self.line_text(known, n))
                if rhs is None:
                    continue
                rhs = rhs.strip("() ")
                idents = set(re.findall(r"[A-Za-z_]\w*", rhs)) & self.leaf_names
                if (want_value is not None and literal_value(rhs) == want_value) or (
                    want_set is not None
                    and bool(idents)
                    and idents <= want_set
                    and all(bs & idents for bs in bit_sets)
                ):
                    key = (known, n)
                    lines[key] = min(lines.get(key, dist), dist)

    # the whole evidence ----------------------------------------------------------------------
    def evidence(self, log: str) -> Evidence:
        ev = Evidence()
        if self.scope is None:
            ev.notes.append("the design's instance was not found in the waveform")
            ev.fail_lines = self.fail_lines(log)
            return ev
        ev.dut_scope = ".".join(self.scope)
        fails = self.fail_times(log)
        ev.fail_lines = self.fail_lines(log)
        first = fails[0] if fails else None
        outs, expected, actual = self.failing_outputs(ev.fail_lines, first)
        named_outputs = bool(outs)
        if not outs:
            outs = self.g.outputs()
            ev.notes.append("the testbench names no output: every output is a suspect")
        ev.outputs, ev.expected = outs, expected
        ev.actual = {o: actual[o] for o in outs if o in actual}
        if first is None:
            ev.notes.append(
                "no failing time found (no error counter in the testbench): the failure "
                "is taken at the end of the simulation"
            )
            fails = [self.wf.end_time + 1]
        else:
            ev.first_fail, ev.first_fail_t = self.wf.fmt_time(first), first
        # The slice starts from every output: a testbench line that names `y` may also be
        # reporting a wrong flag it prints under another label; the spectrum tells them apart.
        out_bits = [b for o in self.g.outputs() for b in self.g.ports[o][1]]
        samples = self.sample_times(fails)
        fail_checks = len(fails)
        if self._sequential(out_bits) and len(fails) > FIRST_FAILS:
            # State carries a fault on: samples after the first few failures say more about
            # the corrupted state than about the faulty line. Keep the clean run up to the
            # first failure, the first failures, and the passing samples among them.
            cut = fails[FIRST_FAILS - 1]
            samples = [t for t in samples if t <= cut]
            fails = fails[:FIRST_FAILS]
        fail_set = set(fails) & set(samples)
        nf: dict[tuple[str, int], int] = {}
        np_: dict[tuple[str, int], int] = {}
        dist: dict[tuple[str, int], int] = {}
        for t in samples:
            sl = self.slice(out_bits, t)
            bucket = nf if t in fail_set else np_
            for ln, d in sl.items():
                bucket[ln] = bucket.get(ln, 0) + 1
                dist[ln] = min(dist.get(ln, d), d)
        ev.samples, ev.failing_samples = len(samples), fail_checks
        total_f = len(fail_set)
        scored = []
        for ln in set(nf) | set(np_):
            f, p = nf.get(ln, 0), np_.get(ln, 0)
            score = f / math.sqrt(total_f * (f + p)) if f else 0.0
            scored.append(Suspect(ln[0], ln[1], round(score, 4), f, p, self.line_text(*ln).strip()))
        # The first failure's own path first: later failures of a sequential design are
        # often the same corrupted state carried on, which credits every line that keeps it.
        first_slice = self.slice(out_bits, fails[0])
        # ...and of those, the path of the outputs the testbench named
        named_slice = (
            self.slice([b for o in outs for b in self.g.ports[o][1]], fails[0])
            if named_outputs
            else first_slice
        )
        scored.sort(
            key=lambda s: (
                (s.file, s.line) not in named_slice,
                (s.file, s.line) not in first_slice,
                -s.score,
                -s.failing,
                -dist[(s.file, s.line)],
                s.line,
            )
        )
        ev.suspects = [s for s in scored if s.score > 0][:10]
        named_bits = [b for o in outs for b in self.g.ports[o][1]]
        ev.history = self._history(samples, fails[0], fail_set, named_bits)
        return ev

    def _history(
        self, samples: list[int], first: int, fail_set: set[int], out_bits: list
    ) -> list[dict[str, Any]]:
        """Values of the outputs and the named signals on their failing path, at the last
        few samples up to the first failure."""
        names: list[str] = []
        for o in self.g.outputs():
            if any(b in self.g.ports[o][1] for b in out_bits):
                names.append(o)
        sl = self.slice(out_bits, first)
        near = sorted(sl.items(), key=lambda kv: kv[1])
        for (f, n), _ in near:
            text = self.line_text(f, n)
            for name in self.vars:
                if name in names or name in self.g.ports and self.g.ports[name][0] != "input":
                    continue
                if re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text):
                    names.append(name)
        for i in self.g.inputs():
            if i not in names:
                names.append(i)
        names = [n for n in names if n in self.vars][:12]
        idx = samples.index(first) if first in samples else len(samples) - 1
        rows = []
        for t in samples[max(0, idx - HISTORY) : idx + 1]:
            rows.append(
                {
                    "time": self.wf.fmt_time(t),
                    "failing": t in fail_set,
                    "values": {n: _fmt(self.wf.before(self.vars[n].code, t) or "x") for n in names},
                }
            )
        return rows


def _spread(items: list[int], n: int) -> list[int]:
    """At most `n` of the sorted `items`: the first ones, then evenly spaced over the rest."""
    if len(items) <= n:
        return list(items)
    head = items[: n // 3]
    rest = items[n // 3 :]
    k = n - len(head)
    return head + [rest[int(i * len(rest) / k)] for i in range(k)]


def _fmt(bits: str) -> str:
    if len(bits) == 1:
        return bits
    if set(bits) <= {"0", "1"}:
        return f"{len(bits)}'h{int(bits, 2):x}"
    return f"{len(bits)}'b{bits}"


def localise(
    graph: dict[str, Any], wf: Waveform, top: str, sources: dict[str, str], log: str
) -> Evidence:
    """Evidence for a failing simulation (see the module docstring)."""
    return Localiser(graph, wf, top, sources).evidence(log)
