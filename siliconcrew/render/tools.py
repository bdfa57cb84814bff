"""`tools list` and a tool's result."""

from __future__ import annotations

from rich.console import Console

from siliconcrew.render.console import fmt_metric


def tool_table(con: Console, err: Console, tools) -> None:
    """The registered tools (api.ToolList) as a table; skipped plugins on stderr."""
    from rich.table import Table

    table = Table(title="SiliconCrew tools")
    for col in ("name", "origin", "description", "inputs"):
        table.add_column(col)
    for t in tools.tools:
        table.add_row(t.name, t.origin, t.description, ", ".join(t.inputs))
    con.print(table)
    for e in tools.plugin_errors:
        what = (
            "MCP server skipped" if e.entry_point.startswith("mcp_servers.") else "plugin skipped"
        )
        err.print(f"[yellow]{what}[/]: {e.entry_point}: {e.error}")


def tool_names(con: Console, tools) -> None:
    """One line per tool (chat's /tools)."""
    for t in tools.tools:
        con.print(f"  {t.name:12s} {t.description}")


def tool_result(con: Console, result) -> None:
    """OK/FAIL, the first 30 diagnostics, scalar metrics, artefacts and the log."""
    color = "green" if result.ok else "red"
    con.print(f"[{color}]{'OK' if result.ok else 'FAIL'}[/] {result.tool}: {result.summary}")
    for d in result.diagnostics[:30]:
        where = f"{d.file}:{d.line}" + (f":{d.column}" if d.column else "") if d.file else ""
        sev = {"error": "red", "warning": "yellow"}.get(d.severity, "cyan")
        con.print(
            f"  [{sev}]{d.severity}[/] {where} {('[' + d.code + ']') if d.code else ''} "
            f"{d.message}",
            markup=True,
            soft_wrap=True,
        )
    if len(result.diagnostics) > 30:
        con.print(f"  … {len(result.diagnostics) - 30} more (use --json)")
    simple = {k: v for k, v in result.metrics.items() if not isinstance(v, (dict, list))}
    if simple:
        con.print("  metrics: " + ", ".join(f"{k}={fmt_metric(v)}" for k, v in simple.items()))
    for k, v in result.artifacts.items():
        con.print(f"  {k}: {v}")
    if result.log_path:
        con.print(f"  log: {result.log_path}  ({result.backend}, {result.duration_s:.2f} s)")
