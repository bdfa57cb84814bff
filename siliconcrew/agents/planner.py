"""Planner: spec + design.yaml → a plan (modules, ports, clock/reset, checks, flow).

With an LLM the plan comes from the spec; without one it is read off design.yaml, so the
rest of the graph always has a plan to work from.
"""

from __future__ import annotations

import json
import re
from typing import Any

from siliconcrew.tools.run_context import RunContext

SYSTEM = """You are the planning engineer of a chip design team. Read the spec and return ONLY a
JSON object: {"top": str, "modules": [{"name": str, "ports": [{"name": str, "direction":
"input"|"output", "width": int}]}], "clock": {"port": str|null, "period_ns": number},
"reset": {"port": str|null, "active_high": bool, "synchronous": bool}, "checks": [str],
"questions": [str]}. Put anything the spec leaves open under "questions"."""


def plan_from_design(ctx: RunContext) -> dict[str, Any]:
    d = ctx.design
    return {
        "top": d.top,
        "modules": [{"name": d.top, "ports": []}],
        "clock": {"port": d.clock.port, "period_ns": d.clock.period_ns},
        "rtl_given": bool(d.rtl),
        "testbench_given": d.has_golden_tests(),
        "checks": [
            "lint",
            "simulate" if d.has_golden_tests() else "lint-only",
            "synthesize",
            "sta",
            "equivalence",
            "harden",
        ],
        "flow": d.flow.model_dump(),
        "source": "design.yaml",
        "questions": [],
    }


def parse_json_object(text: str) -> dict[str, Any] | None:
    fenced = re.findall(r"```(?:json)?\s*\n(.*?)```", text, re.DOTALL)
    for candidate in fenced + [text]:
        start, end = candidate.find("{"), candidate.rfind("}")
        if start != -1 and end > start:
            try:
                obj = json.loads(candidate[start : end + 1])
                if isinstance(obj, dict):
                    return obj
            except json.JSONDecodeError:
                continue
    return None


def make_plan(ctx: RunContext) -> dict[str, Any]:
    base = plan_from_design(ctx)
    if ctx.llm is None:
        return base
    spec = spec_text(ctx)
    reply = ctx.llm.chat(
        "planner",
        [
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": f"design.yaml top: {ctx.design.top}, clock: "
                f"{ctx.design.clock.model_dump()}\n\nSpec:\n{spec}",
            },
        ],
    )
    plan = parse_json_object(reply.content)
    if plan is None:
        base["notes"] = "the planner's answer was not JSON; using design.yaml"
        return base
    plan["top"] = ctx.design.top  # design.yaml is the contract for names
    return {**base, **plan, "source": "llm"}


def spec_text(ctx: RunContext) -> str:
    if ctx.design.spec and (ctx.folder / ctx.design.spec).is_file():
        return (ctx.folder / ctx.design.spec).read_text(errors="replace")[:20_000]
    return "(no spec file)"
