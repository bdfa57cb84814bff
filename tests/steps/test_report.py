"""The run report: one self-contained HTML page, rendered for real in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO, run_cli

ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    design = tmp_path_factory.mktemp("rep") / "counter"
    shutil.copytree(
        EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    proc = run_cli(
        "run", str(design), "--json", "--sandbox", "local", env={"SILICONCREW_MODEL": ""}
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return Path(json.loads(proc.stdout)["run_dir"])


def test_report_written_at_the_end_of_a_run(finished_run):
    page = (finished_run / "report.html").read_text()
    assert "<span class='badge ok'>ok</span>" in page
    for needle in (
        "Spec",
        "An 8-bit synchronous up-counter",
        "Plan",
        "Steps",
        "harden",
        "magic__drc_error__count",
        "Timing: worst setup paths",
        "DFFPOSX1",
        "data:image/png;base64,",
        "Trace",
        "run_start",
    ):
        assert needle in page, needle
    assert "http://" not in page and "https://" not in page  # self-contained


def test_report_command_rebuilds_and_refuses_non_runs(finished_run, tmp_path):
    (finished_run / "report.html").unlink()
    proc = run_cli("report", str(finished_run), "--json")
    assert proc.returncode == 0 and Path(json.loads(proc.stdout)["report"]).is_file()
    bad = run_cli("report", str(tmp_path))
    assert bad.returncode == 2 and "not a run directory" in bad.stderr


def test_report_renders_in_headless_chromium(finished_run):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium not installed (make test installs it)")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    proc = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={finished_run / '.chromium'}",
            f"--screenshot={shot}",
            "--window-size=1200,2400",
            (finished_run / "report.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.is_file(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 60_000  # a blank page is a few kB; this one has tables and a layout
