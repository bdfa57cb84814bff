"""Cancelling a running operation from another thread (an MCP client's cancel, a UI's stop).

A `CancelToken` is handed to an API call (`api.harden(..., cancel=token)`); the sandboxes the
operation opens hold it. `token.cancel()` (any thread) marks it and kills the command that is
running at that moment (its whole process group, or the container's command); the sandbox
then raises `Cancelled` instead of returning a result, and refuses to start another command.
So a flow stops inside the running stage, no later stage starts, and the flow's own `finally`
closes its sandbox.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(BaseException):
    """The operation was cancelled. A BaseException, like KeyboardInterrupt, so that a step's
    `except Exception` (a tool failure becomes a result) cannot swallow it."""


class CancelToken:
    """Set once; kill callbacks registered while a command runs are called on `cancel()`."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._kills: dict[int, Callable[[], None]] = {}
        self._next = 0

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")

    def on_cancel(self, kill: Callable[[], None]) -> Callable[[], None]:
        """Register `kill` (called at once when already cancelled); returns its unregister."""
        with self._lock:
            key = self._next
            self._next += 1
            self._kills[key] = kill
            already = self._event.is_set()
        if already:
            _quietly(kill)

        def unregister() -> None:
            with self._lock:
                self._kills.pop(key, None)

        return unregister

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            kills = list(self._kills.values())
        for kill in kills:
            _quietly(kill)


def _quietly(kill: Callable[[], None]) -> None:
    try:
        kill()
    except Exception:  # the command may have ended meanwhile: nothing to kill
        pass
