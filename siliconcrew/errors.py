"""Kept for plugin packages written against `siliconcrew.core.errors`: the errors live in
`siliconcrew.core.errors` (one-line errors with a fix; exit codes)."""

from siliconcrew.core.errors import (
    PathOutsideWorkspace,
    SandboxUnavailable,
    SiliconCrewError,
    UserInputError,
)

__all__ = ["SiliconCrewError", "UserInputError", "PathOutsideWorkspace", "SandboxUnavailable"]
