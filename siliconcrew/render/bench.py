"""`bench verilog-eval`: each judged sample as it comes, then the per-problem table."""

from __future__ import annotations

from rich.console import Console


def sample_printer(err: Console):
    def progress(res) -> None:
        color = "green" if res.status == "pass" else "red"
        picked = ""
        if res.candidates:
            n_ok = sum(v == "pass" for v in res.candidates)
            picked = f" (picked c{res.picked}; {n_ok}/{len(res.candidates)} candidates pass)"
        err.print(
            f"  {res.problem} s{res.sample}: [{color}]{res.status}[/] {res.detail}{picked}",
            soft_wrap=True,
        )
        ev = res.evidence or {}
        if ev.get("suspects"):
            err.print(
                f"    evidence: {', '.join(ev.get('outputs') or [])} first wrong at "
                f"{ev.get('first_fail')}; suspects " + ", ".join(s["line"] for s in ev["suspects"]),
                soft_wrap=True,
                markup=False,
            )

    return progress


def bench_result(con: Console, result, samples: int) -> None:
    from rich.table import Table

    data = result.model_dump()
    table = Table(title=f"VerilogEval — {data['problems']} problems × {samples} samples")
    for col in ("problem", "passed", "failures"):
        table.add_column(col)
    for pid, p in data["per_problem"].items():
        table.add_row(
            pid, f"{p['c']}/{p['n']}", ", ".join(f"{k}: {v}" for k, v in p["failures"].items())
        )
    con.print(table)
    figures = " ".join(f"{k}={v}" for k, v in data.items() if k.startswith("pass@"))
    if data.get("candidates"):
        figures = (
            f"best-of-{data['candidates']}: pass@1 of the picked answer="
            f"{data.get('pass@1')} per-sample pass rate={data.get('per_sample_pass_rate')}"
            f" | {figures}"
        )
    con.print(figures + f"; results: {result.results_path}", soft_wrap=True)
