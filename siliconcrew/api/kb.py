"""The shared knowledge base as operations: search, ingest, list, stats, doctor, seed, reset.

`location` is a store path or a chroma server URL (default: $SILICONCREW_KB, else
~/.local/share/siliconcrew/kb)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from siliconcrew.api.results import IngestResults, KbDoctorResult, KbHits, KbSeedResult, KbStats
from siliconcrew.core.errors import SiliconCrewError, UserInputError

SEARCH_MODES = ("hybrid", "vector", "lexical")


def open_store(location: str | None = None, auto_seed: bool = False):
    """The store (cached per process); `auto_seed` loads the seed corpus into an empty one."""
    from siliconcrew.knowledge_base.handles import open_kb

    return open_kb(location, auto_seed=auto_seed)


def kb_search(
    query: str,
    *,
    k: int = 5,
    collections: list[str] | None = None,
    mode: str = "hybrid",
    location: str | None = None,
) -> KbHits:
    """Hybrid (vector + BM25) search by default; an empty store is seeded first. A bad query
    or mode is refused before the store opens (seeding can take ≈ 40 s)."""
    from siliconcrew.knowledge_base.store import KnowledgeBase

    KnowledgeBase.clean_query(query)
    if mode not in SEARCH_MODES:
        raise UserInputError(f"unknown search mode '{mode}'", "use hybrid, vector or lexical")
    hits = open_store(location, auto_seed=True).search(
        query, k=k, collections=collections or None, mode=mode
    )
    return KbHits.model_validate([h.to_dict() for h in hits])


def kb_ingest(
    paths: Sequence[Path | str], *, collection: str | None = None, location: str | None = None
) -> IngestResults:
    """Add a team's own documents; ingesting a file again replaces its chunks."""
    from siliconcrew.knowledge_base.ingest import ingest_paths

    results = ingest_paths(open_store(location), [Path(p) for p in paths], collection)
    return IngestResults.model_validate([r.to_dict() for r in results])


def kb_list(
    collection: str = "insights", *, limit: int = 50, location: str | None = None
) -> KbHits:
    """Entries of a collection with their metadata (default: insights learned from runs)."""
    hits = [h.to_dict(with_metadata=True) for h in open_store(location).list(collection, limit)]
    if collection == "insights":  # stored before failures were counted: none counted
        for h in hits:
            if isinstance(h.get("metadata"), dict):
                h["metadata"].setdefault("times_failed", 0)
    return KbHits.model_validate(hits)


def kb_stats(location: str | None = None) -> KbStats:
    """Entries per collection, sources, size on disk."""
    return KbStats.model_validate(open_store(location).stats())


def kb_doctor(location: str | None = None) -> KbDoctorResult:
    """Which embedding route is used (nothing is downloaded) and whether the store opens; a
    store that does not open is reported in the result, not raised."""
    from siliconcrew.knowledge_base.embedding import doctor

    info = doctor()
    try:
        store = open_store(location)
        info["store"] = {"location": store.location, "counts": store.counts(), "ok": True}
    except SiliconCrewError as exc:
        info["store"] = {"ok": False, "error": exc.one_line()}
    return KbDoctorResult.model_validate(info)


def kb_seed(location: str | None = None) -> KbSeedResult:
    """Load (or refresh) the seed corpus shipped with SiliconCrew."""
    from siliconcrew.knowledge_base.ingest import seed

    return KbSeedResult.model_validate(seed(open_store(location)))


def kb_reset(location: str | None = None) -> str:
    """Delete every entry (the insights journal is kept as a .bak file); returns the store's
    location. Asking first is the front door's job."""
    store = open_store(location)
    store.reset()
    return store.location


def kb_location(location: str | None = None) -> str:
    """Where the store is (opens it, without seeding): what a reset confirmation names."""
    return open_store(location).location
