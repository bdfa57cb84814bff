"""Local backend: the same commands on the host's EDA tools, isolated with bubblewrap.

With `bwrap`: the host root is mounted read-only, the workspace is the only writable path, /tmp
is private, network/pid/ipc namespaces are unshared and the environment is cleared. Memory and
process-count limits use a cgroup when we may create one (root), else rlimits.
Without `bwrap` commands run unisolated, and only when the user opted in (`--unsafe-host`).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from siliconcrew.config import SandboxSettings
from siliconcrew.errors import SandboxUnavailable
from siliconcrew.sandbox.base import ExecResult, Sandbox

CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CGROUP_ROOT = Path("/sys/fs/cgroup")


class _CgroupLimits:
    """A private cgroup (v1 or v2) holding the memory and pids limits, when we may make one."""

    def __init__(self, mem_bytes: int, pids: int) -> None:
        self.dirs: list[Path] = []
        name = f"siliconcrew-{uuid.uuid4().hex[:10]}"
        try:
            if (CGROUP_ROOT / "cgroup.controllers").exists():  # v2
                d = CGROUP_ROOT / name
                d.mkdir()
                self.dirs.append(d)
                (d / "memory.max").write_text(str(mem_bytes))
                (d / "memory.swap.max").write_text("0") if (d / "memory.swap.max").exists() else None
                (d / "pids.max").write_text(str(pids))
            else:  # v1
                mem = CGROUP_ROOT / "memory" / name
                pid = CGROUP_ROOT / "pids" / name
                mem.mkdir()
                self.dirs.append(mem)
                pid.mkdir()
                self.dirs.append(pid)
                (mem / "memory.limit_in_bytes").write_text(str(mem_bytes))
                sw = mem / "memory.memsw.limit_in_bytes"
                if sw.exists():
                    try:
                        sw.write_text(str(mem_bytes))
                    except OSError:
                        pass
                (pid / "pids.max").write_text(str(pids))
        except OSError:
            self.close()
            self.dirs = []

    @property
    def active(self) -> bool:
        return bool(self.dirs)

    def join_prefix(self) -> list[str]:
        """argv prefix that moves the command into the cgroup before it starts."""
        if not self.dirs:
            return []
        joins = "; ".join(f"echo $$ > {d}/cgroup.procs" for d in self.dirs)
        return ["sh", "-c", f'{joins}; exec "$@"', "cgjoin"]

    def close(self) -> None:
        for d in self.dirs:
            for _ in range(20):
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)


class LocalSandbox(Sandbox):
    name = "local"

    def __init__(self, workspace: Path, settings: SandboxSettings) -> None:
        super().__init__(workspace, settings)
        self.bwrap = shutil.which("bwrap")
        if not shutil.which("bash") or not shutil.which("timeout"):
            raise SandboxUnavailable("local backend needs bash and coreutils 'timeout'",
                                     "apt-get install bash coreutils")
        if self.bwrap is None and not settings.unsafe_host:
            raise SandboxUnavailable(
                "local backend needs bubblewrap for isolation and 'bwrap' is not installed",
                "apt-get install bubblewrap, or accept running unisolated with --unsafe-host",
            )
        self.isolated = self.bwrap is not None
        self._cgroup = _CgroupLimits(settings.mem_limit_mb * 1024 * 1024, settings.pids_limit)

    @property
    def workspace_inside(self) -> str:
        return str(self.workspace)

    def make_writable(self, path: Path) -> None:
        # Inside bwrap, root has no capabilities over files owned by others (e.g. left by the
        # docker backend's uid 1000), so take the scratch directories back.
        if os.getuid() == 0 and path.stat().st_uid != 0:
            os.chown(path, 0, 0)

    def _bwrap_prefix(self, cwd: Path) -> list[str]:
        ws = str(self.workspace)
        return [self.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--tmpfs", "/tmp", "--bind", ws, ws, "--unshare-all", "--die-with-parent",
                "--new-session", "--clearenv", "--setenv", "PATH", CLEAN_PATH,
                "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp",
                "--setenv", "LANG", "C.UTF-8", "--chdir", str(cwd), "--"]

    def _rlimits(self) -> None:  # runs in the child before exec
        if not self._cgroup.active:
            mem = self.settings.mem_limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            resource.setrlimit(resource.RLIMIT_NPROC, (self.settings.pids_limit,) * 2)

    def run(self, argv: list[str], cwd: Path | None = None, timeout_s: float | None = None,
            log_name: str = "cmd") -> ExecResult:
        cwd, timeout_s, log_path, inner = self._wrap(argv, cwd, timeout_s, log_name)
        env = {"PATH": CLEAN_PATH, "HOME": "/tmp", "LANG": "C.UTF-8"}
        if self.isolated:
            full = self._cgroup.join_prefix() + self._bwrap_prefix(cwd) + inner
        else:
            full = self._cgroup.join_prefix() + inner
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                preexec_fn=self._rlimits, start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout_s + 15)
        except subprocess.TimeoutExpired:  # the in-sandbox timeout failed; kill from outside
            os.killpg(proc.pid, 9)
            _, err = proc.communicate()
        duration = time.perf_counter() - start
        result = self._finish(argv, proc.returncode, duration, timeout_s, log_path)
        if err and err.strip() and proc.returncode != 0 and result.output_bytes == 0:
            result.output = err.decode("utf-8", "replace")  # bwrap's own failure message
        if not self.isolated:
            result.notes.append("ran unisolated on the host (--unsafe-host)")
        return result

    def close(self) -> None:
        self._cgroup.close()

    def describe(self) -> dict:
        return {**super().describe(), "isolation": "bwrap" if self.isolated else "none (unsafe-host)",
                "limits": "cgroup" if self._cgroup.active else "rlimit"}
