"""Read qflow stage logs (log/*.log) into LibreLane-named metrics and diagnostics."""

from __future__ import annotations

import re

from siliconcrew.tools.base import Diagnostic

_SETUP = re.compile(
    r"^Path (\S+) to (.+?) delay ([\d.]+) ps\s+Slack = (-?[\d.e+-]+) ps", re.MULTILINE
)
_FMAX = re.compile(r"Computed maximum clock frequency \(zero margin\) = ([\d.]+) MHz")
_MIN_BLOCK = re.compile(
    r"Top \d+ minimum delay paths:(.*?)(?:^Design (?:meets|fails)[^\n]*|\Z)",
    re.MULTILINE | re.DOTALL,
)
_MIN_PATH = re.compile(
    r"^Path (\S+) to (.+?) delay ([\d.]+) ps\s*$(.*?)(?=^Path |\Z)", re.MULTILINE | re.DOTALL
)
_SKEW = re.compile(r"clock skew at destination = (-?[\d.e+-]+)")
_HOLD = re.compile(r"hold at destination = (-?[\d.e+-]+)")
_FAILED_ROUTES = re.compile(
    r"Final: Failed net routes: (\d+)|(\d+) nets? failed|"
    r"Failed net routes: (\d+)",
    re.IGNORECASE,
)
_DRC = re.compile(r"^drc = (\d+)", re.MULTILINE)
_LVS_TOTAL = re.compile(r"Total errors = (\d+)")
_CELLS = re.compile(r"^\s+Number of cells:\s+(\d+)", re.MULTILINE)
_ERROR_LINE = re.compile(r"^(?:ERROR|Error|\[ERROR)[: ].*$", re.MULTILINE)


_IO_PATH = re.compile(
    r"^Path input pin (\S+) to output pin (\S+) delay ([\d.]+) ps\s*$", re.MULTILINE
)


def timing_from_vesta(text: str, period_ns: float | None = None) -> dict:
    """Setup WS/TNS from max-delay paths (vesta --period), hold WS from min-delay paths.

    A purely combinational design has no register paths, so vesta prints no slack; its
    input-to-output delays are then checked against the period (a virtual clock with zero
    I/O delays, as the `sta` tool does).
    """
    out: dict = {}
    # vesta may print the max-delay block twice (register and I/O views): the first block
    # that carries "Slack =" lines (vesta --period) is the setup check.
    setup: list[float] = []
    parts = re.split(r"Top \d+ (maximum|minimum) delay paths:", text)
    for kind, body in zip(parts[1::2], parts[2::2], strict=True):
        if kind == "maximum":
            setup = [float(m.group(4)) / 1000.0 for m in _SETUP.finditer(body)]
            if setup:
                break
    if not setup and period_ns is not None:
        for kind, body in zip(parts[1::2], parts[2::2], strict=True):
            if kind == "maximum":
                io = [period_ns - float(m.group(3)) / 1000.0 for m in _IO_PATH.finditer(body)]
                if io:
                    setup = io
                    break
    if setup:
        out["timing__setup__ws"] = round(min(setup), 4)
        out["timing__setup__tns"] = round(sum(min(0.0, s) for s in setup), 4)
        out["timing__setup_vio__count"] = sum(s < 0 for s in setup)
    fmax = _FMAX.findall(text)
    if fmax:
        out["clock__fmax_mhz"] = float(fmax[-1])
    holds: list[float] = []
    for block in _MIN_BLOCK.findall(text):
        if holds:
            break
        for m in _MIN_PATH.finditer(block):
            body = m.group(4)
            hold = _HOLD.search(body)
            if hold:  # register endpoint: slack = arrival - (skew + hold requirement)
                skew = _SKEW.search(body)
                holds.append(
                    (
                        float(m.group(3))
                        - (float(skew.group(1)) if skew else 0.0)
                        - float(hold.group(1))
                    )
                    / 1000.0
                )
    if holds:
        out["timing__hold__ws"] = round(min(holds), 4)
        out["timing__hold__tns"] = round(sum(min(0.0, h) for h in holds), 4)
        out["timing__hold_vio__count"] = sum(h < 0 for h in holds)
    if "Design fails minimum hold timing" in text:
        out.setdefault("timing__hold__ws", -0.001)
    return out


def failed_routes(text: str) -> int | None:
    """qrouter's final verdict (intermediate stages print their own, larger counts)."""
    final = re.findall(r"Final: (?:No failed routes!|Failed net routes: (\d+))", text)
    if final:
        return int(final[-1] or 0)
    if "No failed routes" in text:
        return 0
    counts = [next(g for g in m.groups() if g is not None) for m in _FAILED_ROUTES.finditer(text)]
    return int(counts[-1]) if counts else None


def drc_count(text: str) -> int | None:
    m = _DRC.findall(text)
    return int(m[-1]) if m else None


def lvs_errors(text: str) -> int | None:
    total = _LVS_TOTAL.findall(text)
    n = int(total[-1]) if total else None
    if "do not match" in text.lower() or "Netlists do not match" in text:
        return max(n or 0, 1)
    if "match uniquely" in text or "Circuits match" in text:
        return n or 0
    return n


def synth_cells(text: str) -> int | None:
    m = _CELLS.findall(text)
    return int(m[-1]) if m else None


def error_diagnostics(text: str, stage: str, limit: int = 10) -> list[Diagnostic]:
    out = []
    for line in _ERROR_LINE.findall(text)[:limit]:
        out.append(Diagnostic(severity="error", code=f"qflow-{stage}", message=line.strip()[:300]))
    return out
