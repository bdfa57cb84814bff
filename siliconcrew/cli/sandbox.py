"""`sandbox doctor`, `sandbox build`, `sandbox prune`."""

from __future__ import annotations

from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, UnsafeOpt, sandbox_app


@sandbox_app.command("doctor")
def sandbox_doctor(
    as_json: bool = JsonOpt, sandbox: Optional[str] = SandboxOpt, unsafe_host: bool = UnsafeOpt
):
    """Which backend runs tools, the image, each tool's version, and fixes for what is missing."""
    from siliconcrew import api
    from siliconcrew.render import sandbox as render
    from siliconcrew.render.console import console, print_json

    report = api.doctor(sandbox, unsafe_host)
    if as_json:
        print_json(report)
    else:
        render.doctor(console(), report)
    raise typer.Exit(report.exit_code)


@sandbox_app.command("build")
def sandbox_build(
    from_registry: bool = typer.Option(
        False, "--from-registry", help="build FROM debian:bookworm-slim (needs a registry)"
    ),
    rebuild: bool = typer.Option(False, "--rebuild", help="rebuild even if the image exists"),
    rebuild_base: bool = typer.Option(False, "--rebuild-base", help="re-run debootstrap too"),
    as_json: bool = JsonOpt,
):
    """Build the EDA image offline: debootstrap base + Dockerfile with Debian's EDA tools."""
    from siliconcrew import api
    from siliconcrew.render.console import console, print_json

    status = console(stderr=True).status("building the sandbox image…")
    started = False

    def progress(line: str) -> None:
        nonlocal started
        if not started:  # the spinner only when a build really starts
            status.start()
            started = True
        status.update(f"building: {line[:100]}")

    try:
        info = api.build_image(
            from_registry=from_registry,
            rebuild=rebuild,
            rebuild_base=rebuild_base,
            progress=progress,
        )
    finally:
        if started:
            status.stop()
    if as_json:
        print_json(info)
    elif not info.built:
        console().print(
            f"image {info.get('image')} is up to date ({info.get('image_id')[:19]}); "
            "--rebuild to redo"
        )
    else:
        console().print(
            f"[green]built[/] {info.get('image')} {str(info.get('image_id'))[:19]} "
            f"in {info.get('seconds', 0):.0f} s"
        )


@sandbox_app.command("prune")
def sandbox_prune(all_: bool = typer.Option(False, "--all", help="also remove running ones")):
    """Remove sandbox containers left behind by crashed runs."""
    from siliconcrew import api

    typer.echo(f"removed {api.prune(include_running=all_).removed} container(s)")
