"""The librelane engine, replayed on real LibreLane output (../shared/fixtures).

LibreLane cannot run here (no OpenROAD, no sky130 PDK), so a test-only sandbox stands in for
the LibreLane container: it records each command and lays out the run folder LibreLane would
have written — step folders in the real order and naming of a recorded LibreLane run, real step
logs, real final/metrics.json — and the engine is judged on what it reads from them.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.engines import get_engine
from siliconcrew.engines.base import DesignInput, run_flow
from siliconcrew.engines.librelane import (
    DEFAULT_SCL,
    STAGE_STEPS,
    LibreLaneEngine,
    normalize_metrics,
    parse_flow_messages,
    parse_metrics_csv,
    parse_openroad_alerts,
    read_metrics_json,
)
from siliconcrew.sandbox.base import ExecResult, Sandbox

LOGS = FIXTURES / "librelane-logs"
FIXTURES_HERE = Path(__file__).parents[1] / "fixtures" / "librelane"  # constructed: SOURCES.md
METRICS = FIXTURES / "librelane-metrics"
CLEAN_JSON = METRICS / "librelane_sky130_tt-4bitALU_clean_metrics.json"
VIOLATED_JSON = METRICS / "librelane_sky130_aggressive_setup_violations_metrics.json"
CLEAN_FLOW_LOG = LOGS / "librelane_flow_clean_tt-4bitALU.log"
TOP = "tt_um_josue_olivos_alu"
PDK_HASH = "8afc8346a57fe1ab7934ba5a6056ea8b43078e71"

_RUNNING_AT = re.compile(r"^Running '(?P<id>[^']+)' at '(?P<dir>[^']+)'")


def recorded_steps(flow_log: Path) -> list[tuple[str, str]]:
    """(step id, step-folder slug) of the top-level steps of one recorded LibreLane run."""
    out = []
    for line in flow_log.read_text().splitlines():
        if line.startswith("Flow complete."):
            break
        m = _RUNNING_AT.match(line)
        if not m:
            continue
        parts = m.group("dir").split("/")
        leaf = re.match(r"^\d+-(.+)$", parts[-1])
        if leaf and not re.match(r"^\d+-", parts[-2]):  # skip composite sub-steps
            out.append((m.group("id"), leaf.group(1)))
    return out


STEPS = recorded_steps(CLEAN_FLOW_LOG)
STEP_IDS = [s for s, _ in STEPS]
STEP_LOGS = {  # real step logs, placed where LibreLane writes them
    "Verilator.Lint": LOGS / "librelane_01-verilator-lint_9_warnings.log",
    "Yosys.Synthesis": FIXTURES / "yosys" / "librelane_06-yosys-synthesis.log",
    "OpenROAD.GlobalPlacement": LOGS / "librelane_28-openroad-globalplacement_clean.log",
    "OpenROAD.GlobalRouting": LOGS / "librelane_39-openroad-globalrouting_clean.log",
    "OpenROAD.DetailedRouting": LOGS / "librelane_44-openroad-detailedrouting_clean.log",
}


def write_gds(path: Path, top: str) -> bool:
    """A tiny but valid GDS with one cell; False when no GDS library is installed."""
    try:
        import gdstk

        lib = gdstk.Library()
        lib.new_cell(top).add(gdstk.rectangle((0, 0), (1, 1)))
        lib.write_gds(str(path))
        return True
    except ImportError:
        pass
    try:
        import klayout.db as kdb
    except ImportError:
        return False
    layout = kdb.Layout()
    cell = layout.create_cell(top)
    cell.shapes(layout.layer(1, 0)).insert(kdb.Box(0, 0, 1000, 1000))
    layout.write(str(path))
    return True


def gds_top_cells(path: Path) -> list[str]:
    try:
        import gdstk

        return [c.name for c in gdstk.read_gds(str(path)).top_level()]
    except ImportError:
        import klayout.db as kdb

        layout = kdb.Layout()
        layout.read(str(path))
        return [c.name for c in layout.top_cells()]


class ReplaySandbox(Sandbox):
    """Stands in for the LibreLane container: records argv, writes what LibreLane would."""

    name = "replay"

    def __init__(
        self,
        workspace: Path,
        *,
        final_metrics: Path = CLEAN_JSON,
        fail_at: str | None = None,
        exit_code: int | None = None,
        warnings: dict[str, Path] | None = None,
        deferred: dict[str, tuple[str, dict]] | None = None,
        cpus: float = 2.0,
        fail_code: int = 1,
    ) -> None:
        super().__init__(workspace, SandboxSettings(backend="local", cpus=cpus))
        self.final_metrics = final_metrics
        self.fail_at = fail_at
        self.exit_code = exit_code
        self.warnings = warnings or {}
        # step id → (fixture stem in tests/fixtures/librelane, metrics the step measured):
        # that checker raises a DeferredStepError, as LibreLane's checkers do
        self.deferred = deferred or {}
        self.measured: dict = {}
        self.fail_code = fail_code
        self.calls: list[list[str]] = []
        self.timeouts: list[float | None] = []
        self.problems: list[str] = []

    @property
    def workspace_inside(self) -> str:
        return "/ws"

    @staticmethod
    def flag(argv: list[str], name: str) -> str | None:
        return argv[argv.index(name) + 1] if name in argv else None

    def run(self, argv, cwd=None, timeout_s=None, log_name="cmd") -> ExecResult:
        cwd = (cwd or self.workspace).resolve()
        log = self.new_log_path(cwd, log_name)
        self.calls.append(list(argv))
        self.timeouts.append(timeout_s)
        out, rc = self._replay(argv, cwd)
        log.write_text(out)
        return ExecResult(
            argv=list(argv),
            exit_code=rc,
            duration_s=0.01,
            timed_out=False,
            output=out,
            log_path=log,
            output_bytes=len(out),
            truncated=False,
            backend=self.name,
        )

    def _replay(self, argv: list[str], cwd: Path) -> tuple[str, int]:
        if self.exit_code is not None:
            return f"bash: line 1: {argv[0]}: command not found\n", self.exit_code
        # what a real LibreLane would refuse
        if argv[1:2] != ["config.json"] or not (cwd / "config.json").is_file():
            self.problems.append(f"no config.json argument/file: {argv}")
        if "--manual-pdk" not in argv:
            self.problems.append("PDK not passed with --manual-pdk")
        if self.flag(argv, "-j") != str(max(1, int(self.settings.cpus))):
            self.problems.append(f"-j is not the sandbox's CPU limit: {argv}")
        written = (
            json.loads((cwd / "config.json").read_text()) if (cwd / "config.json").is_file() else {}
        )
        if (written.get("meta") or {}).get("version", 1) < 2:
            self.problems.append("config.json without meta version 2: typos only warn")
        host_root = self.to_host(self.flag(argv, "--pdk-root") or "")
        if host_root is None or not (host_root / (self.flag(argv, "--pdk") or "?")).is_dir():
            self.problems.append(f"--pdk-root does not hold the PDK inside the sandbox: {argv}")
        state = self.flag(argv, "--with-initial-state")
        if state is not None and not (cwd / state).is_file():
            self.problems.append(f"initial state {state} does not exist")
        tag = self.flag(argv, "--run-tag")
        run = cwd / "runs" / tag
        run.mkdir(parents=True, exist_ok=True)
        frm, to = self.flag(argv, "--from"), self.flag(argv, "--to")
        i = STEP_IDS.index(frm) if frm else 0
        j = STEP_IDS.index(to) if to else len(STEP_IDS) - 1
        ords = [
            int(d.name.split("-")[0])
            for d in run.iterdir()
            if d.is_dir() and re.match(r"^\d+-", d.name)
        ]
        n = max(ords, default=0)
        out = ["Starting…"]
        last_metrics: dict = {}
        deferred_msgs: list[str] = []
        for step_id, slug in STEPS[i : j + 1]:
            n += 1
            d = run / f"{n:02d}-{slug}"
            d.mkdir()
            out.append(f"Running '{step_id}' at 'runs/{tag}/{d.name}'…")
            if step_id in self.deferred:  # SequentialFlow: DeferredStepError, carry on
                stem, measured = self.deferred[step_id]
                self.measured.update(measured)
                (d / "state_in.json").write_text(json.dumps({"metrics": last_metrics}))
                with (run / "error.log").open("a") as fh:
                    fh.write((FIXTURES_HERE / f"{stem}_error.log").read_text())
                console = (FIXTURES_HERE / f"{stem}_console.log").read_text().splitlines()
                deferred_msgs.append(console[2])
                out.append(console[2] + " - deferred")
                continue
            if step_id == self.fail_at:
                shutil.copyfile(LOGS / "openroad_gpl_GPL-0302_error_density.log", d / f"{slug}.log")
                with (run / "error.log").open("a") as fh:
                    fh.write(
                        f"{step_id} failed with the following errors:\n"
                        "[GPL-0302] Consider increasing the target density or "
                        "re-floorplanning with a larger core area.\n"
                    )
                out.append(f"ERROR    {step_id} failed")
                return "\n".join(out) + "\n", self.fail_code
            if step_id in STEP_LOGS:
                shutil.copyfile(STEP_LOGS[step_id], d / f"{slug}.log")
            if step_id in self.warnings:
                with (run / "warning.log").open("a") as fh:
                    fh.write(self.warnings[step_id].read_text())
            last_metrics = {"design__instance__count": n, **self.measured}
            (d / "state_out.json").write_text(
                json.dumps({"metrics": last_metrics, "replay_step": step_id})
            )
        if deferred_msgs and argv[0] == "openlane":
            # OpenLane 2.3.10's SequentialFlow raises the deferred FlowError *before* saving
            # final/ (flows/sequential.py there); LibreLane 3 saves it first
            out += [
                "The following error was encountered while running the flow:",
                "One or more deferred errors were encountered:",
                *deferred_msgs,
            ]
            return "\n".join(out) + "\n", 2
        final = run / "final"
        final.mkdir(exist_ok=True)
        if to is None:
            final_metrics = json.loads(self.final_metrics.read_text())
            final_metrics.update(self.measured)
            (final / "metrics.json").write_text(json.dumps(final_metrics))
            for sub, name, text in (
                ("def", f"{TOP}.def", "VERSION 5.8 ;\nEND DESIGN\n"),
                ("nl", f"{TOP}.nl.v", f"module {TOP}();\nendmodule\n"),
                ("render", f"{TOP}.png", "\x89PNG\r\n"),
            ):
                (final / sub).mkdir(exist_ok=True)
                (final / sub / name).write_text(text)
            (final / "gds").mkdir(exist_ok=True)
            write_gds(final / "gds" / f"{TOP}.gds", TOP)
        else:
            (final / "metrics.json").write_text(json.dumps(last_metrics))
        (run / "resolved.json").write_text("{}")
        out.append(f"Saving views to '{final}'…")
        if deferred_msgs:  # final/ saved, then FlowError → exit code 2 (__main__.py)
            out += [
                "The following error was encountered while running the flow:",
                "One or more deferred errors were encountered:",
                *deferred_msgs,
                "LibreLane will now quit.",
            ]
            return "\n".join(out) + "\n", 2
        out.append("Flow complete.")
        return "\n".join(out) + "\n", 0


RTL = """module tt_um_josue_olivos_alu(input clk, input [3:0] a, b, output reg [3:0] y);
  always @(posedge clk) y <= a + b;
endmodule
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A design folder with RTL and a ciel-style PDK root (symlinked variant) inside it."""
    ws = tmp_path / "ws"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "alu.v").write_text(RTL)
    (ws / "rtl" / "alu_defs.vh").write_text("`define W 4\n")
    version = ws / "pdk" / "ciel" / "sky130" / "versions" / PDK_HASH
    (version / "sky130A" / "libs.ref" / "sky130_fd_sc_hd").mkdir(parents=True)
    (ws / "pdk" / "sky130A").symlink_to(Path("ciel/sky130/versions") / PDK_HASH / "sky130A")
    return ws


def design(ws: Path, **kw) -> DesignInput:
    options = {"pdk_root": "pdk", **kw.pop("options", {})}
    return DesignInput(
        name="alu",
        top=TOP,
        rtl=[ws / "rtl" / "alu.v"],
        clock_port="clk",
        clock_period_ns=20,
        pdk="sky130A",
        options=options,
        **kw,
    )


def flow_dir(ws: Path) -> Path:
    return ws / "runs" / "r1" / "harden" / "attempt-0"


def gds_lib_available() -> bool:
    try:
        import gdstk  # noqa: F401

        return True
    except ImportError:
        try:
            import klayout.db  # noqa: F401

            return True
        except ImportError:
            return False


needs_gds = pytest.mark.skipif(not gds_lib_available(), reason="neither gdstk nor klayout")


# -- configuration -----------------------------------------------------------------------------
def test_registered_under_its_name():
    assert isinstance(get_engine("librelane"), LibreLaneEngine)
    assert LibreLaneEngine.stages == (
        "synthesis",
        "floorplan",
        "placement",
        "cts",
        "routing",
        "signoff",
    )


def test_timing_recipe_becomes_librelane_knobs(ws):
    eng, d = LibreLaneEngine(), design(ws)
    assert "SYNTH_STRATEGY" not in eng.default_config(d)  # no recipe: LibreLane's defaults
    d.synth_recipe = {
        "abc_script": "delay-target",
        "abc_delay_ps": 20000,
        "gate_sizing": True,
        "prefix_adders": True,
    }
    config = eng.default_config(d)
    assert config["SYNTH_STRATEGY"] == "DELAY 1" and config["SYNTH_SIZING"] is True
    d.options = {"SYNTH_STRATEGY": "AREA 0"}  # the user's explicit choice wins
    assert eng.default_config(d)["SYNTH_STRATEGY"] == "AREA 0"


def test_parameters_become_synth_parameters(ws):
    """design.yaml `parameters:` reach LibreLane as SYNTH_PARAMETERS (pyosys.py: "Key-value
    pairs to be `chparam`ed in Yosys, in the format `key1=value1`"), a key of both shipped
    variable lists; setting it in flow.options as well is refused (which one wins?)."""
    eng, d = LibreLaneEngine(), design(ws, parameters={"W": 4, "MODE": "fast"})
    config = eng.default_config(d)
    assert config["SYNTH_PARAMETERS"] == ["W=4", 'MODE="fast"']
    for tool in ("librelane", "openlane"):
        assert "SYNTH_PARAMETERS" in eng.variable_table(d, tool=tool).names
    fd = flow_dir(ws)
    fd.mkdir(parents=True)
    eng.prepare(d, fd, config, ReplaySandbox(ws))
    assert json.loads((fd / "config.json").read_text())["SYNTH_PARAMETERS"] == [
        "W=4",
        'MODE="fast"',
    ]
    assert "SYNTH_PARAMETERS" not in eng.default_config(design(ws))
    d.options = {**d.options, "SYNTH_PARAMETERS": ["W=8"]}
    with pytest.raises(UserInputError, match="SYNTH_PARAMETERS"):
        eng.default_config(d)


def test_config_written_round_trips_and_sources_resolve(ws):
    eng, d, fd = LibreLaneEngine(), design(ws), flow_dir(ws)
    config = eng.default_config(d)
    assert config["DESIGN_NAME"] == TOP and config["CLOCK_PORT"] == "clk"
    assert config["CLOCK_PERIOD"] == 20 and config["PDK"] == "sky130A"
    assert config["STD_CELL_LIBRARY"] == "sky130_fd_sc_hd"
    assert config["FP_CORE_UTIL"] < config["PL_TARGET_DENSITY_PCT"]
    assert config["VERILOG_INCLUDE_DIRS"] == ["dir::src"]  # alu_defs.vh sits next to the RTL
    fd.mkdir(parents=True)
    sb = ReplaySandbox(ws)
    eng.prepare(d, fd, config, sb)
    written = json.loads((fd / "config.json").read_text())
    # meta version 2: LibreLane refuses unknown keys (config/config.py: meta.version < 2 is
    # permissive); thread counts from the sandbox's CPU limit (2 by default)
    assert written.pop("meta") == {"version": 2}
    assert {
        k: written.pop(k)
        for k in ("DRT_THREADS", "STA_THREADS", "KLAYOUT_DRC_THREADS", "KLAYOUT_XOR_THREADS")
    } == dict.fromkeys(
        ("DRT_THREADS", "STA_THREADS", "KLAYOUT_DRC_THREADS", "KLAYOUT_XOR_THREADS"), 2
    )
    assert written == config
    for ref in config["VERILOG_FILES"]:
        assert ref.startswith("dir::")
        copied = fd / ref[len("dir::") :]  # dir:: = relative to the config file's folder
        assert copied.read_text() == RTL
    assert (fd / "src" / "alu_defs.vh").read_text() == "`define W 4\n"
    eng.prepare(d, fd, config, sb)  # idempotent
    again = json.loads((fd / "config.json").read_text())
    assert {k: v for k, v in again.items() if k != "meta" and not k.endswith("_THREADS")} == config


def test_same_named_rtl_files_do_not_overwrite_each_other(ws):
    (ws / "rtl2").mkdir()
    (ws / "rtl2" / "alu.v").write_text("module other(); endmodule\n")
    d = design(ws)
    d.rtl.append(ws / "rtl2" / "alu.v")
    eng, fd = LibreLaneEngine(), flow_dir(ws)
    config = eng.default_config(d)
    assert len(set(config["VERILOG_FILES"])) == 2
    fd.mkdir(parents=True)
    eng.prepare(d, fd, config, ReplaySandbox(ws))
    texts = {(fd / r[5:]).read_text() for r in config["VERILOG_FILES"]}
    assert texts == {RTL, "module other(); endmodule\n"}


def test_user_overrides_win(ws):
    d = design(
        ws, options={"FP_CORE_UTIL": 25, "config": {"CLOCK_PERIOD": 7.5, "RUN_KLAYOUT_XOR": False}}
    )
    config = LibreLaneEngine().default_config(d)
    assert config["FP_CORE_UTIL"] == 25 and config["CLOCK_PERIOD"] == 7.5
    assert config["RUN_KLAYOUT_XOR"] is False
    assert "pdk_root" not in config  # engine options never reach LibreLane's config


def test_unknown_lower_case_option_is_refused(ws):
    with pytest.raises(UserInputError, match="unknown librelane-engine option 'pdk_rot'"):
        LibreLaneEngine().default_config(design(ws, options={"pdk_rot": "x"}))


def test_combinational_design_leaves_clock_port_unset(ws):
    d = design(ws)
    d.clock_port = None
    config = LibreLaneEngine().default_config(d)
    # LibreLane's base SDC then uses a virtual clock with CLOCK_PERIOD
    assert "CLOCK_PORT" not in config and config["CLOCK_PERIOD"] == 20


@pytest.mark.parametrize(
    "pdk,scl",
    [
        ("sky130A", "sky130_fd_sc_hd"),
        ("gf180mcuD", "gf180mcu_fd_sc_mcu7t5v0"),
        ("ihp-sg13g2", "sg13g2_stdcell"),
    ],
)
def test_standard_cell_library_follows_the_pdk(ws, pdk, scl):
    d = design(ws)
    d.pdk = pdk
    assert LibreLaneEngine().default_config(d)["STD_CELL_LIBRARY"] == scl == DEFAULT_SCL[pdk]


def _refusal(ws: Path, monkeypatch, pdk_root) -> UserInputError:
    monkeypatch.delenv("PDK_ROOT", raising=False)
    opts = {} if pdk_root is None else {"pdk_root": str(pdk_root)}
    d = DesignInput(name="alu", top=TOP, rtl=[ws / "rtl" / "alu.v"], pdk="sky130A", options=opts)
    fd = flow_dir(ws)
    fd.mkdir(parents=True, exist_ok=True)
    eng = LibreLaneEngine()
    sb = ReplaySandbox(ws)
    with pytest.raises(UserInputError) as info:
        run_flow(eng, d, fd, sb, eng.default_config(d))
    assert sb.calls == []  # refused before anything ran
    return info.value


def test_missing_pdk_root_is_refused_in_one_line(ws, monkeypatch):
    err = _refusal(ws, monkeypatch, None)
    assert "PDK root not set" in err.message and "ciel" in err.hint
    assert "pdk_root" in err.hint and "\n" not in err.one_line()


def test_pdk_root_outside_the_workspace_is_refused(ws, tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    (outside / "sky130A").mkdir(parents=True)
    err = _refusal(ws, monkeypatch, outside)
    assert "outside the workspace" in err.message and "\n" not in err.one_line()


def test_ciel_link_pointing_outside_the_workspace_is_refused(ws, tmp_path, monkeypatch):
    real = tmp_path / "home-ciel" / "sky130A"
    real.mkdir(parents=True)
    (ws / "pdk2").mkdir()
    (ws / "pdk2" / "sky130A").symlink_to(real)  # absolute link out of the workspace
    err = _refusal(ws, monkeypatch, "pdk2")
    assert "outside the workspace" in err.message


def test_pdk_root_without_the_pdk_is_refused(ws, monkeypatch):
    (ws / "empty").mkdir()
    err = _refusal(ws, monkeypatch, "empty")
    assert "PDK 'sky130A' not found" in err.message and "\n" not in err.one_line()


def test_pdk_root_from_environment(ws, monkeypatch):
    monkeypatch.setenv("PDK_ROOT", str(ws / "pdk"))
    d = DesignInput(name="alu", top=TOP, rtl=[ws / "rtl" / "alu.v"], pdk="sky130A")
    root = LibreLaneEngine().pdk_root(d, ReplaySandbox(ws))
    assert root == (ws / "pdk" / "ciel" / "sky130" / "versions" / PDK_HASH).resolve()


# -- stage table against real runs -------------------------------------------------------------
@pytest.mark.parametrize(
    "log",
    [
        "librelane_flow_clean_tt-4bitALU.log",
        "librelane_flow_setup_violations_ss_corners.log",
        "openlane2_flow_clean_tt09_older_format.log",
    ],
)
def test_stage_boundaries_are_real_adjacent_step_ids(log):
    ids = [m.group(1) for m in re.finditer(r"Running '([^']+)'", (LOGS / log).read_text())]
    first = {}
    for k, s in enumerate(ids):
        first.setdefault(s, k)
    ranges = list(STAGE_STEPS.values())
    for (_, prev_to), (nxt_from, _) in zip(ranges, ranges[1:], strict=False):
        # each stage starts right after the previous one ends: no step falls between stages
        assert first[nxt_from] == first[prev_to] + 1, (prev_to, nxt_from)
    assert ranges[0][0] is None and ranges[-1][1] is None


def test_step_folders_are_named_after_step_ids():
    assert len(STEPS) == 72 and STEPS[0] == ("Verilator.Lint", "verilator-lint")
    for step_id, slug in STEPS:
        assert slug == step_id.lower().replace(".", "-")


# -- metrics -----------------------------------------------------------------------------------
ALL_METRIC_FILES = sorted(METRICS.iterdir())


@pytest.mark.parametrize("path", ALL_METRIC_FILES, ids=lambda p: p.name)
def test_every_metrics_fixture_parses(path):
    m = parse_metrics_csv(path) if path.suffix == ".csv" else read_metrics_json(path)
    assert len(m) > 90
    for key in (
        "route__drc_errors",
        "magic__drc_error__count",
        "design__lvs_error__count",
        "antenna__violating__nets",
    ):
        assert isinstance(m[key], int), key
    assert json.loads(json.dumps(m, allow_nan=False)) == m  # strict JSON (no Infinity)


def test_clean_run_metrics():
    m = read_metrics_json(CLEAN_JSON)
    assert m["magic__drc_error__count"] == 0 and m["design__lvs_error__count"] == 0
    assert m["route__drc_errors"] == 0 and m["antenna__violating__nets"] == 0
    assert m["timing__setup__ws"] == pytest.approx(6.021517677138031)
    assert m["timing__hold__ws"] == pytest.approx(8.254772210539592)
    assert m["design__instance__count"] == 4587 and m["design__die__area"] == 17954.7
    assert m["route__wirelength"] == 1675
    assert m["timing__setup_r2r__ws"] is None  # Infinity in the file: no reg-to-reg path
    assert m["design__die__bbox"] == "0.0 0.0 161.0 111.52"


@pytest.mark.parametrize(
    "name,ws,tns,vios",
    [
        (
            "librelane_sky130_aggressive_setup_violations",
            -5.8934432335735005,
            -2270.0631421599546,
            1571,
        ),
        ("librelane_gf180_fir_setup_violations", -10.945960891948763, -180.70898533495264, 70),
    ],
)
def test_setup_violation_metrics_json_and_csv_agree(name, ws, tns, vios):
    j = read_metrics_json(METRICS / f"{name}_metrics.json")
    c = parse_metrics_csv(METRICS / f"{name}_metrics.csv")
    for m in (j, c):
        assert m["timing__setup__ws"] == pytest.approx(ws) and m["timing__setup__ws"] < 0
        assert m["timing__setup__tns"] == pytest.approx(tns)
        assert m["timing__setup_vio__count"] == vios
        assert m["magic__drc_error__count"] == 0 and m["design__lvs_error__count"] == 0
    assert set(j) == set(c)
    assert all(j[k] == pytest.approx(c[k]) if isinstance(j[k], float) else j[k] == c[k] for k in j)


def test_state_json_metrics_and_old_lvs_spelling():
    m = read_metrics_json(METRICS / "librelane_spm_state_in_clean.json")
    assert m["timing__setup__ws"] == pytest.approx(5.974229)
    assert m["timing__hold__ws"] == pytest.approx(0.111452)
    assert "design__lvs_errors__count" in m  # OpenLane 2.0 beta spelling, kept
    assert m["design__lvs_error__count"] == 0  # and the current name added
    assert m["route__drc_errors__iter:1"] == 69


def test_openlane2_beta_csv():
    m = parse_metrics_csv(METRICS / "ol2b10_caravel_user_proj_example_metrics.csv")
    assert m["design__lvs_error__count"] == 0 and m["antenna__violating__nets"] == 2
    assert m["timing__setup__ws"] == pytest.approx(5.046576)
    assert m["design__die__area"] == pytest.approx(2800 * 1760)  # from design__die__bbox
    assert m["design__max_slew_violation__count__corner:nom_tt_025C_1v80"] == 0


def test_openlane1_csv_mapped_to_librelane_names():
    m = parse_metrics_csv(METRICS / "ol1_caravel_user_proj_example_metrics.csv")
    assert m["pin_antenna_violations"] == 4 and m["antenna__violating__pins"] == 4
    assert m["net_antenna_violations"] == 3 and m["antenna__violating__nets"] == 3
    assert m["route__drc_errors"] == 0 and m["magic__drc_error__count"] == 0
    assert m["design__lvs_error__count"] == 0 and m["route__wirelength"] == 109324
    assert m["design__die__area"] == pytest.approx(4.928e6)
    assert m["timing__setup__wns"] == 0.0 and m["timing__setup__tns"] == 0.0
    assert "timing__setup__ws" not in m  # OL1 has no worst (positive) slack
    w = parse_metrics_csv(METRICS / "ol1_caravel_user_project_wrapper_metrics.csv")
    assert w["klayout_violations"] == -1 and "klayout__drc_error__count" not in w  # -1: not run


def test_metric_values_normalised():
    m = normalize_metrics({"a": "Infinity", "b": "-inf", "c": "3", "d": "1.5E-8", "e": "x y"})
    assert m == {"a": None, "b": None, "c": 3, "d": 1.5e-8, "e": "x y"}


# -- log parsing -------------------------------------------------------------------------------
def test_gpl_0302_error_keeps_the_suggested_density():
    with (LOGS / "openroad_gpl_GPL-0302_error_density.log").open() as fh:
        diags = parse_openroad_alerts(fh, "x.log")
    assert len(diags) == 1
    d = diags[0]
    assert (d.severity, d.code, d.line) == ("error", "GPL-0302", 23)
    assert "Given target density: 0.00" in d.message
    assert "Suggested target density: 0.60" in d.message


def test_grt_congestion_error_and_warnings():
    with (LOGS / "openroad_grt_GRT-0116_congestion_error.log").open() as fh:
        diags = parse_openroad_alerts(fh)
    assert [(d.severity, d.code) for d in diags] == [("warning", "GRT-0300"), ("error", "GRT-0116")]


def test_run_level_warning_log():
    diags = parse_flow_messages(
        (LOGS / "librelane_warning_setup_violations_RSZ-0062.log").read_text(), "warning"
    )
    rsz = [d for d in diags if d.code == "RSZ-0062"]
    assert len(rsz) == 1 and rsz[0].message == "Unable to repair all setup violations."
    setup = [d for d in diags if d.message.startswith("Setup violations found")]
    assert setup and "max_ss_100C_1v60" in setup[0].message  # the "* corner" lines joined


# -- replayed runs -----------------------------------------------------------------------------
def run(ws: Path, sb: ReplaySandbox, **kw):
    eng, d = LibreLaneEngine(), design(ws)
    return eng, run_flow(eng, d, flow_dir(ws), sb, eng.default_config(d), **kw)


@needs_gds
def test_replay_clean_full_run(ws):
    sb = ReplaySandbox(ws)
    eng, res = run(ws, sb)
    assert sb.problems == []
    assert res.status == "ok", [(s.name, s.status, s.summary) for s in res.stages]
    assert [s.status for s in res.stages] == ["ok"] * 6
    # one LibreLane invocation per stage, each on its step range
    assert len(sb.calls) == 6
    first = sb.calls[0]
    assert first[:4] == ["librelane", "config.json", "--run-tag", "siliconcrew"]
    assert "--from" not in first and sb.flag(first, "--to") == "OpenROAD.STAPrePNR"
    assert sb.flag(first, "--pdk-root") == f"/ws/pdk/ciel/sky130/versions/{PDK_HASH}"
    assert sb.flag(first, "--pdk") == "sky130A" and sb.flag(first, "--scl") == "sky130_fd_sc_hd"
    for call, (frm, to) in zip(sb.calls, STAGE_STEPS.values(), strict=True):
        assert sb.flag(call, "--from") == frm and sb.flag(call, "--to") == to
    assert all(t and t >= 3600 for t in sb.timeouts)
    # every later stage starts from the state its previous stage ended with
    fd = flow_dir(ws)
    for call, (_, prev_to) in zip(sb.calls[1:], list(STAGE_STEPS.values())[:-1], strict=True):
        state = json.loads((fd / sb.flag(call, "--with-initial-state")).read_text())
        assert state["replay_step"] == prev_to
    # metrics from final/metrics.json, every key kept
    m = res.metrics
    assert m["timing__setup__ws"] == pytest.approx(6.021517677138031)
    assert m["magic__drc_error__count"] == 0 and m["design__lvs_error__count"] == 0
    assert len(m) >= 300 and m["clock__period_ns"] == 20
    assert m["clock__fmax_mhz"] == pytest.approx(1000 / (20 - 6.021517677138031), abs=0.01)
    a = res.artifacts
    assert gds_top_cells(Path(a["gds"])) == [TOP]
    for key in ("gds", "def", "netlist", "png", "metrics", "config", "resolved_config"):
        assert Path(a[key]).is_file(), key
    assert a["netlist"].endswith(f"final/nl/{TOP}.nl.v")
    # per-stage findings come from that stage's step logs
    by = {s.name: s for s in res.stages}
    assert any(d.code == "WIDTHEXPAND" for d in by["synthesis"].diagnostics)
    drt = [d for d in by["routing"].diagnostics if d.code == "DRT-0349"]
    assert drt and drt[0].file.endswith("openroad-detailedrouting.log") and drt[0].line == 15
    assert not any(d.code == "DRT-0349" for d in by["placement"].diagnostics)
    assert by["signoff"].metrics["design__lvs_error__count"] == 0
    assert (fd / by["placement"].log_path).is_file()  # log_path relative to the flow folder
    assert "openroad-globalplacement" in by["placement"].summary


def test_replay_partial_run_to_placement(ws):
    sb = ReplaySandbox(ws)
    _, res = run(ws, sb, to_stage="placement")
    assert sb.problems == []
    assert res.status == "partial" and [s.name for s in res.stages] == [
        "synthesis",
        "floorplan",
        "placement",
    ]
    assert len(sb.calls) == 3
    last = sb.calls[-1]
    assert sb.flag(last, "--from") == "OpenROAD.GlobalPlacement"
    assert sb.flag(last, "--to") == "OpenROAD.DetailedPlacement"
    assert "--with-initial-state" in last and "--pdk-root" in last and "config.json" in last
    assert "gds" not in res.artifacts
    assert res.metrics["design__instance__count"] == 34  # the last step's state (34th step)


@needs_gds
def test_replay_resume_from_routing_starts_from_the_cts_result(ws):
    sb = ReplaySandbox(ws)
    run(ws, sb)
    sb.calls.clear()
    _, res = run(ws, sb, from_stage="routing")
    assert sb.problems == []
    assert [s.status for s in res.stages] == ["cached"] * 4 + ["ok", "ok"]
    assert len(sb.calls) == 2 and sb.flag(sb.calls[0], "--from") == "OpenROAD.GlobalRouting"
    state = flow_dir(ws) / sb.flag(sb.calls[0], "--with-initial-state")
    # the cts stage's own last state, although signoff steps ran after it in this folder
    assert json.loads(state.read_text())["replay_step"] == "OpenROAD.STAMidPNR-2"
    assert res.status == "ok"


@needs_gds
def test_failed_rerun_does_not_report_the_previous_runs_layout(ws):
    run(ws, ReplaySandbox(ws))
    sb = ReplaySandbox(ws, fail_at="OpenROAD.GlobalRouting")
    _, res = run(ws, sb, from_stage="routing")
    assert res.status == "failed" and res.failed_stage.name == "routing"
    assert "gds" not in res.artifacts  # final/ of the earlier run is gone
    assert "timing__setup__ws" not in res.metrics  # metrics are this run's newest state


def test_starting_later_without_an_earlier_run_is_refused(ws):
    sb = ReplaySandbox(ws)
    with pytest.raises(UserInputError, match="stage 'cts' has no finished result"):
        run(ws, sb, from_stage="routing")
    assert sb.calls == []


@needs_gds
def test_replay_setup_violations_fail_signoff(ws):
    sb = ReplaySandbox(
        ws,
        final_metrics=VIOLATED_JSON,
        warnings={
            "OpenROAD.ResizerTimingPostCTS": LOGS
            / "librelane_warning_setup_violations_RSZ-0062.log"
        },
    )
    eng, res = run(ws, sb)
    assert sb.problems == []
    assert [s.status for s in res.stages] == ["ok"] * 6  # LibreLane itself completed
    assert res.status == "failed"
    assert not eng.signoff_clean(res.metrics, res.artifacts)
    assert res.metrics["timing__setup__ws"] == pytest.approx(-5.8934432335735005)
    cts = next(s for s in res.stages if s.name == "cts")
    assert any(d.code == "RSZ-0062" and d.severity == "warning" for d in cts.diagnostics)
    # the same metrics without the timing violation would sign off
    fixed = dict(res.metrics, timing__setup__ws=0.2)
    assert eng.signoff_clean(fixed, res.artifacts)
    assert not eng.signoff_clean(fixed, {})  # no GDS


def test_replay_placement_failure(ws):
    sb = ReplaySandbox(ws, fail_at="OpenROAD.GlobalPlacement")
    _, res = run(ws, sb)
    assert sb.problems == []
    assert [s.status for s in res.stages] == ["ok", "ok", "failed", "skipped", "skipped", "skipped"]
    assert res.status == "failed" and res.failed_stage.name == "placement"
    errs = [d for d in res.failed_stage.diagnostics if d.severity == "error"]
    gpl = [d for d in errs if d.code == "GPL-0302"]
    assert gpl and "Suggested target density: 0.60" in gpl[0].message
    assert gpl[0].file.endswith("openroad-globalplacement.log")
    assert "GPL-0302" in res.failed_stage.summary and "exit code 1" in res.failed_stage.summary
    assert len(sb.calls) == 3
    # no final/ was saved: metrics come from the newest state LibreLane left
    assert res.metrics["design__instance__count"] == 27


def test_replay_without_librelane_in_the_image(ws):
    sb = ReplaySandbox(ws, exit_code=127)
    _, res = run(ws, sb)
    st = res.failed_stage
    assert st.name == "synthesis" and res.status == "failed"
    assert st.diagnostics[0].code == "no-librelane"
    assert "ghcr.io/librelane/librelane" in st.diagnostics[0].message


def test_openlane2_command_option(ws):
    sb = ReplaySandbox(ws)
    eng = LibreLaneEngine()
    d = design(ws, options={"command": "openlane", "run_tag": "t1", "timeout_s": 99})
    res = run_flow(eng, d, flow_dir(ws), sb, eng.default_config(d), to_stage="synthesis")
    assert res.status == "partial" and sb.calls[0][0] == "openlane"
    assert sb.flag(sb.calls[0], "--run-tag") == "t1" and sb.timeouts == [99]
    assert (flow_dir(ws) / "runs" / "t1" / "01-verilator-lint").is_dir()


# -- repair actions ----------------------------------------------------------------------------
@pytest.fixture
def base_config(ws):
    return LibreLaneEngine().default_config(design(ws))


def act(action, config, **params):
    before = json.dumps(config, sort_keys=True)
    new = LibreLaneEngine().apply_action(action, params, config)
    assert json.dumps(config, sort_keys=True) == before  # input never mutated
    return new


def test_lower_density(base_config):
    new = act("lower_density", base_config, step_pct=10)
    assert new["FP_CORE_UTIL"] == base_config["FP_CORE_UTIL"] - 10
    assert new["PL_TARGET_DENSITY_PCT"] == base_config["PL_TARGET_DENSITY_PCT"] - 10
    floor = act(
        "lower_density",
        {**base_config, "FP_CORE_UTIL": 8, "PL_TARGET_DENSITY_PCT": 12},
        step_pct=10,
    )
    assert floor["FP_CORE_UTIL"] == 5 and floor["PL_TARGET_DENSITY_PCT"] == 10
    assert act("lower_density", floor, step_pct=10) is None  # nothing left to lower


def test_enlarge_die_relative_and_absolute(base_config):
    new = act("enlarge_die", base_config, factor=2)
    assert new["FP_CORE_UTIL"] == base_config["FP_CORE_UTIL"] / 2
    tt = json.loads(
        (
            FIXTURES / "librelane-configs" / "librelane_tt_sky130_aggressive_100MHz_config.json"
        ).read_text()
    )
    assert act("enlarge_die", tt, factor=2) is None  # die fixed by the TinyTapeout DEF template
    absolute = {k: v for k, v in tt.items() if k != "FP_DEF_TEMPLATE"}
    big = act("enlarge_die", absolute, factor=4)
    assert big["DIE_AREA"] == "0 0 1365.28 451.52"  # "0 0 682.64 225.76", each side x2
    gf = {"FP_SIZING": "absolute", "DIE_AREA": [0.0, 0.0, 1100.0, 550.0]}  # list form (gf180)
    assert act("enlarge_die", gf, factor=4)["DIE_AREA"] == [0, 0, 2200, 1100]
    assert act("enlarge_die", base_config, factor=0.5) is None


def test_enable_antenna_repair(base_config):
    new = act("enable_antenna_repair", base_config)
    assert new["RUN_ANTENNA_REPAIR"] is True and new["RUN_HEURISTIC_DIODE_INSERTION"] is True
    assert new["DIODE_ON_PORTS"] == "in"
    # LibreLane 3 names only (GRT_ANTENNA_ITERS / _MARGIN are their deprecated names)
    assert new["GRT_ANTENNA_REPAIR_ITERS"] > 3 and new["GRT_ANTENNA_REPAIR_MARGIN"] > 10
    assert "GRT_ANTENNA_ITERS" not in new and "GRT_ANTENNA_MARGIN" not in new
    v3 = act(
        "enable_antenna_repair",
        {**base_config, "GRT_ANTENNA_REPAIR_ITERS": 12, "DIODE_ON_PORTS": "both"},
    )
    assert v3["GRT_ANTENNA_REPAIR_ITERS"] == 24 and "GRT_ANTENNA_ITERS" not in v3
    # an old name left in a config would win in LibreLane: it is replaced, its value kept
    old = act(
        "enable_antenna_repair", {**base_config, "GRT_ANTENNA_ITERS": 7, "GRT_ANTENNA_MARGIN": 12}
    )
    assert "GRT_ANTENNA_ITERS" not in old and "GRT_ANTENNA_MARGIN" not in old
    assert old["GRT_ANTENNA_REPAIR_ITERS"] == 14 and old["GRT_ANTENNA_REPAIR_MARGIN"] == 17
    assert v3["DIODE_ON_PORTS"] == "both"


def test_timing_repair(base_config):
    new = act("timing_repair", base_config, setup_margin_pct=5, hold_margin_pct=2)
    assert new["PL_RESIZER_SETUP_SLACK_MARGIN"] == pytest.approx(1.0)  # 5 % of 20 ns
    assert new["GRT_RESIZER_SETUP_SLACK_MARGIN"] == pytest.approx(1.0)
    assert new["PL_RESIZER_HOLD_SLACK_MARGIN"] == pytest.approx(0.4)
    assert new["GRT_RESIZER_HOLD_SLACK_MARGIN"] == pytest.approx(0.4)
    assert new["RUN_POST_GRT_RESIZER_TIMING"] is True
    assert act("timing_repair", new, setup_margin_pct=5, hold_margin_pct=2) is None
    tt = json.loads(
        (
            FIXTURES / "librelane-configs" / "librelane_tt_sky130_tt-4bitALU_src_config.json"
        ).read_text()
    )
    kept = act("timing_repair", tt, setup_margin_pct=0.1, hold_margin_pct=0.1)
    assert kept["PL_RESIZER_HOLD_SLACK_MARGIN"] == 0.1  # never lowered below the user's value


def test_fix_slew_cap(base_config):
    new = act("fix_slew_cap", base_config)
    assert new["DESIGN_REPAIR_MAX_SLEW_PCT"] == 30 and new["DESIGN_REPAIR_MAX_CAP_PCT"] == 30
    assert new["GRT_DESIGN_REPAIR_MAX_SLEW_PCT"] == 20
    assert new["RUN_POST_GRT_DESIGN_REPAIR"] is True
    assert act("fix_slew_cap", base_config, margin_pct=40)["DESIGN_REPAIR_MAX_CAP_PCT"] == 40


def test_relax_clock(base_config):
    new = act("relax_clock", base_config, factor=1.25)
    assert new["CLOCK_PERIOD"] == 25
    assert act("relax_clock", base_config, factor=0.9) is None


def test_routing_effort(base_config):
    new = act("routing_effort", base_config)
    assert new["GRT_OVERFLOW_ITERS"] == 100 and new["DRT_OPT_ITERS"] == 128
    capped = act("routing_effort", new)
    assert capped["GRT_OVERFLOW_ITERS"] == 200 and capped["DRT_OPT_ITERS"] == 128


def test_unknown_action(base_config):
    assert act("reticulate_splines", base_config) is None


# -- deferred checker errors (LibreLane's SequentialFlow carries them to the end) ------------------
PDN = {
    "Checker.PowerGridViolations": (
        "deferred_pdn",
        {
            "design__power_grid_violation__count": 5,
            "design__power_grid_violation__count__net:VPWR": 5,
        },
    )
}


@needs_gds
def test_deferred_power_grid_error_in_placement_reaches_lvs_and_is_waived(ws):
    sb = ReplaySandbox(ws, deferred=PDN)
    _, res = run(ws, sb)
    assert sb.problems == []
    # the placement group exits 2 (LibreLane's deferred FlowError) but the flow goes on
    assert [s.status for s in res.stages] == ["ok"] * 6, [s.summary for s in res.stages]
    assert len(sb.calls) == 6
    assert sb.flag(sb.calls[-1], "--from") == "OpenROAD.FillInsertion"  # signoff ran: LVS
    fd = flow_dir(ws)
    lvs_dirs = list((fd / "runs" / "siliconcrew").glob("*-netgen-lvs"))
    assert lvs_dirs and (lvs_dirs[0] / "state_out.json").is_file()
    by = {s.name: s for s in res.stages}
    # cts starts from the newest state the placement group saved (the checker saves none)
    cts_state = json.loads((fd / sb.flag(sb.calls[3], "--with-initial-state")).read_text())
    assert cts_state["replay_step"] == "OpenROAD.DetailedPlacement"
    notes = [d for d in by["placement"].diagnostics if d.code == "deferred"]
    assert len(notes) == 1 and notes[0].severity == "warning"
    assert notes[0].message.startswith("Checker.PowerGridViolations: 5 power grid violations")
    assert "deferred checker error" in by["placement"].summary
    # judged at the end: LVS passed, so the checker's own advice waives it
    assert res.metrics["design__lvs_error__count"] == 0
    assert res.metrics["librelane__deferred_waived__count"] == 1
    assert res.metrics["librelane__deferred_error__count"] == 0
    assert res.status == "ok"
    carried = json.loads(Path(res.artifacts["deferred_errors"]).read_text())
    assert carried["placement"][0]["step"] == "Checker.PowerGridViolations"


@needs_gds
def test_deferred_power_grid_error_stands_when_lvs_fails(ws, tmp_path):
    bad = tmp_path / "lvs_bad.json"
    bad.write_text(
        json.dumps({**json.loads(CLEAN_JSON.read_text()), "design__lvs_error__count": 2})
    )
    sb = ReplaySandbox(ws, deferred=PDN, final_metrics=bad)
    eng, res = run(ws, sb)
    assert [s.status for s in res.stages] == ["ok"] * 6
    assert res.metrics["librelane__deferred_error__count"] == 1
    assert res.status == "failed"
    assert not eng.signoff_clean(res.metrics, res.artifacts)


@needs_gds
def test_deferred_routing_drc_reaches_signoff_then_fails_it(ws):
    from siliconcrew.repair.hardening.classify import DRC_VIOLATIONS, classify, primary
    from siliconcrew.steps.harden import stage_logs

    sb = ReplaySandbox(ws, deferred={"Checker.TrDRC": ("deferred_trdrc", {"route__drc_errors": 3})})
    _, res = run(ws, sb)
    assert sb.problems == []
    assert [s.status for s in res.stages] == ["ok"] * 6  # signoff was not cut off
    assert res.metrics["route__drc_errors"] == 3
    assert res.metrics["librelane__deferred_error__count"] == 1
    assert res.status == "failed"
    f = primary(classify(res.metrics, stage_logs(res)))
    assert f is not None and f.klass == DRC_VIOLATIONS


def test_immediate_checker_error_still_stops_the_flow(ws):
    """exit 2 without final/ is a StepError (LibreLane saved nothing): a real failure."""
    sb = ReplaySandbox(ws, fail_at="OpenROAD.GlobalPlacement", fail_code=2)
    _, res = run(ws, sb)
    assert [s.status for s in res.stages][:3] == ["ok", "ok", "failed"]
    assert res.status == "failed" and len(sb.calls) == 3
    assert not (flow_dir(ws) / "librelane_states.json").read_text().count("placement")


# -- parallelism: -j and thread counts from the sandbox's CPU limit ------------------------------
@pytest.mark.parametrize("cpus,jobs", [(1.0, 1), (2.0, 2), (3.5, 3), (0.5, 1)])
def test_jobs_follow_the_sandbox_cpu_limit(ws, cpus, jobs):
    sb = ReplaySandbox(ws, cpus=cpus)
    _, res = run(ws, sb, to_stage="synthesis")
    assert sb.problems == []  # the replay checks -j against the limit
    assert sb.flag(sb.calls[0], "-j") == str(jobs)
    fd = flow_dir(ws)
    written = json.loads((fd / "config.json").read_text())
    # LibreLane sizes these from os.cpu_count() (the host's) unless they are set
    for var in ("DRT_THREADS", "STA_THREADS", "KLAYOUT_DRC_THREADS", "KLAYOUT_XOR_THREADS"):
        assert written[var] == jobs, var
    record = json.loads((fd / "librelane_run.json").read_text())
    assert record["jobs"] == jobs and record["sandbox_cpus"] == cpus
    assert record["commands"]["synthesis"] == sb.calls[0]
    assert record["checked_against"].startswith("LibreLane 3.0.17")
    assert res.stages[0].artifacts["command"].startswith("librelane config.json")


def test_users_thread_count_is_kept(ws):
    sb = ReplaySandbox(ws)
    eng = LibreLaneEngine()
    d = design(ws, options={"DRT_THREADS": 1})
    run_flow(eng, d, flow_dir(ws), sb, eng.default_config(d), to_stage="synthesis")
    written = json.loads((flow_dir(ws) / "config.json").read_text())
    assert written["DRT_THREADS"] == 1 and written["STA_THREADS"] == 2


# -- configuration keys against LibreLane's own variable list -----------------------------------
@pytest.mark.parametrize(
    "options,bad,near",
    [
        ({"FP_CORE_UTILL": 30}, "FP_CORE_UTILL", "FP_CORE_UTIL"),
        ({"config": {"PL_TARGET_DENSTY_PCT": 50}}, "PL_TARGET_DENSTY_PCT", "PL_TARGET_DENSITY_PCT"),
        (
            {"config": {"pdk::sky130*": {"GRT_OVERFLOW_ITER": 9}}},
            "GRT_OVERFLOW_ITER",
            "GRT_OVERFLOW_ITERS",
        ),
    ],
)
def test_misspelled_variable_is_refused_before_the_run(ws, options, bad, near):
    sb = ReplaySandbox(ws)
    eng = LibreLaneEngine()
    d = design(ws, options=options)
    with pytest.raises(UserInputError) as info:
        run_flow(eng, d, flow_dir(ws), sb, eng.default_config(d))
    assert sb.calls == []
    line = info.value.one_line()
    assert "\n" not in line and f"'{bad}'" in line and f"did you mean '{near}'" in line
    assert "3.0.17" in line


def test_openlane2_command_gets_openlane_2_names_and_is_checked_against_them(ws):
    sb = ReplaySandbox(ws)
    eng = LibreLaneEngine()
    d = design(ws, options={"command": "openlane", "GRT_ANTENNA_REPAIR_ITERS": 9, "PDN_VPITCH": 40})
    res = run_flow(eng, d, flow_dir(ws), sb, eng.default_config(d), to_stage="synthesis")
    assert res.status == "partial" and sb.calls[0][0] == "openlane"
    written = json.loads((flow_dir(ws) / "config.json").read_text())
    # OpenLane 2.3.10 has these under the names LibreLane 3 keeps as deprecated
    assert written["GRT_ANTENNA_ITERS"] == 9 and "GRT_ANTENNA_REPAIR_ITERS" not in written
    assert written["FP_PDN_VPITCH"] == 40 and "PDN_VPITCH" not in written
    # OpenLane 2.3.10 sizes DRT/STA/KLayout threads the same way (steps/openroad.py there)
    assert all(
        written[v] == 2
        for v in ("DRT_THREADS", "STA_THREADS", "KLAYOUT_DRC_THREADS", "KLAYOUT_XOR_THREADS")
    )
    record = json.loads((flow_dir(ws) / "librelane_run.json").read_text())
    assert record["checked_against"].startswith("OpenLane 2.3.10")
    # a LibreLane 3 variable OpenLane 2 does not have is refused for it
    d2 = design(ws, options={"command": "openlane", "DRT_SAVE_SNAPSHOTS": True})
    with pytest.raises(
        UserInputError, match="unknown OpenLane 2.3.10 variable 'DRT_SAVE_SNAPSHOTS'"
    ):
        run_flow(eng, d2, flow_dir(ws), ReplaySandbox(ws), eng.default_config(d2))


@pytest.mark.parametrize(
    "name,string_die",
    [
        ("librelane_tt_sky130_tt-4bitALU_src_config.json", False),
        ("librelane_tt_sky130_aggressive_100MHz_config.json", True),
    ],
)
def test_real_librelane_configs_pass_the_check_and_keep_their_types(ws, name, string_die):
    """Real LibreLane configs (string DIE_AREA, bool-as-JSON) under meta version 2: no key is
    refused, and strings LibreLane's strict typing would refuse are converted first."""
    from siliconcrew.engines.librelane_vars import check_keys, load_table

    real = json.loads((FIXTURES / "librelane-configs" / name).read_text())
    assert check_keys(real, load_table("3.0.17")).errors == []
    sb = ReplaySandbox(ws)
    eng = LibreLaneEngine()
    keep = {
        k: v
        for k, v in real.items()
        if k not in ("DESIGN_NAME", "VERILOG_FILES", "CLOCK_PORT", "CLOCK_PERIOD", "PDK")
    }
    d = design(ws, options={"config": keep})
    config = eng.default_config(d)
    fd = flow_dir(ws)
    fd.mkdir(parents=True)
    eng.prepare(d, fd, config, sb)
    written = json.loads((fd / "config.json").read_text())
    assert isinstance(real.get("DIE_AREA"), str) == string_die
    if string_die:  # "0 0 682.64 225.76": strict typing would refuse the string
        assert written["DIE_AREA"] == [
            float(v) if "." in v else int(v) for v in real["DIE_AREA"].split()
        ]
    # deprecated names in the user's config are passed under their LibreLane 3 names
    assert "FP_PDN_VPITCH" in real and "FP_PDN_VPITCH" not in written
    assert written["PDN_VPITCH"] == real["FP_PDN_VPITCH"]


def test_deprecated_antenna_names_are_translated_with_a_warning(ws):
    sb = ReplaySandbox(ws)
    eng = LibreLaneEngine()
    d = design(
        ws,
        options={
            "GRT_ANTENNA_ITERS": 6,
            "config": {"GRT_ANTENNA_MARGIN": 20, "GRT_ANTENNA_REPAIR_MARGIN": 15},
        },
    )
    config = eng.default_config(d)
    # in LibreLane the old name would win silently (Variable.compile looks at it first)
    assert config["GRT_ANTENNA_REPAIR_ITERS"] == 6 and "GRT_ANTENNA_ITERS" not in config
    assert config["GRT_ANTENNA_REPAIR_MARGIN"] == 15 and "GRT_ANTENNA_MARGIN" not in config
    res = run_flow(eng, d, flow_dir(ws), sb, config, to_stage="synthesis")
    notes = [x for x in res.stages[0].diagnostics if x.code == "deprecated-variable"]
    assert len(notes) == 2 and all(n.severity == "warning" for n in notes)
    assert any("GRT_ANTENNA_MARGIN" in n.message and "dropped" in n.message for n in notes)


def test_hardening_agent_offers_librelane_3_names_only():
    from siliconcrew.agents.hardening import allowed_options
    from siliconcrew.engines.librelane_vars import load_table

    table = load_table("3.0.17")
    keys = allowed_options("librelane")
    assert "GRT_ANTENNA_REPAIR_ITERS" in keys
    assert all(k in table.names and k not in table.deprecated for k in keys), keys


def test_version_of_the_checked_list_follows_the_image_tag():
    from siliconcrew.engines.librelane_vars import shipped_versions, version_for

    assert "3.0.17" in shipped_versions()
    assert version_for(None, "ghcr.io/librelane/librelane:3.0.17") == "3.0.17"
    assert version_for("3.0.17", "ghcr.io/librelane/librelane:2.9.9") == "3.0.17"
    assert version_for(None, "ghcr.io/librelane/librelane:3.1.2") == "3.0.17"  # newest <=
    assert version_for(None, None) == shipped_versions()[-1]


# -- dry run -----------------------------------------------------------------------------------
def _design_folder(ws: Path, extra: str = "") -> Path:
    (ws / "spec.md").write_text("A 4-bit adder with a registered output.\n")
    (ws / "design.yaml").write_text(
        f"name: alu\ntop: {TOP}\nspec: spec.md\nrtl: [rtl/alu.v]\n"
        "clock: {port: clk, period_ns: 20}\n"
        "flow: {engine: librelane, pdk: sky130A, options: {pdk_root: pdk" + extra + "}}\n"
    )
    return ws


def test_dry_run_shows_the_exact_commands_and_config_and_runs_nothing(ws):
    from siliconcrew.steps.harden import harden

    folder = _design_folder(ws)
    boxes: list[ReplaySandbox] = []

    def factory(path, image=None):
        boxes.append(ReplaySandbox(path, cpus=2.0))
        return boxes[-1]

    plan = harden(folder, factory, dry_run=True)
    assert plan["dry_run"] is True and boxes and boxes[0].calls == []
    assert not (folder / "runs").exists()  # nothing written
    cmds = plan["commands"]
    assert [c["stage"] for c in cmds] == list(STAGE_STEPS)
    first = cmds[0]["argv"]
    assert first[:2] == ["librelane", "config.json"] and "--manual-pdk" in first
    assert ReplaySandbox.flag(first, "-j") == "2" and plan["jobs"] == 2
    assert ReplaySandbox.flag(first, "--to") == "OpenROAD.STAPrePNR"
    assert (
        ReplaySandbox.flag(cmds[1]["argv"], "--with-initial-state")
        == "<state_out.json left by stage 'synthesis'>"
    )
    cfg = plan["config_json"]
    assert cfg["meta"] == {"version": 2} and cfg["DESIGN_NAME"] == TOP
    assert cfg["DRT_THREADS"] == 2 and plan["checked_against"].startswith("LibreLane 3.0.17")
    # the plan is what a real run then does, command for command (but the initial state)
    sb = ReplaySandbox(ws)
    eng = LibreLaneEngine()
    run_flow(
        eng, design(ws), flow_dir(ws), sb, eng.default_config(design(ws)), to_stage="floorplan"
    )
    assert sb.calls[0] == first
    assert sb.calls[1][:-1] == cmds[1]["argv"][:-1]


def test_dry_run_refuses_a_typo_like_a_run(ws):
    from siliconcrew.steps.harden import harden

    folder = _design_folder(ws, ", FP_CORE_UTILL: 30")
    with pytest.raises(UserInputError, match="did you mean 'FP_CORE_UTIL'"):
        harden(folder, lambda path, image=None: ReplaySandbox(path), dry_run=True)


def test_removed_variable_is_a_warning_on_the_first_stage(ws):
    """LibreLane warns about removed variables (config/removals.py) rather than failing."""
    sb = ReplaySandbox(ws)
    eng = LibreLaneEngine()
    d = design(ws, options={"CTS_TOLERANCE": 50})
    res = run_flow(eng, d, flow_dir(ws), sb, eng.default_config(d), to_stage="synthesis")
    notes = [x.message for x in res.stages[0].diagnostics if x.code == "config-key"]
    assert len(notes) == 1 and "'CTS_TOLERANCE' has been removed" in notes[0]


def test_openlane2_deferred_error_without_final_views_is_carried_too(ws):
    """OpenLane 2.3.10 saves no final/ when it ends on deferred errors; the failed steps being
    deferred checkers is what tells it from an immediate error there."""
    sb = ReplaySandbox(ws, deferred=PDN)
    eng = LibreLaneEngine()
    d = design(ws, options={"command": "openlane"})
    res = run_flow(eng, d, flow_dir(ws), sb, eng.default_config(d), to_stage="cts")
    assert [s.status for s in res.stages] == ["ok"] * 4, [s.summary for s in res.stages]
    assert sb.flag(sb.calls[3], "--from") == "OpenROAD.CTS"
    assert any(x.code == "deferred" for x in res.stages[2].diagnostics)


@pytest.mark.parametrize("tool,version", [("librelane", "3.0.17"), ("openlane", "2.3.10")])
def test_stage_boundaries_against_the_classic_flow_of_the_checked_versions(tool, version):
    """The Classic step ids of the versions the driver is checked against (from the packages:
    data/*-variables.json): each stage starts right after the previous one ends, the deferred
    checkers named in librelane_deferred exist, Checker.PowerGridViolations is in placement."""
    from siliconcrew.engines.librelane_deferred import DEFERRED_CHECKERS

    steps = json.loads(_data_file(tool, version).read_text())["classic_steps"]
    ranges = list(STAGE_STEPS.values())
    for (_, prev_to), (nxt_from, _) in zip(ranges, ranges[1:], strict=False):
        assert steps.index(nxt_from) == steps.index(prev_to) + 1, (prev_to, nxt_from)
    frm, to = STAGE_STEPS["placement"]
    assert steps.index(frm) < steps.index("Checker.PowerGridViolations") < steps.index(to)
    frm, to = STAGE_STEPS["routing"]
    assert steps.index(frm) < steps.index("Checker.TrDRC") < steps.index(to)
    assert "Netgen.LVS" in steps[steps.index(STAGE_STEPS["signoff"][0]) :]
    for checker in DEFERRED_CHECKERS:
        if checker.startswith("Checker.KLayout") and checker not in steps:
            continue  # KLayout density/antenna checkers are not in the Classic flow
        assert checker in steps, checker


def _data_file(tool: str, version: str) -> Path:
    import siliconcrew.engines.librelane_vars as lv

    return lv.DATA_DIR / f"{tool}-{version}-variables.json"


def test_dry_run_is_refused_for_an_engine_without_a_plan(ws):
    from siliconcrew.steps.harden import harden

    (ws / "spec.md").write_text("adder\n")
    (ws / "design.yaml").write_text(
        f"name: alu\ntop: {TOP}\nspec: spec.md\nrtl: [rtl/alu.v]\n"
        "clock: {port: clk, period_ns: 20}\n"
        "flow: {engine: qflow, pdk: osu018}\n"
    )
    opened = []
    with pytest.raises(UserInputError, match="--dry-run is not available"):
        harden(
            ws, lambda path, image=None: opened.append(path) or ReplaySandbox(path), dry_run=True
        )
    assert opened == [] and not (ws / "runs").exists()


def _ended(tmp_path: Path, dirs: dict[str, bool], *, final: bool, error_log: str = "") -> tuple:
    """A run folder whose new step folders are `dirs` (name → finished with state_out.json)."""
    run = tmp_path / "run"
    run.mkdir(parents=True)
    made = []
    for name, finished in dirs.items():
        d = run / name
        d.mkdir()
        (d / "state_in.json").write_text("{}")
        if finished:
            (d / "state_out.json").write_text("{}")
        made.append(d)
    if final:
        (run / "final").mkdir()
    (run / "error.log").write_text(error_log)
    return run, made


def _res(code: int, *, killed: str | None = None) -> ExecResult:
    return ExecResult(
        argv=["librelane"],
        exit_code=code,
        duration_s=1.0,
        timed_out=False,
        output="",
        log_path=Path("x.log"),
        output_bytes=0,
        truncated=False,
        backend="replay",
        killed_reason=killed,
    )


def test_what_counts_as_a_deferred_ending(tmp_path):
    from siliconcrew.engines.librelane_deferred import deferred_errors

    pdn = (FIXTURES_HERE / "deferred_pdn_error.log").read_text()
    steps = {
        "28-openroad-globalplacement": True,
        "30-checker-powergridviolations": False,
        "34-openroad-detailedplacement": True,
    }
    run, made = _ended(tmp_path / "a", steps, final=True, error_log=pdn)
    got = deferred_errors(run, made, {}, _res(2))
    assert [(d.step, d.step_dir) for d in got] == [
        ("Checker.PowerGridViolations", "30-checker-powergridviolations")
    ]
    assert got[0].message == (
        "5 power grid violations (as reported by OpenROAD PSM- you may "
        "ignore these if LVS passes) found."
    )
    assert deferred_errors(run, made, {}, _res(1)) is None  # not a FlowError
    assert deferred_errors(run, made, {}, _res(2, killed="OOM")) is None
    assert (
        deferred_errors(run, made, {"error.log": len(pdn)}, _res(2))[0].message
        == "design__power_grid_violation__count above its threshold"
    )  # message already read
    run, made = _ended(tmp_path / "b", steps, final=False, error_log=pdn)
    assert deferred_errors(run, made, {}, _res(2)) is None  # LibreLane 3: immediate
    assert deferred_errors(run, made, {}, _res(2), saves_final=False)  # OpenLane 2.3.10
    run, made = _ended(
        tmp_path / "c", {**steps, "33-openroad-detailedplacement": False}, final=True
    )
    assert deferred_errors(run, made, {}, _res(2)) is None  # a tool step failed too
    run, made = _ended(tmp_path / "d", {"52-checker-disconnectedpins": False}, final=True)
    assert deferred_errors(run, made, {}, _res(2)) is None  # an immediate checker


def test_dry_run_from_the_cli_prints_the_commands_and_config(ws):
    """`harden --dry-run` (the CLI): exact command lines + config.json, exit 0, nothing run."""
    import json as _json

    from tests.conftest import run_cli

    folder = _design_folder(ws)
    proc = run_cli("harden", str(folder), "--dry-run", "--json", "--sandbox", "local")
    assert proc.returncode == 0, proc.stderr[-1500:]
    plan = _json.loads(proc.stdout)
    assert plan["commands"][0]["command"].startswith("librelane config.json")
    assert plan["config_json"]["DESIGN_NAME"] == TOP and not (folder / "runs").exists()
    text = run_cli("harden", str(folder), "--dry-run", "--sandbox", "local")
    assert text.returncode == 0 and "librelane config.json" in text.stdout
    assert '"DESIGN_NAME"' in text.stdout
    typo = _design_folder(ws, ", FP_CORE_UTILL: 30")
    bad = run_cli("harden", str(typo), "--dry-run", "--sandbox", "local")
    assert bad.returncode == 2 and "did you mean 'FP_CORE_UTIL'" in bad.stderr
