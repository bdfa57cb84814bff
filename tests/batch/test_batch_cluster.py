"""`siliconcrew batch` on a REAL multi-node Ray cluster on this machine (2 nodes × 1 CPU,
pinned to 127.0.0.1), the docker sandbox, three small designs (one broken on purpose).

The first batch runs as a CLI subprocess while this test SIGKILLs a busy
`ray::siliconcrew_design` worker process; the batch must still complete with a result for
every design. The later tests read that batch's JSON and page, then resume it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import EXAMPLES, REPO
from ray_cluster import busy_task_workers, cluster, interruptible, remove_orphan_containers

__all__ = ["cluster"]  # the shared 2-node loopback cluster fixture (tests/ray_cluster.py)

pytestmark = pytest.mark.docker

CORPUS = REPO / "benchmarks" / "corpus"
TASK_TITLE = "ray::siliconcrew_design"


@pytest.fixture(scope="module")
def designs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("batch")
    out = {}
    for src in (EXAMPLES / "counter", CORPUS / "nor_gate", CORPUS / "adder_8bit"):
        shutil.copytree(src, root / src.name, ignore=shutil.ignore_patterns("runs"))
        out[src.name] = root / src.name
    rtl = out["adder_8bit"] / "rtl" / "adder_8bit.v"
    (root / "adder_8bit.good.v").write_text(rtl.read_text())
    rtl.write_text(rtl.read_text().replace("endmodule", "  wire oops = ;\nendmodule", 1))
    return out


def _busy_task_workers() -> list[int]:
    return busy_task_workers(TASK_TITLE)


def _batch_cli(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "siliconcrew", "batch", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )


@pytest.fixture(scope="module")
def first_batch(cluster, designs):
    """The batch over the three designs, with one busy worker SIGKILLed mid-task."""
    cwd = designs["counter"].parent
    proc = _batch_cli(
        *(str(d) for d in designs.values()),
        "--address",
        cluster.address,
        "--node-ip-address",
        "127.0.0.1",
        "--sandbox",
        "docker",
        "--json",
        "--out",
        str(cwd / "batches"),
        cwd=cwd,
    )
    killed = None
    seen: dict[int, float] = {}
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and proc.poll() is None:
        now = time.monotonic()
        for pid in _busy_task_workers():
            seen.setdefault(pid, now)
            # busy for 3 s: a design that passes lint (the broken one fails in ~1 s)
            if now - seen[pid] > 3.0:
                os.kill(pid, signal.SIGKILL)
                killed = pid
                break
        time.sleep(0.2)
    stdout, stderr = proc.communicate(timeout=600)
    if killed:
        remove_orphan_containers(killed)
    return {"rc": proc.returncode, "out": stdout, "err": stderr, "killed": killed, "cwd": cwd}


def _by_name(res: dict) -> dict[str, dict]:
    return {d["name"]: d for d in res["designs"]}


def test_killed_worker_is_retried_and_every_design_gets_a_result(first_batch):
    assert first_batch["killed"], "no busy ray::siliconcrew_design worker was seen to kill"
    assert first_batch["rc"] == 1, first_batch["err"][-3000:]  # the broken design failed
    res = json.loads(first_batch["out"])
    by = _by_name(res)
    assert by["counter"]["status"] == "ok" and by["nor_gate"]["status"] == "ok", by
    assert by["adder_8bit"]["status"] == "failed"
    assert "lint" in by["adder_8bit"]["failure"], by["adder_8bit"]["failure"]
    retried = [d for d in res["designs"] if d["attempts"] >= 2]
    assert [d["name"] for d in retried] and retried[0]["status"] == "ok", res["designs"]
    # the live display finished designs on stderr, stdout stays JSON
    assert "counter" in first_batch["err"]


def test_json_shape_and_run_folders_come_back(first_batch, designs):
    res = json.loads(first_batch["out"])
    assert {"batch_id", "designs", "summary"} <= set(res)
    assert {k: res["summary"][k] for k in ("ok", "failed", "errored")} == {
        "ok": 2,
        "failed": 1,
        "errored": 0,
    }
    assert res["summary"]["wall_s"] > 0
    for d in res["designs"]:
        assert {"name", "dir", "status", "run_id", "wall_s", "metrics", "failure"} <= set(d)
        run_dir = designs[d["name"]] / "runs" / d["run_id"]
        assert Path(d["run_dir"]) == run_dir and (run_dir / "results.json").is_file()
        # worker scratch paths rewritten to the design's own folder
        assert "siliconcrew-batch" not in (run_dir / "results.json").read_text()
        # the workers imported this worktree's siliconcrew
        assert d["code_path"] == str(REPO / "siliconcrew" / "__init__.py")
    by = _by_name(res)
    assert by["counter"]["metrics"]["magic__drc_error__count"] == 0
    assert by["counter"]["metrics"]["design__instance__count"] > 10
    assert (designs["counter"] / "runs" / by["counter"]["run_id"] / "harden").is_dir()


class _Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and (a.get("class") or "").startswith("status-"):
            self.rows.append({"status": a["class"][7:], "links": []})
        elif tag == "a" and self.rows:
            self.rows[-1]["links"].append(a["href"])


def test_batch_page_has_one_row_per_design_with_report_links(first_batch):
    res = json.loads(first_batch["out"])
    page = first_batch["cwd"] / "batches" / res["batch_id"] / "index.html"
    parser = _Rows()
    parser.feed(page.read_text())
    assert sorted(r["status"] for r in parser.rows) == ["failed", "ok", "ok"]
    links = [h for r in parser.rows for h in r["links"]]
    assert len(links) == 3  # the failed design's run has a report too
    for href in links:
        assert (page.parent / href).resolve().is_file(), href
    assert re.search(r"ok 2 · failed 1 · errored 0", page.read_text())


def test_resume_skips_unchanged_designs_and_reruns_a_changed_one(first_batch, cluster, designs):
    res = json.loads(first_batch["out"])
    before = _by_name(res)
    good = designs["adder_8bit"].parent / "adder_8bit.good.v"
    (designs["adder_8bit"] / "rtl" / "adder_8bit.v").write_text(good.read_text())
    proc = _batch_cli(
        "--resume",
        res["batch_id"],
        "--address",
        cluster.address,
        "--node-ip-address",
        "127.0.0.1",
        "--sandbox",
        "docker",
        "--json",
        "--out",
        str(first_batch["cwd"] / "batches"),
        cwd=first_batch["cwd"],
    )
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]  # every design passed now
    after = _by_name(json.loads(out))
    for name in ("counter", "nor_gate"):
        assert after[name]["resumed"] is True
        assert after[name]["run_id"] == before[name]["run_id"]
    assert after["adder_8bit"]["resumed"] is False
    assert after["adder_8bit"]["status"] == "ok"
    assert after["adder_8bit"]["run_id"] != before["adder_8bit"]["run_id"]
    assert len(list((designs["counter"] / "runs").iterdir())) == 1  # not run again


def test_a_node_without_sandbox_says_so(cluster, designs, tmp_path):
    """A worker whose docker daemon is unreachable: errored, naming the node and the fix."""
    from siliconcrew.batch.runner import run_batch

    nor = tmp_path / "nor_gate"
    shutil.copytree(designs["nor_gate"], nor, ignore=shutil.ignore_patterns("runs"))
    res = run_batch(
        [nor],
        address=cluster.address,
        node_ip_address="127.0.0.1",
        sandbox="docker",
        harden=False,
        out_dir=tmp_path / "batches",
        worker_env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
    )
    (d,) = res.designs
    assert d.status == "errored" and res.exit_code == 1
    assert "no EDA sandbox on node" in d.failure and "every Ray node needs" in d.failure, d


def test_ctrl_c_cancels_cleanly_and_keeps_the_state(cluster, designs, tmp_path):
    """SIGINT mid-design: exit 130, the unfinished designs `cancelled` in batch.json, the
    batch's page written; --resume would run them (errored/cancelled never count as done)."""
    work = tmp_path / "ctrlc"
    for name in ("counter", "nor_gate"):
        shutil.copytree(designs[name], work / name, ignore=shutil.ignore_patterns("runs"))
    proc = _batch_cli(
        str(work / "counter"),
        str(work / "nor_gate"),
        "--workers",
        "1",
        "--address",
        cluster.address,
        "--node-ip-address",
        "127.0.0.1",
        "--sandbox",
        "docker",
        "--json",
        "--out",
        str(work / "batches"),
        cwd=work,
    )
    busy: list[int] = []
    deadline = time.monotonic() + 60
    while not busy and time.monotonic() < deadline and proc.poll() is None:
        busy = _busy_task_workers()
        time.sleep(0.2)
    assert busy, "no design started"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    for pid in busy:
        remove_orphan_containers(pid)
    assert proc.returncode == 130, err[-3000:]
    res = json.loads(out)
    assert res["interrupted"] is True and res["summary"]["cancelled"] >= 1
    state = json.loads((work / "batches" / res["batch_id"] / "batch.json").read_text())
    assert {d["status"] for d in state["designs"]} <= {"ok", "cancelled"}
    assert f"--resume {res['batch_id']}" in err
    deadline = time.monotonic() + 15
    while _busy_task_workers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _busy_task_workers()  # the running task was cancelled, not left behind
