"""Which designs a batch runs, what identifies their inputs, and how a folder travels.

No shared filesystem is assumed: a design folder goes to its worker as a tar archive (bytes in
Ray's object store) and the run folder comes back the same way (siliconcrew.core.archive).
`runs/`, `batches/` and `explore/` never travel and never count in the input hash."""

from __future__ import annotations

import glob
import os
from pathlib import Path

# The folder-as-bytes helpers live in core (explore uses them too); re-exported here.
from siliconcrew.core.archive import SKIP_DIRS, input_hash, pack, unpack
from siliconcrew.core.errors import UserInputError

__all__ = ["SKIP_DIRS", "input_hash", "pack", "unpack", "resolve_designs"]


def resolve_designs(args: list[str], from_file: Path | None = None) -> list[Path]:
    """Design folders from arguments (folders or glob patterns such as 'designs/*/') and/or a
    file with one folder per line (# comments). Folders without design.yaml are refused;
    a glob keeps only the folders that have one. Order kept, duplicates dropped."""
    items: list[tuple[str, bool]] = [(a, False) for a in args]
    if from_file is not None:
        if not from_file.is_file():
            raise UserInputError(
                f"--from-file '{from_file}' does not exist",
                "give a text file with one design folder per line",
            )
        base = from_file.parent
        for line in from_file.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                p = line if os.path.isabs(line) else str(base / line)
                items.append((p, False))
    out: list[Path] = []
    for item, _ in items:
        if glob.has_magic(item):
            matches = sorted(Path(m) for m in glob.glob(item))
            found = [m for m in matches if (m / "design.yaml").is_file()]
            if not found:
                raise UserInputError(
                    f"no design folder matches '{item}'", "a design folder holds a design.yaml"
                )
            out.extend(found)
        else:
            one = Path(item)
            if not (one / "design.yaml").is_file():
                raise UserInputError(
                    f"'{item}' is not a design folder (no design.yaml)",
                    "give folders that hold a design.yaml, or a glob",
                )
            out.append(one)
    seen: set[Path] = set()
    unique: list[Path] = []
    for folder in out:
        r = folder.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(r)
    if not unique:
        raise UserInputError("no designs given", "give design folders, a glob or --from-file")
    names = [p.name for p in unique]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise UserInputError(
            f"two designs share the folder name {sorted(dup)[0]!r}",
            "a batch names designs by folder: rename one",
        )
    return unique
