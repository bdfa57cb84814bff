"""integrate step: the design wrapped for a shuttle (Caravel or Tiny Tapeout), then checked.

Generation is pure (siliconcrew/integrate/); this step gathers what it needs (the design's
ports, its golden testbench's trace at the clock edges, simulated in the sandbox with a
probe that dumps the design's ports), writes the harness-shaped folder under
`runs/<id>/integrate/<target>/`, and runs the checks that can run here:

- caravel: the wrapper lints clean (verilator + iverilog, MPRJ_IO_PADS defined); the
  Wishbone test (a bus-functional model replays the design's testbench through the bridge,
  iverilog) passes; the precheck rules hold on the elaborated wrapper; both LibreLane
  configs use only known LibreLane variables.
- tinytapeout: the tile lints clean; the cocotb test (the same replay, through the pins)
  passes; the precheck rules hold; a size estimate from a local hardening (qflow on osu018
  up to routing: not the sky130 tile, no sky130 library here).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from siliconcrew.core.errors import UserInputError
from siliconcrew.integrate import caravel as cv
from siliconcrew.integrate import readme
from siliconcrew.integrate import tinytapeout as tt
from siliconcrew.integrate.includes import IncludeLayout, include_layout
from siliconcrew.integrate.ports import design_ports, dut_path, reset_port
from siliconcrew.integrate.precheck import expected_caravel_ports, expected_tt_ports, precheck
from siliconcrew.integrate.trace import Sample, read_trace
from siliconcrew.steps.base import (
    GraphStep,
    Step,
    StepInput,
    StepResult,
    ToolRun,
    Update,
    report,
)
from siliconcrew.steps.state import RunState
from siliconcrew.tools.base import Diagnostic, ToolResult
from siliconcrew.tools.design_calls import simulate_input
from siliconcrew.tools.rtl_ports import Port
from siliconcrew.tools.run_context import RunContext

TARGETS = ("caravel", "tinytapeout")
PROBE_MODULE = "sc_trace_probe"
TT_TILE_UM2 = 167 * 108  # a 1x1 tile's area, for the estimate's comparison only


class IntegrateInput(StepInput):
    target: str
    base: int | None = None
    pins: dict[str, str] | None = None
    #: tests only: the bridge decodes this base instead of the documented one
    decode_base: int | None = None


def _tool_result(name: str, ok: bool, summary: str, errors: list[str], **kw: Any) -> ToolResult:
    return ToolResult(
        tool=name,
        ok=ok,
        summary=summary,
        failure=None if ok else "check",
        diagnostics=[Diagnostic(code=name, message=e) for e in errors],
        **kw,
    )


class IntegrateStep(Step):
    id = "integrate"
    needs = ("rtl",)
    makes = ("integration",)
    config = ("integration", "testbench", "clock", "parameters")
    Input = IntegrateInput

    def run(self, ctx: RunContext, inp: StepInput, on_check=None) -> StepResult:
        assert isinstance(inp, IntegrateInput)
        d = ctx.design
        if inp.target not in TARGETS:
            raise UserInputError(
                f"unknown integration target '{inp.target}'", "use caravel or tinytapeout"
            )
        spec = d.integration
        base = inp.base if inp.base is not None else (spec.base if spec else cv.USER_BASE)
        pins = inp.pins if inp.pins is not None else (spec.pins if spec else {})
        rtl = list(inp.rtl or d.rtl)
        if not rtl:
            raise UserInputError(
                "design.yaml has no rtl files to integrate", "add rtl: [...] (or run first)"
            )
        rtl_paths = [ctx.folder / f for f in rtl]
        names = [p.name for p in rtl_paths]
        if len(set(names)) != len(names) or "project.v" in names:
            raise UserInputError(
                "two RTL files share a name (or one is project.v): the harness folders are flat",
                "rename the files so each base name is unique",
            )
        incs = [ctx.folder / i for i in d.include_dirs]
        # The `include files go into the harness beside the RTL; one outside the design
        # folder is refused here, before anything runs.
        reserved: dict[str, Path | None] = dict(zip(names, rtl_paths, strict=True))
        if inp.target == "tinytapeout":
            reserved["project.v"] = None
        includes = include_layout(ctx.folder, rtl_paths, incs, reserved)
        ports = design_ports(rtl_paths, d.top, dict(d.parameters), incs)
        clock = d.clock.port
        reset = reset_port(ports, clock, spec.reset if spec else None)

        # Plan first: a design that cannot fit is refused before anything runs.
        def make_plan(table: dict[str, str]) -> cv.CaravelPlan | tt.TTPlan:
            if inp.target == "caravel":
                return cv.plan_caravel(
                    d.name, d.top, ports, clock, reset, base=base, pins=table, params=d.parameters
                )
            return tt.plan_tt(d.name, d.top, ports, clock, reset, params=d.parameters, pins=table)

        plan = make_plan(pins)  # refuses a design that cannot fit (before any LLM call)
        mapping, note = ("design.yaml" if pins else "default"), None
        if not pins and ctx.llm is not None:
            from siliconcrew.agents.integration import propose_pins

            spec_text = _spec_text(ctx)
            proposal = propose_pins(ctx, inp.target, [p.brief() for p in ports], spec_text)
            if proposal:
                try:
                    plan, mapping = make_plan(proposal), "llm"
                except UserInputError as exc:
                    note = f"the integration agent's pin table was refused ({exc.message}); "
                    note += "the default mapping is used"
                    ctx.run_dir.event("note", message=note)
        out = ctx.run_dir.path / "integrate" / inp.target
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        ctx.tool_ctx.sandbox.make_writable(out)
        runs: list[ToolRun] = []
        trace = self._trace(ctx, rtl, ports, out, runs, on_check)
        if inp.target == "caravel":
            assert isinstance(plan, cv.CaravelPlan)
            outputs = self._caravel(ctx, plan, rtl_paths, includes, trace, out, runs, on_check, inp)
        else:
            assert isinstance(plan, tt.TTPlan)
            outputs = self._tinytapeout(ctx, plan, rtl_paths, includes, trace, out, runs, on_check)
        outputs["mapping"] = mapping
        outputs["mapping_note"] = note
        outputs["folder"] = str(out)
        outputs["target"] = inp.target
        outputs["ports"] = [p.brief() for p in ports]
        outputs["trace_samples"] = len(trace) if trace else 0
        outputs["include_files"] = includes.names()
        return StepResult(step=self.id, runs=runs, outputs=outputs)

    # -- the design testbench's trace -------------------------------------------------------
    def _trace(
        self, ctx: RunContext, rtl: list[str], ports: list[Port], out: Path, runs, on_check
    ) -> list[Sample] | None:
        d = ctx.design
        sim = simulate_input(d, rtl)
        tb_top = d.testbench_top()
        why = None
        if sim is None or tb_top is None or d.verification.simulator != "icarus":
            why = "no golden testbench (icarus) to replay: the wrapper-level test needs one"
        elif not d.clock.port:
            why = "no clock: port in design.yaml (the replay steps the design's clock)"
        if why or sim is None or tb_top is None:
            why = why or "no golden testbench"
            report(on_check, "trace", f"skipped: {why}")
            runs.append(ToolRun(name="trace", skipped=why))
            return None
        files = [ctx.folder / f for f in [*rtl, *d.testbench]]
        path = dut_path(files, tb_top, d.top, [ctx.folder / i for i in d.include_dirs])
        if path is None:
            raise UserInputError(
                f"the testbench {tb_top} does not instantiate {d.top}",
                "the golden testbench must instantiate the design's top",
            )
        probe = out.parent / f"{out.name}-checks" / "trace_probe.v"
        probe.parent.mkdir(parents=True, exist_ok=True)
        probe.write_text(
            "// Dumps the design's ports as its own testbench drives them.\n"
            f"module {PROBE_MODULE};\n"
            f'    initial begin $dumpfile("sc_trace.vcd"); $dumpvars(1, {path}); end\n'
            "endmodule\n"
        )
        sim["files"] = [*sim["files"], ctx.tool_ctx.rel(probe)]
        sim["extra_tops"] = [PROBE_MODULE]
        report(on_check, "trace", "running")
        res = ctx.tool(self.id, "simulate", sim)
        runs.append(ToolRun(name="trace", result=res))
        report(on_check, "trace", "ok" if res.ok else "failed")
        if not res.ok:
            raise UserInputError(
                f"the design's own testbench fails ({res.summary})",
                "fix the design or its testbench first (siliconcrew check --no-harden)",
            )
        first = res.artifacts.get("vcd")  # the job folder's VCDs: the probe's, or the
        # testbench's own when it opened one first (iverilog keeps one file, both scopes in it)
        vcds = sorted((ctx.folder / first).parent.glob("*.vcd")) if first else []
        for vcd in vcds:
            try:
                return read_trace(vcd, path, ports, d.clock.port)
            except UserInputError as exc:
                last = exc
        if vcds:
            raise last
        raise UserInputError(
            "the testbench simulation wrote no VCD", "check that the testbench runs to $finish"
        )

    # -- Caravel ----------------------------------------------------------------------------
    def _caravel(
        self,
        ctx,
        plan: cv.CaravelPlan,
        rtl_paths,
        includes: IncludeLayout,
        trace,
        out: Path,
        runs,
        on_check,
        inp: IntegrateInput,
    ) -> dict[str, Any]:
        rtl_dir = out / "verilog" / "rtl"
        (rtl_dir / plan.name).mkdir(parents=True)
        for f in rtl_paths:
            shutil.copyfile(f, rtl_dir / plan.name / f.name)
        includes.copy_into(rtl_dir / plan.name)
        wrapper = rtl_dir / "user_project_wrapper.v"
        macro = rtl_dir / f"{plan.macro}.v"
        wrapper.write_text(cv.wrapper_verilog(plan))
        macro.write_text(cv.macro_verilog(plan, decode_base=inp.decode_base))
        names = [f.name for f in rtl_paths]
        cfgs = {
            out / "openlane" / plan.name / "config.json": cv.macro_config(
                plan, names, include_dirs=includes.dirs
            ),
            out / "openlane" / "user_project_wrapper" / "config.json": cv.wrapper_config(plan),
        }
        for path, cfg in cfgs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(cfg, indent=4) + "\n")
        (out / "openlane" / "user_project_wrapper" / "macro.cfg").write_text(cv.macro_cfg(plan))
        regmap = plan.register_map()
        docs = out / "docs"
        docs.mkdir()
        (docs / "register_map.json").write_text(json.dumps(regmap, indent=2) + "\n")
        (docs / "register_map.md").write_text(readme.register_map_md(plan, regmap))
        checks = out.parent / f"{out.name}-checks"
        checks.mkdir(exist_ok=True)
        defines = checks / "defines.v"
        defines.write_text(f"`define MPRJ_IO_PADS {cv.MPRJ_IO_PADS}\n")
        rel = ctx.tool_ctx.rel
        design_files = [rel(rtl_dir / plan.name / n) for n in names]
        inc_dirs = [rel(rtl_dir / plan.name / d) for d in includes.dirs]
        gen = [rel(wrapper), rel(macro)]
        self._lint(
            ctx,
            [rel(defines), *gen, *design_files],
            "user_project_wrapper",
            gen,
            runs,
            on_check,
            inc_dirs,
        )
        tb_rel = None
        if trace is not None:
            dv = out / "verilog" / "dv" / f"{plan.name}_wb"
            dv.mkdir(parents=True)
            tb = dv / "sc_wb_tb.v"
            tb.write_text(cv.wb_testbench(plan, trace))
            tb_rel = rel(tb)
            report(on_check, "wishbone_test", "running")
            res = ctx.tool(
                self.id,
                "simulate",
                {
                    "files": [rel(defines), tb_rel, *gen, *design_files],
                    "include_dirs": inc_dirs,
                    "top": "sc_wb_tb",
                    "timeout_s": 300,
                    "pass_patterns": ["WISHBONE TEST PASSED"],
                },
            )
            if res.ok:
                res.summary = (
                    f"Wishbone test passed: the design's testbench ({len(trace)} samples) "
                    "replayed through the bridge, 0 mismatches"
                )
            runs.append(ToolRun(name="wishbone_test", result=res))
            report(on_check, "wishbone_test", "ok" if res.ok else "failed")
        else:
            runs.append(ToolRun(name="wishbone_test", skipped="no golden testbench to replay"))
        self._precheck(
            ctx,
            [rel(defines), *gen, *design_files],
            "user_project_wrapper",
            expected_caravel_ports(),
            ("io_oeb", "io_out", True),
            runs,
            on_check,
            inc_dirs,
        )
        runs.append(ToolRun(name="librelane_config", result=_config_check(cfgs)))
        results = [(r.name, _outcome(runs, r.name)) for r in runs]
        (out / "README_SILICONCREW.md").write_text(
            readme.caravel_readme(plan, results, includes, names)
        )
        return {"register_map": regmap, "macro": plan.macro}

    # -- Tiny Tapeout -----------------------------------------------------------------------
    def _tinytapeout(
        self,
        ctx,
        plan: tt.TTPlan,
        rtl_paths,
        includes: IncludeLayout,
        trace,
        out: Path,
        runs,
        on_check,
    ) -> dict[str, Any]:
        src = out / "src"
        src.mkdir()
        for f in rtl_paths:
            shutil.copyfile(f, src / f.name)
        includes.copy_into(src)
        (src / "project.v").write_text(tt.project_verilog(plan))
        sources = ["project.v", *[f.name for f in rtl_paths]]
        d = ctx.design
        hz = int(round(1e9 / d.clock.period_ns)) if d.states_timing() else 0
        spec = (ctx.folder / d.spec) if d.spec else None
        desc = _first_line(spec) or f"{d.name} ({d.top})"
        (out / "info.yaml").write_text(
            tt.info_yaml(
                plan,
                description=desc,
                clock_hz=hz,
                sources=sources,
                headers=includes.names(),
            )
        )
        test = out / "test"
        test.mkdir()
        (test / "tb.v").write_text(tt.tb_verilog(plan))
        (test / "Makefile").write_text(
            tt.makefile(plan, sources, [d for d in includes.dirs if d != "."])
        )
        (out / "docs").mkdir()
        rel = ctx.tool_ctx.rel
        src_files = [rel(src / s) for s in sources]
        # the template's test/Makefile passes -I$(SRC_DIR): src/ is where includes resolve
        inc_dirs = [rel(src / d) for d in includes.dirs]
        gen = [rel(src / "project.v")]
        self._lint(ctx, src_files, plan.module, gen, runs, on_check, inc_dirs)
        if trace is not None:
            (test / "vectors.json").write_text(tt.vectors_json(plan, trace, d.clock.period_ns))
            (test / "test.py").write_text(tt.TEST_PY)
            report(on_check, "cocotb_test", "running")
            res = ctx.tool(
                self.id,
                "cocotb_run",
                {
                    "sources": [*src_files, rel(test / "tb.v")],
                    "toplevel": "tb",
                    "test_module": rel(test / "test.py"),
                    "include_dirs": inc_dirs,
                    "timeout_s": 600,
                },
            )
            runs.append(ToolRun(name="cocotb_test", result=res))
            report(on_check, "cocotb_test", "ok" if res.ok else "failed")
        else:
            runs.append(ToolRun(name="cocotb_test", skipped="no golden testbench to replay"))
        self._precheck(
            ctx,
            src_files,
            plan.module,
            expected_tt_ports(),
            ("uio_oe", "uio_out", False),
            runs,
            on_check,
            inc_dirs,
        )
        report(on_check, "size_estimate", "running")
        res = self._local_hardening(
            ctx, plan, [src / n for n in sources], [src] if includes.files else [], out
        )
        runs.append(ToolRun(name="size_estimate", result=res))
        report(on_check, "size_estimate", "ok" if res.ok else "failed")
        (out / "docs" / "info.md").write_text(
            readme.tt_info_md(plan, _outcome(runs, "cocotb_test"))
        )
        return {"module": plan.module, "pinout": plan.pinout()}

    def _local_hardening(
        self, ctx, plan: tt.TTPlan, sources: list[Path], include_dirs: list[Path], out: Path
    ) -> ToolResult:
        """The tile hardened here with qflow on osu018 up to routing, as a size estimate: the
        cells and the die qflow needs. NOT the sky130 tile (no sky130 library here); TT's own
        GitHub action hardens it on sky130."""
        from siliconcrew.engines import get_engine
        from siliconcrew.engines.base import DesignInput, run_flow

        d = ctx.design
        engine = get_engine("qflow")
        dinput = DesignInput(
            name=plan.module,
            top=plan.module,
            rtl=sources,
            include_dirs=include_dirs,
            clock_port="clk" if plan.clock else None,
            clock_period_ns=d.clock.period_ns if d.states_timing() else 1000.0,
            timing_required=d.states_timing(),
            pdk="osu018",
        )
        flow_dir = out.parent / f"{out.name}-checks" / "harden"
        ctx.run_dir.event("tool_call", node=self.id, tool="qflow", input={"to": "routing"})
        t0 = time.perf_counter()
        flow = run_flow(
            engine,
            dinput,
            flow_dir,
            ctx.tool_ctx.sandbox,
            engine.default_config(dinput),
            to_stage="routing",
        )
        failed = flow.failed_stage
        m = flow.metrics
        die, cells = m.get("design__die__area"), m.get("design__instance__count")
        if failed is None:
            summary = (
                f"local hardening on qflow/osu018, NOT the sky130 tile: routed, {cells} cells, "
                f"die {die:g} µm² (a 1x1 sky130 tile is about 167x108 µm = {TT_TILE_UM2} µm²; "
                "another process and library: an estimate only)"
                if die
                else f"local hardening on qflow/osu018 (NOT the sky130 tile): routed, {cells} cells"
            )
        else:
            summary = f"local hardening (qflow/osu018) failed at {failed.name}: {failed.summary}"
        res = ToolResult(
            tool="qflow",
            ok=failed is None,
            summary=summary,
            failure=None if failed is None else "check",
            metrics={k: v for k, v in m.items() if isinstance(v, int | float | str | bool)},
            artifacts={"flow_dir": ctx.tool_ctx.rel(flow_dir)},
            duration_s=round(time.perf_counter() - t0, 3),
            backend=ctx.tool_ctx.sandbox.name,
        )
        ctx.run_dir.event(
            "tool_result", node=self.id, tool="qflow", ok=res.ok, summary=res.summary,
            failure=res.failure, duration_s=res.duration_s,
        )  # fmt: skip
        return res

    # -- shared checks ----------------------------------------------------------------------
    def _lint(self, ctx, files, top, generated, runs, on_check, include_dirs) -> None:
        report(on_check, "wrapper_lint", "running")
        res = ctx.tool(self.id, "lint", {"files": files, "top": top, "include_dirs": include_dirs})
        # The harness fixes the file names (Tiny Tapeout's src/project.v holds tt_um_<name>),
        # so verilator's file-name/module-name style warning is not the wrapper's to fix.
        ours = [
            dg
            for dg in res.diagnostics
            if dg.severity in ("error", "warning")
            and dg.file in generated
            and "does not match MODULE name" not in dg.message
        ]
        if res.ok and ours:
            res = res.model_copy(
                update={
                    "ok": False,
                    "failure": "check",
                    "summary": f"the generated wrapper has {len(ours)} lint warning(s): "
                    + ours[0].message[:200],
                }
            )
        runs.append(ToolRun(name="wrapper_lint", result=res))
        report(on_check, "wrapper_lint", "ok" if res.ok else "failed")

    def _precheck(self, ctx, files, top, expected, oe, runs, on_check, include_dirs) -> None:
        report(on_check, "precheck", "running")
        res = ctx.tool(
            self.id,
            "netlist_json",
            {"files": files, "top": top, "include_dirs": include_dirs},
        )
        if not res.ok:
            runs.append(ToolRun(name="precheck", result=res))
            report(on_check, "precheck", "failed")
            return
        netlist = json.loads((ctx.folder / res.artifacts["netlist_json"]).read_text())
        rep = precheck(netlist, top, expected, oe=oe[0], out=oe[1], oe_active_low=oe[2])
        summary = (
            f"precheck rules hold ({', '.join(rep.checked)})"
            if rep.ok
            else f"precheck: {len(rep.errors)} problem(s): {rep.errors[0]}"
        )
        runs.append(
            ToolRun(
                name="precheck",
                result=_tool_result(
                    "precheck", rep.ok, summary, rep.errors, artifacts=res.artifacts
                ),
            )
        )
        report(on_check, "precheck", "ok" if rep.ok else "failed")


def _config_check(cfgs: dict[Path, dict[str, Any]]) -> ToolResult:
    from siliconcrew.engines.librelane_vars import check_keys, load_table, version_for

    table = load_table(version_for(None, None))
    errors, warnings = [], []
    for path, cfg in cfgs.items():
        rep = check_keys(cfg, table)
        where = "/".join(path.parts[-3:])
        errors += [f"{where}: {e}" for e in rep.errors]
        warnings += [f"{where}: {w}" for w in rep.warnings]
    ok = not errors
    res = _tool_result(
        "librelane_config",
        ok,
        f"LibreLane configs use known {table.label} variables"
        + (f" ({len(warnings)} warning(s))" if warnings else "")
        if ok
        else f"{len(errors)} unknown LibreLane variable(s): {errors[0]}",
        errors,
    )
    res.diagnostics += [
        Diagnostic(severity="warning", code="librelane", message=w) for w in warnings
    ]
    return res


def _outcome(runs: list[ToolRun], name: str) -> str:
    """A check's outcome in words, for the generated READMEs (what ran, and how it ended)."""
    run = next((r for r in runs if r.name == name), None)
    if run is None or run.result is None:
        return f"not run ({run.skipped if run else 'no such check'})"
    return ("passed" if run.result.ok else "FAILED") + f": {run.result.summary}"


def _spec_text(ctx: RunContext) -> str:
    spec = ctx.folder / ctx.design.spec if ctx.design.spec else None
    return spec.read_text(errors="replace") if spec and spec.is_file() else ""


def _first_line(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    for line in path.read_text(errors="replace").splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:120]
    return ""


class IntegrateGraphStep(GraphStep):
    """The run graph's integrate node (design.yaml `integration:`): after hardening, the
    design is wrapped for its shuttle and the wrapper checked; the run's report shows it.
    A design that cannot be wrapped (too many pins) is recorded, not a crash of the run."""

    id = "integrate"
    needs = ("rtl_files",)
    makes = ("integration",)
    config = ("integration",)
    goes_to = ("report",)

    def update(self, ctx: RunContext, state: RunState) -> Update:
        spec = ctx.design.integration
        if spec is None:
            return Update(outcome="skipped: no integration: in design.yaml", goto="report")
        inp = IntegrateInput(target=spec.target, rtl=list(state.get("rtl_files") or []))
        try:
            res = IntegrateStep().run(ctx, inp)
        except UserInputError as exc:
            refused = {"ok": False, "target": spec.target, "summary": exc.one_line()}
            return Update(
                state={"integration": refused}, outcome="refused: " + exc.message, goto="report"
            )
        checks = {
            r.name: ("skipped" if r.result is None else "ok" if r.result.ok else "failed")
            for r in res.runs
        }
        summary: dict[str, Any] = {
            "ok": res.ok,
            "target": spec.target,
            "folder": ctx.tool_ctx.rel(Path(res.outputs["folder"])),
            "checks": checks,
            "summary": ", ".join(f"{k} {v}" for k, v in checks.items()),
        }
        outcome = ("ok" if res.ok else "failed") + f" ({spec.target})"
        return Update(state={"integration": summary}, outcome=outcome, goto="report")
