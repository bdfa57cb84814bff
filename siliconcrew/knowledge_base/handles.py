"""Process-wide knowledge-base handles: one open store per location, seeded on first use.

Apart from `store` so that the store does not import the ingest code that fills it (and
ingest imports the store): opening a store that seeds itself needs both.
"""

from __future__ import annotations

import os
import threading

from siliconcrew.knowledge_base.ingest import ensure_seeded
from siliconcrew.knowledge_base.store import KnowledgeBase, default_location

_open: dict[str, KnowledgeBase] = {}
_open_lock = threading.Lock()


def open_kb(location: str | os.PathLike | None = None, *, auto_seed: bool = True) -> KnowledgeBase:
    """Open (and cache per process) a knowledge base; seed it when it is empty or its seed
    corpus is older than the one shipped with this version."""
    loc = str(location) if location else default_location()
    with _open_lock:
        kb = _open.get(loc)
        if kb is None:
            kb = KnowledgeBase(loc)
            _open[loc] = kb
    if auto_seed:
        ensure_seeded(kb)
    return kb
