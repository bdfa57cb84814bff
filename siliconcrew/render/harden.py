"""`harden` (and the hardening part of `check`): metrics, repairs, artefacts, verdict."""

from __future__ import annotations

from rich.console import Console

from siliconcrew.render.console import fmt_metric, short_path

HARDEN_METRICS = (
    ("design__instance__count", "cells"),
    ("design__instance__area", "cell area (µm²)"),
    ("design__die__area", "die area (µm²)"),
    ("design__instance__utilization", "utilization"),
    ("timing__setup__ws", "setup WS (ns)"),
    ("timing__setup__tns", "setup TNS (ns)"),
    ("timing__hold__ws", "hold WS (ns)"),
    ("clock__fmax_mhz", "fmax (MHz)"),
    ("route__failed_nets", "failed nets"),
    ("route__drc_errors", "route DRC"),
    ("magic__drc_error__count", "magic DRC"),
    ("design__lvs_error__count", "LVS errors"),
)


def harden_report(con: Console, report, to_stage: str | None) -> None:
    """An api.HardenResult: what it achieved, and on failure what to try next."""
    from rich.table import Table

    table = Table(title=f"{report.engine} flow — run {report.run_id}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label in HARDEN_METRICS:
        if report.metrics.get(key) is not None:
            table.add_row(label, fmt_metric(report.metrics[key]))
    con.print(table)
    for rep in report.repairs:
        action = rep.get("action")
        if action:
            name = action.get("name") if isinstance(action, dict) else action
            diff = ", ".join(
                f"{k} {v.get('before', 'unset')}→{v.get('after', 'unset')}"
                for k, v in (rep.get("config_diff") or {}).items()
            )
            con.print(f"repair {rep.get('attempt')}: {name} ({diff}) → {rep.get('status')}")
    for key in ("gds", "def", "png"):
        if key in report.artifacts:
            con.print(f"{key}: {short_path(report.artifacts[key])}", soft_wrap=True)
    if report.status == "ok":
        con.print("[green]signoff clean[/]: GDS written, DRC 0, LVS clean")
    elif report.status == "partial":
        con.print(f"stopped after {to_stage} as asked (no signoff)")
    else:
        failed = report.failed_stage
        con.print(
            f"[red]FAILED[/]{' at ' + failed['name'] if failed else ''}: "
            f"{failed.get('summary', '') if failed else 'signoff not clean'}; class: "
            f"{', '.join(dict.fromkeys(report.failure_classes)) or 'unknown'}; "
            f"outcome: {report.outcome}"
        )
        if report.send_back:
            sb = report.send_back
            con.print(f"sent back to [bold]{sb['target']}[/]: {sb.get('message', '')}")
            for line in sb.get("evidence", [])[:5]:
                con.print(f"  evidence: {line}", soft_wrap=True)
        if report.next_action:
            con.print(
                f"next repair would be: {report.next_action.get('name')} (raise --max-repairs)"
            )
        for need in report.permission_needed[:3]:
            con.print(f"would need permission: {need.get('name', need)} (--allow-clock-relax)")
