"""Confine every path argument to the workspace.

Tool inputs come from users *and* from LLM agents, so they are untrusted: a path must resolve
(after symlinks) to somewhere inside the workspace, or it is refused before anything runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from siliconcrew.errors import PathOutsideWorkspace, UserInputError

SCRATCH_DIR = ".siliconcrew"


def resolve_inside(workspace: Path, path: str | os.PathLike[str], *, must_exist: bool = True) -> Path:
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
