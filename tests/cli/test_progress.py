"""Progress of long stages: the host follows the stage's log while it runs, safely."""

from __future__ import annotations

import os
import re
import shutil
import time

import pytest

from siliconcrew.sandbox import follow, open_sandbox
from siliconcrew.sandbox.follow import LogFollower, format_elapsed
from tests.conftest import BACKENDS, EXAMPLES, settings_for

WRITER = (
    'mkdir -p log; for i in 1 2 3 4 5 6; do echo "Nets remaining: ${i}00" >> log/route.log;'
    ' echo "noise $i" >> log/route.log; sleep 0.4; done'
)


@pytest.mark.parametrize("backend", BACKENDS)
def test_follower_reports_the_newest_matching_line_while_the_command_runs(tmp_path, backend):
    ws = tmp_path / "ws"
    ws.mkdir()
    seen: list[tuple[float, str]] = []
    with open_sandbox(ws, settings_for(backend)) as sb:
        sb.make_writable(ws)
        t0 = time.monotonic()
        with LogFollower(
            ws,
            [ws / "log" / "route.log"],
            lambda text: seen.append((time.monotonic() - t0, text)),
            re.compile("remaining"),
            interval_s=0.3,
        ):
            res = sb.run(["sh", "-c", WRITER], cwd=ws, timeout_s=60)
        assert res.ok, res.output
    texts = [t for _, t in seen]
    assert any("Nets remaining" in t for t in texts), texts
    assert not any("noise" in t for t in texts), texts  # the pattern picks the lines
    # Reports come while it runs (not all at the end), and the count goes down over time.
    # (No wall-clock threshold: a loaded CI machine starts containers slowly.)
    counts = list(dict.fromkeys(t.split(" · ", 1)[1] for t in texts if "remaining" in t))
    assert len(counts) >= 2, seen
    assert re.match(r"^\d+s · Nets remaining: [1-6]00$", texts[-1]), texts[-1]


def test_follower_never_opens_a_fifo_or_follows_a_link(tmp_path):
    ws = tmp_path / "ws"
    (ws / "log").mkdir(parents=True)
    os.mkfifo(ws / "log" / "route.log")
    secret = tmp_path / "secret.txt"
    secret.write_text("Nets remaining: SECRET\n")
    os.symlink(secret, ws / "log" / "place.log")
    seen: list[str] = []
    f = LogFollower(ws, [ws / "log" / "route.log", ws / "log" / "place.log"], seen.append)
    t0 = time.monotonic()
    f.poll()  # a FIFO would block a plain open() for ever
    assert time.monotonic() - t0 < 1 and f.latest == ""


def test_partial_lines_are_reported_whole(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    log = ws / "x.log"
    log.write_text("first line\nsecond li")
    f = LogFollower(ws, [log], lambda t: None)
    f.poll()
    assert f.latest == "first line"
    with log.open("a") as fh:
        fh.write("ne done\n")
    f.poll()
    assert f.latest == "second line done"


def test_a_command_shorter_than_one_interval_still_shows_its_last_line_once(tmp_path):
    """Tools that buffer their log until exit (qrouter into a file) or finish within one
    interval: the follower's last look on exit reports the line, once, before it returns."""
    ws = tmp_path / "ws"
    (ws / "log").mkdir(parents=True)
    seen: list[str] = []
    with LogFollower(ws, [ws / "log" / "route.log"], seen.append, interval_s=60):
        (ws / "log" / "route.log").write_text("Running qrouter\nFinal: no failed routes\n")
    assert seen == ["0s · Final: no failed routes"], seen
    seen.clear()
    with LogFollower(ws, [ws / "log" / "none.log"], seen.append, interval_s=60):
        pass
    assert seen == []  # nothing new to show: no empty final report


def test_elapsed_format():
    assert [format_elapsed(s) for s in (5, 65, 3725)] == ["5s", "1m05s", "1h02m"]


def test_harden_reports_progress_inside_stages(tmp_path, monkeypatch):
    """An unattended harden shows a heartbeat with the stage log's newest line, e.g. qrouter's
    own progress during route (a 6 000-cell route ran 15 minutes with nothing shown)."""
    from siliconcrew.steps.harden import harden

    monkeypatch.setattr(follow, "DEFAULT_INTERVAL_S", 0.2)
    design = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs"))
    events: list[tuple[str, str]] = []
    report = harden(
        design,
        lambda ws: open_sandbox(ws, settings_for("local")),
        max_repairs=0,
        progress=lambda stage, state: events.append((stage, state)),
    )
    assert report.status == "ok", report.to_dict()
    beats = [(s, st) for s, st in events if st.startswith("progress: ")]
    assert {s for s, _ in beats} >= {"routing"}, events
    route = [st for s, st in beats if s == "routing"]
    assert any("·" in st for st in route), route  # a line from log/route.log, not just time
    # Heartbeats come between a stage's "running" and its result, never after it.
    for stage, _ in beats:
        i = events.index((stage, "running"))
        done = next(k for k, (s, st) in enumerate(events) if s == stage and st in ("ok", "failed"))
        assert all(
            i < k < done
            for k, e in enumerate(events)
            if e[0] == stage and e[1].startswith("progress: ")
        )
