"""`vcd_stats`: per-signal toggle counts and final values from a VCD file.

Pure Python on a workspace file: it needs no EDA binary, so it does not use the sandbox.
It only reads (read_only = True), so agents may call it without approval.
"""

from __future__ import annotations

import time

from pydantic import Field

from siliconcrew.core.errors import UserInputError
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult


class VcdStatsInput(ToolInput):
    vcd: str = Field(description="VCD file, relative to the workspace")
    max_signals: int = Field(200, ge=1, le=10_000, description="signals to report")


def parse_vcd(text: str) -> dict[str, dict]:
    """{signal name: {width, changes, final}} from VCD text (scopes joined with '.')."""
    ids: dict[str, list[str]] = {}
    signals: dict[str, dict] = {}
    scope: list[str] = []
    body_started = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not body_started:
            tokens = line.split()
            if tokens[0] == "$scope" and len(tokens) >= 3:
                scope.append(tokens[2])
            elif tokens[0] == "$upscope":
                scope.pop() if scope else None
            elif tokens[0] == "$var" and len(tokens) >= 5:
                width, code, name = int(tokens[2]), tokens[3], tokens[4]
                full = ".".join(scope + [name])
                ids.setdefault(code, []).append(full)
                signals[full] = {"width": width, "changes": 0, "final": "x"}
            elif tokens[0] == "$enddefinitions":
                body_started = True
            continue
        if line[0] in "#$":
            continue
        if line[0] in "bBrR":
            value, _, code = line[1:].partition(" ")
        else:
            value, code = line[0], line[1:]
        for name in ids.get(code.strip(), []):
            sig = signals[name]
            if sig["final"] != value:
                sig["changes"] += 1
            sig["final"] = value
    return signals


class VcdStatsTool(Tool):
    name = "vcd_stats"
    description = "Summarise a VCD: per-signal width, value changes and final value"
    input_model = VcdStatsInput
    read_only = True

    def run(self, ctx: ToolContext, inp: VcdStatsInput) -> ToolResult:
        start = time.perf_counter()
        path = ctx.resolve(inp.vcd)  # refuses paths outside the workspace
        text = path.read_text(errors="replace")
        if "$enddefinitions" not in text:
            raise UserInputError(f"'{inp.vcd}' is not a VCD file", "pass the .vcd from simulate")
        signals = parse_vcd(text)
        never = sorted(n for n, s in signals.items() if s["changes"] <= 1)
        diags = [
            Diagnostic(severity="info", code="no-toggle", message=f"{n} never toggled")
            for n in never[:20]
        ]
        shown = dict(sorted(signals.items())[: inp.max_signals])
        return ToolResult(
            tool=self.name,
            ok=True,
            duration_s=round(time.perf_counter() - start, 3),
            summary=f"{len(signals)} signals, {len(never)} never toggled",
            diagnostics=diags,
            metrics={
                "vcd__signals": len(signals),
                "vcd__never_toggled": len(never),
                "vcd__by_signal": shown,
            },
        )
