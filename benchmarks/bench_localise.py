"""How well debug evidence localises a bug: one-statement mutants of correct designs.

For each design of benchmarks/corpus (golden testbench, RTL that passes it), every RTL line
that holds an assignment or a condition gives at most one mutant per kind (operator swap,
constant change, condition inversion, wrong signal), made by a regular expression on that
line. A mutant counts when it still compiles and the golden testbench now fails; then the
debug evidence is built exactly as a run builds it (simulate with a waveform, rtl_graph,
agents.localise) and we check whether the changed line is among the top-1 / top-3 suspects
and whether the evidence names a failing time.

    nice -n 10 .venv/bin/python benchmarks/bench_localise.py                  # all designs
    nice -n 10 .venv/bin/python benchmarks/bench_localise.py --only 'alu8,counter*' --json
    ... --per-design 4 --seed 1       # at most 4 mutants per design (random, seeded)

Sandbox: local (bubblewrap) by default, like the tests; `--sandbox docker` for the image.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from siliconcrew.agents.debug import debug_evidence  # noqa: E402
from siliconcrew.api.context import load_settings, sandbox_factory  # noqa: E402
from siliconcrew.core.design import load_design  # noqa: E402
from siliconcrew.tools.base import ToolContext  # noqa: E402
from siliconcrew.tools.design_calls import simulate_input  # noqa: E402
from siliconcrew.tools.registry import execute, load_registry  # noqa: E402

CORPUS = REPO / "benchmarks" / "corpus"

_SWAPS = [
    (r"(?<![+])\+(?![+:])", "-"),
    (r"(?<![-])-(?![->:])", "+"),
    (r"(?<![&])&(?![&])", "|"),
    (r"(?<![|])\|(?![|])", "&"),
    (r"\^", "&"),
    (r"&&", "||"),
    (r"\|\|", "&&"),
    (r"==", "!="),
    (r"!=", "=="),
    (r"(?<![<])<(?![<=])", ">"),
    (r"(?<![>-])>(?![>=])", "<"),
    (r"<<", ">>"),
    (r">>(?!>)", "<<"),
]
_CONST = re.compile(r"(\d+'[dh])([0-9a-fA-F]+)\b|(?<![\w'.])(\d+)(?![\w'.])")
_IDENT = re.compile(r"\b([A-Za-z_]\w*)\b")
_KEYWORDS = {
    "begin",
    "end",
    "if",
    "else",
    "case",
    "endcase",
    "assign",
    "always",
    "posedge",
    "negedge",
    "or",
    "and",
    "reg",
    "wire",
    "input",
    "output",
    "default",
    "for",
    "signed",
    "integer",
    "localparam",
    "parameter",
    "module",
    "endmodule",
    "initial",
}


@dataclass
class Mutant:
    design: str
    file: str
    line: int
    kind: str
    before: str
    after: str


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # localised | caught | survived | broken | no-evidence
    rank: int | None = None  # 1-based rank of the changed line among the suspects
    time_named: bool = False
    output_named: bool = False
    suspects: list[str] | None = None
    seconds: float = 0.0
    detail: str = ""


def _code_part(line: str) -> str:
    return line.split("//")[0]


def _statement_line(line: str) -> bool:
    code = _code_part(line).strip()
    if not code or code.startswith(("module", "input", "output", "parameter", "localparam")):
        return False
    if re.match(r"^(reg|wire|integer|genvar|inout)\b", code) and "=" not in code:
        return False
    return bool(re.search(r"(<=|=|\bif\b|\bcase\b|\?)", code))


def mutants_of_line(text: str) -> list[tuple[str, str]]:
    """(kind, new line) for one line: at most one mutant per kind, first match only."""
    code = _code_part(text)
    rest = text[len(code) :]
    # operate on the right-hand side / condition only (never the assigned name)
    m = re.search(r"(<=|(?<![=!<>])=(?!=))", code)
    head, body = (
        (code[: m.end()], code[m.end() :]) if m and "if" not in code[: m.start()] else ("", code)
    )
    out: list[tuple[str, str]] = []
    for pat, rep in _SWAPS:
        new, n = re.subn(pat, rep, body, count=1)
        if n:
            out.append(("operator", head + new + rest))
            break
    cm = _CONST.search(body)
    if cm:
        if cm.group(2) is not None:
            base = 16 if cm.group(1).endswith("h") else 10
            v = int(cm.group(2), base)
            nv = format(v + 1, "x" if base == 16 else "d")
            new = body[: cm.start(2)] + nv + body[cm.end(2) :]
        else:
            v = int(cm.group(3))
            new = body[: cm.start(3)] + str(v + 1 if v != 1 else 0) + body[cm.end(3) :]
        out.append(("constant", head + new + rest))
    im = re.search(r"\bif\s*\((.*)\)", body)
    if im:
        new = body[: im.start(1)] + f"!({im.group(1)})" + body[im.end(1) :]
        out.append(("condition", head + new + rest))
    idents = [i for i in _IDENT.findall(body) if i not in _KEYWORDS and not i[0].isdigit()]
    uniq = list(dict.fromkeys(idents))
    if len(uniq) >= 2:
        a, b = uniq[0], uniq[1]
        new = re.sub(rf"\b{re.escape(a)}\b", b, body, count=1)
        out.append(("signal", head + new + rest))
    return [(k, t) for k, t in out if t != text]


def mutants(design_dir: Path, rtl: list[str]) -> list[Mutant]:
    out = []
    for f in rtl:
        lines = (design_dir / f).read_text(errors="replace").splitlines()
        for n, text in enumerate(lines, 1):
            if not _statement_line(text):
                continue
            for kind, new in mutants_of_line(text):
                out.append(Mutant(design_dir.name, f, n, kind, text.strip(), new.strip()))
    return out


def run_one(mut: Mutant, src: Path, sandbox: str, registry) -> Outcome:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sc-loc-") as tmp:
        work = Path(tmp) / src.name
        shutil.copytree(src, work, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
        path = work / mut.file
        lines = path.read_text(errors="replace").splitlines()
        indent = lines[mut.line - 1][: len(lines[mut.line - 1]) - len(lines[mut.line - 1].lstrip())]
        lines[mut.line - 1] = indent + mut.after
        path.write_text("\n".join(lines) + "\n")
        design, folder = load_design(work)
        settings = load_settings(sandbox, False)
        ctx = ToolContext(folder, sandbox_factory(settings))
        try:

            def tool(name: str, inp: dict):
                return execute(registry.get(name), inp, ctx)

            sim_in = simulate_input(design)
            assert sim_in is not None
            res = tool("simulate", sim_in)
            if res.metrics.get("sim__compiled") is False:
                return Outcome(mut, "broken", detail=res.summary)
            if res.ok:
                return Outcome(mut, "survived", seconds=time.perf_counter() - t0)
            ev, why = debug_evidence(
                tool,
                folder,
                rtl_files=list(design.rtl),
                sim_input=sim_in,
                top=design.top,
                include_dirs=design.include_dirs,
                parameters=dict(design.parameters),
            )
        finally:
            ctx.close()
    dt = time.perf_counter() - t0
    if ev is None and why.startswith("no RTL graph"):
        # yosys refuses the mutant (e.g. an async reset that no longer resets to a constant):
        # not a design any flow would take, so not counted
        return Outcome(mut, "broken", seconds=dt, detail=why)
    if ev is None:
        return Outcome(mut, "no-evidence", seconds=dt, detail=why)
    labels = [s.label() for s in ev.suspects]
    want = f"{mut.file}:{mut.line}"
    rank = labels.index(want) + 1 if want in labels else None
    return Outcome(
        mut,
        "caught",
        rank=rank,
        time_named=ev.first_fail is not None,
        output_named=bool(ev.outputs) and not any("names no output" in n for n in ev.notes),
        suspects=labels[:5],
        seconds=round(dt, 2),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="*", help="comma-separated design globs")
    ap.add_argument("--per-design", type=int, default=0, help="at most N mutants a design")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sandbox", default="local")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    registry = load_registry(include_plugins=False)
    rng = random.Random(args.seed)
    globs = args.only.split(",")
    outcomes: list[Outcome] = []
    t_all = time.perf_counter()
    for d in sorted(p for p in CORPUS.iterdir() if (p / "design.yaml").is_file()):
        if not any(fnmatch.fnmatch(d.name, g) for g in globs):
            continue
        design, _ = load_design(d)
        if not design.testbench or not design.rtl:
            continue
        muts = mutants(d, list(design.rtl))
        if args.per_design and len(muts) > args.per_design:
            muts = rng.sample(muts, args.per_design)
        for m in muts:
            o = run_one(m, d, args.sandbox, registry)
            outcomes.append(o)
            if not args.json:
                print(
                    f"{o.status:12} rank={o.rank} {m.design} {m.file}:{m.line} {m.kind}: "
                    f"{m.after[:60]}  top={o.suspects[:3] if o.suspects else ''} {o.detail[:80]}",
                    flush=True,
                )
    caught = [o for o in outcomes if o.status == "caught"]
    n = len(caught)
    top1 = sum(1 for o in caught if o.rank == 1)
    top3 = sum(1 for o in caught if o.rank is not None and o.rank <= 3)
    summary = {
        "mutants": len(outcomes),
        "caught_by_golden_tb": n,
        "survived": sum(o.status == "survived" for o in outcomes),
        "broken": sum(o.status == "broken" for o in outcomes),
        "no_evidence": sum(o.status == "no-evidence" for o in outcomes),
        "designs": len({o.mutant.design for o in caught}),
        "top1": round(top1 / n, 3) if n else None,
        "top3": round(top3 / n, 3) if n else None,
        "time_named": round(sum(o.time_named for o in caught) / n, 3) if n else None,
        "output_named": round(sum(o.output_named for o in caught) / n, 3) if n else None,
        "seconds": round(time.perf_counter() - t_all, 1),
    }
    if args.json:
        print(json.dumps({"summary": summary, "outcomes": [asdict(o) for o in outcomes]}, indent=1))
    else:
        print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
