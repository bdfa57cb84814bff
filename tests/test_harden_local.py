"""The local (qflow/osu018) flow engine for real: GDS, DRC, LVS, PNG, repairs, resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, EXAMPLES, run_cli

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def copy_example(tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copytree(EXAMPLES / name, dst, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    return dst


def harden(design: Path, *args: str, backend: str = "local"):
    sandbox = "docker" if backend.startswith("docker") else "local"
    proc = run_cli("harden", str(design), "--json", "--sandbox", sandbox, *args, timeout=900)
    data = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else None
    return proc, data


def set_flow(design: Path, flow: str) -> None:
    card = design / "design.yaml"
    lines = [f"flow: {flow}" if line.startswith("flow:") else line
             for line in card.read_text().splitlines()]
    card.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("backend", BACKENDS)
def test_counter_to_clean_gds(tmp_path, backend):
    design = copy_example(tmp_path, "counter")
    proc, data = harden(design, backend=backend)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert data["status"] == "ok" and data["engine"] == "local"
    m, art = data["metrics"], data["artifacts"]
    assert m["magic__drc_error__count"] == 0
    assert m["design__lvs_error__count"] == 0
    assert m["route__failed_nets"] == 0
    assert 30 <= m["design__instance__count"] <= 120
    assert 0 < m["design__instance__area"] < m["design__die__area"]
    assert 0.1 < m["design__instance__utilization"] < 1.0
    assert 0 < m["timing__setup__ws"] < 10 and m["timing__hold__ws"] > 0
    gds = Path(art["gds"])
    assert gds.stat().st_size > 10_000 and gds.read_bytes()[:2] == b"\x00\x06"  # GDS HEADER
    png = Path(art["png"])
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5_000
    stages = {s["name"]: s["status"] for s in data["stages"]}
    assert all(stages[s] == "ok" for s in ("synthesize", "place", "route", "drc", "lvs", "gdsii"))
    assert stages["gl_sim"] == "ok"  # post-route netlist passes the golden testbench
    assert data["outcome"] == "clean" and len(data["repairs"]) == 1


@pytest.mark.docker
def test_mac8_about_1k_cells_repaired_to_clean(tmp_path):
    """~900 cells at qflow's default density leave one magic DRC error: the loop lowers density."""
    design = copy_example(tmp_path, "mac8")
    proc, data = harden(design, backend="docker")
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = data["metrics"]
    assert 700 <= m["design__instance__count"] <= 1500
    assert m["magic__drc_error__count"] == 0 and m["design__lvs_error__count"] == 0
    assert m["timing__setup__ws"] > 0
    assert data["stages"][-1]["name"] == "gl_sim" and data["stages"][-1]["status"] == "ok"
    attempts = data["repairs"]
    if len(attempts) > 1:  # the first attempt failed DRC and a config repair fixed it
        assert "drc_violations" in attempts[0]["classes"]
        assert attempts[-1]["status"] == "ok" and attempts[-1]["config_diff"]
        assert data["outcome"] == "fixed"
    repairs_file = Path(data["run_dir"]) / "harden" / "repairs.json"
    assert json.loads(repairs_file.read_text())["attempts"][0]["attempt"] == 0


def test_unroutable_utilization_is_repaired_and_reported(tmp_path):
    design = copy_example(tmp_path, "counter")
    set_flow(design,
             "{engine: qflow, pdk: osu018, options: {route_layers: 2, initial_density: 1.0}}")
    proc, data = harden(design, "--max-repairs", "0")
    assert proc.returncode == 1
    assert "routing_congestion" in data["failure_classes"]
    route = next(s for s in data["stages"] if s["name"] == "route")
    assert route["status"] == "failed" and data["metrics"]["route__failed_nets"] > 0

    proc, data = harden(design, "--max-repairs", "4")
    assert proc.returncode == 0, proc.stderr[-2000:]
    attempts = data["repairs"]
    assert len(attempts) >= 2
    assert "routing_congestion" in attempts[0]["classes"]
    changed = set().union(*(a["config_diff"].keys() for a in attempts[1:]))
    assert changed & {"initial_density", "route_layers"}
    assert data["metrics"]["route__failed_nets"] == 0 and data["outcome"] == "fixed"
    # each attempt ran in its own folder
    assert len(list((Path(data["run_dir"]) / "harden").glob("attempt-*"))) == len(attempts)


def test_combinational_design_without_clock(tmp_path):
    design = tmp_path / "add4"
    (design / "rtl").mkdir(parents=True)
    (design / "rtl" / "add4.v").write_text(
        "module add4(input [3:0] a, input [3:0] b, output [4:0] s);\n"
        "  assign s = a + b;\nendmodule\n")
    (design / "design.yaml").write_text(
        "name: add4\ntop: add4\nrtl: [rtl/add4.v]\nclock: {period_ns: 5}\n")
    proc, data = harden(design)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 0 < data["metrics"]["timing__setup__ws"] < 5  # period minus the in→out delay
    assert next(s for s in data["stages"] if s["name"] == "gl_sim")["status"] == "skipped"


def test_top_not_found_is_sent_back_to_rtl(tmp_path):
    design = copy_example(tmp_path, "counter")
    card = design / "design.yaml"
    card.write_text(card.read_text().replace("top: counter", "top: countr"))
    proc, data = harden(design)
    assert proc.returncode == 1
    assert data["stages"][0]["name"] == "synthesize" and data["stages"][0]["status"] == "failed"
    assert "synthesis_problem" in data["failure_classes"]
    assert data["outcome"] == "send_back" and data["send_back"]["target"] == "rtl"


def test_resume_from_stage_keeps_finished_stages(tmp_path):
    design = copy_example(tmp_path, "counter")
    proc, data = harden(design, "--to", "route")
    assert proc.returncode == 4 and data["status"] == "partial"
    flow_dir = Path(data["flow_dir"])
    synth_log = flow_dir / "log" / "synth.log"
    before = synth_log.stat().st_mtime_ns
    # a crash mid-stage: the migrate stage dies (its output is missing) — simulate by running
    # it against a removed routed DEF, then restore and resume from migrate.
    routed = flow_dir / "layout" / "counter.def"
    saved = routed.read_bytes()
    routed.unlink()
    proc, data = harden(design, "--from", "migrate", "--max-repairs", "0")
    assert proc.returncode == 1
    assert next(s for s in data["stages"] if s["name"] == "migrate")["status"] == "failed"
    routed.write_bytes(saved)
    proc, data = harden(design, "--from", "migrate", "--run", data["run_id"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    statuses = {s["name"]: s["status"] for s in data["stages"]}
    assert statuses["synthesize"] == statuses["place"] == statuses["route"] == "cached"
    assert statuses["migrate"] == statuses["lvs"] == statuses["gdsii"] == "ok"
    assert synth_log.stat().st_mtime_ns == before  # synthesis was not redone
    assert Path(data["flow_dir"]) == flow_dir


@pytest.mark.parametrize("args,needle", [
    (("--from", "nosuchstage"), "unknown stage"),
    (("--from", "lvs", "--to", "place"), "comes after"),
    (("--engine", "magic8"), "unknown flow engine"),
    (("--max-repairs", "-1"), "max-repairs"),
])
def test_bad_harden_arguments(tmp_path, args, needle):
    design = copy_example(tmp_path, "counter")
    proc = run_cli("harden", str(design), "--sandbox", "local", *args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and needle in proc.stderr


def test_unknown_pdk_for_local_engine(tmp_path):
    design = copy_example(tmp_path, "counter")
    set_flow(design, "{engine: qflow, pdk: sky130A}")
    proc = run_cli("harden", str(design), "--sandbox", "local")
    assert proc.returncode == 2 and "sky130A" in proc.stderr and "librelane" in proc.stderr


# osu050 is not here: Debian's qflow osu050 leaves 99 magic DRC errors on this counter at any
# density (a tech-file issue the repair loop rightly cannot fix); see README limits.
@pytest.mark.parametrize("pdk", ["osu035"])
def test_counter_on_other_osu_techs(tmp_path, pdk):
    design = copy_example(tmp_path, "counter")
    set_flow(design, f"{{engine: qflow, pdk: {pdk}}}")
    proc, data = harden(design)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert data["config"]["tech"] == pdk
    assert data["metrics"]["magic__drc_error__count"] == 0
    assert data["metrics"]["design__lvs_error__count"] == 0
    # bigger geometry than osu018: the same 8-bit counter needs a larger die
    assert data["metrics"]["design__die__area"] > 2833.6
