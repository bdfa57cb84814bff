"""LibreLane's configuration variables, per LibreLane version, to check config keys before a run.

Why: LibreLane reads a config.json without a `meta` object as meta version 1 and then only
*warns* about unknown keys (config/config.py, librelane 3.0.17: `get_meta` defaults JSON files
to version 1; `__load_dict` passes `on_unknown_key="warn" if permissive_typing else "error"`,
`permissive_typing = meta.version < 2`), so a misspelled key (`FP_CORE_UTILL`) is silently
ignored and the run goes on with the default. The engine writes `meta: {version: 2}` (the
strict form; no LibreLane version compares against a higher number) and checks every key here
first, so a typo is a one-line UserInputError naming the closest known variable instead of an
hour-long run with the wrong configuration.

Deprecated names: LibreLane's `Variable.compile` (config/variable.py) looks at the deprecated
names *before* the current one and then drops the current one, so with both
`GRT_ANTENNA_ITERS` and `GRT_ANTENNA_REPAIR_ITERS` set the old one silently wins.
`translate_deprecated` renames old names to the current ones (the current one wins when both
are given) and says so.

The data files (`data/librelane-<version>-variables.json`) are generated from LibreLane itself
by scripts/librelane_variables.py (`Classic.get_all_config_variables()` of the installed
version); the version a run is checked against is `flow.options.librelane_version`, else the
tag of the LibreLane image, else the newest list shipped.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).with_name("data")
_FILE = re.compile(r"^(?P<tool>librelane|openlane)-(?P<version>\d+\.\d+\.\d+)-variables\.json$")
#: How each tool's name is written in messages.
TOOL_LABEL = {"librelane": "LibreLane", "openlane": "OpenLane"}
#: `meta` object written into config.json: version 2 is where LibreLane turns unknown keys
#: into errors (`meta.version < 2` is the only comparison in config/config.py, 3.0.17).
META = {"version": 2}
#: Conditional sections of a LibreLane config (config/preprocessor.py PDK_PREFIX/SCL_PREFIX):
#: their values are mappings of variables, checked like top-level keys.
_CONDITIONAL = ("pdk::", "scl::")


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def shipped_versions(tool: str = "librelane") -> list[str]:
    """Versions of `tool` (librelane, or openlane for OpenLane 2) with a variable list in the
    package, oldest first."""
    found = [
        m.group("version")
        for p in DATA_DIR.glob(f"{tool}-*-variables.json")
        if (m := _FILE.match(p.name)) and m.group("tool") == tool
    ]
    return sorted(found, key=_version_key)


@dataclass(frozen=True)
class VariableTable:
    """One LibreLane (or OpenLane 2) version's Classic-flow variables."""

    version: str
    names: frozenset[str]
    #: deprecated name → current name
    deprecated: dict[str, str] = field(default_factory=dict)
    #: variables of steps outside the Classic flow (LibreLane warns: unused by the flow)
    other_known: frozenset[str] = frozenset()
    #: removed variables → LibreLane's message (LibreLane warns)
    removed: dict[str, str] = field(default_factory=dict)
    special: frozenset[str] = frozenset()
    #: deprecated names whose value LibreLane converts (PL_TARGET_DENSITY 0.5 → _PCT 50):
    #: left for LibreLane to translate
    converted: frozenset[str] = frozenset()
    #: variable → list / tuple / dict / bool / number / other (for `coerce_values`)
    kinds: dict[str, str] = field(default_factory=dict)
    tool: str = "librelane"

    @property
    def label(self) -> str:
        return f"{TOOL_LABEL.get(self.tool, self.tool)} {self.version}"

    def closest(self, key: str) -> str | None:
        pool = sorted(self.names | set(self.deprecated))
        hits = difflib.get_close_matches(key, pool, n=1, cutoff=0.6)
        return hits[0] if hits else None


@lru_cache(maxsize=8)
def load_table(version: str, tool: str = "librelane") -> VariableTable:
    path = DATA_DIR / f"{tool}-{version}-variables.json"
    data = json.loads(path.read_text())
    deprecated = {
        old: name for name, info in data["variables"].items() for old in info.get("deprecated", [])
    }
    return VariableTable(
        version=data["version"],
        names=frozenset(data["variables"]),
        deprecated=deprecated,
        other_known=frozenset(data["other_known"]),
        removed=dict(data["removed"]),
        special=frozenset(data["special_keys"]),
        converted=frozenset(
            old for info in data["variables"].values() for old in info.get("converted", [])
        ),
        kinds={name: info.get("kind", "other") for name, info in data["variables"].items()},
        tool=str(data.get("tool", tool)),
    )


def version_for(requested: str | None, image: str | None, tool: str = "librelane") -> str:
    """The shipped list to check against: the requested version, else the image tag's, else
    the newest; a version without its own list uses the newest shipped one not newer than it
    (variables are added far more often than removed), or the oldest."""
    versions = shipped_versions(tool)
    if not versions:
        raise FileNotFoundError(f"no {tool} variable list in {DATA_DIR}")
    want = requested
    if not want and image and ":" in image.rsplit("/", 1)[-1]:
        want = image.rsplit(":", 1)[1]
    m = re.match(r"^v?(\d+\.\d+\.\d+)", str(want or ""))
    if not m:
        return versions[-1]
    want = m.group(1)
    if want in versions:
        return want
    older = [v for v in versions if _version_key(v) <= _version_key(want)]
    return older[-1] if older else versions[0]


@dataclass
class KeyReport:
    errors: list[str] = field(default_factory=list)  # one line each: key, why, closest name
    warnings: list[str] = field(default_factory=list)


def _exempt(key: str, table: VariableTable) -> bool:
    """Keys LibreLane itself lets through (config.py `__process_variable_list`)."""
    return key in table.special or "_OPT" in key or key.startswith(("//", "#"))


def check_keys(config: dict[str, Any], table: VariableTable) -> KeyReport:
    """Unknown keys are errors (with the closest known name); removed keys and keys only other
    flows use are warnings, as LibreLane reports them under meta version 2."""
    report = KeyReport()
    for key, value in config.items():
        if key.startswith(_CONDITIONAL) and isinstance(value, dict):
            inner = check_keys(value, table)
            report.errors += [f"{key}: {e}" for e in inner.errors]
            report.warnings += [f"{key}: {w}" for w in inner.warnings]
            continue
        if _exempt(key, table) or key in table.names:
            continue
        if key in table.deprecated:
            report.warnings.append(
                f"'{key}' is deprecated in {table.label}: use '{table.deprecated[key]}'"
            )
        elif key in table.removed:
            tool = TOOL_LABEL.get(table.tool, table.tool)
            report.warnings.append(f"'{key}' has been removed from {tool}: {table.removed[key]}")
        elif key in table.other_known:
            tool = TOOL_LABEL.get(table.tool, table.tool)
            report.warnings.append(f"'{key}' is not used by {tool}'s Classic flow")
        else:
            near = table.closest(key)
            report.errors.append(
                f"unknown {table.label} variable '{key}'"
                + (f" (did you mean '{near}'?)" if near else "")
            )
    return report


def translate_deprecated(
    config: dict[str, Any], table: VariableTable
) -> tuple[dict[str, Any], list[str]]:
    """Deprecated names → current names. When both are given the current one is kept (the
    opposite of LibreLane, where the deprecated one silently wins) and the old one dropped."""
    out: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in config.items():
        new = table.deprecated.get(key)
        if new is None or key in table.converted:
            out[key] = value  # a converted name (PL_TARGET_DENSITY, a fraction) stays
            continue
        if new in config:
            notes.append(
                f"'{key}' is a deprecated name of '{new}', which is also set: "
                f"'{key}' ({value!r}) dropped, '{new}' ({config[new]!r}) kept"
            )
            continue
        notes.append(f"'{key}' is a deprecated name of '{new}' ({table.label}): passed as '{new}'")
        out[new] = value
    return out, notes


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def coerce_values(config: dict[str, Any], table: VariableTable) -> dict[str, Any]:
    """Strings converted the way LibreLane's permissive typing (meta version 1) converts them,
    so that the strict mode `META` turns on refuses typos, not working configs: under meta
    version 2 LibreLane "refuses to automatically convert" a string to a list, tuple, Boolean
    or number (config/variable.py `__process`, 3.0.17) — e.g. TinyTapeout's
    `"DIE_AREA": "0 0 161 111.52"` or `"VERILOG_FILES": "dir::src/*.v"`. Lists split on ","
    then ";" then whitespace, as LibreLane does; anything else is left for LibreLane to judge."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key.startswith(_CONDITIONAL) and isinstance(value, dict):
            out[key] = coerce_values(value, table)
            continue
        kind = table.kinds.get(table.deprecated.get(key, key), "other")
        if isinstance(value, str):
            if kind in ("list", "tuple"):
                sep = "," if "," in value else ";" if ";" in value else None
                parts = [p.strip() for p in value.split(sep)] if sep else value.split()
                parts = parts[:-1] if parts and parts[-1] == "" else parts
                value = [_number(p) for p in parts] if kind == "tuple" else parts
            elif kind == "bool" and value in ("1", "true", "True", "0", "false", "False"):
                value = value in ("1", "true", "True")
            elif kind == "number":
                value = _number(value.strip())
        out[key] = value
    return out


def to_older_names(
    config: dict[str, Any], newer: VariableTable, older: VariableTable
) -> tuple[dict[str, Any], list[str]]:
    """A config in `newer`'s names (the engine's vocabulary: LibreLane 3) for an `older` tool
    (OpenLane 2): a variable the older one lacks is written under the deprecated name the
    newer one keeps for it, when the older one has that name (GRT_ANTENNA_REPAIR_ITERS is
    GRT_ANTENNA_ITERS in OpenLane 2.3.10, PDN_VPITCH is FP_PDN_VPITCH)."""
    older_names: dict[str, list[str]] = {}
    for old, new in newer.deprecated.items():
        older_names.setdefault(new, []).append(old)
    out: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in config.items():
        if key.startswith(_CONDITIONAL) and isinstance(value, dict):
            out[key], inner = to_older_names(value, newer, older)
            notes += inner
            continue
        if key in older.names or _exempt(key, older) or key not in newer.names:
            out[key] = value
            continue
        alias = next((o for o in older_names.get(key, []) if o in older.names), None)
        if alias is None:
            out[key] = value  # the key check then says the older tool lacks it
            continue
        notes.append(f"'{key}' written as '{alias}' for {older.label}")
        out[alias] = value
    return out, notes
