"""Questions the engineer answers at a terminal: the graph's approval gates and the planner's
questions (`run --approve ask`, chat's /run), and chat's per-tool approval.

One approver serves both front doors; what differs is only how a yes/no or a line of text is
read (typer's prompts in the CLI, plain `input()` lines in chat, which owns the terminal)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console

YesNo = Callable[[str], bool]
Text = Callable[[str, str], str]

DEFAULT_ANSWER = "use your best judgement"
NO_TERMINAL_ANSWER = "no answers (no terminal): use your best judgement and say what you assumed"


def typer_yes_no(question: str) -> bool:
    import typer

    return typer.confirm(question, default=True)


def typer_text(question: str, default: str) -> str:
    import typer

    return typer.prompt(question, default=default)


def line_yes_no(question: str) -> bool:
    """`question [y/n] `; only y/yes is a yes."""
    return input(f"{question} [y/n] ").strip().lower() in ("y", "yes")


def line_text(question: str, default: str) -> str:
    return input(f"{question}: ").strip() or default


def approver(
    con: Console,
    *,
    yes_no: YesNo = typer_yes_no,
    text: Text = typer_text,
    need_terminal: bool = True,
) -> Callable[[dict[str, Any]], Any]:
    """The graph's `approver`: questions get an answer text, gates a yes/no. With
    `need_terminal` and no terminal on stdin, questions get a 'use your judgement' answer and
    gates are declined (an unattended run never hangs on a prompt)."""

    def ask(request: dict[str, Any]):
        if request.get("kind") == "questions":
            if need_terminal and not sys.stdin.isatty():
                return NO_TERMINAL_ANSWER
            con.print(request["question"])
            return text("your answers", DEFAULT_ANSWER)
        if need_terminal and not sys.stdin.isatty():
            con.print(f"approval needed ({request.get('question')}) but no terminal: declining")
            return False
        return yes_no(request.get("question", "continue?"))

    return ask


def tool_approver(
    mode: Callable[[], str], yes_no: YesNo = line_yes_no
) -> Callable[[str, dict], bool]:
    """Chat's approval of a file-changing tool call: asks unless the session's mode is auto."""

    def approve(name: str, args: dict) -> bool:
        if mode() == "auto":
            return True
        return yes_no(f"\nallow {name} {args.get('path') or ''}?")

    return approve
