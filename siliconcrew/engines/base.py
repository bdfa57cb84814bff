"""The flow-engine contract: stages run in the sandbox, results in LibreLane's metric names.

An engine turns a design (top, RTL, clock, PDK, options) into layout through named stages.
The shared `run_flow` loop gives every engine the same behaviour: run from/to a named stage,
skip stages a previous attempt finished (resume), persist each stage's result at once
(`stages.json`) so a crash loses nothing, report progress.

Abstract repair actions (see hardening/policies.py and repair_loop.py) are applied by each
engine to its own configuration keys through `apply_action`; an engine that cannot express an
action returns None and the repair loop moves on to the next one.
"""

from __future__ import annotations

import abc
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.profile import span
from siliconcrew.sandbox.base import Sandbox
from siliconcrew.tools.base import Diagnostic

StageStatus = Literal["ok", "failed", "skipped", "cached"]

# The common metric vocabulary (LibreLane names). Engines fill what they can measure.
METRIC_NAMES = (
    "timing__setup__ws",
    "timing__setup__tns",
    "timing__hold__ws",
    "timing__hold__tns",
    "design__instance__count",
    "design__instance__area",
    "design__die__area",
    "design__core__area",
    "design__instance__utilization",
    "route__drc_errors",
    "route__wirelength",
    "route__failed_nets",
    "magic__drc_error__count",
    "design__lvs_error__count",
    "antenna__violating__nets",
    "clock__fmax_mhz",
)


class DesignInput(BaseModel):
    """What an engine needs from design.yaml, with host paths inside the workspace."""

    name: str
    top: str
    rtl: list[Path]
    clock_port: str | None = None
    clock_period_ns: float = 10.0
    #: False when design.yaml has no clock: the period is then a generous stand-in and the
    #: longest path is reported (timing__comb_delay_ns), not judged
    timing_required: bool = True
    pdk: str = "osu018"
    testbench: list[Path] = Field(default_factory=list)
    testbench_top: str | None = None
    #: design.yaml's include_dirs (host paths): `include search dirs of the RTL and testbench
    include_dirs: list[Path] = Field(default_factory=list)
    sim_pass_patterns: list[str] | None = None
    sim_fail_patterns: list[str] | None = None
    options: dict[str, Any] = Field(default_factory=dict)  # engine config overrides
    # SynthRecipe fields (design.yaml `synthesis:` or a timing repair); {} = plain synthesis
    synth_recipe: dict[str, Any] = Field(default_factory=dict)
    #: design.yaml's `parameters:`: top-level parameter values the engine's synthesis builds
    parameters: dict[str, int | str] = Field(default_factory=dict)


#: what an include dir holds that an `include may name
INCLUDE_SUFFIXES = (".vh", ".svh", ".h", ".inc", ".v", ".sv")


def include_dir_files(design: DesignInput) -> list[tuple[Path, str]]:
    """(file, path relative to its include dir) for every includable file under design.yaml's
    include_dirs. The engines copy the RTL into one flat folder where yosys looks for an
    include first (beside the including file), so these go there too, sub-folders kept
    (`include "sub/defs.vh"`)."""
    out: list[tuple[Path, str]] = []
    for d in design.include_dirs:
        for f in sorted(d.rglob("*")):
            rel = f.relative_to(d)
            if f.is_file() and f.suffix in INCLUDE_SUFFIXES and "runs" not in rel.parts:
                out.append((f, rel.as_posix()))
    return out


def copy_include_files(design: DesignInput, dest: Path) -> None:
    """Copy include_dir_files into `dest`; a different file already there under the same
    name (two include dirs, or an RTL file) is refused: which one yosys read would be luck."""
    import shutil

    for f, rel in include_dir_files(design):
        target = dest / rel
        if target.exists():
            if target.read_bytes() != f.read_bytes():
                raise UserInputError(
                    f"two different files would be '{rel}' for the flow "
                    f"({f} and another RTL or include file)",
                    "rename one: the flow keeps sources in one folder",
                )
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)


class StageResult(BaseModel):
    name: str
    status: StageStatus
    duration_s: float = 0.0
    log_path: str | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    artifacts: dict[str, str] = Field(default_factory=dict)
    summary: str = ""


class FlowResult(BaseModel):
    engine: str
    # ok: signoff clean; partial: the requested stages passed but signoff was not reached
    # (--to before the last stage); failed: a stage failed or signoff is not clean.
    status: Literal["ok", "failed", "partial"]
    run_dir: str
    stages: list[StageResult]
    metrics: dict[str, Any] = Field(default_factory=dict)
    artifacts: dict[str, str] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)

    @property
    def failed_stage(self) -> StageResult | None:
        return next((s for s in self.stages if s.status == "failed"), None)


#: (stage, "running" | "ok" | "failed" | "cached" | "progress: <elapsed> · <newest log line>");
#: "progress: ..." comes every few seconds while a long stage runs (a spinner line, not a result).
ProgressFn = Callable[[str, str], None]
PROGRESS_PREFIX = "progress: "


class FlowEngine(abc.ABC):
    name: str
    stages: tuple[str, ...]
    #: older names of stages, still accepted for --from/--to and in saved stage state
    stage_aliases: dict[str, str] = {}

    def stage_name(self, name: str) -> str:
        return self.stage_aliases.get(name, name)

    @abc.abstractmethod
    def default_config(self, design: DesignInput) -> dict[str, Any]:
        """The engine's configuration for a design, before user overrides."""

    @abc.abstractmethod
    def prepare(
        self, design: DesignInput, flow_dir: Path, config: dict[str, Any], sandbox: Sandbox
    ) -> None:
        """Write the engine's inputs (sources, config files) into flow_dir. Idempotent."""

    @abc.abstractmethod
    def run_stage(
        self,
        stage: str,
        design: DesignInput,
        flow_dir: Path,
        config: dict[str, Any],
        sandbox: Sandbox,
        progress: Callable[[str], None] | None = None,
    ) -> StageResult:
        """Run one stage in the sandbox and parse its outputs; `progress(text)` is called now
        and then while a long stage runs (elapsed time and the stage log's newest line)."""

    @abc.abstractmethod
    def collect(
        self, design: DesignInput, flow_dir: Path, stages: list[StageResult], sandbox: Sandbox
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Final metrics (LibreLane names) and artefacts (gds, def, netlist, png, ...)."""

    def required_image(self, design: DesignInput) -> str | None:
        """A sandbox image this engine needs for the design (None: the configured one)."""
        return None

    def apply_action(
        self, action: str, params: dict[str, Any], config: dict[str, Any]
    ) -> dict[str, Any] | None:
        """A new config with the abstract repair action applied, or None if not expressible."""
        return None

    def signoff_clean(self, metrics: dict[str, Any], artifacts: dict[str, str]) -> bool:
        """GDS exists, DRC 0, LVS clean and no setup/hold violation (`harden`'s exit rule)."""

        def non_negative(key: str) -> bool:
            value = metrics.get(key)
            return value is None or value >= 0

        return (
            bool(artifacts.get("gds"))
            and metrics.get("magic__drc_error__count", 1) == 0
            and metrics.get("design__lvs_error__count", 1) == 0
            and metrics.get("route__drc_errors", 0) in (0, None)
            and non_negative("timing__setup__ws")
            and non_negative("timing__hold__ws")
        )

    def stage_range(self, from_stage: str | None, to_stage: str | None) -> list[str]:
        from_stage = self.stage_name(from_stage) if from_stage else None
        to_stage = self.stage_name(to_stage) if to_stage else None
        for s in (from_stage, to_stage):
            if s is not None and s not in self.stages:
                raise UserInputError(
                    f"unknown stage '{s}' for the {self.name} engine",
                    f"stages: {', '.join(self.stages)}",
                )
        i = self.stages.index(from_stage) if from_stage else 0
        j = self.stages.index(to_stage) if to_stage else len(self.stages) - 1
        if i > j:
            raise UserInputError(f"--from {from_stage} comes after --to {to_stage}", "swap them")
        return list(self.stages[i : j + 1])


def _load_stage_state(flow_dir: Path) -> dict[str, StageResult]:
    path = flow_dir / "stages.json"
    if not path.exists():
        return {}
    try:
        return {k: StageResult.model_validate(v) for k, v in json.loads(path.read_text()).items()}
    except (ValueError, TypeError):
        return {}


def _save_stage_state(flow_dir: Path, state: dict[str, StageResult]) -> None:
    tmp = flow_dir / "stages.json.tmp"
    tmp.write_text(json.dumps({k: v.model_dump() for k, v in state.items()}, indent=2))
    tmp.replace(flow_dir / "stages.json")


def run_flow(
    engine: FlowEngine,
    design: DesignInput,
    flow_dir: Path,
    sandbox: Sandbox,
    config: dict[str, Any],
    *,
    from_stage: str | None = None,
    to_stage: str | None = None,
    progress: ProgressFn | None = None,
) -> FlowResult:
    """Run the engine's stages; resume-aware (finished stages before --from are kept)."""
    with span("prepare"):
        flow_dir.mkdir(parents=True, exist_ok=True)
        sandbox.make_tree_writable(flow_dir)  # a continued run writes where a sealed one left
        wanted = engine.stage_range(from_stage, to_stage)
        state = {
            engine.stage_name(k): v.model_copy(update={"name": engine.stage_name(v.name)})
            for k, v in _load_stage_state(flow_dir).items()
        }
        (flow_dir / "flow_config.json").write_text(json.dumps(config, indent=2, default=str))
        engine.prepare(design, flow_dir, config, sandbox)
    results: list[StageResult] = []
    failed = False
    for stage in engine.stages:
        if stage not in wanted:
            prev = state.get(stage)
            if (
                prev is not None
                and prev.status in ("ok", "cached")
                and engine.stages.index(stage) < engine.stages.index(wanted[0])
            ):
                results.append(prev.model_copy(update={"status": "cached"}))
                if progress:
                    progress(stage, "cached")
            continue
        if failed:
            results.append(
                StageResult(name=stage, status="skipped", summary="an earlier stage failed")
            )
            continue
        if progress:
            progress(stage, "running")
        t0 = time.perf_counter()
        detail = (lambda text, _s=stage: progress(_s, PROGRESS_PREFIX + text)) if progress else None
        with span("stage", stage=stage):
            res = engine.run_stage(stage, design, flow_dir, config, sandbox, progress=detail)
        res.duration_s = round(time.perf_counter() - t0, 3)
        state[stage] = res
        with span("save_state", stage=stage):
            _save_stage_state(flow_dir, state)
        results.append(res)
        if progress:
            progress(stage, res.status)
        failed = res.status == "failed"
    with span("collect"):
        metrics, artifacts = engine.collect(design, flow_dir, results, sandbox)
    if failed:
        status = "failed"
    elif wanted[-1] != engine.stages[-1]:
        status = "partial"
    else:
        status = "ok" if engine.signoff_clean(metrics, artifacts) else "failed"
    return FlowResult(
        engine=engine.name,
        status=status,
        run_dir=str(flow_dir),
        stages=results,
        metrics=metrics,
        artifacts=artifacts,
        config=config,
    )
