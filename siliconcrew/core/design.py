"""design.yaml: the design card every command starts from (see README, "design.yaml").

Validated with pydantic so a typo in a key or a missing file is a one-line error naming the
key, not a stack trace twenty steps later. Unknown keys are refused with the closest known
one (a typo like `verifcation:` would otherwise drop a whole section silently); a new key is
added to the model (extend, don't break). Names and file paths are checked here too, because
they end up in shell, Tcl and yosys scripts and in file names: the same rules for every
command, before anything runs.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from siliconcrew.core.errors import PathOutsideWorkspace, UserInputError
from siliconcrew.core.names import IDENT, engine_name, pdk_problem
from siliconcrew.core.params import ParamValue, parameter_problem
from siliconcrew.core.recipe import SynthRecipe
from siliconcrew.core.workspace import resolve_inside

DESIGN_FILE = "design.yaml"
# The sta tool's bound on the clock period: the model applies it so check, harden, run and
# timing all accept or refuse the same design.yaml.
MAX_PERIOD_NS = 1e6
MAX_SIM_TIMEOUT_S = 24 * 3600  # the simulate tool's bound, for the same reason
# Characters a design file name may have: qflow's shell scripts and LibreLane's Tcl split or
# interpret anything else (a space passes `check`, then breaks `harden` and blames the RTL).
SAFE_PATH = re.compile(r"^[A-Za-z0-9._/+-]+$")
DEFAULT_HINT = "see README 'design.yaml' for the keys"


def _refused(message: str, hint: str) -> PydanticCustomError:
    """A validation error that carries its own fix; load_design prints it as one line."""
    return PydanticCustomError("siliconcrew", "{message}", {"message": message, "hint": hint})


def _identifier(value: str) -> str:
    """Module and port names go into yosys/Tcl scripts and file names (`<top>.fl`): only a
    plain Verilog identifier is safe in all of them (`../x` or `a;b` would escape)."""
    if value.startswith("\\"):
        raise _refused(
            f"escaped identifier '{value}' is not supported",
            "rename it to a plain identifier (letters, digits, _ and $)",
        )
    if not IDENT.match(value):
        raise _refused(
            f"'{value}' is not a Verilog identifier",
            "use letters, digits, _ and $ only, starting with a letter or _",
        )
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]


def _refuse_unknown_keys(data: Any, model: type[BaseModel]) -> Any:
    """Unknown keys are typos far more often than extensions: name the key and the closest
    known one instead of silently ignoring what the user meant to configure."""
    if not isinstance(data, dict):
        return data
    known = list(model.model_fields)
    for key in data:
        if key in model.model_fields:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
        raise _refused(f"unknown key '{key}'", hint)
    return data


class ClockSpec(BaseModel):
    """The clock and the I/O timing around it, as LibreLane constrains a design.

    `io_delay_pct`: input and output delay, in percent of the period, on every input but the
    clock and on every output, for both min and max analysis (LibreLane's
    IO_DELAY_CONSTRAINT, 20 % by default). 0 analyses I/O paths as if the outside world were
    ideal (the figures before this key existed).
    `uncertainty_ns`: set_clock_uncertainty, for setup and hold. LibreLane's default is 0.25 ns
    (CLOCK_UNCERTAINTY_CONSTRAINT); ours is 0 because our STA is pre-layout with ideal
    clocks: a fixed 0.25 ns would take 7-12 % of the 2-3.4 ns periods the calibrated timing
    set (benchmarks/timing_designs) and the tests are measured at, and it turns the
    register-to-register hold slack of 10 of those 12 designs negative (≈0.17 ns of
    clock-to-Q against 0.25 ns), a warning on nearly every design before CTS has even run.
    Set 0.25 to match LibreLane's margin.
    """

    model_config = ConfigDict(extra="forbid")
    port: Identifier | None = None
    period_ns: float = Field(10.0, gt=0, le=MAX_PERIOD_NS)
    io_delay_pct: float = Field(20.0, ge=0, le=100)
    uncertainty_ns: float = Field(0.0, ge=0)

    def sta_constraints(self, period_ns: float | None = None) -> dict:
        """The `sta` tool's clock and I/O inputs for this clock (at `period_ns` if given)."""
        p = period_ns or self.period_ns
        io = round(p * self.io_delay_pct / 100.0, 6)
        return {
            "clock_port": self.port,
            "clock_period_ns": p,
            "input_delay_ns": io,
            "output_delay_ns": io,
            "clock_uncertainty_ns": self.uncertainty_ns,
        }


class FlowSpec(BaseModel):
    """The flow engine and PDK; `options` is free-form (each engine checks its own keys)."""

    model_config = ConfigDict(extra="forbid")
    engine: str = "qflow"
    pdk: str = "osu018"
    options: dict[str, Any] = Field(default_factory=dict)
    _old_engine_name: str | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        return _refuse_unknown_keys(data, cls)

    @field_validator("options", mode="before")
    @classmethod
    def _no_options(cls, v: Any) -> Any:
        return {} if v is None else v

    @model_validator(mode="after")
    def _known_pdk(self) -> FlowSpec:
        """Refuse a PDK the engine cannot use at load time, not after a synthesis failure;
        `local` (the qflow engine's old name) is read as `qflow` and reported as a warning."""
        try:
            name = engine_name(self.engine)
        except UserInputError as exc:
            raise _refused(exc.message, exc.hint) from None
        if name != self.engine:
            self._old_engine_name, self.engine = self.engine, name
        problem = pdk_problem(self.engine, self.pdk)
        if problem:
            raise _refused(*problem)
        return self


class VerificationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    top: Identifier | None = None
    simulator: Literal["icarus", "verilator"] = "icarus"
    timeout_s: float = Field(60, gt=0, le=MAX_SIM_TIMEOUT_S)
    pass_patterns: list[str] | None = None
    fail_patterns: list[str] | None = None
    # With no golden test, the language the verification agent writes its own in.
    own_testbench: Literal["verilog", "cocotb"] = "verilog"

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        return _refuse_unknown_keys(data, cls)


class TestbenchSpec(BaseModel):
    """`testbench:` as a mapping: Verilog `files` and/or golden `cocotb` test modules (.py)
    that drive `toplevel` (the design's top by default). Golden cocotb tests are read-only
    to agents and judged from cocotb's results.xml, like a Verilog testbench's patterns."""

    model_config = ConfigDict(extra="forbid")
    files: list[str] = Field(default_factory=list)
    cocotb: list[str] = Field(default_factory=list)
    toplevel: Identifier | None = None
    simulator: Literal["icarus", "verilator"] = "icarus"

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        return _refuse_unknown_keys(data, cls)

    @field_validator("files", "cocotb", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, str) else (v or [])

    @field_validator("cocotb")
    @classmethod
    def _python_modules(cls, paths: list[str]) -> list[str]:
        for path in paths:
            stem = Path(path).name.removesuffix(".py")
            identifier = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", stem)
            if not (path.endswith(".py") and identifier and SAFE_PATH.match(path)):
                raise _refused(
                    f"cocotb test '{path}' is not a Python module file",
                    "give a .py file whose name is a Python identifier (e.g. tests/test_top.py)",
                )
        return paths

    @field_validator("simulator")
    @classmethod
    def _simulator_here(cls, v: str) -> str:
        if v == "verilator":
            # cocotb 2.x needs Verilator >= 5.036; Debian 12 (the sandbox image) has 5.006.
            raise _refused(
                "cocotb with verilator needs Verilator 5.036 or newer; the sandbox has 5.006",
                "use testbench: {simulator: icarus}",
            )
        return v


class TimingSpec(BaseModel):
    """`timing:`: what a timing repair may change beyond synthesis. `latency: free` lets it
    add output register stages (pipelining, moved into the logic by retiming); `valid` names
    the output that marks results (found by name when unset); None = read the spec's own
    `Latency: free|fixed` line (fixed when it says nothing)."""

    model_config = ConfigDict(extra="forbid")
    latency: Literal["fixed", "free"] | None = None
    valid: Identifier | None = None
    max_added_latency: int = Field(3, ge=1, le=8, description="register stages pipelining may add")

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        return _refuse_unknown_keys(data, cls)


MAX_CANDIDATES = 32  # best-of-N answers per RTL attempt (each is linted and simulated)


class RtlSpec(BaseModel):
    """`rtl:` as a mapping: `{files: [...], candidates: N}`. `candidates` > 1 asks the RTL
    agent for N answers at a higher temperature and keeps the one simulation picks (see
    agents/candidates.py); 1 (the default) is the single answer of before."""

    model_config = ConfigDict(extra="forbid")
    files: list[str] = Field(default_factory=list)
    candidates: int = Field(1, ge=1, le=MAX_CANDIDATES)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        return _refuse_unknown_keys(data, cls)

    @field_validator("files", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, str) else (v or [])


class IntegrationSpec(BaseModel):
    """`integration:`: wrap the design for a shuttle (`siliconcrew integrate`, and the run
    graph's integrate node). `base`: the Wishbone bridge's address (Caravel user area);
    `pins`: ports mapped straight to Caravel pads or logic-analyzer bits
    (`{count: "io[15:8]", en: "la[0]"}`) instead of bridge registers, or to Tiny Tapeout
    pins (`{count: "uo[7:0]", en: "ui[0]"}`); `reset`: the reset input when its name is not
    a conventional one (rst, rst_n, reset, ...)."""

    model_config = ConfigDict(extra="forbid")
    target: Literal["caravel", "tinytapeout"]
    base: int = Field(0x3000_0000, ge=0x3000_0000, lt=0x4000_0000)
    pins: dict[str, str] = Field(default_factory=dict)
    reset: Identifier | None = None

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        return _refuse_unknown_keys(data, cls)


MAX_EXPLORE_SAMPLES = 1000


class ExploreSpec(BaseModel):
    """`explore:` — what `siliconcrew explore` searches (see siliconcrew/explore/space.py).

    `space` maps dotted paths into this design.yaml's own keys (`clock.period_ns`,
    `flow.options.initial_density`, `synthesis.abc_script`, `parameters.WIDTH`) to one
    sampler each (`{uniform: [lo, hi]}`, `{randint: [lo, hi]}`, `{choice: [...]}`); the
    samplers are checked by `explore` itself, so a typo there never stops other commands."""

    model_config = ConfigDict(extra="forbid")
    space: dict[str, Any] = Field(default_factory=dict)
    objective: Literal["fmax", "area", "score"] = "score"
    samples: int = Field(8, ge=1, le=MAX_EXPLORE_SAMPLES)
    seed: int = Field(0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        return _refuse_unknown_keys(data, cls)

    @field_validator("space", mode="before")
    @classmethod
    def _no_space(cls, v: Any) -> Any:
        return {} if v is None else v


class Design(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Identifier
    top: Identifier
    spec: str | None = "spec.md"
    rtl: list[str] = Field(default_factory=list)
    # The options of `rtl:` given as a mapping (`rtl: {files: [...], candidates: 4}`); not a
    # key of its own in design.yaml (refused there: write them under `rtl:`).
    rtl_options: RtlSpec = RtlSpec()
    testbench: list[str] = Field(default_factory=list)
    # `testbench:` given as a mapping (`{files: [...], cocotb: [...], toplevel: ...}`); not a
    # key of its own in design.yaml (like rtl_options).
    testbench_options: TestbenchSpec = TestbenchSpec()
    include_dirs: list[str] = Field(default_factory=list)
    clock: ClockSpec = ClockSpec()
    flow: FlowSpec = FlowSpec()
    verification: VerificationSpec = VerificationSpec()
    # Synthesis-side timing knobs; `siliconcrew timing --repair` prints the ones that work.
    synthesis: SynthRecipe = SynthRecipe()
    # What a timing repair may change beyond synthesis (latency free: pipelining).
    timing: TimingSpec = TimingSpec()
    # Top-level parameter values to build with (LibreLane's SYNTH_PARAMETERS): synthesis,
    # equivalence and the engines' own synthesis elaborate the top with them.
    parameters: dict[str, ParamValue] = Field(default_factory=dict)
    # Shuttle integration (Caravel or Tiny Tapeout): see IntegrationSpec.
    integration: IntegrationSpec | None = None
    # What `siliconcrew explore` searches; no other command reads it.
    explore: ExploreSpec | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, v: Any) -> Any:
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise _refused(
                "parameters must be a mapping of name: value", "e.g. parameters: {CLKS_PER_BIT: 16}"
            )
        for name, value in v.items():
            problem = parameter_problem(name, value)
            if problem:
                raise _refused(*problem)
        return v

    @field_validator("rtl", "testbench", "include_dirs", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, str) else (v or [])

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        for inner, outer in (("rtl_options", "rtl"), ("testbench_options", "testbench")):
            if isinstance(data, dict) and inner in data:
                raise _refused(
                    f"unknown key '{inner}'",
                    f"write the options under {outer}: ({outer}: {{files: [...], ...}})",
                )
        data = _refuse_unknown_keys(data, cls)
        if isinstance(data, dict) and isinstance(data.get("rtl"), dict):
            data = dict(data)
            opts = RtlSpec.model_validate(data["rtl"])
            data["rtl"], data["rtl_options"] = list(opts.files), opts
        if isinstance(data, dict) and isinstance(data.get("testbench"), dict):
            data = dict(data)
            tb = TestbenchSpec.model_validate(data["testbench"])
            data["testbench"], data["testbench_options"] = list(tb.files), tb
        return data

    @field_validator("rtl", "testbench", "include_dirs")
    @classmethod
    def _script_safe_paths(cls, paths: list[str]) -> list[str]:
        """Refuse a file name the flow scripts cannot take now, not after `check` passed and
        `harden` failed with an error that seems to blame the RTL."""
        for path in paths:
            bad = sorted({c for c in path if not SAFE_PATH.match(c)})
            if bad or not path:
                shown = ", ".join(repr(c) for c in bad) or "an empty name"
                raise _refused(
                    f"file name '{path}' has characters the flow scripts cannot take ({shown})",
                    "rename the file using letters, digits and "
                    ". _ / + - only, and update design.yaml",
                )
        return paths

    def states_timing(self) -> bool:
        """True when design.yaml has a `clock:` section. Without one the design states no
        timing requirement (a combinational block): its delay is reported, not judged."""
        return "clock" in self.model_fields_set

    def check_liberty(self) -> str:
        """Liberty for the pre-layout checks (synthesis, STA, equivalence): the flow's PDK
        when it is one of the bundled osu techs, else osu018 (sky130/gf180 liberties are not
        available offline; hardening uses the real PDK)."""
        return self.flow.pdk if self.flow.pdk.startswith("osu") else "osu018"

    @property
    def cocotb_tests(self) -> list[str]:
        """Golden cocotb test modules (design-folder paths), empty when there are none."""
        return list(self.testbench_options.cocotb)

    def cocotb_toplevel(self) -> str:
        return self.testbench_options.toplevel or self.top

    def has_golden_tests(self) -> bool:
        """A user's testbench (Verilog or cocotb): the contract agents may not change."""
        return bool(self.testbench or self.cocotb_tests)

    def golden_files(self) -> list[str]:
        """Every golden test file (protected read-only in the sandbox)."""
        return [*self.testbench, *self.cocotb_tests]

    def check_recipe(self) -> SynthRecipe:
        """The recipe our checks (`check`, `timing`, the repair's baseline) synthesize with:
        design.yaml's `synthesis:`, else the engine's own mapping. qflow maps with ABC's
        `map -M 1` (min-delay); yosys' default is area-oriented and showed violations qflow
        does not have (add32 at 3.2 ns: -0.57 pre-layout, +1.31 post-route)."""
        if self.synthesis.is_default and self.flow.engine == "qflow":
            return SynthRecipe(abc_script="min-delay")
        return self.synthesis

    def testbench_top(self) -> str | None:
        """The testbench module: explicit, else `tb_<top>` by convention."""
        if self.verification.top:
            return self.verification.top
        return f"tb_{self.top}" if self.testbench else None


def load_design(design_dir: Path) -> tuple[Design, Path]:
    """Load and check design.yaml; returns the design and its (resolved) folder."""
    folder = design_dir.resolve()
    if folder.is_file() and folder.name.endswith((".yaml", ".yml")):
        folder, card = folder.parent, folder
    else:
        card = folder / DESIGN_FILE
    if not folder.exists():
        raise UserInputError(
            f"design folder '{design_dir}' does not exist", "give the folder that holds design.yaml"
        )
    if not card.exists():
        raise UserInputError(
            f"no {DESIGN_FILE} in '{design_dir}'", "create one (see examples/counter/design.yaml)"
        )
    try:
        data = yaml.safe_load(card.read_text())
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{card.name} is not UTF-8 text", "save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise UserInputError(f"{card.name} is not valid YAML: {first}", "fix the syntax") from exc
    if not isinstance(data, dict):
        raise UserInputError(f"{card.name} must be a mapping of keys", "see examples/counter")
    try:
        design = Design.model_validate(data)
    except ValidationError as exc:
        raise _one_line(card, exc) from exc
    for key, files in (
        ("rtl", design.rtl),
        ("testbench", design.testbench),
        ("testbench", design.cocotb_tests),
    ):
        for f in files:
            if not _inside(folder, card, key, f).is_file():
                raise UserInputError(
                    f"{card.name}: {key} file '{f}' not found in {folder}",
                    f"fix the path under '{key}:'",
                )
    for d in design.include_dirs:
        if not _inside(folder, card, "include_dirs", d).is_dir():
            raise UserInputError(
                f"{card.name}: include dir '{d}' is not a folder in {folder}",
                "fix the path under 'include_dirs:'",
            )
    _check_spec(design, folder, card)
    return design, folder


def _one_line(card: Path, exc: ValidationError) -> UserInputError:
    """The first validation error as `design.yaml: 'where': what — fix`."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    hint = (err.get("ctx") or {}).get("hint") or DEFAULT_HINT
    return UserInputError(f"{card.name}: " + (f"'{where}': " if where else "") + err["msg"], hint)


def _inside(folder: Path, card: Path, key: str, path: str) -> Path:
    """Host path of a design file, refused when it leaves the design folder (`..`, an
    absolute path elsewhere, a symlink out): tools only see the folder, and a run must not
    depend on files it does not record."""
    try:
        return resolve_inside(folder, path, must_exist=False)
    except PathOutsideWorkspace as exc:
        raise UserInputError(
            f"{card.name}: {key} path '{path}' is outside the design folder {folder}",
            "copy it into the folder and give the path relative "
            f"to it (e.g. rtl/{Path(path).name})",
        ) from exc


def _check_spec(design: Design, folder: Path, card: Path) -> None:
    """Without RTL the agents write it from the spec, so the spec must exist; with RTL a
    missing spec is only worth a warning (see `design_warnings`)."""
    if design.spec:
        _inside(folder, card, "spec", design.spec)
    if not design.rtl and not spec_path(design, folder):
        missing = f"spec file '{design.spec}' not found" if design.spec else "no spec: given"
        raise UserInputError(
            f"{card.name}: {missing} and no rtl: listed",
            "write the spec (spec.md) the agents design from, or list the RTL under 'rtl:'",
        )


def spec_path(design: Design, folder: Path) -> Path | None:
    """The spec file, when design.yaml names one that exists."""
    if not design.spec:
        return None
    path = resolve_inside(folder, design.spec, must_exist=False)
    return path if path.is_file() else None


def design_warnings(design: Design, folder: Path) -> list[str]:
    """Things that do not stop a command but that the user should hear about (one line each,
    `what — how to fix`)."""
    out = []
    if design.flow._old_engine_name:
        out.append(
            f"flow.engine '{design.flow._old_engine_name}' is the old name of the "
            f"'{design.flow.engine}' engine — write engine: {design.flow.engine}"
        )
    if design.spec and not spec_path(design, folder):
        out.append(
            f"spec file '{design.spec}' not found in {folder} — the RTL is checked "
            "without it; add it (agents and reports use it) or set spec: null"
        )
    return out
