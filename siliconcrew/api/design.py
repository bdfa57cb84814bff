"""Read a design folder without doing any work: the name, the top, the warnings."""

from __future__ import annotations

from pathlib import Path

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
