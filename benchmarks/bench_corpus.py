#!/usr/bin/env python3
"""Real-style designs to GDS: `siliconcrew check DIR --json` over benchmarks/corpus.

For each design folder (design.yaml + spec.md + rtl/ + tb/):

1. the **raw testbench** first: plain `iverilog -g2012` + `vvp` on design.yaml's rtl and
   testbench files, started inside the design folder (what its author ran), judged with
   design.yaml's pass patterns and the default fail patterns;
2. the real CLI, `.venv/bin/siliconcrew check COPY --json` on a scratch copy of the folder
   (the corpus stays clean; the copy with its runs/ is kept under benchmarks/results/ for
   diagnosis unless --no-keep), with a per-design timeout;
3. from the JSON: the first failing step (lint, simulate, synthesize, sta, equivalence, or
   the hardening stage: harden/<stage>), a one-line reason and a failure class.

Prints a table and the headline "N/M designs whose raw testbench passes reach a clean GDS";
saves everything to benchmarks/results/corpus-<timestamp>.json. Not a test. Examples:
    .venv/bin/python benchmarks/bench_corpus.py
    .venv/bin/python benchmarks/bench_corpus.py --only 'adder*,sync_fifo' --jobs 2 --json
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from siliconcrew.core.design import load_design  # noqa: E402
from siliconcrew.tools.simulate import DEFAULT_FAIL_PATTERNS  # noqa: E402

CORPUS = REPO / "benchmarks" / "corpus"
RESULTS = REPO / "benchmarks" / "results"
CLI = REPO / ".venv" / "bin" / "siliconcrew"
CHECK_STEPS = ("lint", "simulate", "synthesize", "sta", "equivalence")

# (failure class, regex over "step: reason + evidence"), first match wins. Coarse on purpose:
# the point is to group the corpus' failures by cause.
CLASSES: list[tuple[str, str]] = [
    (
        "data file not found (relative path, tool's cwd)",
        r"(?i)unable to open|can ?not open|can't open|no such file|readmem.*(not found|failed)",
    ),
    ("empty netlist (synthesis dropped the logic)", r"synth cells=0\b"),
    (
        "port-order (positional connection)",
        r"(?i)port .* (is not|not) a port|too many ports"
        r"|wrong number of ports|port.*mismatch",
    ),
    ("testbench peeks into the design (hierarchical reference)", r"(?i)hierarchical reference"),
    (
        "parameter override on flat netlist",
        r"(?i)parameter .* not found|does not have a "
        r"parameter|no parameter|overrides parameter",
    ),
    (
        "x at gate level (no reset / initial values)",
        r"(?i)\bx\b.*expected|=\s*x+\b|"
        r"'?h?x{2,}|got x",
    ),
    ("lint error", r"^lint:"),
    ("testbench compile", r"^simulate:.*compile failed"),
    ("testbench timeout", r"(?i)^simulate:.*(did not finish|timeout)"),
    ("testbench fails in the tool", r"^simulate:"),
    ("synthesis", r"^synthesize:"),
    ("setup/hold violation (pre-layout)", r"^sta:.*(violat|not met|WNS -)"),
    ("sta error", r"^sta:"),
    ("equivalence not proven/different", r"^equivalence:"),
    ("post-route timing", r"^harden/(sta|backanno):"),
    ("gate-level compile", r"^harden/gl_sim:.*compile"),
    ("gate-level sim mismatch", r"^harden/gl_sim:"),
    ("routing", r"^harden/route:"),
    ("DRC", r"^harden/drc:"),
    ("LVS", r"^harden/lvs:"),
    ("qflow synthesis", r"^harden/synthesize:"),
    ("placement", r"^harden/place:"),
    ("hardening (other stage)", r"^harden/"),
]


def classify(step: str | None, text: str) -> str:
    if step is None:
        return ""
    probe = f"{step}: {text}"
    for name, rx in CLASSES:
        if re.search(rx, probe, re.MULTILINE):
            return name
    return step


# ------------------------------------------------------------------------------- raw testbench
def judge(
    out: str, pass_patterns: list[str] | None, fail_patterns: list[str] | None, exit_code: int
) -> tuple[bool, str]:
    fails = DEFAULT_FAIL_PATTERNS if fail_patterns is None else fail_patterns
    for p in fails:
        m = re.search(p, out, re.MULTILINE)
        if m:
            line = out[out.rfind("\n", 0, m.start()) + 1 :].split("\n", 1)[0]
            return False, f"fail line: {line.strip()[:160]}"
    for p in pass_patterns or []:
        if not re.search(p, out, re.MULTILINE):
            return False, f"pass pattern {p!r} missing"
    if exit_code != 0:
        return False, f"vvp exit code {exit_code}"
    return True, "passed"


def raw_testbench(folder: Path, timeout_s: float) -> dict[str, Any]:
    """Plain iverilog + vvp in the design folder: does the testbench pass as its author ran it?"""
    t0 = time.perf_counter()
    design, folder = load_design(folder)
    if not design.testbench:
        return {"passed": False, "reason": "no testbench in design.yaml", "wall_s": 0.0}
    top = design.testbench_top()
    with tempfile.TemporaryDirectory(prefix="corpus-raw-") as tmp:
        vvp = Path(tmp) / "raw.vvp"
        # a copy of the folder, so what the testbench writes where it runs (a $dumpfile VCD,
        # a log) does not land in the corpus
        folder = Path(
            shutil.copytree(
                folder,
                Path(tmp) / folder.name,
                ignore=shutil.ignore_patterns("runs", ".siliconcrew"),
            )
        )
        argv = [
            "iverilog",
            "-g2012",
            "-s",
            top,
            "-o",
            str(vvp),
            *[f"-I{d}" for d in design.include_dirs],
            *design.rtl,
            *design.testbench,
        ]
        comp = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=300)
        if comp.returncode != 0:
            first = (comp.stderr.strip().splitlines() or ["?"])[0]
            return {
                "passed": False,
                "reason": f"compile: {first[:200]}",
                "wall_s": round(time.perf_counter() - t0, 2),
            }
        try:
            run = subprocess.run(
                ["vvp", "-n", str(vvp)],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            return {
                "passed": False,
                "reason": f"vvp did not finish in {timeout_s:g} s",
                "wall_s": round(time.perf_counter() - t0, 2),
            }
    ok, why = judge(
        run.stdout + run.stderr,
        design.verification.pass_patterns,
        design.verification.fail_patterns,
        run.returncode,
    )
    return {"passed": ok, "reason": why, "wall_s": round(time.perf_counter() - t0, 2)}


# -------------------------------------------------------------------------------------- check
def _descendants(pid: int) -> list[int]:
    """Every live process below `pid` (the sandbox runs tools in their own sessions, so a
    process-group kill of the CLI does not reach them)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def run_check(work: Path, timeout_s: float, sandbox: str | None) -> dict[str, Any]:
    argv = [str(CLI), "check", str(work), "--json"]
    if sandbox:
        argv += ["--sandbox", sandbox]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "SILICONCREW_MODEL": ""},
    )
    try:
        out, err = proc.communicate(timeout=timeout_s)
        timed_out = False
    except subprocess.TimeoutExpired:
        for pid in [*reversed(_descendants(proc.pid)), proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        out, err = proc.communicate()
        timed_out = True
    wall = round(time.perf_counter() - t0, 1)
    data = None
    if not timed_out:
        try:
            data = json.loads(out)
        except json.JSONDecodeError:
            data = None
    return {
        "exit_code": proc.returncode,
        "timed_out": timed_out,
        "wall_s": wall,
        "json": data,
        "stderr_tail": err.strip()[-1500:],
    }


def _diag_text(result: dict[str, Any]) -> str:
    msgs = [
        d.get("message", "")
        for d in result.get("diagnostics") or []
        if d.get("severity") == "error"
    ]
    return " | ".join(m for m in msgs if m)[:600]


def _log_evidence(work: Path, path: str | None, limit: int = 4) -> str:
    """A few telling lines (ERROR/Unable/expected/x) from a tool log, for the classifier."""
    if not path:
        return ""
    p = Path(path)
    if not p.is_absolute():
        p = work / p
    try:
        text = p.read_text(errors="replace")
    except OSError:
        return ""
    lines = [
        ln.strip()
        for ln in text.splitlines()
        if re.search(
            r"ERROR|Error|error:|Unable|FAIL|Fail|expected|warning: .*port"
            r"|not a port|parameter",
            ln,
        )
    ]
    return " | ".join(lines[:limit])[:600]


def first_failure(work: Path, chk: dict[str, Any]) -> dict[str, Any]:
    """(status, first failing step, one-line reason, evidence) from `check --json`."""
    if chk["timed_out"]:
        return {
            "status": "timeout",
            "step": "timeout",
            "reason": f"check did not finish in time ({chk['wall_s']} s)",
            "evidence": "",
        }
    data = chk["json"]
    if data is None:
        tail = (chk["stderr_tail"].splitlines() or ["no output"])[-1]
        return {
            "status": "crash",
            "step": "cli",
            "reason": f"no JSON (exit {chk['exit_code']}): {tail[:200]}",
            "evidence": chk["stderr_tail"][-600:],
        }
    cells = None
    for s in data.get("steps", []):
        r = s.get("result")
        if s["step"] == "synthesize" and r is not None:
            cells = (r.get("metrics") or {}).get("design__instance__count")
        if r is not None and not r.get("ok"):
            ev = _diag_text(r)
            if cells == 0 and s["step"] in ("sta", "equivalence"):
                ev = f"synth cells=0 | {ev}"
            art = r.get("artifacts") or {}
            ev2 = _log_evidence(
                work, art.get("run_log") or art.get("compile_log") or r.get("log_path")
            )
            return {
                "status": "check_failed",
                "step": s["step"],
                "reason": (r.get("summary") or "")[:300],
                "evidence": " | ".join(x for x in (ev, ev2) if x)[:900],
            }
    h = data.get("harden")
    if h is None:
        if data.get("ok"):
            return {"status": "clean", "step": None, "reason": "", "evidence": ""}
        return {
            "status": "check_failed",
            "step": "check",
            "reason": "not ok, no failed step",
            "evidence": "",
        }
    if h.get("status") == "ok" and data.get("ok"):
        return {"status": "clean", "step": None, "reason": "", "evidence": ""}
    stages = h.get("stages") or []
    bad = next((st for st in stages if st.get("status") == "failed"), None)
    classes = ",".join(h.get("failure_classes") or [])
    if bad is None:
        return {
            "status": "harden_failed",
            "step": "harden",
            "reason": (h.get("message") or h.get("outcome") or h.get("status") or "")[:300],
            "evidence": classes,
        }
    ev = " | ".join(d.get("message", "") for d in bad.get("diagnostics") or [])[:400]
    ev2 = _log_evidence(Path(h.get("flow_dir") or work), bad.get("log_path"))
    reason = bad.get("summary") or ""
    if classes:
        reason = f"{reason} [{classes}]"
    return {
        "status": "harden_failed",
        "step": f"harden/{bad['name']}",
        "reason": reason[:300],
        "evidence": " | ".join(x for x in (ev, ev2) if x)[:900],
        "attempts": len(h.get("repairs") or []) + 1,
        "harden_message": h.get("message"),
    }


def bench_one(name: str, args, work_root: Path) -> dict[str, Any]:
    src = args.corpus / name
    t0 = time.perf_counter()
    row: dict[str, Any] = {"design": name}
    try:
        raw = raw_testbench(src, args.timeout)
    except Exception as exc:  # a broken design.yaml is a result, not a crash of the bench
        raw = {"passed": False, "reason": f"{type(exc).__name__}: {exc}"[:300], "wall_s": 0.0}
    row["raw_tb"] = raw
    work = work_root / name
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(src, work, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    chk = run_check(work, args.timeout, args.sandbox)
    (work / "check.json").write_text(json.dumps(chk, indent=2))  # the CLI's answer, whole
    try:
        ff = first_failure(work, chk)
    except Exception as exc:  # an unexpected JSON shape must not stop the bench
        ff = {
            "status": "bench_error",
            "step": "bench",
            "evidence": "",
            "reason": f"could not read check --json: {type(exc).__name__}: {exc}"[:300],
        }
    row.update(
        {
            "status": ff["status"],
            "clean_gds": ff["status"] == "clean",
            "first_failing_step": ff["step"],
            "reason": ff["reason"],
            "evidence": ff["evidence"],
            "failure_class": ""
            if ff["status"] == "clean"
            else classify(ff["step"], f"{ff['reason']} {ff['evidence']}"),
            "check_exit_code": chk["exit_code"],
            "check_wall_s": chk["wall_s"],
            "work_dir": str(work),
        }
    )
    if ff.get("attempts"):
        row["harden_attempts"] = ff["attempts"]
    data = chk["json"] or {}
    if data.get("harden"):
        m = data["harden"].get("metrics") or {}
        row["metrics"] = {
            k: m.get(k)
            for k in (
                "synth__cell__count",
                "timing__setup__ws",
                "magic__drc_error__count",
                "design__lvs_error__count",
                "gl_sim__passed",
            )
            if k in m
        }
    row["wall_s"] = round(time.perf_counter() - t0, 1)
    return row


# ------------------------------------------------------------------------------------- output
def print_table(rows: list[dict[str, Any]], total_s: float, file=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file or sys.stdout, width=200)
    t = Table(title="siliconcrew check on benchmarks/corpus", show_lines=False)
    for col, kw in (
        ("design", {}),
        ("raw tb", {"justify": "center"}),
        ("check", {}),
        ("first failing step", {}),
        ("class", {}),
        ("reason", {"overflow": "fold", "max_width": 80}),
        ("wall s", {"justify": "right"}),
    ):
        t.add_column(col, **kw)
    for r in rows:
        raw = "[green]pass[/]" if r["raw_tb"]["passed"] else "[red]FAIL[/]"
        st = "[green]clean GDS[/]" if r["clean_gds"] else f"[red]{r['status']}[/]"
        t.add_row(
            r["design"],
            raw,
            st,
            r["first_failing_step"] or "-",
            r["failure_class"] or "-",
            (r["reason"] or "").replace("[", "\\["),
            f"{r['wall_s']:.1f}",
        )
    console.print(t)
    s = summary(rows)
    console.print(
        f"[bold]{s['clean_of_raw_pass']}/{s['raw_pass']} designs whose raw testbench "
        f"passes reach a clean GDS[/] ({s['designs']} designs, raw testbench passes "
        f"on {s['raw_pass']}; total {total_s:.0f} s)"
    )
    if s["by_class"]:
        console.print(
            "failures by class: "
            + ", ".join(f"{k} {v}" for k, v in sorted(s["by_class"].items(), key=lambda kv: -kv[1]))
        )


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    raw_ok = [r for r in rows if r["raw_tb"]["passed"]]
    by_class: dict[str, int] = {}
    by_step: dict[str, int] = {}
    for r in rows:
        if not r["clean_gds"]:
            by_class[r["failure_class"]] = by_class.get(r["failure_class"], 0) + 1
            by_step[r["first_failing_step"]] = by_step.get(r["first_failing_step"], 0) + 1
    return {
        "designs": len(rows),
        "raw_pass": len(raw_ok),
        "clean_of_raw_pass": sum(r["clean_gds"] for r in raw_ok),
        "clean": sum(r["clean_gds"] for r in rows),
        "by_class": by_class,
        "by_step": by_step,
    }


def source_state() -> dict[str, Any]:
    """Which siliconcrew the figures belong to: HEAD plus a digest of uncommitted changes."""
    import hashlib

    def git(*a: str) -> str:
        try:
            return subprocess.run(
                ["git", *a], cwd=REPO, capture_output=True, text=True, timeout=30
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            return ""

    diff = git("diff", "HEAD", "--", "siliconcrew")
    return {
        "head": git("rev-parse", "HEAD").strip(),
        "siliconcrew_dirty": bool(diff.strip()),
        "siliconcrew_diff_sha1": hashlib.sha1(diff.encode()).hexdigest()[:12] if diff else None,
    }


def select(corpus: Path, only: str) -> list[str]:
    names = sorted(p.name for p in corpus.iterdir() if (p / "design.yaml").is_file())
    if not only:
        return names
    globs = [g.strip() for g in only.split(",") if g.strip()]
    return [n for n in names if any(fnmatch.fnmatch(n, g) for g in globs)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--only", default="", help="glob(s) of design names, comma-separated")
    ap.add_argument("--jobs", type=int, default=1, help="designs checked in parallel")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per design (check)")
    ap.add_argument("--sandbox", default=None, help="auto | docker | local (passed to check)")
    ap.add_argument(
        "--json",
        action="store_true",
        help="print the JSON report on stdout (the table goes to stderr)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results file (default benchmarks/results/corpus-<timestamp>.json)",
    )
    ap.add_argument(
        "--no-keep",
        action="store_true",
        help="check in a temporary folder and delete it (default: keep the copies "
        "with their runs/ next to the results file)",
    )
    args = ap.parse_args()
    if not CLI.exists():
        print(f"{CLI} not found: run `make setup` first", file=sys.stderr)
        return 2
    names = select(args.corpus, args.only)
    if not names:
        print(f"no design matches {args.only!r} in {args.corpus}", file=sys.stderr)
        return 2
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS / f"corpus-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory(prefix="bench-corpus-") if args.no_keep else None
    work_root = Path(tmp.name) if tmp else out.with_suffix("")
    work_root.mkdir(parents=True, exist_ok=True)
    log = sys.stderr
    print(
        f"{len(names)} designs, --jobs {args.jobs}, timeout {args.timeout:g} s; "
        f"work copies in {work_root}",
        file=log,
        flush=True,
    )
    src_start = source_state()
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = {pool.submit(bench_one, n, args, work_root): n for n in names}
        for fut in as_completed(futs):
            r = fut.result()
            rows.append(r)
            print(
                f"[{len(rows):2d}/{len(names)}] {r['design']:22s} raw "
                f"{'pass' if r['raw_tb']['passed'] else 'FAIL'}  "
                f"{'clean GDS' if r['clean_gds'] else r['first_failing_step']:18s} "
                f"{r['wall_s']:6.1f} s  {r['reason'][:90]}",
                file=log,
                flush=True,
            )
    total = time.perf_counter() - t0
    rows.sort(key=lambda r: r["design"])
    report = {
        "created": stamp,
        "corpus": str(args.corpus),
        "jobs": args.jobs,
        "source": {"start": src_start, "end": source_state()},
        "timeout_s": args.timeout,
        "total_wall_s": round(total, 1),
        "summary": summary(rows),
        "designs": rows,
    }
    out.write_text(json.dumps(report, indent=2))
    if tmp:
        tmp.cleanup()
    print_table(rows, total, file=sys.stderr if args.json else sys.stdout)
    print(f"results: {out}", file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
