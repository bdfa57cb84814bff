"""The `local` flow engine: qflow (yosys, graywolf, qrouter, vesta, magic, netgen) on osu018.

Runs each qflow stage in the sandbox with `qflow <stage> -T <tech> <top>` in a project folder
under the run directory. Configuration goes to qflow's own `project_vars.sh`, rewritten at
every run so a repaired config (e.g. a lower placement density) takes effect.
Works wherever Debian's qflow packages are (the docker image, or the host for `local`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.profile import span
from siliconcrew.core.recipe import SynthRecipe
from siliconcrew.engines import qflow_logs as logs
from siliconcrew.engines.base import (
    DesignInput,
    FlowEngine,
    StageResult,
    copy_include_files,
)
from siliconcrew.engines.layout import PngError, PngJob, layout_metrics, start_png
from siliconcrew.sandbox.base import Sandbox
from siliconcrew.sandbox.follow import LogFollower
from siliconcrew.sandbox.safe_io import UnsafePath, open_beneath, read_text_bounded
from siliconcrew.tools.base import Diagnostic
from siliconcrew.tools.rtl_ports import read_module, reorder_module_ports
from siliconcrew.tools.seq_legalize import legalize_lines, write_latch_map
from siliconcrew.tools.simulate import DEFAULT_FAIL_PATTERNS
from siliconcrew.tools.sources import stage_data_files
from siliconcrew.tools.vcd_compare import (
    DUMP_FILE,
    DUMP_MODULE,
    Comparison,
    compare_vcds,
    dump_module_source,
)

TECHS = ("osu018", "osu035", "osu050")
TECH_DIR = "/usr/share/qflow/tech"
# Stage names shared with the LibreLane engine where the stage is the same (synthesis,
# placement, routing); qflow's own finer steps keep qflow's names. The qflow command each
# runs is in QFLOW_COMMAND; the old names (= the commands) are still accepted (--from/--to,
# saved stage state of older runs).
STAGES = (
    "synthesis",
    "placement",
    "sta",
    "routing",
    "backanno",
    "migrate",
    "drc",
    "lvs",
    "gdsii",
    "gl_sim",
)
QFLOW_COMMAND = {"synthesis": "synthesize", "placement": "place", "routing": "route"}
STAGE_ALIASES = {cmd: stage for stage, cmd in QFLOW_COMMAND.items()}
STAGE_LOG = {
    "synthesis": "synth.log",
    "placement": "place.log",
    "sta": "sta.log",
    "routing": "route.log",
    "backanno": "post_sta.log",
    "migrate": "migrate.log",
    "drc": "drc.log",
    "lvs": "lvs.log",
    "gdsii": "gdsii.log",
}
#: The lines of a stage's log worth showing while it runs (else its newest line): qrouter's
#: own progress ("Nets remaining", stage banners), graywolf's iterations.
STAGE_PROGRESS = {
    "routing": re.compile(r"remaining|Progress|^\*\*\*|[Ff]ailed net|Running qrouter"),
    "placement": re.compile(r"iteration|Running|Placement|[Ss]tage"),
}
# Keys of project_vars.sh we let users (and repairs) set; values are written verbatim.
QFLOW_KEYS = (
    "initial_density",
    "fill_ratios",
    "graywolf_options",
    "addspacers_options",
    "route_layers",
    "via_stacks",
    "qrouter_options",
    "nofanout",
    "fanout_options",
    "yosys_options",
    "abc_script",
    "nobuffers",
    "inbuffers",
)
_SAFE_VALUE = re.compile(r"^[\w .,:=+\-/%]*$")


class QflowEngine(FlowEngine):
    name = "qflow"
    stages = STAGES
    stage_aliases = STAGE_ALIASES

    def __init__(self) -> None:
        #: flow dir -> the layout picture being drawn since its route stage ended (collect
        #: waits for it): the drawing overlaps the post-route stages instead of following them
        self._png_jobs: dict[Path, PngJob] = {}

    def default_config(self, design: DesignInput) -> dict[str, Any]:
        tech = design.pdk if design.pdk in TECHS else None
        if tech is None:
            raise UserInputError(
                f"the local engine has no PDK '{design.pdk}'",
                f"use flow.pdk: one of {', '.join(TECHS)} "
                "(or flow.engine: librelane for sky130/gf180)",
            )
        config: dict[str, Any] = {
            "tech": tech,
            "clock_period_ns": design.clock_period_ns,
            "stage_timeout_s": 1800,
        }
        for key, value in design.options.items():
            if key not in QFLOW_KEYS and key not in ("stage_timeout_s",):
                raise UserInputError(
                    f"unknown local-engine option '{key}'", f"known: {', '.join(QFLOW_KEYS)}"
                )
            if not _SAFE_VALUE.match(str(value)):
                raise UserInputError(
                    f"option {key} has characters qflow scripts cannot take",
                    "use plain numbers and words",
                )
            config[key] = value
        recipe = SynthRecipe.model_validate(design.synth_recipe or {})
        if not recipe.is_default:
            if config.get("abc_script") or config.get("yosys_options"):
                raise UserInputError(
                    "flow.options abc_script/yosys_options conflict with the synthesis recipe",
                    "set one or the other",
                )
            config["synth_recipe"] = recipe.model_dump()
        return config

    # -- inputs ---------------------------------------------------------------------------------
    def prepare(
        self, design: DesignInput, flow_dir: Path, config: dict[str, Any], sandbox: Sandbox
    ) -> None:
        for sub in ("source", "synthesis", "layout", "log", "tech"):
            (flow_dir / sub).mkdir(exist_ok=True)
            sandbox.make_writable(flow_dir / sub)
        names: dict[str, Path] = {}
        for src in design.rtl:
            if src.name in names and names[src.name] != src:
                raise UserInputError(
                    f"two RTL files are both named {src.name}",
                    "rename one: qflow keeps sources in one folder",
                )
            names[src.name] = src
            shutil.copyfile(src, flow_dir / "source" / src.name)
        # `include files from design.yaml's include_dirs: qflow's generated yosys script
        # takes no -I, and yosys looks beside the including file (source/) first.
        copy_include_files(design, flow_dir / "source")
        # $readmemh files the RTL reads: qflow's yosys runs in synthesis/, reading source/.
        for sub in ("source", "synthesis"):
            stage_data_files(sandbox.workspace, list(design.rtl), flow_dir / sub)
        file_list = flow_dir / "source" / f"{design.top}.fl"
        file_list.write_text("".join(f"{sandbox.inside(flow_dir / 'source' / n)}\n" for n in names))
        period_ps = round(float(config.get("clock_period_ns", design.clock_period_ns)) * 1000)
        lines = [
            "#!/usr/bin/tcsh -f",
            "# written by siliconcrew: edits are overwritten",
            f"set source_file_list = {sandbox.inside(file_list)}",
            "set is_system_verilog = 1",
            f'set vesta_options = "--period {period_ps} --summary reports --long"',
        ]
        lines += self._recipe_lines(design, flow_dir, config, sandbox)
        for key in QFLOW_KEYS:
            if config.get(key) is not None:
                value = config[key]
                lines.append(
                    f'set {key} = "{value}"' if " " in str(value) else f"set {key} = {value}"
                )
        (flow_dir / "project_vars.sh").write_text("\n".join(lines) + "\n")
        (flow_dir / "qflow_vars.sh").unlink(missing_ok=True)  # paths differ per backend
        # The tech LEF, copied out of the sandbox image for the picture and the metrics.
        tech = config["tech"]
        lef = flow_dir / "tech" / f"{tech}_stdcells.lef"
        if not lef.exists():
            sandbox.run(
                ["cp", f"{TECH_DIR}/{tech}/{tech}_stdcells.lef", sandbox.inside(lef)],
                cwd=flow_dir / "tech",
                timeout_s=60,
                log_name="copy-lef",
            )

    @staticmethod
    def _recipe_lines(
        design: DesignInput, flow_dir: Path, config: dict[str, Any], sandbox: Sandbox
    ) -> list[str]:
        """qflow's own synthesis runs the same recipe our pre-layout STA verified: the
        high-level part as `yosys_script` (it replaces qflow's `synth -top`), the cell mapping
        as `abc_script`. Without a recipe the script is qflow's own `synth -top`. Either way
        latches and async-load flops are legalized onto the library's cells first
        (seq_legalize), which qflow's script does not do, and tri-state drivers become the
        library's tri-state buffers (qflow's `synth` alone makes them constants)."""
        from siliconcrew.tools.seq_legalize import tristate_lines, write_tbuf_map

        folder = flow_dir / "recipe"
        folder.mkdir(exist_ok=True)
        # Flattened here, with the hierarchical net names ("add8_inst1.add4_inst1.Co_temp")
        # made private: qflow's rc2dly/vesta cannot look such names up after routing
        # ("Net ...Co_temp! not found in hash table" on a hierarchical adder).
        legalize = [
            *legalize_lines(
                sandbox.inside(write_latch_map(folder)), sandbox.inside(write_tbuf_map(folder))
            ),
            "rename -hide w:*.*",
        ]
        tristate = [
            *_parameter_lines(design),
            f"hierarchy -top {design.top}",
            *tristate_lines(True),
        ]
        script = folder / "high_level.ys"
        if not config.get("synth_recipe"):
            script.write_text(
                "\n".join([*tristate, f"synth -top {design.top} -flatten", *legalize]) + "\n"
            )
            return [f"set yosys_script = {sandbox.inside(script)}"]
        recipe = SynthRecipe.model_validate(config["synth_recipe"])
        inside = {k: sandbox.inside(v) for k, v in recipe.support_files(folder).items()}
        script.write_text(
            "\n".join([*tristate, recipe.high_level(design.top, True, inside), *legalize]) + "\n"
        )
        lines = [f"set yosys_script = {sandbox.inside(script)}"]
        if recipe.abc_script_text():
            lines.append(f'set abc_script = "{recipe.abc_script_text()}"')
        return lines

    # -- stages ---------------------------------------------------------------------------------
    def run_stage(
        self,
        stage: str,
        design: DesignInput,
        flow_dir: Path,
        config: dict[str, Any],
        sandbox: Sandbox,
        progress: Callable[[str], None] | None = None,
    ) -> StageResult:
        if stage == "gl_sim":
            return self._gate_level_sim(design, flow_dir, config["tech"], sandbox)
        log_file = flow_dir / "log" / STAGE_LOG[stage]
        argv = ["qflow", QFLOW_COMMAND.get(stage, stage), "-T", config["tech"], design.top]
        timeout_s = float(config.get("stage_timeout_s", 1800))
        if progress is None:
            res = sandbox.run(argv, cwd=flow_dir, timeout_s=timeout_s, log_name=stage)
        else:  # qflow tees each tool's output into log/<stage>.log as it runs
            with LogFollower(sandbox.workspace, [log_file], progress, STAGE_PROGRESS.get(stage)):
                res = sandbox.run(argv, cwd=flow_dir, timeout_s=timeout_s, log_name=stage)
        text = read_text_bounded(sandbox.workspace, log_file) if log_file.exists() else res.output
        top = design.top
        metrics: dict[str, Any] = {}
        diags: list[Diagnostic] = []
        problem: str | None = None
        if res.timed_out:
            problem = f"qflow {argv[1]} {res.killed_reason}"
        elif res.exit_code != 0:
            problem = f"qflow {argv[1]} exited with {res.exit_code}"
        if stage == "synthesis":
            metrics["synth__cell__count"] = logs.synth_cells(text)
            if not (flow_dir / "synthesis" / f"{top}.blif").exists():
                problem = problem or "synthesis produced no netlist"
        elif stage == "placement":
            if not (flow_dir / "layout" / f"{top}.def").exists():
                problem = problem or "placement produced no DEF"
        elif stage in ("sta", "backanno"):
            metrics.update(logs.timing_from_vesta(text, float(config["clock_period_ns"])))
            if (
                "timing__setup__ws" not in metrics
                and "clock__fmax_mhz" not in metrics
                and "Design meets timing requirements" not in text
            ):
                problem = problem or f"{stage}: no timing result in the log"
        elif stage == "routing":
            failed = logs.failed_routes(text)
            metrics["route__failed_nets"] = failed
            if failed is None:
                problem = problem or "route: qrouter gave no final result"
            elif failed > 0:
                problem = f"route: {failed} net(s) failed to route"
        elif stage == "migrate":
            mag = flow_dir / "layout" / f"{top}.mag"
            if not mag.exists():
                problem = problem or "migrate produced no magic database"
            elif not re.search(r"^use ", mag.read_text(errors="replace"), re.MULTILINE):
                # magic writes an empty cell when the routed DEF is missing or unreadable
                problem = problem or "migrate produced an empty layout (routed DEF unreadable?)"
        elif stage == "drc":
            count = logs.drc_count(text)
            metrics["magic__drc_error__count"] = count
            if count is None:
                problem = problem or "drc: no count in the log"
        elif stage == "lvs":
            errors = logs.lvs_errors(text)
            metrics["design__lvs_error__count"] = errors
            if errors is None:
                problem = problem or "lvs: no result in the log"
        elif stage == "gdsii":
            if not (flow_dir / "layout" / f"{top}.gds").exists():
                problem = problem or "gdsii produced no GDS"
        if problem:
            diags.append(Diagnostic(severity="error", code=f"qflow-{stage}", message=problem))
            diags += logs.error_diagnostics(text, stage)
        status = "failed" if problem else "ok"
        if stage == "routing" and status == "ok":
            self._start_png(design, flow_dir, config)
        summary = problem or self._stage_summary(stage, metrics)
        return StageResult(
            name=stage,
            status=status,
            log_path=str(log_file.relative_to(flow_dir))
            if log_file.exists()
            else str(res.log_path.relative_to(flow_dir)),
            metrics={k: v for k, v in metrics.items() if v is not None},
            diagnostics=diags,
            summary=summary,
        )

    @staticmethod
    def _stage_summary(stage: str, m: dict[str, Any]) -> str:
        if "timing__setup__ws" in m:
            return f"setup WS {m['timing__setup__ws']} ns, fmax {m.get('clock__fmax_mhz')} MHz"
        if stage == "routing":
            return "all nets routed"
        if stage == "drc":
            return f"{m.get('magic__drc_error__count')} DRC errors"
        if stage == "lvs":
            return f"{m.get('design__lvs_error__count')} LVS errors"
        return "done"

    def _gate_level_sim(
        self, design: DesignInput, flow_dir: Path, tech: str, sandbox: Sandbox
    ) -> StageResult:
        """Re-simulate the post-route netlist (with cell models) against the testbench, and the
        RTL against the same testbench: the verdict says which of the two fails and, when only
        one does, where their waveforms first differ (see `_gl_verdict`)."""
        if not design.testbench or not design.testbench_top:
            return StageResult(name="gl_sim", status="skipped", summary="no testbench")
        netlist = flow_dir / "synthesis" / f"{design.top}.rtlnopwr.v"
        if not netlist.exists():
            return StageResult(
                name="gl_sim",
                status="failed",
                summary="no post-route netlist (synthesis/<top>.rtlnopwr.v)",
            )
        sim_dir = flow_dir / "gl_sim"
        rtl_dir = sim_dir / "rtl"  # its own folder: a testbench's own $dumpfile name is reused
        for folder in (sim_dir, rtl_dir):
            folder.mkdir(exist_ok=True)
            sandbox.make_writable(folder)
            stage_data_files(sandbox.workspace, [*design.testbench, *design.rtl], folder)
        netlist, port_note = _netlist_in_rtl_port_order(design, netlist, sim_dir)
        # The testbench is the design's code: from here on it may write only in gl_sim/, so
        # the GDS, reports and logs the host reads afterwards are the flow's, not its own.
        sandbox.seal(flow_dir, keep_writable=[sim_dir])
        tb = [sandbox.inside(t) for t in design.testbench]
        pkgs = _rtl_packages(design, sim_dir, sandbox)
        cells = f"{TECH_DIR}/{tech}/{tech}_stdcells.v"
        gl = _run_testbench(
            design, sandbox, sim_dir, "gl", [*pkgs, *tb, sandbox.inside(netlist), cells]
        )
        binding = None
        if not gl.compiled:  # `dut.pc` in the testbench: bound to the netlist's bits if it can
            gl, binding = _observe_references(
                design, sandbox, sim_dir, netlist, gl, [*pkgs, *tb], cells
            )
        if not gl.compiled:
            return StageResult(
                name="gl_sim",
                status="failed",
                log_path=str(gl.log.relative_to(flow_dir)),
                summary="gate-level compile failed: "
                + gl.first
                + (f" ({port_note})" if port_note else ""),
                metrics={"gl_sim__elaborated": False},
            )
        # An RTL simulation is faster than the netlist's: one that hangs is not waited for long.
        rtl = _run_testbench(
            design,
            sandbox,
            rtl_dir,
            "rtl",
            [*(sandbox.inside(r) for r in design.rtl), *tb],
            timeout_s=min(600.0, max(60.0, 20 * gl.duration_s)),
        )
        return _with_binding_note(_gl_verdict(design, flow_dir, sandbox, gl, rtl), binding)

    # -- results --------------------------------------------------------------------------------
    @staticmethod
    def _layout_files(design: DesignInput, flow_dir: Path, tech: str) -> tuple[Path, Path, Path]:
        """(routed DEF, cell LEF, picture) of a flow folder."""
        return (
            flow_dir / "layout" / f"{design.top}.def",
            flow_dir / "tech" / f"{tech}_stdcells.lef",
            flow_dir / f"{design.top}.png",
        )

    def _start_png(self, design: DesignInput, flow_dir: Path, config: dict[str, Any]) -> None:
        """Start drawing the picture from the routed DEF (final from here on: the later stages
        read it, none rewrites it) while the post-route stages run in the sandbox."""
        def_path, lef, png = self._layout_files(design, flow_dir, config["tech"])
        earlier = self._png_jobs.pop(flow_dir, None)
        if earlier is not None:  # route ran again in this folder: never two writers of one PNG
            try:
                earlier.result()
            except PngError:
                pass
        if def_path.is_file() and lef.is_file():
            try:
                self._png_jobs[flow_dir] = start_png(def_path, [lef], png)
            except OSError:
                pass  # drawn in collect instead

    def collect(
        self, design: DesignInput, flow_dir: Path, stages: list[StageResult], sandbox: Sandbox
    ) -> tuple[dict[str, Any], dict[str, str]]:
        metrics: dict[str, Any] = {}
        for st in stages:  # later stages (post-route timing) override earlier ones
            metrics.update(st.metrics)
        top = design.top
        layout_dir = flow_dir / "layout"
        tech = json.loads((flow_dir / "flow_config.json").read_text())["tech"]
        _, lef, png = self._layout_files(design, flow_dir, tech)
        png_job = self._png_jobs.pop(flow_dir, None)
        artifacts: dict[str, str] = {}
        for key, path in (
            ("gds", layout_dir / f"{top}.gds"),
            ("def", layout_dir / f"{top}.def"),
            ("netlist", flow_dir / "synthesis" / f"{top}.rtlnopwr.v"),
            ("spef", flow_dir / "synthesis" / f"{top}.spef"),
            ("lvs_report", flow_dir / "log" / "lvs.log"),
            ("drc_report", flow_dir / "log" / "drc.log"),
        ):
            if path.exists():
                artifacts[key] = str(path)
        routed = any(s.name == "routing" and s.status in ("ok", "cached") for s in stages)
        if "def" in artifacts and lef.exists():
            with span("layout_metrics"):
                metrics.update(layout_metrics(Path(artifacts["def"]), [lef]))
            if routed:
                try:
                    with span("png", waited=png_job is not None):
                        # started when route ended; a resumed flow (route cached) starts it here
                        job = png_job or start_png(Path(artifacts["def"]), [lef], png)
                        artifacts["png"] = str(job.result())
                except Exception as exc:  # a picture must never fail the flow
                    metrics["png__error"] = (
                        str(exc) if isinstance(exc, PngError) else f"{type(exc).__name__}: {exc}"
                    )[:200]
        period = float(
            json.loads((flow_dir / "flow_config.json").read_text()).get(
                "clock_period_ns", design.clock_period_ns
            )
        )
        metrics["clock__period_ns"] = period
        ws = metrics.get("timing__setup__ws")
        if ws is not None and "clock__fmax_mhz" not in metrics and period - ws > 0:
            metrics["clock__fmax_mhz"] = round(1000.0 / (period - ws), 2)
        if ws is not None and not design.timing_required:
            metrics["timing__comb_delay_ns"] = round(period - ws, 4)
        return metrics, artifacts

    # -- repairs ----------------------------------------------------------------------------------
    def apply_action(
        self, action: str, params: dict[str, Any], config: dict[str, Any]
    ) -> dict[str, Any] | None:
        new = dict(config)
        if action in ("lower_density", "enlarge_die"):
            # qflow's decongest pads rows with fill to reach `initial_density`: lower density
            # means a larger core, which is also how a die is enlarged here.
            current = float(config.get("initial_density") or 0.75)
            step = float(params.get("step_pct", 10)) / 100.0
            if action == "enlarge_die":
                step = current - current / float(params.get("factor", 1.25))
            target = round(max(0.2, current - step), 3)
            if target >= current:
                return None
            new["initial_density"] = target
            return new
        if action == "routing_effort":
            # More metal layers is the only safe lever: stacked vias ("via_stacks all") made
            # magic report hundreds of DRC errors on osu018 in our runs.
            layers = int(config.get("route_layers") or 6)
            if layers >= 6:
                return None
            new["route_layers"] = layers + 1
            return new
        if action == "relax_clock":
            new["clock_period_ns"] = round(
                float(config["clock_period_ns"]) * float(params.get("factor", 1.1)), 4
            )
            return new
        return None


def _observe_references(
    design: DesignInput,
    sandbox: Sandbox,
    sim_dir: Path,
    netlist: Path,
    gl: _TbRun,
    before: list[str],
    cells: str,
) -> tuple[_TbRun, Any]:
    """A testbench that reads registers inside the design (`dut.pc`) did not compile against
    the flat netlist: bind them to the netlist's bit nets with observation wires in a copy
    (gl_observe) and compile again. When one cannot be bound, the first run's one-line
    diagnosis stays, with why."""
    from siliconcrew.engines.gl_observe import (
        bind_references,
        top_instances,
        unbound_references,
    )

    try:
        output = read_text_bounded(sandbox.workspace, gl.log)
    except (OSError, UnsafePath):
        return gl, None
    refs = unbound_references(output)
    if not refs:
        return gl, None
    binding = bind_references(
        netlist.read_text(errors="replace"),
        design.top,
        refs,
        top_instances(list(design.testbench), design.top),
        list(design.rtl),
        dict(design.parameters),
        design.testbench_top,
    )
    if binding.text is None:
        ref, why = next(iter(binding.refused.items()))
        gl.first += f" ({ref}: {why})"
        return gl, None
    observed = sim_dir / f"{design.top}.observed.v"
    try:
        _write_beneath(sandbox.workspace, observed, binding.text)
    except OSError:
        return gl, None
    again = _run_testbench(
        design, sandbox, sim_dir, "gl", [*before, sandbox.inside(observed), cells]
    )
    return again, binding


def _with_binding_note(result: StageResult, binding: Any) -> StageResult:
    """Say in the gl_sim summary which testbench references were bound to netlist nets."""
    if binding is None or not binding.bound:
        return result
    note = "testbench references bound to the netlist's register bits: " + binding.note()
    result.summary += f" ({note})"
    result.metrics["gl_sim__bound_references"] = dict(binding.bound)
    return result


def _parameter_lines(design: DesignInput) -> list[str]:
    """design.yaml's `parameters:` for qflow's own synthesis: our script runs after qflow's
    `hierarchy -top`, so the top is re-elaborated here with chparam (as our synthesize tool
    and LibreLane's SYNTH_PARAMETERS do) before the script's own `hierarchy -top`."""
    from siliconcrew.core.params import check_parameters, chparam_line

    line = chparam_line(design.top, check_parameters(design.parameters))
    return [line] if line else []


def _netlist_in_rtl_port_order(
    design: DesignInput, netlist: Path, sim_dir: Path
) -> tuple[Path, str | None]:
    """The post-route netlist with its header in the RTL's port order (a copy in sim_dir).

    qflow lists inputs before outputs; a testbench that connects the design by position
    (common in open-source IP) would otherwise fail to elaborate against a correct netlist.
    Returns the netlist to simulate and a note when the order could not be restored.
    """
    iface = read_module(list(design.rtl), design.top, include_dirs=design.include_dirs)
    order = None if isinstance(iface, str) else iface.names
    if not order:
        return netlist, "RTL port order unknown: ports connected by position may not match"
    text = netlist.read_text(errors="replace")
    fixed = reorder_module_ports(text, design.top, order)
    if fixed is None:
        return netlist, (
            "the netlist's ports differ from the RTL's "
            f"({', '.join(order)}): ports connected by position may not match"
        )
    if fixed == text:
        return netlist, None
    out = sim_dir / f"{design.top}.gl.v"
    out.write_text(fixed)
    return out, None


# -- gate-level simulation: the netlist and the RTL against the same testbench ------------------


@dataclass
class _TbRun:
    """One testbench run (RTL or netlist): compiled?, passed?, its first failing line."""

    label: str
    compiled: bool
    passed: bool
    first: str  # the first failing line (or the compile error)
    log: Path  # host path of the run's (or compile's) log
    vcd: Path | None  # the waveform of the testbench top's signals, when one was written
    vcd_note: str | None = None
    duration_s: float = 0.0
    #: parameters the testbench sets on an instance that has none (the flat netlist's top)
    unknown_params: list[str] = field(default_factory=list)


def _write_beneath(workspace: Path, path: Path, text: str) -> None:
    """Write a file in a folder the sandbox can write to, never through a link it planted."""
    fd = open_beneath(workspace, path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        raise UnsafePath(f"{path} is not a plain file (refused)")
    os.set_blocking(fd, True)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def _find_vcd(folder: Path, since: float) -> tuple[Path | None, str | None]:
    """Our dump, or (when the testbench opened its own $dumpfile first, which iverilog then
    keeps) the newest VCD the run wrote in its folder."""
    ours = folder / DUMP_FILE
    if ours.is_file() and not ours.is_symlink():
        return ours, None
    found = []
    try:
        for entry in os.scandir(folder):
            if entry.name.endswith(".vcd") and entry.is_file(follow_symlinks=False):
                mtime = entry.stat(follow_symlinks=False).st_mtime
                if mtime >= since - 1:
                    found.append((mtime, entry.name))
    except OSError:
        pass
    if found:
        name = max(found)[1]
        return folder / name, f"the testbench's own $dumpfile {name}"
    return None, "no waveform written"


def _run_testbench(
    design: DesignInput,
    sandbox: Sandbox,
    folder: Path,
    label: str,
    files: list[str],
    timeout_s: float = 600,
) -> _TbRun:
    """Compile and run the golden testbench with `files` (RTL or netlist + cells), with the
    dump module beside it, judged by the design's pass/fail patterns."""
    dump = folder / f"{DUMP_MODULE}.v"
    try:
        _write_beneath(sandbox.workspace, dump, dump_module_source(str(design.testbench_top)))
    except OSError as exc:  # a link or FIFO planted where it goes: nothing is run
        return _TbRun(label, False, False, f"cannot write {dump.name}: {exc}", dump, None)
    since = time.time()
    vvp = f"{label}.vvp"
    # GL is defined for the netlist run (the Caravel convention), so a testbench can keep
    # RTL-only lines (hierarchical peeks into the design) out of it with `ifndef GL
    defines = ["-DGL"] if label == "gl" else []
    comp = sandbox.run(
        [
            "iverilog",
            "-g2012",
            "-o",
            vvp,
            "-s",
            str(design.testbench_top),
            "-s",
            DUMP_MODULE,
            *defines,
            *(f"-I{sandbox.inside(d)}" for d in design.include_dirs),
            *files,
            sandbox.inside(dump),
        ],
        cwd=folder,
        timeout_s=300,
        log_name="compile",
    )
    if comp.exit_code != 0:
        return _TbRun(label, False, False, _compile_error(comp.output), comp.log_path, None)
    unknown_params = sorted({m.group(1) for m in _PARAM_NOT_FOUND.finditer(comp.output)})
    fail = DEFAULT_FAIL_PATTERNS if design.sim_fail_patterns is None else design.sim_fail_patterns
    fail_res = [re.compile(p, re.MULTILINE) for p in fail]
    pass_res = [re.compile(p, re.MULTILINE) for p in design.sim_pass_patterns or []]
    # Patterns are checked over the whole output, not the capped log.
    run = sandbox.run(
        ["vvp", "-n", vvp],
        cwd=folder,
        timeout_s=timeout_s,
        log_name="run",
        watch=[*fail_res, *pass_res],
    )
    bad = [f"{run.hits[rx.pattern][:160]}" for rx in fail_res if rx.pattern in run.hits]
    bad += [f"missing {rx.pattern!r}" for rx in pass_res if rx.pattern not in run.hits]
    passed = run.ok and not bad
    first = (
        bad[0]
        if bad
        else (run.killed_reason or (f"vvp exited with {run.exit_code}" if not run.ok else ""))
    )
    vcd, note = _find_vcd(folder, since)
    return _TbRun(
        label, True, passed, first, run.log_path, vcd, note, run.duration_s, unknown_params
    )


_PACKAGE = re.compile(r"^[ \t]*package\s+\w+\s*;.*?^[ \t]*endpackage\b[^\n]*", re.M | re.S)


def _rtl_packages(design: DesignInput, sim_dir: Path, sandbox: Sandbox) -> list[str]:
    """The RTL's SystemVerilog packages, for the netlist run: a testbench that does
    `import alu_pkg::*;` needs the package, which the netlist (modules only) does not carry.
    Only the package blocks are taken, never the RTL's modules (the netlist replaces them)."""
    blocks = []
    for f in design.rtl:
        try:
            text = f.read_text(errors="replace")
        except OSError:
            continue
        blocks += [m.group(0) for m in _PACKAGE.finditer(text)]
    if not blocks:
        return []
    out = sim_dir / "rtl_packages.sv"
    _write_beneath(sandbox.workspace, out, "\n\n".join(blocks) + "\n")
    return [sandbox.inside(out)]


_PARAM_NOT_FOUND = re.compile(r"warning: parameter (\w+) not found in \S+?\.?$", re.M)
_UNBOUND = re.compile(r"Unable to bind (?:wire/reg/memory|parameter) `([^']+)'")


def _compile_error(output: str) -> str:
    """The line that says why a testbench did not compile: a hierarchical reference into the
    design that the flat netlist lacks, else the first error (the cell library's 'choosing
    typ expression' warnings come first and say nothing)."""
    m = _UNBOUND.search(output)
    if m:
        ref = re.sub(r"\[.*", "", m.group(1))
        return (
            f"the testbench reads {ref} inside the design (a hierarchical reference); the "
            "post-route netlist is flat and has no such signal — keep such lines out of "
            "the gate-level run with `ifndef GL (the gate-level run defines GL)"
        )
    lines = output.strip().splitlines()
    errors = [ln for ln in lines if re.search(r"\berror\b|syntax error|^\S+:\d+: sorry", ln, re.I)]
    return ((errors or [ln for ln in lines if "warning:" not in ln] or lines or ["?"])[0])[:200]


_X_NOTE = "netlist X (uninitialised state or a zero-delay race at a clock edge)"


def _difference_text(cmp: Comparison, netlist_fails: bool) -> str:
    """'<signal> at <time> (rtl=.., netlist=..)' and what kind of difference it is."""
    d = cmp.difference
    if d is None:
        upto = f" up to {cmp.compared_to}" if cmp.compared_to else ""
        return f"none in the testbench top's signals at the end of any time step{upto}" + (
            f" ({cmp.note})" if cmp.note else ""
        )
    text = d.describe("rtl", "netlist")
    if d.x_in_b_only and d.time_fs == 0:
        # Before any input or clock edge: the RTL's value came from `initial` or a declaration.
        text += (
            " — netlist X from time 0 (uninitialised state: initial/declaration values do "
            "not synthesize, the state needs a reset)"
        )
    elif d.x_in_b_only:
        text += f" — {_X_NOTE}"
    elif d.x_in_a_only:
        text += " — RTL X where the netlist has a value"
    elif not d.net:
        text += (
            " — only testbench variables differ, the design's nets agree: a zero-delay "
            "race at a clock edge"
        )
    elif netlist_fails:
        text += (
            " — the design's nets differ (RTL that simulates unlike its synthesis, or a "
            "synthesis bug)"
        )
    k = cmp.known_difference
    if k is not None:
        text += f"; first with both known: {k.describe('rtl', 'netlist')}"
    return text


def _gl_verdict(
    design: DesignInput, flow_dir: Path, sandbox: Sandbox, gl: _TbRun, rtl: _TbRun
) -> StageResult:
    """RTL pass + netlist pass → ok; otherwise say which fails (RTL only: a
    simulation/synthesis mismatch; both: the RTL's own bug; netlist only: gate-level) with the
    first waveform difference when only one of them fails."""
    metrics: dict[str, Any] = {"gl_sim__passed": gl.passed}
    cmp: Comparison | None = None
    if rtl.compiled:
        metrics["gl_sim__rtl_passed"] = rtl.passed
        if rtl.passed != gl.passed:
            if rtl.vcd is None or gl.vcd is None:
                cmp = Comparison(
                    None,
                    None,
                    False,
                    "; ".join(f"{r.label}: {r.vcd_note}" for r in (rtl, gl) if r.vcd is None),
                )
            else:
                cmp = compare_vcds(sandbox.workspace, rtl.vcd, gl.vcd, str(design.testbench_top))
            if cmp.difference is not None:
                metrics["gl_sim__first_difference"] = cmp.difference.to_dict("rtl", "netlist")
                if cmp.known_difference is not None:
                    metrics["gl_sim__first_difference"]["then_known"] = (
                        cmp.known_difference.to_dict("rtl", "netlist")
                    )
    if not rtl.compiled:
        note = f"the RTL was not simulated here: {rtl.first}"
        summary = (
            f"post-route netlist passes the testbench ({note})"
            if gl.passed
            else f"post-route simulation failed ({gl.first}; {note})"
        )
    elif gl.passed and rtl.passed:
        summary = "post-route netlist and RTL both pass the testbench"
    elif gl.passed:
        assert cmp is not None
        summary = (
            f"simulation/synthesis mismatch: the RTL fails its testbench ({rtl.first}) "
            "but the post-route netlist passes — RTL and netlist behave differently; "
            f"first difference: {_difference_text(cmp, False)}"
        )
    elif not rtl.passed:
        summary = (
            f"the design fails its own testbench on the RTL too ({rtl.first}); the "
            f"post-route netlist fails it as well ({gl.first})"
        )
    else:
        assert cmp is not None
        summary = (
            f"post-route netlist fails the testbench the RTL passes; first difference: "
            f"{_difference_text(cmp, True)}; netlist run: {gl.first}"
        )
        defaults = [p for p in gl.unknown_params if p not in design.parameters]
        if defaults:
            names = ", ".join(defaults)
            summary = (
                f"the testbench overrides parameter {names} of {design.top}, but the "
                "post-route netlist is built with the RTL's default and has no "
                "parameters, so it runs another configuration than the RTL did (set "
                "parameters: {NAME: value} in design.yaml to build the testbench's "
                "value, or test with the default); " + summary
            )
    ok = gl.passed and (rtl.passed or not rtl.compiled)
    rel = lambda p: str(p.relative_to(flow_dir)) if p is not None else "none"  # noqa: E731
    lines = [summary]
    for r in (rtl, gl):
        state = "not compiled" if not r.compiled else "passed" if r.passed else "FAILED"
        lines.append(
            f"{r.label} run: {state}"
            + (f" ({r.first})" if r.first else "")
            + f"; log {rel(r.log)}; waveform {rel(r.vcd)}"
            + (f" ({r.vcd_note})" if r.vcd_note else "")
        )
    if cmp is not None:
        lines.append(
            "waveforms compared"
            + (f" up to {cmp.compared_to}" if cmp.compared_to else "")
            + f" over {cmp.signals} signal(s)"
            + (f": {cmp.note}" if cmp.note else "")
        )
    verdict = flow_dir / "gl_sim" / "verdict.log"
    try:
        _write_beneath(sandbox.workspace, verdict, "\n".join(lines) + "\n")
        log_path = rel(verdict)
    except OSError:
        log_path = rel(gl.log)
    diags = [] if ok else [Diagnostic(severity="error", code="gl_sim", message=summary)]
    return StageResult(
        name="gl_sim",
        status="ok" if ok else "failed",
        log_path=log_path,
        metrics=metrics,
        diagnostics=diags,
        summary=summary,
    )
