"""Local backend: the same commands on the host's EDA tools, isolated with bubblewrap.

What a command sees under bwrap: /usr (read-only) and the merged-/usr symlinks, a short list
of /etc files the tools need (no shadow, no ssh, no docker config), a private /dev, /proc and
/tmp, and the workspace (the only writable path; protected files bound read-only on top).
Not there at all: /run and /var/run (the Docker socket lives there), /home, /root, /var (but
/var/lib/dpkg, read-only, for package versions), /opt, /srv, /mnt and every other workspace.
Network, pid, ipc and uts namespaces are unshared and the environment is cleared.

Who it runs as: when the host user is root, bwrap sets the namespaces up and the command then
drops to uid/gid 1000 (SANDBOX_UID) with `setpriv`: no capabilities (effective, permitted,
inheritable, ambient and bounding set all empty), no supplementary groups, no_new_privs. (A
user namespace under root would map the command back to host uid 0, which still owns and can
read root's files, so root runs get a real unprivileged uid instead.) A normal user's command
runs in a user namespace as themselves with every capability dropped.
Memory and process-count limits use a cgroup when we may create one (root), else rlimits.
Without `bwrap` commands run unisolated, and only when the user opted in (`--unsafe-host`).
"""

from __future__ import annotations

import os
import resource
import shutil
import stat
import subprocess
import time
import uuid
from pathlib import Path

from siliconcrew.core.errors import SandboxUnavailable
from siliconcrew.core.profile import span
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.sandbox.base import SANDBOX_UID, ExecResult, Sandbox

CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CGROUP_ROOT = Path("/sys/fs/cgroup")
#: /etc entries the EDA tools (and the shells qflow's scripts use) read. Everything else in
#: /etc stays out: shadow files, ssh keys, docker/containerd config, environment, pip.conf...
ETC_ALLOWED = (
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "passwd",
    "group",
    "nsswitch.conf",
    "localtime",
    "timezone",
    "csh.cshrc",
    "csh.login",
    "csh.logout",
    "csh",
    "bash.bashrc",
    "profile",
    "inputrc",
    "fonts",
    "magic",
    "magic.mime",
    "mime.types",
    "python3",
    "python3.11",
    "debian_version",
    "os-release",
    "terminfo",
    "locale.alias",
    "shells",
    "protocols",
    "services",
    "perl",
)
#: Top-level host paths that are symlinks into /usr on merged-/usr systems (Debian 12).
USR_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
DROP_PRIVILEGES = [
    "setpriv",
    f"--reuid={SANDBOX_UID}",
    f"--regid={SANDBOX_UID}",
    "--clear-groups",
    "--inh-caps=-all",
    "--ambient-caps=-all",
    "--bounding-set=-all",
    "--no-new-privs",
    "--",
]


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
                if (d / "memory.swap.max").exists():
                    (d / "memory.swap.max").write_text("0")
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

    def kill_all(self) -> None:
        """SIGKILL every process in the cgroup (cgroup.kill on v2, else one by one)."""
        for d in self.dirs:
            try:
                if (d / "cgroup.kill").exists():
                    (d / "cgroup.kill").write_text("1")
                    continue
                for pid in (d / "cgroup.procs").read_text().split():
                    try:
                        os.kill(int(pid), 9)
                    except OSError:
                        pass
            except OSError:
                pass

    def close(self) -> None:
        for d in self.dirs:
            for _ in range(20):
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)


def _world_writable_null() -> str | None:
    """A 0666 null device to bind over /dev/null when the host's is not world-writable.

    Some VM images ship /dev/null as 0755: fine for root, but the unprivileged uid the
    commands drop to could not even redirect to it. Made once, as root, in /run.
    """
    if os.getuid() != 0 or os.stat("/dev/null").st_mode & 0o002:
        return None
    folder = Path("/run/siliconcrew")
    node = folder / "null"
    try:
        folder.mkdir(mode=0o755, exist_ok=True)
        st = os.lstat(node) if node.exists() or node.is_symlink() else None
        if st is None or not stat.S_ISCHR(st.st_mode) or st.st_rdev != os.makedev(1, 3):
            if st is not None:
                node.unlink()
            os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod(node, 0o666)
        return str(node)
    except OSError:
        return None


class LocalSandbox(Sandbox):
    name = "local"

    def __init__(self, workspace: Path, settings: SandboxSettings) -> None:
        super().__init__(workspace, settings)
        self.bwrap = shutil.which("bwrap")
        if not shutil.which("bash") or not shutil.which("timeout"):
            raise SandboxUnavailable(
                "local backend needs bash and coreutils 'timeout'", "apt-get install bash coreutils"
            )
        if self.bwrap is None and not settings.unsafe_host:
            raise SandboxUnavailable(
                "local backend needs bubblewrap for isolation and 'bwrap' is not installed",
                "apt-get install bubblewrap, or accept running unisolated with --unsafe-host",
            )
        self.isolated = self.bwrap is not None
        if self.isolated and os.getuid() == 0 and not shutil.which("setpriv"):
            raise SandboxUnavailable(
                "local backend as root needs 'setpriv' to drop to an unprivileged uid",
                "apt-get install util-linux",
            )
        self._cgroup = _CgroupLimits(settings.mem_limit_mb * 1024 * 1024, settings.pids_limit)
        if self.isolated:
            self.ensure_traversable()

    @property
    def runs_as_other_uid(self) -> bool:
        # Unisolated (--unsafe-host) commands run as the host user: nothing drops privileges.
        return os.getuid() == 0 and self.isolated

    @property
    def workspace_inside(self) -> str:
        return str(self.workspace)

    def _bwrap_prefix(self, cwd: Path) -> list[str]:
        assert self.bwrap is not None  # only called when isolated
        ws = str(self.workspace)
        mounts = ["--ro-bind", "/usr", "/usr"]
        for name in USR_LINKS:
            host = Path("/") / name
            if host.is_symlink():
                mounts += ["--symlink", os.readlink(host), f"/{name}"]
            elif host.is_dir():
                mounts += ["--ro-bind", str(host), f"/{name}"]
        mounts += ["--perms", "0755", "--dir", "/etc"]  # bwrap would make it 0700 as root
        for name in ETC_ALLOWED:
            if os.path.lexists(f"/etc/{name}"):
                mounts += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        if os.path.isdir("/var/lib/dpkg"):  # package versions for the run manifest
            mounts += [
                "--perms",
                "0755",
                "--dir",
                "/var",
                "--perms",
                "0755",
                "--dir",
                "/var/lib",
                "--ro-bind",
                "/var/lib/dpkg",
                "/var/lib/dpkg",
            ]
        mounts += ["--dev", "/dev"]
        null = _world_writable_null()
        if null:
            mounts += ["--dev-bind", null, "/dev/null"]
        mounts += ["--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp"]
        # bwrap copies the host's modes for the folders it creates above the workspace; a
        # private (0700) parent such as pytest's would lock the unprivileged uid out.
        for parent in reversed(self.workspace.parents):
            if str(parent) not in ("/", "/tmp"):
                mounts += ["--perms", "0755", "--dir", str(parent)]
        mounts += ["--bind", ws, ws]
        for path in sorted(self.read_only):
            mounts += ["--ro-bind", str(path), str(path)]
        if os.getuid() == 0:
            # No user namespace (it would map the command to host root); setpriv drops later.
            namespaces = [
                "--unshare-ipc",
                "--unshare-pid",
                "--unshare-net",
                "--unshare-uts",
                "--unshare-cgroup-try",
            ]
        else:
            namespaces = ["--unshare-all", "--cap-drop", "ALL"]
        prefix = [
            self.bwrap,
            *mounts,
            *namespaces,
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            "--setenv",
            "PATH",
            CLEAN_PATH,
            "--setenv",
            "HOME",
            "/tmp",
            "--setenv",
            "TMPDIR",
            "/tmp",
            "--setenv",
            "LANG",
            "C.UTF-8",
            "--chdir",
            str(cwd),
            "--",
        ]
        return prefix + (DROP_PRIVILEGES if os.getuid() == 0 else [])

    def _rlimits(self) -> None:  # runs in the child before exec
        if not self._cgroup.active:
            mem = self.settings.mem_limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            resource.setrlimit(resource.RLIMIT_NPROC, (self.settings.pids_limit,) * 2)

    def run(
        self,
        argv: list[str],
        cwd: Path | None = None,
        timeout_s: float | None = None,
        log_name: str = "cmd",
        watch=(),
    ) -> ExecResult:
        cwd, timeout_s, log_path, inner = self._wrap(argv, cwd, timeout_s, log_name)
        env = {"PATH": CLEAN_PATH, "HOME": "/tmp", "LANG": "C.UTF-8"}
        if self.isolated:
            full = self._cgroup.join_prefix() + self._bwrap_prefix(cwd) + inner
        else:
            full = self._cgroup.join_prefix() + inner
        start = time.perf_counter()
        running: list[subprocess.Popen] = []

        def kill() -> None:  # a cancel: the whole command, now
            for p in running:
                self._kill(p)

        with span("sandbox_exec", cmd=log_name), self._cancellable(kill):
            proc = subprocess.Popen(
                full,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                preexec_fn=self._rlimits,
                start_new_session=True,
            )
            running.append(proc)
            if self.cancel_token is not None and self.cancel_token.cancelled:
                kill()  # cancelled while it started
            try:
                _, err = proc.communicate(timeout=timeout_s + 15)
            except subprocess.TimeoutExpired:  # the in-sandbox timeout failed; kill it here
                os.killpg(proc.pid, 9)
                _, err = proc.communicate()
        duration = time.perf_counter() - start
        result = self._finish(argv, proc.returncode, duration, timeout_s, log_path, cwd, watch)
        if err and err.strip() and proc.returncode != 0 and result.output_bytes == 0:
            result.output = err.decode("utf-8", "replace")  # bwrap's own failure message
        if not self.isolated:
            result.notes.append("ran unisolated on the host (--unsafe-host)")
        return result

    def _kill(self, proc: subprocess.Popen) -> None:
        """Kill a running command and everything it started: its process group (bwrap, whose
        death takes the command's pid namespace with it: --die-with-parent) and, when the
        limits are a cgroup, every process in it (a command that escaped the group)."""
        try:
            os.killpg(proc.pid, 9)
        except OSError:
            pass
        self._cgroup.kill_all()

    def close(self) -> None:
        with span("sandbox_close"):
            self._cgroup.close()

    def describe(self) -> dict:
        user = (
            f"uid {SANDBOX_UID}, no capabilities"
            if self.runs_as_other_uid
            else "your uid in a user namespace, no capabilities"
            if self.isolated
            else "your uid, unisolated"
        )
        return {
            **super().describe(),
            "isolation": "bwrap" if self.isolated else "none (unsafe-host)",
            "limits": "cgroup" if self._cgroup.active else "rlimit",
            "user": user,
        }
