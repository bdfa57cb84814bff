"""Issue #19 item 4 in graph runs: the timing node tries remembered recipes first, and a
closure is stored only after the harden node confirmed it post-route.

One real-graph test (no LLM, local sandbox, real qflow) on add32 from the timing evaluation
set, which the ladder closes with prefix-adders at 2.1 ns (post-route +0.23 ns) and, at
1.8 ns, closes pre-layout (+0.06 ns) but not post-route (-0.07 ns), which demotes the
remembered recipe (its failure counted on its insight); plus the harden-side rules on their
own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from siliconcrew.core.design import Design
from siliconcrew.core.rundir import RunDir
from siliconcrew.steps.timing_memory import open_memory, rtl_digest, settle
from siliconcrew.tools.run_context import RunContext
from tests.conftest import REPO, run_cli

ADD32 = REPO / "benchmarks" / "timing_designs" / "add32"


def add32_at(tmp_path: Path, name: str, period: float | None = None) -> Path:
    design = tmp_path / name
    shutil.copytree(ADD32, design, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    if period is not None:
        card = design / "design.yaml"
        text = card.read_text()
        assert "period_ns: 2.1," in text
        card.write_text(text.replace("period_ns: 2.1,", f"period_ns: {period},"))
    return design


def graph_run(design: Path, kb: Path) -> dict:
    proc = run_cli(
        "run",
        str(design),
        "--json",
        "--sandbox",
        "local",
        env={"SILICONCREW_MODEL": "", "SILICONCREW_KB": str(kb)},
        timeout=600,
    )
    assert proc.stdout, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def memory_events(data: dict) -> list[dict]:
    trace = Path(data["run_dir"]) / "trace.jsonl"
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    return [e for e in events if e["event"] == "timing_memory"]


def recipes(kb: Path) -> list[dict]:
    """The timing recipes stored in the knowledge base: key, times verified, context."""
    from siliconcrew.knowledge_base.handles import open_kb

    out = []
    for hit in open_kb(kb, auto_seed=False).list("insights", limit=1000):
        meta = hit.metadata or {}
        if meta.get("ctx_kind") == "timing_recipe":
            out.append(
                {
                    "key": meta["signature"],
                    "times": int(meta["times_verified"]),
                    "failed": int(meta.get("times_failed", 0)),
                    "context": json.loads(meta["context_json"]),
                }
            )
    return out


def test_graph_runs_remember_what_closed_after_hardening_confirmed_it(tmp_path):
    kb = tmp_path / "kb"
    # run 1: the ladder closes; the closure is held until hardening passes with it, then stored
    first = graph_run(add32_at(tmp_path, "add32"), kb)
    assert first["status"] == "ok", first["reason"]
    assert [n["node"] for n in first["nodes"]][-3:] == ["timing", "harden", "report"]
    assert first["timing_attempts"][0]["strategy"] != "remembered"  # nothing to recall yet
    mem = first["timing_memory"]
    key = mem["key"]
    assert key.startswith("timing closure for causes ") and key.endswith(" on osu018")
    assert not mem["tried"] and mem["confirmed"] and mem["stored"] and mem["pending"] is None
    stored = recipes(kb)
    assert [(r["key"], r["times"]) for r in stored] == [(key, 1)]
    ctx = stored[0]["context"]
    assert ctx["post_route_confirmed"] and ctx["wns_post_route"] >= 0
    assert ctx["wns_post_route"] == first["metrics"]["timing__setup__ws"]  # the engine's
    assert ctx["confirmed_by"].startswith("harden")
    held, settled = memory_events(first)
    assert (held["node"], held["held"], held["stored"]) == ("timing", True, False)
    assert (settled["node"], settled["stored"]) == ("harden", True)
    strategy = json.loads((Path(first["run_dir"]) / "timing_repair.json").read_text())["strategy"]

    # run 2, a copy: the remembered recipe is tried first, closes, and is verified again
    second = graph_run(add32_at(tmp_path, "add32-copy"), kb)
    assert second["status"] == "ok", second["reason"]
    att = second["timing_attempts"][0]
    assert att["strategy"] == "remembered" and att["kept"]
    assert len(second["timing_attempts"]) == 1  # the ladder was not climbed
    assert att["wns_after"] >= 0 and strategy in att["reason"]
    assert "closed by remembered" in [n["outcome"] for n in second["nodes"]]
    mem = second["timing_memory"]
    assert (mem["key"], mem["tried"], mem["closed"], mem["confirmed"], mem["stored"]) == (
        key,
        True,
        True,
        True,
        True,
    )
    assert [(r["key"], r["times"]) for r in recipes(kb)] == [(key, 2)]  # one entry, counted
    page = (Path(second["run_dir"]) / "report.html").read_text()
    assert "tried yes, closed pre-layout yes" in page and "stored in the knowledge base" in page

    assert not mem["demoted"] and recipes(kb)[0]["failed"] == 0

    # run 3, a tighter clock: the recipe meets it pre-layout but not post-route: not stored,
    # and the failure is counted on its insight (demoted: net evidence 2 - 1)
    third = graph_run(add32_at(tmp_path, "add32-fast", 1.8), kb)
    assert third["status"] == "failed"
    assert third["timing_attempts"][0]["strategy"] == "remembered"
    assert third["metrics"]["timing__setup__ws"] < 0  # the engine's post-route figure
    mem = third["timing_memory"]
    assert mem["key"] == key, "the causes changed: the test no longer reaches the memory"
    assert mem["tried"] and mem["closed"] and mem["confirmed"] is False and not mem["stored"]
    assert "not stored" in mem["note"] and mem["note"] in third["notes"]
    assert mem["demoted"] and "the remembered recipe failed setup post-route" in mem["note"]
    assert "demoted: its insight says verified 2x, failed 1x (net +1)" in mem["memory_notes"][-1]
    assert [(r["key"], r["times"], r["failed"]) for r in recipes(kb)] == [(key, 2, 1)]
    assert memory_events(third)[-1]["stored"] is False and memory_events(third)[-1]["demoted"]
    page = (Path(third["run_dir"]) / "report.html").read_text()
    assert "demoted (its failure counted)" in page
    # still tried first next time (one failure against two closures), with its evidence
    from siliconcrew.knowledge_base.handles import open_kb
    from siliconcrew.repair.timing.memory import KbMemory

    again = KbMemory(kb=open_kb(kb, auto_seed=False)).recall(key)
    assert [r["evidence"] for r in again] == [{"times_verified": 2, "times_failed": 1}]


def _ctx(tmp_path: Path) -> RunContext:
    folder = tmp_path / "d"
    (folder / "rtl").mkdir(parents=True)
    (folder / "rtl" / "m.v").write_text("module m; endmodule\n")
    design = Design(name="m", top="m", rtl=["rtl/m.v"], flow={"engine": "qflow", "pdk": "osu018"})
    return RunContext(
        design=design, folder=folder, run_dir=RunDir(folder), registry=None, sandbox_factory=None
    )


def test_harden_stores_nothing_it_did_not_confirm(tmp_path, monkeypatch):
    """Hardening passed, but not with the held recipe on the held RTL: nothing is stored
    (and no knowledge base is opened: it is switched off here, which would say so)."""
    monkeypatch.setenv("SILICONCREW_KB", "off")
    ctx = _ctx(tmp_path)
    recipe = {"abc_script": "delay-target", "abc_delay_ps": 2100, "prefix_adders": True}
    mem = {
        "key": "k",
        "tried": False,  # the ladder's own closure: nothing remembered to demote
        "closed": False,
        "pending": {
            "key": "k",
            "record": {"recipe": recipe, "strategy": "prefix-adders", "added_latency": 0},
            "run_id": "r",
            "context": {},
            "recipe": recipe,
            "rtl": ["rtl/m.v"],
            "rtl_digest": rtl_digest(ctx.folder, ["rtl/m.v"]),
        },
    }
    ok = {"timing__setup__ws": 0.2}

    def outcome(options, rtl=("rtl/m.v",), status="ok", metrics=ok):
        got, note = settle(ctx, mem, status, "clean", metrics, options, list(rtl))
        assert got["pending"] is None and not got["stored"] and got["note"] == note
        return got["confirmed"], note

    assert outcome({"synth_recipe": {}}) == (
        False,
        "timing recipe (prefix-adders) not stored: hardening passed with another synthesis "
        "(the engine's default), not the recipe",
    )
    assert "hardening failed" in outcome({"synth_recipe": recipe}, status="failed")[1]
    assert "no post-route setup slack" in outcome({"synth_recipe": recipe}, metrics={})[1]
    (ctx.folder / "rtl" / "m.v").write_text("module m; wire w; endmodule\n")  # an RTL agent
    assert "RTL changed" in outcome({"synth_recipe": recipe})[1]
    # confirmed, but the knowledge base is off: said, not stored, the run goes on
    (ctx.folder / "rtl" / "m.v").write_text("module m; endmodule\n")
    confirmed, note = outcome({"synth_recipe": recipe})
    assert confirmed and "switched off" in note
    assert open_memory(ctx) == (
        None,
        "knowledge base switched off (SILICONCREW_KB): no remembered recipe tried, none stored",
    )


def test_harden_demotes_a_remembered_recipe_that_failed_post_route(tmp_path, monkeypatch):
    """The held closure was a remembered recipe: a setup failure post-route with it in
    force (or the engine's default replacing it) is counted on its insight; a failure that
    is not the recipe's (DRC, changed RTL) and the ladder's own closures are not."""
    from siliconcrew.knowledge_base.handles import open_kb
    from siliconcrew.repair.timing.memory import KbMemory, causes_key, memory_record

    kb_path = tmp_path / "kb"
    monkeypatch.setenv("SILICONCREW_KB", str(kb_path))
    ctx = _ctx(tmp_path)
    key = causes_key(["wide_arithmetic"], "osu018")
    recipe = {"abc_script": "delay-target", "abc_delay_ps": 1800, "prefix_adders": True}
    record = memory_record(recipe, "prefix-adders", 0)
    kbm = KbMemory(kb=open_kb(kb_path, auto_seed=False))
    assert kbm.remember(key, record, "run-1", {"design": "m"})
    pending = {
        "key": key,
        "record": record,
        "run_id": "run-2",
        "context": {},
        "recipe": recipe,
        "rtl": ["rtl/m.v"],
        "rtl_digest": rtl_digest(ctx.folder, ["rtl/m.v"]),
    }
    remembered = {"key": key, "tried": True, "closed": True, "pending": pending}

    def failures() -> int:
        return kbm.recall(key)[0]["evidence"]["times_failed"]

    def harden(mem=remembered, status="failed", outcome="setup_violations", ws=-0.07, sr=recipe):
        metrics, options = {"timing__setup__ws": ws}, {"synth_recipe": sr or {}}
        got, note = settle(ctx, mem, status, outcome, metrics, options, ["rtl/m.v"])
        assert not got["stored"] and note == got["note"]
        return got

    got = harden()
    assert got["demoted"] and failures() == 1
    assert got["memory_notes"][-1] == (
        "the remembered recipe failed setup post-route in hardening (WS -0.07 ns): demoted: "
        "its insight says verified 1x, failed 1x (net +0)"
    )
    assert got["memory_notes"][-1] in got["note"]
    # the same run again (a resumed node) counts once
    again = harden()
    assert not again["demoted"] and "already counted for this run" in again["note"]
    assert failures() == 1
    # another run: the engine's default replaced it (done only when the recipe failed
    # setup post-route): counted
    other = {**remembered, "pending": {**pending, "run_id": "run-3"}}
    assert harden(mem=other, status="ok", ws=0.05, sr=None)["demoted"] and failures() == 2
    # not the recipe's failure: DRC with setup met; the ladder's own closure; other RTL
    got = harden(outcome="drc_violations", ws=0.1)
    assert not got["demoted"] and "not counted" in got["note"] and failures() == 2
    assert not harden(mem={**remembered, "tried": False, "closed": False})["demoted"]
    (ctx.folder / "rtl" / "m.v").write_text("module m; wire w; endmodule\n")
    assert not harden()["demoted"] and failures() == 2
