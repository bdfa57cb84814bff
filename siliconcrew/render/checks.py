"""`check`: the step table, the timing warnings, then hardening (or why it was skipped)."""

from __future__ import annotations

from rich.console import Console

from siliconcrew.render.console import fmt_metric, short_path
from siliconcrew.render.harden import harden_report

KEY_METRICS = {
    "lint": ("lint__errors", "lint__warnings"),
    "simulate": ("sim__exit_code",),
    "synthesize": ("design__instance__count", "design__instance__area"),
    "sta": ("timing__setup__ws", "timing__setup__tns", "timing__hold__ws", "clock__fmax_mhz"),
    "equivalence": ("equiv__proven", "equiv__unproven"),
    "cocotb": ("cocotb__tests", "cocotb__failures"),  # one row per module: cocotb:<module>
}


def step_table(con: Console, name: str, result) -> None:
    """One row per step (api.CheckResult): status, summary, the step's key metrics, time."""
    from rich.table import Table

    table = Table(title=f"{name} — run {result.run_id}")
    for col in ("step", "status", "result", "key metrics", "time"):
        table.add_column(col)
    for s in result.steps:
        if s.result is None:
            table.add_row(s.step, "[dim]skipped[/]", s.skipped or "", "", "")
            continue
        r = s.result
        keys = KEY_METRICS.get(s.step.split(":", 1)[0], ())
        metrics = ", ".join(
            f"{k.split('__', 1)[-1]}={fmt_metric(r.metrics[k])}"
            for k in keys
            if r.metrics.get(k) is not None
        )
        table.add_row(
            s.step,
            "[green]PASS[/]" if r.ok else "[red]FAIL[/]",
            r.summary,
            metrics,
            f"{r.duration_s:.2f} s",
        )
    con.print(table)
    con.print(
        f"backend: {result.backend or '?'}; run directory: {short_path(result.run_dir)}",
        soft_wrap=True,
    )


def check_result(con: Console, name: str, result) -> None:
    step_table(con, name, result)
    for warning in result.warnings:
        con.print(f"[yellow]warning[/]: {warning}", soft_wrap=True)
    if result.harden is not None:
        harden_report(con, result.harden, None)
    elif not result.checks_ok:
        con.print("[yellow]hardening skipped: a check failed[/]")
