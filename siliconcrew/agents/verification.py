"""Verification agent: runs the golden testbench (read-only, judged on its own terms) and
turns a failure into evidence for the RTL agent: the first failing lines, then the debug
evidence from the waveform (agents/debug.py: failing output, time, cone values, suspect
lines)."""

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
    verilog = ctx.tool(node, "simulate", sim_in) if sim_in is not None else None
    cocotb = [
        (Path(call["test_module"]).stem, ctx.tool(node, "cocotb_run", call))
        for call in cocotb_inputs(d, rtl_files)
    ]
    runs = ([verilog] if verilog is not None else []) + [res for _, res in cocotb]
    first = next((res for res in runs if not res.ok), runs[0])
    out: dict[str, Any] = {
        "ok": all(res.ok for res in runs),
        "summary": "; ".join(res.summary for res in runs),
        "failure": first.failure,
        "artifacts": first.artifacts,
    }
    if out["ok"]:
        return out
    parts = [evidence(ctx, verilog)] if verilog is not None and not verilog.ok else []
    parts += [cocotb_evidence(name, res) for name, res in cocotb if not res.ok]
    out["evidence"] = "\n".join(parts)[:4000]
    if verilog is not None and not verilog.ok and node == "verify":
        # a candidate's check (node rtl) needs the verdict only, not the waveform's evidence
        assert sim_in is not None
        add_debug(ctx, out, rtl_files, sim_in, verilog)
    return out


def cocotb_evidence(module: str, res) -> str:
    """A failing cocotb module's evidence: each failing test with its assertion message
    (cocotb 2 rewrites asserts, so the message carries the compared values)."""
    lines = [f"golden cocotb test {module}: {res.summary}"]
    lines += [d.message[:600] for d in res.diagnostics[:6]]
    return "\n".join(dict.fromkeys(lines))[:3000]


def add_debug(
    ctx: RunContext, out: dict[str, Any], rtl_files: list[str], sim_in: dict[str, Any], res
) -> None:
    """Append the waveform's debug evidence to `out["evidence"]` and keep it as
    `out["debug"]` (the report shows it); only for a simulation that ran and failed a check
    (not a compile error or a timeout: there is no failing output to explain)."""
    if res.metrics.get("sim__compiled") is False or res.failure == "timeout":
        return
    from siliconcrew.agents.debug import debug_evidence

    d = ctx.design
    ev, why = debug_evidence(
        ctx.tool_fn("verify"),
        ctx.folder,
        rtl_files=rtl_files,
        sim_input=sim_in,
        top=d.top,
        include_dirs=d.include_dirs,
        parameters=dict(d.parameters),
    )
    if ev is None:
        out["debug"] = {"error": why}
        return
    out["debug"] = ev.to_dict()
    out["evidence"] = (str(out.get("evidence") or "") + "\n\nDebug evidence:\n" + ev.text())[:6000]
    ctx.run_dir.event(
        "debug_evidence",
        node="verify",
        summary=f"outputs {', '.join(ev.outputs)}; first failure {ev.first_fail}; "
        f"top suspect {ev.suspects[0].label() if ev.suspects else None}",
        outputs=ev.outputs,
        first_fail=ev.first_fail,
        suspects=[s.label() for s in ev.suspects[:5]],
    )


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
    ctx: RunContext,
    rtl_files: list[str],
    plan: dict[str, Any],
    candidates: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """No golden testbench: the agent writes one (judged apart, marked as agent-written).
    When it fails the RTL, it is adjudicated first (`adjudicate`): a testbench judged wrong
    is rewritten with the reason and run again; the RTL is not touched. `candidates` are the
    best-of-N records of the RTL step (their other candidates are a second opinion)."""
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
    adjudication: dict[str, Any] | None = None
    if not res.ok and res.failure != "timeout":
        adj = adjudicate(ctx, rtl_files, plan, tb_path, tb_top, candidates)
        adjudication = adj.to_dict()
        if adj.testbench_wrong:
            rewritten = rewrite_testbench(ctx, rtl_files, plan, tb_path, tb_top, res, adj.reason)
            adjudication["rewritten"] = rewritten is not None
            if rewritten is not None:
                res = rewritten
                adjudication["after_rewrite"] = res.summary
        ctx.run_dir.event(
            "tb_adjudication", node="verify", summary=adj.reason, testbench=tb_path, **adjudication
        )
    out: dict[str, Any] = {
        "ok": res.ok,
        "summary": f"agent-written testbench {tb_path}: {res.summary}",
        "agent_written": True,
        "testbench": tb_path,
    }
    if adjudication is not None:
        out["adjudication"] = adjudication
    if not res.ok:
        out["evidence"] = (
            "(agent-written testbench: the testbench itself may be wrong)\n" + evidence(ctx, res)
        )
        if res.metrics.get("sim__compiled") is not False:
            add_debug(ctx, out, rtl_files, _own_sim_input(ctx, rtl_files, tb_path, tb_top), res)
    return out


def _own_sim_input(ctx: RunContext, files: list[str], tb_path: str, tb_top: str) -> dict[str, Any]:
    return {
        "files": files + [tb_path],
        "top": tb_top,
        "timeout_s": ctx.design.verification.timeout_s,
        "pass_patterns": ["TEST PASSED"],
    }


SECOND_TB_SYSTEM = """You are a verification engineer giving an INDEPENDENT second opinion.
Write a self-checking Verilog testbench (iverilog -g2012) from the spec alone. Rules: module
name {tb}; instantiate {top} by port names; drive a clock if the design has one; apply reset
first; compare outputs against a reference model written in behavioural Verilog inside the
testbench; print "ERROR: ..." for every mismatch, then "TEST PASSED" or "TEST FAILED" at the
end, and call $finish. Answer with the whole file in ONE ```verilog block."""


def adjudicate(
    ctx: RunContext,
    rtl_files: list[str],
    plan: dict[str, Any],
    tb_path: str,
    tb_top: str,
    candidates: list[dict[str, Any]] | None,
):
    """Which is wrong, the agent's failing testbench or the RTL? Two opinions: a second
    testbench written from the spec only (never shown the RTL or the first testbench) run on
    the RTL, and the failing testbench run on the other best-of-N candidates; the decision
    is `agents.adjudication.decide` (pure)."""
    from siliconcrew.agents.adjudication import decide
    from siliconcrew.agents.codeblocks import code_blocks, module_names
    from siliconcrew.agents.planner import spec_text

    d = ctx.design
    second: bool | None = None
    tb2_top = f"sc_tb2_{d.top}"
    tb2_path = f"tb/{tb2_top}.v"
    have = (ctx.folder / tb2_path).is_file()  # written at an earlier attempt: reused
    if not have:
        reply = ctx.llm.chat(
            "verification",
            [
                {"role": "system", "content": SECOND_TB_SYSTEM.format(tb=tb2_top, top=d.top)},
                {"role": "user", "content": f"Spec:\n{spec_text(ctx)}\n\nPorts/plan:\n{plan}"},
            ],
        )
        blocks = [b for b in code_blocks(reply.content) if tb2_top in module_names(b)]
        if blocks:
            wrote = ctx.tool("verify", "write_file", {"path": tb2_path, "content": blocks[0]})
            have = wrote.ok
    if have:
        res2 = ctx.tool("verify", "simulate", _own_sim_input(ctx, rtl_files, tb2_path, tb2_top))
        if res2.metrics.get("sim__compiled") is not False and res2.failure != "timeout":
            second = bool(res2.ok)
    others: list[bool] = []
    rec = candidates[-1] if candidates else None
    if rec:
        for c in rec.get("candidates") or []:
            if c.get("index") == rec.get("winner") or not c.get("lint_ok") or not c.get("path"):
                continue
            files = [f for f in rtl_files if f != rtl_files[-1]] + [c["path"]]
            r = ctx.tool("verify", "simulate", _own_sim_input(ctx, files, tb_path, tb_top))
            if r.metrics.get("sim__compiled") is not False:
                others.append(bool(r.ok))
    return decide(golden=False, second_testbench=second, candidates=others)


def rewrite_testbench(
    ctx: RunContext,
    rtl_files: list[str],
    plan: dict[str, Any],
    tb_path: str,
    tb_top: str,
    failed,
    reason: str,
):
    """The verification agent rewrites its testbench judged wrong, told why and shown its
    failing lines; the new one replaces it and runs on the (untouched) RTL. None when the
    model gives no usable testbench."""
    from siliconcrew.agents.codeblocks import code_blocks, module_names
    from siliconcrew.agents.planner import spec_text

    d = ctx.design
    old = (ctx.folder / tb_path).read_text(errors="replace")[:20000]
    reply = ctx.llm.chat(
        "verification",
        [
            {"role": "system", "content": TB_SYSTEM.format(tb=tb_top, top=d.top)},
            {
                "role": "user",
                "content": f"Spec:\n{spec_text(ctx)}\n\nPorts/plan:\n{plan}\n\n"
                f"Your testbench below was judged WRONG, not the RTL: {reason}.\n"
                f"Its failure:\n{evidence(ctx, failed)}\n\n"
                f"```verilog\n{old}\n```\nRe-read the spec, fix the testbench's reference "
                "model and checks, and send the whole corrected testbench.",
            },
        ],
    )
    blocks = [b for b in code_blocks(reply.content) if tb_top in module_names(b)]
    if (
        not blocks
        or not ctx.tool("verify", "write_file", {"path": tb_path, "content": blocks[0]}).ok
    ):
        return None
    return ctx.tool("verify", "simulate", _own_sim_input(ctx, rtl_files, tb_path, tb_top))


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
