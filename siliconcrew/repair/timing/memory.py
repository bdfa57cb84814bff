"""Remembering what closed timing (issue #19, item 4).

A recipe that closed a design (checks passed and, where the engine can run, confirmed
post-route) is stored as a verified insight in the knowledge base, keyed by the cause
classes of the worst path (`wide_arithmetic`, `deep_combinational_chain`, ...) and the PDK.
The next repair whose worst path shows the same causes tries that recipe first (strategy
`remembered`), before the ladder. Nothing unverified is stored: `record_verified_fix` only
stores on a passing check. A graph run's timing node has no engine check of its own (the
harden node that follows is the engine's word), so it files closures through
`DeferredMemory`: recalled now, stored only once hardening confirmed them
(steps/timing_memory.py).
"""

from __future__ import annotations

import json
import os
from typing import Any, Protocol

KIND = "timing_recipe"
SIGNATURE_PREFIX = "timing closure for causes"


def causes_key(causes: list[str], pdk: str) -> str:
    """One key per set of cause classes (order and repeats do not matter) and PDK."""
    classes = sorted({c.strip() for c in causes if c and c.strip()})
    return f"{SIGNATURE_PREFIX} {'+'.join(classes) or 'none'} on {pdk}"


def worst_path_causes(analysis: dict[str, Any]) -> list[str]:
    """Cause classes of the worst path of a `timing` analysis (timing.json)."""
    worst = (analysis.get("paths") or [{}])[0]
    out = []
    for c in worst.get("causes", []):
        name = c.get("class") if isinstance(c, dict) else c
        if name:
            out.append(str(name))
    return out


def memory_record(
    recipe: dict[str, Any], strategy: str | None, added_latency: int
) -> dict[str, Any]:
    """What is remembered: the recipe without its clock-specific target (the next design
    has its own period), how it was found, and the stages pipelining added."""
    kept = {k: v for k, v in recipe.items() if k != "abc_delay_ps" and v not in (None, False)}
    return {"recipe": kept, "strategy": strategy or "", "added_latency": int(added_latency)}


def baseline_causes(
    design: Any, folder: Any, tool_ctx: Any, run_tool: Any, rtl: list[str] | None = None
) -> tuple[list[str], str]:
    """The key's cause classes: the worst path of the design as `check` synthesizes it
    (design.yaml's recipe, not a repair's), so `timing --repair` and a graph run file the same
    design at the same clock under the same key. Returns (causes, why the analysis failed);
    the analysis is evidence, never a gate: on failure the repair runs without memory."""
    from siliconcrew.repair.timing.analysis import analyze_design

    try:
        analysis = analyze_design(
            design, folder, tool_ctx, run_tool, top_paths=1, rtl=rtl, recipe=design.check_recipe()
        )
    except Exception as exc:
        return [], f"timing analysis for the memory key: {exc}"[:300]
    return worst_path_causes(analysis), ""


class Memory(Protocol):
    def recall(self, key: str) -> list[dict[str, Any]]: ...

    def remember(self, key: str, record: dict[str, Any], run_id: str, context: dict) -> bool:
        """Store a verified closure; True when it was stored."""
        ...


class KbMemory:
    """The knowledge base's insights collection as a recipe memory."""

    def __init__(self, location: str | None = None, kb: Any = None) -> None:
        self.location, self.kb = location, kb
        self.problem = ""

    def _kb(self):
        from siliconcrew.knowledge_base.handles import open_kb

        if self.kb is not None:
            return self.kb
        if os.environ.get("SILICONCREW_KB", "").lower() in ("off", "none", "0"):
            raise RuntimeError("knowledge base switched off (SILICONCREW_KB)")
        return open_kb(self.location, auto_seed=False)

    def recall(self, key: str) -> list[dict[str, Any]]:
        """Remembered records for `key`, the most often verified first ([] when the knowledge
        base cannot open: it is optional, a repair never fails for it)."""
        found: list[tuple[int, str, dict[str, Any]]] = []
        try:
            hits = self._kb().list("insights", limit=10_000)
        except Exception as exc:
            self.problem = f"knowledge base unavailable: {exc}"[:300]
            return []
        for hit in hits:
            meta = hit.metadata or {}
            if meta.get("ctx_kind") != KIND or meta.get("signature") != key:
                continue
            try:
                record = json.loads(hit.text.split("Fix (verified", 1)[1].split("\n", 1)[1])
            except (IndexError, ValueError):
                continue
            found.append((int(meta.get("times_verified", 1)), str(meta.get("created", "")), record))
        found.sort(key=lambda t: (t[0], t[1]), reverse=True)
        return [r for _, _, r in found]

    def remember(self, key: str, record: dict[str, Any], run_id: str, context: dict) -> bool:
        """Store the closure (the caller verified it); False when the knowledge base cannot
        take it (the reason is in `problem`)."""
        from siliconcrew.knowledge_base.insights import record_verified_fix

        try:
            return (
                record_verified_fix(
                    key,
                    {"kind": KIND, **context},
                    json.dumps(record, sort_keys=True),
                    run_id,
                    check_passed=True,
                    kb=self._kb(),
                )
                is not None
            )
        except Exception as exc:
            self.problem = f"knowledge base unavailable: {exc}"[:300]
            return False


class DeferredMemory:
    """Recall from a memory now; hold a closure instead of storing it. For a repair whose
    closure is confirmed later by someone else (the graph's harden node): `pending` is what
    `remember` was asked to store, for that confirmation to store (or drop)."""

    def __init__(self, inner: Memory) -> None:
        self.inner = inner
        self.pending: dict[str, Any] | None = None

    def recall(self, key: str) -> list[dict[str, Any]]:
        return self.inner.recall(key)

    def remember(self, key: str, record: dict[str, Any], run_id: str, context: dict) -> bool:
        self.pending = {"key": key, "record": record, "run_id": run_id, "context": dict(context)}
        return False  # not stored: waiting for the confirmation
