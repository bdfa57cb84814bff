"""Best-of-N: N answers, each linted, all simulated on the same stimuli, one picked.

The work is done by tools (`write_file`, `lint`, `simulate`) through the caller's `run_tool`
(the graph's `RunContext.tool`, the benchmark's `execute`); the choice is
`agents.candidates.select` (pure code). Used by the RTL agent (`write_rtl` with
`rtl: {candidates: N}`) and by `bench verilog-eval --candidates N`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.agents.candidates import (
    Candidate,
    Selection,
    common_ports,
    parse_ports,
    select,
    stimulus_testbench,
    trace_of,
)
from siliconcrew.agents.codeblocks import code_blocks, module_names

RunTool = Callable[[str, dict[str, Any]], Any]


@dataclass
class BestOfN:
    candidates: list[Candidate]
    selection: Selection
    code: dict[int, str] = field(default_factory=dict)  # candidate index → its code
    stimulus: str | None = None  # the shared stimulus testbench file

    @property
    def winner_code(self) -> str | None:
        w = self.selection.winner
        return self.code.get(w) if w is not None else None

    def record(self) -> dict[str, Any]:
        """What the trace and the report show."""
        return {
            "n": len(self.candidates),
            "winner": self.selection.winner,
            "reason": self.selection.reason,
            "groups": self.selection.groups,
            "stimulus": self.stimulus,
            "candidates": [c.to_dict() for c in self.candidates],
        }


def evaluate(
    run_tool: RunTool,
    workspace: Path,
    answers: list[str],
    *,
    top: str,
    folder: str,
    file_name: str,
    other_files: list[str] | None = None,
    golden: Callable[[list[str]], dict[str, Any]] | None = None,
    own_tb: tuple[str, str] | None = None,
    clock: str | None = None,
    timeout_s: float = 60,
) -> BestOfN:
    """Write each answer's `top` module to `folder`/cN/`file_name`, lint it, simulate the
    lint-clean ones on the golden testbench (`golden(files)` → the simulate tool's result),
    the agent's testbench (`own_tb` = (file, module)) and the shared stimulus, then pick."""
    other = list(other_files or [])
    cands: list[Candidate] = []
    code: dict[int, str] = {}
    for i, answer in enumerate(answers, 1):
        blocks = [b for b in code_blocks(answer) if top in module_names(b)]
        c = Candidate(i)
        cands.append(c)
        if not blocks:
            c.note = f"no ```verilog block defining {top}"
            continue
        path = f"{folder}/c{i}/{file_name}"
        wrote = run_tool("write_file", {"path": path, "content": blocks[0]})
        if not wrote.ok:
            c.note = wrote.summary
            continue
        c.path, code[i] = path, blocks[0]
        lint = run_tool("lint", {"files": other + [path], "top": top})
        c.lint_ok = bool(lint.ok)
        c.warnings = sum(1 for d in lint.diagnostics if d.severity == "warning")
        if not lint.ok:
            c.note = "lint: " + lint.summary
    clean = [c for c in cands if c.lint_ok]
    stim_path = None
    ports = common_ports([parse_ports(code[c.index], top) for c in clean])
    if ports is not None and clean:
        tb_top = f"sc_stim_{top}"
        stim_path = f"{folder}/{tb_top}.v"
        wrote = run_tool(
            "write_file",
            {"path": stim_path, "content": stimulus_testbench(tb_top, top, ports, clock=clock)},
        )
        if not wrote.ok:
            stim_path = None
    for c in clean:
        assert c.path is not None
        files = other + [c.path]
        if golden is not None:
            c.golden = bool(golden(files).get("ok"))
        if own_tb is not None:
            res = run_tool(
                "simulate",
                {
                    "files": files + [own_tb[0]],
                    "top": own_tb[1],
                    "timeout_s": timeout_s,
                    "pass_patterns": ["TEST PASSED"],
                },
            )
            c.own_tb = None if res.metrics.get("sim__compiled") is False else bool(res.ok)
        if stim_path is not None:
            res = run_tool(
                "simulate",
                {
                    "files": files + [stim_path],
                    "top": f"sc_stim_{top}",
                    "timeout_s": timeout_s,
                    "fail_patterns": [],
                },
            )
            log = res.artifacts.get("run_log")
            if (
                res.metrics.get("sim__compiled") is not False
                and log
                and (workspace / log).is_file()
            ):
                c.trace = trace_of((workspace / log).read_text(errors="replace"))
            else:
                c.note = (c.note + "; " if c.note else "") + "stimulus: " + res.summary
    return BestOfN(cands, select(cands), code, stim_path)
