"""Which designs a batch takes, the input hash (what --resume compares) and the archives."""

from __future__ import annotations

import shutil

import pytest
from conftest import EXAMPLES

from siliconcrew.batch.designs import input_hash, pack, resolve_designs, unpack
from siliconcrew.core.errors import UserInputError


def test_hash_follows_inputs_not_runs(tmp_path):
    d = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", d, ignore=shutil.ignore_patterns("runs"))
    h = input_hash(d, "mode=check")
    (d / "runs" / "r1").mkdir(parents=True)
    (d / "runs" / "r1" / "x.json").write_text("{}")
    assert input_hash(d, "mode=check") == h
    assert input_hash(d, "mode=run") != h
    rtl = d / "rtl" / "counter.v"
    rtl.write_text(rtl.read_text() + "\n// changed\n")
    assert input_hash(d, "mode=check") != h


def test_pack_leaves_runs_behind_and_unpacks_the_same(tmp_path):
    d = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", d, ignore=shutil.ignore_patterns("runs"))
    (d / "runs").mkdir()
    (d / "runs" / "big.bin").write_bytes(b"x" * 1000)
    unpack(pack(d), tmp_path / "copy")
    assert not (tmp_path / "copy" / "runs").exists()
    assert input_hash(tmp_path / "copy") == input_hash(d)


def test_resolve_designs_globs_files_and_refusals(tmp_path):
    for name in ("a", "b"):
        shutil.copytree(
            EXAMPLES / "counter", tmp_path / "designs" / name, ignore=shutil.ignore_patterns("runs")
        )
    (tmp_path / "designs" / "notes").mkdir()
    got = resolve_designs([str(tmp_path / "designs" / "*")])
    assert [p.name for p in got] == ["a", "b"]
    lst = tmp_path / "list.txt"
    lst.write_text("# two designs\ndesigns/b\ndesigns/a  # again\n")
    assert [p.name for p in resolve_designs([], lst)] == ["b", "a"]
    with pytest.raises(UserInputError, match="not a design folder"):
        resolve_designs([str(tmp_path / "designs" / "notes")])
