"""Starting or joining Ray the way the Ray front doors (`batch`, `explore`) need it.

Ray is imported inside the functions only (it is heavy). Workers import the driver's
siliconcrew (its folder first on PYTHONPATH), keep the caller's SIGTERM handler, and a cluster
pinned to loopback stays on loopback (tests)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import siliconcrew


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


def init_ray(
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
