"""RTL agent: writes or fixes the design's Verilog through the file and lint tools.

The model may answer with a `write_file` tool call or with the code in a fenced block (many
do); either way the file is written with the `write_file` tool and linted until clean
(bounded). Failing evidence from verification or hardening is given verbatim.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from siliconcrew.agents.codeblocks import code_blocks, module_names
from siliconcrew.agents.planner import spec_text
from siliconcrew.tools.run_context import RunContext

SYSTEM = """You are an expert RTL engineer. Write synthesizable Verilog-2005 (no SystemVerilog
features, no initial blocks in the design, no delays). Keep the exact module name and port
names of the plan. Answer with the complete file in ONE ```verilog fenced block."""
LINT_ROUNDS = 3


def rtl_path(ctx: RunContext) -> str:
    return ctx.design.rtl[0] if ctx.design.rtl else f"rtl/{ctx.design.top}.v"


def write_rtl(ctx: RunContext, state: dict[str, Any]) -> dict[str, Any]:
    """One RTL attempt: ask, write, lint (fixing lint errors up to LINT_ROUNDS)."""
    from siliconcrew.agents.knowledge import hints

    path = rtl_path(ctx)
    sub_files = [m["file"] for m in state.get("module_results") or [] if m.get("ok")]
    current = ""
    if (ctx.folder / path).is_file():
        current = (ctx.folder / path).read_text(errors="replace")
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": _task(ctx, state, current)},
    ]
    lint: dict[str, Any] = {}
    record: dict[str, Any] | None = None
    first: str | None = None
    if ctx.rtl_candidates > 1:
        record, first = best_of_n(ctx, state, messages, path, sub_files, ctx.rtl_candidates)
    for round_no in range(1, LINT_ROUNDS + 1):
        if first is not None:  # the pick of the candidates is the first answer
            content, first = first, None
        else:
            content = ctx.llm.chat("rtl", messages).content
        blocks = [b for b in code_blocks(content) if ctx.design.top in module_names(b)]
        if not blocks:
            messages += [
                {"role": "assistant", "content": content},
                {
                    "role": "user",
                    "content": f"No ```verilog block defining module {ctx.design.top} "
                    "found. Send the whole file.",
                },
            ]
            continue
        written = ctx.tool("rtl", "write_file", {"path": path, "content": blocks[0]})
        if not written.ok:
            return {"lint": {"ok": False, "summary": written.summary}}
        res = ctx.tool("rtl", "lint", {"files": sub_files + [path], "top": ctx.design.top})
        lint = {
            "ok": res.ok,
            "summary": res.summary,
            "round": round_no,
            "errors": [d.model_dump() for d in res.errors][:20],
        }
        if res.ok:
            break
        errors_text = "\n".join(
            f"{e.get('file')}:{e.get('line')}: {e.get('message')}" for e in lint["errors"]
        )
        messages += [
            {"role": "assistant", "content": content},
            {
                "role": "user",
                "content": "Lint errors:\n"
                + json.dumps(lint["errors"], indent=1)[:6000]
                + "\n"
                + hints(ctx, errors_text)
                + "\nFix them; send the whole file.",
            },
        ]
    fix = None
    if state.get("evidence") and current:
        fix = {"evidence": state["evidence"], "before": current}
    out = {
        "rtl_files": sub_files + [path],
        "pending_fix": fix,
        "lint": lint or {"ok": False, "summary": "no code from the model"},
    }
    if record is not None:
        out["rtl_candidates"] = [record]
    return out


def best_of_n(
    ctx: RunContext,
    state: dict[str, Any],
    messages: list[dict[str, Any]],
    path: str,
    sub_files: list[str],
    n: int,
) -> tuple[dict[str, Any], str | None]:
    """N answers at the candidate temperature, each linted and all simulated on the same
    stimuli (the golden testbench, else the verification agent's testbench; always the
    shared random/directed stimulus); returns the record (trace, report) and the picked
    answer (None when no answer had code)."""
    from siliconcrew.agents.best_of_n import evaluate
    from siliconcrew.agents.verification import run_golden, testbench_for_candidates

    d = ctx.design
    attempt = state.get("rtl_attempts", 0) + 1
    replies = ctx.llm.chat_n("rtl", messages, n)
    golden = None
    own_tb = None
    if d.has_golden_tests():

        def golden(files: list[str]) -> dict[str, Any]:
            res = run_golden(ctx, files, node="rtl")
            return {"ok": res["ok"], "summary": res["summary"]}
    else:
        own_tb = testbench_for_candidates(ctx, state.get("plan", {}))
    # design files written by an agent (write_file keeps runs/ for SiliconCrew itself)
    folder = Path("candidates") / ctx.run_dir.run_id / f"a{attempt}"
    best = evaluate(
        ctx.tool_fn("rtl"),
        ctx.folder,
        [r.content for r in replies],
        top=d.top,
        folder=folder.as_posix(),
        file_name=path.rsplit("/", 1)[-1],
        other_files=sub_files,
        golden=golden,
        own_tb=own_tb,
        clock=d.clock.port,
        timeout_s=d.verification.timeout_s,
    )
    record = {
        "attempt": attempt,
        **best.record(),
        "golden": d.has_golden_tests(),
        "own_testbench": own_tb[0] if own_tb else None,
    }
    ctx.run_dir.event("rtl_candidates", node="rtl", summary=record["reason"], **record)
    code = best.winner_code
    return record, (f"```verilog\n{code}```" if code is not None else None)


def _task(ctx: RunContext, state: dict[str, Any], current: str) -> str:
    parts = [
        f"Spec:\n{spec_text(ctx)}",
        f"Plan:\n{json.dumps(state.get('plan', {}), indent=1)[:4000]}",
        f"Write module `{ctx.design.top}` to {rtl_path(ctx)}.",
    ]
    done = [m for m in state.get("module_results") or [] if m.get("ok")]
    if done:
        parts.append(
            "These sub-modules already exist (files given to the tools with yours); "
            "instantiate them, do NOT redefine them: "
            + ", ".join(f"{m['module']} ({m['file']})" for m in done)
        )
    if state.get("evidence"):
        from siliconcrew.agents.knowledge import hints

        parts.append(
            f"The previous version FAILED this check:\n{state['evidence']}\n"
            "Fix the design so the check passes."
        )
        kb = hints(ctx, state["evidence"])
        if kb:
            parts.append(kb)
    if current:
        parts.append(f"Current file:\n```verilog\n{current[:20000]}\n```")
    return "\n\n".join(parts)


MODULE_SYSTEM = """You are an expert RTL engineer. Write ONE synthesizable Verilog-2005 module
with exactly the given name and ports; nothing else in the file. Answer with the whole file in
ONE ```verilog fenced block."""


def submodules(plan: dict[str, Any], top: str) -> list[dict[str, Any]]:
    """Planned modules other than the top that have a port list: candidates for fan-out."""
    return [
        m
        for m in plan.get("modules") or []
        if isinstance(m, dict) and m.get("name") and m["name"] != top and m.get("ports")
    ]


def write_module(ctx: RunContext, module: dict[str, Any], spec: str) -> dict[str, Any]:
    """Write and lint one sub-module (runs in parallel with its siblings)."""
    name = module["name"]
    path = f"rtl/{name}.v"
    messages = [
        {"role": "system", "content": MODULE_SYSTEM},
        {
            "role": "user",
            "content": f"Design spec (for context):\n{spec[:8000]}\n\n"
            f"Write module `{name}`:\n{json.dumps(module, indent=1)}",
        },
    ]
    for _ in range(LINT_ROUNDS):
        reply = ctx.llm.chat("rtl", messages)
        blocks = [b for b in code_blocks(reply.content) if name in module_names(b)]
        if not blocks:
            messages += [
                {"role": "assistant", "content": reply.content},
                {"role": "user", "content": f"Send module {name} in a ```verilog block."},
            ]
            continue
        ctx.tool(f"module_rtl:{name}", "write_file", {"path": path, "content": blocks[0]})
        res = ctx.tool(f"module_rtl:{name}", "lint", {"files": [path], "top": name})
        if res.ok:
            return {"module": name, "file": path, "ok": True, "summary": res.summary}
        messages += [
            {"role": "assistant", "content": reply.content},
            {
                "role": "user",
                "content": "Lint errors:\n"
                + "\n".join(f"{d.line}: {d.message}" for d in res.errors[:20])
                + "\nFix them.",
            },
        ]
    return {"module": name, "file": path, "ok": False, "summary": "lint not clean"}
