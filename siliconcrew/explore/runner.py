"""`run_explore`: Ray Tune runs the trials, on a local Ray or an existing cluster.

Tune samples configs (seeded random search, or Optuna's TPE when `optuna` is installed) and
schedules one trial per config (`tune.with_resources`, at most `workers` at once). A trial
is a real harden run (siliconcrew.explore.trial) on its own copy of the design, which
travels as bytes (no shared filesystem). Its run folder comes back through `TrialSink`, a
small actor pinned to the driver's node, which unpacks it under the design's
`explore/<id>/trials/<key>/` and records the trial at once, so a Ctrl-C loses only the
trials in flight. The key is a hash of the design's inputs and the applied config: a
re-run of the same space on the same design (same `explore/<id>/`) finds those records and
does not run them again (the seeded search proposes the same configs in the same order).

The baseline (design.yaml as written) is one more trial, run as a Ray task beside Tune's.
Nothing here prints: progress goes to the `progress` callback. Importing this module imports
Ray (the package's `__init__` does so only when an exploration runs)."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import ray
import yaml
from ray import tune

from siliconcrew.core.archive import input_hash, pack, rewrite_paths, unpack
from siliconcrew.core.errors import UserInputError
from siliconcrew.core.ray_init import init_ray, runtime_env
from siliconcrew.explore import outputs, scoring
from siliconcrew.explore.results import Baseline, Best, ExploreResult, Summary, Trial
from siliconcrew.explore.space import (
    DEFAULT_VALUE,
    Dimension,
    check_space,
    config_key,
    default_space,
    normalize,
    parse_space,
    space_key,
    trial_data,
)
from siliconcrew.explore.trial import run_trial

STATE = "explore.json"
SEARCHES = ("auto", "random", "optuna")
#: How long Ctrl-C waits for the trials in flight to cancel their stage and close their
#: sandbox before Ray is shut down (a killed trial leaves its container behind).
STOP_GRACE_S = 20.0


@dataclass
class ExploreProgress:
    explore_id: str
    total: int
    done: int
    ok: int
    failed: int
    resumed: int
    elapsed_s: float
    finished: Trial | None = None


class TrialSink:
    """A Ray actor on the driver's node: trials post their records and run archives here,
    it writes them under `explore/<id>/trials/<key>/` (the cache a re-run reads) and
    answers lookups; it also carries the driver's stop request to the trials."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self.records: dict[str, dict[str, Any]] = {}
        for f in sorted((self.root / "trials").glob("*/trial.json")):
            try:
                rec = json.loads(f.read_text())
            except (OSError, ValueError):
                continue
            run_dir = rec.get("run_dir")
            if rec.get("id") and run_dir and Path(run_dir).is_dir():
                self.records[rec["id"]] = rec
        self.session: list[str] = []
        self.session_records: dict[str, dict[str, Any]] = {}
        self.active: set[str] = set()
        self.stopping_flag = False

    def lookup(self, key: str) -> dict[str, Any] | None:
        """A finished record for this key (from an earlier run, or this one), marked used."""
        rec = self.records.get(key)
        if rec is None:
            return None
        rec = {**rec, "resumed": True}
        self._use(key, rec)
        return rec

    def begin(self, key: str) -> None:
        self.active.add(key)

    def abandon(self, key: str) -> None:
        self.active.discard(key)

    def store(
        self, record: dict[str, Any], archive: bytes | None, work_dir: str, design_yaml: str
    ) -> dict[str, Any]:
        key = record["id"]
        if key in self.records:  # the same config finished first in another trial: keep it
            self.active.discard(key)
            return self.lookup(key) or record
        folder = self.root / "trials" / key
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "design.yaml").write_text(design_yaml)
        if archive and record.get("run_id"):
            try:
                unpack(archive, folder)
                run_dir = folder / "runs" / record["run_id"]
                rewrite_paths(run_dir, work_dir, str(folder))
                record["run_dir"] = str(run_dir)
            except Exception as exc:  # the figures stand; the folder could not be unpacked
                record["cacheable"] = False
                record["failure"] = (record.get("failure") or "") + (
                    f" (run folder not unpacked: {type(exc).__name__}: {exc})"
                )
        if record.get("cacheable") and record.get("run_dir"):
            tmp = folder / "trial.json.tmp"
            tmp.write_text(json.dumps(record, indent=2, default=str))
            os.replace(tmp, folder / "trial.json")
            self.records[key] = record
        self._use(key, record)
        self.active.discard(key)
        return record

    def _use(self, key: str, record: dict[str, Any]) -> None:
        if key not in self.session_records:
            self.session.append(key)
        self.session_records[key] = record

    def used(self) -> list[dict[str, Any]]:
        return [self.session_records[k] for k in self.session]

    def stop(self) -> None:
        self.stopping_flag = True

    def stopping(self) -> bool:
        return self.stopping_flag

    def active_count(self) -> int:
        return len(self.active)


def evaluate(ctx: dict[str, Any], config: dict[str, Any], baseline: bool) -> dict[str, Any] | None:
    """One trial on a worker: the cached record, or a real harden run stored through the
    sink. None when the driver stopped it (Ctrl-C)."""
    import ray

    sink = ctx["sink"]
    key = config_key(ctx["inputs_hash"], {"__baseline__": True} if baseline else config)
    prev = ray.get(sink.lookup.remote(key))
    if prev is not None:
        return prev
    ray.get(sink.begin.remote(key))
    spec = {**ctx["spec"], "key": key, "baseline": baseline}

    def stop() -> bool:
        return bool(ray.get(sink.stopping.remote(), timeout=10))

    ans = run_trial(spec, ctx["archive"], config, stop)
    if ans["status"] == "cancelled":
        sink.abandon.remote(key)
        return None
    archive = ans.pop("run_archive")
    work_dir = ans.pop("work_dir")
    text = yaml.safe_dump(trial_data(ctx["spec"]["data"], config), sort_keys=False)
    return ray.get(sink.store.remote(ans, archive, work_dir, text))


def explore_trial(config: dict[str, Any], ctx: dict[str, Any]) -> None:
    """Tune's trainable: normalise the sampled config, evaluate it, report one result."""
    from ray import tune

    cfg = normalize(ctx["dims"], config)
    rec = evaluate(ctx, cfg, baseline=False)
    if rec is None:
        return
    m = rec.get("metrics") or {}
    tune.report(
        {
            scoring.TUNE_METRIC: scoring.tune_value(rec, ctx["objective"]),
            "trial_key": rec["id"],
            "trial_status": rec["status"],
            "resumed": bool(rec.get("resumed")),
            "fmax_mhz": m.get("fmax_mhz"),
            "area_um2": m.get("area_um2"),
            "failure": (rec.get("failure") or "")[:300],
        }
    )


def baseline_task(ctx: dict[str, Any]) -> dict[str, Any] | None:
    """The baseline as a Ray task (its worker process is titled `ray::baseline_task`)."""
    return evaluate(ctx, {}, baseline=True)


def new_session_id() -> str:
    return f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _tune_space(dims: list[Dimension]) -> dict[str, Any]:
    from ray import tune

    out: dict[str, Any] = {}
    for d in dims:
        if d.kind == "uniform":
            out[d.path] = tune.uniform(float(d.args[0]), float(d.args[1]))
        elif d.kind == "randint":
            out[d.path] = tune.randint(int(d.args[0]), int(d.args[1]) + 1)  # inclusive
        else:
            out[d.path] = tune.choice(list(d.args))
    return out


def _search_alg(search: str, seed: int):
    if search == "optuna":
        import optuna
        from ray.tune.search.optuna import OptunaSearch

        optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "study created" on stderr
        return OptunaSearch(seed=seed)
    from ray.tune.search import BasicVariantGenerator

    return BasicVariantGenerator(random_state=seed)


def resolve_search(search: str) -> str:
    if search not in SEARCHES:
        raise UserInputError(f"--search must be one of {', '.join(SEARCHES)}", "use --search auto")
    if search == "auto":
        return "optuna" if importlib.util.find_spec("optuna") else "random"
    if search == "optuna" and not importlib.util.find_spec("optuna"):
        raise UserInputError(
            "--search optuna needs optuna", "pip install optuna, or --search random"
        )
    return search


def _get_path(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return DEFAULT_VALUE
        node = node[part]
    return node


@dataclass
class Plan:
    """Everything decided before Ray starts (bad input is refused here)."""

    folder: Path
    data: dict[str, Any]
    raw_space: dict[str, Any]
    dims: list[Dimension]
    objective: str
    samples: int
    search: str
    seed: int
    inputs_hash: str
    explore_id: str
    out: Path


def plan_explore(
    design_dir: Path | str,
    *,
    samples: int | None = None,
    objective: str | None = None,
    search: str = "auto",
    seed: int | None = None,
) -> Plan:
    """Read design.yaml, take its `explore:` (or the default space), check every point of
    the space as harden would read it, and name the exploration."""
    from siliconcrew import api
    from siliconcrew.core.design import load_design

    design, folder = load_design(Path(design_dir))
    data = yaml.safe_load((folder / "design.yaml").read_text())
    spec = design.explore
    raw_space = dict(spec.space) if spec is not None and spec.space else default_space(data)
    dims = parse_space(raw_space)
    objective = objective or (spec.objective if spec is not None else "score")
    if objective not in scoring.OBJECTIVES:
        raise UserInputError(
            f"--objective must be one of {', '.join(scoring.OBJECTIVES)}, not '{objective}'",
            "use --objective fmax",
        )
    samples = samples if samples is not None else (spec.samples if spec is not None else 8)
    if samples < 1:
        raise UserInputError("--samples must be at least 1", "use --samples 8")
    seed = seed if seed is not None else (spec.seed if spec is not None else 0)
    base = {k: v for k, v in data.items() if k != "explore"}
    api.check_design_data(trial_data(base, {}), folder)
    check_space(dims, base, lambda d: api.check_design_data(d, folder))
    search = resolve_search(search)
    blob = json.dumps(base, sort_keys=True, default=str)
    inputs = input_hash(folder, salt=blob, skip={"design.yaml"})
    explore_id = space_key(inputs, raw_space, search, seed)
    return Plan(
        folder=folder,
        data=base,
        raw_space=raw_space,
        dims=dims,
        objective=objective,
        samples=samples,
        search=search,
        seed=seed,
        inputs_hash=inputs,
        explore_id=explore_id,
        out=folder / "explore" / explore_id,
    )


#: What the progress callback reaches by key: the Tuner pickles its callbacks, and a live
#: display (locks, a terminal) cannot be pickled.
_LIVE: dict[str, dict[str, Any]] = {}


class Progress(tune.Callback):
    """Tells the driver's `progress` callback of each finished trial (and the baseline).
    Module-level, holding only a key into `_LIVE`: the Tuner pickles its callbacks."""

    def __init__(self, live_key: str, plan: Plan) -> None:
        self.live_key = live_key
        self.plan = plan

    def _say(self, rec: dict[str, Any] | None) -> None:
        live = _LIVE.get(self.live_key)
        if rec is None or live is None or live["progress"] is None:
            return
        counts = live["counts"]
        counts["done"] += 1
        counts["ok" if rec["status"] == "ok" else "failed"] += 1
        counts["resumed"] += int(bool(rec.get("resumed")))
        live["progress"](
            ExploreProgress(
                explore_id=self.plan.explore_id,
                total=self.plan.samples + 1,
                done=counts["done"],
                ok=counts["ok"],
                failed=counts["failed"],
                resumed=counts["resumed"],
                elapsed_s=time.monotonic() - live["t0"],
                finished=Trial.model_validate(rec),
            )
        )

    def on_step_begin(self, iteration, trials, **info):
        live = _LIVE.get(self.live_key)
        if live is None or live.get("baseline_said"):
            return
        ready, _ = ray.wait([live["baseline_ref"]], timeout=0)
        if ready:
            live["baseline_said"] = True
            try:
                rec = ray.get(ready[0])
            except Exception:
                return
            if rec is not None:
                self._say({**rec, "config": {}})

    def on_trial_result(self, iteration, trials, trial, result, **info):
        self._say(
            {
                "id": result.get("trial_key", trial.trial_id),
                "config": normalize(self.plan.dims, trial.config),
                "status": result.get("trial_status", "failed"),
                "resumed": result.get("resumed", False),
                "failure": result.get("failure") or None,
                "metrics": {
                    "fmax_mhz": result.get("fmax_mhz"),
                    "area_um2": result.get("area_um2"),
                },
            }
        )


def run_explore(
    design_dir: Path | str,
    *,
    samples: int | None = None,
    workers: int | None = None,
    objective: str | None = None,
    address: str | None = None,
    node_ip_address: str | None = None,
    sandbox: str | None = None,
    max_repairs: int = 0,
    cpus_per_trial: float = 1.0,
    search: str = "auto",
    seed: int | None = None,
    ship_code: bool = False,
    worker_env: dict[str, str] | None = None,
    progress: Callable[[ExploreProgress], None] | None = None,
) -> ExploreResult:
    """Explore `design_dir`'s space with Ray Tune; returns the typed result (and writes
    explore/<id>/: trials/, trials.csv, pareto.png, best.yaml, explore.json).
    Ctrl-C stops the trials in flight and returns with `interrupted` set; a re-run reuses
    every finished trial."""
    import ray

    if workers is not None and workers < 1:
        raise UserInputError("--workers must be at least 1", "use --workers 2")
    if max_repairs < 0:
        raise UserInputError("--max-repairs must be 0 or more", "use --max-repairs 0")
    plan = plan_explore(design_dir, samples=samples, objective=objective, search=search, seed=seed)
    out = plan.out
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    started = init_ray(address, workers, node_ip_address, runtime_env(ship_code, worker_env))
    interrupted = False
    records: list[dict[str, Any]] = []
    base_rec: dict[str, Any] | None = None
    sink: Any = None
    try:
        from ray import tune
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = ray.get_runtime_context().get_node_id()
        sink = (
            ray.remote(num_cpus=0)(TrialSink)
            .options(scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False))
            .remote(str(out))
        )
        ctx = {
            "sink": sink,
            "archive": pack(plan.folder),
            "dims": plan.dims,
            "objective": plan.objective,
            "inputs_hash": plan.inputs_hash,
            "spec": {
                "explore_id": plan.explore_id,
                "data": plan.data,
                "sandbox": sandbox,
                "max_repairs": max_repairs,
            },
        }
        cpus = ray.cluster_resources().get("CPU", 1)
        window = workers or max(1, int(cpus // cpus_per_trial))
        baseline_ref = (
            ray.remote(baseline_task)
            .options(num_cpus=cpus_per_trial, max_retries=1, name="baseline_task")
            .remote(ctx)
        )
        live_key = secrets.token_hex(8)
        _LIVE[live_key] = {
            "progress": progress,
            "t0": t0,
            "baseline_ref": baseline_ref,
            "counts": {"done": 0, "ok": 0, "failed": 0, "resumed": 0},
        }
        trainable = tune.with_resources(
            tune.with_parameters(explore_trial, ctx=ctx), {"cpu": cpus_per_trial}
        )
        tuner = tune.Tuner(
            trainable,
            param_space=_tune_space(plan.dims),
            tune_config=tune.TuneConfig(
                metric=scoring.TUNE_METRIC,
                mode=scoring.TUNE_MODE,
                num_samples=plan.samples,
                max_concurrent_trials=window,
                search_alg=_search_alg(plan.search, plan.seed),
                trial_dirname_creator=lambda t: t.trial_id,
            ),
            run_config=tune.RunConfig(
                name=new_session_id(),
                storage_path=str((out / "tune").resolve()),
                verbose=0,
                failure_config=tune.FailureConfig(max_failures=1),
                callbacks=[Progress(live_key, plan)],
            ),
        )
        # Ctrl-C is ours (trials cancelled, not Tune's checkpoint-and-stop); Tune's own
        # console tables stay off (verbose=0 is honoured by its older reporter only)
        quiet = {"TUNE_DISABLE_SIGINT_HANDLER": "1", "RAY_AIR_NEW_OUTPUT": "0"}
        old = {k: os.environ.get(k) for k in quiet}
        os.environ.update(quiet)
        try:
            grid = tuner.fit()
            try:
                base_rec = ray.get(baseline_ref)
            except ray.exceptions.RayError as exc:  # died past its retry
                base_rec = crashed(plan, {}, exc, baseline=True)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        if not _LIVE[live_key].get("baseline_said"):
            Progress(live_key, plan)._say(base_rec)
        records = ray.get(sink.used.remote())
        seen = {r["id"] for r in records}
        for i in range(len(grid)):  # trials Tune gave up on (worker died twice): no record
            r = grid[i]
            if r.error is not None:
                rec = crashed(plan, normalize(plan.dims, r.config or {}), r.error)
                if rec["id"] not in seen:
                    seen.add(rec["id"])
                    records.append(rec)
    except KeyboardInterrupt:
        interrupted = True
        try:
            assert sink is not None
            sink.stop.remote()
            deadline = time.monotonic() + STOP_GRACE_S
            while time.monotonic() < deadline and ray.get(sink.active_count.remote(), timeout=5):
                time.sleep(0.3)
            records = ray.get(sink.used.remote(), timeout=10)
        except Exception:  # the sink is gone: what reached the disk is the record
            records = []
    finally:
        _LIVE.clear()
        if started:
            ray.shutdown()
    return finish(plan, records, base_rec, interrupted, time.monotonic() - t0)


def crashed(
    plan: Plan, config: dict[str, Any], exc: BaseException, baseline: bool = False
) -> dict[str, Any]:
    """The record of a trial that left no result (its worker died past the retry)."""
    key = config_key(plan.inputs_hash, {"__baseline__": True} if baseline else config)
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return {
        "id": key,
        "config": config,
        "baseline": baseline,
        "status": "failed",
        "metrics": {},
        "failure": f"trial crashed: {type(exc).__name__}: {first}",
    }


def finish(
    plan: Plan,
    records: list[dict[str, Any]],
    base_rec: dict[str, Any] | None,
    interrupted: bool,
    wall_s: float,
) -> ExploreResult:
    """Rank, draw and write: the result from the trials' records (pure but for the files)."""
    out = plan.out
    base = base_rec or next((r for r in records if r.get("baseline")), None)
    trials = ([base] if base else []) + [r for r in records if not r.get("baseline")]
    clean = [{k: v for k, v in t.items() if k not in ("run_archive", "work_dir")} for t in trials]
    ranked = scoring.rank(clean, plan.objective)
    top = ranked[0] if ranked else None
    front = scoring.pareto(clean)
    paths = [d.path for d in plan.dims]
    base_cfg = {p: _get_path(plan.data, p) for p in paths}
    for t in clean:
        if t.get("baseline"):
            t["config"] = base_cfg
    result = ExploreResult(
        explore_id=plan.explore_id,
        design=str(plan.folder),
        objective=plan.objective,
        search=plan.search,
        samples=plan.samples,
        space=plan.raw_space,
        trials=[Trial.model_validate(t) for t in clean],
        pareto=[t["id"] for t in front],
        interrupted=interrupted,
    )
    if base is not None:
        result.baseline = Baseline(
            config=base_cfg,
            metrics=base.get("metrics") or {},
            status=base["status"],
            failure=base.get("failure"),
            run_dir=base.get("run_dir"),
        )
    best_text = None
    if top is not None:
        cfg = {} if top.get("baseline") else top["config"]
        header = (
            f"siliconcrew explore {plan.explore_id}: best of {len(clean)} trial(s), "
            f"{top['metrics']['fmax_mhz']:g} MHz, die {top['metrics']['area_um2']:g} um2"
        )
        if top.get("baseline"):
            header += " (the design as written)"
        best_text = outputs.snippet(trial_data(plan.data, cfg), cfg, header, plan.objective)
        result.best = Best(
            config=base_cfg if top.get("baseline") else top["config"],
            metrics=top["metrics"],
            run_dir=top.get("run_dir"),
            trial=top["id"],
            is_baseline=bool(top.get("baseline")),
            snippet=best_text,
        )
    s = Summary(wall_s=round(wall_s, 2))
    for t in clean:
        s.ok += t["status"] == "ok"
        s.failed += t["status"] != "ok"
        s.resumed += bool(t.get("resumed"))
    result.summary = s
    out.mkdir(parents=True, exist_ok=True)
    front_ids = {t["id"] for t in front}
    art: dict[str, str | None] = {}
    art["table_csv"] = str(
        outputs.write_csv(out / "trials.csv", clean, paths, front_ids, top["id"] if top else None)
    )
    title = f"{plan.folder.name}: explore {plan.explore_id} ({plan.search}, {plan.objective})"
    try:
        art["pareto_png"] = str(
            outputs.write_pareto_png(out / "pareto.png", clean, front, top, title)
        )
    except Exception as exc:  # a picture must never lose the results
        art["pareto_png"] = None
        result.plot_error = f"{type(exc).__name__}: {exc}"  # type: ignore[attr-defined]
    if best_text is not None:
        (out / "best.yaml").write_text(best_text)
        art["best_yaml"] = str(out / "best.yaml")
    art["state"] = str(out / STATE)
    result.artifacts = art
    tmp = out / (STATE + ".tmp")
    tmp.write_text(json.dumps(result.model_dump(), indent=2, default=str))
    os.replace(tmp, out / STATE)
    return result
