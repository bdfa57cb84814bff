"""Docker backend: one long-lived hardened container per sandbox, commands run with exec.

Hardening (all measured to work on Docker 20.10 here): no network, read-only root, tmpfs /tmp
that allows exec (verilator builds there), all capabilities dropped, no-new-privileges,
pids/memory/CPU limits, an init process to reap zombies, a non-root user. The workspace is the
only bind mount. The container's environment is the image's, never the host's.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from siliconcrew.config import SandboxSettings
from siliconcrew.errors import SandboxUnavailable
from siliconcrew.sandbox.base import ExecResult, Sandbox, wrapper_script

LABEL = "org.siliconcrew.sandbox"
WORKSPACE_INSIDE = "/workspace"
# The container's main process; it bounds the life of a container leaked by a crashed host.
MAX_LIFETIME_S = 24 * 3600
SANDBOX_UID = 1000


def docker_client(timeout: float = 5.0):
    """A docker SDK client, or SandboxUnavailable with what to do."""
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise SandboxUnavailable("python package 'docker' is missing", "pip install docker") from exc
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
        return client
    except Exception as exc:  # docker raises several unrelated types here
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise SandboxUnavailable(
            f"Docker daemon not reachable at {where} ({type(exc).__name__})",
            "start it (make docker, or: dockerd --storage-driver=overlay2 --bridge=none "
            "--iptables=false &) or use --sandbox local",
        ) from exc


def image_id(client, image: str) -> str | None:
    import docker.errors

    try:
        return client.images.get(image).id
    except docker.errors.ImageNotFound:
        return None


def container_user() -> str:
    """Host uid:gid for normal users so workspace files stay theirs; 1000:1000 for root."""
    uid, gid = os.getuid(), os.getgid()
    return f"{SANDBOX_UID}:{SANDBOX_UID}" if uid == 0 else f"{uid}:{gid}"


class DockerSandbox(Sandbox):
    name = "docker"

    def __init__(self, workspace: Path, settings: SandboxSettings, client=None) -> None:
        super().__init__(workspace, settings)
        self.client = client or docker_client()
        self.image_id = image_id(self.client, settings.image)
        if self.image_id is None:
            raise SandboxUnavailable(
                f"sandbox image '{settings.image}' not found",
                "build it with: siliconcrew sandbox build (or set SILICONCREW_IMAGE)",
            )
        self._container = None
        self.user = container_user()

    @property
    def workspace_inside(self) -> str:
        return WORKSPACE_INSIDE

    def make_writable(self, path: Path) -> None:
        if os.getuid() == 0:
            os.chown(path, SANDBOX_UID, SANDBOX_UID)

    def _ensure_traversable(self) -> None:
        """When root runs us, the sandbox user (1000) must at least enter the workspace.

        A private (0700) workspace gets o+x: others may traverse it, not list it. Source files
        must be world-readable (the usual 0644) for tools to read them.
        """
        if os.getuid() == 0:
            mode = self.workspace.stat().st_mode
            if not mode & 0o001:
                os.chmod(self.workspace, mode | 0o001)

    def _ensure_container(self):
        if self._container is not None:
            return self._container
        s = self.settings
        self._ensure_traversable()
        name = f"siliconcrew-{uuid.uuid4().hex[:10]}"
        try:
            self._container = self.client.containers.run(
                self.image_id,
                ["sleep", str(MAX_LIFETIME_S)],
                name=name,
                detach=True,
                labels={LABEL: "1", f"{LABEL}.workspace": str(self.workspace)},
                network_mode="none",
                read_only=True,
                tmpfs={"/tmp": f"rw,exec,nosuid,size={s.tmpfs_mb}m"},
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                pids_limit=s.pids_limit,
                mem_limit=f"{s.mem_limit_mb}m",
                memswap_limit=f"{s.mem_limit_mb}m",
                nano_cpus=int(s.cpus * 1e9),
                init=True,
                user=self.user,
                environment={"HOME": "/tmp", "TMPDIR": "/tmp"},
                volumes={str(self.workspace): {"bind": WORKSPACE_INSIDE, "mode": "rw"}},
                working_dir=WORKSPACE_INSIDE,
            )
        except Exception as exc:
            raise SandboxUnavailable(f"could not start sandbox container: {exc}".splitlines()[0],
                                     "run: siliconcrew sandbox doctor") from exc
        return self._container

    def run(self, argv: list[str], cwd: Path | None = None, timeout_s: float | None = None,
            log_name: str = "cmd") -> ExecResult:
        s = self.settings
        timeout_s = timeout_s or s.default_timeout_s
        cwd = (cwd or self.workspace).resolve()
        log_path = self.new_log_path(cwd, log_name)
        script = wrapper_script(self.inside(log_path), timeout_s, s.output_cap_bytes,
                                s.file_size_limit_mb * 1024)
        container = self._ensure_container()
        api = self.client.api
        start = time.perf_counter()
        exec_id = api.exec_create(container.id, ["bash", "-c", script, "sandbox", *argv],
                                  workdir=self.inside(cwd), user=self.user,
                                  environment={"HOME": "/tmp"})["Id"]
        api.exec_start(exec_id)
        rc = api.exec_inspect(exec_id).get("ExitCode")
        duration = time.perf_counter() - start
        return self._finish(argv, rc if rc is not None else -1, duration, timeout_s, log_path)

    def close(self) -> None:
        if self._container is not None:
            try:
                self._container.remove(force=True)
            except Exception:
                pass
            self._container = None

    def describe(self) -> dict:
        return {**super().describe(), "image": self.settings.image, "image_id": self.image_id,
                "user": self.user}


def prune_stale_containers(client, include_running: bool = False) -> int:
    """Remove sandbox containers left behind by crashed processes; returns how many.

    Running ones may belong to another live session, so they go only with include_running.
    """
    removed = 0
    for c in client.containers.list(all=True, filters={"label": LABEL}):
        if c.status == "running" and not include_running:
            continue
        c.remove(force=True)
        removed += 1
    return removed
