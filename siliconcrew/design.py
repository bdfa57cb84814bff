"""design.yaml: the design card every command starts from (see README, "design.yaml").

Validated with pydantic so a typo in a key or a missing file is a one-line error naming the
key, not a stack trace twenty steps later. Unknown top-level keys are kept (extend, don't
break) but reported by `warnings()`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from siliconcrew.errors import UserInputError
from siliconcrew.tools.synth_recipe import SynthRecipe

DESIGN_FILE = "design.yaml"


class ClockSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    port: str | None = None
    period_ns: float = Field(10.0, gt=0)


class FlowSpec(BaseModel):
    model_config = ConfigDict(extra="allow")
    engine: Literal["local", "librelane"] = "local"
    pdk: str = "osu018"


class VerificationSpec(BaseModel):
    model_config = ConfigDict(extra="allow")
    top: str | None = None
    simulator: Literal["icarus", "verilator"] = "icarus"
    timeout_s: float = Field(60, gt=0)
    pass_patterns: list[str] | None = None
    fail_patterns: list[str] | None = None


class Design(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    top: str
    spec: str | None = "spec.md"
    rtl: list[str] = Field(default_factory=list)
    testbench: list[str] = Field(default_factory=list)
    include_dirs: list[str] = Field(default_factory=list)
    clock: ClockSpec = ClockSpec()
    flow: FlowSpec = FlowSpec()
    verification: VerificationSpec = VerificationSpec()
    # Synthesis-side timing knobs; `siliconcrew timing --repair` prints the ones that work.
    synthesis: SynthRecipe = SynthRecipe()

    @field_validator("rtl", "testbench", "include_dirs", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, str) else (v or [])

    def check_liberty(self) -> str:
        """Liberty for the pre-layout checks (synthesis, STA, equivalence): the flow's PDK
        when it is one of the bundled osu techs, else osu018 (sky130/gf180 liberties are not
        available offline; hardening uses the real PDK)."""
        return self.flow.pdk if self.flow.pdk.startswith("osu") else "osu018"

    def testbench_top(self) -> str | None:
        """The testbench module: explicit, else `tb_<top>` by convention."""
        if self.verification.top:
            return self.verification.top
        return f"tb_{self.top}" if self.testbench else None


def load_design(design_dir: Path) -> tuple[Design, Path]:
    """Load and check design.yaml; returns the design and its (resolved) folder."""
    folder = design_dir.resolve()
    if folder.is_file() and folder.name.endswith((".yaml", ".yml")):
        folder, card = folder.parent, folder
    else:
        card = folder / DESIGN_FILE
    if not folder.exists():
        raise UserInputError(f"design folder '{design_dir}' does not exist",
                             "give the folder that holds design.yaml")
    if not card.exists():
        raise UserInputError(f"no {DESIGN_FILE} in '{design_dir}'",
                             "create one (see examples/counter/design.yaml)")
    try:
        data = yaml.safe_load(card.read_text())
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise UserInputError(f"{card.name} is not valid YAML: {first}", "fix the syntax") from exc
    if not isinstance(data, dict):
        raise UserInputError(f"{card.name} must be a mapping of keys", "see examples/counter")
    try:
        design = Design.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UserInputError(f"{card.name}: '{where}': {err['msg']}",
                             "see README 'design.yaml' for the keys") from exc
    for key in ("rtl", "testbench"):
        for f in getattr(design, key):
            if not (folder / f).is_file():
                raise UserInputError(f"{card.name}: {key} file '{f}' not found in {folder}",
                                     f"fix the path under '{key}:'")
    return design, folder
