"""`run` (the agent graph): node table, reason, notes, LLM usage, where the GDS is."""

from __future__ import annotations

from rich.console import Console

from siliconcrew.render.console import short_path


def run_result(con: Console, result) -> None:
    """An api.RunResult as the table `siliconcrew run` prints."""
    from rich.table import Table

    table = Table(title=f"run {result.run_id} — {result.status}")
    table.add_column("node")
    table.add_column("outcome")
    table.add_column("time", justify="right")
    for n in result.nodes:
        table.add_row(n["node"], str(n["outcome"]), f"{n['duration_s']:.2f} s")
    con.print(table)
    if result.reason:
        con.print(f"reason: {result.reason}", soft_wrap=True)
    for note in result.notes:
        con.print(f"note: {note}", soft_wrap=True)
    con.print(llm_usage(result.llm))
    for key in ("gds", "png"):
        if key in result.artifacts:
            con.print(f"{key}: {short_path(result.artifacts[key])}", soft_wrap=True)
    con.print(f"run directory: {short_path(result.run_dir)}", soft_wrap=True)


def run_line(con: Console, result) -> None:
    """One line (chat's /run): `run <id>: <status> — <reason>`."""
    con.print(
        f"run {result.run_id}: [bold]{result.status}[/]"
        + (f" — {result.reason}" if result.reason else ""),
        soft_wrap=True,
    )


def llm_usage(u: dict) -> str:
    """`LLM: N calls, P+C tokens, $X` (run summary, chat's /cost)."""
    return (
        f"LLM: {u.get('calls', 0)} calls, {u.get('prompt_tokens', 0)}+"
        f"{u.get('completion_tokens', 0)} tokens, ${u.get('cost_usd', 0):.4f}"
    )
