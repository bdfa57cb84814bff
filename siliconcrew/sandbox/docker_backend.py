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

from siliconcrew.config import SandboxSettings
from siliconcrew.errors import SandboxUnavailable
from siliconcrew.sandbox.base import ExecResult, Sandbox

LABEL = "org.siliconcrew.sandbox"
WORKSPACE_INSIDE = "/workspace"
# The container's main process; it bounds the life of a container leaked by a crashed host.
MAX_LIFETIME_S = 24 * 3600
SANDBOX_UID = 1000
RUNNER_CODE = (Path(__file__).parent / "runner.py").read_text()
SOCKET_WAIT_S = 10.0


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
        self.exec_mode = settings.docker_exec_mode
        self._sock_dir_fd: int | None = None
        self._sock_name: str | None = None

    @property
    def workspace_inside(self) -> str:
        return WORKSPACE_INSIDE

    def make_writable(self, path: Path) -> None:
        if os.getuid() == 0:
            os.chown(path, SANDBOX_UID, SANDBOX_UID)

    def check_readable(self, path: Path) -> None:
        # Only root hosts map to a different uid (1000) inside; others run as themselves.
        if os.getuid() != 0 or path.stat().st_uid == SANDBOX_UID:
            return
        from siliconcrew.errors import UserInputError

        if not path.stat().st_mode & 0o004:
            raise UserInputError(
                f"'{path.relative_to(self.workspace)}' is not readable by the sandbox user "
                f"(uid {SANDBOX_UID})", f"chmod o+r {path} (or use --sandbox local)")
        for parent in path.relative_to(self.workspace).parents:
            d = self.workspace / parent
            if d != self.workspace and not d.stat().st_mode & 0o001:
                raise UserInputError(
                    f"folder '{parent}' cannot be entered by the sandbox user (uid {SANDBOX_UID})",
                    f"chmod o+x {d} (or use --sandbox local)")

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
        if self.exec_mode == "socket" and not self._wait_for_socket(sock_dir):
            # An image without python3 (or a runner that died): fall back to plain exec.
            self.close()
            self.exec_mode = "exec"
            return self._ensure_container()
        return self._container

    def _wait_for_socket(self, sock_dir: Path) -> bool:
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

    def _run_via_socket(self, full_argv: list[str], cwd_inside: str, timeout_s: float) -> int:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout_s + 60)  # backstop: the wrapper's own timeout fires first
        try:
            sock.connect(f"/proc/self/fd/{self._sock_dir_fd}/{self._sock_name}")
            sock.sendall(json.dumps({"argv": full_argv, "cwd": cwd_inside}).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(4096)
                if not chunk:
                    raise ConnectionError("sandbox runner closed the connection")
                data += chunk
            return int(json.loads(data)["rc"])
        except socket.timeout:
            return 124  # closing the socket makes the runner kill the command's group
        finally:
            sock.close()

    def run(self, argv: list[str], cwd: Path | None = None, timeout_s: float | None = None,
            log_name: str = "cmd") -> ExecResult:
        cwd, timeout_s, log_path, full = self._wrap(argv, cwd, timeout_s, log_name)
        container = self._ensure_container()
        start = time.perf_counter()
        if self.exec_mode == "socket":
            rc = self._run_via_socket(full, self.inside(cwd), timeout_s)
        else:
            api = self.client.api
            exec_id = api.exec_create(container.id, full, workdir=self.inside(cwd),
                                      user=self.user, environment={"HOME": "/tmp"})["Id"]
            api.exec_start(exec_id)
            rc = api.exec_inspect(exec_id).get("ExitCode")
        duration = time.perf_counter() - start
        return self._finish(argv, rc if rc is not None else -1, duration, timeout_s, log_path)

    def close(self) -> None:
        if self._sock_dir_fd is not None:
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
        return {**super().describe(), "image": self.settings.image, "image_id": self.image_id,
                "user": self.user, "exec_mode": self.exec_mode}


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
