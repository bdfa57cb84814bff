"""`batch`: many designs at once on Ray (local or a cluster)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, app


@app.command("batch")
def batch_cmd(
    designs: Optional[list[str]] = typer.Argument(
        None, help="design folders or globs ('designs/*/')"
    ),
    from_file: Optional[Path] = typer.Option(
        None, "--from-file", help="a file with one design folder per line"
    ),
    mode: str = typer.Option("check", "--mode", help="check (no LLM) | run (the agent graph)"),
    no_harden: bool = typer.Option(False, "--no-harden", help="check mode: stop after checks"),
    workers: Optional[int] = typer.Option(
        None, "--workers", help="designs at once (default: the cores / cluster)"
    ),
    cpus_per_design: float = typer.Option(
        1.0, "--cpus-per-design", help="CPUs Ray reserves per design"
    ),
    address: Optional[str] = typer.Option(
        None,
        "--address",
        help="join a Ray cluster: auto | ray://HOST:PORT | HOST:PORT (default: a local Ray)",
    ),
    node_ip_address: Optional[str] = typer.Option(
        None,
        "--node-ip-address",
        help="this machine's address in the cluster (local Ray default: 127.0.0.1)",
    ),
    ship_code: bool = typer.Option(
        False,
        "--ship-code",
        help="upload this siliconcrew to the cluster (nodes that lack it or have another version)",
    ),
    max_retries: int = typer.Option(
        3, "--max-retries", help="reruns of a design whose worker process died"
    ),
    resume: Optional[str] = typer.Option(
        None, "--resume", help="continue batch BATCH_ID: skip designs done for unchanged inputs"
    ),
    out: Path = typer.Option(Path("batches"), "--out", help="where batches/<id>/ go"),
    as_json: bool = JsonOpt,
    sandbox: Optional[str] = SandboxOpt,
):
    """Check (or run) many designs at once, one Ray task per design.

    A failing design does not stop the others; a worker process that dies is retried.
    Writes batches/<id>/index.html and batch.json (--resume reads it). Exit code 0 only
    when every design passed; 130 after Ctrl-C (the state is kept: --resume).
    """
    from siliconcrew.batch import resolve_designs
    from siliconcrew.batch.runner import run_batch
    from siliconcrew.render.batch import LiveBatch, batch_result
    from siliconcrew.render.console import console, print_json

    folders = resolve_designs(designs or [], from_file) if (designs or from_file) else []
    err = console(stderr=True)
    # Ray's driver prints worker deaths on stdout: keep stdout for the result (--json)
    with contextlib.redirect_stdout(sys.stderr), LiveBatch(err, resume or "") as live:
        result = run_batch(
            folders,
            mode=mode,
            harden=not no_harden,
            workers=workers,
            cpus_per_design=cpus_per_design,
            address=address,
            sandbox=sandbox,
            resume=resume,
            out_dir=out,
            node_ip_address=node_ip_address,
            max_retries=max_retries,
            ship_code=ship_code,
            progress=live.progress,
        )
    if as_json:
        print_json(result)
    else:
        batch_result(console(), result)
    if result.interrupted:
        err.print(f"interrupted: continue with --resume {result.batch_id}")
    raise typer.Exit(result.exit_code)
