"""Issue #19: latency-free pipelining, the engine's word on closure, remembered recipes.

The policies are tested pure (which designs may be pipelined, the wrapper, K stepping, the
memory key, the remembered recipe tried first); one real-tool test shows pipelining closing
a period that retiming alone misses, with the testbench passing on the netlist."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from siliconcrew.core.design import Design, load_design
from siliconcrew.core.recipe import RETIME_SCRIPT, SynthRecipe
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.repair.timing.ladder import (
    EngineVerdict,
    RepairBudget,
    TimingRepair,
)
from siliconcrew.repair.timing.memory import (
    SKIP_MARGIN,
    causes_key,
    memory_record,
    rank,
    worst_path_causes,
)
from siliconcrew.repair.timing.pipeline import (
    CORE_SUFFIX,
    Pipeliner,
    latency_policy,
    plan_pipeline,
    rename_module,
    stage_counts,
    wrapper_verilog,
)
from siliconcrew.sandbox import open_sandbox
from siliconcrew.tools.base import ToolContext, ToolResult
from siliconcrew.tools.registry import execute, load_registry
from siliconcrew.tools.rtl_ports import read_module

MUL8 = Path(__file__).resolve().parents[1] / "fixtures" / "mul8v"


def design(**timing: Any) -> Design:
    return Design(name="m", top="m", timing=timing, clock={"port": "clk", "period_ns": 2})


# ------------------------------------------------------------------------- latency policy
def test_latency_policy_from_design_yaml_then_spec():
    assert latency_policy(design(latency="free"), "Latency: fixed").free  # design.yaml decides
    assert not latency_policy(design(latency="fixed"), "Latency: free").free
    spec = "Latency: 2 cycles as written.\nLatency: free (pipelining allowed)\n"
    pol = latency_policy(design(), spec)
    assert pol.free and pol.source.startswith("spec")
    assert not latency_policy(design(), "Latency: fixed\nLatency: free").free  # doubt: keep
    assert not latency_policy(design(), "an adder").free
    assert not latency_policy(design(), None).free


def _iface(tmp_path: Path, text: str, top: str = "m"):
    f = tmp_path / "m.v"
    f.write_text(text)
    got = read_module([f], top)
    assert not isinstance(got, str), got
    return got


HEADER = """// a comment naming module m
module m (input wire clk, input wire rst, input wire in_valid,
          input wire signed [7:0] x, output reg out_valid, output reg signed [15:0] y);
  always @(posedge clk) begin out_valid <= rst ? 1'b0 : in_valid; y <= x * x; end
endmodule
"""


def test_plan_finds_valid_and_reset_and_refuses_unsafe_interfaces(tmp_path):
    free = latency_policy(design(latency="free"), None)
    plan = plan_pipeline(_iface(tmp_path, HEADER), "clk", free, HEADER)
    assert not isinstance(plan, str)
    assert (plan.valid, plan.reset, plan.reset_active_low, plan.reset_async) == (
        "out_valid",
        "rst",
        False,
        False,
    )
    fixed = latency_policy(design(latency="fixed"), None)
    assert "not free" in str(plan_pipeline(_iface(tmp_path, HEADER), "clk", fixed, HEADER))
    ready = HEADER.replace("input wire in_valid", "input wire in_valid, input wire out_ready")
    assert "ready" in str(plan_pipeline(_iface(tmp_path, ready), "clk", free, ready))
    novalid = HEADER.replace("out_valid", "done")
    assert "valid output" in str(plan_pipeline(_iface(tmp_path, novalid), "clk", free, novalid))
    named = latency_policy(design(latency="free", valid="done"), None)
    assert not isinstance(plan_pipeline(_iface(tmp_path, novalid), "clk", named, novalid), str)
    param = HEADER.replace("module m (", "module m #(parameter W = 8) (")
    assert "parameters" in str(plan_pipeline(_iface(tmp_path, param), "clk", free, param))
    noreset = HEADER.replace("input wire rst,", "")
    assert "reset" in str(plan_pipeline(_iface(tmp_path, noreset), "clk", free, noreset))
    low = HEADER.replace("rst", "rst_n").replace(
        "always @(posedge clk)", "always @(posedge clk or negedge rst_n)"
    )
    plan_low = plan_pipeline(_iface(tmp_path, low), "clk", free, low)
    assert not isinstance(plan_low, str) and plan_low.reset_active_low and plan_low.reset_async
    # ports a Verilog-2005 wrapper cannot redeclare as `[msb:lsb]` are refused, by name
    for decl, why in (
        ("inout wire pad", "pad is not a plain input or output (inout)"),
        ("input integer n", "n has a type a wrapper cannot redeclare (integer)"),
        ("input logic [1:0][3:0] pk", "pk has a type a wrapper cannot redeclare"),
        ("input wire [`W-1:0] m", "port m cannot be sized: m.v:2: unknown macro"),
    ):
        odd = HEADER.replace("input wire in_valid,", f"input wire in_valid, {decl},")
        assert why in str(plan_pipeline(_iface(tmp_path, odd), "clk", free, odd))


def test_pipeliner_reads_includes_and_renames_only_a_top_written_in_an_rtl_file(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "w.vh").write_text("`define W 8\n")
    (tmp_path / "m.v").write_text('`include "w.vh"\n' + HEADER.replace("[7:0]", "[`W-1:0]"))
    d = design(latency="free").model_copy(update={"include_dirs": ["inc"]})
    plan = Pipeliner(d, tmp_path, "runs/x", None).plan(["m.v"])
    assert not isinstance(plan, str), plan
    assert next(p for p in plan.iface.ports if p.name == "x").width == 8
    (tmp_path / "top.v").write_text('`include "m.v"\n')  # the top lives in an included file
    assert "included file (m.v)" in str(Pipeliner(d, tmp_path, "runs/x", None).plan(["top.v"]))


def test_wrapper_and_rename(tmp_path):
    iface = _iface(tmp_path, HEADER)
    plan = plan_pipeline(iface, "clk", latency_policy(design(latency="free"), None), HEADER)
    assert not isinstance(plan, str)
    core = rename_module(HEADER.encode(), iface.name_start, iface.name_end, "m" + CORE_SUFFIX)
    text = core.decode()
    assert "module m__core (" in text and "// a comment naming module m\n" in text  # only the name
    w = wrapper_verilog(plan, 2)
    assert "module m (" in w and "m__core core (" in w
    assert "input wire signed [7:0] x" in w and "output wire signed [15:0] y" in w
    assert "out_valid__s2 <= out_valid__s1;" in w and "assign y = y__s2;" in w
    assert w.index("out_valid__s1 <= 1'b0;") < w.index("y__s1 <= 16'd0;")  # cleared by reset
    assert "y__s3" not in w
    with pytest.raises(ValueError):
        wrapper_verilog(plan, 0)
    assert stage_counts(3) == [1, 2, 3] and stage_counts(0) == [1]


def test_retiming_is_min_delay():
    r = SynthRecipe(abc_script="min-delay", abc_delay_ps=3000, retime=True)
    script = r.high_level("top", True, {})
    assert f"abc -dff -script {RETIME_SCRIPT}" in script and "retime,-M,4" in RETIME_SCRIPT
    assert "abc -dff -fast" not in script  # its script runs the min-area `dretime`


# ------------------------------------------------------------------------------ memory key
def test_causes_key_and_record():
    assert causes_key(["wide_arithmetic", "deep_combinational_chain"], "osu018") == causes_key(
        ["deep_combinational_chain", "wide_arithmetic", "wide_arithmetic"], "osu018"
    )
    assert causes_key(["wide_arithmetic"], "osu018") != causes_key(["wide_arithmetic"], "osu035")
    assert worst_path_causes({"paths": [{"causes": [{"class": "high_fanout"}, "x"]}]}) == [
        "high_fanout",
        "x",
    ]
    rec = memory_record({"abc_script": "min-delay", "abc_delay_ps": 3400, "retime": True}, "r", 1)
    assert rec == {
        "recipe": {"abc_script": "min-delay", "retime": True},
        "strategy": "r",
        "added_latency": 1,
    }


class FakeMemory:
    def __init__(self) -> None:
        self.store: dict[str, list[dict]] = {}
        self.failures: list[tuple[str, dict, str]] = []
        self.skipped: list[dict] = []

    def recall(self, key: str) -> list[dict]:
        return list(self.store.get(key, []))

    def remember(self, key: str, record: dict, run_id: str, context: dict) -> bool:
        self.store.setdefault(key, []).insert(0, record)
        return True

    def record_failure(self, key: str, record: dict, run_id: str, reason: str):
        self.failures.append((key, record, reason))
        return {"times_verified": 1, "times_failed": len(self.failures)}


def fake_tools(calls: list[str]):
    """Synthesis whose WNS depends only on the recipe: retiming closes, nothing else does."""

    def run_tool(name: str, inp: dict) -> ToolResult:
        calls.append(name)
        if name == "synthesize":
            retimed = bool(inp["recipe"].get("retime"))
            return ToolResult(
                tool=name,
                ok=True,
                summary="ok",
                metrics={"design__instance__count": 10},
                artifacts={"netlist": "n_retimed.v" if retimed else "n.v"},
            )
        if name == "sta":
            ws = 0.3 if inp["netlist"] == "n_retimed.v" else -0.5
            return ToolResult(
                tool=name, ok=ws >= 0, summary="sta", metrics={"timing__setup__ws": ws}
            )
        return ToolResult(tool=name, ok=True, summary=f"{name} passed")

    return run_tool


def test_second_run_on_the_same_causes_tries_the_remembered_recipe_first():
    d = Design(
        name="m",
        top="m",
        rtl=["m.v"],
        testbench=["tb.v"],
        clock={"port": "clk", "period_ns": 2},
        synthesis={"abc_script": "min-delay"},
    )
    memory = FakeMemory()
    engine_calls: list[tuple] = []

    def engine(rtl, recipe, period):
        engine_calls.append((tuple(rtl), recipe.retime, period))
        return EngineVerdict(ok=True, wns=0.1, gl_sim=True, summary="post-route met")

    def session(calls):
        return TimingRepair(
            d,
            fake_tools(calls),
            budget=RepairBudget(max_attempts=10),
            engine_check=engine,
            memory=memory,
            causes=["wide_arithmetic", "deep_combinational_chain"],
            run_id="r1",
        )

    first = session([]).run()
    assert first.closed and first.strategy == "retiming" and first.engine_checked
    assert first.post_route_wns == 0.1 and first.remembered
    assert [a.strategy for a in first.attempts][0] == "abc-min-delay"
    assert engine_calls and engine_calls[-1][1] is True  # the engine saw the retimed recipe
    second = session([]).run()
    assert second.closed and second.attempts[0].strategy == "remembered"
    assert second.attempts[0].kept and len(second.attempts) == 1
    assert second.attempts[0].recipe["retime"] and second.attempts[0].recipe["abc_delay_ps"] == 2000
    key = next(iter(memory.store))
    assert [r["strategy"] for r in memory.store[key]] == ["retiming", "retiming"]  # one fix
    # other causes: nothing remembered, the ladder from the start
    other = TimingRepair(
        d, fake_tools([]), engine_check=engine, memory=memory, causes=["high_fanout"]
    ).run()
    assert other.attempts[0].strategy == "abc-min-delay"


def test_closure_waits_for_the_engine():
    d = Design(
        name="m", top="m", rtl=["m.v"], testbench=["tb.v"], clock={"port": "clk", "period_ns": 2}
    )

    def engine(rtl, recipe, period):
        return EngineVerdict(ok=False, wns=-0.05, gl_sim=True, summary="post-route WNS -0.05")

    rep = TimingRepair(
        d, fake_tools([]), budget=RepairBudget(max_attempts=10), engine_check=engine
    ).run()
    assert not rep.closed and not rep.engine_checked
    kept = [a for a in rep.attempts if a.kept]
    assert kept and kept[-1].post_route_wns == -0.05
    assert "not closed post-route" in kept[-1].reason


# ------------------------------------------------------------------------------ demotion
CAUSES = ["wide_arithmetic"]
RETIMED = {"recipe": {"abc_script": "min-delay", "retime": True}, "strategy": "retiming"}
MAPPED = {"recipe": {"abc_script": "delay-target"}, "strategy": "abc-delay-target"}


def test_recall_ranks_by_net_evidence_and_skips_clear_losers():
    def e(name, v, f, created="2026-12-01T00:00:00"):
        rec = {"recipe": {}, "strategy": name, "added_latency": 0}
        return {"record": rec, "times_verified": v, "times_failed": f, "created": created}

    keep, skipped = rank(
        [
            e("often-closed-often-failed", 3, 3),  # net 0
            e("closed-once", 1, 0, "2026-11-01T00:00:00"),  # net 1, older
            e("closed-once-lately", 1, 0, "2026-12-02T00:00:00"),  # net 1, newer
            e("tie", 1, 1),  # net 0, older than nothing: same created as the first
            e("loser", 1, 1 + SKIP_MARGIN),  # net -SKIP_MARGIN: skipped
            e("almost", 1, SKIP_MARGIN),  # net -(SKIP_MARGIN - 1): kept, last
        ]
    )
    names = [k["record"]["strategy"] for k in keep]
    assert names[:2] == ["closed-once-lately", "closed-once"]
    assert set(names[2:4]) == {"often-closed-often-failed", "tie"} and names[-1] == "almost"
    assert [s["record"]["strategy"] for s in skipped] == ["loser"]
    assert f"failed {1 + SKIP_MARGIN}x against 1 closure(s)" in skipped[0]["why"]


def _demo_design() -> Design:
    return Design(
        name="m",
        top="m",
        rtl=["m.v"],
        testbench=["tb.v"],
        clock={"port": "clk", "period_ns": 2},
        synthesis={"abc_script": "min-delay"},
    )


def test_a_remembered_recipe_that_fails_post_route_is_demoted_and_the_ladder_goes_on():
    memory = FakeMemory()
    key = causes_key(CAUSES, "osu018")
    recalled = {**RETIMED, "added_latency": 0, "evidence": {"times_verified": 2, "times_failed": 0}}
    memory.store[key] = [recalled]
    verdicts = iter([(False, -0.05), (True, 0.1)])  # the recipe fails post-route once

    def engine(rtl, recipe, period):
        ok, wns = next(verdicts)
        return EngineVerdict(ok=ok, wns=wns, gl_sim=True, summary=f"post-route WNS {wns}")

    rep = TimingRepair(
        _demo_design(),
        fake_tools([]),
        budget=RepairBudget(max_attempts=10),
        engine_check=engine,
        memory=memory,
        causes=CAUSES,
        run_id="r2",
    ).run()
    first = rep.attempts[0]
    assert first.strategy == "remembered" and not first.kept and first.post_route_wns == -0.05
    assert "verified 2x, failed 0x" in first.reason  # the evidence it was tried on
    # counted once, on the record as stored (without the evidence recall attached)
    assert len(memory.failures) == 1
    fkey, frec, why = memory.failures[0]
    assert fkey == key and "evidence" not in frec and frec["recipe"] == RETIMED["recipe"]
    assert "failed post-route (engine WNS -0.05 ns at 2 ns)" == why
    assert rep.memory_demoted and "demoted" in rep.memory_notes[0]
    # evidence, not a gate: the ladder climbed and closed with the same knobs, re-verified
    assert rep.closed and rep.strategy == "retiming" and rep.remembered


def test_failures_that_are_not_the_recipes_are_not_counted():
    key = causes_key(CAUSES, "osu018")
    # 1. pre-layout miss: counted
    memory = FakeMemory()
    memory.store[key] = [{**MAPPED, "added_latency": 0}]
    rep = TimingRepair(
        _demo_design(),
        fake_tools([]),
        budget=RepairBudget(max_attempts=2),
        memory=memory,
        causes=CAUSES,
    ).run()
    assert rep.attempts[0].strategy == "remembered" and not rep.attempts[0].kept
    assert [f[2] for f in memory.failures] == ["missed the clock pre-layout (WNS -0.5 ns at 2 ns)"]
    # 2. no engine figure (its budget is 0): it closed pre-layout, nothing measured it failing
    memory = FakeMemory()
    memory.store[key] = [{**RETIMED, "added_latency": 0}]
    rep = TimingRepair(
        _demo_design(),
        fake_tools([]),
        budget=RepairBudget(max_attempts=2, max_engine_checks=0),
        engine_check=lambda *a: EngineVerdict(ok=True, wns=1.0),
        memory=memory,
        causes=CAUSES,
    ).run()
    assert not rep.attempts[0].kept and not memory.failures and not rep.memory_demoted
    assert "not counted against it" in rep.memory_notes[0]
    # 3. a pipelined recipe where pipelining does not apply: not counted
    memory = FakeMemory()
    memory.store[key] = [{**RETIMED, "added_latency": 1}]
    memory.skipped = [
        {
            **MAPPED,
            "evidence": {"times_verified": 1, "times_failed": 3},
            "why": "failed 3x against 1 closure(s)",
        }
    ]
    rep = TimingRepair(
        _demo_design(),
        fake_tools([]),
        budget=RepairBudget(max_attempts=2),
        memory=memory,
        causes=CAUSES,
    ).run()
    assert "not applicable" in rep.attempts[0].reason and not memory.failures
    # skipped recipes are said, with their evidence
    assert rep.memory_notes[0].startswith(
        "skipped remembered abc-delay-target (verified 1x, failed 3x): failed 3x"
    )


# ------------------------------------------------------------------------------ real tools
def local_factory(ws: Path, image: str | None = None):
    return open_sandbox(ws, SandboxSettings(backend="local"), quiet=True)


def test_pipelining_closes_what_retiming_alone_misses(tmp_path):
    folder = tmp_path / "mul8v"
    shutil.copytree(MUL8, folder)
    d, folder = load_design(folder)
    ctx = ToolContext(folder, local_factory)
    reg = load_registry(include_plugins=False)

    def run_tool(name: str, inp: dict):
        return execute(reg.get(name), inp, ctx)

    try:
        pipeliner = Pipeliner(d, folder, "runs/t/pipeline", (folder / "spec.md").read_text())
        repair = TimingRepair(
            d, run_tool, budget=RepairBudget(formal_timeout_s=5), pipeliner=pipeliner
        )
        period = d.clock.period_ns
        # delay-targeted map + sizing: min-delay leaves the reset net of the retimed flops
        # unbuffered (1 ns on one INVX1 at this size), which no stage count fixes
        best = SynthRecipe(abc_script="delay-target", abc_delay_ps=1500, gate_sizing=True)
        retimed = best.model_copy(update={"retime": True})
        alone = repair.evaluate(list(d.rtl), retimed, period)
        assert alone.ok and alone.wns is not None and alone.wns < 0  # retiming alone misses
        from siliconcrew.repair.timing.ladder import RepairReport

        report = RepairReport(
            design="mul8v",
            period_ns=period,
            final_period_ns=period,
            wns_before=alone.wns,
            wns_after=alone.wns,
            closed=False,
        )
        got = repair.pipeline(report, best, list(d.rtl), period)
        assert got is not None
        att, kept = got
        assert kept is not None, (att.reason, att.explored, alone.wns)
        assert att.kept and att.added_latency >= 1 and att.wns_after >= 0
        assert att.checks["testbench_rtl"] == "passed"
        assert "passed" in att.checks["gate_level_testbench"]  # the netlist, not the RTL
        assert "spec" in report.pipelining and "out_valid" in report.pipelining
        files, recipe, _ = kept
        assert recipe.retime and any(f.endswith("mul8_pipelined.v") for f in files)
        assert (folder / files[0]).read_text().count("module mul8__core") == 1
    finally:
        ctx.close()
