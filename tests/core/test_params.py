"""design.yaml `parameters:` (LibreLane's SYNTH_PARAMETERS): the top built with other
parameter values by our synthesis and checked by equivalence on both sides (real yosys,
iverilog and osu018 cells); the values are checked at load like the rest of design.yaml.
The engines' own synthesis is in test_harden_local.py (qflow) and test_librelane.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES

from siliconcrew.core.design import load_design
from siliconcrew.core.errors import UserInputError
from siliconcrew.tools.design_calls import equivalence_input, synthesize_input

MOD_RTL = """module modcnt #(parameter N = 5) (input clk, input rst_n, output reg [3:0] q,
                                      output wrap);
  assign wrap = (q == N - 1);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= 0; else q <= wrap ? 4'd0 : q + 4'd1;
endmodule
"""


@pytest.fixture
def modcnt(tmp_path: Path) -> Path:
    ws = tmp_path / "modcnt"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "modcnt.v").write_text(MOD_RTL)
    (ws / "spec.md").write_text("# modcnt\n")
    (ws / "design.yaml").write_text(
        "name: modcnt\ntop: modcnt\nrtl: [rtl/modcnt.v]\nclock: {port: clk, period_ns: 20}\n"
        "parameters: {N: 3}\n"
    )
    return ws


def test_design_calls_build_with_the_parameters_and_equivalence_checks_both_sides(
    modcnt, tool_ctx, run_tool
):
    """The netlist is built with N=3 (the counter wraps at 2); equivalence elaborates the
    RTL with N=3 as well and finds no difference. Checked against the RTL's default (N=5)
    the same netlist differs: the parameters really reach both sides."""
    d, _ = load_design(modcnt)
    assert d.parameters == {"N": 3}
    ctx = tool_ctx(modcnt)
    syn = run_tool(ctx, "synthesize", synthesize_input(d))
    assert syn.ok, syn.summary
    assert syn.metrics["synth__parameters"] == {"N": 3}
    script = (modcnt / syn.artifacts["netlist"]).parent / "synth.ys"
    assert "chparam -set N 3 modcnt" in script.read_text()
    same = run_tool(ctx, "equivalence", equivalence_input(d, syn.artifacts["netlist"]))
    assert same.ok, same.summary
    inp = {
        **equivalence_input(d, syn.artifacts["netlist"]),
        "parameters": {},
        "method": "simulation",
    }
    default = run_tool(ctx, "equivalence", inp)
    assert not default.ok and "NOT equivalent" in default.summary, default.summary


def test_a_parameter_the_top_lacks_is_named(modcnt, tool_ctx, run_tool):
    d, _ = load_design(modcnt)
    ctx = tool_ctx(modcnt)
    res = run_tool(ctx, "synthesize", {**synthesize_input(d), "parameters": {"NN": 3}})
    assert not res.ok
    assert "parameter NN (design.yaml parameters:) is not a parameter of modcnt" in res.summary, (
        res.summary
    )


@pytest.mark.parametrize(
    "value,needle",
    [
        ("{N: -1}", "negative"),
        ("{N: 1.5}", "not an integer or a string"),
        ("{N: true}", "not an integer or a string"),
        ("{1N: 3}", "not a Verilog identifier"),
        ("{N: 'a\"b'}", "quotes"),
        ("[3]", "mapping"),
    ],
)
def test_bad_parameters_are_refused_at_load(tmp_path, value, needle):
    folder = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", folder, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    card = folder / "design.yaml"
    card.write_text(card.read_text() + f"parameters: {value}\n")
    with pytest.raises(UserInputError) as info:
        load_design(folder)
    assert "'parameters" in info.value.message and needle in info.value.message, info.value.message
