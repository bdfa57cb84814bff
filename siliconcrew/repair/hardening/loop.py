"""The repair loop: run, classify, apply one repair, rerun, until clean or out of options.

Attempt 0 runs the initial config. While the run is not clean and the budget allows, the loop
classifies the failure, takes the most fundamental *error* class (warnings only when no error
explains the failure) and walks that class's policy: the first action not yet tried for that
class that the engine can express (`apply_action` returns a new, different config) is applied
and the flow reruns. Permission-gated actions (relax_clock) are skipped unless allowed; a
send-back ends the loop with its evidence. Every attempt is written to
`record_dir/repairs.json` as it starts and again when it ends (atomic rewrite), so a crash
mid-run still leaves the attempts so far and the one in flight.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from siliconcrew.engines.base import FlowEngine, FlowResult
from siliconcrew.repair.hardening.classify import Finding, classify, evidence_for, primary
from siliconcrew.repair.hardening.policies import SEND_BACK_TARGETS, RepairAction, policy_for

Outcome = Literal[
    "clean", "fixed", "send_back", "budget_exhausted", "no_applicable_action", "needs_permission"
]

#: Metrics recorded before/after each attempt (whichever the engine reports).
KEY_METRICS = (
    "timing__setup__ws",
    "timing__setup__tns",
    "timing__hold__ws",
    "timing__hold__tns",
    "timing__setup_vio__count",
    "timing__hold_vio__count",
    "clock__fmax_mhz",
    "route__failed_nets",
    "route__drc_errors",
    "magic__drc_error__count",
    "klayout__drc_error__count",
    "design__lvs_error__count",
    "antenna__violating__nets",
    "antenna__violating__pins",
    "design__max_slew_violation__count",
    "design__max_cap_violation__count",
    "design__max_fanout_violation__count",
    "design__instance__count",
    "design__instance__utilization",
    "design__die__area",
    "design__core__area",
    "route__wirelength",
    "design__power_grid_violation__count",
    "librelane__deferred_error__count",
)

_OK_STATUSES = ("ok", "partial")  # partial: the requested stages passed (--to before signoff)


class AttemptRecord(BaseModel):
    attempt: int
    status: str = "running"  # running | ok | partial | failed | error
    action: dict[str, Any] | None = None  # the repair that produced this attempt's config
    config_diff: dict[str, dict[str, Any]] = Field(default_factory=dict)
    metrics_before: dict[str, Any] = Field(default_factory=dict)
    metrics_after: dict[str, Any] = Field(default_factory=dict)
    classes: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    skipped: list[dict[str, Any]] = Field(default_factory=list)  # considered before `action`
    failed_stage: str | None = None
    run_dir: str | None = None
    duration_s: float = 0.0
    error: str | None = None


class RepairOutcome(BaseModel):
    outcome: Outcome
    final: FlowResult
    attempts: list[AttemptRecord]
    send_back: str | None = None
    evidence: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)  # of the final attempt
    permission_needed: list[dict[str, Any]] = Field(default_factory=list)
    next_action: dict[str, Any] | None = None  # what would have run next (budget_exhausted)
    skipped: list[dict[str, Any]] = Field(default_factory=list)  # by the last decision
    config: dict[str, Any] = Field(default_factory=dict)  # the final attempt's config
    message: str = ""

    @property
    def fixed(self) -> bool:
        return self.outcome in ("clean", "fixed")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def key_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in KEY_METRICS if k in metrics}


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def config_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Changed keys only (nested dicts as dotted keys); a missing side is left out."""
    a, b = _flatten(before), _flatten(after)
    out: dict[str, dict[str, Any]] = {}
    for k in sorted(set(a) | set(b)):
        if k in a and k in b and a[k] == b[k]:
            continue
        entry: dict[str, Any] = {}
        if k in a:
            entry["before"] = a[k]
        if k in b:
            entry["after"] = b[k]
        out[k] = entry
    return out


def _all_metrics(result: FlowResult) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for st in result.stages:
        merged.update(st.metrics or {})
    merged.update(result.metrics or {})
    return merged


def _stage_notes(result: FlowResult) -> dict[str, str]:
    """The failed stage's summary and diagnostics, classified like a log."""
    st = result.failed_stage
    if st is None:
        return {}
    lines = [st.summary] if st.summary else []
    lines += [d.message for d in st.diagnostics]
    return {f"stage:{st.name}": "\n".join(lines)} if lines else {}


def classify_result(result: FlowResult, logs: dict[str, str]) -> list[Finding]:
    failed = result.status not in _OK_STATUSES
    st = result.failed_stage
    return classify(
        _all_metrics(result),
        {**logs, **_stage_notes(result)},
        failed_stage=st.name if st else None,
        failed=failed,
    )


class _Recorder:
    """repairs.json, rewritten atomically after every change."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():  # keep an earlier loop's record
            n = 1
            while (old := path.with_name(f"repairs-{n}.json")).exists():
                n += 1
            path.replace(old)
        self.doc: dict[str, Any] = {**header, "attempts": [], "outcome": None}
        self._write()

    def put(self, rec: AttemptRecord) -> None:
        attempts = self.doc["attempts"]
        data = rec.model_dump(mode="json")
        if attempts and attempts[-1]["attempt"] == rec.attempt:
            attempts[-1] = data
        else:
            attempts.append(data)
        self._write()

    def finish(self, outcome: RepairOutcome) -> None:
        self.doc["outcome"] = outcome.model_dump(
            mode="json",
            include={
                "outcome",
                "send_back",
                "evidence",
                "permission_needed",
                "next_action",
                "skipped",
                "message",
            },
        )
        self._write()

    def _write(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.doc, indent=2, default=str))
        os.replace(tmp, self.path)


@dataclass
class Decision:
    kind: Literal["apply", "send_back", "needs_permission", "none"]
    finding: Finding | None
    action: RepairAction | None = None
    new_config: dict[str, Any] | None = None
    skipped: list[dict[str, Any]] = field(default_factory=list)
    permission_needed: list[RepairAction] = field(default_factory=list)


def choose_action(
    findings: list[Finding],
    config: dict[str, Any],
    engine: FlowEngine,
    *,
    tried: set[tuple[str, str]],
    allow_clock_relax: bool,
    send_back_targets: Iterable[str] = SEND_BACK_TARGETS,
) -> Decision:
    """The next step for the most fundamental failure (pure: does not run anything)."""
    target = primary(findings)
    if target is None:
        return Decision("none", None)
    allowed_targets = set(send_back_targets)
    skipped: list[dict[str, Any]] = []
    gated: list[RepairAction] = []
    for a in policy_for(target.klass):
        if (target.klass, a.name) in tried:
            continue
        if a.send_back:
            if a.send_back in allowed_targets:
                return Decision("send_back", target, a, skipped=skipped, permission_needed=gated)
            skipped.append({"action": a.name, "reason": f"no '{a.send_back}' to send back to"})
            continue
        if a.needs_permission and not allow_clock_relax:
            gated.append(a)
            skipped.append({"action": a.name, "reason": "needs the user's permission"})
            continue
        new = engine.apply_action(a.action or "", dict(a.params), copy.deepcopy(config))
        if new is None:
            skipped.append(
                {"action": a.name, "reason": f"the {engine.name} engine cannot express it"}
            )
            continue
        if new == config:
            skipped.append({"action": a.name, "reason": "no change (already at its limit)"})
            continue
        return Decision(
            "apply", target, a, new_config=new, skipped=skipped, permission_needed=gated
        )
    if gated:
        return Decision("needs_permission", target, skipped=skipped, permission_needed=gated)
    return Decision("none", target, skipped=skipped)


def _action_dict(a: RepairAction, klass: str | None) -> dict[str, Any]:
    return {**a.to_dict(), "for_class": klass}


# --------------------------------------------------------------------------------------------
# the loop
# --------------------------------------------------------------------------------------------


def repair_loop(
    run_attempt: Callable[[dict[str, Any], int], FlowResult],
    engine: FlowEngine,
    initial_config: dict[str, Any],
    *,
    max_repairs: int,
    allow_clock_relax: bool,
    record_dir: Path,
    logs_of: Callable[[FlowResult], dict[str, str]],
    send_back_targets: Iterable[str] = SEND_BACK_TARGETS,
) -> RepairOutcome:
    """Run attempt 0, then up to `max_repairs` repaired reruns; see the module docstring.

    `run_attempt(config, attempt_no)` runs the flow (its own run dir per attempt is the
    caller's business); `logs_of(result)` returns the log/report texts to classify, keyed by
    file or stage. `send_back_targets`: who can take a send-back here (default all of
    rtl/timing_debug/user); a policy step whose target is absent is skipped.
    """
    if max_repairs < 0:
        raise ValueError("max_repairs must be >= 0")
    targets = tuple(send_back_targets)
    recorder = _Recorder(
        Path(record_dir) / "repairs.json",
        {
            "engine": engine.name,
            "max_repairs": max_repairs,
            "allow_clock_relax": allow_clock_relax,
            "send_back_targets": list(targets),
            "initial_config": initial_config,
        },
    )
    config = copy.deepcopy(initial_config)
    prev_config = config
    tried: set[tuple[str, str]] = set()
    attempts: list[AttemptRecord] = []
    action: dict[str, Any] | None = None
    skipped: list[dict[str, Any]] = []
    metrics_before: dict[str, Any] = {}
    attempt = 0

    def finish(
        outcome: Outcome, result: FlowResult, findings: list[Finding], message: str, **kw: Any
    ) -> RepairOutcome:
        out = RepairOutcome(
            outcome=outcome,
            final=result,
            attempts=attempts,
            findings=findings,
            config=config,
            message=message,
            **kw,
        )
        recorder.finish(out)
        return out

    while True:
        rec = AttemptRecord(
            attempt=attempt,
            action=action,
            config_diff=config_diff(prev_config, config),
            metrics_before=metrics_before,
            skipped=skipped,
        )
        attempts.append(rec)
        recorder.put(rec)
        t0 = time.perf_counter()
        try:
            result = run_attempt(copy.deepcopy(config), attempt)
        except Exception as exc:
            rec.status, rec.error = "error", f"{type(exc).__name__}: {exc}"
            rec.duration_s = round(time.perf_counter() - t0, 3)
            recorder.put(rec)
            raise
        findings = classify_result(result, logs_of(result))
        rec.status = result.status
        rec.duration_s = round(time.perf_counter() - t0, 3)
        rec.run_dir = result.run_dir
        rec.failed_stage = result.failed_stage.name if result.failed_stage else None
        rec.metrics_after = key_metrics(_all_metrics(result))
        rec.findings = findings
        rec.classes = [f.klass for f in findings]
        recorder.put(rec)

        if result.status in _OK_STATUSES:
            msg = (
                "clean on the first attempt"
                if attempt == 0
                else f"clean after {attempt} repair(s): "
                + ", ".join(a.action["name"] for a in attempts if a.action)
            )
            return finish("clean" if attempt == 0 else "fixed", result, findings, msg)

        d = choose_action(
            findings,
            config,
            engine,
            tried=tried,
            allow_clock_relax=allow_clock_relax,
            send_back_targets=targets,
        )
        klass = d.finding.klass if d.finding else None
        evidence = evidence_for(findings, klass) if klass else []
        gated = [_action_dict(a, klass) for a in d.permission_needed]
        if d.kind == "send_back":
            assert d.action is not None
            return finish(
                "send_back",
                result,
                findings,
                f"{klass}: {d.action.description}",
                send_back=d.action.send_back,
                evidence=evidence,
                permission_needed=gated,
                skipped=d.skipped,
            )
        if d.kind == "needs_permission":
            names = ", ".join(a.name for a in d.permission_needed)
            return finish(
                "needs_permission",
                result,
                findings,
                f"{klass}: the remaining repair needs the user's permission ({names})",
                evidence=evidence,
                permission_needed=gated,
                skipped=d.skipped,
            )
        if d.kind == "none":
            return finish(
                "no_applicable_action",
                result,
                findings,
                f"{klass}: no repair left that the {engine.name} engine can apply",
                evidence=evidence,
                skipped=d.skipped,
            )
        assert d.action is not None and d.new_config is not None
        if attempt >= max_repairs:
            return finish(
                "budget_exhausted",
                result,
                findings,
                f"{klass} persists after {attempt} repair(s) (budget {max_repairs}); "
                f"next would be {d.action.name}",
                evidence=evidence,
                next_action=_action_dict(d.action, klass),
                skipped=d.skipped,
            )
        tried.add((klass or "", d.action.name))
        action = _action_dict(d.action, klass)
        skipped = d.skipped
        prev_config, config = config, d.new_config
        metrics_before = rec.metrics_after
        attempt += 1
