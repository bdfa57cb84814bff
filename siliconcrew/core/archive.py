"""A design folder as bytes, and what identifies its inputs.

No shared filesystem is assumed by the Ray front doors (`batch`, `explore`): a design folder
goes to its worker as a tar archive (bytes in Ray's object store) and the run folder comes
back the same way. Output folders (`runs/`, `batches/`, `explore/`) never travel and never
count in the input hash. Here (below both front doors) so they share one implementation."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

#: Folders of a design that are outputs, not inputs: not sent, not hashed.
SKIP_DIRS = {"runs", "batches", "explore", "__pycache__", ".git"}
#: Text files of a returned run folder whose worker paths are rewritten to the driver's.
REWRITE_SUFFIXES = {".json", ".jsonl", ".html", ".md", ".txt"}
REWRITE_MAX_BYTES = 8 * 1024 * 1024


def input_files(folder: Path) -> list[Path]:
    """The design's input files, in a stable order (output folders left out)."""
    files: list[Path] = []
    for root, dirs, names in os.walk(folder):
        rel_root = Path(root).relative_to(folder)
        dirs[:] = sorted(
            d for d in dirs if not (rel_root == Path(".") and d in SKIP_DIRS) and d != "__pycache__"
        )
        files.extend(Path(root) / n for n in sorted(names))
    return files


def input_hash(folder: Path, salt: str = "", skip: set[str] | None = None) -> str:
    """sha256 over the design's input files (relative names and contents) and `salt` (the
    options that change a result, e.g. the mode). `skip`: relative names left out (a caller
    that hashes one of them its own way, e.g. design.yaml without its `explore:` section)."""
    h = hashlib.sha256(salt.encode())
    for f in input_files(folder):
        rel = str(f.relative_to(folder))
        if skip and rel in skip:
            continue
        h.update(rel.encode() + b"\0")
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
            for f in input_files(folder):
                tar.add(f, arcname=str(f.relative_to(folder)), recursive=False)
    return buf.getvalue()


def unpack(data: bytes, dest: Path) -> None:
    """Unpack an archive made by `pack` into `dest` (members outside `dest` are refused)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")


def rewrite_paths(run_dir: Path, old: str, new: str) -> None:
    """Run folders name their files by absolute path: the worker's scratch folder becomes the
    folder the run was unpacked under on the driver."""
    for f in run_dir.rglob("*"):
        if (
            f.suffix in REWRITE_SUFFIXES
            and f.is_file()
            and not f.is_symlink()
            and f.stat().st_size <= REWRITE_MAX_BYTES
        ):
            try:
                text = f.read_text()
            except (UnicodeDecodeError, OSError):
                continue
            if old in text:
                f.write_text(text.replace(old, new))
