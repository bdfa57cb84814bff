"""Best-of-N RTL candidates: the selection policy, and the shared stimulus it is judged on.

Pure code (no processes, no tools): the caller lints and simulates every candidate through
the tools and fills in `Candidate`; `select` groups the candidates by identical output
traces and picks one:

1. a lint-clean candidate that passes the golden testbench (when there is one), preferring
   the one in the largest group, then the fewest lint warnings;
2. else the largest group of lint-clean candidates whose outputs agree on the shared
   stimulus; a tie between groups is broken by the agent's own testbench (a group with a
   passing member first), then by the fewest lint warnings;
3. else (no traces) the agent's testbench result, then lint warnings;
4. else (nothing lint-clean) the first candidate that has code.

`stimulus_testbench` writes the shared random/directed stimulus: one testbench module
instantiating the candidate by port names, driving every input from a fixed-seed `$random`
(plus all-zeros/all-ones vectors and a reset pulse), and printing every output each cycle
on lines starting with `@SC`: the candidates' output traces.
"""

from __future__ import annotations

import ast
import operator
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

TRACE_PREFIX = "@SC "


@dataclass
class Candidate:
    index: int
    path: str | None = None  # workspace-relative file (None: the answer had no code)
    lint_ok: bool = False
    warnings: int = 0
    golden: bool | None = None  # the golden testbench's verdict (None: none, or not run)
    own_tb: bool | None = None  # the agent-written testbench's verdict (None: not run)
    trace: str | None = None  # output trace on the shared stimulus (None: did not run)
    group: int | None = None  # 1 = the largest group of agreeing candidates
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("trace")
        d["traced"] = self.trace is not None
        return d


@dataclass
class Selection:
    winner: int | None
    reason: str
    groups: list[list[int]] = field(default_factory=list)  # candidate indexes, largest first

    def to_dict(self) -> dict[str, Any]:
        return {"winner": self.winner, "reason": self.reason, "groups": self.groups}


def group_by_trace(cands: list[Candidate]) -> list[list[int]]:
    """Lint-clean candidates with identical traces, largest group first (ties: the group
    whose first member came first). Sets each candidate's `group` (1-based)."""
    by_trace: dict[str, list[int]] = {}
    for c in cands:
        if c.lint_ok and c.trace is not None:
            by_trace.setdefault(c.trace, []).append(c.index)
    groups = sorted(by_trace.values(), key=lambda g: (-len(g), g[0]))
    where = {i: n for n, g in enumerate(groups, 1) for i in g}
    for c in cands:
        c.group = where.get(c.index)
    return groups


def _member_key(c: Candidate, group_size: dict[int, int]) -> tuple:
    return (-group_size.get(c.index, 0), c.own_tb is not True, c.warnings, c.index)


def select(cands: list[Candidate]) -> Selection:
    """The pick, with why (see the module docstring for the order)."""
    groups = group_by_trace(cands)
    size = {i: len(g) for g in groups for i in g}
    by_index = {c.index: c for c in cands}
    clean = [c for c in cands if c.lint_ok]
    golden = [c for c in clean if c.golden]
    if golden:
        best = min(golden, key=lambda c: _member_key(c, size))
        more = f" (one of {len(golden)})" if len(golden) > 1 else ""
        return Selection(
            best.index, f"candidate {best.index} passes the golden testbench" + more, groups
        )
    if groups:

        def group_key(g: list[int]) -> tuple:
            members = [by_index[i] for i in g]
            return (
                -len(g),
                not any(m.own_tb for m in members),
                min(m.warnings for m in members),
                g[0],
            )

        ranked = sorted(groups, key=group_key)
        best_group = ranked[0]
        best = min((by_index[i] for i in best_group), key=lambda c: _member_key(c, size))
        traced = sum(len(g) for g in groups)
        reason = (
            f"candidate {best.index} is in the largest group of agreeing candidates "
            f"({len(best_group)} of {traced} with the same outputs on the shared "
            f"stimulus)"
        )
        tied = [g for g in ranked[1:] if len(g) == len(best_group)]
        if tied:
            own = any(by_index[i].own_tb for i in best_group)
            if own and not any(by_index[i].own_tb for g in tied for i in g):
                reason += f"; tie with {len(tied)} other group(s) broken by the agent's testbench"
            else:
                reason += f"; tie with {len(tied)} other group(s) broken by lint warnings"
        if any(c.golden is False for c in clean):
            reason += "; none passes the golden testbench"
        return Selection(best.index, reason, groups)
    if clean:
        best = min(clean, key=lambda c: (c.own_tb is not True, c.warnings, c.index))
        why = "passes the agent's testbench" if best.own_tb else "has the fewest lint warnings"
        return Selection(best.index, f"candidate {best.index} {why} (no output traces)", groups)
    with_code = [c for c in cands if c.path]
    if with_code:
        return Selection(
            with_code[0].index,
            f"no candidate is lint-clean: candidate {with_code[0].index} kept for the lint fix",
            groups,
        )
    return Selection(None, "no candidate has code", groups)


# -- ports and the shared stimulus --------------------------------------------------------------


@dataclass(frozen=True)
class Port:
    direction: str  # input | output | inout
    name: str
    width: int


_DECL = re.compile(r"^\s*(input|output|inout)\b(.*)$", re.DOTALL)
_RANGE = re.compile(r"\[([^\]:]+):([^\]]+)\]")
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Div: operator.floordiv,
    ast.Pow: operator.pow,
}


def _int_expr(text: str, params: dict[str, int]) -> int | None:
    """A width bound like `WIDTH-1` or `2*N`: integers, parameters, + - * / ** only."""
    expr = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: str(params.get(m.group(0), m.group(0))), text)
    try:
        tree = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError:
        return None

    def ev(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        raise ValueError("not an integer expression")

    try:
        return ev(tree)
    except (ValueError, ZeroDivisionError):
        return None


def _strip_comments(code: str) -> str:
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", code, flags=re.DOTALL))


def parse_ports(code: str, module: str) -> list[Port] | None:
    """The ports of `module` (ANSI or non-ANSI header; numeric or parameter widths);
    None when the module or a width cannot be read."""
    text = _strip_comments(code)
    m = re.search(rf"\bmodule\s+{re.escape(module)}\b(.*?)\bendmodule\b", text, re.DOTALL)
    if not m:
        return None
    body = m.group(1)
    params = {
        k: int(v)
        for k, v in re.findall(
            r"\b(?:parameter|localparam)\b[^;=]*?\b([A-Za-z_]\w*)\s*=\s*(\d+)", body
        )
    }
    head_start = body.find("(")
    if head_start < 0:
        return []
    if body[:head_start].strip().startswith("#"):  # skip the parameter list
        depth, i = 0, head_start
        for i in range(head_start, len(body)):
            depth += {"(": 1, ")": -1}.get(body[i], 0)
            if depth == 0:
                break
        head_start = body.find("(", i + 1)
    depth, end = 0, head_start
    for end in range(head_start, len(body)):
        depth += {"(": 1, ")": -1}.get(body[end], 0)
        if depth == 0:
            break
    header, rest = body[head_start + 1 : end], body[end + 1 :]
    ports: dict[str, Port] = {}
    order: list[str] = []

    def declare(pieces: list[str]) -> bool:
        direction, width = None, 1
        for piece in pieces:
            d = _DECL.match(piece)
            if d:
                direction, spec = d.group(1), d.group(2)
                r = _RANGE.search(spec)
                width = 1
                if r:
                    hi, lo = _int_expr(r.group(1), params), _int_expr(r.group(2), params)
                    if hi is None or lo is None:
                        return False
                    width = abs(hi - lo) + 1
                piece = _RANGE.sub(" ", spec)
            names = re.findall(r"[A-Za-z_]\w*", piece.split("=")[0])
            if not names:
                continue
            name = names[-1]
            if direction is None:  # non-ANSI header: a name declared below
                if name not in order:
                    order.append(name)
                continue
            ports[name] = Port(direction, name, width)
            if name not in order:
                order.append(name)
        return True

    if not declare(header.split(",")):
        return None
    for stmt in re.findall(r"\b(?:input|output|inout)\b[^;]*;", rest):
        if not declare(stmt.rstrip(";").split(",")):
            return None
    if any(n not in ports for n in order):
        return None
    return [ports[n] for n in order]


_CLOCK = re.compile(r"^(clk|clock|clk_i|i_clk|clk_in)$", re.I)
_RESET = re.compile(
    r"^(rst|reset|areset|arst|srst|rst_i|i_rst|rst_n|rstn|resetn|reset_n|"
    r"aresetn|areset_n|arst_n|nrst|nreset)$",
    re.I,
)


def _active_low(name: str) -> bool:
    n = name.lower()
    return n.endswith("n") and n not in ("rst", "reset") or n.startswith("n")


def stimulus_testbench(
    tb: str,
    top: str,
    ports: list[Port],
    *,
    clock: str | None = None,
    cycles: int = 96,
    seed: int = 20240611,
) -> str:
    """The shared stimulus: same seed, same vectors for every candidate."""
    clk = next(
        (
            p
            for p in ports
            if p.direction == "input"
            and (p.name == clock or (clock is None and _CLOCK.match(p.name)))
        ),
        None,
    )
    rst = next(
        (p for p in ports if p.direction == "input" and _RESET.match(p.name) and p is not clk), None
    )
    data = [p for p in ports if p.direction == "input" and p is not clk and p is not rst]
    outs = [p for p in ports if p.direction in ("output", "inout")]
    lines = ["`timescale 1ns/1ps", f"module {tb};"]
    for p in ports:
        kind = "reg" if p.direction == "input" else "wire"
        rng = f" [{p.width - 1}:0]" if p.width > 1 else ""
        lines.append(f"  {kind}{rng} {p.name};")
    conns = ", ".join(f".{p.name}({p.name})" for p in ports)
    lines += [
        f"  {top} dut ({conns});",
        "  integer cyc;",
        f"  integer seed = {seed};",
        "  reg [8*4-1:0] phase;",
        "  task drive(input integer k); begin",
    ]
    for p in data:
        words = (p.width + 31) // 32
        rand = "{" + ", ".join(["$random(seed)"] * words) + "}" if words > 1 else "$random(seed)"
        lines.append(
            f"    if (k == 0) {p.name} = 0; else if (k == 1) {p.name} = "
            f"{{{p.width}{{1'b1}}}}; else {p.name} = {rand};"
        )
    lines.append("  end endtask")
    fmt = " ".join(f"{p.name}=%b" for p in outs) or "-"
    args = "".join(f", {p.name}" for p in outs)
    show = (
        f'$display("{TRACE_PREFIX}%0d %s {fmt}", cyc, phase{args});'
        if outs
        else f'$display("{TRACE_PREFIX}%0d %s", cyc, phase);'
    )
    lines += ["  initial begin"]
    if clk:
        lines.append(f"    {clk.name} = 0;")
    if rst:
        on, off = ("0", "1") if _active_low(rst.name) else ("1", "0")
        lines.append(f"    {rst.name} = {on};")
    lines += ["    for (cyc = 0; cyc < %d; cyc = cyc + 1) begin" % cycles, "      drive(cyc);"]
    if rst:
        lines.append(f"      {rst.name} = (cyc < 2 || cyc == {cycles // 2}) ? {on} : {off};")
    if clk:
        lines += [
            '      #4; phase = "pre"; ' + show,
            f"      {clk.name} = 1;",
            '      #4; phase = "post"; ' + show,
            f"      {clk.name} = 0; #2;",
        ]
    else:
        lines += ['      #5; phase = "out"; ' + show, "      #5;"]
    lines += ["    end", "    $finish;", "  end", "endmodule", ""]
    return "\n".join(lines)


def trace_of(log_text: str) -> str:
    """The output trace in a simulation log: the stimulus' own lines only."""
    return "\n".join(ln for ln in log_text.splitlines() if ln.startswith(TRACE_PREFIX))


def common_ports(port_lists: list[list[Port] | None]) -> list[Port] | None:
    """The port list most candidates share (the stimulus is written for it)."""
    counts = Counter(tuple(p) for p in port_lists if p)
    return list(counts.most_common(1)[0][0]) if counts else None
