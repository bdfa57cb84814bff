"""Hardening agent: when the deterministic repairs are spent, the LLM may propose flow-config
changes. Each proposal is checked against the engine's known options and kept only if the
rerun it triggers is better (the rerun is the check)."""

from __future__ import annotations

import json
from typing import Any

from siliconcrew.agents.planner import parse_json_object
from siliconcrew.tools.run_context import RunContext

SYSTEM = """You are a physical-design engineer. A place-and-route run failed. Propose changes
to the flow options that should fix it. Answer ONLY with a JSON object {{"options": {{...}},
"why": "..."}} using only these option names: {keys}. Do not change the clock period."""


def allowed_options(engine_name: str) -> list[str]:
    if engine_name in ("qflow", "local"):
        from siliconcrew.engines.qflow import QFLOW_KEYS

        return list(QFLOW_KEYS)
    # LibreLane 3 names (GRT_ANTENNA_ITERS is GRT_ANTENNA_REPAIR_ITERS' deprecated name, and
    # a deprecated name silently wins over the current one: config/variable.py, 3.0.17)
    return [
        "FP_CORE_UTIL",
        "PL_TARGET_DENSITY_PCT",
        "GRT_ANTENNA_REPAIR_ITERS",
        "GRT_ANTENNA_REPAIR_MARGIN",
        "DIODE_ON_PORTS",
        "RUN_HEURISTIC_DIODE_INSERTION",
        "PL_RESIZER_SETUP_SLACK_MARGIN",
        "GRT_RESIZER_SETUP_SLACK_MARGIN",
        "PL_RESIZER_HOLD_SLACK_MARGIN",
        "GRT_RESIZER_HOLD_SLACK_MARGIN",
        "DRT_OPT_ITERS",
        "GRT_OVERFLOW_ITERS",
    ]


def propose(
    ctx: RunContext, harden_summary: dict[str, Any], current: dict[str, Any], engine_name: str
) -> dict[str, Any] | None:
    keys = allowed_options(engine_name)
    reply = ctx.llm.chat(
        "hardening",
        [
            {"role": "system", "content": SYSTEM.format(keys=", ".join(keys))},
            {
                "role": "user",
                "content": json.dumps(
                    {
                        "failure_classes": harden_summary.get("failure_classes"),
                        "outcome": harden_summary.get("outcome"),
                        "metrics": harden_summary.get("metrics"),
                        "repairs_tried": harden_summary.get("repairs_tried"),
                        "current_options": current,
                    },
                    default=str,
                )[:8000],
            },
        ],
    )
    obj = parse_json_object(reply.content) or {}
    options = obj.get("options") if isinstance(obj.get("options"), dict) else None
    if not options:
        ctx.run_dir.event("note", message="hardening agent: no usable proposal")
        return None
    unknown = [k for k in options if k not in keys]
    if unknown:
        ctx.run_dir.event(
            "note", message=f"hardening agent proposed unknown options {unknown}; ignored"
        )
        options = {k: v for k, v in options.items() if k in keys}
    return options or None
