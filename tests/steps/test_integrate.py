"""Shuttle integration with the real tools in the docker sandbox: counter and mac8 through
Caravel (wrapper lint, the Wishbone replay test, precheck rules, LibreLane config keys),
counter through Tiny Tapeout (lint, the cocotb replay test in the sandbox, precheck, size
estimate); a bridge that decodes the wrong address and a tile whose pins are swapped are
caught; mac8 does not fit a tile (exit 2, with the count); the graph's integrate node."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, run_cli

from siliconcrew import api
from siliconcrew.integrate.precheck import expected_tt_ports, precheck

pytestmark = pytest.mark.docker


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SILICONCREW_CONFIG", str(tmp_path / "no-such-config.yaml"))
    for var in ("SILICONCREW_SANDBOX", "SILICONCREW_IMAGE", "SILICONCREW_UNSAFE_HOST"):
        monkeypatch.delenv(var, raising=False)


def copy(tmp_path: Path, name: str, **extra) -> Path:
    dst = tmp_path / name
    shutil.copytree(EXAMPLES / name, dst, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    if extra:
        card = dst / "design.yaml"
        card.write_text(yaml.safe_dump({**yaml.safe_load(card.read_text()), **extra}))
    return dst


def step(result, name):
    return next(s for s in result.steps if s.step == name)


@pytest.mark.parametrize("design, samples", [("counter", 602), ("mac8", 402)])
def test_caravel_wrapper_passes_the_wishbone_replay(tmp_path, design, samples):
    res = api.integrate("caravel", copy(tmp_path, design), sandbox="docker")
    assert res.ok, [(s.step, s.result and s.result.summary) for s in res.steps]
    assert res.trace_samples == samples  # every clock edge of the design's testbench + the end
    assert "0 mismatches" in step(res, "wishbone_test").result.summary
    folder = Path(res.folder)
    for rel in (
        "verilog/rtl/user_project_wrapper.v",
        f"verilog/rtl/{design}_wb.v",
        f"verilog/rtl/{design}/{design}.v",
        f"openlane/{design}/config.json",
        "openlane/user_project_wrapper/config.json",
        "openlane/user_project_wrapper/macro.cfg",
        "docs/register_map.md",
    ):
        assert (folder / rel).is_file(), rel
    macro = json.loads((folder / f"openlane/{design}/config.json").read_text())
    assert macro["DESIGN_NAME"] == f"{design}_wb" and macro["CLOCK_PORT"] == "wb_clk_i"
    log = (folder.parents[3] / step(res, "wishbone_test").result.log_path).read_text()
    assert f"{samples} samples replayed, 0 mismatches" in log


def test_a_bridge_at_the_wrong_address_is_caught(tmp_path):
    res = api.integrate("caravel", copy(tmp_path, "counter"), sandbox="docker",
                        decode_base=0x3000_0100)  # fmt: skip
    assert not res.ok and res.exit_code == 1
    wb = step(res, "wishbone_test").result
    assert not wb.ok
    log = (Path(res.run_dir).parent.parent / wb.log_path).read_text()
    assert "no Wishbone ack" in log and "WISHBONE TEST FAILED" in log
    assert step(res, "wrapper_lint").result.ok  # only the address map is wrong


def test_pins_table_drives_pads_and_la(tmp_path):
    pins = {"count": "io[15:8]", "en": "la[0]"}
    design = copy(tmp_path, "counter", integration={"target": "caravel", "pins": pins})
    res = api.integrate("caravel", design, sandbox="docker")
    assert res.ok, [(s.step, s.result and s.result.summary) for s in res.steps]
    assert res.register_map["pins"] == {"count": "io[8,9,10,11,12,13,14,15]", "en": "la[0]"}
    names = [r["name"] for r in res.register_map["registers"]]
    assert "EN" not in names and "COUNT" in names  # en comes from the LA, count is readable
    macro = (Path(res.folder) / "verilog/rtl/counter_wb.v").read_text()
    assert "io_oeb = {{(`MPRJ_IO_PADS-16){1'b1}}, 1'b0" in macro


def test_tiny_tapeout_tile_passes_the_cocotb_replay_and_a_swap_is_caught(tmp_path):
    design = copy(tmp_path, "counter")
    res = api.integrate("tinytapeout", design, sandbox="docker")
    assert res.ok, [(s.step, s.result and s.result.summary) for s in res.steps]
    cocotb = step(res, "cocotb_test").result
    assert cocotb.metrics == {"cocotb__tests": 1, "cocotb__failures": 0}
    size = step(res, "size_estimate").result
    assert "NOT the sky130 tile" in size.summary and "routed" in size.summary
    assert size.metrics["design__die__area"] > 0 and size.metrics["design__instance__count"] > 0
    folder = Path(res.folder)
    for rel in ("src/project.v", "src/counter.v", "info.yaml", "test/test.py",
                "test/tb.v", "test/Makefile", "test/vectors.json", "docs/info.md"):  # fmt: skip
        assert (folder / rel).is_file(), rel
    # swap two count bits on the pins: the same cocotb test must fail
    project = folder / "src/project.v"
    text = project.read_text()
    assert "d_count[1], d_count[0]}" in text
    project.write_text(text.replace("d_count[1], d_count[0]}", "d_count[0], d_count[1]}"))
    ctx_files = [str(p.relative_to(design)) for p in (folder / "src").glob("*.v")]
    from siliconcrew.core.settings import SandboxSettings
    from siliconcrew.sandbox import open_sandbox
    from siliconcrew.tools.base import ToolContext
    from siliconcrew.tools.cocotb_run import CocotbRunTool
    from siliconcrew.tools.registry import execute

    ctx = ToolContext(design, lambda w: open_sandbox(w, SandboxSettings(backend="docker")))
    try:
        bad = execute(CocotbRunTool(), {
            "sources": [*ctx_files, str((folder / "test/tb.v").relative_to(design))],
            "toplevel": "tb",
            "test_module": str((folder / "test/test.py").relative_to(design)),
        }, ctx)  # fmt: skip
    finally:
        ctx.close()
    assert not bad.ok and bad.metrics["cocotb__failures"] == 1
    assert "mismatches" in bad.diagnostics[0].message


def test_mac8_on_a_tile_is_refused_with_the_pin_count(tmp_path):
    design = copy(tmp_path, "mac8")
    proc = run_cli("integrate", "tinytapeout", str(design), "--sandbox", "docker")
    assert proc.returncode == 2, proc.stderr
    assert "needs 38 I/O pins (18 inputs + 20 outputs" in proc.stderr
    assert "a Tiny Tapeout tile has 24" in proc.stderr
    # The run folder says why it holds no harness.
    (trace,) = (design / "runs").glob("*/trace.jsonl")
    ends = [e for e in map(json.loads, trace.read_text().splitlines()) if e["event"] == "run_end"]
    assert ends and ends[-1]["ok"] is False and "needs 38 I/O pins" in ends[-1]["refused"]


def test_precheck_catches_a_latch_a_tristate_and_a_floating_enable(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tile.v").write_text(
        "module tt_um_bad(input [7:0] ui_in, output [7:0] uo_out, input [7:0] uio_in,\n"
        "  output [7:0] uio_out, output [7:0] uio_oe, input ena, input clk, input rst_n);\n"
        "  reg q; always @(*) if (ena) q = ui_in[0];\n"  # a latch
        "  assign uo_out = {7'd0, q};\n"
        "  assign uio_out = {7'd0, ui_in[1] ? ui_in[2] : 1'bz};\n"  # a tri-state
        "  assign uio_oe[6:0] = 7'h01;\n"  # uio_oe[7] left floating
        "  wire _unused = &{uio_in, clk, rst_n, ui_in[7:3], 1'b0};\n"
        "endmodule\n"
    )
    from siliconcrew.core.settings import SandboxSettings
    from siliconcrew.sandbox import open_sandbox
    from siliconcrew.tools.base import ToolContext
    from siliconcrew.tools.netlist_json import NetlistJsonTool
    from siliconcrew.tools.registry import execute

    ctx = ToolContext(bad, lambda w: open_sandbox(w, SandboxSettings(backend="docker")))
    try:
        res = execute(NetlistJsonTool(), {"files": ["tile.v"], "top": "tt_um_bad"}, ctx)
    finally:
        ctx.close()
    assert res.ok, res.summary
    netlist = json.loads((bad / res.artifacts["netlist_json"]).read_text())
    rep = precheck(netlist, "tt_um_bad", expected_tt_ports(), oe="uio_oe", out="uio_out",
                   oe_active_low=False)  # fmt: skip
    text = "\n".join(rep.errors)
    assert "latch inferred" in text and "tri-state" in text
    assert "uio_oe[7] is not driven" in text


def test_a_combinational_design_is_wrapped_and_says_the_replay_was_skipped(tmp_path):
    d = tmp_path / "add"
    (d / "rtl").mkdir(parents=True)
    (d / "rtl/add.v").write_text(
        "module add(input [3:0] a, input [3:0] b, output [4:0] s); assign s = a + b; endmodule\n"
    )
    (d / "design.yaml").write_text(
        "name: add\ntop: add\nspec: null\nrtl: [rtl/add.v]\nintegration: {target: caravel}\n"
    )
    res = api.integrate("caravel", d, sandbox="docker")
    assert res.ok, [(s.step, s.result and s.result.summary) for s in res.steps]
    assert step(res, "trace").skipped.startswith("no golden testbench")
    assert step(res, "wishbone_test").skipped and step(res, "wrapper_lint").result.ok
