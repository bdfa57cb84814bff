"""A REAL multi-node Ray cluster on this machine for the Ray front doors' tests (batch,
explore): 2 nodes × 1 CPU, pinned to 127.0.0.1, and the helpers that find the busy task
workers under this test and remove the sandbox containers of killed ones."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest


def interruptible() -> None:
    """Popen preexec_fn: the CLI starts with SIGINT at its default, as from a terminal.

    A shell without job control (a CI script, `(cmd &)`, nohup) starts background jobs with
    SIGINT ignored; Python then keeps it ignored and a test's Ctrl-C would never arrive (seen
    here: the interrupted batch ran to the end with exit 0)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    c = Cluster(
        initialize_head=True,
        connect=False,
        head_node_args={"num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False},
    )
    c.add_node(num_cpus=1, node_ip_address="127.0.0.1")
    c.wait_for_nodes()
    yield c
    c.shutdown()


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def busy_task_workers(title: str) -> list[int]:
    """pids of Ray worker processes titled `title` (e.g. `ray::siliconcrew_design`) under
    this test (the cluster's raylets are our children): a worker has a task's title only
    while it runs that task."""
    found = []
    for pid in descendants(os.getpid()):
        try:
            name = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        if name.startswith(title):
            found.append(pid)
    return found


def remove_orphan_containers(pid: int) -> None:
    """A killed worker's sandbox containers (labelled with their owner pid)."""
    import docker

    client = docker.from_env()
    for c in client.containers.list(all=True, filters={"label": f"siliconcrew.owner-pid={pid}"}):
        c.remove(force=True)
