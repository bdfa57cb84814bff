"""`integrate`: the checks run on the generated folder, where it is, and what is left."""

from __future__ import annotations

from rich.console import Console

from siliconcrew.render.console import short_path

NEXT = {
    "caravel": "copy it over a caravel_user_project clone; harden there with the sky130 PDK "
    "(macro, then user_project_wrapper) and run the shuttle's precheck (README_SILICONCREW.md)",
    "tinytapeout": "push it to a repository made from the Tiny Tapeout template; its GitHub "
    "actions harden the tile on sky130 and run the shuttle's checks",
}


def integrate_result(con: Console, name: str, result) -> None:
    from rich.table import Table

    table = Table(title=f"{name} → {result.target} — run {result.run_id}")
    for col in ("check", "status", "result", "time"):
        table.add_column(col)
    for s in result.steps:
        if s.result is None:
            table.add_row(s.step, "[dim]skipped[/]", s.skipped or "", "")
            continue
        r = s.result
        table.add_row(
            s.step,
            "[green]PASS[/]" if r.ok else "[red]FAIL[/]",
            r.summary,
            f"{r.duration_s:.2f} s",
        )
    con.print(table)
    for s in result.steps:
        if s.result is not None and not s.result.ok:
            for d in s.result.diagnostics[:5]:
                if d.severity == "error":
                    con.print(f"  [red]{s.step}[/]: {d.message}", soft_wrap=True)
    con.print(f"folder: {short_path(result.folder)}", soft_wrap=True)
    if getattr(result, "include_files", None):
        con.print(f"`include files carried: {', '.join(result.include_files)}", soft_wrap=True)
    if result.ok:
        con.print(f"next: {NEXT[result.target]}", soft_wrap=True)
