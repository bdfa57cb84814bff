"""`siliconcrew` command line: one module per command group, all on the app in `root`.

Importing this package registers every command; `app` is the typer app (for tests:
`CliRunner().invoke(app, [...])`) and `main` the console-script entry point."""

# Command modules register themselves on `app` in the order --help lists them: keep it.
# ruff: noqa: I001, E402, F401
from siliconcrew.cli.root import app, main
from siliconcrew.cli import tools, sandbox, check, run, harden, timing, kb, chat, bench, report, mcp
from siliconcrew.cli import batch, integrate, explore

__all__ = ["app", "main"]
