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

from pydantic import BaseModel, ConfigDict, Field, model_validator

PREFIX_LCU = "prefix_lcu.v"
_MAP = "dretime;retime,-o,{D};map,{D}"
# Cell-mapping ABC scripts ('+' form: commas for blanks). `{D}` becomes `-D <abc_delay_ps>`,
# written in literally because qflow passes the script without yosys' -D. Which one is
# fastest depends on the design; measured on the evaluation set (pre-layout OpenSTA):
#  - yosys' own default (`&nf`, no script) is area-oriented: add32 at 3.2 ns -0.57 ns;
#  - "min-delay" is qflow's default mapping (`map -M 1`, no target: ABC's fastest mapping):
#    add32 +0.76, mul16 +0.41 where the yosys default gave -0.57 / -0.74;
#  - "delay-target" maps to the clock and recovers area: mac8 at 3 ns -0.38 -> +0.07;
#  - restructurings before the delay-targeted map: resyn2 closes max8x16, SOP balancing
#    closes crc32x32; none helps mac16.
ABC_SCRIPTS = {
    "min-delay": "strash;scorr;ifraig;retime;strash;dch,-f;map,-M,1",
    "delay-target": "strash;" + _MAP,
    "resyn2": "strash;balance;rewrite;refactor;balance;rewrite;rewrite,-z;balance;refactor,-z;"
    "rewrite,-z;balance;" + _MAP,
    "sop-balance": "strash;dc2;balance;&get,-n;&st;&synch2;&if,-g;&syn2;&put;" + _MAP,
    "sop-balance-dch": "strash;dc2;balance;&get,-n;&st;&synch2;&if,-g;&syn2;&put;dch,-f;" + _MAP,
    "sop-balance-2": "strash;&get,-n;&st;&synch2;&if,-g;&syn2;&synch2;&if,-g;&put;" + _MAP,
    # delay-oriented AIG balancing (`&b -d`) + &syn2, then the min-delay map: XOR-heavy
    # logic (crc32x32 at 3.3 ns with sizing: +0.15 where the others stay at -0.2..-0.9)
    "balance-delay": "strash;&get,-n;&b,-d;&syn2;&put;dch,-f;map,-M,1",
}
# Min-delay retiming on the AIG, then a generic map (cells are mapped by the next ABC call).
RETIME_SCRIPT = "+strash;retime,-M,4,-o;map"
# ABC buffering + up/down-sizing after the map (a `-constr` driver/load made it worse).
_ABC_SIZING = ";buffer,-p;upsize,{D};dnsize,{D}"
AbcScript = Literal[
    "min-delay",
    "delay-target",
    "resyn2",
    "sop-balance",
    "sop-balance-dch",
    "sop-balance-2",
    "balance-delay",
]


class SynthRecipe(BaseModel):
    """Synthesis-side timing knobs (no RTL change)."""

    model_config = ConfigDict(extra="forbid")
    abc_script: AbcScript | None = Field(
        None, description="cell-mapping ABC script; None = yosys' default (area-oriented)"
    )
    abc_delay_ps: int | None = Field(
        None,
        gt=0,
        le=10_000_000,
        description="delay target for the targeted scripts, sizing and retiming",
    )
    gate_sizing: bool = Field(
        False, description="ABC buffering + up/down-sizing to the delay target (needs abc_delay_ps)"
    )
    prefix_adders: bool = Field(
        False, description="Kogge-Stone carry trees instead of ripple carry in adders/comparators"
    )
    retime: bool = Field(
        False,
        description="let ABC move registers across logic (needs "
        "abc_delay_ps); checked by sequential co-simulation",
    )

    @model_validator(mode="after")
    def _needs_target(self) -> "SynthRecipe":
        needs = [k for k in ("gate_sizing", "retime") if getattr(self, k)]
        if self.abc_script not in (None, "min-delay"):
            needs.append(f"abc_script {self.abc_script}")
        if needs and not self.abc_delay_ps:
            raise ValueError(f"{', '.join(needs)} need(s) abc_delay_ps (the clock in ps)")
        return self

    @property
    def is_default(self) -> bool:
        return self == SynthRecipe()

    def label(self) -> str:
        parts = []
        if self.abc_script:
            parts.append(
                f"ABC {self.abc_script}"
                + (f" -D {self.abc_delay_ps}" if self.abc_script != "min-delay" else "")
            )
        if self.gate_sizing:
            parts.append("gate sizing")
        if self.prefix_adders:
            parts.append("prefix adders")
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
            dest.write_text(
                resources.files("siliconcrew.tools")
                .joinpath("techmap")
                .joinpath(PREFIX_LCU)
                .read_text()
            )
            out["prefix_lcu"] = dest
        return out

    def high_level(self, top: str, flatten: bool, inside: dict[str, str]) -> str:
        """Generic synthesis down to yosys gates (before flop and cell mapping).
        `inside` maps support-file keys to in-sandbox paths."""
        flat = " -flatten" if flatten else ""
        if not self.prefix_adders:
            lines = [f"synth -top {top}{flat}"]
        else:
            lines = [
                f"synth -top {top}{flat} -run begin:fine",
                "opt -fast -full",
                "memory_map",
                "opt -full",
                f'techmap -autoproc -map +/techmap.v -map "{inside["prefix_lcu"]}"',
                "opt -fast",
                "abc -fast",
                "opt -fast",
            ]
        if self.retime and self.abc_delay_ps:
            # ABC only retimes plain flops: lower enables/sync resets to logic first. Then
            # ABC's min-delay retiming (`retime -M 4`, levels of the AIG as delay) moves
            # registers across logic, including added pipeline stages back into it. yosys'
            # own `abc -dff` script runs `dretime`, a MIN-AREA retiming that moved nothing on
            # the evaluation set (mul16: 66 flops before and after). `-o` (old flop names):
            # without it ABC 0.23's write_blif asserts after a min-delay retime.
            lines += [
                "dfflegalize -cell $_DFF_P_ 01 -cell $_DFF_N_ 01",
                f"abc -dff -script {RETIME_SCRIPT}",
                "opt -fast",
            ]
        return "\n".join(lines)

    def abc_script_text(self) -> str | None:
        """ABC script for the cell-mapping `abc -liberty` call ('+'-form, commas for blanks)."""
        if self.abc_script is None and not self.gate_sizing:
            return None
        script = ABC_SCRIPTS[self.abc_script or "delay-target"]
        script += _ABC_SIZING if self.gate_sizing else ""
        return "+" + script.replace("{D}", f"-D,{self.abc_delay_ps}")

    def abc_command(self, liberty: str, inside: dict[str, str]) -> str:
        cmd = f'abc -liberty "{liberty}"'
        text = self.abc_script_text()
        if text:
            cmd += f" -script {text}"
        return cmd
