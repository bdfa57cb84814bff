"""Knowledge-base results: hits, ingest outcomes, entries, stats, doctor."""

from __future__ import annotations

from rich.console import Console


def hits(con: Console, found) -> None:
    """`kb search`: numbered hits with their body (600 characters)."""
    if not len(found):
        con.print("no hits")
    for n, h in enumerate(found, 1):
        con.print(
            f"[bold]{n}. {h.title}[/]  [dim]{h.collection} · {h.id} · {h.score:.4f}[/]",
            soft_wrap=True,
        )
        body = h.text.split("\n\n", 1)[-1].strip()
        con.print(body[:600] + ("…" if len(body) > 600 else ""), soft_wrap=True, markup=False)
        con.print()


def hits_brief(con: Console, found) -> None:
    """Chat's /kb: title, collection and score, the first 400 characters."""
    for h in found:
        con.print(
            f"[bold]{h.title}[/] ({h.collection}, {h.score:.3f})\n{h.text[:400]}\n", soft_wrap=True
        )


def ingested(con: Console, results) -> None:
    for r in results:
        if r.status == "ingested":
            enc = f", decoded as {r.encoding}" if r.encoding not in ("utf-8", "binary") else ""
            con.print(f"ingested {r.path}: {r.chunks} chunks → {r.collection}{enc}", soft_wrap=True)
        else:
            con.print(f"[yellow]skipped[/] {r.path}: {r.reason}", soft_wrap=True)


def entries(con: Console, collection: str, found) -> None:
    if not len(found):
        con.print(f"{collection}: empty")
    for h in found:
        extra = ""
        if collection == "insights":
            meta = h.get("metadata") or {}
            failed = int(meta.get("times_failed") or 0)  # absent in insights stored before
            show = failed or meta.get("ctx_kind") == "timing_recipe"
            extra = (
                f" (run {meta.get('run_id')}, verified {meta.get('times_verified', 1)}x"
                + (f", failed {failed}x" if show else "")
                + ")"
            )
        con.print(f"{h.id}  {h.title}{extra}", soft_wrap=True, markup=False)


def stats(con: Console, info) -> None:
    con.print(f"knowledge base: {info.get('location')}", soft_wrap=True)
    sources = info.get("sources") or {}
    for name, n in (info.get("counts") or {}).items():
        con.print(f"  {name:9s} {n:6d} chunks from {sources[name]} sources")
    con.print(f"  size      {info.get('size_bytes') / 1e6:.1f} MB")


def doctor(con: Console, info) -> None:
    con.print(
        f"embedding: {info.get('model')} via {info.get('route') or 'NONE'}"
        f" (available: {', '.join(info.get('routes_available') or []) or 'none'})"
    )
    if not info.get("ok"):
        con.print(f"[red]error[/]: {info.get('error')}", soft_wrap=True)
    st = info.get("store")
    con.print(
        f"store: {st.get('location', '')} {st.get('counts', '')}"
        if st["ok"]
        else f"[red]store error[/]: {st['error']}",
        soft_wrap=True,
    )


def seeded(con: Console, info) -> None:
    by = info.get("by_collection") or {}
    con.print(
        f"seeded {info.get('chunks')} chunks from {info.get('files')} notes "
        f"({', '.join(f'{k}: {v}' for k, v in by.items())})"
    )
