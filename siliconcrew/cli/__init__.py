"""`siliconcrew` command line: one module per command group, all on the app in `root`.

Importing this package registers every command; `app` is the typer app (for tests:
`CliRunner().invoke(app, [...])`) and `main` the console-script entry point."""

from siliconcrew.cli.root import app, main

# Command modules register themselves on `app`, in the order --help lists them.
from siliconcrew.cli import tools, sandbox, check, run, harden, timing, kb, chat, bench, report  # noqa: E402,F401,I001

__all__ = ["app", "main"]
