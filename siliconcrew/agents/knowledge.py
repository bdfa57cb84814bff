"""Knowledge-base hits for agents' prompts, and verified-fix write-back.

The knowledge base is optional at run time: if it cannot open (libraries missing, store
locked or damaged, SILICONCREW_KB=off) agents work without hits and the trace says why.
"""

from __future__ import annotations

import difflib
import os
from typing import Any

from siliconcrew.tools.run_context import RunContext

_UNAVAILABLE = object()


def knowledge_switched_off() -> bool:
    return os.environ.get("SILICONCREW_KB", "").lower() in ("off", "none", "0")


def knowledge_base(ctx: RunContext, *, seed: bool = True):
    """The run's knowledge base, or None when it is switched off or cannot open. `seed=False`
    for callers that read only what runs stored (timing recipes): the seed corpus is not
    embedded for them, and the handle is not kept as the run's (agents' hints still seed)."""
    kb = getattr(ctx, "_kb", None)
    if kb is _UNAVAILABLE:
        return None
    if kb is not None:
        return kb
    if knowledge_switched_off():
        ctx._kb = _UNAVAILABLE
        return None
    try:
        from siliconcrew.knowledge_base.handles import open_kb

        if not seed:
            return open_kb(auto_seed=False)
        ctx._kb = open_kb()
        return ctx._kb
    except Exception as exc:  # optional component: never fail a run for it
        ctx._kb = _UNAVAILABLE
        ctx.run_dir.event("note", message=f"knowledge base unavailable: {exc}"[:300])
        return None


def hints(ctx: RunContext, problem: str, k: int = 3) -> str:
    """A prompt section with the top hits for the error text (empty when none)."""
    kb = knowledge_base(ctx)
    if kb is None or not problem.strip():
        return ""
    query = "\n".join(problem.strip().splitlines()[:6])[:1500]
    try:
        found = kb.search(query, k=k)
    except Exception as exc:
        ctx.run_dir.event("note", message=f"knowledge base search failed: {exc}"[:300])
        return ""
    ctx.run_dir.event("kb_hits", query=query[:200], hits=[h.id for h in found])
    if not found:
        return ""
    body = "\n\n".join(f"[{h.collection}] {h.title}\n{h.text[:800]}" for h in found)
    return "Knowledge base (team notes on errors like this one):\n" + body


def record_fix(ctx: RunContext, evidence: str, before: str, after: str, check: str) -> Any:
    """Store an insight for a fix whose following check passed (the caller made sure)."""
    kb = knowledge_base(ctx)
    if kb is None:
        return None
    from siliconcrew.knowledge_base.insights import record_verified_fix

    diff = "".join(
        difflib.unified_diff(
            before.splitlines(True), after.splitlines(True), "before", "after", n=1
        )
    )[:4000]
    signature = next((ln for ln in evidence.splitlines() if ln.strip()), evidence)[:500]
    try:
        ins = record_verified_fix(
            signature,
            {"check": check, "design": ctx.design.name, "top": ctx.design.top},
            diff or after[:2000],
            ctx.run_dir.run_id,
            check_passed=True,
            kb=kb,
        )
    except Exception as exc:
        ctx.run_dir.event("note", message=f"insight not stored: {exc}"[:300])
        return None
    ctx.run_dir.event("insight_stored", signature=signature[:200])
    return ins
