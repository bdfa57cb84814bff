"""VerilogEval v2 (spec-to-rtl) harness: the RTL agent writes `TopModule` from the prompt,
and each sample is judged exactly as VerilogEval does it — iverilog -g2012 with the problem's
`_test.sv` and `_ref.sv`, pass when the output says `Mismatches: 0 in N samples`.

The agent sees only `_prompt.txt` (and its own lint results): the test and reference files
are copied into a separate judge folder after the sample is written.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.agents.codeblocks import code_blocks, module_names
from siliconcrew.core.errors import UserInputError
from siliconcrew.tools.base import ToolContext
from siliconcrew.tools.registry import execute, load_registry

_PROMPT = re.compile(r"^(Prob\d+_\w+?)_prompt\.txt$")
_MISMATCH = re.compile(r"Mismatches:\s*(\d+)\s+in\s+(\d+)\s+samples")
SYSTEM = """You are an expert Verilog engineer. Implement the module described, named exactly
TopModule with exactly the given ports. Use synthesizable Verilog-2005/SystemVerilog that
iverilog -g2012 accepts. Answer with the whole module in ONE ```verilog fenced block."""
LINT_ROUNDS = 2


@dataclass
class Problem:
    id: str
    prompt: Path
    ref: Path
    test: Path


@dataclass
class SampleResult:
    problem: str
    sample: int
    status: str  # pass | syntax | compile | runtime | timeout | mismatch | no_code
    mismatches: int | None = None
    samples: int | None = None
    detail: str = ""
    seconds: float = 0.0
    # best-of-N (--candidates N > 1): every candidate's verdict, judged after the pick
    candidates: list[str] | None = None
    picked: int | None = None
    reason: str = ""
    groups: list[list[int]] | None = None
    # a mismatch's debug evidence from the judge's waveform (failing output, time, suspect
    # lines of TopModule): what an RTL agent would be told; the agent never sees it here
    evidence: dict[str, Any] | None = None


@dataclass
class BenchReport:
    dataset: str
    model: str | None
    samples_per_problem: int
    results: list[SampleResult] = field(default_factory=list)
    candidates: int = 1

    def per_problem(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for r in self.results:
            p = out.setdefault(r.problem, {"n": 0, "c": 0, "failures": {}})
            p["n"] += 1
            if r.status == "pass":
                p["c"] += 1
            else:
                p["failures"][r.status] = p["failures"].get(r.status, 0) + 1
        return out

    def pass_at(self, k: int) -> float | None:
        probs = self.per_problem()
        vals = [pass_at_k(p["n"], p["c"], k) for p in probs.values() if p["n"] >= k]
        return round(sum(vals) / len(vals), 4) if vals else None

    def candidate_pass_rate(self) -> float | None:
        """Per-sample pass rate: the share of all candidates (every answer, not only the
        picked ones) that pass the judge: what one answer scores on its own."""
        verdicts = [v for r in self.results for v in (r.candidates or [])]
        return round(sum(v == "pass" for v in verdicts) / len(verdicts), 4) if verdicts else None

    def to_dict(self) -> dict[str, Any]:
        ks = sorted({1, self.samples_per_problem})
        extra: dict[str, Any] = {}
        if self.candidates > 1:
            extra = {
                "candidates": self.candidates,
                "per_sample_pass_rate": self.candidate_pass_rate(),
            }
        return {
            "dataset": self.dataset,
            "model": self.model,
            "samples_per_problem": self.samples_per_problem,
            "problems": len(self.per_problem()),
            **{f"pass@{k}": self.pass_at(k) for k in ks},
            **extra,
            "failure_classes": _count(r.status for r in self.results if r.status != "pass"),
            "per_problem": self.per_problem(),
            "results": [asdict(r) for r in self.results],
        }


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return out


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k estimator (Chen et al. 2021)."""
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def discover(dataset: Path, pattern: str = "*") -> list[Problem]:
    if not dataset.is_dir():
        raise UserInputError(
            f"dataset folder '{dataset}' does not exist",
            "give the folder with ProbNNN_*_prompt.txt files",
        )
    problems = []
    for prompt in sorted(dataset.glob("Prob*_prompt.txt")):
        m = _PROMPT.match(prompt.name)
        if not m or not Path(m.group(1)).match(pattern):
            continue
        pid = m.group(1)
        ref, test = dataset / f"{pid}_ref.sv", dataset / f"{pid}_test.sv"
        if ref.is_file() and test.is_file():
            problems.append(Problem(pid, prompt, ref, test))
    if not problems:
        raise UserInputError(
            f"no VerilogEval problems matching '{pattern}' in {dataset}",
            "expected ProbNNN_name_prompt.txt with _ref.sv and _test.sv",
        )
    return problems


class VerilogEvalBench:
    def __init__(self, llm, sandbox, out_dir: Path, candidates: int = 1) -> None:
        self.llm = llm
        self.candidates = candidates
        self.sandbox = sandbox
        self.out = out_dir
        self.registry = load_registry(include_plugins=False)
        self._lock = threading.Lock()

    def _ctx(self) -> ToolContext:
        ctx = ToolContext(self.out, lambda ws: self.sandbox)
        ctx._sandbox = self.sandbox  # shared, opened (and closed) by the caller
        return ctx

    def generate(self, problem: Problem, sample: int) -> Path | None:
        """The agent's turn: prompt in, TopModule out, linted (it never sees test/ref)."""
        work = self.out / "samples" / problem.id / f"s{sample}"
        work.mkdir(parents=True, exist_ok=True)
        self.sandbox.make_writable(work)
        rel = (work / "TopModule.sv").relative_to(self.out).as_posix()
        ctx = self._ctx()
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": problem.prompt.read_text(errors="replace")},
        ]
        written = None
        for _ in range(LINT_ROUNDS):
            reply = self.llm.chat("rtl", messages)
            blocks = [b for b in code_blocks(reply.content) if "TopModule" in module_names(b)]
            if not blocks:
                messages += [
                    {"role": "assistant", "content": reply.content},
                    {"role": "user", "content": "Send module TopModule in a ```verilog block."},
                ]
                continue
            execute(self.registry.get("write_file"), {"path": rel, "content": blocks[0]}, ctx)
            written = work / "TopModule.sv"
            lint = execute(self.registry.get("lint"), {"files": [rel], "top": "TopModule"}, ctx)
            if lint.ok:
                break
            messages += [
                {"role": "assistant", "content": reply.content},
                {
                    "role": "user",
                    "content": "iverilog/verilator report:\n"
                    + "\n".join(f"line {d.line}: {d.message}" for d in lint.errors[:15])
                    + "\nFix it and send the whole module.",
                },
            ]
        return written

    def generate_best_of(self, problem: Problem, sample: int) -> tuple[Path | None, Any]:
        """Best-of-N: N answers at the candidate temperature, each linted, all run on the
        shared stimulus and grouped by output trace; the pick is written as TopModule.sv.
        The judge's test and reference are never used here (they are hidden)."""
        from siliconcrew.agents.best_of_n import evaluate

        work = self.out / "samples" / problem.id / f"s{sample}"
        work.mkdir(parents=True, exist_ok=True)
        self.sandbox.make_writable(work)
        ctx = self._ctx()
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": problem.prompt.read_text(errors="replace")},
        ]
        replies = self.llm.chat_n("rtl", messages, self.candidates)

        def run_tool(name: str, inp: dict[str, Any]):
            return execute(self.registry.get(name), inp, ctx)

        best = evaluate(
            run_tool,
            self.out,
            [r.content for r in replies],
            top="TopModule",
            folder=work.relative_to(self.out).as_posix(),
            file_name="TopModule.sv",
        )
        code = best.winner_code
        if code is None:
            return None, best
        rel = (work / "TopModule.sv").relative_to(self.out).as_posix()
        execute(self.registry.get("write_file"), {"path": rel, "content": code}, ctx)
        return work / "TopModule.sv", best

    def judge(
        self, problem: Problem, sample: int, code: Path | None, tag: str = ""
    ) -> SampleResult:
        """VerilogEval's own check, in a folder the agent never saw."""
        start = time.perf_counter()
        if code is None:
            return SampleResult(problem.id, sample, "no_code", detail="no TopModule in the answer")
        jdir = self.out / "judge" / problem.id / f"s{sample}{tag}"
        jdir.mkdir(parents=True, exist_ok=True)
        self.sandbox.make_writable(jdir)
        for src in (problem.test, problem.ref):
            shutil.copy(src, jdir / src.name)
        shutil.copy(code, jdir / "TopModule.sv")
        sb = self.sandbox
        alone = sb.run(
            ["iverilog", "-g2012", "-o", "/dev/null", "TopModule.sv"],
            cwd=jdir,
            timeout_s=60,
            log_name="syntax",
        )
        if alone.exit_code != 0:
            return SampleResult(
                problem.id,
                sample,
                "syntax",
                detail=_first(alone.output),
                seconds=time.perf_counter() - start,
            )
        comp = sb.run(
            [
                "iverilog",
                "-g2012",
                "-o",
                "sim.vvp",
                problem.test.name,
                problem.ref.name,
                "TopModule.sv",
            ],
            cwd=jdir,
            timeout_s=120,
            log_name="compile",
        )
        if comp.exit_code != 0:
            return SampleResult(
                problem.id,
                sample,
                "compile",
                detail=_first(comp.output),
                seconds=time.perf_counter() - start,
            )
        run = sb.run(["vvp", "-n", "sim.vvp"], cwd=jdir, timeout_s=60, log_name="run")
        m = _MISMATCH.search(run.output)
        if run.timed_out or "TIMEOUT" in run.output:
            status, detail = "timeout", run.killed_reason or "TIMEOUT"
        elif m is None:
            status, detail = "runtime", _first(run.output) or f"exit {run.exit_code}"
        elif int(m.group(1)) > 0:
            status, detail = "mismatch", m.group(0)
        else:
            status, detail = "pass", m.group(0)
        res = SampleResult(
            problem.id,
            sample,
            status,
            int(m.group(1)) if m else None,
            int(m.group(2)) if m else None,
            detail,
            round(time.perf_counter() - start, 3),
        )
        if status == "mismatch":
            res.evidence = self.evidence(jdir, problem)
        return res

    def evidence(self, jdir: Path, problem: Problem) -> dict[str, Any]:
        """Debug evidence of a mismatching sample: the judge's testbench run again with a
        waveform, TopModule's lines ranked (agents/debug.py)."""
        from siliconcrew.agents.debug import debug_evidence

        ctx = self._ctx()

        def run_tool(name: str, inp: dict[str, Any]):
            return execute(self.registry.get(name), inp, ctx)

        rel = jdir.relative_to(self.out).as_posix()
        top = f"{rel}/TopModule.sv"
        ev, why = debug_evidence(
            run_tool,
            self.out,
            rtl_files=[top],
            sim_input={
                "files": [f"{rel}/{problem.test.name}", f"{rel}/{problem.ref.name}", top],
                "top": "tb",
                "timeout_s": 60,
                "fail_patterns": [],
            },
            top="TopModule",
        )
        if ev is None:
            return {"error": why}
        return {
            "outputs": ev.outputs,
            "first_fail": ev.first_fail,
            "expected": ev.expected,
            "actual": ev.actual,
            "suspects": [
                {"line": s.label().rsplit("/", 1)[-1], "score": s.score, "text": s.text}
                for s in ev.suspects[:3]
            ],
        }

    def one(self, problem: Problem, sample: int) -> SampleResult:
        t0 = time.perf_counter()
        if self.candidates > 1:
            res = self.one_best_of(problem, sample)
        else:
            res = self.judge(problem, sample, self.generate(problem, sample))
        res.seconds = round(time.perf_counter() - t0, 3)
        return res

    def one_best_of(self, problem: Problem, sample: int) -> SampleResult:
        code, best = self.generate_best_of(problem, sample)
        res = self.judge(problem, sample, code)  # the pick is made: now the hidden test
        verdicts = []
        for c in best.candidates:
            path = self.out / c.path if c.path else None
            verdicts.append(self.judge(problem, sample, path, tag=f"/c{c.index}").status)
        res.candidates, res.picked = verdicts, best.selection.winner
        res.reason, res.groups = best.selection.reason, best.selection.groups
        return res


def _first(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")[:300]


def run_bench(
    dataset: Path,
    llm,
    sandbox,
    out_dir: Path,
    *,
    pattern: str = "*",
    samples: int = 1,
    jobs: int = 1,
    candidates: int = 1,
    progress=None,
) -> BenchReport:
    if samples < 1 or jobs < 1 or candidates < 1:
        raise UserInputError("--samples, --jobs and --candidates must be >= 1", "use 1 or more")
    problems = discover(dataset, pattern)
    out_dir.mkdir(parents=True, exist_ok=True)
    sandbox.make_writable(out_dir)
    sandbox.run(["true"], cwd=out_dir)  # start the container before the threads share it
    bench = VerilogEvalBench(llm, sandbox, out_dir, candidates)
    report = BenchReport(
        str(dataset), llm.settings.model_for("rtl"), samples, candidates=candidates
    )
    tasks = [(p, s) for p in problems for s in range(samples)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for res in pool.map(lambda t: bench.one(*t), tasks):
            report.results.append(res)
            if progress:
                progress(res)
    (out_dir / "results.json").write_text(json.dumps(report.to_dict(), indent=2))
    return report
