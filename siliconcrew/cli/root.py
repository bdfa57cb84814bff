"""The typer app, its command groups, the options shared by commands, and `main`.

The CLI only parses and renders: commands call `siliconcrew.api` and draw its results with
`siliconcrew.render`. Heavy modules are imported inside commands to keep --help fast."""

from __future__ import annotations

import sys

import typer

from siliconcrew import __version__
from siliconcrew.core.errors import SiliconCrewError

app = typer.Typer(
    help="SiliconCrew: multi-agent chip design from spec (or RTL) to GDS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
tools_app = typer.Typer(help="List and run EDA tools (built-in and plugins).", no_args_is_help=True)
sandbox_app = typer.Typer(help="Build, check and clean the EDA sandbox.", no_args_is_help=True)
app.add_typer(tools_app, name="tools")
app.add_typer(sandbox_app, name="sandbox")
kb_app = typer.Typer(help="Search and grow the shared knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
bench_app = typer.Typer(help="Benchmark the agents on standard datasets.", no_args_is_help=True)

SandboxOpt = typer.Option(None, "--sandbox", help="auto | docker | local (default: config, auto)")
UnsafeOpt = typer.Option(
    False, "--unsafe-host", help="local backend without bubblewrap: runs tools unisolated"
)
JsonOpt = typer.Option(False, "--json", help="machine-readable JSON on stdout")
KbOpt = typer.Option(
    None,
    "--kb",
    envvar="SILICONCREW_KB",
    help="knowledge base path or chroma server URL (default ~/.local/share/siliconcrew/kb)",
)


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="print the version and exit")):
    if version:
        typer.echo(f"siliconcrew {__version__}")
        raise typer.Exit(0)


def warn_on_stderr(message: str) -> None:
    """on_warning for the API: design warnings on stderr, before the work starts."""
    from siliconcrew.render.console import console, warning

    warning(console(stderr=True), message)


def design_name(design_dir) -> str:
    """Check design.yaml and show its warnings before a spinner starts; returns the name."""
    from siliconcrew import api

    info = api.design_info(design_dir)
    for message in info.warnings:
        warn_on_stderr(message)
    return info.name


def _terminate_as_interrupt(signum, frame) -> None:
    """SIGTERM (a batch system, `kill`, a closing terminal) takes the Ctrl-C path: every
    `finally` runs, sandboxes are closed and finished steps stay checkpointed."""
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point: errors from the API become one `error:` line and its
    exit code (2 bad input, 3 no sandbox); Ctrl-C and SIGTERM exit 130."""
    import signal

    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        app()
    except SiliconCrewError as exc:
        sys.stderr.write(f"error: {exc.one_line()}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
