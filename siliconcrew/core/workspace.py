"""Confine every path argument to the workspace.

Tool inputs come from users *and* from LLM agents, so they are untrusted: a path must resolve
(after symlinks) to somewhere inside the workspace, or it is refused before anything runs.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from siliconcrew.core.errors import PathOutsideWorkspace, UserInputError

SCRATCH_DIR = ".siliconcrew"


def resolve_inside(
    workspace: Path, path: str | os.PathLike[str], *, must_exist: bool = True
) -> Path:
    """Return the absolute host path of `path` (relative to `workspace`), refusing escapes."""
    if path is None or str(path).strip() == "":
        raise UserInputError("empty path", "give a file path relative to the workspace")
    ws = workspace.resolve()
    raw = Path(path)
    candidate = raw if raw.is_absolute() else ws / raw
    resolved = candidate.resolve()
    if resolved != ws and ws not in resolved.parents:
        raise PathOutsideWorkspace(
            f"path '{path}' is outside the workspace {ws}",
            "use a path inside the workspace, or pass --workspace DIR that contains it",
        )
    if must_exist and not resolved.exists():
        raise UserInputError(f"file not found: {path}", f"check the path (relative to {ws})")
    return resolved


def relative_to_workspace(workspace: Path, path: Path) -> str:
    """Workspace-relative POSIX string for a host path inside the workspace."""
    return path.resolve().relative_to(workspace.resolve()).as_posix()


# errno values that mean "this folder cannot be written" (as opposed to a full disk or an
# I/O error, which are not the user's input).
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


def not_writable(folder: Path, reason: str) -> UserInputError:
    """The one-line refusal for a design folder that cannot be written."""
    return UserInputError(
        f"design folder '{folder}' is not writable ({reason}): runs/ and {SCRATCH_DIR}/ are "
        "created in it",
        "make it writable (chmod -R u+w, or remount it read-write) or copy the design to a "
        "writable folder",
    )


def make_writable_dir(path: Path, folder: Path) -> Path:
    """mkdir -p `path` (inside design folder `folder`) and check it can be written.

    Checked explicitly (os.access) as well as by creating it, because a folder that already
    exists is "created" without error even on a read-only file system; the first write would
    then fail with a traceback in the middle of a run.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in _NOT_WRITABLE:
            raise not_writable(folder, exc.strerror or str(exc)) from exc
        raise
    if not os.access(path, os.W_OK | os.X_OK):
        raise not_writable(folder, "permission denied")
    return path
