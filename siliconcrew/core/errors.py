"""Errors that reach the user as one line: what went wrong and what to do next."""

from __future__ import annotations


class SiliconCrewError(Exception):
    """Base error. `hint` says how to fix it; the CLI prints `error: <message> (<hint>)`."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class UserInputError(SiliconCrewError):
    """Bad input from the user or from an agent's tool arguments (exit code 2)."""

    exit_code = 2


class PathOutsideWorkspace(UserInputError):
    """A path argument escapes the workspace (absolute elsewhere, `..`, or a symlink out)."""


class SandboxUnavailable(SiliconCrewError):
    """No sandbox backend can run commands (daemon down, image missing, no bwrap...)."""

    exit_code = 3
