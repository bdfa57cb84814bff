"""The localiser's rules for lines a bug hides from the plain dynamic slice, each with a real
one-statement mutant of a corpus design (iverilog and yosys in the local sandbox): the
changed line must be among the top-3 suspects. Before each rule these lines were ranked
below the top 10 or not at all, so each case fails without its rule."""

from __future__ import annotations

import shutil

import pytest

from siliconcrew.agents.localise import label_pattern
from tests.agents.test_debug_evidence import CORPUS, evidence_for, mutate


@pytest.mark.parametrize(
    ("design", "file", "line", "old", "new"),
    [
        # a wrong async reset value: the register holds it until its first load, long
        # after the reset (a flip-flop parameter, no cell of its own)
        ("pwm", "rtl/pwm.v", 13, "8'd0", "8'd1"),
        # an inverted async reset condition: the register is reset whenever it should count
        ("async_fifo", "rtl/asyn_fifo.v", 62, "if (~wrstn)", "if (!(~wrstn))"),
        # a case item's own arm (yosys gives every compare the whole `casex` range)
        ("casex_decoder", "rtl/rv_decoder.v", 43, "reg_write = 1", "reg_write = 0"),
        # a design whose only output is a tri-state inout bus
        ("tristate_bus", "rtl/tristate_bus.v", 15, "if (we)", "if (!(we))"),
        # the register behind the first of two tri-state drivers of one bus
        ("tristate_bus", "rtl/tristate_bus.v", 13, "r0 <= 8'h00", "r0 <= 8'h01"),
        # an unrolled loop's bounds and its accumulator's start value leave no cell
        ("popcount_vectors", "rtl/popcount16.v", 8, "i = 0;", "i = 1;"),
        ("popcount_vectors", "rtl/popcount16.v", 7, "5'd0", "5'd1"),
    ],
    ids=[
        "reset-value",
        "inverted-reset",
        "case-item",
        "inout-bus",
        "second-bus-driver",
        "loop-bounds",
        "loop-accumulator",
    ],
)
def test_hidden_line_is_in_top3(tmp_path, design, file, line, old, new):
    work = tmp_path / design
    shutil.copytree(CORPUS / design, work, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    mutate(work, file, line, old, new)
    ev, why = evidence_for(work)
    assert ev is not None, why
    top3 = [s.label() for s in ev.suspects[:3]]
    assert f"{file}:{line}" in top3, ev.text()


def test_case_label_patterns():
    assert label_pattern("4'd3", {}) == (3, -1)
    assert label_pattern("S2", {"S2": 2}) == (2, -1)
    value, mask = label_pattern("4'b1x0?", {}) or (0, 0)
    assert (value, mask) == (0b1000, 0b1010)
    assert label_pattern("8'hx3", {}) == (0x03, 0x0F)
    assert label_pattern("a + b", {}) is None and label_pattern("state", {}) is None
