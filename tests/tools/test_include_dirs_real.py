"""design.yaml's include_dirs reach yosys (real yosys, both sandbox backends).

yosys 0.23 strips no quotes inside an option: the synthesis script's `-I"/workspace/inc"`
searched a folder literally named `"/workspace/inc"`, so every `include from an include dir
failed ("Can't open include file") although lint and simulation (iverilog) found it.
"""

from __future__ import annotations

import pytest

from siliconcrew.core.errors import UserInputError

TOP = """`include "widths.vh"
module inc_top (input clk, input [`W-1:0] d, output reg [`W-1:0] q);
  always @(posedge clk) q <= d ^ `MASK;
endmodule
"""


def _workspace(tmp_path, inc="inc"):
    ws = tmp_path / "ws"
    (ws / "rtl").mkdir(parents=True)
    (ws / inc).mkdir(parents=True)
    (ws / inc / "widths.vh").write_text("`define W 6\n`define MASK 6'h2a\n")
    (ws / "rtl" / "inc_top.v").write_text(TOP)
    return ws


def test_synthesis_finds_an_include_in_an_include_dir(tmp_path, tool_ctx, run_tool):
    ctx = tool_ctx(_workspace(tmp_path))
    r = run_tool(
        ctx, "synthesize", {"files": ["rtl/inc_top.v"], "top": "inc_top", "include_dirs": ["inc"]}
    )
    assert r.ok, r.summary
    assert r.metrics["design__instance__count"] >= 6  # six flops: `W came from the include


def test_include_dir_with_a_space_is_refused_with_the_reason(tmp_path, tool_ctx):
    from siliconcrew.tools.sources import resolve_dirs, yosys_include_opts

    ctx = tool_ctx(_workspace(tmp_path, "my inc"))
    with pytest.raises(UserInputError, match="space"):
        yosys_include_opts(ctx, resolve_dirs(ctx, ["my inc"]))
