"""`harden`: to GDS with a flow engine, failures classified and repaired."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, UnsafeOpt, app, design_name


@app.command("harden")
def harden_cmd(
    design_dir: Path = typer.Argument(..., help="design folder with design.yaml"),
    engine: Optional[str] = typer.Option(
        None, "--engine", help="qflow | librelane (default: design.yaml flow.engine)"
    ),
    from_stage: Optional[str] = typer.Option(
        None, "--from", help="start at this stage (continues the newest run unless --run)"
    ),
    to_stage: Optional[str] = typer.Option(None, "--to", help="stop after this stage"),
    max_repairs: int = typer.Option(3, "--max-repairs", help="repair attempts (0 = none)"),
    allow_clock_relax: bool = typer.Option(
        False, "--allow-clock-relax", help="let repairs lengthen the clock period"
    ),
    run: Optional[str] = typer.Option(None, "--run", help="run id to continue"),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="print the engine's exact command lines and config.json; run nothing (librelane)",
    ),
    as_json: bool = JsonOpt,
    sandbox: Optional[str] = SandboxOpt,
    unsafe_host: bool = UnsafeOpt,
):
    """Take the design to GDS with a flow engine; classify failures and repair the config.

    Exit codes: 0 signoff clean (GDS, DRC 0, LVS clean), 1 failed, 2 bad input, 3 no sandbox,
    4 stopped before signoff as asked (--to).
    """
    from siliconcrew.core.profile import mark, span

    mark("command_start")
    with span("command_imports"):
        from siliconcrew import api
        from siliconcrew.render.console import console, print_json
        from siliconcrew.render.harden import harden_report
        from siliconcrew.render.progress import stage_printer

    design_name(design_dir)  # bad design.yaml: one line, before any sandbox starts
    if dry_run:
        plan = api.harden_plan(
            design_dir,
            engine=engine,
            from_stage=from_stage,
            to_stage=to_stage,
            run_id=run,
            sandbox=sandbox,
            unsafe_host=unsafe_host,
        )
        if as_json:
            print_json(plan)
        else:
            out = console()
            out.print(
                f"# {plan['engine']} ({plan.get('checked_against', '')}), "
                f"-j {plan.get('jobs')}, in {plan.get('cwd')}",
                soft_wrap=True,
            )
            for warning in plan.get("warnings", []):
                out.print(f"# warning: {warning}", soft_wrap=True)
            for cmd in plan.get("commands", []):
                out.print(cmd["command"], soft_wrap=True, markup=False, highlight=False)
            out.print("# config.json:")
            out.print_json(data=plan.get("config_json"))
        raise typer.Exit(0)
    err = console(stderr=True)
    with err.status("hardening: starting…") as status:
        report = api.harden(
            design_dir,
            engine=engine,
            from_stage=from_stage,
            to_stage=to_stage,
            max_repairs=max_repairs,
            allow_clock_relax=allow_clock_relax,
            run_id=run,
            sandbox=sandbox,
            unsafe_host=unsafe_host,
            progress=stage_printer(err, status),
        )
    with span("render_output"):
        if as_json:
            print_json(report)
        else:
            harden_report(console(), report, to_stage)
    raise typer.Exit(report.exit_code)
