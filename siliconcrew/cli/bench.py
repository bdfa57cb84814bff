"""`bench verilog-eval`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, UnsafeOpt, app, bench_app

app.add_typer(bench_app, name="bench")


@bench_app.command("verilog-eval")
def bench_verilog_eval(
    dataset: Path = typer.Argument(..., help="folder of ProbNNN_*_{prompt.txt,ref.sv,test.sv}"),
    problems: str = typer.Option("*", "--problems", help="glob over problem ids, e.g. 'Prob0*'"),
    samples: int = typer.Option(1, "--samples", help="samples per problem (pass@k)"),
    jobs: int = typer.Option(1, "--jobs", help="problems in parallel"),
    candidates: int = typer.Option(
        1,
        "--candidates",
        help="best-of-N: answers per sample, one picked by simulation (1 = a single answer)",
    ),
    out: Optional[Path] = typer.Option(
        None, "--out", help="results folder (default: ./verilog-eval-results/<time>)"
    ),
    as_json: bool = JsonOpt,
    sandbox: Optional[str] = SandboxOpt,
    unsafe_host: bool = UnsafeOpt,
):
    """Run the RTL agent on VerilogEval v2 spec-to-rtl problems; judge them as VerilogEval does."""
    from siliconcrew import api
    from siliconcrew.render.bench import bench_result, sample_printer
    from siliconcrew.render.console import console, print_json

    result = api.verilog_eval(
        dataset,
        problems=problems,
        samples=samples,
        jobs=jobs,
        candidates=candidates,
        out=out,
        sandbox=sandbox,
        unsafe_host=unsafe_host,
        progress=sample_printer(console(stderr=True)),
    )
    if as_json:
        print_json(result)
        return
    bench_result(console(), result, samples)
