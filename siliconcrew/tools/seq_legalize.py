"""Sequential cells real RTL uses, brought down to what the OSU libraries have.

The OSU libraries have plain posedge/negedge flops (DFFPOSX1/DFFNEGX1), one set/reset flop
(DFFSR: active-low S and R) and a positive-enable LATCH. Open-source IP also uses latches
(`always @* if (en) q = d;`) and async-load flops (`always @(posedge clk or posedge rst)
if (rst) q <= load_value;`, non-constant) which yosys 0.23 leaves unmapped
(`$_DLATCH_P_`, `$_ALDFFE_PPN_`), and hardening then stops. `dfflegalize` rewrites every
flop and latch into those four forms (async load becomes DFFSR with set/reset logic), and a
small techmap puts latches on the LATCH cell. Used by our synthesis and by qflow's own.

Tri-state drivers (`assign bus = en ? r : 8'bz;`) get the same treatment: yosys' `synth` has
no `tribuf` step, so the `z` of such a mux is just an undefined constant to it, which
`setundef -zero` turns into 0 (a bus of two tri-state drivers became `assign data = 8'h00`,
0 cells). `tribuf -logic` (before generic synthesis) turns them into tri-state buffers,
merges the drivers of one net, and makes the ones that drive no output port plain logic;
a techmap puts the remaining `$_TBUF_` on the library's TBUFX1.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

LATCH_MAP = "osu_latch.v"
TBUF_MAP = "osu_tbuf.v"
#: liberty names (or paths ending so) whose cell set the legalization targets
OSU_TECHS = ("osu018", "osu035", "osu050")


def applies_to(liberty: str | None) -> bool:
    """True for the bundled OSU techs; a user's own liberty keeps yosys' default mapping."""
    name = (liberty or "osu018").rsplit("/", 1)[-1]
    return any(name.startswith(t) or name.startswith(t.replace("050", "05")) for t in OSU_TECHS)


def _write_map(folder: Path, name: str) -> Path:
    dest = folder / name
    dest.write_text(
        resources.files("siliconcrew.tools").joinpath("techmap").joinpath(name).read_text()
    )
    return dest


def write_latch_map(folder: Path) -> Path:
    """Copy the latch techmap into `folder` (the sandbox sees the workspace, not the package)."""
    return _write_map(folder, LATCH_MAP)


def write_tbuf_map(folder: Path) -> Path:
    """Copy the tri-state buffer techmap into `folder`."""
    return _write_map(folder, TBUF_MAP)


_Z_LITERAL = re.compile(r"'[sS]?[bBhHoO]\s*[0-9a-fA-F_xXzZ?]*[zZ]|'[zZ]\b")


def rtl_has_z(files: list[Path]) -> bool:
    """True when an RTL file writes a `z` literal (`8'bz`, `'hz`, `'z`; comments aside)."""
    for f in files:
        try:
            text = Path(f).read_text(errors="replace")
        except OSError:
            continue
        text = re.sub(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"', "", text, flags=re.DOTALL)
        if _Z_LITERAL.search(text):
            return True
    return False


def tristate_lines(flatten: bool = True) -> list[str]:
    """Yosys commands before generic synthesis (`synth`): tri-state muxes become `$tribuf`
    before any `opt` folds their `z` away. For every liberty: without a tri-state cell the
    buffers stay unmapped and are reported, which beats a silent constant. `tribuf` reads
    `$mux` cells only: a `z` from a case statement (`default: y = 'bz;`, a `$pmux`) or a
    constant `assign y = 'bz;` still becomes 0 (synthesize warns, see `rtl_has_z`)."""
    return ["proc", *(["flatten"] if flatten else []), "tribuf -logic"]


def legalize_lines(latch_map_inside: str, tbuf_map_inside: str | None = None) -> list[str]:
    """Yosys commands between generic synthesis and `dfflibmap`."""
    lines = [
        "dfflegalize -cell $_DFF_P_ 01 -cell $_DFF_N_ 01 -cell $_DFFSR_PNN_ 01 "
        "-cell $_DLATCH_P_ 01",
        f'techmap -map "{latch_map_inside}"',
    ]
    if tbuf_map_inside:
        lines.append(f'techmap -map "{tbuf_map_inside}"')
    return lines
