"""The first difference between two waveforms of the same testbench (RTL run vs netlist run).

Both runs dump the testbench top's own signals (the nets to and from the design, and the
testbench's variables) with a small extra top-level module compiled beside the testbench
(`dump_module_source`), so the user's testbench is never edited. The two VCD files are read
in lockstep, one time step at a time, and the comparison stops at the first time step after
which a signal's value differs; when that difference has x/z bits on one side (an X before a
reset or before a block's first evaluation), it goes on to the first difference where both
values are 0/1, which is usually the one a testbench reports.

Bounded: the dump module caps each file (`$dumplimit`); the files are streamed (vcdvcd's
callback parser, one reader thread per file feeding a small queue), never loaded whole; the
comparison stops at a deadline; the files are opened the way every sandbox-written file is
(safe_io: no symlinks, regular files only).

vcdvcd quirks handled here: it opens files by path (it gets `/proc/self/fd/N` of a file
already opened safely), it cannot be paused (hence the threads), it cannot see `$comment`
(a file cut by `$dumplimit` is recognised by its size, and its last time step is dropped),
and importing it resets SIGPIPE to the default action for the whole process (restored).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import stat
import threading
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from siliconcrew.sandbox.safe_io import UnsafePath, open_beneath

#: Name of the extra top-level module and of the file it dumps to.
DUMP_MODULE = "siliconcrew_vcd_dump"
DUMP_FILE = "siliconcrew_dump.vcd"
#: `$dumplimit` of each run's VCD (bytes); the comparison covers what fits.
DUMP_LIMIT_BYTES = 32 << 20  # two such files compare in ~20 s (vcdvcd: ~3 MB/s)
DEFAULT_TIMEOUT_S = 30.0
_NET_TYPES = {
    "wire",
    "tri",
    "tri0",
    "tri1",
    "wand",
    "wor",
    "triand",
    "trior",
    "uwire",
    "supply0",
    "supply1",
    "trireg",
}
_CHUNK = 512  # time steps per queue item
_QUEUE_ITEMS = 8  # queue items per reader: bounded memory


def dump_module_source(
    tb_top: str, vcd_name: str = DUMP_FILE, limit_bytes: int = DUMP_LIMIT_BYTES
) -> str:
    """A second root module (`iverilog -s <tb> -s siliconcrew_vcd_dump`) that dumps the
    testbench top's own signals (depth 1: not the design's internals, which differ between
    RTL and netlist)."""
    return (
        f"// written by siliconcrew: dumps {tb_top}'s own signals for the RTL/netlist "
        "comparison\n"
        f"module {DUMP_MODULE};\n"
        f"  initial begin\n"
        f'    $dumpfile("{vcd_name}");\n'
        f"    $dumpvars(1, {tb_top});\n"
        f"    $dumplimit({int(limit_bytes)});\n"
        f"  end\n"
        f"endmodule\n"
    )


@dataclass
class Difference:
    """The first signal whose value differs after a time step, in both runs' words."""

    signal: str  # "tb_top.y"
    time: str  # "21 ns"
    time_fs: int
    a: str  # Verilog literal in run a ("4'h0")
    b: str
    net: bool  # a net of the testbench top (wired to the design), not a variable
    x_in_b_only: bool  # b has x/z bits where a has none
    x_in_a_only: bool  # a has x/z bits where b has none
    b_never_known: bool  # b never had a value without x/z before this

    def to_dict(self, a_label: str = "a", b_label: str = "b") -> dict[str, Any]:
        d = asdict(self)
        d[a_label], d[b_label] = d.pop("a"), d.pop("b")
        d[f"x_in_{b_label}_only"] = d.pop("x_in_b_only")
        d[f"x_in_{a_label}_only"] = d.pop("x_in_a_only")
        d[f"{b_label}_never_known"] = d.pop("b_never_known")
        return d

    def describe(self, a_label: str = "a", b_label: str = "b") -> str:
        return f"{self.signal} at {self.time} ({a_label}={self.a}, {b_label}={self.b})"


@dataclass
class Comparison:
    difference: Difference | None
    compared_to: str | None  # the last time step compared ("120 ns")
    complete: bool  # both waveforms compared to their ends
    note: str | None = None  # why the comparison stopped short or could not run
    signals: int = 0  # signals compared
    #: when `difference` has x/z bits: the first difference after it where both values are
    #: 0/1 (an X before a reset or a first evaluation often precedes the real difference)
    known_difference: Difference | None = None


class _Stopped(Exception):
    pass


def import_vcdvcd():
    """vcdvcd sets SIGPIPE to SIG_DFL when imported; put the process's handler back. Import
    vcdvcd only through this: with SIG_DFL a write to a closed socket (an HTTP client that
    hung up on an MCP or scripted-LLM server) kills the whole process instead of raising."""
    try:
        old = signal.getsignal(signal.SIGPIPE)
    except (AttributeError, ValueError):
        old = None
    import vcdvcd  # noqa: PLC0415

    if old is not None:
        try:
            signal.signal(signal.SIGPIPE, old)
        except (ValueError, OSError):  # not the main thread: vcdvcd could not change it either
            pass
    return vcdvcd


class _Reader:
    """One VCD file parsed by vcdvcd in a thread; time steps come out of `steps()`."""

    def __init__(self, fd: int, scope: str, truncated: bool, stop: threading.Event) -> None:
        self.fd, self.scope, self.truncated, self.stop = fd, scope, truncated, stop
        self.q: queue.Queue = queue.Queue(maxsize=_QUEUE_ITEMS)
        self.header: dict[str, tuple[str, int, str, int]] = {}  # code -> name, width, type, i
        self.timescale_fs = 1
        self.pending: dict[str, str] = {}
        self.chunk: list[tuple[int, dict[str, str]]] = []
        self.last_t = -1
        self.ended_early: str | None = None
        self.thread = threading.Thread(target=self._run, daemon=True, name="vcd-reader")

    # vcdvcd callbacks -----------------------------------------------------------------------
    def enddefinitions(self, vcd, signals, cur_sig_vals) -> None:
        ts = vcd.timescale.get("timescale")
        self.timescale_fs = max(1, int(Decimal(ts) / Decimal("1e-15"))) if ts else 1
        prefix = self.scope + "."
        n = 0
        for code, sig in vcd.data.items():
            for ref in sig.references:
                name = ref[len(prefix) :] if ref.startswith(prefix) else None
                if name and "." not in name:
                    base = name.split("[", 1)[0]
                    try:
                        width = int(sig.size)
                    except (TypeError, ValueError):
                        width = 1
                    self.header[code] = (f"{self.scope}.{base}", width, str(sig.var_type), n)
                    n += 1
                    break
        self._put(("header", None))

    def time(self, vcd, time_, cur_sig_vals) -> None:
        if self.stop.is_set():
            raise _Stopped
        if not self.pending:
            return
        t = int(time_) * self.timescale_fs
        if t <= self.last_t:  # VCD times only grow: what follows a $dumplimit cut repeats
            self.truncated = True
            raise _Stopped
        self.chunk.append((t, self.pending))
        self.last_t, self.pending = t, {}
        if len(self.chunk) > _CHUNK:
            self._flush(keep_last=True)

    def value(self, vcd, time, value, identifier_code, cur_sig_vals) -> None:
        if identifier_code in self.header:
            self.pending[identifier_code] = value

    # thread -----------------------------------------------------------------------------------
    def _put(self, item) -> None:
        while True:
            if self.stop.is_set():
                raise _Stopped
            try:
                self.q.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def _flush(self, keep_last: bool = False) -> None:
        """Hand the steps read so far to the comparison; `keep_last` holds the newest one
        back, so that a step cut by $dumplimit can still be dropped."""
        n = len(self.chunk) - (1 if keep_last else 0)
        if n > 0:
            chunk, self.chunk = self.chunk[:n], self.chunk[n:]
            self._put(("steps", chunk))

    def _run(self) -> None:
        vcdvcd = import_vcdvcd()
        fd_dir = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
        path = f"{fd_dir}/{self.fd}"
        try:
            try:
                only = re.compile(re.escape(self.scope) + r"\.[^.]+$")  # the scope's own
                vcdvcd.VCDVCD(path, callbacks=self, store_tvs=False, signal_res=[only])
            except _Stopped:
                if self.stop.is_set():
                    return
            except Exception as exc:  # a cut or malformed file: compare what was read
                self.ended_early = f"{type(exc).__name__}: {str(exc)[:120]}"
            if self.truncated and self.chunk:
                self.chunk.pop()  # the step at the cut may be incomplete
            self._flush()
            self._put(("end", None))
        except _Stopped:
            return

    def steps(self, deadline: float) -> Iterator[tuple[int, dict[str, str]]]:
        while True:
            try:
                kind, data = self.q.get(timeout=max(0.01, min(0.2, deadline - time.monotonic())))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    raise TimeoutError from None
                continue
            if kind == "end":
                return
            if kind == "steps":
                yield from data

    def wait_header(self, deadline: float) -> bool:
        while True:
            try:
                kind, _ = self.q.get(timeout=0.05)
            except queue.Empty:
                if time.monotonic() >= deadline or not self.thread.is_alive():
                    return False
                continue
            if kind == "header":
                return True
            if kind == "end":
                return False


def _known(v: str) -> bool:
    return not any(c in "xz" for c in v)


def _norm(value: str, width: int, vtype: str) -> str:
    if vtype == "real":
        return value
    v = value.lower()
    if len(v) < width:
        v = ("0" if v[:1] in ("0", "1", "") else v[0]) * (width - len(v)) + v
    return v


def _literal(v: str, width: int, vtype: str) -> str:
    if vtype == "real":
        return v
    if width == 1:
        return v
    if any(c not in "01" for c in v):
        return f"{width}'b{v}"
    if vtype == "integer":
        n = int(v, 2)
        return str(n - (1 << width) if v[0] == "1" else n)
    return f"{width}'h{int(v, 2):0{(width + 3) // 4}x}"


def _fmt_time(t_fs: int) -> str:
    ns = (Decimal(t_fs) / Decimal(10**6)).normalize()
    return f"{format(ns, 'f')} ns"


def _open_vcd(workspace: Path, path: Path) -> tuple[int, int]:
    fd = open_beneath(workspace, path)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafePath(f"{path} is not a regular file (refused)")
    os.set_blocking(fd, True)
    return fd, st.st_size


def compare_vcds(
    workspace: Path,
    a: Path,
    b: Path,
    scope: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    limit_bytes: int = DUMP_LIMIT_BYTES,
) -> Comparison:
    """The first time step after which a signal of `scope` (the testbench top) differs
    between waveform `a` and waveform `b` (and, for an x/z difference, the first one with
    both values 0/1 after it); at the same step nets come before variables, then by name.

    Never raises for a bad, missing or huge file: the result says how far it got and why.
    """
    fds: list[int] = []
    readers: list[_Reader] = []
    stop = threading.Event()
    deadline = time.monotonic() + timeout_s
    try:
        for p in (a, b):
            try:
                fd, size = _open_vcd(workspace, p)
            except FileNotFoundError:
                return Comparison(None, None, False, f"no waveform {p.name} (was it dumped?)")
            except (UnsafePath, OSError) as exc:
                return Comparison(None, None, False, f"waveform {p.name} refused: {exc}")
            fds.append(fd)
            readers.append(_Reader(fd, scope, size >= limit_bytes, stop))
        for r in readers:
            r.thread.start()
        for r, p in zip(readers, (a, b), strict=True):
            if not r.wait_header(deadline):
                return Comparison(
                    None,
                    None,
                    False,
                    f"waveform {p.name} has no signal "
                    f"definitions ({r.ended_early or 'empty or cut'})",
                )
        ha = {v[0]: (code, v) for code, v in readers[0].header.items()}
        hb = {v[0]: (code, v) for code, v in readers[1].header.items()}
        common = [n for n in ha if n in hb]
        if not common:
            return Comparison(None, None, False, f"no signals of {scope} in both waveforms")
        name_a = {ha[n][0]: n for n in common}
        name_b = {hb[n][0]: n for n in common}
        info = {n: ha[n][1] for n in common}  # name -> (name, width, type, index)
        state_a: dict[str, str] = {}
        state_b: dict[str, str] = {}
        known_b: set[str] = set()
        first: Difference | None = None
        sa, sb = readers[0].steps(deadline), readers[1].steps(deadline)
        na, nb = next(sa, None), next(sb, None)
        last: int | None = None
        steps = 0
        try:
            while na is not None and nb is not None:
                steps += 1
                if steps % 4096 == 0 and time.monotonic() >= deadline:
                    raise TimeoutError
                t = min(na[0], nb[0])
                changed: set[str] = set()
                if na[0] == t:
                    for code, v in na[1].items():
                        n = name_a.get(code)
                        if n:
                            _, w, vt, _ = info[n]
                            state_a[n] = _norm(v, w, vt)
                            changed.add(n)
                    na = next(sa, None)
                if nb[0] == t:
                    for code, v in nb[1].items():
                        n = name_b.get(code)
                        if n:
                            _, w, vt, _ = info[n]
                            state_b[n] = _norm(v, w, vt)
                            changed.add(n)
                    nb = next(sb, None)
                diffs = [n for n in changed if state_a.get(n) != state_b.get(n)]
                if first is not None:  # after an X difference: the first with both 0/1
                    diffs = [
                        n
                        for n in diffs
                        if _known(state_a.get(n, "x")) and _known(state_b.get(n, "x"))
                    ]
                if diffs:
                    n = min(diffs, key=lambda s: (info[s][2] not in _NET_TYPES, s))
                    _, w, vt, _ = info[n]
                    va, vb = state_a.get(n, "x" * w), state_b.get(n, "x" * w)
                    xa, xb = not _known(va), not _known(vb)
                    d = Difference(
                        signal=n,
                        time=_fmt_time(t),
                        time_fs=t,
                        a=_literal(va, w, vt),
                        b=_literal(vb, w, vt),
                        net=vt in _NET_TYPES,
                        x_in_b_only=xb and not xa,
                        x_in_a_only=xa and not xb,
                        b_never_known=n not in known_b,
                    )
                    if first is not None:
                        return Comparison(
                            first, _fmt_time(t), False, signals=len(common), known_difference=d
                        )
                    if not (xa or xb):
                        return Comparison(d, _fmt_time(t), False, signals=len(common))
                    first = d
                for n in changed:
                    if _known(state_b.get(n, "x")):
                        known_b.add(n)
                last = t
        except TimeoutError:
            return Comparison(
                first,
                _fmt_time(last) if last is not None else None,
                False,
                f"comparison stopped after {timeout_s:g} s (time-box)",
                signals=len(common),
            )
        complete = (
            na is None and nb is None and not any(r.truncated or r.ended_early for r in readers)
        )
        note = None
        if not complete:
            why = [
                f"{p.name} cut at the {limit_bytes >> 20} MB dump limit"
                for r, p in zip(readers, (a, b), strict=True)
                if r.truncated
            ]
            why += [
                f"{p.name} unreadable past a point ({r.ended_early})"
                for r, p in zip(readers, (a, b), strict=True)
                if r.ended_early and not r.truncated
            ]
            if not why:
                shorter = a if na is None else b
                why = [f"{shorter.name} ends first"]
            note = "; ".join(why)
        return Comparison(
            first,
            _fmt_time(last) if last is not None else None,
            complete,
            note,
            signals=len(common),
        )
    except TimeoutError:
        return Comparison(None, None, False, f"comparison stopped after {timeout_s:g} s (time-box)")
    finally:
        stop.set()
        for r in readers:
            r.thread.join(timeout=2.0)
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass
