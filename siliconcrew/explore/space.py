"""The search space of `siliconcrew explore`: parse, check, sample, apply. Pure functions.

A space maps dotted paths into design.yaml's own keys to one sampler each:

    clock.period_ns: {uniform: [4, 12]}
    flow.options.initial_density: {uniform: [0.4, 0.8]}
    synthesis.abc_script: {choice: [default, min-delay, delay-target]}
    flow.options.route_layers: {randint: [3, 5]}        # inclusive

A trial's config is {path: value}; applying it sets each path in a copy of the design.yaml
data (making the mappings on the way). A choice value `default` (or null) unsets the key, so
the model's default applies. Every path and every sampler end point is checked against the
design model (and the engine's option list) before any trial runs: a typo would otherwise
cost a whole exploration of identical trials."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from siliconcrew.core.errors import UserInputError

SAMPLERS = ("uniform", "randint", "choice")
#: A choice value that means "leave the key unset" (the design model's default).
DEFAULT_VALUE = "default"
#: uniform samples are rounded to this many decimals (1 ps on a period in ns): readable
#: configs, and a re-run that samples the same point hits the same cache entry.
DECIMALS = 4
#: Keys an exploration must not change: they say which design this is, not how it is built.
FIXED_KEYS = ("name", "top", "spec", "rtl", "testbench", "include_dirs", "explore", "verification")
HINT = "see README 'Design-space exploration' for the space syntax"


@dataclass(frozen=True)
class Dimension:
    """One explored key: `path` (dotted), `kind` (uniform | randint | choice) and `args`
    ([lo, hi] or the choice values)."""

    path: str
    kind: str
    args: tuple[Any, ...]

    def end_points(self) -> list[Any]:
        """The values worth checking against the model: both ends, or every choice."""
        return list(self.args)


def _bad(message: str, hint: str = HINT) -> UserInputError:
    return UserInputError(f"explore.space: {message}", hint)


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def parse_space(raw: Any) -> list[Dimension]:
    """design.yaml's `explore.space` → dimensions, or a one-line UserInputError naming the
    key and the fix (uniform needs lo < hi, randint integers lo < hi, choice a non-empty
    list of distinct scalars)."""
    if not isinstance(raw, dict) or not raw:
        raise _bad("must be a non-empty mapping of key: {uniform|randint|choice: ...}")
    dims: list[Dimension] = []
    for path, spec in raw.items():
        if not isinstance(path, str) or not path or any(not p for p in path.split(".")):
            raise _bad(f"'{path}' is not a dotted key path", "write e.g. clock.period_ns")
        if path.split(".")[0] in FIXED_KEYS:
            raise _bad(
                f"'{path}' cannot be explored (it names the design, not how it is built)",
                "explore clock, flow.options, synthesis or parameters keys",
            )
        if not isinstance(spec, dict) or len(spec) != 1:
            raise _bad(
                f"'{path}' needs exactly one sampler",
                "e.g. {uniform: [4, 12]}, {randint: [3, 5]} or {choice: [a, b]}",
            )
        ((kind, args),) = spec.items()
        if kind not in SAMPLERS:
            raise _bad(f"'{path}': unknown sampler '{kind}'", f"use one of {', '.join(SAMPLERS)}")
        if kind == "choice":
            if not isinstance(args, list) or not args:
                raise _bad(f"'{path}': choice needs a non-empty list", "e.g. {choice: [a, b]}")
            if any(isinstance(v, dict | list) for v in args):
                raise _bad(f"'{path}': choice values must be plain values", "e.g. [a, b]")
            if len({json.dumps(v) for v in args}) != len(args):
                raise _bad(f"'{path}': choice lists a value twice", "list each value once")
        else:
            if not isinstance(args, list) or len(args) != 2 or not all(_number(v) for v in args):
                raise _bad(f"'{path}': {kind} needs [lo, hi] numbers", f"e.g. {{{kind}: [4, 12]}}")
            if kind == "randint" and not all(float(v).is_integer() for v in args):
                raise _bad(f"'{path}': randint needs integers", "e.g. {randint: [3, 5]}")
            lo, hi = args
            if not lo < hi:
                raise _bad(f"'{path}': {kind} needs lo < hi, got [{lo}, {hi}]", "swap or widen")
            if kind == "randint":
                args = [int(lo), int(hi)]
        dims.append(Dimension(path, kind, tuple(args)))
    return dims


def default_space(data: dict[str, Any]) -> dict[str, Any]:
    """The space used when design.yaml has no `explore.space` (qflow only): the clock period
    from half to 1.25× the written one (the written design is the baseline), the cell-mapping
    ABC script (qflow's own mapping, the clock-targeted one, resyn2 before it) and the
    placement density. Other engines' knobs differ: they must write a space."""
    flow = data.get("flow") or {}
    engine = flow.get("engine", "qflow")
    if engine not in ("qflow", "local"):
        raise UserInputError(
            f"explore has no default space for the {engine} engine",
            "write explore: {space: {...}} in design.yaml (see README 'Design-space exploration')",
        )
    period = float((data.get("clock") or {}).get("period_ns", 10.0))
    return {
        "clock.period_ns": {"uniform": [round(period * 0.5, 3), round(period * 1.25, 3)]},
        "synthesis.abc_script": {"choice": [DEFAULT_VALUE, "delay-target", "resyn2"]},
        "flow.options.initial_density": {"uniform": [0.5, 0.8]},
    }


def normalize(dims: list[Dimension], config: dict[str, Any]) -> dict[str, Any]:
    """A sampled config as it is applied and recorded: uniform values rounded, randint
    values as int, keys in the space's order."""
    out: dict[str, Any] = {}
    for d in dims:
        if d.path not in config:
            continue
        v = config[d.path]
        if d.kind == "uniform":
            v = round(float(v), DECIMALS)
        elif d.kind == "randint":
            v = int(v)
        out[d.path] = v
    return out


def apply_config(data: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """A copy of design.yaml's data with each dotted path set (mappings made on the way);
    `default` or None unsets the key. A path through a non-mapping value is refused."""
    out = copy.deepcopy(data)
    for path, value in config.items():
        parts = path.split(".")
        node = out
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                where = ".".join(parts[: i + 1])
                raise _bad(f"'{path}': '{where}' is not a mapping in design.yaml", HINT)
            node = nxt
        if value is None or value == DEFAULT_VALUE:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return out


def fill_delay_target(data: dict[str, Any]) -> dict[str, Any]:
    """A clock-targeted ABC script needs a delay target: when the config picks one and none
    is given, the trial's own clock period (in ps) is the target, as the timing repair does."""
    syn = data.get("synthesis")
    if not isinstance(syn, dict):
        return data
    needs = syn.get("abc_script") not in (None, "min-delay") or syn.get("gate_sizing")
    needs = needs or syn.get("retime")
    if needs and not syn.get("abc_delay_ps"):
        period = float((data.get("clock") or {}).get("period_ns", 10.0))
        syn["abc_delay_ps"] = max(1, int(round(period * 1000)))
    return data


def trial_data(data: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """design.yaml's data for one trial: the config applied, the delay target filled, and
    the `explore:` section dropped (a trial is a plain design)."""
    out = fill_delay_target(apply_config(data, config))
    out.pop("explore", None)
    return out


def check_space(
    dims: list[Dimension],
    data: dict[str, Any],
    validate: Callable[[dict[str, Any]], None],
) -> None:
    """Apply every end point of every dimension (one at a time, the others as written) and
    let `validate` (the design model, then the engine's options) refuse it: an unknown key
    path or a value out of the key's range is one line naming the path, before any trial."""
    for d in dims:
        for value in d.end_points():
            try:
                validate(trial_data(data, {d.path: value}))
            except UserInputError as exc:
                raise _bad(f"'{d.path}' = {value!r}: {exc.message}", exc.hint) from None


def config_key(inputs_hash: str, config: dict[str, Any]) -> str:
    """What identifies a trial's result: the design's inputs and the applied config."""
    blob = json.dumps({"inputs": inputs_hash, "config": config}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def space_key(inputs_hash: str, raw_space: dict[str, Any], search: str, seed: int) -> str:
    """The exploration's id: same design inputs, space, search and seed → same
    `explore/<id>/` folder, so a re-run finds its finished trials."""
    blob = json.dumps(
        {"inputs": inputs_hash, "space": raw_space, "search": search, "seed": seed},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:12]
