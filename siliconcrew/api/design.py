"""Read a design folder without doing any work: the name, the top, the warnings; check a
design.yaml mapping as harden would read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from siliconcrew.api.results import DesignInfo


def design_info(design_dir: Path | str) -> DesignInfo:
    """Check design.yaml (UserInputError when it is wrong) and say what it describes; a front
    door uses it to name the design and show warnings before a long operation starts."""
    from siliconcrew.core.design import design_warnings, load_design

    design, folder = load_design(Path(design_dir))
    return DesignInfo(
        name=design.name,
        top=design.top,
        folder=str(folder),
        has_rtl=bool(design.rtl),
        warnings=design_warnings(design, folder),
    )


def check_design_data(data: dict[str, Any], design_dir: Path | str) -> None:
    """Check a design.yaml mapping that is not (yet) on disk, as `harden` would read it: the
    design model (unknown keys, ranges, names) and the flow engine's own options, without
    running anything. Raises UserInputError with one line. `explore` checks every point of
    its search space with it before the first trial."""
    from pydantic import ValidationError

    from siliconcrew.core.design import DEFAULT_HINT, Design
    from siliconcrew.core.errors import UserInputError
    from siliconcrew.engines import get_engine
    from siliconcrew.steps.harden import design_input

    try:
        design = Design.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        hint = (err.get("ctx") or {}).get("hint") or DEFAULT_HINT
        raise UserInputError((f"'{where}': " if where else "") + err["msg"], hint) from None
    get_engine(design.flow.engine).default_config(design_input(design, Path(design_dir)))
