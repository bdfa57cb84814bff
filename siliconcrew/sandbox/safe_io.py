"""Host-side access to files that sandboxed commands could have tampered with.

Everything a sandboxed command can write (job folders, logs) may have been swapped for a FIFO
(the host would block reading it forever), a symlink out of the workspace (the host would read
or overwrite a file of its own choosing), or grown without bound. So the host never opens such a
path by name the ordinary way: it walks from the workspace one component at a time with
`O_NOFOLLOW`, opens non-blocking, checks with `fstat` that it got a regular file, and reads
a bounded amount.
"""

from __future__ import annotations

import os
import re
import stat
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

CHUNK = 1 << 20
#: Lines longer than this are scanned in pieces (a single 1 GB "line" must not be held whole).
MAX_SCAN_LINE = 64 * 1024


class UnsafePath(OSError):
    """A path in the workspace is not what the host expects (symlink, FIFO, outside...)."""


def _components(workspace: Path, path: Path) -> list[str]:
    ws = os.path.abspath(workspace)
    full = os.path.abspath(path)
    rel = os.path.relpath(full, ws)
    if rel == "." or rel.startswith("..") or os.path.isabs(rel):
        raise UnsafePath(f"{path} is not inside the workspace {workspace}")
    return rel.split(os.sep)


def open_beneath(workspace: Path, path: Path, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
    """Open `path` (inside `workspace`) refusing symlinks in every component; returns an fd.

    The final component is opened with O_NONBLOCK so a FIFO cannot block the open; callers
    that read check with `fstat` that the fd is a regular file.
    """
    parts = _components(workspace, path)
    dir_fd = os.open(os.path.abspath(workspace), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts[:-1]:
            try:
                nxt = os.open(
                    part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd
                )
            except OSError as exc:
                raise UnsafePath(
                    f"{path}: folder '{part}' is not a plain folder ({exc.strerror})"
                ) from exc
            os.close(dir_fd)
            dir_fd = nxt
        try:
            return os.open(
                parts[-1], flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode, dir_fd=dir_fd
            )
        except OSError as exc:
            if exc.errno in (40,):  # ELOOP: the file itself is a symlink
                raise UnsafePath(f"{path} is a symlink (refused)") from exc
            raise
    finally:
        os.close(dir_fd)


def _open_regular(workspace: Path, path: Path) -> int:
    fd = open_beneath(workspace, path)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafePath(f"{path} is not a regular file (a FIFO, socket or device; refused)")
    os.set_blocking(fd, True)
    return fd


def read_bytes_bounded(workspace: Path, path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a regular file inside the workspace (see module docstring)."""
    fd = _open_regular(workspace, path)
    with os.fdopen(fd, "rb") as fh:
        return fh.read(limit)


def read_text_bounded(workspace: Path, path: Path, limit: int = 64 << 20) -> str:
    """Text of a sandbox-written file: regular files only, at most `limit` bytes, lenient."""
    return read_bytes_bounded(workspace, path, limit).decode("utf-8", errors="replace")


@dataclass
class CapturedLog:
    """What the host learnt from one command's log: head/tail text, size and pattern hits."""

    text: str
    size: int
    truncated: bool
    #: pattern (its source string) -> first line that matched, over the WHOLE output
    hits: dict[str, str] = field(default_factory=dict)
    refused: str | None = None


def _scan(line: bytes, patterns: Sequence[re.Pattern], hits: dict[str, str]) -> None:
    if not patterns or len(hits) == len(patterns):
        return
    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
    for rx in patterns:
        if rx.pattern not in hits and rx.search(text):
            hits[rx.pattern] = text[:500]


def capture_log(
    workspace: Path,
    log_path: Path,
    cap: int,
    watch: Sequence[re.Pattern] = (),
    text_head: int = 32 * 1024,
    text_tail: int = 32 * 1024,
) -> CapturedLog:
    """Read a command's whole log once: scan every line for `watch`, keep head and tail.

    When the log is larger than `cap`, it is rewritten as its head and tail with a marker
    between (written beside it, then renamed over it: nothing is written through a path the
    sandbox could have pointed elsewhere). Pattern hits come from the whole stream, so an
    error line in the middle of a flood is never lost with the middle.
    """
    try:
        fd = _open_regular(workspace, log_path)
    except FileNotFoundError:
        # The wrapper creates the log before anything runs: gone means deleted or renamed.
        return CapturedLog(
            text="",
            size=0,
            truncated=False,
            refused=f"{log_path.name} is missing (deleted by the command?)",
        )
    except UnsafePath as exc:
        return CapturedLog(text="", size=0, truncated=False, refused=str(exc))
    half = cap // 2
    head = bytearray()
    tail: deque[bytes] = deque()
    tail_len = 0
    size = 0
    hits: dict[str, str] = {}
    partial = b""
    with os.fdopen(fd, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if len(head) < half:
                head += chunk[: half - len(head)]
            tail.append(chunk)
            tail_len += len(chunk)
            while tail_len - len(tail[0]) >= half:
                tail_len -= len(tail.popleft())
            if watch:
                data = partial + chunk
                lines = data.split(b"\n")
                partial = lines.pop()
                for line in lines:
                    for i in range(0, max(len(line), 1), MAX_SCAN_LINE):
                        _scan(line[i : i + MAX_SCAN_LINE], watch, hits)
                while len(partial) > MAX_SCAN_LINE:
                    _scan(partial[:MAX_SCAN_LINE], watch, hits)
                    partial = partial[MAX_SCAN_LINE:]
        if partial:
            _scan(partial, watch, hits)
    tail_bytes = b"".join(tail)[-half:] if size > half else b""
    truncated = size > cap
    if truncated:
        marker = f"\n[... {size - len(head) - len(tail_bytes)} bytes of output truncated ...]\n"
        _replace_file(workspace, log_path, bytes(head) + marker.encode() + tail_bytes)
        whole = bytes(head) + marker.encode() + tail_bytes
    else:
        whole = None
    # The text handed to callers is smaller still (parsers and agents read it).
    if whole is None:
        with os.fdopen(_open_regular(workspace, log_path), "rb") as fh:
            whole = fh.read(cap + 1)
    if len(whole) > text_head + text_tail:
        whole = whole[:text_head] + b"\n[... output truncated ...]\n" + whole[-text_tail:]
    return CapturedLog(
        text=whole.decode("utf-8", errors="replace"), size=size, truncated=truncated, hits=hits
    )


def _replace_file(workspace: Path, path: Path, data: bytes) -> None:
    """Write `data` beside `path` and rename it over `path`, never following symlinks."""
    parts = _components(workspace, path)
    parent = Path(workspace, *parts[:-1]) if len(parts) > 1 else Path(workspace)
    tmp_name = f".{parts[-1]}.cap-{os.getpid()}"
    dir_fd = (
        open_beneath(workspace, parent / ".", os.O_RDONLY | os.O_DIRECTORY)
        if len(parts) > 1
        else os.open(workspace, os.O_RDONLY | os.O_DIRECTORY)
    )
    try:
        fd = os.open(
            tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd
        )
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp_name, parts[-1], src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def sanitize_tree(
    workspace: Path, root: Path, max_entries: int = 50_000, keep: Iterable[Path] = ()
) -> list[str]:
    """Remove FIFOs, sockets, devices and symlinks leaving the workspace under `root`.

    Run after each sandboxed command on its working folder, so no later host step (a parser, a
    report, a copy) can be made to block or to read a host file through them. Returns one note
    per removed entry. Walks without following symlinks; stops after `max_entries`. `keep`
    are folders the backend itself uses (the runner's socket) and are not walked.
    """
    ws = os.path.abspath(workspace)
    kept = {os.path.abspath(k) for k in keep}
    notes: list[str] = []
    seen = 0
    stack = [os.path.abspath(root)]
    while stack and seen < max_entries:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            rel = os.path.relpath(entry.path, ws)
            if stat.S_ISDIR(st.st_mode):
                if entry.path not in kept:
                    stack.append(entry.path)
            elif stat.S_ISLNK(st.st_mode):
                target = os.path.realpath(entry.path)
                if target != ws and not target.startswith(ws + os.sep):
                    _unlink(entry.path)
                    notes.append(
                        f"removed symlink {rel} -> {target} (points outside the workspace)"
                    )
            elif not stat.S_ISREG(st.st_mode):
                _unlink(entry.path)
                kind = (
                    "FIFO"
                    if stat.S_ISFIFO(st.st_mode)
                    else "socket"
                    if stat.S_ISSOCK(st.st_mode)
                    else "device"
                )
                notes.append(f"removed {kind} {rel} (only regular files are read back)")
    return notes


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
