"""The exploration's files: the trial table (CSV), the Pareto PNG, the best snippet."""

from __future__ import annotations

import csv

import yaml

from siliconcrew.core.design import Design
from siliconcrew.explore.outputs import snippet, write_csv, write_pareto_png
from siliconcrew.explore.scoring import figures, pareto
from siliconcrew.explore.space import trial_data

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _t(tid, ws, area, status="ok", baseline=False):
    m = figures(
        {
            "clock__period_ns": 10.0,
            "timing__setup__ws": ws,
            "design__die__area": area,
            "magic__drc_error__count": 0,
            "design__lvs_error__count": 0,
        }
    )
    return {
        "id": tid,
        "status": status,
        "metrics": m,
        "config": {"clock.period_ns": 10.0 - ws / 2},
        "baseline": baseline,
        "failure": None if status == "ok" else "drc: 1 error",
    }


def test_csv_has_a_row_per_trial_with_flags(tmp_path):
    trials = [_t("base", 6.0, 5000, baseline=True), _t("a", 8.0, 9000), _t("f", 1, 1, "failed")]
    front = {t["id"] for t in pareto(trials)}
    path = write_csv(tmp_path / "t.csv", trials, ["clock.period_ns"], front, "a")
    rows = list(csv.DictReader(path.open()))
    assert [r["trial"] for r in rows] == ["base", "a", "f"]
    by = {r["trial"]: r for r in rows}
    assert by["a"]["best"] == "1" and by["a"]["pareto"] == "1" and by["base"]["baseline"] == "1"
    assert by["f"]["pareto"] == "0" and by["f"]["failure"] == "drc: 1 error"
    assert float(by["a"]["fmax_mhz"]) == 500.0 and by["a"]["clock.period_ns"] == "6.0"


def test_pareto_png_is_a_png(tmp_path):
    trials = [_t("base", 6.0, 5000, baseline=True), _t("a", 8.0, 9000), _t("b", 5.0, 3000)]
    front = pareto(trials)
    path = write_pareto_png(tmp_path / "p.png", trials, front, front[-1], "test")
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5000
    # no clean trial at all still draws (a labelled, empty plot)
    empty = write_pareto_png(tmp_path / "e.png", [_t("f", 1, 1, "failed")], [], None, "none")
    assert empty.read_bytes().startswith(PNG_MAGIC)


def test_snippet_is_design_yaml_the_model_accepts():
    data = {
        "name": "mac8",
        "top": "mac8",
        "rtl": ["rtl/mac8.v"],
        "clock": {"port": "clk", "period_ns": 20},
        "flow": {"engine": "qflow", "pdk": "osu018"},
    }
    cfg = {
        "clock.period_ns": 7.5,
        "synthesis.abc_script": "delay-target",
        "flow.options.initial_density": 0.61,
    }
    text = snippet(trial_data(data, cfg), cfg, "best", "fmax")
    part = yaml.safe_load(text)
    assert part["clock"] == {"port": "clk", "period_ns": 7.5}
    assert part["synthesis"] == {"abc_script": "delay-target", "abc_delay_ps": 7500}
    assert part["flow"]["options"] == {"initial_density": 0.61} and part["flow"]["pdk"] == "osu018"
    Design.model_validate({**data, **part})  # pasting it over the sections gives a valid card
    text = snippet(
        trial_data(data, {"synthesis.abc_script": "default"}),
        {"synthesis.abc_script": "default"},
        "b",
        "area",
    )
    assert "# synthesis.abc_script: unset (the default)" in text
    assert yaml.safe_load(text) in (None, {})
