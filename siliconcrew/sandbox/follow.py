"""Live progress from the logs of a running sandboxed command, read safely from the host.

Why: a qflow route of a few thousand cells runs for many minutes; without a sign of life a user
cannot tell a slow stage from a hung one. qflow (and most EDA tools) write their progress to log
files in the workspace while they run, so the host follows those files: every `interval_s` it
reads what was appended (at most `max_read` bytes, from the end when more was written) and
reports the newest line that matches `pattern` (or the newest non-blank line).

The files are written by the sandbox, so they are opened as any other sandbox output: beneath
the workspace, no symlinks, regular files only, non-blocking (safe_io). A file that is missing,
replaced or refused is simply not reported on; following never fails the command.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

from siliconcrew.sandbox.safe_io import UnsafePath, open_beneath

#: Longest line reported (a progress line is for a spinner, not a log).
MAX_LINE = 120
#: Seconds between two progress reports.
DEFAULT_INTERVAL_S = 2.0


def format_elapsed(seconds: float) -> str:
    """`42s`, `3m05s`, `1h02m`: short enough for a spinner line."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


class LogFollower:
    """Follows `paths` while a command runs; calls `on_progress(text)` about every interval.

    `text` is "<elapsed> · <newest interesting line>" (just "<elapsed>" until a line shows up),
    so a stage that prints nothing still shows that it is running. Use as a context manager
    around the blocking command.
    """

    def __init__(
        self,
        workspace: Path,
        paths: Sequence[Path],
        on_progress: Callable[[str], None],
        pattern: re.Pattern | None = None,
        interval_s: float | None = None,
        max_read: int = 256 * 1024,
    ) -> None:
        self.workspace = workspace
        self.paths = list(paths)
        self.on_progress = on_progress
        self.pattern = pattern
        self.interval_s = DEFAULT_INTERVAL_S if interval_s is None else interval_s
        self.max_read = max_read
        self._offsets: dict[Path, int] = {}
        self._latest = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="log-follower", daemon=True)
        self._start = 0.0
        self._reported = ""

    def __enter__(self) -> "LogFollower":
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval_s + 1)
        # One last look: many tools buffer their log until they exit (qrouter into a file), and
        # a stage shorter than one interval would otherwise show no line at all. Reported before
        # the caller announces the stage's result, and only when there is something new.
        self.poll()
        if self._latest and self._latest != self._reported:
            self._report()

    @property
    def latest(self) -> str:
        """The newest interesting line seen so far ('' when none)."""
        return self._latest

    def poll(self) -> None:
        """Read what the files gained since the last poll; remember the newest line."""
        for path in self.paths:
            line = self._newest_line(path)
            if line:
                self._latest = line[:MAX_LINE]

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.poll()
            self._report()

    def _report(self) -> None:
        elapsed = format_elapsed(time.monotonic() - self._start)
        self._reported = self._latest
        try:
            self.on_progress(f"{elapsed} · {self._latest}" if self._latest else elapsed)
        except Exception:  # a progress display must never break the command
            pass

    def _newest_line(self, path: Path) -> str:
        try:
            fd = open_beneath(self.workspace, path)
        except (OSError, UnsafePath):
            return ""
        try:
            st = os.fstat(fd)
            if not (st.st_mode & 0o170000 == 0o100000):  # regular files only
                return ""
            start = self._offsets.get(path, 0)
            if st.st_size < start:  # truncated or replaced: start over
                start = 0
            start = max(start, st.st_size - self.max_read)
            os.lseek(fd, start, os.SEEK_SET)
            data = os.read(fd, min(self.max_read, max(0, st.st_size - start)))
        except OSError:
            return ""
        finally:
            os.close(fd)
        # Only complete lines count; a partial last line is read again, whole, next time.
        cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
        if cut < 0 and len(data) < self.max_read:
            self._offsets[path] = start
            return ""
        self._offsets[path] = start + (cut + 1 if cut >= 0 else len(data))
        text = data[: cut + 1].decode("utf-8", errors="replace").replace("\r", "\n")
        lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
        if not lines:
            return ""
        if self.pattern is not None:
            lines = [ln for ln in lines if self.pattern.search(ln)]
        return lines[-1] if lines else ""
