"""The EDA sandbox as operations: doctor, image build, prune of leftover containers."""

from __future__ import annotations

from collections.abc import Callable

from siliconcrew.api.context import load_settings
from siliconcrew.api.results import DoctorResult, ImageBuildResult, PruneResult


def doctor(sandbox: str | None = None, unsafe_host: bool = False) -> DoctorResult:
    """Which backend runs tools, the image, each tool's version, and fixes for what is
    missing (never raises for a missing backend: that is what it reports)."""
    from siliconcrew.sandbox.doctor import run_doctor

    return DoctorResult.model_validate(run_doctor(load_settings(sandbox, unsafe_host).sandbox))


def build_image(
    *,
    from_registry: bool = False,
    rebuild: bool = False,
    rebuild_base: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImageBuildResult:
    """Build the configured EDA image offline (debootstrap base + Dockerfile), unless it is
    up to date with the recipe (`built` False). `progress` gets build output lines (a
    first "starting" line when a build begins)."""
    from siliconcrew.sandbox.docker_backend import docker_client, image_id
    from siliconcrew.sandbox.image import build_image as _build
    from siliconcrew.sandbox.image import build_reason

    settings = load_settings(None, False)
    client = docker_client()
    existing = image_id(client, settings.sandbox.image)
    reason = build_reason(client, settings.sandbox.image)  # None: up to date with the recipe
    if existing and reason is None and not (rebuild or rebuild_base):
        return ImageBuildResult.model_validate(
            {"image": settings.sandbox.image, "image_id": existing, "built": False}
        )
    if progress:
        progress("starting")
    info = _build(
        settings.sandbox, from_registry=from_registry, rebuild_base=rebuild_base, progress=progress
    )
    info["built"] = True
    return ImageBuildResult.model_validate(info)


def prune(include_running: bool = False) -> PruneResult:
    """Remove sandbox containers left behind by crashed runs."""
    from siliconcrew.sandbox.docker_backend import docker_client, prune_stale_containers

    return PruneResult(
        removed=prune_stale_containers(docker_client(), include_running=include_running)
    )
