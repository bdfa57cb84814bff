"""`chat`: the interactive session."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import SandboxOpt, UnsafeOpt, app


@app.command("chat")
def chat_cmd(
    design_dir: Path = typer.Argument(Path("."), help="design folder with design.yaml"),
    session: Optional[str] = typer.Option(None, "--session", help="resume chat session ID"),
    sandbox: Optional[str] = SandboxOpt,
    unsafe_host: bool = UnsafeOpt,
):
    """Interactive session: talk to the team (tools run as you watch), /run to go to GDS."""
    from siliconcrew import api
    from siliconcrew.chat.repl import ChatApp
    from siliconcrew.render.console import console

    settings = api.load_settings(sandbox, unsafe_host)
    ChatApp(design_dir, settings, api.sandbox_factory(settings), session, console()).loop()
