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

import siliconcrew
from siliconcrew.batch.designs import input_hash, pack, unpack
from siliconcrew.batch.page import write_page
from siliconcrew.batch.results import BatchResult, DesignOutcome
from siliconcrew.batch.worker import run_design
from siliconcrew.core.errors import UserInputError

STATE = "batch.json"
#: Text files of a returned run folder whose worker paths are rewritten to the driver's.
REWRITE_SUFFIXES = {".json", ".jsonl", ".html", ".md", ".txt"}
REWRITE_MAX_BYTES = 8 * 1024 * 1024


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


def code_root() -> str:
    """The folder whose `siliconcrew/` the driver runs: workers import the same code."""
    return str(Path(siliconcrew.__file__).resolve().parents[1])


def runtime_env(ship_code: bool, worker_env: dict[str, str] | None) -> dict[str, Any]:
    """Workers see the driver's siliconcrew first on PYTHONPATH (same machine or shared
    install); `ship_code` uploads the package to the cluster instead (no shared filesystem)."""
    env: dict[str, Any] = {}
    paths = [code_root()] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env_vars = {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}
    env_vars.update(worker_env or {})
    env["env_vars"] = env_vars
    if ship_code:
        env["py_modules"] = [str(Path(siliconcrew.__file__).resolve().parent)]
    return env


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


def _rewrite_paths(run_dir: Path, old: str, new: str) -> None:
    """Run folders name their files by absolute path: the worker's scratch folder becomes the
    design's folder on the driver."""
    for f in run_dir.rglob("*"):
        if (
            f.suffix in REWRITE_SUFFIXES
            and f.is_file()
            and not f.is_symlink()
            and f.stat().st_size <= REWRITE_MAX_BYTES
        ):
            try:
                text = f.read_text()
            except (UnicodeDecodeError, OSError):
                continue
            if old in text:
                f.write_text(text.replace(old, new))


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


def _init_ray(
    address: str | None, workers: int | None, node_ip: str | None, env: dict[str, Any]
) -> bool:
    """Start or join Ray; returns whether we started it (and so shut it down)."""
    import ray

    if ray.is_initialized():
        return False
    import signal
    import threading

    # ray.init installs its own SIGTERM handler (it crashes the driver): keep the caller's
    # (the CLI turns SIGTERM into the Ctrl-C path: tasks cancelled, state saved)
    main = threading.current_thread() is threading.main_thread()
    keep = signal.getsignal(signal.SIGTERM) if main else None
    common: dict[str, Any] = {
        "runtime_env": env,
        "logging_level": "ERROR",
        "log_to_driver": False,
        "configure_logging": True,
    }
    if address:
        if node_ip and not address.startswith("ray://"):
            common["_node_ip_address"] = node_ip  # a cluster pinned to one address (tests)
            if node_ip.startswith("127."):
                # Ray rewrites a loopback cluster address to this machine's interface
                # address, where a cluster pinned to loopback does not listen; Ray's own
                # switch for single-machine clusters keeps loopback (Ray 2.60).
                from ray._private import ray_constants

                ray_constants.ENABLE_RAY_CLUSTER = False
        ray.init(address=address, **common)
    else:
        ray.init(
            num_cpus=workers or os.cpu_count() or 1,
            include_dashboard=False,
            _node_ip_address=node_ip or "127.0.0.1",
            **common,
        )
    if main and keep is not None:
        signal.signal(signal.SIGTERM, keep)
    return True


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
