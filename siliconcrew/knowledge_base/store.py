"""The shared knowledge base: chroma (vectors) + bm25s (lexical), fused by reciprocal rank.

Location: an explicit path or URL, else $SILICONCREW_KB, else
``$XDG_DATA_HOME/siliconcrew/kb`` (``~/.local/share/siliconcrew/kb``). A location starting with
``http://`` or ``https://`` is a chroma server shared by a team; the lexical index is then kept
in a local cache and rebuilt from the server when it is stale.

Concurrency: any number of readers; writers take an exclusive ``fcntl`` lock on
``<kb>/write.lock`` (one writer at a time, others wait up to `lock_timeout` then fail with a
clear error). The lexical index is derived data, saved atomically after each write and rebuilt
from chroma whenever it is missing, damaged or out of date.

Freshness: chroma keeps each collection's vector index in memory per process, so a reader that
opened the store would not see vectors another process added later. Every write therefore
replaces ``<kb>/changes`` with a new token (inside the write lock, after chroma committed); a
search that finds a token its process has not seen reopens chroma's Rust bindings for that store
in place (``_sync``), which every client of the store in the process shares. Writes made
with plain chroma clients do not replace the token and are not detected.

Telemetry is off (``anonymized_telemetry=False``): chroma makes no network call.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.core.errors import SiliconCrewError, UserInputError
from siliconcrew.knowledge_base.chunking import Chunk
from siliconcrew.knowledge_base.lexical import LexicalIndex, identifiers, tokenize

COLLECTIONS = ("docs", "errors", "insights")
RRF_K = 60
MAX_QUERY_CHARS = 2000  # longer queries (pasted logs) are cut: the model reads ~256 tokens
CANDIDATES = 50  # per list, before fusion
QUERY_CACHE = 256  # query embeddings kept per store (LRU)
SQLITE_MAGIC = b"SQLite format 3\x00"
ONNX_CACHE = "embedding-onnx"  # the model exported for onnxruntime (see embedding.py)
MARKER = "changes"  # replaced by every write: readers compare it to what they loaded

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class KBError(SiliconCrewError):
    """The knowledge base cannot be used as asked."""


class KBCorrupted(KBError):
    exit_code = 4


class KBLocked(KBError):
    exit_code = 5


@dataclass
class Hit:
    id: str
    collection: str
    source: str
    title: str
    text: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, with_metadata: bool = False) -> dict[str, Any]:
        d = asdict(self)
        if not with_metadata:
            d.pop("metadata")
        return d


def default_location() -> str:
    env = os.environ.get("SILICONCREW_KB")
    if env:
        return env
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "siliconcrew" / "kb")


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


# chroma server object (one per store and process, shared by every client of that path) -> the
# change token its in-memory state reflects; None: unknown (opened elsewhere), refresh on use.
_seen: "weakref.WeakKeyDictionary[Any, str | None]" = weakref.WeakKeyDictionary()
_seen_lock = threading.Lock()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


class KnowledgeBase:
    """One knowledge base. Cheap to open; the embedding model loads on the first search/write."""

    def __init__(
        self,
        location: str | os.PathLike | None = None,
        *,
        embedding: Any = None,
        lock_timeout: float = 30.0,
    ) -> None:
        self.location = str(location) if location else default_location()
        self.remote = is_url(self.location)
        self.lock_timeout = lock_timeout
        if self.remote:
            digest = hashlib.sha1(self.location.encode()).hexdigest()[:16]
            cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            self.path = Path(cache) / "siliconcrew" / "kb-remote" / digest
        else:
            self.path = Path(self.location).expanduser().resolve()
        self._ensure_dir(self.path)
        self._check_files()
        if embedding is None:
            from siliconcrew.knowledge_base.embedding import SiliconCrewMiniLM

            embedding = SiliconCrewMiniLM()
            embedding.use_onnx_cache(self.path / ONNX_CACHE)
        self.embedding = embedding
        self._colls: dict[str, Any] = {}
        self._lex: dict[str, tuple[tuple[int, int], LexicalIndex]] = {}
        self._tlock = threading.RLock()
        self._qcache: OrderedDict[str, Any] = OrderedDict()
        self._counts: tuple[str, dict[str, int]] | None = None
        token = self._read_marker()
        shared = self._system_exists()
        self._client = self._open_client()
        self._token = token  # the change token this object's collection handles are for
        server = self._local_server()
        if server is not None:
            with _seen_lock:
                if server not in _seen:
                    # a system this call created has read everything up to `token`; one opened
                    # earlier by other code may be stale
                    _seen[server] = None if shared else token

    # ------------------------------------------------------------------ opening
    @staticmethod
    def _ensure_dir(path: Path) -> None:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KBError(
                f"cannot create knowledge base directory {path}: {exc.strerror}",
                "choose another place with --kb PATH or SILICONCREW_KB",
            ) from exc

    def _check_files(self) -> None:
        """Refuse to open a store whose database is not SQLite (never overwrite it)."""
        if self.remote:
            return
        db = self.path / "chroma.sqlite3"
        if db.exists():
            try:
                with open(db, "rb") as fh:
                    head = fh.read(16)
            except OSError as exc:
                raise KBError(f"cannot read {db}: {exc.strerror}", "check permissions") from exc
            if head and head != SQLITE_MAGIC:
                raise KBCorrupted(
                    f"knowledge base at {self.path} is corrupted (chroma.sqlite3 is not a "
                    "SQLite database); nothing was changed",
                    "restore it from a backup, or move it away and run `siliconcrew kb seed`",
                )

    def _open_client(self) -> Any:
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False, allow_reset=True)
        try:
            if self.remote:
                from urllib.parse import urlparse

                u = urlparse(self.location)
                return chromadb.HttpClient(
                    host=u.hostname or "localhost",
                    port=u.port or (443 if u.scheme == "https" else 8000),
                    ssl=u.scheme == "https",
                    settings=settings,
                )
            return chromadb.PersistentClient(path=str(self.path), settings=settings)
        except Exception as exc:
            raise self._translate(exc, "open") from exc

    # ------------------------------------------------------------------ freshness
    def _read_marker(self) -> str:
        if self.remote:
            return ""
        try:
            return (self.path / MARKER).read_text()
        except OSError:
            return ""

    def _system_exists(self) -> bool:
        if self.remote:
            return False
        from chromadb.api.shared_system_client import SharedSystemClient

        return str(self.path) in SharedSystemClient._identifier_to_system

    def _local_server(self) -> Any:
        """chroma's Rust bindings API behind this store's client (None for a server)."""
        if self.remote:
            return None
        server = getattr(self._client, "_server", None)
        return server if hasattr(server, "bindings") and hasattr(server, "start") else None

    def _sync(self) -> None:
        """Make chroma's in-memory view include every write committed by other processes."""
        server = self._local_server()
        if server is None:
            return
        token = self._read_marker()
        if token == self._token and _seen.get(server) == token:
            return
        with _seen_lock:
            if _seen.get(server) != token:
                with self._guard("refresh"):
                    # New bindings reopen sqlite and reload each HNSW index from disk; the old
                    # ones stay valid for calls in flight and are freed after them. Collection
                    # handles keep working (they call server.bindings).
                    server.start()
                _seen[server] = token
        with self._tlock:
            if token != self._token:
                self._colls.clear()  # a reset elsewhere may have recreated the collections
                self._token = token

    def _bump(self) -> None:
        """After a write (lock held): publish a new change token for other readers."""
        if self.remote:
            return
        token = f"{os.getpid()} {time.time_ns()} {uuid.uuid4().hex}"
        tmp = self.path / f".{MARKER}.{os.getpid()}.tmp"
        try:
            tmp.write_text(token)
            os.replace(tmp, self.path / MARKER)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            return
        server = self._local_server()
        if server is not None:
            with _seen_lock:
                _seen[server] = token  # it was fresh before the write and applied the write
        with self._tlock:
            self._token = token

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """The write lock, with chroma brought up to date first and a change token after."""
        with self.write_lock():
            self._sync()
            try:
                yield
            finally:
                self._bump()

    def _translate(self, exc: BaseException, what: str) -> KBError:
        msg = _one_line(exc)
        low = msg.lower()
        if isinstance(exc, KBError):
            return exc
        if "locked" in low or "busy" in low:
            return KBLocked(
                f"knowledge base at {self.location} is locked ({msg})",
                "another process is writing; retry in a moment",
            )
        if any(
            s in low
            for s in (
                "malformed",
                "not a database",
                "corrupt",
                "no such table",
                "file is encrypted",
                "disk image",
            )
        ):
            return KBCorrupted(
                f"knowledge base at {self.location} is corrupted ({msg}); nothing was changed",
                "restore it from a backup, or move it away and run `siliconcrew kb seed`",
            )
        if self.remote and any(s in low for s in ("connect", "refused", "resolve", "timed out")):
            return KBError(
                f"cannot reach the chroma server {self.location} ({msg})",
                "start it (`chroma run --path DIR`) or use a local --kb PATH",
            )
        return KBError(
            f"knowledge base {what} failed at {self.location}: {msg}", "run `siliconcrew kb doctor`"
        )

    @contextlib.contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        try:
            yield
        except (KBError, UserInputError):
            raise
        except SiliconCrewError:
            raise
        except Exception as exc:
            raise self._translate(exc, what) from exc

    def collection(self, name: str) -> Any:
        if name not in COLLECTIONS:
            raise UserInputError(
                f"unknown collection '{name}'", f"choose one of {', '.join(COLLECTIONS)}"
            )
        with self._tlock:
            if name not in self._colls:
                with self._guard("open collection"):
                    self._colls[name] = self._client.get_or_create_collection(
                        name,
                        embedding_function=self.embedding,
                        configuration={"hnsw": {"space": "cosine"}},
                    )
            return self._colls[name]

    # ------------------------------------------------------------------ writer lock
    @contextlib.contextmanager
    def write_lock(self, timeout: float | None = None) -> Iterator[None]:
        timeout = self.lock_timeout if timeout is None else timeout
        lock_path = self.path / "write.lock"
        fh = open(lock_path, "a+")
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        fh.seek(0)
                        holder = fh.read().strip() or "another process"
                        raise KBLocked(
                            f"knowledge base at {self.path} is locked by a writer ({holder}) "
                            f"for more than {timeout:g} s",
                            "wait for it to finish, or stop it; readers are not affected",
                        ) from None
                    time.sleep(0.05)
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    # ------------------------------------------------------------------ writing
    def add_chunks(self, chunks: Sequence[Chunk], *, replace_sources: bool = True) -> int:
        """Upsert chunks (grouped by their `collection` metadata). With `replace_sources`, every
        chunk of the same sources is deleted first, so re-ingesting an edited file leaves no
        stale or duplicate chunks. Returns the number of chunks written."""
        by_coll: dict[str, list[Chunk]] = {}
        for c in chunks:
            by_coll.setdefault(c.metadata.get("collection", "docs"), []).append(c)
        for name in by_coll:
            self.collection(name)  # validate names before touching anything
        with self._writing():
            for name, items in by_coll.items():
                coll = self.collection(name)
                # last one wins within a batch (same id twice)
                uniq = {c.id: c for c in items}
                items = list(uniq.values())
                with self._guard("write"):
                    if replace_sources:
                        for src in sorted({c.metadata["source"] for c in items}):
                            coll.delete(where={"source": src})
                    texts = [c.text for c in items]
                    vecs = self.embedding(texts) if texts else []
                    batch = max(1, min(2000, self._client.get_max_batch_size()))
                    for i in range(0, len(items), batch):
                        part = items[i : i + batch]
                        coll.upsert(
                            ids=[c.id for c in part],
                            documents=[c.text for c in part],
                            embeddings=vecs[i : i + batch],
                            metadatas=[c.metadata for c in part],
                        )
                self._rebuild_lexical(name, save=True)
        return sum(len({c.id for c in v}) for v in by_coll.values())

    def delete_source(self, source: str, collections: Iterable[str] = COLLECTIONS) -> int:
        removed = 0
        with self._writing():
            for name in collections:
                coll = self.collection(name)
                with self._guard("delete"):
                    got = coll.get(where={"source": source}, include=[])
                    if got["ids"]:
                        coll.delete(ids=got["ids"])
                        removed += len(got["ids"])
                        self._rebuild_lexical(name, save=True)
        return removed

    def reset(self) -> None:
        """Delete every collection and index. The insights journal is kept as a backup file."""
        with self._writing():
            with self._guard("reset"):
                for name in COLLECTIONS:
                    with contextlib.suppress(Exception):
                        self._client.delete_collection(name)
            self._colls.clear()
            self._lex.clear()
            shutil.rmtree(self.path / "lexical", ignore_errors=True)
            journal = self.path / "insights.jsonl"
            if journal.exists():
                journal.rename(self.path / f"insights.jsonl.bak-{int(time.time())}")
            with contextlib.suppress(FileNotFoundError):
                (self.path / "seed.json").unlink()

    # ------------------------------------------------------------------ lexical
    def _lex_dir(self, name: str) -> Path:
        return self.path / "lexical" / name

    def _rebuild_lexical(self, name: str, save: bool) -> LexicalIndex:
        coll = self.collection(name)
        with self._guard("read"):
            got = coll.get(include=["documents"])
        index = LexicalIndex(got["ids"], [d or "" for d in got["documents"]])
        if save:
            try:
                index.save(self._lex_dir(name))
            except OSError:
                pass  # read-only location: keep the in-memory index
        with self._tlock:
            self._lex[name] = (self._lex_stamp(name), index)
        return index

    def _lex_stamp(self, name: str) -> tuple[int, int]:
        try:
            st = (self._lex_dir(name) / "meta.json").stat()
            return (st.st_mtime_ns, st.st_ino)
        except OSError:
            return (0, 0)

    def lexical(self, name: str, count: int | None = None) -> LexicalIndex:
        """The collection's BM25 index: cached, reloaded when a writer saved a new one, rebuilt
        from chroma when missing, damaged or stale (count differs)."""
        stamp = self._lex_stamp(name)
        cached = self._lex.get(name)
        count = self.count(name) if count is None else count
        if cached and cached[0] == stamp and stamp != (0, 0) and len(cached[1]) == count:
            return cached[1]
        index = None
        if stamp != (0, 0):
            try:
                index = LexicalIndex.load(self._lex_dir(name))
            except ValueError:
                index = None  # damaged: rebuilt below from chroma, nothing is lost
        if index is not None and len(index) == count:
            with self._tlock:
                self._lex[name] = (stamp, index)
            return index
        # rebuild; save only if no writer is busy (a writer will save its own)
        try:
            with self.write_lock(timeout=0):
                return self._rebuild_lexical(name, save=True)
        except KBLocked:
            return self._rebuild_lexical(name, save=False)

    # ------------------------------------------------------------------ reading
    def count(self, name: str) -> int:
        with self._guard("read"):
            return int(self.collection(name).count())

    def counts(self) -> dict[str, int]:
        return {n: self.count(n) for n in COLLECTIONS}

    def is_empty(self) -> bool:
        return all(v == 0 for v in self.counts().values())

    def get(self, ids: Sequence[str], name: str) -> dict[str, tuple[str, dict[str, Any]]]:
        if not ids:
            return {}
        with self._guard("read"):
            got = self.collection(name).get(ids=list(ids), include=["documents", "metadatas"])
        return {
            i: (d or "", m or {})
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }

    def list(self, name: str, limit: int = 50, offset: int = 0) -> list[Hit]:
        self._sync()
        with self._guard("read"):
            got = self.collection(name).get(
                include=["documents", "metadatas"], limit=limit, offset=offset
            )
        hits = [
            Hit(
                i,
                name,
                (m or {}).get("source", ""),
                (m or {}).get("title", ""),
                d or "",
                0.0,
                dict(m or {}),
            )
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(hits, key=lambda h: (str(h.metadata.get("created", "")), h.id))

    @staticmethod
    def clean_query(query: str) -> str:
        if query is None or not str(query).strip():
            raise UserInputError("empty query", "give the error line or a question to search for")
        q = " ".join(str(query).split())
        return q[:MAX_QUERY_CHARS]

    def search(
        self,
        query: str,
        k: int = 5,
        collections: Sequence[str] | None = None,
        mode: str = "hybrid",
        where: dict[str, Any] | None = None,
    ) -> builtins.list[Hit]:
        """Top-k hits over `collections` (default: all). mode: hybrid | vector | lexical."""
        if mode not in ("hybrid", "vector", "lexical"):
            raise UserInputError(f"unknown search mode '{mode}'", "use hybrid, vector or lexical")
        if k < 1:
            raise UserInputError("k must be at least 1", "pass -k 5")
        q = self.clean_query(query)
        names = list(collections or COLLECTIONS)
        for n in names:
            self.collection(n)
        counts = self._live_counts()
        live = [n for n in names if counts[n] > 0]
        if not live:
            return []
        n_cand = max(CANDIDATES, 4 * k)
        docs: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        vec_rank: list[tuple[str, str]] = []
        lex_rank: list[tuple[str, str]] = []
        raw: dict[str, dict[tuple[str, str], float]] = {"vector": {}, "lexical": {}}

        if mode in ("hybrid", "vector"):
            scored_v, docs = self._vector_side(q, live, counts, n_cand, where)
            vec_rank = [key for _, key in scored_v[:n_cand]]
            raw["vector"] = {key: s for s, key in scored_v}

        if mode in ("hybrid", "lexical"):
            toks = tokenize(q)
            scored: list[tuple[float, tuple[str, str]]] = []
            for n in live:
                for i, s in self.lexical(n, counts[n]).search(toks, n_cand):
                    scored.append((s, (n, i)))
            scored.sort(key=lambda t: -t[0])
            lex_rank = [key for _, key in scored[:n_cand]]
            raw["lexical"] = {key: s for s, key in scored}

        def fetch(keys: Iterable[tuple[str, str]]) -> None:
            """Texts and metadata the vector side did not bring."""
            missing: dict[str, list[str]] = {}
            for n, i in keys:
                if (n, i) not in docs:
                    missing.setdefault(n, []).append(i)
            for n, ids in missing.items():
                for i, dm in self.get(ids, n).items():
                    docs[(n, i)] = dm

        # the filter and the identifier list read every lexical candidate; otherwise only the
        # final hits need their text
        if where or (mode == "hybrid" and identifiers(q)):
            fetch(lex_rank)
        if where:  # the lexical side does not filter: apply the same equality filter

            def ok(meta: dict[str, Any]) -> bool:
                return all(meta.get(k2) == v for k2, v in where.items() if not k2.startswith("$"))

            lex_rank = [key for key in lex_rank if key in docs and ok(docs[key][1])]

        if mode == "vector":
            ranked = [(raw["vector"][key], key) for key in vec_rank]
        elif mode == "lexical":
            ranked = [(raw["lexical"][key], key) for key in lex_rank]
        else:
            fused: dict[tuple[str, str], float] = {}
            for lst in (vec_rank, lex_rank, *self._ident_rank(q, vec_rank, lex_rank, docs)):
                for r, key in enumerate(lst):
                    fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + r + 1)
            ranked = sorted(((s, key) for key, s in fused.items()), key=lambda t: (-t[0], t[1]))
        fetch(key for _, key in ranked[:k])
        hits = []
        for s, key in ranked[:k]:
            text, meta = docs.get(key, ("", {}))
            hits.append(
                Hit(
                    key[1],
                    key[0],
                    meta.get("source", ""),
                    meta.get("title", ""),
                    text,
                    round(float(s), 6),
                    dict(meta),
                )
            )
        return hits

    def _live_counts(self) -> dict[str, int]:
        """Chunks per collection, read from chroma once per change token (every write replaces
        the token), after bringing chroma's view up to date."""
        self._sync()
        token = self._token
        cached = self._counts
        if cached is not None and cached[0] == token:
            return cached[1]
        counts = self.counts()
        self._counts = (token, counts)
        return counts

    def query_embedding(self, q: str) -> Any:
        """The embedding of a (cleaned) query, from a small per-store LRU cache: agents repeat
        the same error lines."""
        with self._tlock:
            vec = self._qcache.get(q)
            if vec is not None:
                self._qcache.move_to_end(q)
                return vec
        vec = self.embedding([q])[0]
        with self._tlock:
            self._qcache[q] = vec
            while len(self._qcache) > QUERY_CACHE:
                self._qcache.popitem(last=False)
        return vec

    def _vector_side(
        self,
        q: str,
        live: builtins.list[str],
        counts: dict[str, int],
        n_cand: int,
        where: dict[str, Any] | None,
    ) -> tuple[builtins.list, dict]:
        qvec = [self.query_embedding(q)]
        docs: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        scored: list[tuple[float, tuple[str, str]]] = []
        for n in live:
            with self._guard("search"):
                res = self.collection(n).query(
                    query_embeddings=qvec,
                    n_results=min(n_cand, counts[n]),
                    where=where,
                    include=["documents", "metadatas", "distances"],
                )
            for i, d, m, dist in zip(
                res["ids"][0],
                res["documents"][0],
                res["metadatas"][0],
                res["distances"][0],
                strict=True,
            ):
                docs[(n, i)] = (d or "", m or {})
                scored.append((1.0 - float(dist), (n, i)))
        scored.sort(key=lambda t: -t[0])
        return scored, docs

    @staticmethod
    def _ident_rank(
        q: str, vec_rank: builtins.list, lex_rank: builtins.list, docs: dict
    ) -> builtins.list:
        """Candidates that contain the query's identifiers (GPL-0302, FP_CORE_UTIL,
        %Warning-WIDTH) as whole tokens, as an extra list for the fusion so an exact code beats
        a near miss (GPL-0301) that the embedding finds just as close. Entries whose *head*
        (title and signature, before the cause) holds the identifiers come first and count
        twice: a note that only mentions GRT-0116 in passing must not tie with the GRT-0116
        entry."""
        idents = identifiers(q)
        if not idents:
            return []
        out = []
        seen = set()
        for pos, key in enumerate(list(lex_rank) + list(vec_rank)):
            if key in seen or key not in docs:
                continue
            seen.add(key)
            text, meta = docs[key]
            # an identifier token is always a plain substring of the lower-cased text: skip the
            # tokenizer for the (many) candidates that cannot contain one
            low = text.lower()
            if not any(t in low for t in idents):
                continue
            head = text.split("**Cause:**", 1)[0][:600]
            head_toks = set(tokenize(str(meta.get("title", "")) + "\n" + head))
            toks = set(tokenize(text))
            n_head = sum(1 for t in idents if t in head_toks)
            n = sum(1 for t in idents if t in toks)
            if n:
                out.append(((-n_head, -n, pos), key, n_head))
        out.sort(key=lambda t: t[0])
        ranked = [key for _, key, _ in out]
        boosted = [key for _, key, nh in out if nh]
        return [ranked, boosted]

    # ------------------------------------------------------------------ info
    def size_bytes(self) -> int:
        if self.remote:
            return 0
        # the embedding export (~90 MB) is a cache of the installed model, not data
        cache = self.path / ONNX_CACHE
        return sum(
            p.stat().st_size for p in self.path.rglob("*") if p.is_file() and cache not in p.parents
        )

    def stats(self) -> dict[str, Any]:
        self._sync()
        counts = self.counts()
        sources = {}
        for n in COLLECTIONS:
            with self._guard("read"):
                metas = self.collection(n).get(include=["metadatas"])["metadatas"]
            sources[n] = len({(m or {}).get("source") for m in metas})
        seed = {}
        with contextlib.suppress(OSError, ValueError):
            seed = json.loads((self.path / "seed.json").read_text())
        return {
            "location": self.location,
            "path": str(self.path),
            "remote": self.remote,
            "counts": counts,
            "sources": sources,
            "size_bytes": self.size_bytes(),
            "seed": seed,
        }
