"""TrialSink (used as a Ray actor; a plain class here): a stored trial's run folder is
unpacked under explore/<id>/trials/<key>/ with worker paths rewritten, it is what a new run
finds again, a second result for the same config does not replace the first, and a result
that is not a flow outcome (no sandbox, a crash) is never cached."""

from __future__ import annotations

import json
from pathlib import Path

from siliconcrew.core.archive import pack


def _archive(tmp_path: Path, work: Path, run_id: str) -> bytes:
    run = work / "runs" / run_id
    run.mkdir(parents=True)
    (run / "harden.json").write_text(json.dumps({"gds": f"{work}/runs/{run_id}/x.gds"}))
    return pack(work, only=run)


def _rec(key, run_id, cacheable=True, status="ok"):
    return {"id": key, "run_id": run_id, "status": status, "cacheable": cacheable, "metrics": {}}


def test_store_lookup_resume_and_duplicates(tmp_path):
    from siliconcrew.explore.runner import TrialSink

    root = tmp_path / "explore" / "abc"
    sink = TrialSink(str(root))
    assert sink.lookup("k1") is None
    work = tmp_path / "scratch" / "k1-aa"
    sink.begin("k1")
    got = sink.store(_rec("k1", "r1"), _archive(tmp_path, work, "r1"), str(work), "name: x\n")
    run_dir = root / "trials" / "k1" / "runs" / "r1"
    assert got["run_dir"] == str(run_dir) and sink.active_count() == 0
    assert str(work) not in (run_dir / "harden.json").read_text()
    assert (root / "trials" / "k1" / "design.yaml").read_text() == "name: x\n"
    # a second trial of the same config: the first stays
    work2 = tmp_path / "scratch" / "k1-bb"
    again = sink.store(_rec("k1", "r2"), _archive(tmp_path, work2, "r2"), str(work2), "")
    assert again["run_id"] == "r1" and run_dir.is_dir()
    # not a flow outcome: listed this session, never cached
    sink.store(_rec("k2", None, cacheable=False, status="failed"), None, "/nowhere", "")
    assert [r["id"] for r in sink.used()] == ["k1", "k2"]
    # a new run (a new sink on the same folder) finds k1 only
    fresh = TrialSink(str(root))
    assert fresh.lookup("k2") is None
    found = fresh.lookup("k1")
    assert found["resumed"] is True and found["run_id"] == "r1"
    assert [r["id"] for r in fresh.used()] == ["k1"]
    assert not fresh.stopping()
    fresh.stop()
    assert fresh.stopping()
