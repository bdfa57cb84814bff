"""`batch`: the live display (done/failed/running, elapsed, ETA; one line per finished
design) and the final table. Takes the batch runner's objects by their fields only."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from siliconcrew.render.console import fmt_metric, short_path

STATUS_STYLE = {"ok": "green", "failed": "red", "errored": "yellow", "cancelled": "dim"}


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def outcome_line(d: Any) -> str:
    style = STATUS_STYLE.get(d.status, "dim")
    extra = f" (node {d.node}, attempt {d.attempts})" if d.attempts > 1 else ""
    tail = f": {d.failure}" if d.failure and d.status != "ok" else ""
    wall = f" {d.wall_s:.1f} s" if d.wall_s is not None else ""
    return f"  [{style}]{d.status:9s}[/] [bold]{d.name}[/]{wall}{extra}{tail}"


def _board(p: Any) -> Group:
    head = Text.from_markup(
        f"[bold]batch {p.batch_id}[/]: {p.done}/{p.total} done · [green]ok {p.ok}[/] · "
        f"[red]failed {p.failed}[/] · [yellow]errored {p.errored}[/] · "
        f"running {len(p.running)} · queued {max(p.queued, 0)} · "
        f"elapsed {_clock(p.elapsed_s)} · ETA {_clock(p.eta_s)}"
    )
    lines = [Text(f"    {name}: {step}…", style="dim") for name, step in sorted(p.running.items())]
    return Group(head, *lines)


class LiveBatch:
    """Context manager; its `progress` is the runner's callback."""

    def __init__(self, err: Console, batch_label: str = "") -> None:
        self.err = err
        self.label = batch_label
        self.live = Live(
            Text(f"batch {batch_label}: starting Ray…"),
            console=err,
            refresh_per_second=4,
            transient=True,
        )

    def __enter__(self) -> LiveBatch:
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.__exit__(*exc)

    def progress(self, p: Any) -> None:
        if p.finished is not None:
            self.live.console.print(outcome_line(p.finished), soft_wrap=True)
        self.live.update(_board(p))


def batch_result(con: Console, res: Any) -> None:
    """The final table: one row per design, key metrics, the run report, the batch page."""
    table = Table(title=f"batch {res.batch_id} ({res.mode})")
    for col in ("design", "status", "wall s", "cells", "setup WS", "fmax MHz", "report / failure"):
        table.add_column(
            col, justify="right" if col in ("wall s", "cells", "setup WS", "fmax MHz") else "left"
        )
    for d in res.designs:
        m = d.metrics
        style = STATUS_STYLE.get(d.status, "dim")
        status = f"[{style}]{d.status}[/]" + (" (resumed)" if d.resumed else "")
        tail = short_path(d.report) if d.status == "ok" and d.report else (d.failure or "")
        table.add_row(
            d.name,
            status,
            fmt_metric(d.wall_s) if d.wall_s is not None else "",
            fmt_metric(m.get("design__instance__count", "")),
            fmt_metric(m.get("timing__setup__ws", "")),
            fmt_metric(m.get("clock__fmax_mhz", "")),
            tail,
        )
    con.print(table)
    s = res.summary
    con.print(
        f"ok {s.ok} · failed {s.failed} · errored {s.errored}"
        + (f" · cancelled {s.cancelled}" if s.cancelled else "")
        + (f" · resumed {s.resumed}" if s.resumed else "")
        + f" · wall {s.wall_s:g} s"
    )
    if res.page:
        con.print(f"page: {short_path(res.page)}")
