"""Start or resume one graph run over a design folder; the CLI and chat call this."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.core.design import load_design
from siliconcrew.core.errors import UserInputError
from siliconcrew.core.rundir import RunDir
from siliconcrew.pipelines.graph import CHECKPOINT_DB, build_graph
from siliconcrew.tools.registry import load_registry
from siliconcrew.tools.run_context import RunContext

ApproveFn = Callable[[dict[str, Any]], bool]
ProgressFn = Callable[[str, str], None]


@dataclass
class GraphOptions:
    engine: str | None = None
    approve: str = "auto"
    max_iterations: int = 3
    max_repairs: int = 3
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    resume: str | None = None
    relax_clock: bool = False
    candidates: int | None = None  # best-of-N RTL answers (None: design.yaml's rtl.candidates)


@dataclass
class GraphRun:
    run_id: str
    run_dir: Path
    state: dict[str, Any]
    llm: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        s = self.state
        h = s.get("harden") or {}
        metrics = {
            **(s.get("synth") or {}).get("metrics", {}),
            **(s.get("sta") or {}).get("metrics", {}),
            **h.get("metrics", {}),
        }
        return {
            "run_id": self.run_id,
            "run_dir": str(self.run_dir),
            "status": s.get("status"),
            "reason": s.get("reason"),
            "nodes": s.get("nodes", []),
            "metrics": metrics,
            "artifacts": h.get("artifacts", {}),
            "llm": self.llm,
            "iterations": {
                "rtl": s.get("rtl_attempts", 0),
                "verify": s.get("verify_attempts", 0),
                "timing": sum(1 for n in s.get("nodes", []) if n["node"] == "timing"),
                "harden": s.get("harden_attempts", 0),
            },
            "notes": s.get("notes", []),
            "plan": s.get("plan"),
            "timing_attempts": s.get("timing_attempts", []),
            "timing_memory": s.get("timing_memory"),
            "rtl_candidates": s.get("rtl_candidates", []),
            "debug_evidence": s.get("debug_evidence", []),
            "tb_adjudications": s.get("tb_adjudications", []),
            "synth_recipe": s.get("synth_recipe"),
            "clock_period_ns": s.get("clock_period_ns"),
        }


def _llm_client(llm_section: dict, opts: GraphOptions, run_dir: RunDir):
    from siliconcrew.agents.llm import Budget, LLMClient
    from siliconcrew.agents.llm_config import load_llm_settings

    settings = load_llm_settings(llm_section)
    if not settings.configured:
        return None, settings
    client = LLMClient(
        settings,
        budget=Budget(opts.max_tokens, opts.max_cost_usd),
        trace=run_dir.event,
        log_dir=run_dir.path / "llm",
    )
    if opts.resume:  # budgets count the whole run, not just the part after the resume
        from siliconcrew.agents.llm import Usage

        trace = run_dir.trace_path
        for line in trace.read_text().splitlines() if trace.exists() else []:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == "llm_call" and not ev.get("error"):
                u = Usage(
                    1,
                    ev.get("prompt_tokens", 0),
                    ev.get("completion_tokens", 0),
                    ev.get("cost_usd", 0.0),
                )
                client.usage.add(u)
                client.usage_by_agent.setdefault(ev.get("agent", "?"), Usage()).add(u)
    return client, settings


def run_graph(
    design_dir: Path,
    sandbox_factory,
    llm_section: dict,
    opts: GraphOptions,
    *,
    progress: ProgressFn | None = None,
    approve: ApproveFn | None = None,
) -> GraphRun:
    from langgraph.types import Command

    design, folder = load_design(design_dir)
    if opts.resume:
        if not (folder / "runs" / opts.resume / CHECKPOINT_DB).is_file():
            raise UserInputError(
                f"run '{opts.resume}' has no checkpoint to resume",
                f"see {folder / 'runs'} for run ids started by `run`",
            )
    run_dir = RunDir(folder, opts.resume)
    client, llm_settings = _llm_client(llm_section, opts, run_dir)
    ctx = RunContext(
        design=design,
        folder=folder,
        run_dir=run_dir,
        registry=load_registry(),
        sandbox_factory=sandbox_factory,
        llm=client,
        approve=opts.approve,
        max_iterations=opts.max_iterations,
        max_repairs=opts.max_repairs,
        engine=opts.engine,
        relax_clock=opts.relax_clock,
        candidates=opts.candidates,
    )
    graph, conn = build_graph(ctx)
    config = {"configurable": {"thread_id": run_dir.run_id}}
    try:
        if not opts.resume:
            ctx.write_manifest(llm=llm_settings.describe(), graph=opts.__dict__)
            run_dir.event("run_start", flow="graph", design=design.name, llm=client is not None)
            if client is None:
                run_dir.event(
                    "note",
                    message="no LLM configured: agents that need one are "
                    "skipped; RTL-given designs still go to GDS",
                )
        else:
            run_dir.event("run_resume", run_id=run_dir.run_id)
        payload: Any = None if opts.resume else {"notes": []}
        while True:
            interrupted = None
            for chunk in graph.stream(payload, config, stream_mode="updates", durability="sync"):
                for node, update in chunk.items():
                    if node == "__interrupt__":
                        interrupted = update[0].value if update else {}
                    elif progress and isinstance(update, dict):
                        for n in update.get("nodes", []):
                            progress(n["node"], n["outcome"])
            if interrupted is None:
                break
            answer = approve(interrupted) if approve else True
            run_dir.event("approval", request=interrupted, answer=answer)
            payload = Command(resume=answer)
        state = graph.get_state(config).values
        llm: dict[str, Any] = {
            "calls": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "cost_usd": 0.0,
        }
        if client is not None:
            llm = {
                **client.usage.to_dict(),
                "by_agent": {a: u.to_dict() for a, u in client.usage_by_agent.items()},
            }
        result = GraphRun(run_dir.run_id, run_dir.path, dict(state), llm)
        run_dir.write_json("results.json", result.to_dict())
        run_dir.event("run_end", status=state.get("status"))
        try:
            from siliconcrew.steps.report import write_report

            write_report(run_dir.path)
        except Exception as exc:  # the report must never fail a finished run
            run_dir.event("note", message=f"report not written: {exc}"[:300])
        return result
    finally:
        ctx.close()
        conn.close()


def load_result(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "results.json").read_text())
