"""Write-back that only learns verified fixes.

An agent that fixed a failure calls `record_verified_fix(...)` with the result of the check
that followed. Only a passing check stores anything: an insight = error signature, context
(tool, versions, ...), the fix (a diff or a config change), the run id. The same signature
and fix recorded again updates one entry (with a count) instead of adding a duplicate.

A stored fix that was tried again and failed is counted on its insight
(`record_failed_fix`: `times_failed`, `last_failure`), never stored as a new one: the
failure demotes what was verified, it is not knowledge of its own. Insights stored before
the count existed read as 0 failures.

Every stored insight is also appended to ``<kb>/insights.jsonl`` (one JSON object a line), a
journal that survives a damaged chroma database and `kb reset` (kept as a .bak file):
`restore_insights` reloads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from siliconcrew.core.errors import UserInputError
from siliconcrew.knowledge_base.chunking import Chunk
from siliconcrew.knowledge_base.handles import open_kb
from siliconcrew.knowledge_base.store import Hit, KnowledgeBase

MAX_FIELD = 8000


@dataclass
class Insight:
    id: str
    signature: str
    fix: str
    run_id: str
    context: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    times_verified: int = 1
    times_failed: int = 0  # tried again and failed (record_failed_fix); absent in old entries
    last_failure: str = ""  # when, which run, why (the latest failure)
    last_failed_run: str = ""  # a run counts one failure at most (a resumed node reruns)

    def text(self) -> str:
        ctx = ", ".join(f"{k}={v}" for k, v in sorted(self.context.items()))
        return (
            f"Verified fix for: {self.signature}\n\nError signature: {self.signature}\n"
            f"Context: {ctx or 'none'}\nFix (verified by a passing check in run "
            f"{self.run_id}):\n{self.fix}"
        )

    def to_chunk(self) -> Chunk:
        meta: dict[str, Any] = {
            "source": f"run:{self.run_id}",
            "title": self.signature[:200],
            "anchor": self.id,
            "collection": "insights",
            "origin": "run",
            "kind": "insight",
            "run_id": self.run_id,
            "created": self.created,
            "times_verified": self.times_verified,
            "times_failed": self.times_failed,
            "last_failure": self.last_failure[:500],
            "last_failed_run": self.last_failed_run,
            "signature": self.signature[:1000],
            "context_json": json.dumps(self.context, default=str)[:4000],
        }
        for k, v in self.context.items():
            if isinstance(v, (str, int, float, bool)) and k.isidentifier():
                meta[f"ctx_{k}"] = v
        return Chunk(self.id, self.text(), meta)


def _norm(sig: str) -> str:
    return " ".join(sig.split()).lower()


def insight_id(signature: str, fix: str) -> str:
    h = hashlib.sha1(f"{_norm(signature)}\0{fix.strip()}".encode()).hexdigest()[:16]
    return f"insight:{h}"


def record_verified_fix(
    signature: str,
    context: dict[str, Any] | None,
    fix: str,
    run_id: str,
    check_passed: bool,
    kb: KnowledgeBase | None = None,
) -> Insight | None:
    """Store an insight if and only if `check_passed` is True; returns it, or None."""
    if check_passed is not True:  # False, None, "yes"...: nothing unverified is learned
        return None
    if not signature or not signature.strip():
        raise UserInputError("an insight needs an error signature", "pass the error line")
    if not fix or not fix.strip():
        raise UserInputError("an insight needs the fix", "pass the diff or config change")
    if not run_id:
        raise UserInputError("an insight needs the run id", "pass the run id")
    kb, signature, fix, iid, prev = _stored(kb, signature, fix)
    times = int(prev[1].get("times_verified", 1)) + 1 if prev else 1
    ins = Insight(
        iid,
        signature,
        fix,
        str(run_id),
        dict(context or {}),
        time.strftime("%Y-%m-%dT%H:%M:%S"),
        times,
        # a new verification does not erase the failures: both are evidence
        times_failed=int(prev[1].get("times_failed", 0)) if prev else 0,
        last_failure=str(prev[1].get("last_failure", "")) if prev else "",
        last_failed_run=str(prev[1].get("last_failed_run", "")) if prev else "",
    )
    kb.add_chunks([ins.to_chunk()], replace_sources=False)
    _journal(kb, ins)
    return ins


def record_failed_fix(
    signature: str, fix: str, run_id: str, reason: str, kb: KnowledgeBase | None = None
) -> tuple[Insight, bool] | None:
    """Count a failure on the verified insight for `signature` + `fix` (the same pair
    `record_verified_fix` stored it under): `times_failed` + 1, `last_failure` says when,
    which run and why. Everything else (text, context, the run that verified it, when) is
    kept, so the entry is found and read as before. One run counts once: the same run
    failing it again (a graph node rerun on resume, a second timing round) leaves the count
    as it is. Returns (the insight, whether this call counted), or None when no verified
    insight matches (a failure alone teaches nothing: nothing is stored)."""
    if not signature or not signature.strip() or not fix or not fix.strip():
        raise UserInputError("a failure needs the insight's signature and fix", "pass both")
    if not run_id:
        raise UserInputError("a failure needs the run id", "pass the run id")
    kb, signature, fix, iid, prev = _stored(kb, signature, fix)
    if prev is None:
        return None
    meta = prev[1]
    if str(meta.get("last_failed_run", "")) == str(run_id):
        return _from_meta(iid, signature, fix, meta), False
    try:
        context = json.loads(meta.get("context_json") or "{}")
    except ValueError:  # cut at 4000 characters (the stored text is kept as it is below)
        context = {}
    ins = Insight(
        iid,
        signature,
        fix,
        str(meta.get("run_id") or run_id),
        context if isinstance(context, dict) else {},
        str(meta.get("created", "")),
        int(meta.get("times_verified", 1)),
        times_failed=int(meta.get("times_failed", 0)) + 1,
        last_failure=f"{time.strftime('%Y-%m-%dT%H:%M:%S')} run {run_id}: {reason}"[:500],
        last_failed_run=str(run_id),
    )
    chunk = ins.to_chunk()
    chunk.text = prev[0] or chunk.text  # word for word: search and recall read it as before
    kb.add_chunks([chunk], replace_sources=False)
    _journal(kb, ins)
    return ins, True


def _stored(kb: KnowledgeBase | None, signature: str, fix: str) -> tuple[Any, str, str, str, Any]:
    """The store, the pair as it is keyed (trimmed, capped), its id and the entry stored under
    it (None when there is none): what a verification and a failure both start from."""
    kb = kb or open_kb(auto_seed=False)
    signature, fix = signature.strip()[:MAX_FIELD], fix.strip()[:MAX_FIELD]
    iid = insight_id(signature, fix)
    return kb, signature, fix, iid, kb.get([iid], "insights").get(iid)


def _from_meta(iid: str, signature: str, fix: str, meta: dict[str, Any]) -> Insight:
    """The stored insight's counts as they are (nothing written)."""
    return Insight(
        iid,
        signature,
        fix,
        str(meta.get("run_id", "")),
        {},
        str(meta.get("created", "")),
        int(meta.get("times_verified", 1)),
        times_failed=int(meta.get("times_failed", 0)),
        last_failure=str(meta.get("last_failure", "")),
        last_failed_run=str(meta.get("last_failed_run", "")),
    )


def _journal(kb: KnowledgeBase, ins: Insight) -> None:
    line = json.dumps(asdict(ins), default=str) + "\n"
    path = kb.path / "insights.jsonl"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def find_insights(query: str, k: int = 5, kb: KnowledgeBase | None = None) -> list[Hit]:
    kb = kb or open_kb(auto_seed=False)
    return kb.search(query, k=k, collections=["insights"])


def restore_insights(kb: KnowledgeBase, journal: str | os.PathLike | None = None) -> int:
    """Reload insights from a journal (default ``<kb>/insights.jsonl``); returns how many."""
    path = journal or (kb.path / "insights.jsonl")
    latest: dict[str, Insight] = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                d = json.loads(line)
                latest[d["id"]] = Insight(**d)
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line after a crash
    if latest:
        kb.add_chunks([i.to_chunk() for i in latest.values()], replace_sources=False)
    return len(latest)
