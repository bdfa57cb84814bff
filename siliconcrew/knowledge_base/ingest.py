"""Ingest files into the knowledge base: markdown, plain text, HTML, PDF (pypdf), and the seed
corpus shipped in the package.

Text that is not UTF-8 is decoded as cp1252 and then latin-1 (which never fails), so a legacy
file never stops an ingest; binary files are skipped with a reason. A file's chunks are
identified by its resolved path, so ingesting it again replaces them.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from siliconcrew.core.errors import UserInputError
from siliconcrew.knowledge_base.chunking import Chunk, chunk_markdown, chunk_plain
from siliconcrew.knowledge_base.store import COLLECTIONS, KnowledgeBase

MARKDOWN = {".md", ".markdown", ".mdx"}
TEXT = {
    ".txt",
    ".text",
    ".rst",
    ".log",
    ".rpt",
    ".tcl",
    ".sdc",
    ".v",
    ".sv",
    ".vh",
    ".svh",
    ".py",
    ".yaml",
    ".yml",
    ".json",
    ".cfg",
    ".ini",
    ".sh",
    "",
}
HTML = {".html", ".htm", ".xhtml"}
PDF = {".pdf"}
SUPPORTED = MARKDOWN | TEXT | HTML | PDF
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class IngestResult:
    path: str
    status: str  # ingested | skipped
    chunks: int = 0
    collection: str = ""
    encoding: str = ""
    reason: str = ""
    ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d.pop("ids")
        return d


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding used). Never raises."""
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc), "utf-8" if enc == "utf-8-sig" else enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def html_to_markdown(html: str) -> tuple[str, str]:
    """Headings become markdown headings, the rest paragraphs. Returns (markdown, title)."""
    try:
        from bs4 import BeautifulSoup
    except ImportError:  # pragma: no cover - beautifulsoup4 is a kb dependency
        import re

        text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S | re.I)
        return re.sub(r"<[^>]+>", " ", text), ""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    lines: list[str] = []
    body = soup.body or soup
    for el in body.find_all(
        ["h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "li", "td", "dt", "dd", "blockquote"]
    ):
        if el.find_parent(["p", "li", "pre", "td", "dd", "blockquote"]) and el.name != "pre":
            continue
        text = el.get_text("\n" if el.name == "pre" else " ", strip=el.name != "pre")
        if not text.strip():
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            anchor = el.get("id")
            lines.append(
                f"\n{'#' * int(el.name[1])} {' '.join(text.split())}"
                + (f" {{#{anchor}}}" if anchor else "")
                + "\n"
            )
        elif el.name == "pre":
            lines.append(f"\n```\n{text}\n```\n")
        elif el.name == "li":
            lines.append(f"- {text}")
        else:
            lines.append(f"\n{text}\n")
    md = "\n".join(lines).strip()
    if not md:
        md = body.get_text("\n", strip=True)
    return md, title


def pdf_chunks(path: Path, source: str, collection: str, extra: dict[str, Any]) -> list[Chunk]:
    try:
        from pypdf import PdfReader
    except ImportError as exc:
        raise UserInputError(
            f"cannot read PDF {path}: pypdf is not installed",
            "pip install pypdf (or convert the PDF to text)",
        ) from exc
    try:
        reader = PdfReader(str(path))
        title = (
            reader.metadata.title if reader.metadata and reader.metadata.title else ""
        ) or path.stem
        chunks: list[Chunk] = []
        for no, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            chunks += chunk_plain(
                text, source, f"{title} (page {no})", collection, extra, anchor_prefix=f"page{no}-p"
            )
        return chunks
    except Exception as exc:
        raise UserInputError(
            f"cannot read PDF {path}: {str(exc).splitlines()[0][:200]}",
            "check the file, or convert it to text",
        ) from exc


def file_chunks(
    path: Path,
    collection: str | None = None,
    source: str | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[list[Chunk], str]:
    """Chunks of one file and the encoding it was read with."""
    suffix = path.suffix.lower()
    source = source or str(path.resolve())
    extra = {"origin": "user", "kind": "file", **(extra or {})}
    coll = collection or "docs"
    if suffix in PDF:
        return pdf_chunks(path, source, coll, extra), "binary"
    data = path.read_bytes()
    if _looks_binary(data):
        raise ValueError("binary file")
    text, enc = decode(data)
    if suffix in HTML:
        md, title = html_to_markdown(text)
        chunks = chunk_markdown(md, source, coll, extra)
        if title:
            for c in chunks:
                c.metadata["doc_title"] = title
        return chunks, enc
    if suffix in MARKDOWN:
        chunks = chunk_markdown(text, source, coll, extra)
    else:
        chunks = chunk_plain(text, source, path.name, coll, extra)
    if collection:  # an explicit --collection beats front matter
        for c in chunks:
            c.metadata["collection"] = collection
    return chunks, enc


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in SUPPORTED
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        elif p.exists():
            out.append(p)
        else:
            raise UserInputError(f"'{p}' does not exist", "give files or folders to ingest")
    return out


def ingest_paths(
    kb: KnowledgeBase, paths: list[str | Path], collection: str | None = None
) -> list[IngestResult]:
    if collection and collection not in COLLECTIONS:
        raise UserInputError(
            f"unknown collection '{collection}'", f"choose one of {', '.join(COLLECTIONS)}"
        )
    files = _expand([Path(p) for p in paths])
    results: list[IngestResult] = []
    all_chunks: list[Chunk] = []
    for f in files:
        if f.stat().st_size > MAX_FILE_BYTES:
            results.append(IngestResult(str(f), "skipped", reason="larger than 50 MB"))
            continue
        try:
            chunks, enc = file_chunks(f, collection)
        except ValueError as exc:
            results.append(IngestResult(str(f), "skipped", reason=str(exc)))
            continue
        except OSError as exc:
            results.append(IngestResult(str(f), "skipped", reason=exc.strerror or str(exc)))
            continue
        if not chunks:
            results.append(IngestResult(str(f), "skipped", encoding=enc, reason="no text"))
            continue
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        for c in chunks:
            c.metadata.setdefault("created", now)
        colls = sorted({c.metadata["collection"] for c in chunks})
        results.append(
            IngestResult(
                str(f),
                "ingested",
                len({c.id for c in chunks}),
                ",".join(colls),
                enc,
                ids=[c.id for c in chunks],
            )
        )
        all_chunks += chunks
    if all_chunks:
        kb.add_chunks(all_chunks, replace_sources=True)
    return results


# ---------------------------------------------------------------------- seed corpus
def seed_files() -> list[tuple[str, str]]:
    """(name, text) of every shipped seed note, sorted by name."""
    root = resources.files("siliconcrew.knowledge_base").joinpath("seed")
    return sorted(
        (f.name, f.read_text(encoding="utf-8")) for f in root.iterdir() if f.name.endswith(".md")
    )


def seed_digest(files: list[tuple[str, str]] | None = None) -> str:
    h = hashlib.sha1()
    for name, text in files if files is not None else seed_files():
        h.update(name.encode())
        h.update(b"\0")
        h.update(text.encode())
    return h.hexdigest()[:16]


def seed_chunks() -> list[Chunk]:
    chunks: list[Chunk] = []
    for name, text in seed_files():
        chunks += chunk_markdown(text, f"seed:{name}", "docs", {"origin": "seed"})
    return chunks


def seed(kb: KnowledgeBase) -> dict[str, Any]:
    files = seed_files()
    chunks = seed_chunks()
    kb.add_chunks(chunks, replace_sources=True)
    current = {f"seed:{n}" for n, _ in files}
    removed = 0
    for name in ("docs", "errors"):
        metas = kb.collection(name).get(where={"origin": "seed"}, include=["metadatas"])
        stale = sorted({m["source"] for m in metas["metadatas"] if m["source"] not in current})
        for src in stale:
            removed += kb.delete_source(src, [name])
    digest = seed_digest(files)
    (kb.path / "seed.json").write_text(
        json.dumps({"digest": digest, "files": len(files), "chunks": len(chunks)})
    )
    by: dict[str, int] = {}
    for c in chunks:
        by[c.metadata["collection"]] = by.get(c.metadata["collection"], 0) + 1
    return {
        "files": len(files),
        "chunks": len(chunks),
        "by_collection": by,
        "stale_removed": removed,
        "digest": digest,
    }


def ensure_seeded(kb: KnowledgeBase) -> dict[str, Any] | None:
    """Seed when the store has no seed or an older one. Cheap when up to date."""
    try:
        info = json.loads((kb.path / "seed.json").read_text())
    except (OSError, ValueError):
        info = {}
    if info.get("digest") == seed_digest() and kb.count("errors") > 0:
        return None
    return seed(kb)
