"""Validation shared by tools: source files, identifiers, liberty names.

Tool arguments may come from an LLM, so anything that ends up in a yosys script or a Tcl file
is checked here first: paths stay in the workspace and carry no script metacharacters, module
names are plain identifiers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.names import check_identifier
from siliconcrew.tools.base import ToolContext

_UNSAFE_PATH_CHARS = set('\n\r\t;{}[]$"\\`')
VERILOG_SUFFIXES = {".v", ".sv", ".vh", ".svh", ".vams", ".vlog", ".verilog"}

# Standard-cell libraries shipped in the sandbox image (Debian's qflow-tech-* packages).
TECH_LIBERTY = {
    "osu018": "/usr/share/qflow/tech/osu018/osu018_stdcells.lib",
    "osu035": "/usr/share/qflow/tech/osu035/osu035_stdcells.lib",
    "osu050": "/usr/share/qflow/tech/osu050/osu050_stdcells.lib",
}
DEFAULT_TECH = "osu018"


def _check_safe(path: str) -> None:
    if any(c in _UNSAFE_PATH_CHARS for c in path):
        raise UserInputError(
            f"path '{path}' contains characters not allowed in tool paths",
            "rename the file (letters, digits, '._-/' and spaces are fine)",
        )


def resolve_file(ctx: ToolContext, path: str, what: str = "file") -> Path:
    _check_safe(path)
    host = ctx.resolve(path)
    if not host.is_file():
        raise UserInputError(f"{what} '{path}' is not a file", "give a file, not a directory")
    ctx.sandbox.check_readable(host)
    return host


def resolve_sources(ctx: ToolContext, files: list[str]) -> list[Path]:
    """Resolve Verilog sources; refuse missing, binary or out-of-workspace files."""
    if not files:
        raise UserInputError("no source files given", 'pass files: ["rtl/top.v", ...]')
    out = []
    for f in files:
        host = resolve_file(ctx, f, "source file")
        with host.open("rb") as fh:
            head = fh.read(8192)
        if b"\x00" in head:
            raise UserInputError(
                f"source file '{f}' is binary, not Verilog", "pass Verilog/SystemVerilog text files"
            )
        out.append(host)
    return out


def resolve_dirs(ctx: ToolContext, dirs: list[str]) -> list[Path]:
    out = []
    for d in dirs:
        _check_safe(d)
        host = ctx.resolve(d)
        if not host.is_dir():
            raise UserInputError(f"include dir '{d}' is not a directory", "fix include_dirs")
        out.append(host)
    return out


def yosys_include_opts(ctx: ToolContext, dirs: list[Path]) -> list[str]:
    """`-I<dir>` options for a yosys script line (in-sandbox paths). Unquoted on purpose:
    yosys 0.23 strips no quotes inside an option, so `-I"/workspace/inc"` searched a folder
    literally named `"/workspace/inc"` and every `include from an include dir failed."""
    out = []
    for d in dirs:
        inside = ctx.sandbox.inside(d)
        if any(c.isspace() for c in inside):
            raise UserInputError(
                f"include dir '{ctx.rel(d)}' has a space in its path: yosys "
                "cannot take such a path as an include dir",
                "rename the folder without spaces",
            )
        out.append(f"-I{inside}")
    return out


def liberty_inside(ctx: ToolContext, liberty: str | None) -> str:
    """In-sandbox path of a liberty: a tech name (osu018...) or a workspace file."""
    name = liberty or DEFAULT_TECH
    if name in TECH_LIBERTY:
        return TECH_LIBERTY[name]
    return ctx.sandbox.inside(resolve_file(ctx, name, "liberty file"))


def check_defines(defines: dict[str, str | int | None]) -> list[str]:
    args = []
    for k, v in defines.items():
        check_identifier(k, "define name")
        if v is not None and any(c in _UNSAFE_PATH_CHARS for c in str(v)):
            raise UserInputError(f"define {k} has an unsafe value", "use a plain number or word")
        args.append(f"{k}" if v is None else f"{k}={v}")
    return args


#: Files a testbench or an RTL `$readmemh`/`$fopen` typically reads (vectors, ROM images...).
DATA_SUFFIXES = {
    ".hex",
    ".mem",
    ".memh",
    ".memb",
    ".txt",
    ".dat",
    ".bin",
    ".coe",
    ".mif",
    ".csv",
    ".vec",
    ".tv",
    ".in",
    ".ref",
    ".golden",
    ".rom",
    ".init",
    ".data",
}
DATA_BUDGET_BYTES = 64 * 1024 * 1024


def stage_data_files(workspace: Path, sources: list[Path], dest: Path) -> list[str]:
    """Copy the data files beside the sources into a simulation's working folder.

    A simulation runs in its own job folder (the design folder is not the sandbox's to
    write), so `$readmemh("rom.hex")` or `$fopen("reference.txt")` would find nothing. Each
    data file in a source's folder, or in the design folder itself, is copied to `dest` under
    its name (as when you run iverilog in that folder) and under its design-relative path (as
    when you run it in the design folder). Copies, not links: a testbench that writes such a
    file must not change the user's original. Returns the design-relative names staged.
    """
    folders: list[Path] = []
    for src in sources:
        if src.parent not in folders:
            folders.append(src.parent)
    if workspace not in folders:
        folders.append(workspace)
    staged: list[str] = []
    budget = DATA_BUDGET_BYTES
    for folder in folders:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for f in entries:
            if f.suffix.lower() not in DATA_SUFFIXES or f.is_symlink() or not f.is_file():
                continue
            size = f.stat().st_size
            if size > budget:
                continue
            rel = f.relative_to(workspace)
            targets = {dest / f.name, dest / rel}
            for t in targets:
                if t.exists():
                    continue
                t.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, t)
                budget -= size
            staged.append(rel.as_posix())
    return staged
