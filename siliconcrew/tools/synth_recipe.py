"""Synthesis recipes: the knobs a timing repair may turn without touching the RTL.

One recipe renders to two places that must agree: our `synthesize` tool (pre-layout checks)
and the hardening engine's own synthesis (qflow's `yosys_script` + `abc_script`), so a fix
verified by our STA is the one that reaches layout. Every knob is off by default: the default
recipe is exactly the plain flow.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PREFIX_LCU = "prefix_lcu.v"
# yosys 0.23's default ABC script for -liberty, with the delay target written in literally
# (qflow passes the script without `-D`, so `{D}` would be dropped there).
# Measured on mac8 at 3 ns (WS -0.38 ns plain): yosys' default `&nf {D}` script ignores the
# target (-0.38), `dch; map {D}` gives -0.29, this `-fast`-style script +0.07, and ABC's
# buffering + up/down-sizing after it +0.13. A `-constr` driver/load made sizing worse.
_MAP = "dretime;retime,-o,{D};map,{D}"
# Logic restructuring before the delay-driven map; which one wins depends on the design
# (measured on the evaluation set: resyn2 closes max8x16, SOP balancing closes crc32x32,
# none helps mac16), so the repair loop tries them all and keeps the best.
ABC_RESTRUCTURE = {
    "none": "strash",
    "resyn2": "strash;balance;rewrite;refactor;balance;rewrite;rewrite,-z;balance;refactor,-z;"
              "rewrite,-z;balance",
    "sop-balance": "strash;dc2;balance;&get,-n;&st;&synch2;&if,-g;&syn2;&put",
    "sop-balance-dch": "strash;dc2;balance;&get,-n;&st;&synch2;&if,-g;&syn2;&put;dch,-f",
    "sop-balance-2": "strash;&get,-n;&st;&synch2;&if,-g;&syn2;&synch2;&if,-g;&put",
}
_ABC_SIZING = ";buffer,-p;upsize,{D};dnsize,{D}"
Restructure = Literal["none", "resyn2", "sop-balance", "sop-balance-dch", "sop-balance-2"]


class SynthRecipe(BaseModel):
    """Synthesis-side timing knobs (no RTL change)."""

    model_config = ConfigDict(extra="forbid")
    abc_delay_ps: int | None = Field(None, gt=0, le=10_000_000,
                                     description="ABC delay target (delay-driven mapping)")
    gate_sizing: bool = Field(False, description="ABC buffering + up/down-sizing to the "
                                                 "delay target (needs abc_delay_ps)")
    prefix_adders: bool = Field(False, description="Kogge-Stone carry trees instead of "
                                                   "ripple carry in adders/comparators")
    retime: bool = Field(False, description="let ABC move registers across logic (needs "
                                            "abc_delay_ps); checked by sequential co-simulation")
    abc_restructure: Restructure = Field("none", description="ABC logic restructuring before "
                                                             "the delay-driven map")

    @property
    def is_default(self) -> bool:
        return self == SynthRecipe()

    def label(self) -> str:
        parts = []
        if self.abc_delay_ps:
            parts.append(f"abc -D {self.abc_delay_ps}")
        if self.gate_sizing:
            parts.append("gate sizing")
        if self.prefix_adders:
            parts.append("prefix adders")
        if self.abc_restructure != "none":
            parts.append(f"ABC {self.abc_restructure}")
        if self.retime:
            parts.append("retiming")
        return ", ".join(parts) or "default"

    # -- rendering -------------------------------------------------------------------------------
    def support_files(self, folder: Path) -> dict[str, Path]:
        """Write the files the scripts refer to into `folder` (the sandbox sees only the
        workspace, not the installed package)."""
        out: dict[str, Path] = {}
        if self.prefix_adders:
            dest = folder / PREFIX_LCU
            dest.write_text(resources.files("siliconcrew.tools").joinpath(
                "techmap").joinpath(PREFIX_LCU).read_text())
            out["prefix_lcu"] = dest
        return out

    def high_level(self, top: str, flatten: bool, inside: dict[str, str]) -> str:
        """Generic synthesis down to yosys gates (before flop and cell mapping).
        `inside` maps support-file keys to in-sandbox paths."""
        flat = " -flatten" if flatten else ""
        if not self.prefix_adders:
            lines = [f"synth -top {top}{flat}"]
        else:
            lines = [f"synth -top {top}{flat} -run begin:fine",
                     "opt -fast -full", "memory_map", "opt -full",
                     f'techmap -autoproc -map +/techmap.v -map "{inside["prefix_lcu"]}"',
                     "opt -fast", "abc -fast", "opt -fast"]
        if self.retime and self.abc_delay_ps:
            # ABC only retimes plain flops: lower enables/sync resets to logic first.
            # -fast: the default sequential script (scorr, &fraig) ran > 8 min on a 24x24
            # multiplier; this one takes seconds.
            lines += ["dfflegalize -cell $_DFF_P_ 01 -cell $_DFF_N_ 01",
                      f"abc -dff -fast -D {self.abc_delay_ps}", "opt -fast"]
        return "\n".join(lines)

    def abc_script(self) -> str | None:
        """ABC script for the cell-mapping `abc -liberty` call ('+'-form, commas for blanks)."""
        if not self.abc_delay_ps:
            return None
        d = f"-D,{self.abc_delay_ps}"
        script = ABC_RESTRUCTURE[self.abc_restructure] + ";" + _MAP + (
            _ABC_SIZING if self.gate_sizing else "")
        return "+" + script.replace("{D}", d)

    def abc_command(self, liberty: str, inside: dict[str, str]) -> str:
        cmd = f'abc -liberty "{liberty}"'
        if self.abc_script():
            cmd += f" -script {self.abc_script()}"
        return cmd
