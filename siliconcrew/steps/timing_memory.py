"""Remembered timing recipes in graph runs (issue #19, item 4).

`timing --repair` recalls and stores recipes itself: its engine check confirms a closure
post-route before it is stored. The graph's timing node has no engine check: the harden
node that follows is the engine's word. So the two halves are split across the nodes:

- timing node (`open_memory`, `after_repair`): recipes remembered for the worst path's
  causes are tried first (the ladder's strategy `remembered`); a closure is *held* in the
  run state (`timing_memory.pending`) with the RTL it was checked on, not stored;
- harden node (`settle`): the held closure is stored only when hardening passed with that
  recipe in force on that RTL (post-route setup met, DRC/LVS clean and, with a testbench,
  the post-route netlist passing it): the check `record_verified_fix` demands. A hardening
  that failed, or passed only with the engine's default synthesis, stores nothing.

Failures demote (repair/timing/memory.py): a remembered recipe that fails pre-layout is
counted against its insight by the ladder in the timing node; one that closed pre-layout
but failed setup post-route (hardening failed on setup with it in force, or the engine's
default synthesis replaced it) is counted by `settle`. A hardening that failed for
another reason (DRC, LVS, ...) or on changed RTL says nothing about the recipe: not
counted. `timing_memory.demoted` / `memory_notes` / `note` say what happened.

The knowledge base is evidence, never a gate: switched off or unavailable, the ladder runs
as before and `timing_memory.note` says why nothing was recalled or stored.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from siliconcrew.repair.timing.ladder import RepairReport
from siliconcrew.repair.timing.memory import DeferredMemory, KbMemory, demotion_note
from siliconcrew.tools.run_context import RunContext


def open_memory(ctx: RunContext) -> tuple[DeferredMemory | None, str]:
    """The run's knowledge base as a deferred recipe memory, or (None, why not)."""
    from siliconcrew.agents.knowledge import knowledge_base, knowledge_switched_off

    kb = knowledge_base(ctx, seed=False)
    if kb is None:
        why = (
            "knowledge base switched off (SILICONCREW_KB)"
            if knowledge_switched_off()
            else "knowledge base unavailable (see the trace)"
        )
        return None, why + ": no remembered recipe tried, none stored"
    return DeferredMemory(KbMemory(kb=kb)), ""


def rtl_digest(folder: Path, rtl: list[str]) -> str:
    """What the RTL was when the recipe was checked: an RTL agent rewrites files in place,
    so the same paths are not the same design."""
    h = hashlib.sha256()
    for f in rtl:
        h.update(f.encode() + b"\0")
        p = folder / f
        h.update(p.read_bytes() if p.is_file() else b"<missing>")
        h.update(b"\0")
    return h.hexdigest()


def after_repair(
    ctx: RunContext, rep: RepairReport, memory: DeferredMemory | None, note: str
) -> dict[str, Any]:
    """The state's `timing_memory` after the timing node's repair: whether a remembered
    recipe was tried and closed pre-layout (its checks passed), and the closure to confirm."""
    first = rep.attempts[0] if rep.attempts else None
    tried = first is not None and first.strategy == "remembered"
    problem = ""
    if memory is not None and isinstance(memory.inner, KbMemory):
        problem = memory.inner.problem
    pending = None
    if memory is not None and memory.pending is not None and rep.closed:
        rtl = list(rep.rtl)
        pending = {
            **memory.pending,
            "recipe": dict(rep.recipe),  # what the harden node must have in force
            "rtl": rtl,
            "rtl_digest": rtl_digest(ctx.folder, rtl),
        }
    out: dict[str, Any] = {
        "key": rep.memory_key,
        "tried": tried,
        "closed": bool(tried and first is not None and first.kept),  # pre-layout + checks
        "reason": first.reason if tried and first is not None else "",
        "confirmed": None,  # the harden node's word (post-route)
        "stored": False,
        # the tried recipe's failure was counted on its insight (here: pre-layout)
        "demoted": rep.memory_demoted,
        # why recipes were skipped, why a failure was (not) counted
        "memory_notes": list(rep.memory_notes),
        "pending": pending,
        "note": note
        or problem
        or "; ".join(rep.memory_notes)
        or ("" if rep.memory_key else "no memory key (see the trace)"),
    }
    ctx.run_dir.event(
        "timing_memory",
        node="timing",
        **{k: v for k, v in out.items() if k != "pending"},
        held=pending is not None,
    )
    return out


def settle(
    ctx: RunContext,
    mem: dict[str, Any],
    status: str,
    outcome: str,
    metrics: dict[str, Any],
    options: dict[str, Any],
    rtl: list[str],
) -> tuple[dict[str, Any], str]:
    """The harden node's word on the held closure: stored when hardening passed with the
    recipe in force on the same RTL, else dropped with the reason. Returns the new
    `timing_memory` and a note for the run."""
    pending = mem.get("pending") or {}
    ws = metrics.get("timing__setup__ws")
    demoted, counted = _demote(ctx, mem, status, outcome, ws, options, rtl)
    why = ""
    if status != "ok":
        why = f"hardening {status} ({outcome}), post-route setup WS {ws} ns"
    elif dict(options.get("synth_recipe") or {}) != dict(pending.get("recipe") or {}):
        why = "hardening passed with another synthesis (the engine's default), not the recipe"
    elif list(rtl) != list(pending.get("rtl") or []) or rtl_digest(ctx.folder, rtl) != pending.get(
        "rtl_digest"
    ):
        why = "the RTL changed after the timing node"
    elif ws is None:
        why = "hardening reported no post-route setup slack"
    confirmed = not why
    stored = False
    if confirmed:
        memory, off = open_memory(ctx)
        if memory is None:
            why = off
        else:
            context = {
                **(pending.get("context") or {}),
                "wns_post_route": ws,
                "post_route_confirmed": True,
                "confirmed_by": f"harden ({ctx.engine or ctx.design.flow.engine})",
            }
            stored = memory.inner.remember(
                pending["key"], pending["record"], pending.get("run_id") or "unknown", context
            )
            if not stored:
                why = getattr(memory.inner, "problem", "") or "the knowledge base refused it"
    strategy = (pending.get("record") or {}).get("strategy") or "recipe"
    if stored:
        note = (
            f"timing recipe ({strategy}) confirmed post-route (setup WS {ws} ns): stored in "
            f"the knowledge base for {pending['key']}"
        )
    elif confirmed:
        note = f"timing recipe ({strategy}) confirmed post-route but not stored: {why}"
    else:
        note = f"timing recipe ({strategy}) not stored: {why}"
    if demoted:
        note += f"; {demoted}"
    out = {
        **mem,
        "pending": None,
        "confirmed": confirmed,
        "stored": stored,
        "demoted": bool(mem.get("demoted")) or counted,
        "memory_notes": list(mem.get("memory_notes") or []) + ([demoted] if demoted else []),
        "note": note,
    }
    ctx.run_dir.event(
        "timing_memory",
        node="harden",
        key=pending.get("key"),
        tried=mem.get("tried"),
        closed=mem.get("closed"),
        confirmed=confirmed,
        stored=stored,
        demoted=out["demoted"],
        note=note,
    )
    return out, note


def _demote(
    ctx: RunContext,
    mem: dict[str, Any],
    status: str,
    outcome: str,
    ws: Any,
    options: dict[str, Any],
    rtl: list[str],
) -> tuple[str, bool]:
    """Count a post-route failure against the remembered recipe the timing node closed
    with: hardening failed on setup with it in force, or the engine's default synthesis
    replaced it (the harden node does that only when the recipe failed setup post-route).
    Returns (what was done, whether a failure was counted now); "" when the held closure
    was not a remembered recipe, or it did not fail, or the failure is not the recipe's."""
    pending = mem.get("pending") or {}
    if not (mem.get("tried") and mem.get("closed") and pending.get("record")):
        return "", False  # the closure held was the ladder's own, not a remembered recipe
    recipe = dict(pending.get("recipe") or {})
    in_force = dict(options.get("synth_recipe") or {}) == recipe
    if list(rtl) != list(pending.get("rtl") or []) or rtl_digest(ctx.folder, rtl) != pending.get(
        "rtl_digest"
    ):
        return "", False  # another design than the one it closed pre-layout: says nothing
    if in_force and status != "ok" and isinstance(ws, (int, float)) and ws < 0:
        failure = f"failed setup post-route in hardening (WS {ws} ns)"
    elif not in_force and recipe:
        failure = (
            "failed setup post-route in hardening (the engine's default synthesis replaced "
            f"it; with the default: {status}, WS {ws} ns)"
        )
    elif status != "ok":
        said = "no post-route setup figure" if ws is None else f"setup met (WS {ws} ns)"
        return (
            f"hardening {status} ({outcome}) with {said}: not counted against the "
            "remembered recipe (not its failure)"
        ), False
    else:
        return "", False
    memory, off = open_memory(ctx)
    if memory is None:
        return f"remembered recipe {failure}; failure not recorded: {off}", False
    counts = memory.record_failure(
        pending["key"], pending["record"], pending.get("run_id") or "unknown", failure
    )
    if counts is None:
        why = getattr(memory.inner, "problem", "") or "the knowledge base refused it"
        return f"remembered recipe {failure}; failure not recorded: {why}", False
    return f"the remembered recipe {failure}: {demotion_note(counts)}", bool(
        counts.get("counted", 1)
    )
