"""What one Ray task does with one design, on whichever node Ray picked.

The design arrives as bytes; it is unpacked into a scratch folder of the node, checked (or
run) through `siliconcrew.api`, its report written, and the run folder goes back as bytes.
Nothing here needs Ray: `runner` wraps `run_design` in a remote function, tests may call it
directly. A node without an EDA sandbox answers `errored` with what is missing."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from siliconcrew.batch.designs import pack, unpack

#: Where workers unpack designs: <tmp>/siliconcrew-batch/<batch_id>/<design>/
SCRATCH = "siliconcrew-batch"

NoSandboxHint = (
    "every Ray node needs the EDA sandbox: the siliconcrew docker image "
    "(`siliconcrew sandbox build`) or local tools with bubblewrap"
)


def scratch_dir(batch_id: str, name: str) -> Path:
    return Path(tempfile.gettempdir()) / SCRATCH / batch_id / name


def _first_failure_check(res) -> str | None:
    if res.ok:
        return None
    for s in res.steps:
        r = s.result
        if r is not None and not r.ok:
            return f"{s.step}: {r.summary}"
    if res.harden is not None and res.harden.status != "ok":
        stage = res.harden.failed_stage
        where = f"harden/{stage.get('name', stage.get('stage', '?'))}" if stage else "harden"
        return f"{where}: {res.harden.message or res.harden.outcome or res.harden.status}"
    return "checks did not pass"


def run_design(
    spec: dict[str, Any], archive: bytes, progress: Callable[[str, str], None] | None = None
) -> dict[str, Any]:
    """Run one design. `spec`: batch_id, name, mode (check|run), harden, sandbox,
    max_repairs. Returns {status, run_id, wall_s, metrics, failure, node, pid, work_dir,
    code_path, run_archive (bytes or None)}."""
    import siliconcrew
    from siliconcrew import api
    from siliconcrew.core.errors import SandboxUnavailable, SiliconCrewError

    t0 = time.monotonic()
    name = spec["name"]
    work = scratch_dir(spec["batch_id"], name)
    shutil.rmtree(work, ignore_errors=True)  # a retried attempt starts clean
    unpack(archive, work)
    out: dict[str, Any] = {
        "name": name,
        "node": socket.gethostname(),
        "pid": os.getpid(),
        "work_dir": str(work),
        "code_path": siliconcrew.__file__,
        "run_id": None,
        "metrics": {},
        "failure": None,
        "run_archive": None,
        "status": "errored",
    }

    def say(step: str, state: str) -> None:
        if progress is not None:
            progress(step, state)

    try:
        if spec.get("mode", "check") == "run":
            rres = api.run(
                work,
                approve="auto",
                sandbox=spec.get("sandbox"),
                max_repairs=spec.get("max_repairs", 3),
                progress=say,
            )
            out.update(
                run_id=rres.run_id,
                metrics=dict(rres.metrics),
                status="ok" if rres.status == "ok" else "failed",
                failure=None if rres.status == "ok" else (rres.reason or rres.status),
            )
            run_dir = Path(rres.run_dir)
        else:
            cres = api.check(
                work,
                harden=spec.get("harden", True),
                max_repairs=spec.get("max_repairs", 3),
                sandbox=spec.get("sandbox"),
                progress=say,
            )
            metrics = dict(cres.harden.metrics) if cres.harden is not None else {}
            out.update(
                run_id=cres.run_id,
                metrics=metrics,
                status="ok" if cres.ok else "failed",
                failure=_first_failure_check(cres),
            )
            run_dir = Path(cres.run_dir)
        try:
            api.report(run_dir)
        except Exception as exc:  # a report that cannot be drawn does not lose the result
            out["report_error"] = f"{type(exc).__name__}: {exc}"
        out["run_archive"] = pack(work, only=run_dir)
    except SandboxUnavailable as exc:
        out["failure"] = f"no EDA sandbox on node {out['node']}: {exc.one_line()} ({NoSandboxHint})"
    except SiliconCrewError as exc:
        out["failure"] = exc.one_line()
    except Exception as exc:  # the batch goes on; the design says what broke
        out["failure"] = f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["wall_s"] = round(time.monotonic() - t0, 2)
    return out
