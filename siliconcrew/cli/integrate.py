"""`integrate`: wrap a design for a shuttle (Caravel or Tiny Tapeout)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siliconcrew.cli.root import JsonOpt, SandboxOpt, UnsafeOpt, app, design_name


@app.command("integrate")
def integrate_cmd(
    target: str = typer.Argument(..., help="caravel or tinytapeout"),
    design_dir: Path = typer.Argument(..., help="design folder with design.yaml"),
    base: Optional[str] = typer.Option(
        None, "--base", help="caravel: the Wishbone bridge's address (default 0x30000000)"
    ),
    as_json: bool = JsonOpt,
    sandbox: Optional[str] = SandboxOpt,
    unsafe_host: bool = UnsafeOpt,
):
    """Wrap the design for a shuttle harness and check the wrapper.

    caravel: a caravel_user_project-shaped folder (user_project_wrapper, a Wishbone register
    bridge, LibreLane configs for the macro and the wrapper). tinytapeout: a tt_um_<name>
    tile (src/project.v, info.yaml, a cocotb test). Both replay the design's own testbench
    through the wrapper. Exit code 0 when every check passed; 2 when the design cannot be
    wrapped (e.g. too many pins for a Tiny Tapeout tile).
    """
    from siliconcrew import api
    from siliconcrew.render.console import console, print_json
    from siliconcrew.render.integrate import integrate_result
    from siliconcrew.render.progress import step_printer

    name = design_name(design_dir)
    err = console(stderr=True)
    with err.status(f"{name}: starting sandbox…") as status:
        result = api.integrate(
            target,
            design_dir,
            base=base,
            sandbox=sandbox,
            unsafe_host=unsafe_host,
            progress=step_printer(err, status, name),
        )
    if as_json:
        print_json(result)
    else:
        integrate_result(console(), name, result)
    raise typer.Exit(result.exit_code)
