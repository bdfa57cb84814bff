"""The sandbox interface: run one command on EDA tools, confined to a workspace.

Both backends share one contract so tools never care where they run:
- the workspace is the only writable place (plus a private /tmp);
- the host environment (API keys!) never enters;
- each command has a timeout that kills its whole process group;
- the command's combined output goes to a log file in the workspace, capped, so a chatty tool
  cannot hang the run or fill memory; the caller gets the head and tail as text.
"""

from __future__ import annotations

import abc
import shlex
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from siliconcrew.config import SandboxSettings
from siliconcrew.workspace import SCRATCH_DIR

# Exit codes produced by the wrapper around every command (see wrapper_script()).
TIMEOUT_EXIT_CODES = (124, 137)
KILLED_EXIT_CODE = 137
TEXT_HEAD = 32 * 1024
TEXT_TAIL = 32 * 1024


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

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def wrapper_script(log_inside: str, timeout_s: float, output_cap: int, fsize_kb: int) -> str:
    """Bash snippet that runs "$@" with a kill-timeout and a capped output log.

    `timeout` puts the command in its own process group and signals the group on expiry. When
    the command ends, anything left in that group (daemonised children, a fork bomb's
    survivors) is killed too. Output goes straight to a file (no pipe a stray child could hold
    open); if it exceeds the cap, only its head and tail are kept.
    """
    log = shlex.quote(log_inside)
    half = output_cap // 2
    return (
        f"ulimit -f {fsize_kb} 2>/dev/null; "
        f"timeout -k 2 {timeout_s:.3f} \"$@\" > {log} 2>&1 < /dev/null & tpid=$!; "
        "wait $tpid; rc=$?; "
        "for i in $(seq 1 200); do kill -KILL -- -$tpid 2>/dev/null || break; sleep 0.01; done; "
        f"size=$(stat -c %s {log} 2>/dev/null || echo 0); "
        f"if [ \"$size\" -gt {output_cap} ]; then "
        f"{{ head -c {half} {log}; printf '\\n[... %s bytes of output truncated ...]\\n' "
        f"$((size - {output_cap})); tail -c {half} {log}; }} > {log}.cap && mv -f {log}.cap {log}; "
        "echo \"$size\" > " + log + ".size; fi; "
        "exit $rc"
    )


def read_capped(path: Path) -> tuple[str, int]:
    """Head and tail of a log as text (bytes decoded leniently) and its size."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            if size <= TEXT_HEAD + TEXT_TAIL:
                data = fh.read()
            else:
                head = fh.read(TEXT_HEAD)
                fh.seek(size - TEXT_TAIL)
                data = head + b"\n[... output truncated ...]\n" + fh.read()
    except FileNotFoundError:
        return "", 0
    return data.decode("utf-8", errors="replace"), size


class Sandbox(abc.ABC):
    """A place to run EDA commands against one workspace directory."""

    name: str = "abstract"

    def __init__(self, workspace: Path, settings: SandboxSettings) -> None:
        self.workspace = workspace.resolve()
        self.settings = settings

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
            return self.workspace / inside_path[len(prefix):]
        return None

    def scratch_dir(self, *parts: str) -> Path:
        """A fresh directory inside the workspace that commands may write to."""
        path = self.workspace.joinpath(SCRATCH_DIR, *parts)
        path.mkdir(parents=True, exist_ok=True)
        self.make_writable(path)
        return path

    def make_writable(self, path: Path) -> None:
        """Ensure the sandbox's user can write `path` (a directory in the workspace)."""

    def check_readable(self, path: Path) -> None:
        """Raise UserInputError when the sandbox's user cannot read `path` (host file)."""

    def new_log_path(self, cwd: Path, stem: str) -> Path:
        logs = cwd / "logs" if cwd.name != "logs" else cwd
        logs.mkdir(parents=True, exist_ok=True)
        self.make_writable(logs)
        return logs / f"{stem}-{uuid.uuid4().hex[:8]}.log"

    # -- running -----------------------------------------------------------------------------
    def _wrap(self, argv: list[str], cwd: Path | None, timeout_s: float | None,
              log_name: str) -> tuple[Path, float, Path, list[str]]:
        """Common preparation: (cwd, timeout, log path, argv wrapped with timeout + capped log)."""
        if not argv:
            raise ValueError("empty command")
        s = self.settings
        timeout_s = timeout_s or s.default_timeout_s
        cwd = (cwd or self.workspace).resolve()
        if cwd != self.workspace and self.workspace not in cwd.parents:
            from siliconcrew.errors import PathOutsideWorkspace

            raise PathOutsideWorkspace(f"working directory {cwd} is outside the workspace",
                                       "run commands inside the workspace")
        log_path = self.new_log_path(cwd, log_name)
        script = wrapper_script(self.inside(log_path), timeout_s, s.output_cap_bytes,
                                s.file_size_limit_mb * 1024)
        return cwd, timeout_s, log_path, ["bash", "-c", script, "sandbox", *argv]

    @abc.abstractmethod
    def run(self, argv: list[str], cwd: Path | None = None, timeout_s: float | None = None,
            log_name: str = "cmd") -> ExecResult:
        """Run argv with cwd (a host dir inside the workspace); never raises for tool failures."""

    def close(self) -> None:
        """Release the backend's resources (containers, cgroups)."""

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> dict:
        return {"backend": self.name, "workspace": str(self.workspace)}

    def _finish(self, argv: list[str], rc: int, duration: float, timeout_s: float,
                log_path: Path) -> ExecResult:
        output, size = read_capped(log_path)
        size_file = log_path.with_name(log_path.name + ".size")
        truncated = size_file.exists()
        if truncated:
            size = int(size_file.read_text().strip() or 0)
            size_file.unlink()
        timed_out = rc in TIMEOUT_EXIT_CODES and duration >= timeout_s - 0.05
        killed = None
        if timed_out:
            killed = f"timeout after {timeout_s:g} s"
        elif rc == KILLED_EXIT_CODE:
            killed = f"killed (SIGKILL; most likely the {self.settings.mem_limit_mb} MB memory limit)"
        elif rc == 128 + 25:
            killed = f"killed: file size limit ({self.settings.file_size_limit_mb} MB) exceeded"
        return ExecResult(argv=argv, exit_code=rc, duration_s=duration, timed_out=timed_out,
                          output=output, log_path=log_path, output_bytes=size,
                          truncated=truncated, backend=self.name,
                          killed_reason=killed)
