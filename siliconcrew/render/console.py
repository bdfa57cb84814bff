"""Consoles and the small formatting helpers every renderer uses."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console


def console(stderr: bool = False) -> Console:
    """stdout for results, stderr for progress and warnings (stdout stays clean for --json)."""
    return Console(stderr=stderr, highlight=False)


def print_json(data: Any) -> None:
    """What every `--json` prints: the result's dump, indented, on stdout."""
    if hasattr(data, "model_dump"):
        data = data.model_dump()
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def error_line(message: str) -> None:
    """The one `error:` line on stderr that a refused command prints."""
    sys.stderr.write(f"error: {message}\n")


def warning(con: Console, message: str) -> None:
    con.print(f"[yellow]warning[/]: {message}", soft_wrap=True, markup=True)


def fmt_metric(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def short_path(path: str) -> str:
    """Relative to the current directory when inside it (shorter to read and click)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path
