"""BM25 (bm25s) index per collection, persisted beside chroma and rebuilt on every write.

Tokenisation keeps error codes and identifiers whole *and* split: ``[ERROR GPL-0302]`` gives
``gpl-0302``, ``gpl``, ``0302``; ``%Warning-WIDTH:`` gives ``warning-width``, ``warning``,
``width``; ``FP_CORE_UTIL`` gives ``fp_core_util``, ``fp``, ``core``, ``util``. The whole token is
rare, so an exact code in a query weighs far more than its parts.

The index is derived data: chroma is the source of truth. A missing, stale or corrupted index
is rebuilt from chroma (see `store.py`), so damaging it loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[-.][A-Za-z0-9_]+)*")
_SPLIT = re.compile(r"[^a-z0-9]+")
# Identifier-like tokens: codes (GPL-0302), warning names (warning-width), config variables
# (fp_core_util), metric names (timing__setup__ws). Used for the exact-match boost.
_IDENT = re.compile(r"[A-Za-z0-9]+(?:[-_]+[A-Za-z0-9]+)+")
_STOP = frozenset(
    """a an and are as at be been but by can could did do does for from had has
have how i if in into is it its me my no not of on or our so such that the their them then there
these they this those to was we were what when where which while who why will with would you
your""".split()
)

META = "meta.json"


def _stem(word: str) -> str:
    if not word.isalpha() or len(word) <= 4:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        raw = m.group(0).strip("._-").lower()
        if not raw:
            continue
        parts = [p for p in _SPLIT.split(raw) if p]
        if len(parts) > 1:
            out.append(raw)
        for p in parts:
            if p in _STOP or (len(p) == 1 and not p.isdigit()):
                continue
            out.append(_stem(p))
    return out


def identifiers(text: str) -> list[str]:
    """Identifier-like tokens of a query (lower case), for exact matching."""
    seen: dict[str, None] = {}
    for m in _IDENT.finditer(text):
        tok = m.group(0).strip("_-").lower()
        # plain hyphenated English ("non-blocking") is not an identifier: need a digit, an
        # underscore or an upper-case letter in the original
        orig = m.group(0)
        if any(c.isdigit() for c in orig) or "_" in orig or any(c.isupper() for c in orig):
            seen.setdefault(tok, None)
    return list(seen)


def ids_digest(ids: Sequence[str]) -> str:
    h = hashlib.sha1()
    for i in sorted(ids):
        h.update(i.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


class LexicalIndex:
    """In-memory BM25 over (id, text) pairs of one collection."""

    def __init__(self, ids: Sequence[str] = (), texts: Sequence[str] = ()) -> None:
        import bm25s

        self.ids = list(ids)
        self.digest = ids_digest(self.ids)
        self._retriever: Any = None  # a bm25s.BM25 once there are documents
        if self.ids:
            self._retriever = bm25s.BM25()
            corpus = [tokenize(t) or ["_empty_"] for t in texts]
            self._retriever.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query_tokens: list[str], n: int) -> list[tuple[str, float]]:
        if not self.ids or not query_tokens:
            return []
        scores = np.asarray(self._retriever.get_scores(query_tokens))
        n = min(n, len(self.ids))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> None:
        """Write atomically: a temp dir beside the target, then rename over it."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=directory.name + ".tmp-", dir=directory.parent))
        try:
            if self._retriever is not None:
                self._retriever.save(str(tmp), show_progress=False)
            (tmp / "ids.json").write_text(json.dumps(self.ids))
            (tmp / META).write_text(
                json.dumps({"count": len(self.ids), "digest": self.digest, "format": 1})
            )
            old = directory.with_name(directory.name + ".old")
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
            if directory.exists():
                os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        """Load a saved index; raises ValueError when it is missing or damaged."""
        import bm25s

        directory = Path(directory)
        try:
            meta = json.loads((directory / META).read_text())
            ids = json.loads((directory / "ids.json").read_text())
            if (
                not isinstance(ids, list)
                or meta.get("count") != len(ids)
                or meta.get("digest") != ids_digest(ids)
            ):
                raise ValueError("ids and meta disagree")
            self = cls.__new__(cls)
            self.ids, self.digest, self._retriever = ids, meta["digest"], None
            if ids:
                self._retriever = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
                n_docs = self._retriever.scores.get("num_docs")
                if n_docs is not None and int(n_docs) != len(ids):
                    raise ValueError("index size and ids disagree")
                # touch the matrices so truncated files fail here, not in a query
                self._retriever.get_scores(["_probe_"])
            return self
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            raise ValueError(f"lexical index at {directory} is unreadable: {exc}") from exc
        except Exception as exc:  # numpy/bm25s raise assorted errors on damaged files
            raise ValueError(f"lexical index at {directory} is unreadable: {exc}") from exc
