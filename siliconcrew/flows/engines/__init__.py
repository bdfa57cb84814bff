"""Flow engines: one interface (`FlowEngine`), several back ends (qflow `local`, `librelane`)."""

from __future__ import annotations

from siliconcrew.errors import UserInputError

ENGINES = ("local", "librelane")
# What each engine can build on: qflow's bundled osu techs; LibreLane's open PDK families
# (sky130A/B, gf180mcuA-D, ihp-sg13g2, as installed by ciel).
LOCAL_PDKS = ("osu018", "osu035", "osu050")
LIBRELANE_PDK_FAMILIES = ("sky130", "gf180", "ihp")


def pdk_problem(engine: str, pdk: str) -> tuple[str, str] | None:
    """(what is wrong, how to fix) when `engine` cannot use `pdk`, else None. Checked when
    design.yaml is loaded, so `check` and `harden` agree before anything runs."""
    if engine == "local" and pdk not in LOCAL_PDKS:
        return (f"the local engine has no PDK '{pdk}'",
                f"use flow.pdk: one of {', '.join(LOCAL_PDKS)} "
                "(or flow.engine: librelane for sky130/gf180/ihp)")
    if engine == "librelane" and not pdk.startswith(LIBRELANE_PDK_FAMILIES):
        return (f"the librelane engine has no PDK '{pdk}'",
                "use a sky130*, gf180* or ihp* PDK (e.g. sky130A), "
                f"or flow.engine: local for {', '.join(LOCAL_PDKS)}")
    return None


def get_engine(name: str):
    if name == "local":
        from siliconcrew.flows.engines.qflow import QflowEngine

        return QflowEngine()
    if name == "librelane":
        from siliconcrew.flows.engines.librelane import LibreLaneEngine

        return LibreLaneEngine()
    raise UserInputError(f"unknown flow engine '{name}'", f"use one of: {', '.join(ENGINES)}")
