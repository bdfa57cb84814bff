"""`check`: deterministic checks, then GDS."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, UnsafeOpt, app, design_name


@app.command("check")
def check_cmd(
    design_dir: Path = typer.Argument(..., help="design folder with design.yaml"),
    no_harden: bool = typer.Option(False, "--no-harden", help="stop after the checks"),
    max_repairs: int = typer.Option(3, "--max-repairs", help="hardening repair attempts"),
    as_json: bool = JsonOpt,
    sandbox: Optional[str] = SandboxOpt,
    unsafe_host: bool = UnsafeOpt,
):
    """Deterministic checks (lint → simulate → synthesize → STA → equivalence), then GDS.

    No agents, no LLM: the quick way to check RTL you wrote. Hardening starts only when every
    check passed. Exit code 0 when the checks pass and the layout is signoff clean.
    """
    from siliconcrew import api
    from siliconcrew.render.checks import check_result
    from siliconcrew.render.console import console, error_line, print_json
    from siliconcrew.render.progress import step_printer

    name = design_name(design_dir)  # bad design.yaml: one line, before any sandbox
    err = console(stderr=True)
    with err.status(f"{name}: starting sandbox…") as status:
        result = api.check(
            design_dir,
            harden=not no_harden,
            max_repairs=max_repairs,
            sandbox=sandbox,
            unsafe_host=unsafe_host,
            progress=step_printer(err, status, name),
        )
    refusal = result.input_refusal
    if result.exit_code == 2 and refusal:  # exit code 2 is set exactly when there is one
        # a step refused its input (e.g. a path outside the folder): one `error:` line
        error_line(refusal)
    if as_json:
        print_json(result)
    else:
        check_result(console(), name, result)
    raise typer.Exit(result.exit_code)
