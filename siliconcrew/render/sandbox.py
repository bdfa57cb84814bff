"""`sandbox doctor`: backend, daemon, image, tool versions, problems with their fixes."""

from __future__ import annotations

from rich.console import Console


def doctor(con: Console, report) -> None:
    from rich.table import Table

    r = report.model_dump()
    d, loc = r["docker"], r["local"]
    con.print(
        f"backend in use: [bold]{r['backend'] or 'NONE'}[/] (configured: {r['configured_backend']})"
    )
    con.print(
        f"docker daemon: {'up ' + str(d.get('server_version')) if d['daemon'] else 'down'}; "
        f"image {d['image']}: {d['image_id'] or 'missing'}"
    )
    con.print(
        f"local: bwrap {'found' if loc['bwrap'] else 'missing'}; host tools missing: "
        f"{', '.join(loc['host_tools_missing']) or 'none'}"
    )
    table = Table(title=f"tools in the {r['backend']} sandbox")
    table.add_column("tool")
    table.add_column("version")
    for k, v in r["tool_versions"].items():
        table.add_row(k, v)
    con.print(table)
    for p in r["problems"]:
        con.print(f"[red]problem[/]: {p['what']} — fix: [bold]{p['fix']}[/]")
    if r["ok"]:
        con.print("[green]sandbox ready[/]")
