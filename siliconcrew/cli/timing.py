"""`timing`: worst paths → RTL lines → causes; `--repair` tries the no-LLM repairs."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, UnsafeOpt, app, design_name
from siliconcrew.core.errors import UserInputError


@app.command("timing")
def timing_cmd(
    design_dir: Path = typer.Argument(..., help="design folder with design.yaml"),
    clock_period: Optional[float] = typer.Option(
        None, "--clock-period", min=0.001, help="clock period in ns (default: design.yaml)"
    ),
    top_paths: int = typer.Option(5, "--top-paths", min=1, max=100, help="worst paths to explain"),
    report: Optional[Path] = typer.Option(
        None, "--report", help="analyse this STA report instead of running STA"
    ),
    netlist_json: Optional[Path] = typer.Option(
        None, "--netlist-json", help="with --report: the synthesize netlist.json"
    ),
    repair: bool = typer.Option(
        False,
        "--repair",
        help="try the no-LLM repairs (ABC delay target, gate sizing, "
        "prefix adders, retiming), each checked by equivalence + "
        "the testbench on the netlist; design files are not changed",
    ),
    allow_clock_relax: bool = typer.Option(
        False,
        "--allow-clock-relax",
        help="with --repair: if nothing closes timing, "
        "relax the clock to what the best netlist meets",
    ),
    max_attempts: int = typer.Option(
        8, "--max-attempts", min=1, max=100, help="with --repair: strategies to try at most"
    ),
    target_slack: float = typer.Option(
        0.0,
        "--target-slack",
        min=0,
        max=100,
        help="with --repair: closed means WNS >= this many ns (margin for post-layout wires)",
    ),
    engine_check: bool = typer.Option(
        True,
        "--engine-check/--no-engine-check",
        help="with --repair: claim closure only when the engine (qflow) meets the clock "
        "post-route and the testbench passes on the post-route netlist",
    ),
    memory: bool = typer.Option(
        True,
        "--memory/--no-memory",
        help="with --repair: try the recipe that closed the same causes before first, and "
        "remember a new closure (knowledge base insights)",
    ),
    as_json: bool = JsonOpt,
    sandbox: Optional[str] = SandboxOpt,
    unsafe_host: bool = UnsafeOpt,
):
    """Timing debug: worst paths, their RTL lines and root causes (no LLM); --repair tries
    synthesis-side fixes.

    Exit code: 0 timing met (or closed by --repair), 1 violated, 2 bad input or malformed
    report, 3 no sandbox.
    """
    from siliconcrew import api
    from siliconcrew.render import timing as render
    from siliconcrew.render.console import console, print_json

    if repair:
        if report is not None:
            raise UserInputError(
                "--repair needs the design, not a --report",
                "drop --report (repair re-synthesizes the RTL)",
            )
        design_name(design_dir)
        con = console(stderr=as_json)
        with con.status("timing repair: baseline synthesis + STA, then strategies…"):
            rep = api.timing_repair(
                design_dir,
                clock_period=clock_period,
                allow_clock_relax=allow_clock_relax,
                max_attempts=max_attempts,
                target_slack=target_slack,
                engine_check=engine_check,
                memory=memory,
                sandbox=sandbox,
                unsafe_host=unsafe_host,
                on_attempt=render.attempt_printer(con),
            )
        if as_json:
            print_json(rep)
        else:
            render.repair_table(con, rep)
        raise typer.Exit(rep.exit_code)
    if allow_clock_relax or target_slack:
        raise UserInputError(
            "--allow-clock-relax/--target-slack only apply with --repair", "add --repair"
        )
    if report is not None:
        result = api.timing(
            design_dir, top_paths=top_paths, report=report, netlist_json=netlist_json
        )
    else:
        design_name(design_dir)
        with console(stderr=True).status("timing: synthesize → sta → RTL map…"):
            result = api.timing(
                design_dir,
                clock_period=clock_period,
                top_paths=top_paths,
                sandbox=sandbox,
                unsafe_host=unsafe_host,
            )
    if as_json:
        print_json(result)
    else:
        render.timing_table(console(), result)
    raise typer.Exit(result.exit_code)
