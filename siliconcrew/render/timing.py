"""Timing debug and timing repair: the CLI's tables and chat's one-line-per-path form."""

from __future__ import annotations

from typing import Any

from rich.console import Console


def _fig(v: Any) -> str:
    return "n/a" if v is None else f"{v:g}"


def _signed(v: Any) -> str:
    return "n/a" if v is None else f"{v:+.3f}"


# ---------------------------------------------------------------------------- analysis
def timing_table(con: Console, result) -> None:
    """An api.TimingResult: met, no figures, or violated with the worst paths as a table."""
    from rich.table import Table

    head = f"WNS {_fig(result.get('wns'))} ns, TNS {_fig(result.get('tns'))} ns"
    if result.get("clock_period_ns"):
        head += f" at {result.get('clock_period_ns'):g} ns"
    if result.met:
        con.print(f"[green]timing met[/] ({head})")
        return
    if result.met is None:
        con.print(f"[yellow]no setup figures in the report[/] ({head})")
        return
    con.print(f"[red]timing violated[/]: {head}")
    table = Table(title="worst setup paths")
    for col in ("slack", "start → end", "levels", "RTL", "root causes"):
        table.add_column(col)
    for p in result.paths:
        start = p["start"] + (f" ({p['start_signal']})" if p.get("start_signal") else "")
        end = p["end"] + (f" ({p['end_signal']})" if p.get("end_signal") else "")
        rtl = (
            "\n".join(f"{e['file']}:{e['line']} {e['signal']}" for e in p["rtl"] if e.get("line"))
            or "-"
        )
        causes = "\n".join(f"{c['class']}: {c['evidence']}" for c in p["causes"]) or "-"
        table.add_row(f"{p['slack']:g}", f"{start}\n→ {end}", str(p.get("levels", "")), rtl, causes)
    con.print(table)


def timing_brief(con: Console, result) -> None:
    """Chat's /timing: the verdict, then one line per path (slack, signals, RTL lines,
    cause classes)."""
    if result.met:
        con.print(
            f"timing met (worst slack {result.get('worst_slack')} ns at "
            f"{result.get('clock_period_ns')} ns)"
        )
        return
    con.print(
        f"timing violated: WNS {result.get('wns')} ns at {result.get('clock_period_ns')} ns "
        "(/timing repair tries the no-LLM fixes)"
    )
    for p in result.paths:
        lines = ", ".join(
            dict.fromkeys(f"{e['file']}:{e['line']}" for e in p.get("rtl", []) if e.get("line"))
        )
        causes = ", ".join(x["class"] for x in p.get("causes", []))
        start = p.get("start_signal") or p["start"]
        end = p.get("end_signal") or p["end"]
        con.print(
            f"  {p['slack']:+.3f} {start} → {end}: {lines or '-'} [{causes}]",
            soft_wrap=True,
            markup=False,
        )


# ------------------------------------------------------------------------------ repair
def attempt_printer(con: Console):
    """`timing --repair` progress: each strategy as it is judged, WNS before → after."""

    def show(att) -> None:
        mark = "[green]kept[/]" if att.kept else "[yellow]dropped[/]"
        con.print(
            f"  {att.strategy:17s} WNS {_signed(att.wns_before)} → "
            f"{_signed(att.wns_after)} ns  {mark}: {att.reason} ({att.wall_s:.1f} s)"
        )

    return show


def attempt_printer_brief(con: Console):
    """Chat's /timing repair progress (raw figures, no colours)."""

    def show(att) -> None:
        con.print(
            f"  {att.strategy:17s} WNS {att.wns_before} → {att.wns_after} ns: "
            f"{'kept' if att.kept else 'dropped'} ({att.reason})",
            soft_wrap=True,
        )

    return show


def repair_table(con: Console, result) -> None:
    """An api.TimingRepairResult: attempts table, verdict, and the design.yaml lines to keep."""
    import yaml
    from rich.table import Table

    rep = result.report
    table = Table(title=f"timing repair: {rep.design} at {rep.period_ns:g} ns")
    for col in ("strategy", "WNS before", "WNS after", "post-route", "cells", "kept", "why"):
        table.add_column(col)
    for a in rep.attempts:
        table.add_row(
            a.strategy,
            _signed(a.wns_before),
            _signed(a.wns_after),
            _signed(a.post_route_wns) if a.post_route_wns is not None else "-",
            str(a.cells or "-"),
            "yes" if a.kept else "no",
            a.reason,
        )
    if rep.attempts:
        con.print(table)
    verdict = "[green]closed[/]" if rep.closed else "[red]not closed[/]"
    con.print(
        f"{verdict}: WNS {_signed(rep.wns_before)} → {_signed(rep.wns_after)} ns"
        + (f" with {rep.strategy}" if rep.strategy else "")
        + f"; {rep.stopped}"
        + f" ({rep.iterations} attempts, {rep.wall_s:.1f} s)"
    )
    if rep.post_route_wns is not None:
        con.print(
            f"pre-layout WNS {_signed(rep.wns_after)} ns, post-route (engine) "
            f"{_signed(rep.post_route_wns)} ns"
        )
    for note in rep.memory_notes:
        con.print(f"memory: {note}", soft_wrap=True, markup=False)
    if rep.pipelining:
        con.print(f"pipelining: {rep.pipelining}")
    if rep.added_latency:
        con.print(
            f"latency +{rep.added_latency} cycle(s): the pipelined RTL is "
            + ", ".join(rep.rtl[-2:])
            + " (keep it as the design's RTL to harden it)"
        )
    if rep.recipe:
        con.print(
            "to use it, add to design.yaml:\n"
            + yaml.safe_dump(
                {"synthesis": {k: v for k, v in rep.recipe.items() if v}}, sort_keys=False
            ).rstrip()
        )
    if rep.final_period_ns != rep.period_ns:
        con.print(f"and set clock.period_ns: {rep.final_period_ns:g}")


def repair_brief(con: Console, result) -> None:
    """Chat's /timing repair verdict and the recipe to keep."""
    rep = result.report
    con.print(
        f"{'closed' if rep.closed else 'not closed'}: WNS {rep.wns_before} → "
        f"{rep.wns_after} ns"
        + (f" with {rep.strategy}" if rep.strategy else "")
        + f"; {rep.stopped}",
        soft_wrap=True,
    )
    if rep.recipe:
        con.print(
            f"keep it: design.yaml synthesis: { {k: v for k, v in rep.recipe.items() if v} }",
            soft_wrap=True,
        )
