"""One self-contained HTML page per run: status, spec, plan, nodes, metrics, timing, layout,
LLM usage and the trace. No external assets (the PNG is embedded), so it can be mailed or
archived as one file. Written at the end of every `run`; `siliconcrew report` rebuilds it."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from siliconcrew.core.errors import UserInputError
from siliconcrew.steps.base import GraphStep, Update
from siliconcrew.steps.state import RunState
from siliconcrew.tools.run_context import RunContext

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{margin:0 0 4px}h2{margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600}
.ok{background:#2e7d32}.failed{background:#c62828}.other{background:#ef6c00}
table{border-collapse:collapse;width:100%;margin:6px 0}td,th{border:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
pre{background:#f7f7f7;padding:10px;overflow:auto;max-height:420px;font-size:12px}
img{max-width:100%;border:1px solid #ccc}.muted{color:#777}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _table(rows: list[list[Any]], head: list[str], numeric: AbstractSet[int] = frozenset()) -> str:
    out = ["<table><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        out.append(
            "<tr>"
            + "".join(
                f"<td class='num'>{_esc(c)}</td>" if i in numeric else f"<td>{_esc(c)}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
        )
    return "".join(out) + "</table>"


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def read_trace(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The trace's events and how many lines were not JSON events. A crash mid-write, a full
    disk or a stray binary write can leave such lines; the report must still be written (it
    is how the user finds out what happened), so they are skipped and counted, not fatal."""
    if not path.exists():
        return [], 0
    events: list[dict[str, Any]] = []
    bad = 0
    for line in path.read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if isinstance(event, dict):
            events.append(event)
        else:
            bad += 1
    return events, bad


def collect(run_dir: Path) -> dict[str, Any]:
    results = _load(run_dir / "results.json") or {}
    harden = _load(run_dir / "harden.json") or {}
    manifest = _load(run_dir / "manifest.json") or {}
    events, bad_lines = read_trace(run_dir / "trace.jsonl")
    metrics: dict[str, Any] = {}
    metrics.update(results.get("metrics") or {})
    for step in results.get("steps") or []:  # `check` runs
        if step.get("result"):
            metrics.update(
                {
                    k: v
                    for k, v in step["result"]["metrics"].items()
                    if not isinstance(v, (dict, list))
                }
            )
    metrics.update(
        {k: v for k, v in (harden.get("metrics") or {}).items() if not isinstance(v, (dict, list))}
    )
    artifacts = {**(harden.get("artifacts") or {}), **(results.get("artifacts") or {})}
    status = results.get("status") or ("ok" if results.get("ok") else None) or harden.get("status")
    return {
        "results": results,
        "harden": harden,
        "manifest": manifest,
        "events": events,
        "trace_bad_lines": bad_lines,
        "metrics": metrics,
        "artifacts": artifacts,
        "status": status or "unknown",
    }


def render(run_dir: Path) -> str:
    run_dir = run_dir.resolve()
    if not (run_dir / "trace.jsonl").exists() and not (run_dir / "results.json").exists():
        raise UserInputError(
            f"'{run_dir}' is not a run directory (no trace.jsonl/results.json)",
            "give a folder under <design>/runs/",
        )
    data = collect(run_dir)
    res, man = data["results"], data["manifest"]
    design = man.get("design") or {}
    folder = run_dir.parent.parent
    status = data["status"]
    cls = (
        "ok" if status == "ok" else ("failed" if status in ("failed", "timing_failed") else "other")
    )
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_esc(design.get('name', 'run'))}"
        f" — {_esc(run_dir.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_esc(design.get('name', folder.name))} <span class='badge {cls}'>{_esc(status)}</span></h1>",
        f"<div class='muted'>run {_esc(run_dir.name)} · sandbox {_esc((man.get('sandbox') or {}).get('backend'))}"
        f" · siliconcrew {_esc(man.get('siliconcrew'))}</div>",
    ]
    if res.get("reason"):
        parts.append(f"<p><b>reason:</b> {_esc(res['reason'])}</p>")
    spec = design.get("spec")
    if spec and (folder / spec).is_file():
        parts.append(
            f"<h2>Spec</h2><pre>{_esc((folder / spec).read_text(errors='replace')[:20000])}</pre>"
        )
    plan = _load(run_dir / "plan.json")
    if plan:
        parts.append(f"<h2>Plan</h2><pre>{_esc(json.dumps(plan, indent=2)[:20000])}</pre>")
    nodes = res.get("nodes") or [
        {
            "node": s["step"],
            "outcome": (s.get("result") or {}).get("summary") or s.get("skipped"),
            "duration_s": (s.get("result") or {}).get("duration_s", 0),
        }
        for s in res.get("steps") or []
    ]
    if nodes:
        parts.append(
            "<h2>Steps</h2>"
            + _table(
                [[n["node"], n["outcome"], f"{n.get('duration_s', 0):.2f} s"] for n in nodes],
                ["node", "outcome", "time"],
                {2},
            )
        )
    parts += _candidates_section(res)
    parts += _adjudication_section(res)
    parts += _debug_section(res)
    if data["metrics"]:
        parts.append(
            "<h2>Metrics</h2>"
            + _table(
                [[k, _fmt(v)] for k, v in sorted(data["metrics"].items())], ["metric", "value"], {1}
            )
        )
    rpt = sorted(run_dir.glob("steps/sta-*/sta.rpt")) + sorted(run_dir.glob("sta-*/sta.rpt"))
    if rpt:
        text = rpt[-1].read_text(errors="replace")
        section = text.split("=== setup_paths ===")[-1].split("=== hold_paths ===")[0]
        parts.append(
            f"<h2>Timing: worst setup paths</h2><pre>{_esc(section.strip()[:15000])}</pre>"
        )
    parts += _timing_repair_section(run_dir, res)
    png = data["artifacts"].get("png")
    if png and Path(png).is_file():
        b64 = base64.b64encode(Path(png).read_bytes()).decode()
        parts.append(
            f"<h2>Layout</h2><img alt='layout' src='data:image/png;base64,{b64}'>"
            f"<div class='muted'>{_esc(data['artifacts'].get('gds', ''))}</div>"
        )
    repairs = (data["harden"] or {}).get("repairs") or []
    if repairs:
        parts.append(
            "<h2>Hardening attempts</h2>"
            + _table(
                [
                    [
                        r.get("attempt"),
                        ", ".join(dict.fromkeys(r.get("classes") or [])),
                        (r.get("action") or {}).get("name", "—")
                        if isinstance(r.get("action"), dict)
                        else "—",
                        json.dumps(r.get("config_diff") or {}),
                        r.get("status"),
                    ]
                    for r in repairs
                ],
                ["attempt", "classes", "action", "config change", "status"],
            )
        )
    llm = res.get("llm") or {}
    if llm:
        rows = [
            [
                "run",
                llm.get("calls"),
                llm.get("prompt_tokens"),
                llm.get("completion_tokens"),
                f"${llm.get('cost_usd', 0):.4f}",
            ]
        ]
        rows += [
            [
                a,
                u.get("calls"),
                u.get("prompt_tokens"),
                u.get("completion_tokens"),
                f"${u.get('cost_usd', 0):.4f}",
            ]
            for a, u in (llm.get("by_agent") or {}).items()
        ]
        parts.append(
            "<h2>LLM usage</h2>"
            + _table(
                rows, ["agent", "calls", "prompt tokens", "completion tokens", "cost"], {1, 2, 3, 4}
            )
        )
    ev_rows = [
        [
            str(e.get("ts", ""))[11:23],
            e.get("event"),
            e.get("node") or e.get("step") or "",
            e.get("tool") or e.get("agent") or "",
            e.get("summary") or e.get("outcome") or e.get("message") or "",
        ]
        for e in data["events"][:2000]
    ]
    bad = data["trace_bad_lines"]
    skipped = f", {bad} unreadable line{'s' if bad != 1 else ''} skipped" if bad else ""
    parts.append(
        f"<h2>Trace</h2><details><summary>{len(data['events'])} events{skipped}"
        "</summary>"
        + _table(ev_rows, ["time", "event", "node", "tool/agent", "detail"])
        + "</details>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def _verdict(v: Any) -> str:
    return "—" if v is None else ("pass" if v else "fail")


def _candidates_section(res: dict[str, Any]) -> list[str]:
    """Best-of-N RTL answers: every candidate of every attempt, its group and verdicts, the
    pick and why it won."""
    out = []
    for rec in res.get("rtl_candidates") or []:
        rows = [
            [
                f"c{c.get('index')}" + (" ✔ picked" if c.get("index") == rec.get("winner") else ""),
                "clean" if c.get("lint_ok") else "errors",
                c.get("warnings"),
                _verdict(c.get("golden")),
                _verdict(c.get("own_tb")),
                c.get("group") if c.get("group") is not None else "—",
                c.get("note") or "",
            ]
            for c in rec.get("candidates") or []
        ]
        out.append(
            f"<h2>RTL candidates: attempt {_esc(rec.get('attempt'))}, best of "
            f"{_esc(rec.get('n'))}</h2><p><b>picked:</b> candidate "
            f"{_esc(rec.get('winner'))} — {_esc(rec.get('reason'))}</p>"
            + _table(
                rows,
                [
                    "candidate",
                    "lint",
                    "warnings",
                    "golden testbench",
                    "agent testbench",
                    "output group",
                    "note",
                ],
                {2},
            )
            + f"<div class='muted'>groups (same outputs on the shared stimulus "
            f"{_esc(rec.get('stimulus') or '—')}): {_esc(rec.get('groups'))}</div>"
        )
    return out


def _adjudication_section(res: dict[str, Any]) -> list[str]:
    """Agent-written testbench failures: which side was judged wrong, on what opinions."""
    recs = res.get("tb_adjudications") or []
    if not recs:
        return []
    rows = [
        [
            r.get("attempt"),
            r.get("testbench"),
            r.get("decision"),
            _verdict(r.get("second_testbench")),
            ", ".join(_verdict(c) for c in r.get("candidates") or []) or "—",
            ("yes: " + str(r.get("after_rewrite") or ""))
            if r.get("rewritten")
            else ("failed" if r.get("rewritten") is False else "—"),
            r.get("reason"),
        ]
        for r in recs
    ]
    return [
        "<h2>Testbench adjudication</h2>"
        + _table(
            rows,
            [
                "verify attempt",
                "testbench",
                "judged wrong",
                "independent testbench on the RTL",
                "failing testbench on other candidates",
                "rewritten",
                "why",
            ],
        )
        + "<div class='muted'>a golden testbench is never judged; a testbench judged wrong is "
        "rewritten and the RTL is left as it was</div>"
    ]


def _debug_section(res: dict[str, Any]) -> list[str]:
    """Each failing verification's evidence from the waveform: output, time, values before
    the failure, suspect RTL lines."""
    out = []
    for ev in res.get("debug_evidence") or []:
        if ev.get("error"):
            out.append(
                f"<h2>Debug evidence: verify attempt {_esc(ev.get('attempt'))}</h2>"
                f"<p class='muted'>not available: {_esc(ev['error'])}</p>"
            )
            continue
        exp, act = ev.get("expected") or {}, ev.get("actual") or {}
        head = (
            f"<p><b>failing output(s):</b> {_esc(', '.join(ev.get('outputs') or []) or '—')}"
            f" · <b>first failure:</b> {_esc(ev.get('first_fail') or 'unknown')}"
            f" · {_esc(ev.get('failing_samples'))} failing of {_esc(ev.get('samples'))} samples"
            "</p>"
        )
        vals = "".join(
            f"<li>{_esc(o)} = {_esc(act[o])}"
            + (f", expected {_esc(exp[o])}" if o in exp else "")
            + "</li>"
            for o in ev.get("outputs") or []
            if o in act
        )
        said = "".join(f"<li><code>{_esc(x)}</code></li>" for x in (ev.get("fail_lines") or [])[:5])
        hist = ev.get("history") or []
        names = list((hist[0] or {}).get("values", {})) if hist else []
        hist_table = (
            _table(
                [
                    [h.get("time") + (" FAIL" if h.get("failing") else "")]
                    + [h["values"].get(n, "") for n in names]
                    for h in hist
                ],
                ["time", *names],
            )
            if hist
            else ""
        )
        sus = _table(
            [
                [
                    i,
                    f"{s.get('file')}:{s.get('line')}",
                    f"{s.get('score', 0):.2f}",
                    s.get("failing"),
                    s.get("passing"),
                    s.get("text"),
                ]
                for i, s in enumerate((ev.get("suspects") or [])[:5], 1)
            ],
            ["rank", "line", "Ochiai", "failing", "passing", "source"],
            {2, 3, 4},
        )
        notes = "".join(f"<li>{_esc(n)}</li>" for n in ev.get("notes") or [])
        out.append(
            f"<h2>Debug evidence: verify attempt {_esc(ev.get('attempt'))}</h2>"
            + head
            + (f"<ul>{vals}</ul>" if vals else "")
            + (f"<p><b>testbench said:</b></p><ul>{said}</ul>" if said else "")
            + (f"<p><b>driver cone before the failure:</b></p>{hist_table}" if hist else "")
            + f"<p><b>suspect RTL lines</b> (dynamic slice, Ochiai):</p>{sus}"
            + (f"<ul class='muted'>{notes}</ul>" if notes else "")
        )
    return out


def _timing_repair_section(run_dir: Path, res: dict[str, Any]) -> list[str]:
    """Every timing repair attempt with WNS before/after: the graph's (all rounds, incl. LLM
    rewrites and clock relaxation) or a `timing --repair` run's."""
    attempts = res.get("timing_attempts") or []
    if not attempts:
        saved = _load(run_dir / "timing_repair.json") or _load(run_dir / "repair.json") or {}
        attempts = saved.get("attempts") or []
    if not attempts:
        return []
    mem = res.get("timing_memory") or {}
    memory = (
        f"<p><b>remembered recipes</b> ({_esc(mem.get('key'))}): "
        f"tried {'yes' if mem.get('tried') else 'no'}"
        + (
            f", closed pre-layout {'yes' if mem.get('closed') else 'no'}"
            if mem.get("tried")
            else ""
        )
        + (", demoted (its failure counted)" if mem.get("demoted") else "")
        + f"; {_esc(mem.get('note') or '')}</p>"
        + "".join(
            f"<p class='muted'>memory: {_esc(n)}</p>"
            for n in mem.get("memory_notes") or []
            if n not in (mem.get("note") or "")
        )
        if mem.get("key") or mem.get("note")
        else ""
    )
    rows = [
        [
            a.get("strategy"),
            a.get("kind"),
            _fmt(a.get("wns_before")),
            _fmt(a.get("wns_after")),
            "—" if a.get("post_route_wns") is None else _fmt(a.get("post_route_wns")),
            _fmt(a.get("added_latency") or 0),
            _fmt(a.get("cells")),
            "yes" if a.get("kept") else "no",
            a.get("reason", ""),
        ]
        for a in attempts
    ]
    return [
        "<h2>Timing repair</h2>"
        + _table(
            rows,
            [
                "strategy",
                "kind",
                "WNS before (ns)",
                "WNS after (ns)",
                "post-route WNS (ns)",
                "added latency (cycles)",
                "cells",
                "kept",
                "why",
            ],
            {2, 3, 4, 5, 6},
        )
        + memory
    ]


def write_report(run_dir: Path) -> Path:
    out = run_dir / "report.html"
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(render(run_dir))
    tmp.replace(out)
    return out


class ReportStep(GraphStep):
    """The run's verdict: a status set by an earlier step stands; otherwise the run is ok
    exactly when hardening reached a clean GDS. (The HTML report is written from the run
    folder once the graph has finished: `write_report`.)"""

    id = "report"
    needs = ("status", "harden")
    makes = ("status",)

    def update(self, ctx: RunContext, state: RunState) -> Update:
        status = state.get("status", "running")
        if status == "running":
            status = "ok" if state.get("harden", {}).get("status") == "ok" else "failed"
        return Update(state={"status": status}, outcome=status)
