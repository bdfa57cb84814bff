"""Docker backend: one long-lived hardened container per sandbox, commands run with exec.

Hardening (all measured to work on Docker 20.10 here): no network, read-only root, tmpfs /tmp
that allows exec (verilator builds there), all capabilities dropped, no-new-privileges,
pids/memory/CPU limits, an init process to reap zombies, a non-root user. The workspace is the
only bind mount. The container's environment is the image's, never the host's.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any

from siliconcrew.core.errors import SandboxUnavailable
from siliconcrew.core.profile import span
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.sandbox.base import SANDBOX_UID, ExecResult, Sandbox
from siliconcrew.sandbox.safe_io import read_bytes_bounded

LABEL = "org.siliconcrew.sandbox"
WORKSPACE_INSIDE = "/workspace"
# The container's main process; it bounds the life of a container leaked by a crashed host.
MAX_LIFETIME_S = 24 * 3600
RUNNER_CODE = (Path(__file__).parent / "runner.py").read_text()
SOCKET_WAIT_S = 10.0


def docker_client(timeout: float = 5.0):
    """A docker SDK client, or SandboxUnavailable with what to do."""
    try:
        with span("import_docker"):
            import docker
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise SandboxUnavailable(
            "python package 'docker' is missing", "pip install docker"
        ) from exc
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


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def owner_labels() -> dict[str, str]:
    """Labels naming the host process that owns a container, so orphans can be told apart."""
    return {
        LABEL: "1",
        f"{LABEL}.owner-pid": str(os.getpid()),
        f"{LABEL}.owner-host": socket.gethostname(),
        f"{LABEL}.owner-boot": _boot_id(),
        f"{LABEL}.owner-start": _process_start(os.getpid()),
    }


def _process_start(pid: int) -> str:
    """Start time of a process in clock ticks since boot (pid reuse makes the pid alone weak)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def owner_alive(labels: dict[str, str]) -> bool | None:
    """True/False when the owner ran on this host since this boot; None when we cannot tell."""
    pid = labels.get(f"{LABEL}.owner-pid")
    if not pid or labels.get(f"{LABEL}.owner-host") != socket.gethostname():
        return None
    if labels.get(f"{LABEL}.owner-boot") != _boot_id():
        return False
    start = _process_start(int(pid))
    return bool(start) and start == labels.get(f"{LABEL}.owner-start")


def _left_container_exhausted(result: ExecResult) -> bool:
    """The command hit the pids or memory limit (its processes may still be draining)."""
    text = result.output[-4096:]
    return (
        result.exit_code == 137
        or "fork: retry" in text
        or "Resource temporarily unavailable" in text
        or "MemoryError" in text
    )


def _wrapper_could_not_fork(rc: int | None, workspace: Path, log_path: Path) -> bool:
    """The wrapper ran but its `timeout` could not fork the command (exit 125 and coreutils'
    message opening the log): the command never started, so running it again is safe.
    The log is read the safe way (regular file, no symlink, bounded): the sandbox wrote it."""
    if rc != 125:
        return False
    try:
        head = read_bytes_bounded(workspace, log_path, 512)
    except (OSError, ValueError):
        return False
    return head.startswith(b"timeout: fork system call failed")


class NotStarted(RuntimeError):
    """The runner could not start the command (e.g. the pids limit stayed full)."""


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
        self._container: Any = None  # docker's Container (the docker package has no types)
        self.user = container_user()
        self.exec_mode = settings.docker_exec_mode
        self._sock_dir_fd: int | None = None
        self._sock_name: str | None = None
        self._lease: socket.socket | None = None
        #: the socket of the command running now (socket mode), for a cancel to close
        self._request: socket.socket | None = None
        reap_orphans(self.client)

    @property
    def workspace_inside(self) -> str:
        return WORKSPACE_INSIDE

    def _ensure_container(self):
        if self._container is not None:
            return self._container
        with span("container_start"):
            return self._start_container()

    def _start_container(self):
        s = self.settings
        self.ensure_traversable()
        name = f"siliconcrew-{uuid.uuid4().hex[:10]}"
        if self.exec_mode == "socket":
            sock_dir = self.scratch_dir("sock")
            self._sock_name = f"{name}.sock"
            command = ["python3", "-c", RUNNER_CODE, f"{self.inside(sock_dir)}/{self._sock_name}"]
        else:
            command = ["sleep", str(MAX_LIFETIME_S)]
        try:
            self._container = self.client.containers.run(
                self.image_id,
                command,
                name=name,
                detach=True,
                labels={**owner_labels(), f"{LABEL}.workspace": str(self.workspace)},
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
                auto_remove=True,
                user=self.user,
                environment={"HOME": "/tmp", "TMPDIR": "/tmp"},
                volumes=self._volumes(),
                working_dir=WORKSPACE_INSIDE,
            )
        except Exception as exc:
            raise SandboxUnavailable(
                f"could not start sandbox container: {exc}".splitlines()[0],
                "run: siliconcrew sandbox doctor",
            ) from exc
        if self.exec_mode == "socket" and not self._wait_for_socket(sock_dir):
            # An image without python3 (or a runner that died): fall back to plain exec.
            self.close()
            self.exec_mode = "exec"
            return self._ensure_container()
        if self.exec_mode == "socket":
            self._take_lease()
        return self._container

    def _volumes(self) -> dict:
        """The workspace, plus each protected file bound read-only over itself."""
        vols = {str(self.workspace): {"bind": WORKSPACE_INSIDE, "mode": "rw"}}
        for path in sorted(self.read_only):
            vols[str(path)] = {"bind": self.inside(path), "mode": "ro"}
        return vols

    def _take_lease(self) -> None:
        """Hold a connection the runner watches: if this process dies, even by SIGKILL, the
        kernel closes it, the runner exits and the container (auto-removed) goes with it."""
        lease = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            lease.connect(f"/proc/self/fd/{self._sock_dir_fd}/{self._sock_name}")
            lease.sendall(b'{"lease": true}\n')
            self._lease = lease
        except OSError:
            lease.close()

    def backend_dirs(self) -> list[Path]:
        return [self.workspace / ".siliconcrew" / "sock"]

    def _wait_for_socket(self, sock_dir: Path) -> bool:
        assert self._sock_name is not None  # set before the container starts
        deadline = time.monotonic() + SOCKET_WAIT_S
        while time.monotonic() < deadline:
            if (sock_dir / self._sock_name).exists():
                # AF_UNIX paths are limited to 108 bytes; reach the socket through a directory
                # fd so deep workspaces work too.
                self._sock_dir_fd = os.open(sock_dir, os.O_RDONLY | os.O_DIRECTORY)
                return True
            self._container.reload()
            if self._container.status not in ("created", "running"):
                return False
            time.sleep(0.02)
        return False

    def _kill_running(self) -> None:
        """A cancel (from another thread): stop the running command now. Over the socket,
        closing the request makes the runner kill the command's group; with exec, the
        container goes. Either way the flow's `close()` then removes the container."""
        sock = self._request
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        elif self._container is not None:
            self._container.kill()

    def _run_via_socket(self, full_argv: list[str], cwd_inside: str, timeout_s: float) -> int:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout_s + 60)  # backstop: the wrapper's own timeout fires first
        self._request = sock  # (a cancel before this kills the container)
        try:
            sock.connect(f"/proc/self/fd/{self._sock_dir_fd}/{self._sock_name}")
            sock.sendall(json.dumps({"argv": full_argv, "cwd": cwd_inside}).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(4096)
                if not chunk:
                    raise ConnectionError("sandbox runner closed the connection")
                data += chunk
            reply = json.loads(data)
            if reply.get("not_started"):
                raise NotStarted(reply.get("error", "command not started"))
            return int(reply["rc"])
        except socket.timeout:
            return 124  # closing the socket makes the runner kill the command's group
        finally:
            self._request = None
            sock.close()

    def run(
        self,
        argv: list[str],
        cwd: Path | None = None,
        timeout_s: float | None = None,
        log_name: str = "cmd",
        watch=(),
    ) -> ExecResult:
        cwd, timeout_s, log_path, full = self._wrap(argv, cwd, timeout_s, log_name)
        self._ensure_container()  # its start is not the command's time
        start = time.perf_counter()
        with span("sandbox_exec", cmd=log_name), self._cancellable(self._kill_running):
            rc = self._start_and_wait(full, cwd, timeout_s, log_path)
        if rc is None or _wrapper_could_not_fork(rc, self.workspace, log_path):
            # The command never started (the container's pids limit stayed full after a fork
            # bomb, or the container died): replace the container once, transparently.
            self.close()
            with self._cancellable(self._kill_running):
                rc = self._start_and_wait(full, cwd, timeout_s, log_path)
        duration = time.perf_counter() - start
        result = self._finish(
            argv, rc if rc is not None else -1, duration, timeout_s, log_path, cwd, watch
        )
        if _left_container_exhausted(result):
            # After a fork bomb or an OOM kill the container's pids can stay full for ~15 s
            # (`docker exec` stalls, and over the socket the wrapper's `timeout` cannot fork:
            # seen in CI): start the next command in a fresh container instead (~0.3 s).
            self.close()
            result.notes.append("sandbox container replaced after resource exhaustion")
        return result

    def _start_and_wait(
        self, full: list[str], cwd: Path, timeout_s: float, log_path: Path
    ) -> int | None:
        """Exit code of the wrapped command, or None when it could not be started at all."""
        container = self._ensure_container()
        if self.exec_mode == "socket":
            try:
                return self._run_via_socket(full, self.inside(cwd), timeout_s)
            except (ConnectionError, FileNotFoundError, NotStarted):
                return None
        import docker.errors

        api = self.client.api
        try:
            exec_id = api.exec_create(
                container.id,
                full,
                workdir=self.inside(cwd),
                user=self.user,
                environment={"HOME": "/tmp"},
            )["Id"]
            api.exec_start(exec_id)
            info = api.exec_inspect(exec_id)
        except docker.errors.APIError:
            return None
        rc = info.get("ExitCode")
        # runc cannot fork the command while the pids limit is full: exec then reports
        # 126/127/254 and the wrapper never ran (its first act creates the log).
        if rc in (126, 127, 254, -1, None) and not os.path.lexists(log_path):
            return None
        return rc

    def close(self) -> None:
        with span("sandbox_close"):
            self._close()

    def _close(self) -> None:
        if self._lease is not None:
            self._lease.close()
            self._lease = None
        if self._sock_dir_fd is not None:
            if self._sock_name is not None:
                try:
                    os.unlink(self._sock_name, dir_fd=self._sock_dir_fd)
                except OSError:
                    pass
            os.close(self._sock_dir_fd)
            self._sock_dir_fd = None
        if self._container is not None:
            try:
                self._container.remove(force=True)
            except Exception:
                pass
            self._container = None

    def describe(self) -> dict:
        return {
            **super().describe(),
            "image": self.settings.image,
            "image_id": self.image_id,
            "user": self.user,
            "exec_mode": self.exec_mode,
        }


def reap_orphans(client) -> int:
    """Remove sandbox containers whose owning process (same host, same boot) has died.

    Called whenever a docker sandbox opens, so a run killed with SIGKILL leaves nothing behind
    past the next command; containers of live processes and of other hosts are left alone.
    """
    removed = 0
    try:
        containers = client.containers.list(all=True, filters={"label": LABEL})
    except Exception:
        return 0
    for c in containers:
        if owner_alive(c.labels) is False:
            try:
                c.remove(force=True)
                removed += 1
            except Exception:
                pass
    return removed


def prune_stale_containers(client, include_running: bool = False) -> int:
    """Remove sandbox containers left behind by crashed processes; returns how many.

    Stopped ones and running ones whose owner process is gone always go; running ones of live
    (or unknown) owners only with include_running.
    """
    removed = reap_orphans(client)
    for c in client.containers.list(all=True, filters={"label": LABEL}):
        if c.status == "running" and not include_running:
            continue
        try:
            c.remove(force=True)
            removed += 1
        except Exception:
            pass
    return removed
