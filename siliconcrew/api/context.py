"""What every operation needs before it starts work: settings, a sandbox factory and a checked
design. Kept in one place so every front door refuses bad input with the same one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siliconcrew.core.errors import UserInputError

if TYPE_CHECKING:
    from siliconcrew.core.cancel import CancelToken
    from siliconcrew.core.design import Design
    from siliconcrew.core.settings import Settings

WarningFn = Callable[[str], None]
"""Receives a one-line warning (`what — how to fix`) as soon as it is known."""
ProgressFn = Callable[[str, str], None]
"""(step, state): state is "running" when the step starts, "progress: <text>" as a long
stage's heartbeat (elapsed time, newest log line), then its outcome ("ok", "failed", ...)."""
SandboxFactory = Callable[..., Any]
"""(workspace, image=None) -> an open sandbox."""

BACKENDS = (None, "auto", "docker", "local")


def load_settings(sandbox: str | None = None, unsafe_host: bool = False) -> Settings:
    """Config file < environment < these arguments (the CLI's --sandbox/--unsafe-host)."""
    from siliconcrew.core.settings import load_settings as _load

    if sandbox not in BACKENDS:
        raise UserInputError(f"unknown sandbox backend '{sandbox}'", "use auto, docker or local")
    return _load(backend=sandbox, unsafe_host=True if unsafe_host else None)


def resolve_settings(settings: Settings | None, sandbox: str | None, unsafe_host: bool) -> Settings:
    """Settings a caller already holds (a chat session, a batch over many designs) win over
    loading them again from the config, the environment and `sandbox`/`unsafe_host`."""
    return settings if settings is not None else load_settings(sandbox, unsafe_host)


def sandbox_factory(settings: Settings, cancel: CancelToken | None = None) -> SandboxFactory:
    """ws -> sandbox; a flow engine may ask for another image (e.g. LibreLane's). With
    `cancel`, every sandbox opened holds the token: cancelling it kills the running command and
    the operation ends with `Cancelled` (core/cancel.py)."""
    from siliconcrew.core.profile import span
    from siliconcrew.sandbox import open_sandbox

    def factory(ws: Path, image: str | None = None):
        sandbox_settings = (
            settings.sandbox.model_copy(update={"image": image}) if image else settings.sandbox
        )
        if cancel is not None:
            cancel.raise_if_cancelled()
        with span("sandbox_open"):
            sandbox = open_sandbox(ws, sandbox_settings)
        sandbox.cancel_token = cancel
        return sandbox

    return factory


def load_checked_design(
    design_dir: Path, on_warning: WarningFn | None = None
) -> tuple[Design, Path]:
    """load_design, then its warnings to `on_warning`: before any sandbox starts, so bad input
    is refused at once (UserInputError) and a caller can show warnings before the work."""
    from siliconcrew.core.design import design_warnings, load_design

    design, folder = load_design(Path(design_dir))
    if on_warning is not None:
        for warning in design_warnings(design, folder):
            on_warning(warning)
    return design, folder
