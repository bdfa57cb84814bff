"""`run`: the agent graph, to GDS."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, UnsafeOpt, app, warn_on_stderr


@app.command("run")
def run_cmd(
    design_dir: Path = typer.Argument(..., help="design folder with design.yaml"),
    engine: Optional[str] = typer.Option(None, "--engine", help="qflow | librelane"),
    approve: str = typer.Option(
        "auto", "--approve", help="ask: confirm before hardening; auto: unattended"
    ),
    max_iterations: int = typer.Option(3, "--max-iterations", help="RTL attempts per run"),
    max_repairs: int = typer.Option(3, "--max-repairs", help="hardening repair attempts"),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="LLM token budget"),
    max_cost: Optional[float] = typer.Option(None, "--max-cost", help="LLM budget in USD"),
    resume: Optional[str] = typer.Option(None, "--resume", help="continue run RUN_ID"),
    allow_clock_relax: bool = typer.Option(
        False,
        "--allow-clock-relax",
        help="if timing repairs cannot close, relax the clock without asking (--approve ask asks)",
    ),
    candidates: Optional[int] = typer.Option(
        None,
        "--candidates",
        help="best-of-N: RTL "
        "answers per attempt, one picked by simulation "
        "(default: design.yaml's rtl.candidates, 1)",
    ),
    as_json: bool = JsonOpt,
    sandbox: Optional[str] = SandboxOpt,
    unsafe_host: bool = UnsafeOpt,
):
    """The agent graph: plan → RTL → verify → synthesize/STA/equivalence → harden → report.

    With no LLM configured, designs that have RTL still go to GDS; agents that need an LLM
    are skipped with the reason. Exit code 0 when the run reaches a signoff-clean GDS.
    """
    from siliconcrew import api
    from siliconcrew.render.console import console, print_json
    from siliconcrew.render.progress import node_printer
    from siliconcrew.render.prompts import approver
    from siliconcrew.render.runs import run_result

    err = console(stderr=True)
    result = api.run(
        design_dir,
        engine=engine,
        approve=approve,
        max_iterations=max_iterations,
        max_repairs=max_repairs,
        max_tokens=max_tokens,
        max_cost=max_cost,
        resume=resume,
        allow_clock_relax=allow_clock_relax,
        candidates=candidates,
        sandbox=sandbox,
        unsafe_host=unsafe_host,
        progress=node_printer(err),
        approver=approver(err),
        on_warning=warn_on_stderr,
    )
    if as_json:
        print_json(result)
    else:
        run_result(console(), result)
    raise typer.Exit(result.exit_code)
