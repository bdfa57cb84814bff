"""Cases from real open-source IP that broke a stage (the "Real designs reach GDS" issue)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from siliconcrew.tools.registry import execute, load_registry

TRISTATE_REG = """module tri4(input clk, input en, input [7:0] d, output reg [7:0] q);
  always @(posedge clk) q <= en ? d : 8'bz;
endmodule
"""
COUNTER = """module counter(input clk, input rst, output reg [3:0] q);
  always @(posedge clk) if (rst) q <= 0; else q <= q + 1;
endmodule
"""


def lint(ctx, files, top):
    return execute(load_registry().tools["lint"], {"files": files, "top": top}, ctx)


def test_verilator_limitation_is_not_a_design_error(tmp_path, tool_ctx):
    """`Unsupported tristate construct: ASSIGNDLY` is Verilator's limit; iverilog/yosys accept it."""
    ws = tmp_path / "tri"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "tri4.v").write_text(TRISTATE_REG)
    r = lint(tool_ctx(ws), ["rtl/tri4.v"], "tri4")
    assert r.ok, r.summary
    limits = [d for d in r.diagnostics if d.code == "verilator-unsupported"]
    assert limits and all(d.severity == "warning" for d in limits)
    assert any("ASSIGNDLY" in d.message for d in limits)


def test_real_syntax_error_still_fails_lint_next_to_a_limitation(tmp_path, tool_ctx):
    ws = tmp_path / "tri"
    (ws / "rtl").mkdir(parents=True)
    (ws / "rtl" / "tri4.v").write_text(TRISTATE_REG.replace("endmodule", "assign x = ;\nendmodule"))
    r = lint(tool_ctx(ws), ["rtl/tri4.v"], "tri4")
    assert not r.ok and r.failure == "check"


def test_lint_in_a_private_mktemp_workspace(tool_ctx):
    """A `mktemp -d` workspace is 0700 and root-owned; the sandbox user must still read it."""
    ws = Path(tempfile.mkdtemp(prefix="sc-private-"))
    try:
        assert ws.stat().st_mode & 0o777 == 0o700
        (ws / "counter.v").write_text(COUNTER)
        r = lint(tool_ctx(ws), ["counter.v"], "counter")
        assert r.ok, r.summary
    finally:
        for p in sorted(ws.rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() and not p.is_symlink() else p.unlink()
        os.rmdir(ws)
