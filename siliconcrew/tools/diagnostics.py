"""Turn EDA tool output into `Diagnostic`s (file, line, column, severity, code, message).

One parser per tool family. Paths printed by tools are passed through `map_path` so
diagnostics always name workspace-relative files, whatever the backend.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from siliconcrew.tools.base import Diagnostic

PathMapper = Callable[[str], str]

_VERILATOR = re.compile(
    r"^%(?P<sev>Warning|Error|Fatal)(?:-(?P<code>[A-Z0-9_]+))?:\s*"
    r"(?:(?P<file>[^\s:][^:]*?):(?P<line>\d+):(?:(?P<col>\d+):)?\s*)?(?P<msg>.*)$"
)
_IVERILOG = re.compile(
    r"^(?P<file>[^\s:][^:]*?):(?P<line>\d+):\s*(?:(?P<sev>error|warning|sorry):\s*)?(?P<msg>.*)$"
)
_IVERILOG_NOFILE = re.compile(r"^(?P<sev>error|warning):\s*(?P<msg>.*)$")
_VVP = re.compile(
    r"^(?P<sev>ERROR|FATAL|WARNING):\s*(?P<file>[^\s:][^:]*?):(?P<line>\d+):\s*(?P<msg>.*)$"
)
_YOSYS_FILE_ERR = re.compile(r"^(?P<file>[^\s:][^:]*?):(?P<line>\d+):\s*ERROR:\s*(?P<msg>.*)$")
_YOSYS_ERR = re.compile(r"^ERROR:\s*(?P<msg>.*)$")
_YOSYS_WARN = re.compile(r"^Warning:\s*(?P<msg>.*)$")
_YOSYS_LATCH = re.compile(
    r"^Latch inferred for signal `(?P<sig>[^']+)' from process `[^$]*\$proc\$"
    r"(?P<file>[^:]+):(?P<line>\d+)"
)
_SRC_IN_MSG = re.compile(r"(?P<file>[\w./-]+\.s?v[h]?):(?P<line>\d+)")

_VERILATOR_NOISE = (
    "Exiting due to",
    "Cannot continue",
    "This may be because there's no search path",
)


def _sev(word: str) -> str:
    w = word.lower()
    return "warning" if w.startswith("warn") else ("info" if w == "info" else "error")


def parse_verilator(text: str, map_path: PathMapper) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for line in text.splitlines():
        m = _VERILATOR.match(line)
        if not m or any(n in m.group("msg") for n in _VERILATOR_NOISE):
            continue
        f = m.group("file")
        out.append(
            Diagnostic(
                file=map_path(f) if f else None,
                line=int(m.group("line")) if m.group("line") else None,
                column=int(m.group("col")) if m.group("col") else None,
                severity=_sev(m.group("sev")),
                code=m.group("code"),
                message=m.group("msg").strip(),
            )
        )
    return out


def parse_iverilog(text: str, map_path: PathMapper) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for line in text.splitlines():
        line = line.rstrip()
        m = _IVERILOG.match(line)
        if m:
            msg = m.group("msg").strip()
            sev = m.group("sev") or ("error" if "error" in msg.lower() else "warning")
            # "sorry:" is Icarus' own limitation; an error unless the compile went through
            # anyway (the caller knows the exit code: see lint)
            out.append(
                Diagnostic(
                    file=map_path(m.group("file")),
                    line=int(m.group("line")),
                    severity="error" if sev == "sorry" else _sev(sev),
                    code="iverilog-sorry" if sev == "sorry" else "iverilog",
                    message=msg,
                )
            )
            continue
        m = _IVERILOG_NOFILE.match(line)
        if m:
            out.append(
                Diagnostic(
                    severity=_sev(m.group("sev")), code="iverilog", message=m.group("msg").strip()
                )
            )
    return out


def parse_vvp(text: str, map_path: PathMapper) -> list[Diagnostic]:
    """$error/$fatal/$warning messages printed by vvp at run time."""
    out = []
    for line in text.splitlines():
        m = _VVP.match(line.strip())
        if m:
            out.append(
                Diagnostic(
                    file=map_path(m.group("file")),
                    line=int(m.group("line")),
                    severity="warning" if m.group("sev") == "WARNING" else "error",
                    code=f"sim-{m.group('sev').lower()}",
                    message=m.group("msg"),
                )
            )
    return out


def parse_yosys(text: str, map_path: PathMapper) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen: set[tuple] = set()

    def add(d: Diagnostic) -> None:
        key = (d.file, d.line, d.severity, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)

    lines = text.splitlines()
    for i, line in enumerate(lines):
        line = line.rstrip()
        if m := _YOSYS_FILE_ERR.match(line):
            add(
                Diagnostic(
                    file=map_path(m.group("file")),
                    line=int(m.group("line")),
                    severity="error",
                    code="yosys",
                    message=m.group("msg"),
                )
            )
        elif m := _YOSYS_ERR.match(line):
            add(Diagnostic(severity="error", code="yosys", message=m.group("msg")))
        elif m := _YOSYS_LATCH.match(line):
            add(
                Diagnostic(
                    file=map_path(m.group("file")),
                    line=int(m.group("line")),
                    severity="warning",
                    code="latch",
                    message=f"latch inferred for signal {m.group('sig')}",
                )
            )
        elif m := _YOSYS_WARN.match(line):
            msg = m.group("msg")
            if msg.endswith(":"):  # e.g. conflicting drivers: the drivers follow, indented
                more = []
                for nxt in lines[i + 1 : i + 6]:
                    if not nxt.startswith("    "):
                        break
                    more.append(nxt.strip())
                if more:
                    msg = msg + " " + "; ".join(more)
            code = (
                "multiple-drivers"
                if "conflicting drivers" in msg
                else ("no-driver" if "has no driver" in msg else "yosys")
            )
            src = _SRC_IN_MSG.search(msg)
            add(
                Diagnostic(
                    file=map_path(src.group("file")) if src else None,
                    line=int(src.group("line")) if src else None,
                    severity="warning",
                    code=code,
                    message=msg,
                )
            )
    return out


def first_errors(diags: Iterable[Diagnostic], n: int = 3) -> str:
    errs = [d for d in diags if d.severity == "error"][:n]
    return "; ".join(
        (f"{d.file}:{d.line}: " if d.file and d.line else "") + d.message for d in errs
    )
