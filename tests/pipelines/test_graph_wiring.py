"""The agent graph's wiring, with fake steps: no LLM, no EDA tools, no sandbox (fast).

Each fake step has a real step's id and follows a script (where to go next, what to put in
the state); the tests check that the graph runs the steps the routing names, in order, with
fan-out and fan-in, stops on an LLM budget error, and pauses on a question and resumes.
The real steps are tested end to end in test_graph.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from siliconcrew.agents.llm import BudgetExceeded
from siliconcrew.core.design import load_design
from siliconcrew.core.rundir import RunDir
from siliconcrew.pipelines.graph import STEPS, build_graph
from siliconcrew.steps.base import GraphStep, Update
from siliconcrew.tools.registry import Registry
from siliconcrew.tools.run_context import RunContext

REPO = Path(__file__).resolve().parents[2]


class Fake(GraphStep):
    """A step that goes where its script says, visit after visit."""

    def __init__(
        self,
        step_id: str,
        script: list[Any],
        ask: str | None = None,
        raises: Exception | None = None,
    ) -> None:
        self.id = step_id  # type: ignore[misc]  # instance attribute on purpose
        self.script = list(script)
        self.ask = ask
        self.raises = raises

    def update(self, ctx: RunContext, state: dict[str, Any]) -> Update:
        if self.raises is not None:
            raise self.raises
        extra: dict[str, Any] = {}
        if self.ask:
            answer = ctx.ask({"question": self.ask, "step": self.id}) if ctx.ask else None
            extra["reason"] = f"answered {answer}"
        nxt = self.script.pop(0) if self.script else None
        if isinstance(nxt, tuple):  # (goto, fan_out)
            return Update(state=extra, goto=nxt[0], fan_out=nxt[1])
        if self.id == "module_rtl":
            return Update(state={"module_results": [state["module"]]})
        return Update(
            state={**extra, **({"status": "ok"} if self.id == "report" else {})},
            outcome=f"{self.id} -> {nxt}",
            goto=nxt,
        )


@pytest.fixture
def ctx(tmp_path: Path):
    folder = tmp_path / "counter"
    shutil.copytree(
        REPO / "examples" / "counter", folder, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    design, folder = load_design(folder)
    c = RunContext(
        design=design,
        folder=folder,
        run_dir=RunDir(folder),
        registry=Registry(tools={}),
        sandbox_factory=None,
    )
    yield c
    c.close()


def run(ctx: RunContext, steps: dict[str, GraphStep], resume: Any = None) -> dict[str, Any]:
    from langgraph.types import Command

    all_steps = tuple(steps.get(s.id, Fake(s.id, [])) for s in STEPS)
    graph, conn = build_graph(ctx, all_steps)
    try:
        config = {"configurable": {"thread_id": ctx.run_dir.run_id}}
        state = graph.invoke({"notes": []}, config)
        if resume is not None:
            state = graph.invoke(Command(resume=resume), config)
        return {"state": state, "next": graph.get_state(config).next}
    finally:
        conn.close()


def names(out: dict[str, Any]) -> list[str]:
    return [n["node"] for n in out["state"].get("nodes", [])]


def test_every_real_step_has_a_node_and_names_only_real_steps():
    ids = [s.id for s in STEPS]
    assert len(set(ids)) == len(ids)
    assert {"planner", "rtl", "verify", "synth", "timing", "harden", "report"} <= set(ids)
    for s in STEPS:
        assert set(s.goes_to) <= set(ids), (s.id, s.goes_to)


def test_steps_run_where_the_routing_sends_them(ctx):
    out = run(
        ctx,
        {
            "planner": Fake("planner", ["rtl"]),
            "rtl": Fake("rtl", ["verify"] * 2),
            "verify": Fake("verify", ["rtl", "synth"]),
            "synth": Fake("synth", ["timing"]),
            "timing": Fake("timing", ["harden"]),
            "harden": Fake("harden", ["report"]),
        },
    )
    assert names(out) == [
        "planner",
        "rtl",
        "verify",
        "rtl",
        "verify",
        "synth",
        "timing",
        "harden",
        "report",
    ]
    assert out["state"]["status"] == "ok" and out["next"] == ()


def test_fan_out_runs_each_module_then_joins_rtl_once(ctx):
    mods = [{"name": f"m{i}"} for i in range(3)]
    out = run(
        ctx,
        {
            "planner": Fake("planner", [("module_rtl", [{"module": m} for m in mods])]),
            "rtl": Fake("rtl", ["report"]),
        },
    )
    seq = names(out)
    assert seq.count("module_rtl") == 3 and seq.count("rtl") == 1, seq
    assert seq.index("rtl") > max(i for i, n in enumerate(seq) if n == "module_rtl")
    assert sorted(m["name"] for m in out["state"]["module_results"]) == ["m0", "m1", "m2"]


def test_llm_budget_error_stops_the_run_at_report(ctx):
    out = run(
        ctx,
        {
            "planner": Fake("planner", ["rtl"]),
            "rtl": Fake("rtl", [], raises=BudgetExceeded("token budget of 10 used")),
        },
    )
    assert names(out) == ["planner", "rtl", "report"]
    nodes = out["state"]["nodes"]
    assert nodes[1]["outcome"] == "budget_exceeded"


def test_a_question_pauses_the_run_and_the_answer_resumes_it(ctx):
    steps = {
        "planner": Fake("planner", ["harden"]),
        "harden": Fake("harden", ["report"], ask="Harden now?"),
    }
    paused = run(ctx, steps)
    assert paused["next"] == ("harden",)  # waiting on the question, nothing after it ran
    assert "report" not in names(paused)
    ctx.run_dir = RunDir(ctx.folder)  # a fresh thread for the resumed run
    done = run(
        ctx,
        {
            "planner": Fake("planner", ["harden"]),
            "harden": Fake("harden", ["report"], ask="Harden now?"),
        },
        resume="yes",
    )
    assert names(done) == ["planner", "harden", "report"]
    assert done["state"]["reason"] == "answered yes"
