"""Which designs a batch runs, what identifies their inputs, and how a folder travels.

No shared filesystem is assumed: a design folder goes to its worker as a tar archive (bytes in
Ray's object store) and the run folder comes back the same way. `runs/` and `batches/` never
travel and never count in the input hash."""

from __future__ import annotations

import glob
import hashlib
import io
import os
import tarfile
from pathlib import Path

from siliconcrew.core.errors import UserInputError

#: Folders of a design that are outputs, not inputs: not sent, not hashed.
SKIP_DIRS = {"runs", "batches", "__pycache__", ".git"}


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


def _input_files(folder: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirs, names in os.walk(folder):
        rel_root = Path(root).relative_to(folder)
        dirs[:] = sorted(
            d for d in dirs if not (rel_root == Path(".") and d in SKIP_DIRS) and d != "__pycache__"
        )
        files.extend(Path(root) / n for n in sorted(names))
    return files


def input_hash(folder: Path, salt: str = "") -> str:
    """sha256 over the design's input files (relative names and contents) and `salt` (the
    batch options that change a result, e.g. the mode)."""
    h = hashlib.sha256(salt.encode())
    for f in _input_files(folder):
        h.update(str(f.relative_to(folder)).encode() + b"\0")
        h.update(f.read_bytes() if not f.is_symlink() else os.readlink(f).encode())
        h.update(b"\0")
    return h.hexdigest()


def pack(folder: Path, only: Path | None = None) -> bytes:
    """gzip tar of the design's inputs (or of the sub-folder `only`, whole), names relative."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=3) as tar:
        if only is not None:
            tar.add(only, arcname=str(only.relative_to(folder)))
        else:
            for f in _input_files(folder):
                tar.add(f, arcname=str(f.relative_to(folder)), recursive=False)
    return buf.getvalue()


def unpack(data: bytes, dest: Path) -> None:
    """Unpack an archive made by `pack` into `dest` (members outside `dest` are refused)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
