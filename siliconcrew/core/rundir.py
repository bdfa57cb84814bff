"""`runs/<run_id>/` inside a design folder: manifest, append-only trace, results.

Everything a run produces lands here so a crash loses nothing already done and a run can be
audited later: which tool versions, which image, which inputs, what happened in what order.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

from siliconcrew import __version__
from siliconcrew.core.workspace import make_writable_dir

PINNED_PACKAGES = (
    "typer",
    "rich",
    "pydantic",
    "pyyaml",
    "docker",
    "openai",
    "langgraph",
    "chromadb",
    "klayout",
)

# One shell line printing each EDA tool's version; run once per run inside the sandbox.
VERSION_PROBE = (
    "for t in iverilog verilator yosys sta; do "
    'command -v $t >/dev/null || echo "$t: missing"; done; '
    'echo "iverilog: $(iverilog -V 2>&1 | head -n1)"; '
    'echo "verilator: $(verilator --version 2>&1 | head -n1)"; '
    'echo "yosys: $(yosys -V 2>&1 | head -n1)"; '
    "echo \"sta: $(dpkg-query -W -f='${Version}' opensta 2>/dev/null || echo unknown)\"; "
    "echo \"qflow: $(dpkg-query -W -f='${Version}' qflow 2>/dev/null || echo missing)\"; "
    "echo \"magic: $(dpkg-query -W -f='${Version}' magic 2>/dev/null || echo missing)\"; "
    "echo \"netgen-lvs: $(dpkg-query -W -f='${Version}' netgen-lvs 2>/dev/null || echo missing)\"; "
    'echo "qflow-tech-osu018: '
    "$(dpkg-query -W -f='${Version}' qflow-tech-osu018 2>/dev/null || echo missing)\""
)


def new_run_id() -> str:
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:4]


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PINNED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def parse_version_probe(text: str) -> dict[str, str]:
    versions = {}
    for line in text.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            versions[k.strip()] = v.strip()
    return versions


class RunDir:
    def __init__(self, design_dir: Path, run_id: str | None = None) -> None:
        self.run_id = run_id or new_run_id()
        self.path = design_dir / "runs" / self.run_id
        # A read-only design folder is bad input (one line, exit 2), not an OSError traceback.
        make_writable_dir(self.path, design_dir)
        self.trace_path = self.path / "trace.jsonl"

    def event(self, event: str, **data: Any) -> None:
        """Append one event; flushed and fsynced so a crash keeps everything before it."""
        rec = {
            "ts": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds"),
            "event": event,
            **data,
        }
        with self.trace_path.open("a") as fh:
            fh.write(json.dumps(rec, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def write_json(self, name: str, data: Any) -> Path:
        """Write atomically (tmp + rename): a crash never leaves a half-written file."""
        target = self.path / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
        tmp.replace(target)
        return target

    def manifest(
        self, *, design: dict, sandbox: dict, tool_versions: dict, extra: dict | None = None
    ) -> Path:
        return self.write_json(
            "manifest.json",
            {
                "run_id": self.run_id,
                "siliconcrew": __version__,
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "packages": package_versions(),
                "design": design,
                "sandbox": sandbox,
                "tool_versions": tool_versions,
                **(extra or {}),
            },
        )
