"""Read a VCD file whole into per-signal value histories (the debug waveform).

A small reader of its own rather than vcdvcd (used by the streaming RTL/netlist comparison):
debug evidence needs random access (a signal's value just before any time), every scope of
the hierarchy, and nothing else. Bounded: the file is refused past `max_bytes` (the dump
module caps it with `$dumplimit` anyway) and opened like every sandbox-written file (no
symlinks, regular files only).
"""

from __future__ import annotations

import bisect
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from siliconcrew.sandbox.safe_io import UnsafePath, open_beneath

MAX_BYTES = 96 << 20
_UNITS = {"s": 10**15, "ms": 10**12, "us": 10**9, "ns": 10**6, "ps": 10**3, "fs": 1}


@dataclass(frozen=True)
class Var:
    scope: tuple[str, ...]  # instance path, testbench top first
    name: str  # without a bit range
    width: int
    code: str
    kind: str  # wire, reg, integer, ...

    @property
    def path(self) -> str:
        return ".".join((*self.scope, self.name))


@dataclass
class Waveform:
    vars: list[Var] = field(default_factory=list)
    times: dict[str, list[int]] = field(default_factory=dict)  # code → change times
    values: dict[str, list[str]] = field(default_factory=dict)  # code → values (MSB first)
    end_time: int = 0
    timescale_fs: int = 10**6  # one time unit in femtoseconds (1 ns by default)
    truncated: bool = False

    def in_scope(self, scope: tuple[str, ...]) -> dict[str, Var]:
        """Signals declared directly in `scope` (and, flattened, in its sub-scopes: `u1.x`)."""
        n = len(scope)
        out: dict[str, Var] = {}
        for v in self.vars:
            if v.scope[:n] == scope:
                out.setdefault(".".join((*v.scope[n:], v.name)), v)
        return out

    def scopes(self) -> set[tuple[str, ...]]:
        return {v.scope for v in self.vars}

    def before(self, code: str, t: int) -> str | None:
        """The value just before time `t` (the last change strictly earlier)."""
        times = self.times.get(code)
        if not times:
            return None
        i = bisect.bisect_left(times, t) - 1
        return self.values[code][i] if i >= 0 else None

    def at(self, code: str, t: int) -> str | None:
        """The value at the end of time step `t` (the last change at or before it)."""
        times = self.times.get(code)
        if not times:
            return None
        i = bisect.bisect_right(times, t) - 1
        return self.values[code][i] if i >= 0 else None

    def changes(self, code: str) -> list[tuple[int, str]]:
        return list(zip(self.times.get(code, []), self.values.get(code, []), strict=True))

    def fmt_time(self, t: int) -> str:
        ns = t * self.timescale_fs / 10**6
        return f"{ns:g} ns"


def _extend(value: str, width: int) -> str:
    if len(value) >= width:
        return value[-width:]
    pad = value[0] if value[0] in "xz" else "0"
    return pad * (width - len(value)) + value


def parse_vcd(text: str) -> Waveform:
    wf = Waveform()
    by_code: dict[str, list[Var]] = {}
    scope: list[str] = []
    tokens = iter(text.split())
    t = 0
    in_header = True
    for tok in tokens:
        if in_header:
            if tok == "$scope":
                next(tokens, None)
                scope.append(next(tokens, "?"))
            elif tok == "$upscope":
                if scope:
                    scope.pop()
            elif tok == "$var":
                kind = next(tokens, "")
                width = int(next(tokens, "1"))
                code = next(tokens, "")
                name = next(tokens, "")
                nxt = next(tokens, "$end")
                if nxt != "$end":  # a bit range: "[7:0]"
                    next(tokens, None)
                var = Var(tuple(scope), name, width, code, kind)
                wf.vars.append(var)
                by_code.setdefault(code, []).append(var)
                continue
            elif tok == "$timescale":
                spec = []
                for part in tokens:
                    if part == "$end":
                        break
                    spec.append(part)
                joined = "".join(spec)
                num = "".join(ch for ch in joined if ch.isdigit()) or "1"
                unit = joined[len(num) :]
                wf.timescale_fs = int(num) * _UNITS.get(unit, 10**6)
                continue
            elif tok == "$enddefinitions":
                in_header = False
            if tok in ("$scope", "$upscope", "$enddefinitions", "$var"):
                for part in tokens:
                    if part == "$end":
                        break
            elif tok.startswith("$") and tok not in ("$end",):
                for part in tokens:
                    if part == "$end":
                        break
            continue
        c = tok[0]
        if tok == "$comment":
            for part in tokens:
                if part == "$end":
                    break
        elif c == "#":
            try:
                t = int(tok[1:])
            except ValueError:
                break
        elif c in "01xzXZ":
            _record(wf, by_code, tok[1:], tok[0].lower(), t)
        elif c in "bB":
            code = next(tokens, "")
            _record(wf, by_code, code, tok[1:].lower(), t)
        elif c in "rR":
            next(tokens, None)
        # $dumpvars/$dumpon/$end and comments: nothing to record
    wf.end_time = t
    return wf


def _record(wf: Waveform, by_code: dict[str, list[Var]], code: str, value: str, t: int) -> None:
    vs = by_code.get(code)
    if not vs or not value:
        return
    value = _extend(value, vs[0].width)
    times = wf.times.setdefault(code, [])
    values = wf.values.setdefault(code, [])
    if times and times[-1] == t:
        values[-1] = value  # several changes in one step: keep the last
    else:
        times.append(t)
        values.append(value)


def read_vcd(workspace: Path, path: Path, max_bytes: int = MAX_BYTES) -> Waveform:
    """Parse a VCD written inside `workspace` (safely opened; refused past `max_bytes`)."""
    fd = open_beneath(workspace, path)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(f"{path} is not a regular file (refused)")
        if st.st_size > max_bytes:
            raise UnsafePath(f"{path} is {st.st_size} bytes (more than {max_bytes}): not read")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read()
    finally:
        os.close(fd)
    wf = parse_vcd(data.decode("ascii", errors="replace"))
    wf.truncated = st.st_size >= (64 << 20) - 4096
    return wf
