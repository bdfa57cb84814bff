"""`report`: the run's HTML report."""

from __future__ import annotations

from pathlib import Path

import typer

from siliconcrew.cli.root import JsonOpt, app


@app.command("report")
def report_cmd(
    run_dir: Path = typer.Argument(..., help="a run folder: <design>/runs/<run_id>"),
    open_: bool = typer.Option(False, "--open", help="open it in the browser"),
    as_json: bool = JsonOpt,
):
    """Write (or rewrite) the run's self-contained HTML report: runs/<id>/report.html."""
    from siliconcrew import api
    from siliconcrew.render.console import console, print_json

    result = api.report(run_dir)
    if as_json:
        print_json(result)
    else:
        console().print(f"report: {result.report}", soft_wrap=True)
    if open_:
        import webbrowser

        webbrowser.open(Path(result.report).resolve().as_uri())
