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

Failures count too. A remembered recipe that was tried and failed (missed the clock or its
checks pre-layout, or failed post-route in the engine check or the graph's hardening) has
the failure recorded on its insight (`record_failure`, `times_failed`); `recall` ranks by
net evidence and skips a recipe whose failures clearly outnumber its closures
(`rank`, `SKIP_MARGIN`). That is evidence, never a gate: the ladder that follows does not
depend on memory and finds a skipped recipe again where it closes, which verifies it once
more.
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


# A recipe is skipped once its failures exceed its verifications by this much (see rank).
SKIP_MARGIN = 2


def net_evidence(times_verified: int, times_failed: int) -> int:
    """Closures minus failures: what ranks remembered recipes."""
    return int(times_verified) - int(times_failed)


def rank(
    entries: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Order remembered recipes best first and set aside those not worth trying.

    Each entry: {"record", "times_verified", "times_failed", "created"}. Ranked by net
    evidence (verified - failed), then by the latest verification (`created`): a recipe
    that closed twice and failed twice goes behind one that closed once and never failed.

    Skipped: net evidence <= -SKIP_MARGIN, i.e. at least two failures more than closures.
    Why not fewer: the key is the worst path's cause classes and the PDK, not the design or
    its clock, so one failure is expected where a harder design or a tighter clock shares
    the causes (a recipe that closed add32 at 2.1 ns fails at 1.8 ns post-route) and says
    little about the next design; a tie (verified once, failed once) keeps it, at the
    cost of one synthesis + STA (and an engine check) first. Why skip at all: a recipe
    that keeps failing costs an engine check (tens of seconds to minutes) on every run,
    and skipping loses nothing for good: the ladder does not depend on memory and finds a
    skipped recipe again wherever it closes, which counts a verification (net + 1) and
    brings it back. Returns (to try, best first; skipped, with `why`)."""
    ordered = sorted(
        entries,
        key=lambda e: (
            net_evidence(e["times_verified"], e["times_failed"]),
            str(e.get("created", "")),
        ),
        reverse=True,
    )
    keep, skipped = [], []
    for e in ordered:
        net = net_evidence(e["times_verified"], e["times_failed"])
        if net <= -SKIP_MARGIN:
            skipped.append(
                {
                    **e,
                    "why": f"failed {e['times_failed']}x against {e['times_verified']} "
                    f"closure(s): at least {SKIP_MARGIN} failures more than closures",
                }
            )
        else:
            keep.append(e)
    return keep, skipped


def evidence_of(record: dict[str, Any]) -> dict[str, int]:
    """The counts `recall` attached to a record ({} from a memory that keeps none)."""
    ev = record.get("evidence")
    return dict(ev) if isinstance(ev, dict) else {}


def bare(record: dict[str, Any]) -> dict[str, Any]:
    """The record as stored (without the evidence `recall` attached): what identifies it."""
    return {k: v for k, v in record.items() if k != "evidence"}


def describe(record: dict[str, Any]) -> str:
    """`prefix-adders (verified 2x, failed 1x)`: a recalled recipe in one phrase."""
    ev = evidence_of(record)
    name = record.get("strategy") or "recipe"
    if not ev:
        return str(name)
    return f"{name} (verified {ev.get('times_verified', 0)}x, failed {ev.get('times_failed', 0)}x)"


def demotion_note(counts: dict[str, int]) -> str:
    """What a counted failure did to the recipe, in words (for reports and the trace)."""
    v, f = counts.get("times_verified", 0), counts.get("times_failed", 0)
    net = net_evidence(v, f)
    said = (
        "demoted"
        if counts.get("counted", 1)
        else "already counted for this run (one failure a run)"
    )
    return f"{said}: its insight says verified {v}x, failed {f}x (net {net:+d})" + (
        f"; skipped from now on (at least {SKIP_MARGIN} failures more than closures)"
        if net <= -SKIP_MARGIN
        else ""
    )


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
    def recall(self, key: str) -> list[dict[str, Any]]:
        """Records to try for `key`, best first; each may carry `evidence` (its counts)."""
        ...

    def remember(self, key: str, record: dict[str, Any], run_id: str, context: dict) -> bool:
        """Store a verified closure; True when it was stored."""
        ...

    def record_failure(
        self, key: str, record: dict[str, Any], run_id: str, reason: str
    ) -> dict[str, int] | None:
        """Count a failure of a recalled record (once per run); its counts (`counted`: 0
        when this run had counted one already), or None when not recorded."""
        ...


class KbMemory:
    """The knowledge base's insights collection as a recipe memory."""

    def __init__(self, location: str | None = None, kb: Any = None) -> None:
        self.location, self.kb = location, kb
        self.problem = ""
        self.skipped: list[dict[str, Any]] = []  # the last recall's skipped records (rank)

    def _kb(self):
        from siliconcrew.knowledge_base.handles import open_kb

        if self.kb is not None:
            return self.kb
        if os.environ.get("SILICONCREW_KB", "").lower() in ("off", "none", "0"):
            raise RuntimeError("knowledge base switched off (SILICONCREW_KB)")
        return open_kb(self.location, auto_seed=False)

    def recall(self, key: str) -> list[dict[str, Any]]:
        """Remembered records for `key`, best net evidence first, each with its `evidence`
        (times_verified, times_failed); those `rank` skips are in `skipped` with why ([]
        when the knowledge base cannot open: it is optional, a repair never fails for it).
        Insights stored before failures were counted read as 0 failures."""
        found: list[dict[str, Any]] = []
        self.skipped = []
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
            if not isinstance(record, dict):
                continue
            found.append(
                {
                    "record": record,
                    "times_verified": int(meta.get("times_verified", 1)),
                    "times_failed": int(meta.get("times_failed", 0)),
                    "created": str(meta.get("created", "")),
                }
            )
        keep, skipped = rank(found)

        def with_evidence(e: dict[str, Any]) -> dict[str, Any]:
            counts = {"times_verified": e["times_verified"], "times_failed": e["times_failed"]}
            return {**e["record"], "evidence": counts}

        self.skipped = [{**with_evidence(e), "why": e["why"]} for e in skipped]
        return [with_evidence(e) for e in keep]

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

    def record_failure(
        self, key: str, record: dict[str, Any], run_id: str, reason: str
    ) -> dict[str, int] | None:
        """Count a failure on the insight `record` was recalled from (the same key and fix
        `remember` stored); its new counts, or None when there is no such insight or the
        knowledge base cannot take it (the reason is in `problem`)."""
        from siliconcrew.knowledge_base.insights import record_failed_fix

        try:
            got = record_failed_fix(
                key,
                json.dumps(bare(record), sort_keys=True),
                run_id or "unknown",
                reason,
                kb=self._kb(),
            )
        except Exception as exc:
            self.problem = f"knowledge base unavailable: {exc}"[:300]
            return None
        if got is None:
            self.problem = "no stored insight matches the recipe (nothing to demote)"
            return None
        ins, counted = got
        return {
            "times_verified": ins.times_verified,
            "times_failed": ins.times_failed,
            "counted": int(counted),  # 0: this run had counted a failure on it already
        }


class DeferredMemory:
    """Recall from a memory now; hold a closure instead of storing it. For a repair whose
    closure is confirmed later by someone else (the graph's harden node): `pending` is what
    `remember` was asked to store, for that confirmation to store (or drop)."""

    def __init__(self, inner: Memory) -> None:
        self.inner = inner
        self.pending: dict[str, Any] | None = None

    def recall(self, key: str) -> list[dict[str, Any]]:
        return self.inner.recall(key)

    @property
    def skipped(self) -> list[dict[str, Any]]:
        return list(getattr(self.inner, "skipped", []) or [])

    def remember(self, key: str, record: dict[str, Any], run_id: str, context: dict) -> bool:
        self.pending = {"key": key, "record": record, "run_id": run_id, "context": dict(context)}
        return False  # not stored: waiting for the confirmation

    def record_failure(
        self, key: str, record: dict[str, Any], run_id: str, reason: str
    ) -> dict[str, int] | None:
        """Failures are recorded at once: one seen before any confirmation (pre-layout) is
        final, nothing later can undo it."""
        return self.inner.record_failure(key, record, run_id, reason)
