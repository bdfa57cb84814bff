"""Names that end up in scripts: Verilog identifiers, flow engines and the PDKs each can use.

Kept in the core because design.yaml is validated against them at load time (so `check`,
`harden` and every front door agree before anything runs) and the tools re-check the same
rules on arguments that may come from an LLM.
"""

from __future__ import annotations

import re

from siliconcrew.core.errors import UserInputError

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")

# One name per engine; `local` was the qflow engine's name before the sandbox backend of
# the same name made it ambiguous: still accepted, with a deprecation warning.
ENGINES = ("qflow", "librelane")
ENGINE_ALIASES = {"local": "qflow"}
# What each engine can build on: qflow's bundled osu techs; LibreLane's open PDK families
# (sky130A/B, gf180mcuA-D, ihp-sg13g2, as installed by ciel).
QFLOW_PDKS = ("osu018", "osu035", "osu050")
LIBRELANE_PDK_FAMILIES = ("sky130", "gf180", "ihp")


def check_identifier(value: str, what: str) -> str:
    if not IDENT.match(value or ""):
        raise UserInputError(
            f"{what} '{value}' is not a Verilog identifier",
            f"give the {what} as a plain module/port name",
        )
    return value


def engine_name(name: str) -> str:
    """The engine's one name (`local` → `qflow`; design.yaml warns about the old name, see
    `design_warnings`); an unknown engine is refused."""
    if name in ENGINE_ALIASES:
        return ENGINE_ALIASES[name]
    if name not in ENGINES:
        raise UserInputError(f"unknown flow engine '{name}'", f"use one of: {', '.join(ENGINES)}")
    return name


def pdk_problem(engine: str, pdk: str) -> tuple[str, str] | None:
    """(what is wrong, how to fix) when `engine` cannot use `pdk`, else None."""
    if engine == "qflow" and pdk not in QFLOW_PDKS:
        return (
            f"the qflow engine has no PDK '{pdk}'",
            f"use flow.pdk: one of {', '.join(QFLOW_PDKS)} "
            "(or flow.engine: librelane for sky130/gf180/ihp)",
        )
    if engine == "librelane" and not pdk.startswith(LIBRELANE_PDK_FAMILIES):
        return (
            f"the librelane engine has no PDK '{pdk}'",
            "use a sky130*, gf180* or ihp* PDK (e.g. sky130A), "
            f"or flow.engine: qflow for {', '.join(QFLOW_PDKS)}",
        )
    return None
