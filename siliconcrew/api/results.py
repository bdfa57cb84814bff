"""Typed results of the operations.

Each result's `model_dump()` (= `to_dict()`) is exactly what the CLI prints for `--json`, so
the CLI, chat, the MCP server and a batch runner all see one shape. Results built from an
internal `to_dict()` allow extra keys: a key the flows add later passes through unchanged.
`exit_code` is the CLI's exit code for the result, decided here so every front door agrees.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, RootModel, SerializeAsAny

from siliconcrew.tools.base import ToolResult


class ApiResult(BaseModel):
    """Base of every operation result; extra keys are kept in order after the declared ones."""

    model_config = ConfigDict(extra="allow")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()

    def get(self, key: str, default: Any = None) -> Any:
        """A key of the JSON, declared or extra (extra keys vary with the flow)."""
        if key in type(self).model_fields:
            return getattr(self, key)
        return (self.model_extra or {}).get(key, default)

    @property
    def exit_code(self) -> int:
        return 0


# ------------------------------------------------------------------------------------- design
class DesignInfo(ApiResult):
    """A checked design.yaml: enough to name the design before any work starts."""

    name: str
    top: str
    folder: str
    has_rtl: bool
    warnings: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------------------- tools
class ToolInfo(ApiResult):
    name: str
    description: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    origin: str
    read_only: bool

    @property
    def inputs(self) -> list[str]:
        """Input names, optional ones marked `?` (what `tools list` shows)."""
        req = set(self.parameters.get("required", []))
        return [p + ("" if p in req else "?") for p in self.parameters.get("properties", {})]


class PluginErrorInfo(ApiResult):
    entry_point: str
    error: str


class ToolList(ApiResult):
    tools: list[ToolInfo] = Field(default_factory=list)
    plugin_errors: list[PluginErrorInfo] = Field(default_factory=list)

    def names(self) -> list[str]:
        return [t.name for t in self.tools]


class ToolCallResult(ToolResult):
    """A tool's ToolResult (same fields, same JSON) with the exit code of `tools run`."""

    @classmethod
    def of(cls, result: ToolResult) -> ToolCallResult:
        return cls.model_construct(
            _fields_set=result.model_fields_set,
            **{k: getattr(result, k) for k in ToolResult.model_fields},
        )

    @property
    def refused(self) -> bool:
        """Refused before the tool did anything (bad path, missing file, no sandbox)."""
        return self.failure in ("input", "sandbox")

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else {"input": 2, "sandbox": 3}.get(self.failure or "", 1)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


# -------------------------------------------------------------------------------------- harden
class HardenResult(ApiResult):
    """flows.harden's HardenReport as JSON. Exit code: 0 signoff clean, 4 stopped early as
    asked (--to), 1 failed."""

    status: str
    engine: str
    run_id: str
    run_dir: str
    flow_dir: Any = None
    stages: list[dict[str, Any]] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    artifacts: dict[str, Any] = Field(default_factory=dict)
    config: Any = None
    repairs: list[dict[str, Any]] = Field(default_factory=list)
    outcome: str = ""
    message: str = ""
    failure_classes: list[str] = Field(default_factory=list)
    send_back: dict[str, Any] | None = None
    next_action: dict[str, Any] | None = None
    permission_needed: list[Any] = Field(default_factory=list)

    @property
    def failed_stage(self) -> dict[str, Any] | None:
        return next((s for s in self.stages if s.get("status") == "failed"), None)

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "partial": 4}.get(self.status, 1)


# --------------------------------------------------------------------------------------- check
class CheckStep(BaseModel):
    step: str
    skipped: str | None = None
    result: SerializeAsAny[ToolResult] | None = None


class CheckResult(ApiResult):
    """`check`: the deterministic steps, then hardening when every step passed."""

    run_id: str
    run_dir: str
    ok: bool
    warnings: list[str] = Field(default_factory=list)
    steps: list[CheckStep] = Field(default_factory=list)
    harden: HardenResult | None = None

    @property
    def checks_ok(self) -> bool:
        """The steps alone passed (`ok` also needs a clean hardening when it ran)."""
        return all(s.result is None or s.result.ok for s in self.steps)

    @property
    def backend(self) -> str | None:
        first = self.steps[0].result if self.steps else None
        return first.backend if first is not None else None

    @property
    def input_refusal(self) -> str | None:
        """`step: why` of the first step that refused its input (e.g. a path outside the
        folder): the one-line error a failed check reports, like `tools run`."""
        for s in self.steps:
            if s.result is not None and s.result.failure == "input":
                return f"{s.step}: {s.result.summary}"
        return None

    @property
    def exit_code(self) -> int:
        if self.ok:
            return 0
        return 2 if self.input_refusal else 1


# ----------------------------------------------------------------------------------- integrate
class IntegrateResult(ApiResult):
    """`integrate`: the harness-shaped folder and the checks run on it here."""

    run_id: str
    run_dir: str
    target: str
    folder: str
    ok: bool
    steps: list[CheckStep] = Field(default_factory=list)
    register_map: dict[str, Any] | None = None
    pinout: dict[str, str] | None = None
    trace_samples: int = 0
    mapping: str | None = None  # default | design.yaml | llm (the integration agent's)
    mapping_note: str | None = None
    # the design's `include files carried into the harness's source folder (paths there)
    include_files: list[str] = Field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


# ----------------------------------------------------------------------------------------- run
class RunResult(ApiResult):
    """`run`: the agent graph's outcome (graph.runner's GraphRun as JSON)."""

    run_id: str
    run_dir: str
    status: str | None = None
    reason: str | None = None
    nodes: list[dict[str, Any]] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    artifacts: dict[str, Any] = Field(default_factory=dict)
    llm: dict[str, Any] = Field(default_factory=dict)
    iterations: dict[str, Any] = Field(default_factory=dict)
    notes: list[Any] = Field(default_factory=list)
    plan: Any = None
    timing_attempts: list[Any] = Field(default_factory=list)
    # remembered recipes: key, tried, closed (pre-layout), confirmed (post-route), stored,
    # demoted (its failure counted on its insight), memory_notes (skipped recipes, why)
    timing_memory: dict[str, Any] | None = None
    synth_recipe: Any = None
    clock_period_ns: float | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1


# -------------------------------------------------------------------------------------- timing
class TimingResult(ApiResult):
    """`timing`: figures, worst paths with their RTL lines and causes. The keys differ between
    a design analysis and a given report, so they are all kept as they come."""

    @property
    def met(self) -> bool | None:
        return self.get("met")

    @property
    def paths(self) -> list[dict[str, Any]]:
        return self.get("paths") or []

    @property
    def exit_code(self) -> int:
        return 0 if self.met else 1


class TimingRepairResult(ApiResult):
    """`timing --repair`: timing.repair's RepairReport plus `iterations`; `report` is the
    typed report itself (attempts as objects) for renderers."""

    _report: Any = PrivateAttr(default=None)

    @classmethod
    def of(cls, report) -> TimingRepairResult:
        res = cls.model_validate({**report.model_dump(), "iterations": report.iterations})
        res._report = report
        return res

    @property
    def report(self):
        return self._report

    @property
    def exit_code(self) -> int:
        return 0 if self.get("closed") else 1


# ------------------------------------------------------------------------------------- sandbox
class DoctorResult(ApiResult):
    """`sandbox doctor`: backend in use, docker and local status, tool versions, problems."""

    @property
    def ok(self) -> bool:
        return bool(self.get("ok"))

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


class ImageBuildResult(ApiResult):
    """`sandbox build`: {image, image_id, ..., built}; built is False when up to date."""

    @property
    def built(self) -> bool:
        return bool(self.get("built"))


class PruneResult(ApiResult):
    removed: int


# ------------------------------------------------------------------------------ knowledge base
class KbHit(ApiResult):
    id: str
    collection: str
    source: str
    title: str
    text: str
    score: float


class KbHits(RootModel[list[KbHit]]):
    """A list of hits (the JSON is a list)."""

    def to_dict(self) -> list[dict[str, Any]]:
        return self.model_dump()

    def __iter__(self):
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    def __getitem__(self, i: int) -> KbHit:
        return self.root[i]


class IngestItem(ApiResult):
    path: str
    status: str
    chunks: int = 0
    collection: str = ""
    encoding: str = ""
    reason: str = ""


class IngestResults(RootModel[list[IngestItem]]):
    def to_dict(self) -> list[dict[str, Any]]:
        return self.model_dump()

    def __iter__(self):
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)


class KbStats(ApiResult):
    """{location, path, remote, counts, sources, size_bytes, seed}, as the store reports."""


class KbDoctorResult(ApiResult):
    """Embedding route and whether the store opens; exit code 1 when either is broken."""

    @property
    def exit_code(self) -> int:
        store = self.get("store") or {}
        return 0 if self.get("ok") and store.get("ok") else 1


class KbSeedResult(ApiResult):
    """{files, chunks, by_collection, ...} of the seed corpus just loaded."""


# ------------------------------------------------------------------------------ report, bench
class ReportResult(ApiResult):
    report: str


class BenchResult(ApiResult):
    """A VerilogEval run: to_dict of the bench report plus `llm` usage; saved as
    results.json in `results_path`'s folder."""

    _results_path: str = PrivateAttr(default="")

    @property
    def results_path(self) -> str:
        return self._results_path
