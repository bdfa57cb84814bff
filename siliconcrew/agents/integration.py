"""Integration agent: proposes how a design's ports meet a shuttle's pins, from the spec.

Only the mapping is the model's to propose (which ports go straight to Caravel pads or
logic-analyzer bits, which Tiny Tapeout pins carry which port bits); everything else is the
deterministic generator's. The proposal is checked like a hand-written `pins:` table (the
planner refuses a wrong direction, width or a pin given twice, and the run then falls back
to the default mapping), and the wrapper it yields faces the same lint, replay test and
precheck rules.
"""

from __future__ import annotations

import json
from typing import Any

from siliconcrew.agents.planner import parse_json_object
from siliconcrew.tools.run_context import RunContext

SYSTEM = {
    "caravel": """You integrate a digital design into Caravel's user area. Its ports are
reached through Wishbone registers unless you put them on pins. Propose which ports must go
straight to the chip's GPIO pads ("io[k]" or "io[hi:lo]", k in 5..37: signals that leave the
chip, e.g. serial lines, LEDs, displays) or to the logic analyzer ("la[k]" / "la[hi:lo]", k in
0..127). One pin per port bit; each pin once. Leave out ports that only software uses.
Answer ONLY with a JSON object {"pins": {"<port>": "<pins>"}, "why": "..."}.""",
    "tinytapeout": """You map a digital design onto a Tiny Tapeout tile: ui[0..7] are
inputs, uo[0..7] outputs, uio[0..7] either way; clk and rst_n are fixed. Propose a pin for
every bit of the ports where the spec suggests one (e.g. a bus on consecutive pins, a serial
line on the pin a PMOD expects), as "ui[k]", "uo[hi:lo]", "uio[k]". One pin per port bit;
each pin once; ports you leave out are placed on free pins. Answer ONLY with a JSON object
{"pins": {"<port>": "<pins>"}, "why": "..."}.""",
}


def propose_pins(
    ctx: RunContext, target: str, ports: list[dict[str, Any]], spec: str
) -> dict[str, str] | None:
    """The model's pin table for `target`, or None (no usable answer)."""
    if ctx.llm is None:
        return None
    reply = ctx.llm.chat(
        "integration",
        [
            {"role": "system", "content": SYSTEM[target]},
            {"role": "user", "content": json.dumps({"ports": ports, "spec": spec[:6000]})},
        ],
    )
    obj = parse_json_object(reply.content) or {}
    pins = obj.get("pins")
    if not isinstance(pins, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in pins.items()
    ):
        ctx.run_dir.event("note", message="integration agent: no usable pin table")
        return None
    return dict(pins)
