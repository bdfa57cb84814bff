"""`explore`: design-space exploration of one design with Ray Tune (local or a cluster)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, app


@app.command("explore")
def explore_cmd(
    design: Path = typer.Argument(..., help="design folder (its design.yaml may hold explore:)"),
    samples: Optional[int] = typer.Option(
        None, "--samples", help="configs Tune samples (default: explore.samples, else 8)"
    ),
    workers: Optional[int] = typer.Option(
        None, "--workers", help="trials at once (default: the cores / cluster)"
    ),
    objective: Optional[str] = typer.Option(
        None, "--objective", help="fmax | area | score (default: explore.objective, else score)"
    ),
    search: str = typer.Option(
        "auto", "--search", help="auto (optuna when installed, else random) | random | optuna"
    ),
    seed: Optional[int] = typer.Option(None, "--seed", help="the search's seed (default 0)"),
    max_repairs: int = typer.Option(
        0, "--max-repairs", help="harden repairs per trial (0: a trial measures its config)"
    ),
    cpus_per_trial: float = typer.Option(1.0, "--cpus-per-trial", help="CPUs Ray reserves"),
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
        False, "--ship-code", help="upload this siliconcrew to the cluster"
    ),
    as_json: bool = JsonOpt,
    sandbox: Optional[str] = SandboxOpt,
):
    """Search design.yaml's explore: space with Ray Tune; every trial is a real harden run.

    Writes DESIGN/explore/<id>/: trials.csv, pareto.png (fmax vs die area), best.yaml and
    explore.json; a re-run of the same space reuses finished trials. Failed trials (DRC,
    LVS, setup, missing figures) are listed, never ranked. Exit code 0 when a trial is
    clean, 1 when none is, 2 bad input, 130 after Ctrl-C (re-run to continue).
    """
    from siliconcrew.explore.runner import run_explore
    from siliconcrew.render.console import console, print_json
    from siliconcrew.render.explore import LiveExplore, explore_result

    err = console(stderr=True)
    # Ray's driver prints worker deaths on stdout: keep stdout for the result (--json)
    with contextlib.redirect_stdout(sys.stderr), LiveExplore(err) as live:
        result = run_explore(
            design,
            samples=samples,
            workers=workers,
            objective=objective,
            address=address,
            node_ip_address=node_ip_address,
            sandbox=sandbox,
            max_repairs=max_repairs,
            cpus_per_trial=cpus_per_trial,
            search=search,
            seed=seed,
            ship_code=ship_code,
            progress=live.progress,
        )
    if as_json:
        print_json(result)
    else:
        explore_result(console(), result)
    if result.interrupted:
        err.print("interrupted: run the same command again to continue (finished trials are kept)")
    raise typer.Exit(result.exit_code)
