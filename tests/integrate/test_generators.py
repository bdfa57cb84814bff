"""Shuttle integration generators, pure (no sandbox): pin plans, the harness port lists,
register maps, LibreLane config keys, the trace reader. The wrappers are simulated with the
real tools in tests/steps/test_integrate.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, REPO

from siliconcrew.core.errors import UserInputError
from siliconcrew.engines.librelane_vars import check_keys, load_table, version_for
from siliconcrew.integrate import caravel as cv
from siliconcrew.integrate import tinytapeout as tt
from siliconcrew.integrate.ports import design_ports, dut_path, reset_port
from siliconcrew.integrate.trace import _bits
from siliconcrew.tools.rtl_ports import Port, read_module

# The harness port lists as the issue and caravel_user_project / the TT template give them
# (written out here, apart from the generators' own tables).
CARAVEL = [
    ("wb_clk_i", "input", 1), ("wb_rst_i", "input", 1), ("wbs_stb_i", "input", 1),
    ("wbs_cyc_i", "input", 1), ("wbs_we_i", "input", 1), ("wbs_sel_i", "input", 4),
    ("wbs_dat_i", "input", 32), ("wbs_adr_i", "input", 32), ("wbs_ack_o", "output", 1),
    ("wbs_dat_o", "output", 32), ("la_data_in", "input", 128), ("la_data_out", "output", 128),
    ("la_oenb", "input", 128), ("io_in", "input", 38), ("io_out", "output", 38),
    ("io_oeb", "output", 38), ("analog_io", "inout", 29), ("user_clock2", "input", 1),
    ("user_irq", "output", 3),
]  # fmt: skip
POWER = ["vdda1", "vdda2", "vssa1", "vssa2", "vccd1", "vccd2", "vssd1", "vssd2"]


def ports_of(name: str) -> list[Port]:
    return design_ports([EXAMPLES / name / "rtl" / f"{name}.v"], name)


def parsed_ports(
    folder: Path, text: str, top: str, defines: str = ""
) -> list[tuple[str, str, int]]:
    """The harness's ports through the RTL reader; the defines in a file of their own read
    before it (one compilation unit, as the harness' flow reads them)."""
    folder.mkdir(exist_ok=True)
    (folder / "defines.v").write_text(defines)
    (folder / "harness.v").write_text(text)
    iface = read_module([folder / "defines.v", folder / "harness.v"], top)
    assert not isinstance(iface, str), iface
    return [(p.name, p.direction, p.width) for p in iface.ports]


def test_ports_reset_and_dut_path_of_the_examples():
    ports = ports_of("counter")
    assert [(p.name, p.direction, p.width) for p in ports] == [
        ("clk", "input", 1), ("rst", "input", 1), ("en", "input", 1),
        ("count", "output", 8), ("wrap", "output", 1),
    ]  # fmt: skip
    assert reset_port(ports, "clk").name == "rst"
    with pytest.raises(UserInputError, match="not a 1-bit input"):
        reset_port(ports, "clk", "count")
    # parameters are elaborated: WIDTH=4 narrows count
    narrow = design_ports([EXAMPLES / "counter/rtl/counter.v"], "counter", {"WIDTH": 4})
    assert next(p.width for p in narrow if p.name == "count") == 4
    files = [EXAMPLES / "mac8/rtl/mac8.v", EXAMPLES / "mac8/tb/tb_mac8.v"]
    assert dut_path(files, "tb_mac8", "mac8") == "tb_mac8.dut"


def test_ports_of_an_ip_with_an_include_dir_and_without_it():
    """spi_master's widths are `SPI_DATA_W macros from rtl/include/spi_defs.vh."""
    ip = REPO / "benchmarks/corpus/spi_master"
    ports = design_ports([ip / "rtl/spi-master.v"], "spi_master", None, [ip / "rtl/include"])
    assert {p.name: p.width for p in ports if p.width > 1} == {
        "tx_data": 8, "clk_div": 4, "rx_data": 8,
    }  # fmt: skip
    with pytest.raises(UserInputError, match=r"port tx_data .* spi-master.v:8: unknown macro"):
        design_ports([ip / "rtl/spi-master.v"], "spi_master")  # no guessed width


def test_mac8_does_not_fit_a_tiny_tapeout_tile_and_says_by_how_much():
    ports = ports_of("mac8")
    with pytest.raises(tt.TooManyPins) as exc:
        tt.plan_tt("mac8", "mac8", ports, "clk", reset_port(ports, "clk"))
    assert exc.value.exit_code == 2
    assert "needs 38 I/O pins (18 inputs + 20 outputs" in exc.value.message
    assert "has 24" in exc.value.message and "caravel" in exc.value.hint


def test_counter_fits_the_tile_with_the_templates_port_list(tmp_path):
    ports = ports_of("counter")
    plan = tt.plan_tt("counter", "counter", ports, "clk", reset_port(ports, "clk"))
    pins = plan.pinout()
    assert pins["ui[0]"] == "en" and pins["uo[7]"] == "count[7]" and pins["uio[0]"] == "wrap"
    assert plan.uio_outputs() == [0]
    text = tt.project_verilog(plan)
    assert parsed_ports(tmp_path, text, "tt_um_counter") == [
        ("ui_in", "input", 8), ("uo_out", "output", 8), ("uio_in", "input", 8),
        ("uio_out", "output", 8), ("uio_oe", "output", 8), ("ena", "input", 1),
        ("clk", "input", 1), ("rst_n", "input", 1),
    ]  # fmt: skip
    assert ".rst(~rst_n)" in text  # active-high reset from the tile's rst_n
    info = tt.info_yaml(plan, description="x", clock_hz=1, sources=["project.v", "counter.v"])
    import yaml

    data = yaml.safe_load(info)
    assert data["project"]["top_module"] == "tt_um_counter" and data["yaml_version"] == 6
    assert len(data["pinout"]) == 24 and data["pinout"]["uio[0]"] == "wrap"


def test_caravel_wrapper_has_the_harness_port_list(tmp_path):
    ports = ports_of("mac8")
    plan = cv.plan_caravel("mac8", "mac8", ports, "clk", reset_port(ports, "clk"))
    text = cv.wrapper_verilog(plan)
    defines = "`define MPRJ_IO_PADS 38\n"
    assert parsed_ports(tmp_path / "a", text, "user_project_wrapper", defines) == CARAVEL
    powered = parsed_ports(
        tmp_path / "b", text, "user_project_wrapper", defines + "`define USE_POWER_PINS\n"
    )
    assert [p[0] for p in powered] == POWER + [p[0] for p in CARAVEL]


def test_register_map_of_mac8_and_a_wide_port():
    ports = ports_of("mac8")
    plan = cv.plan_caravel("mac8", "mac8", ports, "clk", reset_port(ports, "clk"))
    regs = {r["name"]: r for r in plan.register_map()["registers"]}
    assert regs["ID"]["address"] == "0x30000000"
    assert [regs[n]["address"] for n in ("RST", "CLR", "EN", "A", "B", "ACC")] == [
        f"0x{0x30000010 + 4 * i:08X}" for i in range(6)
    ]
    assert regs["ACC"]["access"] == "ro" and regs["A"]["access"] == "rw"
    wide = [Port("clk", "input", 1), Port("d", "input", 40), Port("q", "output", 40)]
    plan = cv.plan_caravel("w", "w", wide, "clk", None, base=0x3000_1000)
    got = [(r.port, r.offset, r.lsb, r.width, r.access) for r in plan.registers]
    assert got == [
        ("d", 0x10, 0, 32, "rw"), ("d", 0x14, 32, 8, "rw"),
        ("q", 0x18, 0, 32, "ro"), ("q", 0x1C, 32, 8, "ro"),
    ]  # fmt: skip
    with pytest.raises(UserInputError, match="256-byte aligned"):
        cv.plan_caravel("w", "w", wide, "clk", None, base=0x3000_0004)


@pytest.mark.parametrize(
    "pins, message",
    [
        ({"count": "io[12:8]"}, "8 bit\\(s\\) wide but io\\[12:8\\] has 5"),
        ({"en": "io[2]"}, "outside the user's range"),
        ({"en": "la[3]", "rst": "la[3]"}, "given to both en and rst"),
        ({"nope": "io[9]"}, "not a data port"),
        ({"en": "gpio[9]"}, "is not io\\[k\\]"),
    ],
)
def test_bad_pins_tables_are_refused_with_the_reason(pins, message):
    ports = ports_of("counter")
    with pytest.raises(UserInputError, match=message):
        cv.plan_caravel("counter", "counter", ports, "clk", None, pins=pins)


def test_librelane_configs_use_only_known_variables():
    ports = ports_of("counter")
    plan = cv.plan_caravel("counter", "counter", ports, "clk", reset_port(ports, "clk"))
    table = load_table(version_for(None, None))
    for cfg in (cv.macro_config(plan, ["counter.v"]), cv.wrapper_config(plan)):
        report = check_keys(cfg, table)
        assert report.errors == [] and report.warnings == []
    wrapper = cv.wrapper_config(plan)
    assert wrapper["pdk::sky130*"]["DIE_AREA"] == "0 0 2920 3520"
    assert wrapper["PDN_MACRO_CONNECTIONS"] == ["mprj vccd1 vssd1 vccd1 vssd1"]
    assert wrapper["EXTRA_LEFS"] == "dir::../../lef/counter_wb.lef"


def test_vcd_values_extend_as_the_vcd_format_says():
    assert _bits("1", 4) == (1, 0b1111)  # zero-extended
    assert _bits("x", 4) == (0, 0)  # x extends
    assert _bits("1x0", 3) == (0b100, 0b101)
    assert _bits("z1", 4) == (0b0001, 0b0001)


def test_caravel_rejects_inout_ports(tmp_path: Path):
    ports = [Port("clk", "input", 1), Port("pad", "inout", 1)]
    with pytest.raises(UserInputError, match="tri-state"):
        cv.plan_caravel("x", "x", ports, "clk", None)


def test_tiny_tapeout_pins_table():
    ports = ports_of("counter")
    reset = reset_port(ports, "clk")
    plan = tt.plan_tt("counter", "counter", ports, "clk", reset, pins={"wrap": "uo[7]"})
    pins = plan.pinout()
    assert pins["uo[7]"] == "wrap" and pins["uo[0]"] == "count[0]"  # the rest placed around it
    assert pins["uio[0]"] == "count[7]" and plan.uio_outputs() == [0]
    for table, message in (
        ({"count": "ui[7:0]"}, "output but ui\\[7:0\\] is input-only"),
        ({"en": "uio[9]"}, "does not fit"),
        ({"en": "uio[1]", "wrap": "uio[1]"}, "given to both en and wrap"),
        ({"rst": "ui[1]"}, "not a data port"),
    ):
        with pytest.raises(UserInputError, match=message):
            tt.plan_tt("counter", "counter", ports, "clk", reset, pins=table)


def test_precheck_names_a_changed_port_list():
    from siliconcrew.integrate.precheck import expected_tt_ports, precheck

    ports = {n: {"direction": d, "bits": list(range(2, 2 + w))} for n, d, w in expected_tt_ports()}
    ports["uio_oe"] = {"direction": "output", "bits": ["0"] * 8}
    ports["uio_out"] = {"direction": "output", "bits": ["0"] * 8}
    ports["uo_out"] = {"direction": "output", "bits": ["0"] * 7}  # one bit short
    del ports["ena"]
    netlist = {"modules": {"t": {"ports": ports, "cells": {}}}}
    rep = precheck(netlist, "t", expected_tt_ports(), oe="uio_oe", out="uio_out",
                   oe_active_low=False)  # fmt: skip
    assert "port list: uo_out is output 7 bits, the harness has output 8 bits" in rep.errors
    assert "port list: ena (input, 1 bits) is missing" in rep.errors
