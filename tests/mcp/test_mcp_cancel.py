"""Cancelling a running `harden` over MCP, with the SDK's real client: the client abandons the
call (the SDK sends `notifications/cancelled`) while the placement stage's command runs.

What must hold: the server answers the next request at once, the running stage is killed (not
left to finish: it leaves no result in stages.json, and its processes are gone within a
second or two, long before placement would have ended), no later stage runs, no harden.json,
and nothing of the run is left running (processes on the local backend; the container on
docker)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import anyio
import pytest
from mcp_helpers import stdio_session

REPO = Path(__file__).resolve().parents[2]
#: mac8's placement takes ≈ 6–9 s here, its routing ≈ 4–6 s: the first placement heartbeat
#: (2 s in) leaves several seconds of work to kill.
DESIGN = REPO / "examples" / "mac8"
LATER_STAGES = ("sta", "routing", "backanno", "migrate", "drc", "lvs", "gdsii", "gl_sim")


def _processes_of(folder: Path) -> dict[int, str]:
    """pid -> command line of every process working in `folder` (cwd or arguments in it)."""
    found: dict[int, str] = {}
    mine = str(folder)
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = (
                Path(f"/proc/{entry}/cmdline")
                .read_bytes()
                .replace(b"\0", b" ")
                .decode(errors="replace")
            )
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                cwd = ""
        except OSError:
            continue
        if cwd == mine or cwd.startswith(mine + "/") or mine in cmdline:
            found[int(entry)] = cmdline.strip()
    return found


def _containers_of(folder: Path) -> list[str]:
    if shutil.which("docker") is None:
        return []
    out = subprocess.run(
        ["docker", "ps", "-q", "--filter", f"label=org.siliconcrew.sandbox.workspace={folder}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return out.stdout.split()


def _docker_ready() -> bool:
    try:
        from siliconcrew import api

        return api.doctor("docker").model_dump().get("backend") == "docker"
    except Exception:
        return False


@pytest.mark.parametrize("backend", ["local", "docker"])
def test_cancel_running_harden_kills_the_stage(tmp_path: Path, backend: str):
    if backend == "docker" and not _docker_ready():
        pytest.skip("docker sandbox not available")
    ws = tmp_path / "ws"
    ws.mkdir()
    design = ws / "mac8"
    shutil.copytree(DESIGN, design, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    design = design.resolve()
    progress: list[str] = []
    seen: dict[str, object] = {}

    async def main():
        async with stdio_session("--workspace", str(ws), "--sandbox", backend) as s:
            scope = anyio.CancelScope()

            async def on_progress(value, total, message):
                progress.append(message or "")
                if "cancelled_at" not in seen and (message or "").startswith(
                    "placement: progress:"
                ):
                    # placement's command is running now: what the cancel must kill
                    seen["running"] = (
                        _processes_of(design) if backend == "local" else _containers_of(design)
                    )
                    seen["cancelled_at"] = time.monotonic()
                    scope.cancel()  # the SDK sends notifications/cancelled for the request

            async def harden():
                with scope:
                    seen["result"] = await s.call_tool(
                        "harden",
                        {"design": "mac8", "max_repairs": 0},
                        progress_callback=on_progress,
                    )

            with anyio.fail_after(240):
                async with anyio.create_task_group() as tg:
                    tg.start_soon(harden)
            assert "cancelled_at" in seen, progress  # the call was cancelled, not finished
            assert "result" not in seen, seen.get("result")
            t0 = time.monotonic()
            with anyio.fail_after(10):
                tools = (await s.list_tools()).tools
            seen["list_tools_s"] = time.monotonic() - t0
            assert {t.name for t in tools} >= {"harden", "lint"}
            # the killed stage's processes / container: gone while the server still runs
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                left = _processes_of(design) if backend == "local" else _containers_of(design)
                if not left:
                    break
                await anyio.sleep(0.1)
            seen["gone_after_s"] = time.monotonic() - float(seen["cancelled_at"])  # type: ignore[arg-type]
            seen["left"] = left
            await anyio.sleep(2)  # time for a flow that was not stopped to write its state
            seen["left_later"] = (
                _processes_of(design) if backend == "local" else _containers_of(design)
            )

    anyio.run(main)
    assert seen["running"], "the detector saw nothing running during placement"
    assert seen["list_tools_s"] < 5, seen["list_tools_s"]
    assert not seen["left"] and not seen["left_later"], (seen["left"], seen["left_later"])
    # killed at once, not at the end of placement (≈ 4+ s of work was left)
    assert seen["gone_after_s"] < 3, seen["gone_after_s"]
    runs = [p for p in (design / "runs").iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    run = runs[0]
    harden_json = run / "harden.json"
    assert not (harden_json.is_file() and json.loads(harden_json.read_text())["status"] == "ok")
    assert not harden_json.exists()
    state_file = run / "harden" / "attempt-0" / "stages.json"
    stages = json.loads(state_file.read_text()) if state_file.exists() else {}
    assert stages.get("synthesis", {}).get("status") == "ok", stages
    assert "placement" not in stages, stages  # killed: it never finished
    assert not set(LATER_STAGES) & set(stages), stages
    assert not any(m.startswith(LATER_STAGES) for m in progress), progress
    assert not any(m == "placement: ok" for m in progress), progress
