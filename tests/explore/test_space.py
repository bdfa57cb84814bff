"""The search space: parsing, range checks, applying a config, and the checks against the
design model and the engine's options (every end point, before any trial)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import EXAMPLES, REPO

from siliconcrew.core.errors import UserInputError
from siliconcrew.explore.space import (
    apply_config,
    config_key,
    default_space,
    normalize,
    parse_space,
    trial_data,
)


def test_parse_the_issue_example():
    dims = parse_space(
        {
            "clock.period_ns": {"uniform": [4, 12]},
            "flow.options.initial_density": {"uniform": [0.4, 0.8]},
            "synthesis.abc_script": {"choice": ["default", "min-delay", "delay-target"]},
            "flow.options.route_layers": {"randint": [3, 5]},
        }
    )
    assert [(d.path, d.kind) for d in dims] == [
        ("clock.period_ns", "uniform"),
        ("flow.options.initial_density", "uniform"),
        ("synthesis.abc_script", "choice"),
        ("flow.options.route_layers", "randint"),
    ]
    assert dims[0].args == (4, 12) and dims[2].args[0] == "default"


@pytest.mark.parametrize(
    "space, words",
    [
        ({"clock.period_ns": {"uniform": [12, 4]}}, "lo < hi"),
        ({"clock.period_ns": {"uniform": [4, 4]}}, "lo < hi"),
        ({"clock.period_ns": {"uniform": [4]}}, "[lo, hi]"),
        ({"clock.period_ns": {"uniform": ["a", 5]}}, "[lo, hi]"),
        ({"synthesis.abc_script": {"choice": []}}, "non-empty"),
        ({"synthesis.abc_script": {"choice": "min-delay"}}, "non-empty"),
        ({"synthesis.abc_script": {"choice": ["a", "a"]}}, "twice"),
        ({"flow.options.route_layers": {"randint": [3.5, 5]}}, "integers"),
        ({"clock.period_ns": {"gaussian": [4, 1]}}, "unknown sampler"),
        ({"clock.period_ns": {"uniform": [4, 5], "choice": [1]}}, "exactly one"),
        ({"top": {"choice": ["a", "b"]}}, "cannot be explored"),
        ({"clock..period_ns": {"uniform": [4, 5]}}, "dotted key path"),
        ({}, "non-empty mapping"),
    ],
)
def test_bad_spaces_are_one_line_errors(space, words):
    with pytest.raises(UserInputError) as err:
        parse_space(space)
    line = err.value.one_line()
    assert words in line and "\n" not in line and line.startswith("explore.space")


def test_apply_config_sets_dotted_paths_and_default_unsets():
    data = {"clock": {"port": "clk", "period_ns": 10}, "synthesis": {"abc_script": "min-delay"}}
    out = apply_config(
        data,
        {
            "clock.period_ns": 6.5,
            "flow.options.initial_density": 0.6,
            "synthesis.abc_script": "default",
        },
    )
    assert out["clock"] == {"port": "clk", "period_ns": 6.5}
    assert out["flow"] == {"options": {"initial_density": 0.6}}
    assert "abc_script" not in out["synthesis"]
    assert data["clock"]["period_ns"] == 10  # the original is untouched
    with pytest.raises(UserInputError, match="not a mapping"):
        apply_config({"clock": 5}, {"clock.period_ns": 3})


def test_a_targeted_script_gets_the_trial_period_as_delay_target():
    data = {"clock": {"period_ns": 10}, "explore": {"samples": 3}}
    out = trial_data(data, {"clock.period_ns": 6.25, "synthesis.abc_script": "delay-target"})
    assert out["synthesis"] == {"abc_script": "delay-target", "abc_delay_ps": 6250}
    assert "explore" not in out
    kept = trial_data({"synthesis": {"abc_delay_ps": 900}}, {"synthesis.abc_script": "resyn2"})
    assert kept["synthesis"]["abc_delay_ps"] == 900
    assert (
        "synthesis" not in trial_data({}, {"synthesis.abc_script": "default"})
        or not (trial_data({}, {"synthesis.abc_script": "default"})["synthesis"])
    )


def test_normalize_rounds_and_keys_follow_the_config():
    dims = parse_space({"clock.period_ns": {"uniform": [4, 12]}, "x.n": {"randint": [1, 3]}})
    cfg = normalize(dims, {"clock.period_ns": 7.123456789, "x.n": 2.0})
    assert cfg == {"clock.period_ns": 7.1235, "x.n": 2} and isinstance(cfg["x.n"], int)
    assert config_key("h", cfg) == config_key("h", dict(reversed(list(cfg.items()))))
    assert config_key("h", cfg) != config_key("other inputs", cfg)
    assert config_key("h", cfg) != config_key("h", {**cfg, "x.n": 3})


def test_default_space_is_around_the_written_period_for_qflow_only():
    space = default_space({"clock": {"period_ns": 20}, "flow": {"engine": "qflow"}})
    assert space["clock.period_ns"] == {"uniform": [10.0, 25.0]}
    assert "default" in space["synthesis.abc_script"]["choice"]
    parse_space(space)
    with pytest.raises(UserInputError, match="no default space for the librelane engine"):
        default_space({"flow": {"engine": "librelane", "pdk": "sky130A"}})


def _plan(folder):
    from siliconcrew.explore.runner import plan_explore

    return plan_explore(folder)


def _with_space(tmp_path, space, **extra):
    d = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", d, ignore=shutil.ignore_patterns("runs", "explore"))
    data = yaml.safe_load((d / "design.yaml").read_text())
    data["explore"] = {"space": space, **extra}
    (d / "design.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return d


@pytest.mark.parametrize(
    "space, words",
    [
        ({"clock.perod_ns": {"uniform": [4, 12]}}, "'clock.perod_ns'"),  # unknown model key
        ({"clock.period_ns": {"uniform": [-1, 12]}}, "greater than 0"),  # out of range
        ({"synthesis.abc_script": {"choice": ["default", "fastest"]}}, "'fastest'"),
        ({"flow.options.initial_densty": {"uniform": [0.4, 0.8]}}, "initial_densty"),  # engine
        ({"parameters.WIDTH": {"choice": [-4, 8]}}, "parameters"),
    ],
)
def test_every_point_is_checked_against_the_model_and_the_engine(tmp_path, space, words):
    with pytest.raises(UserInputError) as err:
        _plan(_with_space(tmp_path, space))
    assert words in err.value.one_line(), err.value.one_line()


def test_a_good_space_plans_and_the_id_follows_design_and_space(tmp_path):
    space = {
        "clock.period_ns": {"uniform": [4, 12]},
        "synthesis.abc_script": {"choice": ["default"]},
    }
    d = _with_space(tmp_path, space, samples=5, objective="fmax")
    p = _plan(d)
    assert (p.samples, p.objective) == (5, "fmax") and p.search in ("random", "optuna")
    assert p.out == d / "explore" / p.explore_id
    # samples and objective do not change the id (a longer run extends the same cache)...
    d2 = _with_space(tmp_path / "b", space, samples=9, objective="area")
    assert _plan(d2).explore_id == p.explore_id
    # ...the space and the design do
    d3 = _with_space(tmp_path / "c", {**space, "clock.period_ns": {"uniform": [4, 13]}})
    assert _plan(d3).explore_id != p.explore_id
    (d2 / "rtl" / "counter.v").write_text((d2 / "rtl" / "counter.v").read_text() + "\n// x\n")
    assert _plan(d2).explore_id != p.explore_id


def test_search_choice():
    import importlib.util

    from siliconcrew.explore.runner import resolve_search

    assert resolve_search("random") == "random"
    with pytest.raises(UserInputError, match="--search must be one of"):
        resolve_search("grid")
    if importlib.util.find_spec("optuna") is None:
        assert resolve_search("auto") == "random"
        with pytest.raises(UserInputError, match="needs optuna"):
            resolve_search("optuna")
    else:
        assert resolve_search("auto") == "optuna"


def test_cli_refuses_a_bad_space_with_exit_2_before_ray(tmp_path):
    d = _with_space(tmp_path, {"clock.period_ns": {"uniform": [12, 4]}})
    proc = subprocess.run(
        [sys.executable, "-m", "siliconcrew", "explore", str(d), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "lo < hi" in lines[0] and lines[0].startswith("error:"), lines
    assert proc.stdout == "" and not (d / "explore").exists()
