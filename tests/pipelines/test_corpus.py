"""benchmarks/corpus: real-style open-source designs (the "Real designs reach GDS" issue).

Fast on purpose (CI): every folder is well formed; a small, diverse subset's own
testbenches pass with plain iverilog, as their authors ran them, and catch a planted bug.
Whether `siliconcrew check` takes a design to a clean GDS is measured by
`benchmarks/bench_corpus.py`, not asserted here, except for designs that pass today
(`test_check_reaches_clean_gds`), so a regression on those is caught.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from siliconcrew.core.design import load_design

sys.path.insert(0, str(REPO / "benchmarks"))
import bench_corpus  # noqa: E402

CORPUS = REPO / "benchmarks" / "corpus"
DESIGNS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())

# One of each kind, all under a second of simulation: a one-gate combinational module with a
# positional testbench (HDLBits), a Mealy FSM with an async reset, a memory-based FIFO with
# parameters, a testbench that reads its vectors with $readmemh from a file beside it, and
# SystemVerilog (typedef enum, always_ff/always_comb, `.*` connection).
FAST_SUBSET = ["nor_gate", "fsm_mealy_10011", "sync_fifo", "popcount_vectors", "sv_fsm_enum"]
# Clean GDS with `siliconcrew check` in the bench runs of 2026-12-06 (54/60, then 57/60), chosen
# small and for what they exercise: positional testbench ports against the post-route
# netlist, a testbench reading a vector file beside it, an async active-low reset, and the
# kinds that used to fail: a $readmemh ROM (its netlist did not parse in OpenSTA), an ALU
# (magic DRC errors no repair removed), a tri-state bus (mapped to constants), an include
# dir with `define constants in RTL and testbench (never reached yosys nor qflow); a testbench
# overriding a parameter, built with design.yaml `parameters:` (uart_rx), and one reading
# registers inside the design, bound to the netlist's bits at gate level (acc_cpu).
CLEAN_TODAY = [
    "ripple_adder4",
    "popcount_vectors",
    "counter_12",
    "rom_readmemh",
    "alu8",
    "tristate_bus",
    "spi_master",
    "uart_rx",
    "acc_cpu",
]


def test_corpus_has_at_least_40_designs_and_a_readme():
    assert len(DESIGNS) >= 40, DESIGNS
    readme = (CORPUS / "README.md").read_text()
    missing = [d for d in DESIGNS if f"`{d}`" not in readme]
    assert not missing, f"designs not listed in benchmarks/corpus/README.md: {missing}"


@pytest.mark.parametrize("name", DESIGNS)
def test_design_folder_is_well_formed(name):
    design, folder = load_design(CORPUS / name)  # validates keys and that listed files exist
    assert design.name == name
    assert (folder / (design.spec or "spec.md")).is_file()
    assert design.rtl and design.testbench, "every corpus design has RTL and a golden testbench"
    assert all(f.startswith("rtl/") for f in design.rtl)
    assert all(f.startswith("tb/") for f in design.testbench)
    assert design.flow.engine == "qflow" and design.flow.pdk == "osu018"
    assert design.verification.pass_patterns, "the pass line the testbench prints"
    for p in design.verification.pass_patterns:
        re.compile(p)
    rtl = "\n".join((folder / f).read_text() for f in design.rtl)
    tb = "\n".join((folder / f).read_text() for f in design.testbench)
    assert re.search(rf"^\s*module\s+{re.escape(design.top)}\b", rtl, re.M), "top not in rtl/"
    assert re.search(rf"^\s*module\s+{re.escape(design.testbench_top())}\b", tb, re.M)
    assert "$finish" in tb, "testbenches end the simulation themselves"
    if design.clock.port:
        assert re.search(rf"\b{re.escape(design.clock.port)}\b", rtl), "clock port not in RTL"
    # nothing generated left behind in the corpus
    assert not (folder / "runs").exists() and not (folder / ".siliconcrew").exists()


@pytest.mark.parametrize("name", FAST_SUBSET)
def test_raw_testbench_passes_in_plain_iverilog(name):
    raw = bench_corpus.raw_testbench(CORPUS / name, timeout_s=60)
    assert raw["passed"], raw["reason"]


def test_raw_testbench_catches_a_planted_bug(tmp_path):
    work = tmp_path / "adder_8bit"
    shutil.copytree(CORPUS / "adder_8bit", work, ignore=shutil.ignore_patterns("runs"))
    rtl = work / "rtl" / "adder_8bit.v"
    good = "assign cout = (a & b) | (a & cin) | (b & cin);"
    assert good in rtl.read_text()
    rtl.write_text(rtl.read_text().replace(good, "assign cout = (a & b) | (a & cin);"))
    raw = bench_corpus.raw_testbench(work, timeout_s=60)
    assert not raw["passed"]
    assert raw["reason"].startswith("fail line: ERROR"), raw["reason"]


def test_bench_reads_the_first_failing_step_from_check_json(tmp_path):
    """The bench's reading of `check --json`: a failed check step, then a failed stage."""
    step_fail = {
        "timed_out": False,
        "exit_code": 1,
        "wall_s": 1.0,
        "stderr_tail": "",
        "json": {
            "ok": False,
            "harden": None,
            "steps": [
                {"step": "lint", "skipped": None, "result": {"ok": True, "summary": "clean"}},
                {
                    "step": "synthesize",
                    "skipped": None,
                    "result": {
                        "ok": False,
                        "summary": "synthesis failed: Can not open file `rtl/sine.hex`",
                        "diagnostics": [{"severity": "error", "message": "Can not open file"}],
                        "artifacts": {},
                        "metrics": {},
                    },
                },
            ],
        },
    }
    ff = bench_corpus.first_failure(tmp_path, step_fail)
    assert ff["step"] == "synthesize" and "sine.hex" in ff["reason"]
    assert bench_corpus.classify(ff["step"], ff["reason"]).startswith("data file not found")
    stage_fail = {
        "timed_out": False,
        "exit_code": 1,
        "wall_s": 1.0,
        "stderr_tail": "",
        "json": {
            "ok": False,
            "steps": [{"step": "lint", "result": {"ok": True}}],
            "harden": {
                "status": "failed",
                "failure_classes": ["lvs_mismatch"],
                "repairs": [],
                "flow_dir": str(tmp_path),
                "stages": [
                    {"name": "drc", "status": "ok"},
                    {
                        "name": "lvs",
                        "status": "failed",
                        "summary": "qflow lvs exited with 1",
                        "diagnostics": [],
                        "log_path": None,
                    },
                ],
            },
        },
    }
    ff = bench_corpus.first_failure(tmp_path, stage_fail)
    assert ff["step"] == "harden/lvs" and "lvs_mismatch" in ff["reason"]
    assert (
        bench_corpus.first_failure(tmp_path, {**stage_fail, "timed_out": True})["status"]
        == "timeout"
    )


@pytest.mark.parametrize("name", CLEAN_TODAY)
def test_check_reaches_clean_gds(tmp_path, name):
    """Designs that reach a clean GDS today must keep doing so (the real CLI, end to end)."""
    work = tmp_path / name
    shutil.copytree(CORPUS / name, work, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    proc = run_cli("check", str(work), "--json", timeout=600)
    data = json.loads(proc.stdout)
    ff = bench_corpus.first_failure(
        work,
        {
            "timed_out": False,
            "exit_code": proc.returncode,
            "wall_s": 0,
            "json": data,
            "stderr_tail": proc.stderr[-1500:],
        },
    )
    assert proc.returncode == 0 and data["ok"], f"{ff['step']}: {ff['reason']}"
    assert data["harden"]["status"] == "ok"
    assert Path(data["harden"]["artifacts"]["gds"]).is_file()
