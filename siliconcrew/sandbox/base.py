"""The sandbox interface: run one command on EDA tools, confined to a workspace.

Both backends share one contract so tools never care where they run:
- the workspace is the only writable place (plus a private /tmp); files given to protect()
  (golden testbenches) are read-only even there;
- when the host user is root, commands run as an unprivileged uid (SANDBOX_UID) with no
  capabilities;
- the host environment (API keys!) never enters;
- each command has a timeout that kills its whole process group;
- a sandbox given a `CancelToken` (core/cancel.py) kills the running command when the token is
  cancelled and raises `Cancelled` (it starts no command once cancelled);
- the command's combined output goes to a log file in the workspace; the host reads it back
  without following symlinks or blocking on FIFOs, scans all of it for the caller's patterns,
  then caps it (head and tail kept), so a chatty or hostile command cannot hang the run, fill
  memory, or hide a failure line in the middle of a flood.
"""

from __future__ import annotations

import abc
import os
import re
import shlex
import stat
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from siliconcrew.core.cancel import Cancelled, CancelToken
from siliconcrew.core.profile import span
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.core.workspace import SCRATCH_DIR
from siliconcrew.sandbox.safe_io import capture_log, sanitize_tree

# Exit codes produced by the wrapper around every command (see wrapper_script()).
TIMEOUT_EXIT_CODES = (124, 137)
KILLED_EXIT_CODE = 137
#: Exit code given to a command whose log the host refused to read (swapped for a FIFO/symlink).
TAMPERED_EXIT_CODE = 126
#: The unprivileged uid commands run as when the host user is root (both backends).
SANDBOX_UID = 1000


@dataclass
class ExecResult:
    """Outcome of one sandboxed command."""

    argv: list[str]
    exit_code: int
    duration_s: float
    timed_out: bool
    output: str
    log_path: Path
    output_bytes: int
    truncated: bool
    backend: str
    killed_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    #: watched pattern -> first output line matching it, over the WHOLE output (before the
    #: cap drops its middle); see Sandbox.run(watch=...)
    hits: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def wrapper_script(log_inside: str, timeout_s: float, fsize_kb: int) -> str:
    """Bash snippet that runs "$@" with a kill-timeout, its output going to a log file.

    `timeout` puts the command in its own process group and signals the group on expiry. When
    the command ends, anything left in that group (daemonised children, a fork bomb's
    survivors) is killed too. Output goes straight to a file (no pipe a stray child could hold
    open). Capping happens on the host after the command (`safe_io.capture_log`), which scans
    the whole output first: a cap applied here would drop the middle unread.

    After the command, the wrapper uses builtins only: a fork bomb's survivors can hold the pids
    limit full, and a non-interactive bash that cannot fork retries for ~15 s and then exits
    (seen in CI: `$(seq ..)` and `sleep` made a stopped fork bomb cost 30 s). So the group is
    killed again until it is gone (at most 2 s, timed by $EPOCHREALTIME) without a pause.
    """
    log = shlex.quote(log_inside)
    return (
        f"ulimit -f {fsize_kb} 2>/dev/null; "
        f'timeout -k 2 {timeout_s:.3f} "$@" > {log} 2>&1 < /dev/null & tpid=$!; '
        "wait $tpid; rc=$?; "
        "end=$(( ${EPOCHREALTIME//[!0-9]/} + 2000000 )); "
        "while kill -KILL -- -$tpid 2>/dev/null && (( ${EPOCHREALTIME//[!0-9]/} < end )); "
        "do :; done; "
        "exit $rc"
    )


class Sandbox(abc.ABC):
    """A place to run EDA commands against one workspace directory."""

    name: str = "abstract"

    def __init__(self, workspace: Path, settings: SandboxSettings) -> None:
        self.workspace = workspace.resolve()
        self.settings = settings
        #: host files commands may read but never change (golden testbenches), see protect()
        self.read_only: set[Path] = set()
        #: set by whoever opens the sandbox for a cancellable operation (api.sandbox_factory)
        self.cancel_token: CancelToken | None = None

    # -- who commands run as -------------------------------------------------------------------
    @property
    def runs_as_other_uid(self) -> bool:
        """True when commands run as SANDBOX_UID rather than as the host user (host is root)."""
        return os.getuid() == 0

    def protect(self, paths: Iterable[Path]) -> None:
        """Make these workspace files read-only to commands (bind-mounted read-only).

        Call before the first command: backends apply it when they set up their mounts.
        """
        for p in paths:
            p = Path(p).resolve()
            if p.is_file() and self.workspace in p.parents:
                self.read_only.add(p)

    # -- paths -------------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def workspace_inside(self) -> str:
        """Where the workspace appears to commands inside the sandbox."""

    def inside(self, host_path: Path) -> str:
        """In-sandbox path for a host path inside the workspace."""
        rel = host_path.resolve().relative_to(self.workspace)
        return str(Path(self.workspace_inside) / rel) if rel.parts else self.workspace_inside

    def to_host(self, inside_path: str) -> Path | None:
        """Host path for an in-sandbox path, or None when it is not in the workspace."""
        prefix = self.workspace_inside.rstrip("/") + "/"
        if inside_path.startswith(prefix):
            return self.workspace / inside_path[len(prefix) :]
        return None

    def scratch_dir(self, *parts: str) -> Path:
        """A fresh directory inside the workspace that commands may write to."""
        path = self.workspace.joinpath(SCRATCH_DIR, *parts)
        path.mkdir(parents=True, exist_ok=True)
        self.make_writable(path)
        return path

    def make_writable(self, path: Path) -> None:
        """Ensure the sandbox's user can write `path` (a directory in the workspace)."""
        if self.runs_as_other_uid:
            os.chown(path, SANDBOX_UID, SANDBOX_UID)

    def make_tree_writable(self, root: Path) -> None:
        """`make_writable` for a folder and everything under it (undoes `seal`), so a flow
        continued with `--from` can write where an earlier, sealed run left its files."""
        if not self.runs_as_other_uid:
            return
        for path in _walk_no_follow(root):
            try:
                os.lchown(path, SANDBOX_UID, SANDBOX_UID)
            except OSError:
                pass

    def seal(self, root: Path, keep_writable: Iterable[Path] = ()) -> list[str]:
        """Make the files under `root` (but not under `keep_writable`) unchangeable by commands,
        then remove any FIFO, socket or outward symlink already there.

        Why: the gate-level stage runs the design's own testbench with the flow's folder
        beside it. Sealed, that testbench cannot replace the GDS, a report or a log that the
        host reads afterwards (no forged results, no FIFO to hang a parser). As root the files
        go to root with no group/other write. A sandbox that runs as the host's own uid cannot
        be kept out this way (it owns the files): there only the sanitize pass applies.
        """
        kept = [os.path.abspath(k) for k in keep_writable]
        if self.runs_as_other_uid:
            for path in _walk_no_follow(root, skip=kept):
                try:
                    st = os.lstat(path)
                    os.lchown(path, 0, 0)
                    if not stat.S_ISLNK(st.st_mode):
                        os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o022)
                except OSError:
                    pass
        return sanitize_tree(self.workspace, root, keep=[*self.backend_dirs(), *map(Path, kept)])

    def check_readable(self, path: Path) -> None:
        """Raise UserInputError when the sandbox's user cannot read `path` (host file)."""
        if not self.runs_as_other_uid or path.stat().st_uid == SANDBOX_UID:
            return
        from siliconcrew.core.errors import UserInputError

        if not path.stat().st_mode & 0o004:
            raise UserInputError(
                f"'{path.relative_to(self.workspace)}' is not readable by the sandbox user "
                f"(uid {SANDBOX_UID})",
                f"chmod o+r {path}",
            )
        for parent in path.relative_to(self.workspace).parents:
            d = self.workspace / parent
            if d != self.workspace and d.stat().st_mode & 0o005 != 0o005:
                raise UserInputError(
                    f"folder '{parent}' cannot be listed by the sandbox user (uid {SANDBOX_UID})",
                    f"chmod o+rx {d}",
                )

    def ensure_traversable(self) -> None:
        """When root runs us, the sandbox user must be able to enter and list the workspace.

        A private (0700) workspace gets o+rx: verilator lists the folder of every source it
        reads and fails with "Cannot find file containing module" when it cannot.
        """
        if self.runs_as_other_uid:
            mode = self.workspace.stat().st_mode
            if mode & 0o005 != 0o005:
                os.chmod(self.workspace, mode | 0o005)

    def backend_dirs(self) -> list[Path]:
        """Workspace folders the backend itself uses (never sanitized)."""
        return []

    def new_log_path(self, cwd: Path, stem: str) -> Path:
        logs = cwd / "logs" if cwd.name != "logs" else cwd
        logs.mkdir(parents=True, exist_ok=True)
        self.make_writable(logs)
        return logs / f"{stem}-{uuid.uuid4().hex[:8]}.log"

    # -- running -----------------------------------------------------------------------------
    def _wrap(
        self, argv: list[str], cwd: Path | None, timeout_s: float | None, log_name: str
    ) -> tuple[Path, float, Path, list[str]]:
        """Common preparation: (cwd, timeout, log path, argv wrapped with timeout + log)."""
        if not argv:
            raise ValueError("empty command")
        s = self.settings
        timeout_s = timeout_s or s.default_timeout_s
        cwd = (cwd or self.workspace).resolve()
        if cwd != self.workspace and self.workspace not in cwd.parents:
            from siliconcrew.core.errors import PathOutsideWorkspace

            raise PathOutsideWorkspace(
                f"working directory {cwd} is outside the workspace",
                "run commands inside the workspace",
            )
        log_path = self.new_log_path(cwd, log_name)
        script = wrapper_script(self.inside(log_path), timeout_s, s.file_size_limit_mb * 1024)
        return cwd, timeout_s, log_path, ["bash", "-c", script, "sandbox", *argv]

    @contextmanager
    def _cancellable(self, kill: Callable[[], None]) -> Iterator[None]:
        """Around one running command: `kill` stops it when the cancel token is cancelled;
        raises `Cancelled` before the command starts and after it was killed."""
        token = self.cancel_token
        if token is None:
            yield
            return
        token.raise_if_cancelled()
        unregister = token.on_cancel(kill)
        try:
            yield
        except Exception as exc:  # what the kill broke (a closed socket): it was the cancel
            if token.cancelled:
                raise Cancelled("cancelled") from exc
            raise
        finally:
            unregister()
        token.raise_if_cancelled()

    @abc.abstractmethod
    def run(
        self,
        argv: list[str],
        cwd: Path | None = None,
        timeout_s: float | None = None,
        log_name: str = "cmd",
        watch: Sequence[re.Pattern] = (),
    ) -> ExecResult:
        """Run argv with cwd (a host dir inside the workspace); never raises for tool failures.

        `watch`: patterns searched in every line of the whole output (`ExecResult.hits`), so a
        verdict never depends on the part of a long log that the cap drops.
        """

    def close(self) -> None:  # noqa: B027 - an optional hook: the default holds nothing to release
        """Release the backend's resources (containers, cgroups)."""

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> dict:
        return {"backend": self.name, "workspace": str(self.workspace)}

    def _finish(
        self,
        argv: list[str],
        rc: int,
        duration: float,
        timeout_s: float,
        log_path: Path,
        cwd: Path | None = None,
        watch: Sequence[re.Pattern] = (),
    ) -> ExecResult:
        """Read the log back safely, clean the working folder, say how the command ended."""
        notes: list[str] = []
        with span("sandbox_finish", cmd=log_path.stem.rsplit("-", 1)[0]):
            log = capture_log(self.workspace, log_path, self.settings.output_cap_bytes, watch)
            if cwd is not None and cwd != self.workspace:
                notes += sanitize_tree(self.workspace, cwd, keep=self.backend_dirs())
        timed_out = rc in TIMEOUT_EXIT_CODES and duration >= timeout_s - 0.05
        killed = None
        swapped = log.refused is not None and (rc == 0 or "missing" not in log.refused)
        if log.refused:
            notes.append(f"output log refused: {log.refused}")
        if swapped:
            # The command swapped its own log: nothing it printed can be evidence of a pass.
            killed = f"its output log was replaced or removed by the command ({log.refused})"
            rc = rc if rc not in (0, None) else TAMPERED_EXIT_CODE
        elif timed_out:
            killed = f"timeout after {timeout_s:g} s"
        elif rc == KILLED_EXIT_CODE:
            killed = (
                f"killed (SIGKILL; most likely the {self.settings.mem_limit_mb} MB memory limit)"
            )
        elif rc == 128 + 25:
            killed = f"killed: file size limit ({self.settings.file_size_limit_mb} MB) exceeded"
        return ExecResult(
            argv=argv,
            exit_code=rc,
            duration_s=duration,
            timed_out=timed_out,
            output=log.text,
            log_path=log_path,
            output_bytes=log.size,
            truncated=log.truncated,
            backend=self.name,
            killed_reason=killed,
            notes=notes,
            hits=log.hits,
        )


def _walk_no_follow(root: Path, skip: Iterable[str] = ()) -> Iterator[str]:
    """`root` and every entry under it, never through a symlinked folder, never into `skip`."""
    skipped = set(skip)
    yield str(root)
    for dirpath, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if os.path.join(dirpath, d) not in skipped]
        for name in (*dirs, *files):
            yield os.path.join(dirpath, name)
