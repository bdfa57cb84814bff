"""`explore`: one line per finished trial while it runs, then the table and the best.
Takes the explore runner's objects by their fields only."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from siliconcrew.render.console import fmt_metric, short_path

STATUS_STYLE = {"ok": "green", "failed": "red"}


def _cfg(config: dict[str, Any]) -> str:
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={fmt_metric(v)}" for k, v in config.items())


def trial_line(t: Any) -> str:
    style = STATUS_STYLE.get(t.status, "dim")
    m = t.metrics or {}
    figs = ""
    if t.status == "ok":
        figs = f" {fmt_metric(m.get('fmax_mhz'))} MHz, {fmt_metric(m.get('area_um2'))} µm²"
    tail = f": {t.failure}" if t.failure and t.status != "ok" else ""
    what = "baseline" if t.baseline else _cfg(t.config)
    again = " (reused)" if t.resumed else ""
    return f"  [{style}]{t.status:6s}[/]{figs} [dim]{what}[/]{again}{tail}"


class LiveExplore:
    """Context manager; its `progress` is the runner's callback."""

    def __init__(self, err: Console) -> None:
        self.live = Live(
            Text("explore: starting Ray…"), console=err, refresh_per_second=4, transient=True
        )

    def __enter__(self) -> LiveExplore:
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.__exit__(*exc)

    def progress(self, p: Any) -> None:
        if p.finished is not None:
            self.live.console.print(trial_line(p.finished), soft_wrap=True)
        self.live.update(
            Text.from_markup(
                f"[bold]explore {p.explore_id}[/]: {p.done}/{p.total} trials · "
                f"[green]ok {p.ok}[/] · [red]failed {p.failed}[/] · reused {p.resumed} · "
                f"{int(p.elapsed_s)} s"
            )
        )


def explore_result(con: Console, res: Any) -> None:
    paths = list(res.space)
    table = Table(title=f"explore {res.explore_id} ({res.search}, objective {res.objective})")
    table.add_column("trial")
    table.add_column("status")
    for p in paths:
        table.add_column(p.rsplit(".", 1)[-1], justify="right")
    for col in ("WS", "fmax MHz", "die µm²"):
        table.add_column(col, justify="right")
    table.add_column("failure")
    best = res.best.trial if res.best else None
    for t in res.trials:
        m = t.metrics or {}
        name = ("base" if t.baseline else t.id[:6]) + ("★" if t.id == best else "")
        name += "◆" if t.id in res.pareto else ""
        style = STATUS_STYLE.get(t.status, "dim")
        table.add_row(
            name,
            f"[{style}]{t.status}[/]" + ("↺" if t.resumed else ""),
            *[fmt_metric(t.config.get(p, "")) for p in paths],
            *[
                fmt_metric(m.get(k)) if m.get(k) is not None else ""
                for k in ("setup_ws_ns", "fmax_mhz", "area_um2")
            ],
            (t.failure or "")[:80],
        )
    con.print(table)
    s = res.summary
    con.print(
        f"ok {s.ok} · failed {s.failed} · reused {s.resumed} · wall {s.wall_s:g} s "
        "(★ best, ◆ Pareto front, ↺ reused)"
    )
    if res.best is not None:
        b = res.best.metrics
        con.print(
            f"best: {fmt_metric(b.get('fmax_mhz'))} MHz, die {fmt_metric(b.get('area_um2'))} µm²"
            + (" — the design as written" if res.best.is_baseline else "")
        )
        con.print(res.best.snippet.rstrip())
    else:
        con.print("[red]no clean trial[/]: see the failures above")
    if res.baseline is not None and res.baseline.status != "ok":
        con.print(f"baseline failed: {res.baseline.failure}")
    for key in ("pareto_png", "table_csv", "best_yaml"):
        if res.artifacts.get(key):
            con.print(f"{key}: {short_path(res.artifacts[key])}")
