"""Design files and run results as MCP resources.

For each design folder of the workspace (the workspace itself and its sub-folders one level
down, when they hold design.yaml): design.yaml, the spec, the RTL files, and the latest run's
results.json, report.html and layout PNG (an image: a blob with mime type image/png).
URIs are `siliconcrew://workspace/<path relative to the workspace>`; only a URI that is in
the current list can be read, and its path is confined to the workspace again when read.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import mcp_types as types

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.workspace import resolve_inside
from siliconcrew.mcp.flows import newest_run
from siliconcrew.mcp.secrets import redact

SCHEME = "siliconcrew://workspace/"
MIME = {
    ".yaml": "text/yaml",
    ".yml": "text/yaml",
    ".md": "text/markdown",
    ".v": "text/x-verilog",
    ".sv": "text/x-systemverilog",
    ".vh": "text/x-verilog",
    ".json": "application/json",
    ".html": "text/html",
    ".png": "image/png",
    ".txt": "text/plain",
}
MAX_BYTES = 4 * 1024 * 1024


def design_folders(workspace: Path) -> list[Path]:
    found = [workspace] if (workspace / "design.yaml").is_file() else []
    for sub in sorted(workspace.iterdir()):
        if (
            sub.is_dir()
            and not sub.is_symlink()
            and not sub.name.startswith(".")
            and (sub / "design.yaml").is_file()
        ):
            found.append(sub)
    return found


def _design_files(folder: Path) -> list[tuple[Path, str]]:
    import yaml

    files = [(folder / "design.yaml", "design.yaml")]
    try:
        doc = yaml.safe_load((folder / "design.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        doc = {}
    if not isinstance(doc, dict):
        doc = {}
    spec = doc.get("spec") or "spec.md"
    if isinstance(spec, str):
        files.append((folder / spec, "spec"))
    rtl = doc.get("rtl") or []
    for r in rtl if isinstance(rtl, list) else [rtl]:
        if isinstance(r, str):
            files.append((folder / r, "RTL"))
    run = newest_run(folder)
    if run is not None:
        files.append((run / "results.json", f"latest run {run.name}: results"))
        files.append((run / "report.html", f"latest run {run.name}: HTML report"))
        png = _layout_png(run)
        if png is not None:
            files.append((png, f"latest run {run.name}: layout picture"))
    return files


def _layout_png(run: Path) -> Path | None:
    try:
        data = json.loads((run / "results.json").read_text())
        png = ((data.get("harden") or {}).get("artifacts") or {}).get("png") or (
            data.get("artifacts") or {}
        ).get("png")
    except (OSError, ValueError, AttributeError):
        png = None
    if isinstance(png, str) and Path(png).is_file():
        return Path(png)
    found = sorted(run.rglob("*.png"))
    return found[0] if found else None


def _entries(workspace: Path) -> dict[str, tuple[Path, str, str]]:
    """uri -> (host path, name, description) of every file served now."""
    out: dict[str, tuple[Path, str, str]] = {}
    for folder in design_folders(workspace):
        for path, what in _design_files(folder):
            try:
                host = resolve_inside(workspace, path)
            except UserInputError:
                continue  # missing, or outside the workspace (a symlink out): not served
            if not host.is_file():
                continue
            rel = host.relative_to(workspace).as_posix()
            design = folder.relative_to(workspace).as_posix()
            out[SCHEME + rel] = (host, rel, f"{what} of design '{design}'")
    return out


def list_resources(workspace: Path) -> list[types.Resource]:
    return [
        types.Resource(
            uri=uri,
            name=name,
            description=desc,
            mime_type=MIME.get(path.suffix.lower(), "text/plain"),
            size=path.stat().st_size,
        )
        for uri, (path, name, desc) in _entries(workspace).items()
    ]


def read_resource(
    workspace: Path, uri: str, secrets: list[str]
) -> list[types.TextResourceContents | types.BlobResourceContents]:
    from mcp.shared.exceptions import MCPError

    entry = _entries(workspace).get(uri)
    if entry is None:
        raise MCPError(
            code=types.INVALID_PARAMS,
            message=f"unknown resource '{uri}': see resources/list (design files "
            "and the latest run's results of this workspace only)",
        )
    path = resolve_inside(workspace, entry[0])
    mime = MIME.get(path.suffix.lower(), "text/plain")
    data = path.read_bytes()[:MAX_BYTES]
    if mime == "image/png":
        return [
            types.BlobResourceContents(
                uri=uri, mime_type=mime, blob=base64.b64encode(data).decode()
            )
        ]
    text = redact(data.decode("utf-8", errors="replace"), secrets)
    return [types.TextResourceContents(uri=uri, mime_type=mime, text=text)]
