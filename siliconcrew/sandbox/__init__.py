"""Sandboxes that run EDA commands: `docker` (default when available) and `local`.

Selection rule (`backend: auto`): docker when the daemon answers and the image exists;
otherwise local with bubblewrap; otherwise local unisolated only with --unsafe-host.
"""

from __future__ import annotations

import sys
from pathlib import Path

from siliconcrew.core.errors import SandboxUnavailable
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.sandbox.base import ExecResult, Sandbox

__all__ = ["ExecResult", "Sandbox", "open_sandbox"]


def open_sandbox(workspace: Path, settings: SandboxSettings, *, quiet: bool = False) -> Sandbox:
    """Open the configured backend; in `auto` mode say why docker was skipped (on stderr)."""
    from siliconcrew.sandbox.local_backend import LocalSandbox

    if settings.backend == "local":
        return LocalSandbox(workspace, settings)
    from siliconcrew.sandbox.docker_backend import DockerSandbox

    if settings.backend == "docker":
        return DockerSandbox(workspace, settings)
    try:
        return DockerSandbox(workspace, settings)
    except SandboxUnavailable as docker_err:
        try:
            sandbox = LocalSandbox(workspace, settings)
        except SandboxUnavailable as local_err:
            raise SandboxUnavailable(
                f"no sandbox backend available: {docker_err.message}; {local_err.message}",
                docker_err.hint,
            ) from local_err
        if not quiet:
            print(
                f"note: docker sandbox unavailable ({docker_err.message}); "
                f"using the local backend ({sandbox.describe()['isolation']})",
                file=sys.stderr,
            )
        return sandbox
