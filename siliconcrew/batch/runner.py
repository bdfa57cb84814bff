"""`run_batch`: one Ray task per design, on a local Ray or an existing cluster.

Ray schedules, retries and moves the bytes; this module only decides what to submit, keeps
at most `workers` designs in flight, turns each task's answer into a `DesignOutcome`, unpacks
run folders into each design's `runs/`, and keeps `batches/<id>/batch.json` (what `--resume`
reads) and `index.html` up to date after every design. Nothing here prints: progress goes to
the `progress` callback as a `BatchProgress`."""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from siliconcrew.batch.designs import input_hash, pack, unpack
from siliconcrew.batch.page import write_page
from siliconcrew.batch.results import BatchResult, DesignOutcome
from siliconcrew.batch.worker import run_design
from siliconcrew.core.archive import rewrite_paths as _rewrite_paths
from siliconcrew.core.errors import UserInputError
from siliconcrew.core.ray_init import code_root, runtime_env
from siliconcrew.core.ray_init import init_ray as _init_ray

STATE = "batch.json"
__all__ = ["run_batch", "BatchProgress", "code_root", "runtime_env"]


@dataclass
class BatchProgress:
    """What the live display shows; `running` maps design → its current step."""

    batch_id: str
    total: int
    done: int = 0
    ok: int = 0
    failed: int = 0
    errored: int = 0
    resumed: int = 0
    running: dict[str, str] = field(default_factory=dict)
    queued: int = 0
    elapsed_s: float = 0.0
    eta_s: float | None = None
    finished: DesignOutcome | None = None  # the design that just finished, if any


class ProgressBoard:
    """A tiny Ray actor: tasks post their current step, the driver reads the board."""

    def __init__(self) -> None:
        self.steps: dict[str, str] = {}
        self.starts: dict[str, int] = {}

    def started(self, name: str) -> None:
        self.starts[name] = self.starts.get(name, 0) + 1
        self.steps[name] = "starting"

    def update(self, name: str, step: str) -> None:
        self.steps[name] = step

    def finished(self, name: str) -> None:
        self.steps.pop(name, None)

    def snapshot(self) -> tuple[dict[str, str], dict[str, int]]:
        return dict(self.steps), dict(self.starts)


def siliconcrew_design(spec: dict[str, Any], archive: bytes, board) -> dict[str, Any]:
    """The Ray task (its worker process is titled `ray::siliconcrew_design`)."""
    name = spec["name"]
    board.started.remote(name)

    def progress(step: str, state: str) -> None:
        if state == "running" or state.startswith("progress: "):
            board.update.remote(name, step)

    try:
        return run_design(spec, archive, progress)
    finally:
        board.finished.remote(name)


def new_batch_id() -> str:
    return f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _load_state(path: Path) -> BatchResult:
    try:
        return BatchResult.model_validate_json(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserInputError(
            f"cannot read batch state '{path}': {exc}".splitlines()[0],
            "give a batch id listed under batches/",
        ) from exc


def _write_state(out: Path, result: BatchResult, options: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = result.model_dump()
    data["options"] = options
    tmp = out / (STATE + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    os.replace(tmp, out / STATE)
    result.page = str(write_page(out, result))


def _outcome(design: Path, digest: str, answer: dict[str, Any], attempts: int) -> DesignOutcome:
    out = DesignOutcome(
        name=design.name,
        dir=str(design),
        status=answer["status"],
        run_id=answer.get("run_id"),
        wall_s=answer.get("wall_s"),
        metrics=answer.get("metrics") or {},
        failure=answer.get("failure"),
        node=answer.get("node"),
        attempts=attempts,
        input_hash=digest,
    )
    archive = answer.get("run_archive")
    if archive and out.run_id:
        try:
            unpack(archive, design)
            run_dir = design / "runs" / out.run_id
            _rewrite_paths(run_dir, answer["work_dir"], str(design))
            out.run_dir = str(run_dir)
            if (run_dir / "report.html").is_file():
                out.report = str(run_dir / "report.html")
        except Exception as exc:  # the result stands; the folder could not be brought back
            out.status = "errored"
            out.failure = f"run folder not unpacked: {type(exc).__name__}: {exc}"
    if answer.get("report_error"):
        out.report_error = answer["report_error"]  # type: ignore[attr-defined]
    out.code_path = answer.get("code_path")  # type: ignore[attr-defined]
    return out


def run_batch(
    designs: list[Path],
    *,
    mode: str = "check",
    harden: bool = True,
    workers: int | None = None,
    cpus_per_design: float = 1.0,
    address: str | None = None,
    sandbox: str | None = None,
    max_repairs: int = 3,
    resume: str | None = None,
    out_dir: Path | str = "batches",
    node_ip_address: str | None = None,
    max_retries: int = 3,
    ship_code: bool = False,
    worker_env: dict[str, str] | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
) -> BatchResult:
    """Check (or run) every design as one Ray task and gather the results.

    `workers` caps the designs in flight (default: the cluster's CPUs / `cpus_per_design`;
    a local Ray gets that many CPUs). `resume` continues batch `resume`: designs whose
    outcome is complete (ok or failed, run folder present) for the same input hash are kept.
    Ctrl-C cancels the tasks in flight and returns with `interrupted` set (state saved)."""
    import ray

    if mode not in ("check", "run"):
        raise UserInputError(f"--mode must be check or run, not '{mode}'", "use --mode check")
    if workers is not None and workers < 1:
        raise UserInputError("--workers must be at least 1", "use --workers 2")
    out_root = Path(out_dir)
    previous: dict[str, DesignOutcome] = {}
    if resume:
        state = _load_state(out_root / resume / STATE)
        previous = {d.dir: d for d in state.designs}
        if not designs:
            designs = [Path(d.dir) for d in state.designs]
        batch_id = resume
    else:
        batch_id = new_batch_id()
    if not designs:
        raise UserInputError("no designs given", "give design folders, a glob or --from-file")
    out = out_root / batch_id
    salt = f"mode={mode};harden={harden}"
    options = {"mode": mode, "harden": harden, "sandbox": sandbox, "address": address}

    t0 = time.monotonic()
    result = BatchResult(batch_id=batch_id, mode=mode)
    outcomes: dict[str, DesignOutcome] = {}
    todo: list[tuple[Path, str]] = []
    for d in designs:
        digest = input_hash(d, salt)
        prev = previous.get(str(d))
        if prev is not None and prev.complete and prev.input_hash == digest:
            outcomes[str(d)] = prev.model_copy(update={"resumed": True})
        else:
            todo.append((d, digest))
    order = [str(d) for d in designs]

    def current(
        finished: DesignOutcome | None = None, running: dict[str, str] | None = None
    ) -> BatchProgress:
        done = list(outcomes.values())
        new_done = [o for o in done if not o.resumed]
        elapsed = time.monotonic() - t0
        remaining = len(designs) - len(done)
        eta = (
            elapsed / len(new_done) * remaining
            if new_done and remaining
            else (0.0 if not remaining else None)
        )
        return BatchProgress(
            batch_id=batch_id,
            total=len(designs),
            done=len(done),
            ok=sum(o.status == "ok" for o in done),
            failed=sum(o.status == "failed" for o in done),
            errored=sum(o.status == "errored" for o in done),
            resumed=sum(o.resumed for o in done),
            running=running or {},
            queued=remaining - len(running or {}),
            elapsed_s=elapsed,
            eta_s=eta,
            finished=finished,
        )

    def save() -> None:
        result.designs = [outcomes[k] for k in order if k in outcomes]
        result.summarize(time.monotonic() - t0)
        _write_state(out, result, options)

    save()
    if not todo:
        if progress:
            progress(current())
        return result

    started = _init_ray(address, workers, node_ip_address, runtime_env(ship_code, worker_env))
    inflight: dict[Any, tuple[Path, str]] = {}
    try:
        board = ray.remote(num_cpus=0)(ProgressBoard).remote()
        task = ray.remote(siliconcrew_design).options(
            num_cpus=cpus_per_design, max_retries=max_retries, name="siliconcrew_design"
        )
        cpus = ray.cluster_resources().get("CPU", 1)
        window = workers or max(1, int(cpus // cpus_per_design))
        pending = list(todo)
        steps: dict[str, str] = {}
        starts: dict[str, int] = {}
        while pending or inflight:
            while pending and len(inflight) < window:
                d, digest = pending.pop(0)
                spec = {
                    "batch_id": batch_id,
                    "name": d.name,
                    "mode": mode,
                    "harden": harden,
                    "sandbox": sandbox,
                    "max_repairs": max_repairs,
                }
                inflight[task.remote(spec, ray.put(pack(d)), board)] = (d, digest)
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=0.5)
            try:
                steps, starts = ray.get(board.snapshot.remote(), timeout=5)  # type: ignore[attr-defined]
            except Exception:  # the board's node went away: the display waits, work goes on
                pass
            finished = None
            for ref in ready:
                d, digest = inflight.pop(ref)
                try:
                    answer = ray.get(ref)
                except Exception as exc:  # died past its retries, node lost, ...
                    answer = {
                        "status": "errored",
                        "failure": f"task failed after {starts.get(d.name, 0)} attempt(s): "
                        f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
                    }
                finished = _outcome(d, digest, answer, starts.get(d.name, 1))
                outcomes[str(d)] = finished
                save()
            if progress:
                running = {
                    n: s for n, s in steps.items() if any(d.name == n for d, _ in inflight.values())
                }
                progress(current(finished, running))
    except KeyboardInterrupt:
        for ref in inflight:
            ray.cancel(ref, force=True)
        for d, digest in [*inflight.values(), *[p for p in todo if str(p[0]) not in outcomes]]:
            if str(d) not in outcomes:
                outcomes[str(d)] = DesignOutcome(
                    name=d.name,
                    dir=str(d),
                    status="cancelled",
                    failure="interrupted (Ctrl-C)",
                    input_hash=digest,
                )
        result.interrupted = True
        save()
    finally:
        if started:
            ray.shutdown()
    save()
    return result
