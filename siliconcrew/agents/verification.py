"""Verification agent: runs the golden testbench (read-only, judged on its own terms) and
turns a failure into short evidence for the RTL agent: the first failing lines."""

from __future__ import annotations

import re
from typing import Any

from siliconcrew.graph.context import RunContext

_EVIDENCE_LINE = re.compile(r"(ERROR|FATAL|FAIL|Mismatch|mismatch|expected|assert)", re.I)


def run_golden(ctx: RunContext, rtl_files: list[str]) -> dict[str, Any]:
    d = ctx.design
    if not d.testbench:
        return {"ok": True, "skipped": "no golden testbench in design.yaml",
                "summary": "no golden testbench: functional verification skipped"}
    v = d.verification
    res = ctx.tool("verify", "simulate", {
        "files": rtl_files + d.testbench, "top": d.testbench_top(), "simulator": v.simulator,
        "timeout_s": v.timeout_s, "include_dirs": d.include_dirs,
        "pass_patterns": v.pass_patterns, "fail_patterns": v.fail_patterns})
    out = {"ok": res.ok, "summary": res.summary, "failure": res.failure,
           "artifacts": res.artifacts}
    if not res.ok:
        out["evidence"] = evidence(ctx, res)
    return out


def evidence(ctx: RunContext, res) -> str:
    """Concise: the verdict, then the first failing output lines (first mismatch, time)."""
    lines = [f"golden testbench {ctx.design.testbench_top()}: {res.summary}"]
    log = res.artifacts.get("run_log")
    if log and (ctx.folder / log).is_file():
        text = (ctx.folder / log).read_text(errors="replace")
        hits = [ln.strip() for ln in text.splitlines() if _EVIDENCE_LINE.search(ln)]
        lines += hits[:8]
    for d in res.diagnostics[:5]:
        if d.severity == "error":
            lines.append(f"{d.file or ''}:{d.line or ''} {d.message}".strip(": "))
    return "\n".join(dict.fromkeys(lines))[:4000]
