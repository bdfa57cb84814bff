"""What one trial does on whichever node Ray picked: the design arrives as bytes, the config
is applied to its design.yaml, `api.harden` runs on that copy (no repairs unless asked: a
trial measures its config), the figures are judged, and the run folder goes back as bytes.

Nothing here needs Ray (the runner wraps it); a `stop` callable, polled from a thread,
cancels the running stage through the API's CancelToken (Ctrl-C on the driver)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import yaml

from siliconcrew.core.archive import pack, unpack
from siliconcrew.explore.scoring import figures, judge
from siliconcrew.explore.space import trial_data

#: Where workers unpack trials: <tmp>/siliconcrew-explore/<explore_id>/<trial key>/
SCRATCH = "siliconcrew-explore"
NO_SANDBOX_HINT = (
    "every Ray node needs the EDA sandbox: the siliconcrew docker image "
    "(`siliconcrew sandbox build`) or local tools with bubblewrap"
)


def scratch_dir(explore_id: str, key: str) -> Path:
    return Path(tempfile.gettempdir()) / SCRATCH / explore_id / key


def flow_failure(res: Any) -> str | None:
    """The harden result's reason in one line: the failed stage and its summary."""
    if res.status == "ok":
        return None
    stage = res.failed_stage
    if stage:
        name = stage.get("name", stage.get("stage", "?"))
        summary = stage.get("summary") or res.message or res.outcome
        return f"{name}: {summary}"
    return res.message or res.outcome or res.status


def run_trial(
    spec: dict[str, Any],
    archive: bytes,
    config: dict[str, Any],
    stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Harden one config. `spec`: explore_id, key, data (design.yaml without `explore:`),
    sandbox, max_repairs, baseline. Returns the trial record (status ok | failed |
    cancelled, figures as `metrics`, `engine_metrics`, failure, run_id, wall_s, node) with
    `run_archive` (bytes or None) and `work_dir` (the worker path to rewrite)."""
    from siliconcrew import api
    from siliconcrew.core.cancel import Cancelled, CancelToken
    from siliconcrew.core.errors import SandboxUnavailable, SiliconCrewError

    t0 = time.monotonic()
    # unique per attempt: two trials of one config (a choice-only space) may run at once
    work = scratch_dir(spec["explore_id"], f"{spec['key']}-{secrets.token_hex(3)}")
    unpack(archive, work)
    data = trial_data(spec["data"], config)
    (work / "design.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    out: dict[str, Any] = {
        "id": spec["key"],
        "config": config,
        "baseline": bool(spec.get("baseline")),
        "status": "failed",
        "metrics": {},
        "engine_metrics": {},
        "failure": None,
        "run_id": None,
        "node": socket.gethostname(),
        "pid": os.getpid(),
        "work_dir": str(work),
        "run_archive": None,
        "cacheable": False,  # only a flow that ran stands for this config on a re-run
    }
    token = CancelToken()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.5):
            try:
                if stop is not None and stop():
                    token.cancel()
                    return
            except Exception:  # the driver is gone: Ray ends this worker soon anyway
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        res = api.harden(
            work,
            max_repairs=spec.get("max_repairs", 0),
            sandbox=spec.get("sandbox"),
            cancel=token,
        )
        fig = figures(res.metrics, (data.get("clock") or {}).get("period_ns"))
        status, failure = judge(res.status, flow_failure(res), fig)
        out.update(
            status=status,
            failure=failure,
            metrics=fig,
            engine_metrics=dict(res.metrics),
            run_id=res.run_id,
            repairs=[r.get("action", {}).get("name") for r in res.repairs if r.get("action")],
        )
        out["run_archive"] = pack(work, only=Path(res.run_dir))
        out["cacheable"] = True
    except Cancelled:
        out.update(status="cancelled", failure="interrupted (Ctrl-C)")
    except SandboxUnavailable as exc:
        out["failure"] = (
            f"no EDA sandbox on node {out['node']}: {exc.one_line()} ({NO_SANDBOX_HINT})"
        )
    except SiliconCrewError as exc:
        out["failure"] = exc.one_line()
    except Exception as exc:  # the exploration goes on; the trial says what broke
        out["failure"] = f"{type(exc).__name__}: {exc}"
    finally:
        done.set()
        shutil.rmtree(work, ignore_errors=True)
        try:
            work.parent.rmdir()  # the exploration's scratch folder, once no trial uses it
        except OSError:
            pass
    out["wall_s"] = round(time.monotonic() - t0, 2)
    return out
