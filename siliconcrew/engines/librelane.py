"""The `librelane` flow engine: LibreLane (or OpenLane 2) Classic flow in the sandbox.

What it runs
------------
`librelane config.json --run-tag <tag> --manual-pdk --pdk-root <root> --pdk <pdk> -j <cpus>
[--scl <scl>] [--from <step>] [--to <step>] [--with-initial-state <state_out.json>]` with the
flow folder as working directory (flags as in LibreLane 3.0.17's flows/cli.py and __main__.py).
`flow.options.command: openlane` runs OpenLane 2.x instead (same flags). `plan()` shows these
command lines and the config.json without running anything (harden's dry run).

config.json is the flow's config plus `meta: {version: 2}` (unknown keys are errors in
LibreLane) and the thread counts sized from the sandbox's CPU limit; its keys are checked
first against LibreLane's own variable list (librelane_vars), deprecated names translated.

Stages are groups of LibreLane step ids (Classic flow; ids checked against real run folders and
flow logs of LibreLane and OpenLane 2, see STAGE_STEPS). Each stage is one LibreLane
invocation of its step range, in one run folder `runs/<tag>/` that all stages share:

- the first stage starts a fresh run (an old `runs/<tag>/` is removed first);
- every later stage passes `--with-initial-state` = the last `state_out.json` its previous
  stage produced (recorded in `librelane_states.json`), so a re-run from a stage starts from
  that stage's real input, not from whatever ran last in the folder; LibreLane numbers the new
  step folders after the existing ones;
- results are read from files, never scraped from the console: `final/metrics.json` (which
  LibreLane rewrites at the end of every invocation; the newest step's `state_out.json`
  when a failed step left no `final/`), the step logs of the step folders this invocation
  created (OpenROAD `[ERROR GPL-0302]` / `[WARNING RSZ-0062]` alerts, Verilator and Yosys
  messages) and the new part of `runs/<tag>/error.log` / `warning.log`.

- a stage that LibreLane ends with *deferred* checker errors only (exit 2, `final/` saved,
  only checker steps unfinished) is finished: LibreLane itself would have run on, so the next
  stage starts from the newest state and the errors are judged when the flow ends
  (librelane_deferred; signoff_clean).

One invocation per stage costs a few seconds of LibreLane start-up each; in exchange every
stage reports on its own, and `--from` / the repair loop can restart at any stage.

What a user must provide
------------------------
- The LibreLane image as the sandbox image (`SILICONCREW_IMAGE=ghcr.io/librelane/librelane:
  <version>` or `sandbox.image` in the config file; `flow.options.image` is reported by
  `required_image()` for callers that open the sandbox). Without it the command is missing
  and the stage fails saying so.
- A PDK installed with ciel *inside the workspace* (the sandbox mounts only the workspace), e.g.
  `pip install ciel; ciel enable --pdk-root ./pdk --pdk-family sky130 <open_pdks commit>`, and
  `flow.options.pdk_root: pdk` in design.yaml (or `PDK_ROOT`). The engine passes
  `--manual-pdk` (the sandbox has no network, so LibreLane must not try to fetch a PDK) and,
  when `<root>/<pdk>` is ciel's symlink, the real version folder it points to (the link
  itself may be absolute and would dangle inside the container).

Options (`flow.options` in design.yaml → `DesignInput.options`): lower-case keys are engine
options (ENGINE_OPTIONS); UPPER-CASE keys, and the mapping under `config`, are LibreLane
variables that override the generated configuration.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import math
import os
import re
import shlex
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.params import check_parameters, synth_parameters
from siliconcrew.engines.base import (
    METRIC_NAMES,
    DesignInput,
    FlowEngine,
    StageResult,
    copy_include_files,
    include_dir_files,
)
from siliconcrew.engines.librelane_deferred import deferred_errors, judge_deferred
from siliconcrew.engines.librelane_vars import (
    META,
    VariableTable,
    check_keys,
    coerce_values,
    load_table,
    shipped_versions,
    to_older_names,
    translate_deprecated,
    version_for,
)
from siliconcrew.sandbox.base import ExecResult, Sandbox
from siliconcrew.sandbox.follow import LogFollower
from siliconcrew.tools.base import Diagnostic
from siliconcrew.tools.diagnostics import parse_verilator, parse_yosys

IMAGE_HINT = "ghcr.io/librelane/librelane:<version>"
DEFAULT_TAG = "siliconcrew"
DEFAULT_STAGE_TIMEOUT_S = 4 * 3600.0
STATES_FILE = "librelane_states.json"
DEFERRED_FILE = "librelane_deferred.json"  # stage → deferred checker errors it carried on
ENGINE_OPTIONS = (
    "pdk_root",
    "command",
    "image",
    "run_tag",
    "timeout_s",
    "config",
    "librelane_version",
)
RUN_RECORD = "librelane_run.json"
#: LibreLane variables that size a step's threads / parallel corner processes. Each defaults to
#: `_get_process_limit()` = `_OPENLANE_MAX_CORES` or os.cpu_count() (common/misc.py, 3.0.17:
#: DRT_THREADS in OpenROAD.DetailedRouting.run, STA_THREADS for the per-corner STA and RCX
#: pools, KLAYOUT_*_THREADS in steps/klayout.py) — the *host's* core count inside a container
#: limited to a few CPUs and 512 processes. `-j/--jobs` (flows/cli.py) only sizes LibreLane's
#: own thread pool, so both are set from the sandbox's CPU limit.
THREAD_VARIABLES = (
    "DRT_THREADS",
    "STA_THREADS",
    "KLAYOUT_DRC_THREADS",
    "KLAYOUT_XOR_THREADS",
    "KLAYOUT_DENSITY_THREADS",
)

# Coarse stages → (first step id, last step id) of the Classic flow, for --from/--to. Contiguous:
# every Classic step falls in exactly one range. None = start / end of the flow.
# `OpenROAD.STAMidPNR-2` is the third STAMidPNR instance (LibreLane numbers duplicates -1, -2,
# ...; same in OpenLane 2). Fill insertion counts as signoff because `Odb.CellFrequencyTables`,
# which follows it in LibreLane, does not exist in OpenLane 2.
STAGE_STEPS: dict[str, tuple[str | None, str | None]] = {
    "synthesis": (None, "OpenROAD.STAPrePNR"),  # lint, Yosys, SDC checks, pre-PnR STA
    "floorplan": ("OpenROAD.Floorplan", "Odb.ApplyDEFTemplate"),  # die, taps, PDN, IO pins
    "placement": ("OpenROAD.GlobalPlacement", "OpenROAD.DetailedPlacement"),  # + repair_design
    "cts": ("OpenROAD.CTS", "OpenROAD.STAMidPNR-2"),  # clock tree + post-CTS timing repair
    "routing": ("OpenROAD.GlobalRouting", "Checker.WireLength"),  # GRT, antennas, DRT, checks
    "signoff": ("OpenROAD.FillInsertion", None),  # fill, RCX, STA, GDS, DRC, LVS, checkers
}
STAGES = tuple(STAGE_STEPS)

# PDK → its usual standard-cell library (LibreLane's default SCL for that PDK).
DEFAULT_SCL = {
    "sky130A": "sky130_fd_sc_hd",
    "sky130B": "sky130_fd_sc_hd",
    "gf180mcuA": "gf180mcu_fd_sc_mcu7t5v0",
    "gf180mcuB": "gf180mcu_fd_sc_mcu7t5v0",
    "gf180mcuC": "gf180mcu_fd_sc_mcu7t5v0",
    "gf180mcuD": "gf180mcu_fd_sc_mcu7t5v0",
    "ihp-sg13g2": "sg13g2_stdcell",
}
DEFAULT_CORE_UTIL = 40
DEFAULT_DENSITY_PCT = 55

# OpenLane 1 metrics.csv columns with a clear LibreLane equivalent (name, scale).
OL1_TO_LIBRELANE: dict[str, tuple[str, float]] = {
    "tritonRoute_violations": ("route__drc_errors", 1),
    "Magic_violations": ("magic__drc_error__count", 1),
    "klayout_violations": ("klayout__drc_error__count", 1),
    "lvs_total_errors": ("design__lvs_error__count", 1),
    "net_antenna_violations": ("antenna__violating__nets", 1),
    "pin_antenna_violations": ("antenna__violating__pins", 1),
    "wire_length": ("route__wirelength", 1),
    "wns": ("timing__setup__wns", 1),  # worst *negative* slack (0 when met), as LibreLane
    "tns": ("timing__setup__tns", 1),
    "spef_wns": ("timing__setup__wns", 1),  # post-extraction value wins when measured
    "spef_tns": ("timing__setup__tns", 1),
    "DIEAREA_mm^2": ("design__die__area", 1e6),  # LibreLane reports µm²
    "CoreArea_um^2": ("design__core__area", 1),
}
# Older LibreLane/OpenLane 2 spellings → current names (added when the current one is absent).
METRIC_ALIASES = {
    "design__lvs_errors__count": "design__lvs_error__count",
    "design__lvs_unmatched_pins__count": "design__lvs_unmatched_pin__count",
    "design__lvs_unmatched_nets__count": "design__lvs_unmatched_net__count",
    "design__lvs_unmatched_devices__count": "design__lvs_unmatched_device__count",
    "route__antenna_violation__count": "antenna__violating__nets",
}

_CODE = r"(?P<code>[A-Z]{2,5}-\d{4})"
_ALERT = re.compile(r"^\[(?P<sev>ERROR|WARNING|CRITICAL)\s+" + _CODE + r"\]\s*(?P<msg>.*)$")
_CODED = re.compile(r"^\[(?:(?:ERROR|WARNING|CRITICAL)\s+)?" + _CODE + r"\]\s*(?P<msg>.*)$")
_STEP_DIR = re.compile(r"^(?P<ord>\d+)-(?P<slug>[a-z0-9-]+)$")
MAX_WARNINGS = 100
MAX_ERRORS = 50


# -- metrics -----------------------------------------------------------------------------------
def _value(v: Any) -> Any:
    """Metric value as int/float/str; non-finite numbers (LibreLane writes Infinity when there
    is no path to time) become None so results stay valid JSON."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return v if math.isfinite(v) else None
    if isinstance(v, str):
        s = v.strip()
        try:
            return int(s)
        except ValueError:
            pass
        try:
            f = float(s)
        except ValueError:
            return s
        return f if math.isfinite(f) else None
    return v


def normalize_metrics(raw: dict[str, Any]) -> dict[str, Any]:
    """LibreLane metrics with every key kept; aliases of older spellings filled in."""
    out = {k: _value(v) for k, v in raw.items()}
    for old, new in METRIC_ALIASES.items():
        if old in out and new not in out:
            out[new] = out[old]
    for what in ("die", "core"):  # OpenLane 2 betas report only the bounding box
        box, area = out.get(f"design__{what}__bbox"), f"design__{what}__area"
        if area not in out and isinstance(box, str):
            try:
                x0, y0, x1, y1 = (float(v) for v in box.split())
            except ValueError:
                continue
            out[area] = round((x1 - x0) * (y1 - y0), 4)
    return out


def read_metrics_json(path: Path) -> dict[str, Any]:
    """`final/metrics.json`, or a `state_out.json`/`state_in.json` (metrics under "metrics")."""
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    if isinstance(data.get("metrics"), dict):
        data = data["metrics"]
    return normalize_metrics(data)


def parse_metrics_csv(source: str | Path) -> dict[str, Any]:
    """metrics.csv of LibreLane / OpenLane 2 (`Metric,Value` rows) or OpenLane 1 (one wide row).

    OpenLane 1 columns keep their names and, where a clear equivalent exists, are also given
    their LibreLane name (OL1_TO_LIBRELANE); OL1 writes -1 for "not measured", which is not
    mapped.
    """
    text = (
        Path(source).read_text()
        if isinstance(source, Path)
        or (isinstance(source, str) and "\n" not in source and Path(source).is_file())
        else source
    )
    rows = [r for r in csv.reader(io.StringIO(text)) if r]
    if not rows:
        return {}
    if [c.strip() for c in rows[0][:2]] == ["Metric", "Value"]:
        return normalize_metrics({r[0]: r[1] if len(r) > 1 else None for r in rows[1:]})
    if len(rows) < 2:
        raise ValueError("metrics.csv: a header row without values")
    raw = {k: _value(v) for k, v in zip(rows[0], rows[1], strict=False)}
    out = dict(raw)
    for ol1 in OL1_TO_LIBRELANE:  # dict order: spef_* after wns/tns, so measured spef wins
        name, scale = OL1_TO_LIBRELANE[ol1]
        v = raw.get(ol1)
        if isinstance(v, (int, float)) and v != -1:
            out[name] = v * scale if scale != 1 else v
    return normalize_metrics(out)


def common_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in METRIC_NAMES if k in metrics}


# -- log parsing -------------------------------------------------------------------------------
def _continuation(line: str, code: str) -> bool:
    s = line.strip()
    return (
        bool(s)
        and ":" in s
        and not s.startswith(("[", "Error", "+", "Command exited"))
        and s != code
    )


def parse_openroad_alerts(lines: Iterable[str], file: str | None = None) -> list[Diagnostic]:
    """`[ERROR GPL-0302] msg` / `[WARNING RSZ-0062] msg` lines of an OpenROAD step log.

    Up to three following `key: value` lines are kept with an error (GPL-0302 says the given
    and the suggested target density there). Streams: step logs can be large.
    """
    out: list[Diagnostic] = []
    pending: Diagnostic | None = None  # an error still collecting continuation lines
    extra: list[str] = []

    def flush() -> None:
        nonlocal pending, extra
        if pending is not None:
            msg = pending.message + (" | " + " | ".join(extra) if extra else "")
            out.append(pending.model_copy(update={"message": msg}))
        pending, extra = None, []

    for i, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if pending is not None:
            if len(extra) < 3 and _continuation(line, pending.code or ""):
                extra.append(line.strip())
                continue
            flush()
        if not line.startswith("["):
            continue
        m = _ALERT.match(line.rstrip())
        if not m:
            continue
        d = Diagnostic(
            file=file,
            line=i,
            code=m.group("code"),
            message=m.group("msg").strip(),
            severity="warning" if m.group("sev") == "WARNING" else "error",
        )
        if d.severity == "error":
            pending = d
        else:
            out.append(d)
    flush()
    return out


def parse_flow_messages(text: str, severity: str, file: str | None = None) -> list[Diagnostic]:
    """LibreLane's run-level `warning.log` / `error.log`: one message a line, `* item` lines
    continue the previous one; `[RSZ-0062] ...` carries the tool's code."""
    out: list[Diagnostic] = []
    for line in text.splitlines():
        s = line.rstrip()
        if not s.strip():
            continue
        if out and (s.startswith((" ", "\t")) or s.lstrip().startswith("* ")):
            out[-1] = out[-1].model_copy(update={"message": out[-1].message + " " + s.strip()})
            continue
        m = _CODED.match(s.strip())
        out.append(
            Diagnostic(
                file=file,
                severity=severity,
                code=m.group("code") if m else None,
                message=(m.group("msg") if m else s).strip(),
            )
        )
    return out


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple] = set()
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    dropped = 0
    for d in diags:
        key = (d.severity, d.code, d.message.split(" | ")[0])  # details kept from the first
        if key in seen:
            continue
        seen.add(key)
        bucket, cap = (errors, MAX_ERRORS) if d.severity == "error" else (warnings, MAX_WARNINGS)
        if len(bucket) < cap:
            bucket.append(d)
        else:
            dropped += 1
    if dropped:
        warnings.append(
            Diagnostic(
                severity="info",
                code="librelane",
                message=f"{dropped} more messages not listed (see the logs)",
            )
        )
    return errors + warnings


# -- the engine --------------------------------------------------------------------------------
class LibreLaneEngine(FlowEngine):
    name = "librelane"
    stages = STAGES

    # -- options ------------------------------------------------------------------------------
    @staticmethod
    def engine_options(design: DesignInput) -> dict[str, Any]:
        bad = [k for k in design.options if not k.isupper() and k not in ENGINE_OPTIONS]
        if bad:
            raise UserInputError(
                f"unknown librelane-engine option '{bad[0]}'",
                f"engine options: {', '.join(ENGINE_OPTIONS)}; LibreLane variables are UPPER_CASE",
            )
        return {k: v for k, v in design.options.items() if k in ENGINE_OPTIONS}

    def required_image(self, design: DesignInput) -> str | None:
        """The sandbox image the user asked for in flow.options.image (the caller opens the
        sandbox; this engine can only run where `librelane` exists)."""
        return self.engine_options(design).get("image")

    def _command(self, design: DesignInput) -> list[str]:
        cmd = self.engine_options(design).get("command") or "librelane"
        argv = shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]
        if not argv:
            raise UserInputError("flow.options.command is empty", "use librelane or openlane")
        return argv

    def _tag(self, design: DesignInput) -> str:
        tag = str(self.engine_options(design).get("run_tag") or DEFAULT_TAG)
        if not re.fullmatch(r"[\w.-]+", tag):
            raise UserInputError(
                f"run_tag '{tag}' is not a plain folder name", "use letters, digits, '.', '-', '_'"
            )
        return tag

    def pdk_root(self, design: DesignInput, sandbox: Sandbox) -> Path:
        """Host folder to pass as --pdk-root: holds `<pdk>/` and lies inside the workspace."""
        hint = (
            f"install the PDK with ciel inside the design folder (pip install ciel; ciel "
            f"enable --pdk-root ./pdk --pdk-family {_family(design.pdk)} <open_pdks "
            "commit>) and set flow.options.pdk_root: pdk in design.yaml (or PDK_ROOT)"
        )
        raw = self.engine_options(design).get("pdk_root") or os.environ.get("PDK_ROOT")
        if not raw:
            raise UserInputError("PDK root not set for the librelane engine", hint)
        root = Path(str(raw)).expanduser()
        if not root.is_absolute():
            root = sandbox.workspace / root
        kit = root / design.pdk
        if not kit.is_dir():
            raise UserInputError(f"PDK '{design.pdk}' not found in PDK root {root}", hint)
        real = kit.resolve()  # ciel: <root>/sky130A -> <root>/ciel/sky130/versions/<hash>/sky130A
        ws = sandbox.workspace
        if real != ws and ws not in real.parents:
            raise UserInputError(
                f"PDK {real} is outside the workspace {ws}, so the sandbox cannot see it",
                "install (or copy, or bind-mount) the PDK inside the workspace; " + hint,
            )
        sandbox.check_readable(real)
        return real.parent

    # -- configuration ----------------------------------------------------------------------------
    @staticmethod
    def _rtl_layout(design: DesignInput) -> list[tuple[Path, str]]:
        """(source file, path relative to the flow folder) for the RTL copied into src/."""
        out, used = [], set()
        for src in design.rtl:
            name = src.name
            n = 1
            while name in used:
                n += 1
                name = f"{src.stem}_{n}{src.suffix}"
            used.add(name)
            out.append((src, f"src/{name}"))
        return out

    @staticmethod
    def _headers(design: DesignInput) -> list[Path]:
        """Include files next to the RTL (`include "defs.vh"`), copied along with it."""
        rtl = {p.resolve() for p in design.rtl}
        seen, out = set(), []
        for d in sorted({p.parent for p in design.rtl}):
            for pat in ("*.vh", "*.svh", "*.h"):
                for f in sorted(d.glob(pat)):
                    if f.resolve() not in rtl and f.name not in seen:
                        seen.add(f.name)
                        out.append(f)
        return out

    def default_config(self, design: DesignInput) -> dict[str, Any]:
        opts = self.engine_options(design)
        config: dict[str, Any] = {
            "DESIGN_NAME": design.top,
            "VERILOG_FILES": [f"dir::{rel}" for _, rel in self._rtl_layout(design)],
            "CLOCK_PERIOD": design.clock_period_ns,
            "FP_CORE_UTIL": DEFAULT_CORE_UTIL,
            "PL_TARGET_DENSITY_PCT": DEFAULT_DENSITY_PCT,
            "PDK": design.pdk,
        }
        # No clock port: CLOCK_PORT stays unset and LibreLane's base SDC constrains the IO
        # paths with a virtual clock of CLOCK_PERIOD (CTS then skips itself).
        if design.clock_port:
            config["CLOCK_PORT"] = design.clock_port
        if design.pdk in DEFAULT_SCL:
            config["STD_CELL_LIBRARY"] = DEFAULT_SCL[design.pdk]
        if self._headers(design) or include_dir_files(design):
            config["VERILOG_INCLUDE_DIRS"] = ["dir::src"]
        overrides = opts.get("config") or {}
        if not isinstance(overrides, dict):
            raise UserInputError(
                "flow.options.config must be a mapping of LibreLane variables",
                "e.g. config: {FP_CORE_UTIL: 30}",
            )
        config.update(self._recipe_config(design))
        if design.parameters:  # design.yaml `parameters:` (chparam'ed on the top)
            if "SYNTH_PARAMETERS" in overrides or "SYNTH_PARAMETERS" in design.options:
                raise UserInputError(
                    "SYNTH_PARAMETERS in flow.options and parameters: in "
                    "design.yaml both set the top's parameters",
                    "keep parameters: (every check builds with it) and remove SYNTH_PARAMETERS",
                )
            config["SYNTH_PARAMETERS"] = synth_parameters(check_parameters(design.parameters))
        config.update({k: v for k, v in design.options.items() if k.isupper()})
        config.update(overrides)
        config, _ = translate_deprecated(config, self.variable_table(design, tool="librelane"))
        return config

    def variable_table(
        self, design: DesignInput, sandbox: Sandbox | None = None, *, tool: str | None = None
    ) -> VariableTable:
        """The variable list (librelane_vars) of the tool that runs (`tool=None`), or of
        `tool`: the engine's own config is in LibreLane's names (tool="librelane")."""
        opts = self.engine_options(design)
        image = (
            opts.get("image")
            or (sandbox.settings.image if sandbox is not None else None)
            or os.environ.get("SILICONCREW_IMAGE")
        )
        tool = tool or self._tool(design)
        return load_table(
            version_for(
                opts.get("librelane_version") if tool == self._tool(design) else None,
                image if tool == self._tool(design) else None,
                tool,
            ),
            tool,
        )

    def deprecation_notes(self, design: DesignInput) -> list[Diagnostic]:
        """What default_config renamed in the user's options (recomputed from the options, so
        the first stage can report it without the engine keeping state)."""
        opts = self.engine_options(design)
        raw = {k: v for k, v in design.options.items() if k.isupper()}
        raw.update(opts.get("config") or {})
        _, notes = translate_deprecated(raw, self.variable_table(design, tool="librelane"))
        return [
            Diagnostic(severity="warning", code="deprecated-variable", message=n) for n in notes
        ]

    @staticmethod
    def jobs(sandbox: Sandbox) -> int:
        """Parallel jobs for LibreLane: the sandbox's CPU limit (SandboxSettings.cpus), at
        least 1."""
        return max(1, int(math.floor(float(sandbox.settings.cpus))))

    def librelane_config(
        self, design: DesignInput, config: dict[str, Any], sandbox: Sandbox
    ) -> dict[str, Any]:
        """The config.json LibreLane reads: `meta` (strict: unknown keys are errors), the
        flow's config, and the thread counts from the sandbox's CPU limit where the user
        set none. Refuses (UserInputError, before anything runs) a key LibreLane does not
        know, naming the closest one."""
        table = self.variable_table(design, sandbox)
        config = self._for_tool(design, config, sandbox)
        report = check_keys(config, table)
        if report.errors:
            more = f" (+{len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
            raise UserInputError(
                report.errors[0] + more,
                (
                    f"fix flow.options in design.yaml; the names are {table.label}'s "
                    "(flow.options.librelane_version picks another shipped list: "
                    f"{', '.join(shipped_versions(table.tool))})"
                ),
            )
        out: dict[str, Any] = {"meta": dict(META)}
        out.update(coerce_values(config, table))
        jobs = self.jobs(sandbox)
        for var in THREAD_VARIABLES:
            if var in table.names and var not in config:
                out[var] = jobs
        return out

    def _tool(self, design: DesignInput) -> str:
        """librelane, or openlane for OpenLane 2 (`command: openlane`): whose variable list
        config.json is written for and checked against."""
        return (
            "openlane"
            if Path(self._command(design)[0]).name.startswith("openlane")
            else "librelane"
        )

    def _for_tool(
        self, design: DesignInput, config: dict[str, Any], sandbox: Sandbox | None
    ) -> dict[str, Any]:
        """The engine's config (LibreLane 3 names) in the names of the tool that runs."""
        if self._tool(design) == "librelane":
            return config
        out, _ = to_older_names(
            config,
            self.variable_table(design, tool="librelane"),
            self.variable_table(design, sandbox),
        )
        return out

    @staticmethod
    def _recipe_config(design: DesignInput) -> dict[str, Any]:
        """LibreLane's own knobs for a synthesis recipe: a delay-oriented ABC strategy and
        gate sizing. Prefix adders and retiming have no LibreLane variable; they are not
        carried (LibreLane's resizer/timing repair runs after placement anyway)."""
        recipe = design.synth_recipe or {}
        out: dict[str, Any] = {}
        if recipe.get("abc_script"):
            out["SYNTH_STRATEGY"] = "DELAY 1"
        if recipe.get("gate_sizing"):
            out["SYNTH_SIZING"] = True
        return out

    def prepare(
        self, design: DesignInput, flow_dir: Path, config: dict[str, Any], sandbox: Sandbox
    ) -> None:
        self.pdk_root(design, sandbox)  # refuse early, before anything runs
        self._command(design)
        self._tag(design)
        src = flow_dir / "src"
        src.mkdir(parents=True, exist_ok=True)
        for path, rel in self._rtl_layout(design):
            if not path.is_file():
                raise UserInputError(f"RTL file not found: {path}", "fix rtl: in design.yaml")
            shutil.copyfile(path, flow_dir / rel)
        for header in self._headers(design):
            shutil.copyfile(header, src / header.name)
        copy_include_files(design, src)
        written = self.librelane_config(design, config, sandbox)
        (flow_dir / "config.json").write_text(json.dumps(written, indent=2) + "\n")
        table = self.variable_table(design, sandbox)
        record = _read_json(flow_dir / RUN_RECORD)
        record.update(
            {
                "checked_against": f"{table.label} (Classic flow)",
                "jobs": self.jobs(sandbox),
                "sandbox_cpus": sandbox.settings.cpus,
                "threads": {k: written[k] for k in THREAD_VARIABLES if k in written},
                "key_warnings": check_keys(self._for_tool(design, config, sandbox), table).warnings,
            }
        )
        record.setdefault("commands", {})
        _write_json(flow_dir / RUN_RECORD, record)
        runs = flow_dir / "runs"
        runs.mkdir(exist_ok=True)
        sandbox.make_writable(runs)

    # -- dry run ----------------------------------------------------------------------------------
    def plan(
        self,
        design: DesignInput,
        flow_dir: Path,
        config: dict[str, Any],
        sandbox: Sandbox,
        *,
        from_stage: str | None = None,
        to_stage: str | None = None,
    ) -> dict[str, Any]:
        """What a run would do, without running or writing anything: the exact config.json
        (after the key check, which refuses typos as a real run would), the LibreLane command
        line of every stage in the range, the working folder, the LibreLane version the keys
        were checked against and the warnings. A later stage's `--with-initial-state` is the
        state its previous stage leaves: shown as a placeholder unless a finished earlier
        run in flow_dir already has it."""
        self.pdk_root(design, sandbox)
        written = self.librelane_config(design, config, sandbox)
        table = self.variable_table(design, sandbox)
        states = self._load_states(flow_dir)
        commands = []
        for stage in self.stage_range(from_stage, to_stage):
            index = self.stages.index(stage)
            init = None
            if index:
                prev = self.stages[index - 1]
                init = (
                    states.get(prev)
                    if from_stage == stage and states.get(prev)
                    else f"<state_out.json left by stage '{prev}'>"
                )
            argv = self.command_line(stage, design, config, sandbox, init)
            commands.append({"stage": stage, "argv": argv, "command": shlex.join(argv)})
        warnings = [d.message for d in self.deprecation_notes(design)]
        warnings += check_keys(self._for_tool(design, config, sandbox), table).warnings
        return {
            "engine": self.name,
            "cwd": str(flow_dir),
            "checked_against": f"{table.label} (Classic flow)",
            "jobs": self.jobs(sandbox),
            "timeout_s": float(
                self.engine_options(design).get("timeout_s") or DEFAULT_STAGE_TIMEOUT_S
            ),
            "config_json": written,
            "commands": commands,
            "warnings": warnings,
        }

    # -- running ----------------------------------------------------------------------------------
    def command_line(
        self,
        stage: str,
        design: DesignInput,
        config: dict[str, Any],
        sandbox: Sandbox,
        init_state: str | None,
    ) -> list[str]:
        """The LibreLane invocation of one stage (flags as in librelane/flows/cli.py and
        __main__.py, 3.0.17): `--manual-pdk --pdk-root`, `-j` from the sandbox's CPU limit,
        `--from/--to` the stage's step range, `--with-initial-state` the previous stage's
        state (run from the flow folder, which holds config.json)."""
        frm, to = STAGE_STEPS[stage]
        argv = [
            *self._command(design),
            "config.json",
            "--run-tag",
            self._tag(design),
            "--manual-pdk",
            "--pdk-root",
            sandbox.inside(self.pdk_root(design, sandbox)),
            "--pdk",
            str(config.get("PDK") or design.pdk),
            "-j",
            str(self.jobs(sandbox)),
        ]
        if config.get("STD_CELL_LIBRARY"):
            argv += ["--scl", str(config["STD_CELL_LIBRARY"])]
        if frm:
            argv += ["--from", frm]
        if to:
            argv += ["--to", to]
        if init_state:
            argv += ["--with-initial-state", init_state]
        return argv

    def run_stage(
        self,
        stage: str,
        design: DesignInput,
        flow_dir: Path,
        config: dict[str, Any],
        sandbox: Sandbox,
        progress: Callable[[str], None] | None = None,
    ) -> StageResult:
        opts = self.engine_options(design)
        tag = self._tag(design)
        run_dir = flow_dir / "runs" / tag
        index = self.stages.index(stage)
        states = self._load_states(flow_dir)
        init_state: str | None = None
        if index == 0:
            if run_dir.exists():
                shutil.rmtree(run_dir)  # a run from the start is a fresh run
            states = {}
        else:
            prev = self.stages[index - 1]
            init_state = states.get(prev)
            if not init_state or not (flow_dir / init_state).is_file():
                raise UserInputError(
                    f"cannot start the librelane flow at '{stage}': stage '{prev}' has no "
                    f"finished result in {run_dir}",
                    f"run from '{prev}' (or from the start)",
                )
        if (run_dir / "final").exists():
            shutil.rmtree(run_dir / "final")  # LibreLane rewrites it; never read a stale one
        for later in self.stages[index:]:
            states.pop(later, None)
        self._save_states(flow_dir, states)
        before = set(self._step_dirs(run_dir))
        log_sizes = {n: _size(run_dir / n) for n in ("warning.log", "error.log")}

        argv = self.command_line(stage, design, config, sandbox, init_state)
        record = _read_json(flow_dir / RUN_RECORD)
        record.setdefault("commands", {})[stage] = argv
        _write_json(flow_dir / RUN_RECORD, record)
        timeout = float(opts.get("timeout_s") or DEFAULT_STAGE_TIMEOUT_S)
        # LibreLane logs every step to <run>/flow.log as it goes: its newest line is the step.
        with (
            LogFollower(sandbox.workspace, [run_dir / "flow.log"], progress)
            if progress
            else contextlib.nullcontext()
        ):
            res = sandbox.run(argv, cwd=flow_dir, timeout_s=timeout, log_name=f"librelane-{stage}")

        new_dirs = sorted((d for d in self._step_dirs(run_dir) if d not in before), key=_ordinal)
        diags = self._stage_diagnostics(run_dir, new_dirs, log_sizes, res, sandbox, flow_dir)
        deferred = (
            None
            if res.ok
            else deferred_errors(
                run_dir, new_dirs, log_sizes, res, saves_final=self._tool(design) == "librelane"
            )
        )
        carried = _read_json(flow_dir / DEFERRED_FILE)
        for later in self.stages[index:]:
            carried.pop(later, None)
        if deferred:
            carried[stage] = [d.to_dict() for d in deferred]
            # the checker's message was read as an error: it is a deferred one, judged at the end
            texts = {d.message for d in deferred}
            diags = [
                d for d in diags if d.severity != "error" or not any(t in d.message for t in texts)
            ]
            diags += [
                Diagnostic(
                    severity="warning",
                    code="deferred",
                    message=(
                        f"{d.step}: {d.message} (deferred: LibreLane carries on and reports it "
                        "when the flow ends; judged after signoff)"
                    ),
                )
                for d in deferred
            ]
        _write_json(flow_dir / DEFERRED_FILE, carried)
        if index == 0:  # what the key check said about the config, once per run
            diags = (
                self.deprecation_notes(design)
                + [
                    Diagnostic(severity="warning", code="config-key", message=str(w))
                    for w in _read_json(flow_dir / RUN_RECORD).get("key_warnings", [])
                ]
                + diags
            )
        ok = res.ok or bool(deferred)
        if ok:
            last = next(
                (
                    d / "state_out.json"
                    for d in reversed(new_dirs)
                    if (d / "state_out.json").is_file()
                ),
                None,
            )
            states[stage] = str(last.relative_to(flow_dir)) if last else (init_state or "")
            if not states[stage]:
                states.pop(stage)
            self._save_states(flow_dir, states)
        metrics = common_metrics(self._read_metrics(run_dir))
        steps = [_step_slug(d) for d in new_dirs]
        span = f"{len(new_dirs)} LibreLane step(s)" + (
            ""
            if not steps
            else f" ({steps[0]})"
            if len(steps) == 1
            else f" ({steps[0]} … {steps[-1]})"
        )
        if ok:
            summary = span + (
                f"; {len(deferred)} deferred checker error(s): "
                + "; ".join(d.message for d in deferred)
                if deferred
                else ""
            )
        else:
            coded = sorted(
                (d for d in diags if d.severity == "error"), key=lambda d: d.code is None
            )  # tool codes (GPL-0302) first
            errs = [(f"[{d.code}] " if d.code else "") + d.message for d in coded][:3]
            why = res.killed_reason or f"exit code {res.exit_code}"
            summary = f"librelane failed ({why}) after {span}" + (
                ": " + "; ".join(errs) if errs else ""
            )
        artifacts = {"run_dir": str(run_dir), "command": shlex.join(argv)}
        if new_dirs:
            artifacts["last_step_dir"] = str(new_dirs[-1])
        return StageResult(
            name=stage,
            status="ok" if ok else "failed",
            log_path=str(res.log_path.relative_to(flow_dir)),
            metrics=metrics,
            diagnostics=diags,
            artifacts=artifacts,
            summary=summary,
        )

    @staticmethod
    def _step_dirs(run_dir: Path) -> list[Path]:
        if not run_dir.is_dir():
            return []
        return [d for d in run_dir.iterdir() if d.is_dir() and _STEP_DIR.match(d.name)]

    @staticmethod
    def _load_states(flow_dir: Path) -> dict[str, str]:
        try:
            data = json.loads((flow_dir / STATES_FILE).read_text())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    @staticmethod
    def _save_states(flow_dir: Path, states: dict[str, str]) -> None:
        tmp = flow_dir / (STATES_FILE + ".tmp")
        tmp.write_text(json.dumps(states, indent=2))
        tmp.replace(flow_dir / STATES_FILE)

    def _stage_diagnostics(
        self,
        run_dir: Path,
        new_dirs: list[Path],
        log_sizes: dict[str, int],
        res: ExecResult,
        sandbox: Sandbox,
        flow_dir: Path,
    ) -> list[Diagnostic]:
        def rel(p: Path) -> str:
            try:
                return p.resolve().relative_to(sandbox.workspace).as_posix()
            except ValueError:
                return str(p)

        def map_path(p: str) -> str:
            host = sandbox.to_host(p) if p.startswith("/") else flow_dir / p
            return rel(host) if host is not None else p

        diags: list[Diagnostic] = []
        for step in new_dirs:
            slug = _step_slug(step)
            for log in sorted(step.rglob("*.log")):
                if slug.startswith("verilator-"):
                    diags += parse_verilator(log.read_text(errors="replace"), map_path)
                elif slug.startswith("yosys-"):
                    diags += parse_yosys(log.read_text(errors="replace"), map_path)
                else:
                    with log.open(errors="replace") as fh:
                        diags += parse_openroad_alerts(fh, rel(log))
        for name, sev in (("error.log", "error"), ("warning.log", "warning")):
            path = run_dir / name
            if _size(path) > log_sizes.get(name, 0):
                with path.open("rb") as fb:
                    fb.seek(log_sizes.get(name, 0))
                    text = fb.read().decode("utf-8", errors="replace")
                diags += parse_flow_messages(text, sev, rel(path))
        if not res.ok and not any(d.severity == "error" for d in diags):
            diags.append(self._failure_diagnostic(res))
        return _dedupe(diags)

    @staticmethod
    def _failure_diagnostic(res: ExecResult) -> Diagnostic:
        if res.timed_out:
            return Diagnostic(
                code="timeout",
                message=f"librelane {res.killed_reason}; raise "
                "flow.options.timeout_s if the design needs longer",
            )
        out = res.output
        if res.exit_code == 127 or "command not found" in out or "executable file not found" in out:
            return Diagnostic(
                code="no-librelane",
                message=(
                    f"'{res.argv[0]}' is not available in the sandbox: run with the LibreLane "
                    f"image (SILICONCREW_IMAGE={IMAGE_HINT}) or set flow.options.command"
                ),
            )
        tail = [
            ln.strip()
            for ln in out.splitlines()[-60:]
            if re.search(r"error|exception|failed", ln, re.I)
        ]
        msg = tail[-1] if tail else f"librelane exited with code {res.exit_code}"
        return Diagnostic(code="librelane", message=msg[:500])

    # -- results ----------------------------------------------------------------------------------
    @staticmethod
    def _read_metrics(run_dir: Path) -> dict[str, Any]:
        final = run_dir / "final" / "metrics.json"
        if final.is_file():
            return read_metrics_json(final)
        dirs = sorted(LibreLaneEngine._step_dirs(run_dir), key=_ordinal)
        for d in reversed(dirs):  # a step failed before LibreLane saved final/
            if (d / "state_out.json").is_file():
                try:
                    return read_metrics_json(d / "state_out.json")
                except (ValueError, AttributeError):
                    continue
        return {}

    def collect(
        self, design: DesignInput, flow_dir: Path, stages: list[StageResult], sandbox: Sandbox
    ) -> tuple[dict[str, Any], dict[str, str]]:
        run_dir = flow_dir / "runs" / self._tag(design)
        metrics = self._read_metrics(run_dir)
        final = run_dir / "final"
        artifacts: dict[str, str] = {}
        for key, pattern in (
            ("gds", "gds/*.gds"),
            ("def", "def/*.def"),
            ("netlist", "nl/*.nl.v"),
            ("powered_netlist", "pnl/*.pnl.v"),
            ("lef", "lef/*.lef"),
            ("odb", "odb/*.odb"),
            ("sdc", "sdc/*.sdc"),
            ("spef", "spef/nom/*.spef"),
            ("klayout_gds", "klayout_gds/*.gds"),
            ("png", "render/*.png"),
            ("metrics", "metrics.json"),
        ):
            found = sorted(final.glob(pattern))
            if found:
                artifacts[key] = str(found[0])
        if "png" not in artifacts:
            pngs = sorted(run_dir.glob("*/*.png"), key=lambda p: _ordinal(p.parent))
            if pngs:
                artifacts["png"] = str(pngs[-1])
        for key, path in (
            ("flow_log", run_dir / "flow.log"),
            ("resolved_config", run_dir / "resolved.json"),
            ("config", flow_dir / "config.json"),
        ):
            if path.is_file():
                artifacts[key] = str(path)
        for key, path in (
            ("run_record", flow_dir / RUN_RECORD),
            ("deferred_errors", flow_dir / DEFERRED_FILE),
        ):
            if path.is_file():
                artifacts[key] = str(path)
        # LibreLane's deferred checker errors, judged now that the flow (or this part) ended
        errors, waived = judge_deferred(_read_json(flow_dir / DEFERRED_FILE), metrics)
        if errors or waived:
            metrics["librelane__deferred_error__count"] = len(errors)
            metrics["librelane__deferred_waived__count"] = len(waived)
        config = _read_json(flow_dir / "config.json")
        period = config.get("CLOCK_PERIOD", design.clock_period_ns)
        if isinstance(period, (int, float)):
            metrics["clock__period_ns"] = period
            ws = metrics.get("timing__setup__ws")
            if (
                config.get("CLOCK_PORT")
                and isinstance(ws, (int, float))
                and period - ws > 0
                and "clock__fmax_mhz" not in metrics
            ):
                metrics["clock__fmax_mhz"] = round(1000.0 / (period - ws), 2)
        return metrics, artifacts

    def signoff_clean(self, metrics: dict[str, Any], artifacts: dict[str, str]) -> bool:
        """The base rule (GDS, Magic DRC 0, LVS 0, routing DRC 0) plus timing met in every
        corner LibreLane analysed (worst setup and hold slack >= 0) and no KLayout DRC errors.

        LibreLane itself only fails timing in TIMING_VIOLATION_CORNERS (tt by default), so a
        run that "completes" with ss-corner setup violations is not signed off here. A
        deferred checker error a stage carried on (librelane_deferred) fails signoff unless
        it was waived (power-grid violations with LVS clean), as LibreLane's whole run would.
        """
        if not super().signoff_clean(metrics, artifacts):
            return False
        if metrics.get("librelane__deferred_error__count", 0):
            return False
        for key in ("timing__setup__ws", "timing__hold__ws"):
            v = metrics.get(key)
            if isinstance(v, (int, float)) and v < 0:
                return False
        return metrics.get("klayout__drc_error__count") in (0, None)

    # -- repairs ----------------------------------------------------------------------------------
    def apply_action(
        self, action: str, params: dict[str, Any], config: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Abstract repair → LibreLane variables. None when not expressible or no change.

        - lower_density {step_pct=10}: FP_CORE_UTIL and PL_TARGET_DENSITY_PCT down by step_pct
          points (floors 5 and util+5: the density must stay above the utilization).
        - enlarge_die {factor=1.25}: factor is an *area* factor (as in the local engine).
          FP_SIZING absolute: DIE_AREA (and CORE_AREA) upper corner scaled by sqrt(factor);
          relative sizing: FP_CORE_UTIL / factor. None with FP_DEF_TEMPLATE (fixed tile).
        - enable_antenna_repair: RUN_ANTENNA_REPAIR, RUN_HEURISTIC_DIODE_INSERTION on,
          DIODE_ON_PORTS "in" (when unset/none), GRT_ANTENNA_REPAIR_ITERS and
          GRT_ANTENNA_REPAIR_MARGIN up (the current names: GRT_ANTENNA_ITERS / _MARGIN are
          their deprecated names in steps/common_variables.py, 3.0.17, and a deprecated name
          wins over the current one in LibreLane, so an old one is removed).
        - timing_repair {setup_margin_pct=5, hold_margin_pct=2}: percent of CLOCK_PERIOD as
          PL_/GRT_RESIZER_{SETUP,HOLD}_SLACK_MARGIN (ns; raised, never lowered), post-CTS and
          post-GRT resizer timing on.
        - fix_slew_cap {margin_pct}: DESIGN_REPAIR_MAX_{SLEW,CAP}_PCT and the GRT_ ones raised
          (to margin_pct, else +10), post-GRT design repair on.
        - relax_clock {factor=1.1 (>1)}: CLOCK_PERIOD * factor.
        - routing_effort {factor=2}: GRT_OVERFLOW_ITERS and DRT_OPT_ITERS * factor (caps 400
          / 128).
        """
        new = copy.deepcopy(config)
        if action == "lower_density":
            step = float(params.get("step_pct", 10))
            util = float(config.get("FP_CORE_UTIL", 50))
            dens = float(config.get("PL_TARGET_DENSITY_PCT", util + 10))
            new_util = _num(max(5.0, util - step))
            new["FP_CORE_UTIL"] = new_util
            new["PL_TARGET_DENSITY_PCT"] = _num(max(new_util + 5, dens - step))
        elif action == "enlarge_die":
            factor = float(params.get("factor", 1.25))
            if factor <= 1 or config.get("FP_DEF_TEMPLATE"):
                return None
            if str(config.get("FP_SIZING", "relative")) == "absolute" and config.get("DIE_AREA"):
                lin = math.sqrt(factor)
                for key in ("DIE_AREA", "CORE_AREA"):
                    if config.get(key):
                        new[key] = _scale_box(config[key], lin)
            else:
                new["FP_CORE_UTIL"] = _num(max(1.0, float(config.get("FP_CORE_UTIL", 50)) / factor))
        elif action == "enable_antenna_repair":
            new["RUN_ANTENNA_REPAIR"] = True
            new["RUN_HEURISTIC_DIODE_INSERTION"] = True
            if str(config.get("DIODE_ON_PORTS", "none")).lower() == "none":
                new["DIODE_ON_PORTS"] = "in"
            for old_name in ("GRT_ANTENNA_ITERS", "GRT_ANTENNA_MARGIN"):  # it would win
                new.pop(old_name, None)
            iters = config.get("GRT_ANTENNA_REPAIR_ITERS", config.get("GRT_ANTENNA_ITERS", 3))
            new["GRT_ANTENNA_REPAIR_ITERS"] = max(10, 2 * int(iters))
            margin = config.get("GRT_ANTENNA_REPAIR_MARGIN", config.get("GRT_ANTENNA_MARGIN", 10))
            new["GRT_ANTENNA_REPAIR_MARGIN"] = max(15, int(margin) + 5)
        elif action == "timing_repair":
            period = float(config.get("CLOCK_PERIOD", 10))
            setup = period * float(params.get("setup_margin_pct", 5)) / 100
            hold = period * float(params.get("hold_margin_pct", 2)) / 100
            for key, want, default in (
                ("PL_RESIZER_SETUP_SLACK_MARGIN", setup, 0.05),
                ("GRT_RESIZER_SETUP_SLACK_MARGIN", setup, 0.025),
                ("PL_RESIZER_HOLD_SLACK_MARGIN", hold, 0.1),
                ("GRT_RESIZER_HOLD_SLACK_MARGIN", hold, 0.05),
            ):
                new[key] = _num(round(max(float(config.get(key, default)), want), 4))
            new["RUN_POST_CTS_RESIZER_TIMING"] = True
            new["RUN_POST_GRT_RESIZER_TIMING"] = True
        elif action == "fix_slew_cap":
            margin = params.get("margin_pct")
            for key, default in (
                ("DESIGN_REPAIR_MAX_SLEW_PCT", 20),
                ("DESIGN_REPAIR_MAX_CAP_PCT", 20),
                ("GRT_DESIGN_REPAIR_MAX_SLEW_PCT", 10),
                ("GRT_DESIGN_REPAIR_MAX_CAP_PCT", 10),
            ):
                cur = float(config.get(key, default))
                new[key] = _num(max(cur, float(margin)) if margin is not None else cur + 10)
            new["RUN_POST_GRT_DESIGN_REPAIR"] = True
        elif action == "relax_clock":
            factor = float(params.get("factor", 1.1))
            if factor <= 1:
                return None
            new["CLOCK_PERIOD"] = _num(round(float(config.get("CLOCK_PERIOD", 10)) * factor, 4))
        elif action == "routing_effort":
            factor = float(params.get("factor", 2))
            for key, default, cap in (("GRT_OVERFLOW_ITERS", 50, 400), ("DRT_OPT_ITERS", 64, 128)):
                cur = int(config.get(key, default))
                new[key] = max(cur, min(cap, int(round(cur * factor))))
        else:
            return None
        return new if new != config else None


# -- helpers -----------------------------------------------------------------------------------
def _family(pdk: str) -> str:
    for fam in ("sky130", "gf180mcu", "ihp-sg13g2"):
        if pdk.startswith(fam):
            return fam
    return pdk


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _step_slug(path: Path) -> str:
    """The slug of a step directory (`_step_dirs` lists only names that match)."""
    m = _STEP_DIR.match(path.name)
    assert m is not None
    return m.group("slug")


def _ordinal(path: Path) -> int:
    m = _STEP_DIR.match(path.name)
    return int(m.group("ord")) if m else -1


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    tmp.replace(path)


def _num(x: float) -> int | float:
    """Whole numbers as int (LibreLane's config shows 40, not 40.0)."""
    return int(x) if float(x).is_integer() else x


def _scale_box(box: Any, lin: float) -> Any:
    """Scale the upper corner of "x0 y0 x1 y1" (string or list, kept as given) by lin."""
    parts = box.split() if isinstance(box, str) else list(box)
    x0, y0, x1, y1 = (float(v) for v in parts)
    scaled = [x0, y0, round(x0 + (x1 - x0) * lin, 3), round(y0 + (y1 - y0) * lin, 3)]
    if isinstance(box, str):
        return " ".join(f"{_num(v)}" for v in scaled)
    return [_num(v) for v in scaled]
