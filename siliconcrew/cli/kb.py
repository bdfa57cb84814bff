"""`kb search|ingest|list|stats|doctor|seed|reset`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, KbOpt, kb_app


@kb_app.command("search")
def kb_search(
    query: str = typer.Argument(..., help="error line or question"),
    k: int = typer.Option(5, "-k", min=1, max=100, help="number of hits"),
    collection: Optional[list[str]] = typer.Option(
        None, "--collection", "-c", help="docs | errors | insights (repeatable)"
    ),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid | vector | lexical"),
    kb: Optional[str] = KbOpt,
    as_json: bool = JsonOpt,
):
    """Hybrid (vector + BM25) search; an empty store is seeded first."""
    from siliconcrew import api
    from siliconcrew.render import kb as render
    from siliconcrew.render.console import console, print_json

    hits = api.kb_search(query, k=k, collections=collection or None, mode=mode, location=kb)
    if as_json:
        print_json(hits)
        return
    render.hits(console(), hits)


@kb_app.command("ingest")
def kb_ingest(
    paths: list[Path] = typer.Argument(..., help="files or folders (md, txt, html, pdf)"),
    collection: Optional[str] = typer.Option(
        None, "--collection", "-c", help="docs | errors (default: docs or the file's front matter)"
    ),
    kb: Optional[str] = KbOpt,
    as_json: bool = JsonOpt,
):
    """Add a team's own documents; ingesting a file again replaces its chunks."""
    from siliconcrew import api
    from siliconcrew.render import kb as render
    from siliconcrew.render.console import console, print_json

    results = api.kb_ingest(paths, collection=collection, location=kb)
    if as_json:
        print_json(results)
        return
    render.ingested(console(), results)


@kb_app.command("list")
def kb_list(
    collection: str = typer.Option("insights", "--collection", "-c"),
    limit: int = typer.Option(50, "--limit", min=1),
    insights: bool = typer.Option(
        False,
        "--insights",
        help="the insights learned from runs (verified fixes and timing recipes, keyed by "
        "their error signature or cause classes)",
    ),
    kb: Optional[str] = KbOpt,
    as_json: bool = JsonOpt,
):
    """List entries of a collection (default: insights learned from runs)."""
    from siliconcrew import api
    from siliconcrew.render import kb as render
    from siliconcrew.render.console import console, print_json

    if insights:
        collection = "insights"
    hits = api.kb_list(collection, limit=limit, location=kb)
    if as_json:
        print_json(hits)
        return
    render.entries(console(), collection, hits)


@kb_app.command("stats")
def kb_stats(kb: Optional[str] = KbOpt, as_json: bool = JsonOpt):
    """Entries per collection, sources, size on disk."""
    from siliconcrew import api
    from siliconcrew.render import kb as render
    from siliconcrew.render.console import console, print_json

    info = api.kb_stats(kb)
    if as_json:
        print_json(info)
        return
    render.stats(console(), info)


@kb_app.command("doctor")
def kb_doctor(kb: Optional[str] = KbOpt, as_json: bool = JsonOpt):
    """Which embedding route is used (nothing is downloaded) and whether the store opens."""
    from siliconcrew import api
    from siliconcrew.render import kb as render
    from siliconcrew.render.console import console, print_json

    info = api.kb_doctor(kb)
    if as_json:
        print_json(info)
    else:
        render.doctor(console(), info)
    if info.exit_code:
        raise typer.Exit(info.exit_code)


@kb_app.command("seed")
def kb_seed(kb: Optional[str] = KbOpt, as_json: bool = JsonOpt):
    """Load (or refresh) the seed corpus shipped with SiliconCrew."""
    from siliconcrew import api
    from siliconcrew.render import kb as render
    from siliconcrew.render.console import console, print_json

    info = api.kb_seed(kb)
    if as_json:
        print_json(info)
    else:
        render.seeded(console(), info)


@kb_app.command("reset")
def kb_reset(
    yes: bool = typer.Option(False, "--yes", "-y", help="do not ask"), kb: Optional[str] = KbOpt
):
    """Delete every entry (the insights journal is kept as a .bak file)."""
    from siliconcrew import api
    from siliconcrew.render.console import console

    location = api.kb_location(kb)
    if not yes and not typer.confirm(f"delete everything in {location}?"):
        raise typer.Exit(1)
    console().print(f"reset {api.kb_reset(kb)}")
