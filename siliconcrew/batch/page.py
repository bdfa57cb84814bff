"""`batches/<id>/index.html`: one row per design, its key metrics, status colour and a link
to its run's report. Self-contained (inline CSS), links relative to the page."""

from __future__ import annotations

import html
import os
from pathlib import Path

from siliconcrew.batch.results import BatchResult

#: (metric, column title) shown for every design; others stay in batch.json.
COLUMNS = [
    ("design__instance__count", "cells"),
    ("design__instance__area", "cell area µm²"),
    ("design__die__area", "die area µm²"),
    ("timing__setup__ws", "setup WS ns"),
    ("clock__fmax_mhz", "fmax MHz"),
    ("magic__drc_error__count", "DRC"),
    ("design__lvs_error__count", "LVS errors"),
]
COLOURS = {"ok": "#1a7f37", "failed": "#cf222e", "errored": "#9a6700", "cancelled": "#6e7781"}


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def write_page(out: Path, result: BatchResult) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    rows = []
    for d in result.designs:
        colour = COLOURS.get(d.status, "#6e7781")
        link = ""
        if d.report:
            rel = os.path.relpath(d.report, out.resolve())
            link = f'<a href="{html.escape(rel)}">{html.escape(d.run_id or "report")}</a>'
        elif d.run_id:
            link = html.escape(d.run_id)
        cells = "".join(f"<td class=num>{_fmt(d.metrics.get(k))}</td>" for k, _ in COLUMNS)
        note = " (resumed)" if d.resumed else ""
        rows.append(
            f'<tr class="status-{html.escape(d.status)}">'
            f"<td>{html.escape(d.name)}</td>"
            f'<td><span class=badge style="background:{colour}">{html.escape(d.status)}'
            f"</span>{note}</td>"
            f"<td class=num>{_fmt(d.wall_s)}</td>{cells}<td>{link}</td>"
            f"<td class=fail>{html.escape(d.failure or '')}</td></tr>"
        )
    heads = "".join(f"<th>{html.escape(t)}</th>" for _, t in COLUMNS)
    s = result.summary
    text = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>batch {html.escape(result.batch_id)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #d0d7de; padding: 4px 8px; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.fail {{ max-width: 40em; font-size: 90%; }}
.badge {{ color: white; border-radius: 4px; padding: 1px 6px; }}
</style></head><body>
<h1>batch {html.escape(result.batch_id)} ({html.escape(result.mode)})</h1>
<p id="summary">ok {s.ok} · failed {s.failed} · errored {s.errored}
{f"· cancelled {s.cancelled} " if s.cancelled else ""}· wall {s.wall_s:g} s</p>
<table id="designs"><thead><tr><th>design</th><th>status</th><th>wall s</th>{heads}
<th>run</th><th>failure</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    tmp = page.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, page)
    return page
