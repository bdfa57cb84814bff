"""Sequential cells real RTL uses, brought down to what the OSU libraries have.

The OSU libraries have plain posedge/negedge flops (DFFPOSX1/DFFNEGX1), one set/reset flop
(DFFSR: active-low S and R) and a positive-enable LATCH. Open-source IP also uses latches
(`always @* if (en) q = d;`) and async-load flops (`always @(posedge clk or posedge rst)
if (rst) q <= load_value;`, non-constant) which yosys 0.23 leaves unmapped
(`$_DLATCH_P_`, `$_ALDFFE_PPN_`), and hardening then stops. `dfflegalize` rewrites every
flop and latch into those four forms (async load becomes DFFSR with set/reset logic), and a
small techmap puts latches on the LATCH cell. Used by our synthesis and by qflow's own.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

LATCH_MAP = "osu_latch.v"
#: liberty names (or paths ending so) whose cell set the legalization targets
OSU_TECHS = ("osu018", "osu035", "osu050")


def applies_to(liberty: str | None) -> bool:
    """True for the bundled OSU techs; a user's own liberty keeps yosys' default mapping."""
    name = (liberty or "osu018").rsplit("/", 1)[-1]
    return any(name.startswith(t) or name.startswith(t.replace("050", "05")) for t in OSU_TECHS)


def write_latch_map(folder: Path) -> Path:
    """Copy the latch techmap into `folder` (the sandbox sees the workspace, not the package)."""
    dest = folder / LATCH_MAP
    dest.write_text(resources.files("siliconcrew.tools").joinpath("techmap").joinpath(
        LATCH_MAP).read_text())
    return dest


def legalize_lines(latch_map_inside: str) -> list[str]:
    """Yosys commands between generic synthesis and `dfflibmap`."""
    return ["dfflegalize -cell $_DFF_P_ 01 -cell $_DFF_N_ 01 -cell $_DFFSR_PNN_ 01 "
            "-cell $_DLATCH_P_ 01",
            f'techmap -map "{latch_map_inside}"']
