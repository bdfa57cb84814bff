"""Split documents into retrievable chunks with stable ids.

Markdown is cut at headings (outside fenced code); a section longer than `MAX_CHARS` is cut
further at paragraph boundaries. Every chunk carries `source`, `title` (its heading), `anchor`
(the heading's slug, or an explicit ``{#anchor}`` at the end of the heading) and the chunk id is
``<source>#<anchor>`` — the same source and heading give the same id, so re-ingesting replaces.

A file may start with a front-matter block (``---`` lines) of ``key: value`` pairs; ``collection``
chooses the collection (docs, errors, insights) and other keys (tool, ...) go to the metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_CHARS = 1800
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_EXPLICIT_ANCHOR = re.compile(r"\s*\{#([A-Za-z0-9_.:-]+)\}\s*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")


@dataclass
class Chunk:
    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def slugify(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:80] or "section"


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---"):
        return {}, text
    lines = text.splitlines()
    if lines[0].strip() != "---":
        return {}, text
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return meta, "\n".join(lines[i + 1 :])
        if ":" in line:
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    return {}, text  # no closing line: not front matter


def _split_long(body: str, limit: int = MAX_CHARS) -> list[str]:
    if len(body) <= limit:
        return [body]
    paras = re.split(r"\n[ \t]*\n", body)
    out: list[str] = []
    cur = ""
    for p in paras:
        while len(p) > limit:  # a single huge paragraph: hard cut
            if cur:
                out.append(cur)
                cur = ""
            out.append(p[:limit])
            p = p[limit:]
        if cur and len(cur) + len(p) + 2 > limit:
            out.append(cur)
            cur = p
        else:
            cur = f"{cur}\n\n{p}" if cur else p
    if cur:
        out.append(cur)
    return [o for o in out if o.strip()]


def chunk_markdown(
    text: str, source: str, collection: str = "docs", extra: dict[str, Any] | None = None
) -> list[Chunk]:
    meta, body = parse_front_matter(text)
    collection = meta.pop("collection", collection)
    # In an entries file (e.g. collection: errors, entry_level: 2) only headings of that level
    # are entries; the introduction and other sections go to "docs".
    entry_level = int(meta.pop("entry_level", 0) or 0)
    base: dict[str, Any] = {
        k: v for k, v in {**(extra or {}), **meta}.items() if isinstance(v, (str, int, float, bool))
    }
    sections: list[tuple[int, str, str, list[str]]] = []  # level, title, anchor, lines
    cur_level, cur_title, cur_anchor = 0, "", "top"
    cur_lines: list[str] = []
    in_fence = False
    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(line)
        if m:
            sections.append((cur_level, cur_title, cur_anchor, cur_lines))
            title = m.group(2)
            am = _EXPLICIT_ANCHOR.search(title)
            if am:
                anchor = am.group(1)
                title = title[: am.start()].strip()
            else:
                anchor = slugify(title)
            cur_level, cur_title, cur_anchor, cur_lines = len(m.group(1)), title, anchor, []
        else:
            cur_lines.append(line)
    sections.append((cur_level, cur_title, cur_anchor, cur_lines))

    chunks: list[Chunk] = []
    used: dict[str, int] = {}
    path: list[tuple[int, str]] = []  # heading trail for context
    doc_title = ""
    for level, title, anchor, lines in sections:
        if level:
            path = [p for p in path if p[0] < level] + [(level, title)]
            if level == 1 and not doc_title:
                doc_title = title
        content = "\n".join(lines).strip()
        if not content:
            continue
        n = used.get(anchor, 0) + 1
        used[anchor] = n
        if n > 1:
            anchor = f"{anchor}-{n}"
        trail = " > ".join(t for _, t in path[:-1]) if level else ""
        heading = title or doc_title or source.rsplit("/", 1)[-1]
        pieces = _split_long(content)
        for i, piece in enumerate(pieces, start=1):
            cid_anchor = anchor if len(pieces) == 1 else f"{anchor}~{i}"
            head = f"{trail} > {heading}" if trail else heading
            chunks.append(
                Chunk(
                    id=f"{source}#{cid_anchor}",
                    text=f"{head}\n\n{piece}",
                    metadata={
                        **base,
                        "source": source,
                        "title": heading,
                        "anchor": cid_anchor,
                        "collection": collection
                        if not entry_level or level == entry_level
                        else "docs",
                        "doc_title": doc_title or heading,
                    },
                )
            )
    return chunks


def chunk_plain(
    text: str,
    source: str,
    title: str,
    collection: str = "docs",
    extra: dict[str, Any] | None = None,
    anchor_prefix: str = "p",
) -> list[Chunk]:
    """Plain text: groups of paragraphs up to MAX_CHARS; anchors p1, p2, ..."""
    pieces = _split_long(text.strip(), MAX_CHARS) if text.strip() else []
    base = dict(extra or {})
    return [
        Chunk(
            id=f"{source}#{anchor_prefix}{i}",
            text=f"{title}\n\n{p}",
            metadata={
                **base,
                "source": source,
                "title": title,
                "anchor": f"{anchor_prefix}{i}",
                "collection": collection,
                "doc_title": title,
            },
        )
        for i, p in enumerate(pieces, start=1)
    ]
