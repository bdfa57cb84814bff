"""design.yaml `testbench:` as a mapping (Verilog files and golden cocotb tests): parsed into
the model, and every mistake refused before anything runs with a one-line error and a fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES

from siliconcrew.core.design import load_design
from siliconcrew.core.errors import UserInputError


def design_with(tmp_path: Path, testbench, extra: dict | None = None) -> Path:
    folder = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", folder, ignore=shutil.ignore_patterns("runs"))
    (folder / "tests").mkdir()
    (folder / "tests" / "test_counter.py").write_text("import cocotb\n")
    card = yaml.safe_load((folder / "design.yaml").read_text())
    card["testbench"] = testbench
    card.update(extra or {})
    (folder / "design.yaml").write_text(yaml.safe_dump(card, sort_keys=False))
    return folder


def test_mapping_gives_files_cocotb_tests_and_toplevel(tmp_path):
    folder = design_with(
        tmp_path,
        {"files": ["tb/tb_counter.v"], "cocotb": "tests/test_counter.py", "toplevel": "counter"},
    )
    d, _ = load_design(folder)
    assert d.testbench == ["tb/tb_counter.v"]
    assert d.cocotb_tests == ["tests/test_counter.py"]
    assert d.cocotb_toplevel() == "counter" and d.has_golden_tests()
    assert d.golden_files() == ["tb/tb_counter.v", "tests/test_counter.py"]
    d2, _ = load_design(design_with(tmp_path / "b", ["tb/tb_counter.v"]))  # the list form
    assert d2.testbench == ["tb/tb_counter.v"] and d2.cocotb_tests == []


@pytest.mark.parametrize(
    "testbench, words",
    [
        ({"cocotb": ["tests/missing.py"]}, "testbench file 'tests/missing.py' not found"),
        ({"cocotb": ["tests/test-counter.py"]}, "is not a Python module file"),
        ({"cocotb": ["tb/tb_counter.v"]}, "is not a Python module file"),
        ({"cocotb": ["../x/test_a.py"]}, "outside the design folder"),
        ({"cocotb": ["tests/test_counter.py"], "simulator": "verilator"}, "Verilator 5.036"),
        ({"cocotb": ["tests/test_counter.py"], "toplevel": "a;b"}, "not a Verilog identifier"),
        ({"cocotp": ["tests/test_counter.py"]}, "did you mean 'cocotb'"),
    ],
)
def test_mistakes_are_refused_in_one_line(tmp_path, testbench, words):
    with pytest.raises(UserInputError) as err:
        load_design(design_with(tmp_path, testbench))
    said = f"{err.value} ({err.value.hint})"
    assert words in said and "\n" not in said


def test_own_testbench_language_is_checked(tmp_path):
    folder = design_with(tmp_path, [], {"verification": {"own_testbench": "python"}})
    with pytest.raises(UserInputError) as err:
        load_design(folder)
    assert "own_testbench" in str(err.value)
