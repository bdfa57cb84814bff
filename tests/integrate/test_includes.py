"""Where a design's `include files go in a harness's flat source folder (pure, no sandbox):
a written path keeps resolving (beside its includer, or from the folder as the include dir),
nested includes follow their includer, other headers of an include dir come along, and a
file outside the design folder or a layout the folder cannot keep is refused in one line.
The harnesses built with them are checked with the real tools in
tests/steps/test_integrate_includes.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from siliconcrew.core.errors import UserInputError
from siliconcrew.integrate.includes import include_layout


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def rels(layout, root: Path) -> dict[str, str]:
    return {k: v.resolve().relative_to(root.resolve()).as_posix() for k, v in layout.files.items()}


def test_spi_master_header_goes_beside_the_rtl():
    ip = REPO / "benchmarks/corpus/spi_master"
    layout = include_layout(ip, [ip / "rtl/spi-master.v"], [ip / "rtl/include"])
    assert rels(layout, ip) == {"spi_defs.vh": "rtl/include/spi_defs.vh"}
    assert layout.dirs == ["."]
    plain = include_layout(REPO / "examples/counter", [REPO / "examples/counter/rtl/counter.v"])
    assert plain.files == {} and plain.dirs == []  # nothing included: nothing changes


def test_relative_nested_and_include_dir_files_keep_their_written_paths(tmp_path):
    d = write(tmp_path / "d", {
        "rtl/top.v": '`include "sub/ops.vh"\n`include "defs.vh"\nmodule top; endmodule\n',
        "rtl/sub/ops.vh": '`include "more.vh"\n',  # beside ops.vh, not beside top.v
        "rtl/sub/more.vh": "`define MORE 1\n",
        "inc/defs.vh": "`define W 4\n",
        "inc/extra/unused.svh": "`define UNUSED 1\n",  # no `include reads it: carried too
        "inc/notes.txt": "not a header\n",
        "inc/runs/old/x.vh": "`define OLD 1\n",  # a run folder inside an include dir: skipped
    })  # fmt: skip
    # rtl/ as an include dir too (iverilog and verilator need it for "sub/ops.vh"): its
    # headers are already placed, not carried twice
    layout = include_layout(d, [d / "rtl/top.v"], [d / "inc", d / "rtl"])
    assert rels(layout, d) == {
        "sub/ops.vh": "rtl/sub/ops.vh",
        "sub/more.vh": "rtl/sub/more.vh",
        "defs.vh": "inc/defs.vh",
        "extra/unused.svh": "inc/extra/unused.svh",
    }
    # iverilog has no relative includes: the folder more.vh sits in is an include dir too
    assert layout.dirs == [".", "sub"]
    out = tmp_path / "harness"
    layout.copy_into(out)
    assert (out / "sub/more.vh").read_text() == "`define MORE 1\n"


def test_an_include_outside_the_design_folder_is_refused(tmp_path):
    write(tmp_path, {"shared/defs.vh": "`define W 4\n"})
    d = write(
        tmp_path / "d", {"rtl/top.v": '`include "../../shared/defs.vh"\nmodule top; endmodule\n'}
    )
    with pytest.raises(UserInputError) as exc:
        include_layout(d, [d / "rtl/top.v"])
    assert "rtl/top.v includes '../../shared/defs.vh', which is outside the design folder" in (
        exc.value.message
    )
    assert "include_dirs" in exc.value.hint
    # the same through a link inside an include dir
    write(d, {"rtl/top.v": "module top; endmodule\n"})
    (d / "inc").mkdir()
    (d / "inc/defs.vh").symlink_to(tmp_path / "shared/defs.vh")
    with pytest.raises(UserInputError, match="leads outside the design folder"):
        include_layout(d, [d / "rtl/top.v"], [d / "inc"])


def test_layouts_the_flat_folder_cannot_keep_are_refused(tmp_path):
    d = write(tmp_path / "d", {
        "rtl/a/top.v": '`include "../common/defs.vh"\nmodule top; endmodule\n',
        "rtl/common/defs.vh": "`define W 4\n",
    })  # fmt: skip
    with pytest.raises(UserInputError, match="a path above the folder"):
        include_layout(d, [d / "rtl/a/top.v"], [d / "rtl/common"])
    # an include named like a file the harness generates (Tiny Tapeout's project.v)
    write(d, {"rtl/a/top.v": '`include "project.v"\nmodule top; endmodule\n',
              "rtl/a/project.v": "`define P 1\n"})  # fmt: skip
    with pytest.raises(UserInputError, match="would both be 'project.v'"):
        include_layout(d, [d / "rtl/a/top.v"], [], {"top.v": d / "rtl/a/top.v", "project.v": None})
    # the same header included twice, and an RTL file an `include reads, are one file each
    write(d, {"rtl/a/top.v": '`include "defs.vh"\n`include "defs.vh"\nmodule top; endmodule\n',
              "rtl/a/defs.vh": "`define W 4\n"})  # fmt: skip
    layout = include_layout(d, [d / "rtl/a/top.v"], [], {"top.v": d / "rtl/a/top.v"})
    assert list(layout.files) == ["defs.vh"]
