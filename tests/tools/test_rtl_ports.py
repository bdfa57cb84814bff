"""The one RTL interface reader (pyslang, text only) on the port shapes real IP is written in,
and the netlist header put back in the RTL's port order. Pure: no sandbox, no tool runs."""

from __future__ import annotations

from pathlib import Path

from siliconcrew.tools.rtl_ports import ModuleInterface, read_module, reorder_module_ports

SEVERAL = """// two modules before the top, one after
module helper (input a, output b); assign b = a; endmodule
module ansi #(parameter WIDTH = 8, localparam HALF = WIDTH / 2) (
    input  wire               clk, rst_n,
    input  wire signed [7:0]  s8,
    input  logic [WIDTH-1:0]  d, e,
    output logic [0:WIDTH-1]  q,
    output reg   [3:0][1:0]   packed2d,
    output integer            count,
    inout  wire               pad
);
  helper h (.a(clk), .b());
endmodule
module after (input x); endmodule
"""

NON_ANSI = """module nonansi (clk, a, b, y);
  parameter N = 4;
  input clk;
  input [N-1:0] a, b;
  output signed [N:0] y;
  wire signed [N:0] y = a + b;
endmodule
"""


def read(files: list[Path], top: str, **kw) -> ModuleInterface:
    got = read_module(files, top, **kw)
    assert not isinstance(got, str), got
    return got


def shapes(iface: ModuleInterface) -> list[tuple]:
    return [(p.name, p.direction, p.width, p.msb, p.lsb, p.signed) for p in iface.ports]


def test_ansi_header_in_a_file_of_several_modules(tmp_path):
    f = tmp_path / "ip.sv"
    f.write_text(SEVERAL)
    iface = read([f], "ansi")
    assert shapes(iface) == [
        ("clk", "input", 1, 0, 0, False), ("rst_n", "input", 1, 0, 0, False),
        ("s8", "input", 8, 7, 0, True), ("d", "input", 8, 7, 0, False),
        ("e", "input", 8, 7, 0, False), ("q", "output", 8, 0, 7, False),
        ("packed2d", "output", 8, None, None, False), ("count", "output", 32, None, None, True),
        ("pad", "inout", 1, 0, 0, False),
    ]  # fmt: skip
    assert iface.parameters == ["WIDTH"]  # the localparam cannot be overridden
    assert [p.decl() for p in iface.ports[2:6]] == ["signed [7:0] ", "[7:0] ", "[7:0] ", "[0:7] "]
    assert iface.ports[6].decl() is None and iface.ports[0].decl() == ""
    # where the name is written: the top's own, not `ansi` in a comment or another module
    assert f.read_bytes()[iface.name_start : iface.name_end] == b"ansi"
    assert SEVERAL.index("module ansi") + len("module ") == iface.name_start
    assert iface.errors == []
    assert read([f], "helper").names == ["a", "b"]  # an instantiated module read as the top


def test_parameters_are_elaborated_and_non_ansi_headers_read(tmp_path):
    f = tmp_path / "ip.sv"
    f.write_text(SEVERAL)
    narrow = read([f], "ansi", params={"WIDTH": 12})
    assert [(p.name, p.width, p.msb, p.lsb) for p in narrow.ports if p.name in "dq"] == [
        ("d", 12, 11, 0),
        ("q", 12, 0, 11),
    ]
    g = tmp_path / "nonansi.v"
    g.write_text(NON_ANSI)
    iface = read([g], "nonansi", params={"N": 6})
    assert shapes(iface) == [
        ("clk", "input", 1, 0, 0, False), ("a", "input", 6, 5, 0, False),
        ("b", "input", 6, 5, 0, False), ("y", "output", 7, 6, 0, True),
    ]  # fmt: skip
    assert iface.parameters == []  # only the #( ) list's: body parameters are constants


def test_includes_and_defines_across_files(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "widths.vh").write_text("`define DW 12\n")
    (tmp_path / "defs.v").write_text("`define AW 5\n")
    top = tmp_path / "top.v"
    top.write_text(
        '`include "widths.vh"\n'
        "module top (input [`AW-1:0] addr, output [`DW-1:0] data); assign data = addr; endmodule\n"
    )
    iface = read([tmp_path / "defs.v", top], "top", include_dirs=[tmp_path / "inc"])
    assert [(p.name, p.width) for p in iface.ports] == [("addr", 5), ("data", 12)]
    assert iface.errors == [] and iface.file == top
    # without the include dir the macro is unknown: the port whose width is a guess is named
    missing = read([tmp_path / "defs.v", top], "top")
    assert missing.errors and "widths.vh" in missing.errors[0]
    assert list(missing.port_errors) == ["data"] and "top.v:2" in missing.port_errors["data"]
    # non-ANSI: the error is on the `input` declaration's line, not the header's
    na = tmp_path / "na.v"
    na.write_text("module na (a, y);\n  input [`W-1:0] a;\n  output y;\nendmodule\n")
    assert "`W" in read([na], "na").port_errors["a"]


def test_refusals_name_the_problem(tmp_path):
    f = tmp_path / "m.v"
    f.write_text("module m (input a); endmodule\n")
    assert read_module([f], "nope") == "module nope not found in the RTL"
    assert read_module([tmp_path / "gone.v"], "m").startswith("cannot read gone.v")
    (tmp_path / "design").mkdir()
    leak = tmp_path / "design" / "leak.v"
    (tmp_path / "secret.vh").write_text("`define K 1\n")
    leak.write_text('`include "../secret.vh"\nmodule m (input a); endmodule\n')
    why = read_module([leak], "m")
    assert isinstance(why, str) and "secret.vh" in why and "outside" in why
    bad = tmp_path / "bad.sv"
    bad.write_text("module t (input my_t x, output y); endmodule\n")
    iface = read([bad], "t")
    assert iface.ports[0].width == 0 and "my_t" in iface.errors[0] and "bad.sv:1" in iface.errors[0]


def test_reorder_module_ports():
    netlist = "module top (a, y, clk);\n input clk; input a; output y;\nendmodule\n"
    fixed = reorder_module_ports(netlist, "top", ["clk", "a", "y"])
    assert fixed is not None and fixed.startswith("module top (clk, a, y);")
    assert reorder_module_ports(netlist, "top", ["clk", "a"]) is None  # names differ
    assert reorder_module_ports(netlist, "top", ["a", "y", "clk"]) == netlist
