"""The design's `include files, placed in a harness's source folder.

Both harnesses keep the design's RTL flat in one folder (Caravel: `verilog/rtl/<name>/`,
Tiny Tapeout: `src/`), and that folder is the one include dir the harness names (Caravel:
`VERILOG_INCLUDE_DIRS` of the macro's LibreLane config; Tiny Tapeout: the template's
`test/Makefile` already passes `-I$(SRC_DIR)`, and LibreLane's yosys and linter resolve an
`include beside its includer). Each `include must then resolve there as it did in the
design folder, with the path written in the RTL unchanged:

- found beside its includer (`include "sub/defs.vh"` next to rtl/top.v): the file goes to
  the same place beside the includer's copy (tools without relative includes, iverilog,
  find it through the includer's folder, an include dir of the harness when not the folder
  itself: a header in sub/ including its neighbour);
- found under one of design.yaml's include_dirs: it goes to its path below that include
  dir, from the folder itself (where the one include dir finds it).

The other header files under the include dirs come along as well (an `include under an
`ifdef the reader did not take, e.g. `SYNTHESIS). A file outside the design folder is
refused, as design.yaml's paths are: the harness must not carry, nor depend on, what the
run does not record. So is a layout the flat folder cannot keep (a `..` above it, two
different files on one path).
"""

from __future__ import annotations

import posixpath
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from siliconcrew.core.errors import UserInputError
from siliconcrew.tools.rtl_ports import IncludeDirective, read_includes

#: what else an include dir holds that an `include may name (RTL-looking .v/.sv files there
#: are carried only when an `include reads them)
HEADER_SUFFIXES = (".vh", ".svh", ".h", ".inc")
FIX = "copy it into the design folder and list its folder under include_dirs: in design.yaml"


@dataclass
class IncludeLayout:
    """Harness path (below the source folder, POSIX) → the design file copied there, and
    the harness's include dirs ("." = the source folder, then sub-folders), empty when the
    design includes nothing."""

    files: dict[str, Path] = field(default_factory=dict)
    dirs: list[str] = field(default_factory=list)

    def copy_into(self, dest: Path) -> None:
        for rel, src in self.files.items():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)

    def names(self) -> list[str]:
        return sorted(self.files)


def include_layout(
    folder: Path,
    rtl: Sequence[Path],
    include_dirs: Sequence[Path] = (),
    reserved: dict[str, Path | None] | None = None,
) -> IncludeLayout:
    """Where each `include file of `rtl` goes in a flat source folder. `reserved` maps the
    names already taken there to their design file (the RTL copies) or None (a generated
    file such as Tiny Tapeout's project.v). UserInputError (one line) for a file outside
    `folder` or a layout the folder cannot keep."""
    root = folder.resolve()
    taken = dict(reserved or {})
    try:
        directives = read_includes(list(rtl), list(include_dirs))
    except OSError as exc:
        raise UserInputError(
            f"cannot read {Path(exc.filename or '?').name}: {exc.strerror or exc}",
            "check design.yaml rtl: and include_dirs:",
        ) from exc
    for d in directives:
        _inside(root, d)
    layout = IncludeLayout()
    # where each design file sits in the harness: the RTL flat, includes as placed below
    where: dict[Path, set[str]] = {Path(f).resolve(): {Path(f).name} for f in rtl}
    pending = list(directives)
    while pending:  # an include's own includes are placed once it is
        ready = [d for d in pending if d.includer.resolve() in where]
        if not ready:
            break  # its includer was not placed (cannot happen for a parse of `rtl`)
        for d in ready:
            pending.remove(d)
            for target, search in _targets(root, d, where[d.includer.resolve()]):
                _place(layout, taken, target, d.path, root)
                where.setdefault(d.path.resolve(), set()).add(target)
                if search not in layout.dirs:
                    layout.dirs.append(search)
    carried = set(where)  # a header already placed is not carried twice
    for inc_dir in include_dirs:
        for f in sorted(Path(inc_dir).rglob("*")):
            rel = f.relative_to(inc_dir)
            if (
                f.suffix in HEADER_SUFFIXES
                and f.is_file()
                and not any(p == "runs" or p.startswith(".") for p in rel.parts[:-1])
                and rel.as_posix() not in layout.files
                and rel.as_posix() not in taken
                and f.resolve() not in carried
            ):
                if not f.resolve().is_relative_to(root):
                    raise UserInputError(
                        f"include dir file {_show(root, f)} leads outside the design folder "
                        f"({f.resolve()})",
                        FIX,
                    )
                layout.files[rel.as_posix()] = f
                carried.add(f.resolve())
    if layout.files:
        layout.dirs = [".", *sorted(d for d in layout.dirs if d != ".")]
    return layout


def _show(root: Path, path: Path) -> str:
    try:
        return path.absolute().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _inside(root: Path, d: IncludeDirective) -> None:
    if not d.path.resolve().is_relative_to(root):
        raise UserInputError(
            f"{_show(root, d.includer)} includes '{d.written}', which is outside the design "
            f"folder ({d.path.resolve()})",
            FIX,
        )


def _targets(root: Path, d: IncludeDirective, includer_at: set[str]) -> set[tuple[str, str]]:
    """(harness path, the include dir that finds it by the written name): the paths that
    keep `d`'s written name resolving, one per place its includer was copied to."""
    written = PurePosixPath(d.written.replace("\\", "/"))
    where = _show(root, d.includer)
    if written.is_absolute():
        raise UserInputError(
            f"{where} includes '{d.written}' by an absolute path: the harness cannot keep it",
            "write the `include relative to an include dir and list that dir under "
            "include_dirs: in design.yaml",
        )
    beside = (d.includer.parent / d.written).resolve() == d.path.resolve()
    bases = [PurePosixPath(p).parent for p in sorted(includer_at)] if beside else [None]
    out = set()
    for base in bases:
        rel = posixpath.normpath(str(base / written if base is not None else written))
        search = posixpath.normpath(str(base)) if base is not None else "."
        if rel == ".." or rel.startswith("../"):
            raise UserInputError(
                f"{where} includes '{d.written}', a path above the folder the harness keeps "
                "the design's sources in",
                'include it by name (`include "defs.vh") and list its folder under '
                "include_dirs: in design.yaml",
            )
        out.add((rel, search))
    return out


def _place(
    layout: IncludeLayout, taken: dict[str, Path | None], rel: str, src: Path, root: Path
) -> None:
    """Put `src` at `rel`. The same file (or the same bytes) already there is fine: an RTL
    file an `include reads, a header included twice. Two different files on one path are
    refused: which one the flow would read would be luck."""
    if rel in layout.files:
        other: Path | None = layout.files[rel]
    elif rel in taken:
        other = taken[rel]
    else:
        layout.files[rel] = src
        return
    if other is not None and (
        other.resolve() == src.resolve() or other.read_bytes() == src.read_bytes()
    ):
        return
    what = "a file the harness generates" if other is None else _show(root, other)
    raise UserInputError(
        f"the `include file {_show(root, src)} and {what} would both be '{rel}' in the "
        "harness's source folder",
        "rename one of them (the harness keeps the design's sources in one folder)",
    )
