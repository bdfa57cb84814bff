"""Shuttle harnesses of designs with `include files, checked with the real tools in the
docker sandbox: the corpus spi_master (`include "spi_defs.vh" from design.yaml's
include_dirs, macros in its port widths) through Caravel, and a small design with a port
width from `include "defs.vh" and a file-relative `include "sub/ops.vh" through Caravel and
Tiny Tapeout. Without the headers in the harness each wrapper lint fails ("Cannot find
include file"); an include outside the design folder is refused (exit 2, one line)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_cli

from siliconcrew import api

pytestmark = pytest.mark.docker

ACC = {
    "design.yaml": (
        "name: acc\ntop: acc\nspec: null\nrtl: [rtl/acc.v]\n"
        "include_dirs: [rtl/include, rtl, rtl/sub]\n"
        "testbench: [tb/tb_acc.v]\nclock: {port: clk, period_ns: 10}\n"
        'verification: {pass_patterns: ["TEST PASSED"]}\n'
    ),
    "rtl/include/defs.vh": "`ifndef DEFS_VH\n`define DEFS_VH\n`define ACC_W 6\n`endif\n",
    "rtl/sub/ops.vh": '`include "ops_impl.vh"\n',  # found beside it (and via rtl/sub)
    "rtl/sub/ops_impl.vh": "`define ACC_ADD(a, b) ((a) + (b))\n",
    "rtl/acc.v": (
        '`include "defs.vh"\n`include "sub/ops.vh"\n'
        "module acc (input wire clk, input wire rst_n, input wire en,\n"
        "            input wire [`ACC_W-1:0] d, output reg [`ACC_W-1:0] q);\n"
        "    always @(posedge clk or negedge rst_n)\n"
        "        if (!rst_n) q <= {`ACC_W{1'b0}};\n"
        "        else if (en) q <= `ACC_ADD(q, d);\n"
        "endmodule\n"
    ),
    "tb/tb_acc.v": (
        "`timescale 1ns/1ps\nmodule tb_acc;\n"
        "    reg clk = 0, rst_n = 0, en = 0; reg [5:0] d = 0; wire [5:0] q;\n"
        "    reg [5:0] model = 0; integer i, errors = 0;\n"
        "    acc dut (.clk(clk), .rst_n(rst_n), .en(en), .d(d), .q(q));\n"
        "    always #5 clk = ~clk;\n"
        "    initial begin\n"
        "        repeat (2) @(negedge clk); rst_n = 1;\n"
        "        for (i = 0; i < 40; i = i + 1) begin\n"
        "            @(negedge clk); en = (i % 3) != 0; d = i * 7;\n"
        "            @(posedge clk); #1 if (en) model = model + d;\n"
        "            if (q !== model) errors = errors + 1;\n"
        "        end\n"
        '        if (errors == 0) $display("TEST PASSED"); else $display("TEST FAILED");\n'
        "        $finish;\n"
        "    end\nendmodule\n"
    ),
}


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SILICONCREW_CONFIG", str(tmp_path / "no-such-config.yaml"))
    for var in ("SILICONCREW_SANDBOX", "SILICONCREW_IMAGE", "SILICONCREW_UNSAFE_HOST"):
        monkeypatch.delenv(var, raising=False)


def acc_design(root: Path) -> Path:
    for rel, text in ACC.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def checks_of(res) -> dict[str, str]:
    return {
        s.step: "skipped" if s.result is None else ("ok" if s.result.ok else s.result.summary)
        for s in res.steps
    }


def test_spi_master_caravel_harness_carries_its_include_dir(tmp_path):
    design = tmp_path / "spi_master"
    shutil.copytree(REPO / "benchmarks/corpus/spi_master", design,
                    ignore=shutil.ignore_patterns("runs", ".siliconcrew"))  # fmt: skip
    res = api.integrate("caravel", design, sandbox="docker")
    assert res.ok, checks_of(res)
    assert set(checks_of(res).values()) == {"ok"}  # lint, Wishbone replay, precheck, config
    assert res.include_files == ["spi_defs.vh"]
    folder = Path(res.folder)
    cfg_path = folder / "openlane/spi_master/config.json"
    cfg = json.loads(cfg_path.read_text())
    assert cfg["VERILOG_INCLUDE_DIRS"] == ["dir::../../verilog/rtl/spi_master"]
    inc_dir = (cfg_path.parent / cfg["VERILOG_INCLUDE_DIRS"][0].removeprefix("dir::")).resolve()
    assert (inc_dir / "spi_defs.vh").read_bytes() == (
        design / "rtl/include/spi_defs.vh"
    ).read_bytes()
    assert not any(f.endswith(".vh") for f in cfg["VERILOG_FILES"])  # a header is no source
    assert (
        "+incdir+$(USER_PROJECT_VERILOG)/rtl/spi_master"
        in (folder / "README_SILICONCREW.md").read_text()
    )


@pytest.mark.parametrize("target", ["caravel", "tinytapeout"])
def test_a_port_width_from_an_include_passes_the_harness_checks(tmp_path, target):
    res = api.integrate(target, acc_design(tmp_path / "acc"), sandbox="docker")
    assert res.ok, checks_of(res)
    assert set(checks_of(res).values()) == {"ok"}, checks_of(res)
    assert res.include_files == ["defs.vh", "sub/ops.vh", "sub/ops_impl.vh"]
    folder = Path(res.folder)
    src = folder / ("src" if target == "tinytapeout" else "verilog/rtl/acc")
    assert all((src / f).is_file() for f in res.include_files)
    if target == "caravel":
        cfg = json.loads((folder / "openlane/acc/config.json").read_text())
        assert cfg["VERILOG_INCLUDE_DIRS"] == [
            "dir::../../verilog/rtl/acc",
            "dir::../../verilog/rtl/acc/sub",
        ]
        return
    # the port width came through: 6 data bits on ui_in, 6 outputs on uo_out
    assert {k: v for k, v in res.pinout.items() if v.startswith("q")} == {
        f"uo[{i}]": f"q[{i}]" for i in range(6)
    }
    info = yaml.safe_load((folder / "info.yaml").read_text())
    assert info["project"]["source_files"] == ["project.v", "acc.v"]  # headers not listed
    # the template's test Makefile finds them under src/ (-I$(SRC_DIR)), ops_impl.vh in sub/
    makefile = (folder / "test/Makefile").read_text()
    assert "COMPILE_ARGS += -I$(SRC_DIR)\nCOMPILE_ARGS += -I$(SRC_DIR)/sub\n" in makefile


def test_an_include_outside_the_design_folder_is_refused(tmp_path):
    (tmp_path / "shared.vh").write_text("`define ACC_W 6\n")
    design = acc_design(tmp_path / "acc")
    rtl = design / "rtl/acc.v"
    rtl.write_text(rtl.read_text().replace('`include "defs.vh"', '`include "../../shared.vh"'))
    proc = run_cli("integrate", "caravel", str(design), "--sandbox", "docker")
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "rtl/acc.v includes '../../shared.vh', which is outside the design folder" in lines[0]
    assert not (design / "runs").exists() or not list((design / "runs").glob("*/integrate"))
