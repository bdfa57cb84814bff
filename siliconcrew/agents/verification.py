"""Verification agent: runs the golden testbench (read-only, judged on its own terms) and
turns a failure into short evidence for the RTL agent: the first failing lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from siliconcrew.tools.design_calls import cocotb_inputs, simulate_input
from siliconcrew.tools.run_context import RunContext

_EVIDENCE_LINE = re.compile(r"(ERROR|FATAL|FAIL|Mismatch|mismatch|expected|assert)", re.I)


def run_golden(ctx: RunContext, rtl_files: list[str], node: str = "verify") -> dict[str, Any]:
    """The user's tests on `rtl_files`: the Verilog testbench and every golden cocotb module."""
    d = ctx.design
    if not d.has_golden_tests():
        return {
            "ok": True,
            "skipped": "no golden testbench in design.yaml",
            "summary": "no golden testbench: functional verification skipped",
        }
    sim_in = simulate_input(d, rtl_files)
    if sim_in is not None and not d.cocotb_tests:
        res = ctx.tool(node, "simulate", sim_in)
        out = {
            "ok": res.ok,
            "summary": res.summary,
            "failure": res.failure,
            "artifacts": res.artifacts,
        }
        if not res.ok:
            out["evidence"] = evidence(ctx, res)
        return out
    runs = [("simulate", ctx.tool(node, "simulate", sim_in))] if sim_in is not None else []
    runs += [
        (Path(call["test_module"]).stem, ctx.tool(node, "cocotb_run", call))
        for call in cocotb_inputs(d, rtl_files)
    ]
    failed = [(name, res) for name, res in runs if not res.ok]
    first = (failed or runs)[0][1]
    out = {
        "ok": not failed,
        "summary": "; ".join(res.summary for _, res in runs),
        "failure": first.failure,
        "artifacts": first.artifacts,
    }
    if failed:
        out["evidence"] = "\n".join(
            evidence(ctx, res) if name == "simulate" else cocotb_evidence(name, res)
            for name, res in failed
        )[:4000]
    return out


def cocotb_evidence(module: str, res) -> str:
    """A failing cocotb module's evidence: each failing test with its assertion message
    (cocotb 2 rewrites asserts, so the message carries the compared values)."""
    lines = [f"golden cocotb test {module}: {res.summary}"]
    lines += [d.message[:600] for d in res.diagnostics[:6]]
    return "\n".join(dict.fromkeys(lines))[:3000]


def evidence(ctx: RunContext, res) -> str:
    """Concise: the verdict, then the first failing output lines (first mismatch, time)."""
    lines = [f"golden testbench {ctx.design.testbench_top()}: {res.summary}"]
    log = res.artifacts.get("run_log")
    if log and (ctx.folder / log).is_file():
        text = (ctx.folder / log).read_text(errors="replace")
        hits = [ln.strip() for ln in text.splitlines() if _EVIDENCE_LINE.search(ln)]
        lines += hits[:8]
    for d in res.diagnostics[:5]:
        if d.severity == "error":
            lines.append(f"{d.file or ''}:{d.line or ''} {d.message}".strip(": "))
    return "\n".join(dict.fromkeys(lines))[:4000]


TB_SYSTEM = """You are a verification engineer. Write a self-checking Verilog testbench (iverilog
-g2012) for the module described. Rules: module name {tb}; instantiate {top} by port names;
drive a clock if the design has one; apply reset first; compare outputs against a reference
model written in behavioural Verilog inside the testbench; print "ERROR: ..." for every
mismatch, then "TEST PASSED" or "TEST FAILED" at the end, and call $finish. Answer with the
whole file in ONE ```verilog block."""


def run_own_testbench(
    ctx: RunContext, rtl_files: list[str], plan: dict[str, Any]
) -> dict[str, Any]:
    """No golden testbench: the agent writes one (judged apart, marked as agent-written)."""
    from siliconcrew.agents.codeblocks import code_blocks, module_names
    from siliconcrew.agents.planner import spec_text

    d = ctx.design
    tb_top = f"sc_tb_{d.top}"
    tb_path = f"tb/{tb_top}.v"
    feedback = ""
    res = None
    for _ in range(2):  # a testbench that does not compile is rewritten once, with the errors
        if feedback or not (ctx.folder / tb_path).is_file():
            rtl = "\n".join((ctx.folder / f).read_text(errors="replace") for f in rtl_files)[:20000]
            reply = ctx.llm.chat(
                "verification",
                [
                    {"role": "system", "content": TB_SYSTEM.format(tb=tb_top, top=d.top)},
                    {
                        "role": "user",
                        "content": f"Spec:\n{spec_text(ctx)}\n\nPorts/plan:\n{plan}\n\n"
                        f"RTL under test:\n```verilog\n{rtl}\n```{feedback}",
                    },
                ],
            )
            blocks = [b for b in code_blocks(reply.content) if tb_top in module_names(b)]
            if not blocks:
                return {
                    "ok": True,
                    "skipped": "the model wrote no usable testbench",
                    "summary": "own testbench: none usable (verification skipped)",
                    "agent_written": True,
                }
            wrote = ctx.tool("verify", "write_file", {"path": tb_path, "content": blocks[0]})
            if not wrote.ok:
                return {
                    "ok": True,
                    "skipped": wrote.summary,
                    "agent_written": True,
                    "summary": "own testbench could not be written",
                }
        res = ctx.tool(
            "verify",
            "simulate",
            {
                "files": rtl_files + [tb_path],
                "top": tb_top,
                "timeout_s": d.verification.timeout_s,
                "pass_patterns": ["TEST PASSED"],
            },
        )
        tb_broken = res.metrics.get("sim__compiled") is False and any(
            diag.file == tb_path for diag in res.errors
        )
        if not tb_broken:
            break
        feedback = "\n\nYour previous testbench did not compile:\n" + "\n".join(
            f"{x.file}:{x.line}: {x.message}" for x in res.errors[:10]
        )
    else:
        return {
            "ok": True,
            "skipped": "agent-written testbench does not compile",
            "summary": f"own testbench {tb_path} does not compile after a rewrite: "
            "functional verification skipped",
            "agent_written": True,
        }
    out = {
        "ok": res.ok,
        "summary": f"agent-written testbench {tb_path}: {res.summary}",
        "agent_written": True,
        "testbench": tb_path,
    }
    if not res.ok:
        out["evidence"] = (
            "(agent-written testbench: the testbench itself may be wrong)\n" + evidence(ctx, res)
        )
    return out


def testbench_for_candidates(ctx: RunContext, plan: dict[str, Any]) -> tuple[str, str] | None:
    """The agent-written testbench that judges RTL candidates (no golden one): written once
    from the spec and the plan (no candidate's code, so it shares none of their bugs), kept
    as tb/sc_tb_<top>.v for the verify step. None when the model gives no usable one."""
    from siliconcrew.agents.codeblocks import code_blocks, module_names
    from siliconcrew.agents.planner import spec_text

    d = ctx.design
    tb_top = f"sc_tb_{d.top}"
    tb_path = f"tb/{tb_top}.v"
    if not (ctx.folder / tb_path).is_file():
        reply = ctx.llm.chat(
            "verification",
            [
                {"role": "system", "content": TB_SYSTEM.format(tb=tb_top, top=d.top)},
                {"role": "user", "content": f"Spec:\n{spec_text(ctx)}\n\nPorts/plan:\n{plan}"},
            ],
        )
        blocks = [b for b in code_blocks(reply.content) if tb_top in module_names(b)]
        if not blocks:
            return None
        if not ctx.tool("verify", "write_file", {"path": tb_path, "content": blocks[0]}).ok:
            return None
    return tb_path, tb_top
