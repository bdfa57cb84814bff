"""Shared knowledge base: chroma vectors + bm25s lexical index, seed corpus, verified insights.

    from siliconcrew.knowledge_base import open_kb
    kb = open_kb()                      # $SILICONCREW_KB or ~/.local/share/siliconcrew/kb
    hits = kb.search("[ERROR GPL-0302] ...", k=3)

Importing this package is cheap; chroma and the embedding model load on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["KnowledgeBase", "open_kb", "record_verified_fix", "COLLECTIONS"]


def __getattr__(name: str) -> Any:
    if name == "open_kb":
        from siliconcrew.knowledge_base.handles import open_kb

        return open_kb
    if name in ("KnowledgeBase", "COLLECTIONS", "Hit"):
        from siliconcrew.knowledge_base import store

        return getattr(store, name)
    if name in ("record_verified_fix", "find_insights"):
        from siliconcrew.knowledge_base import insights

        return getattr(insights, name)
    raise AttributeError(name)
