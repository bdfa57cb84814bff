"""A chat session over one design folder, persisted so it can be resumed by id.

Messages and a readable transcript live in `<design>/runs/chat-<id>/`; file changes made
through `write_file` keep their previous versions in `.siliconcrew/history/`, which is what
/undo and /diff use.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import uuid
from pathlib import Path
from typing import Any

from siliconcrew.core.workspace import SCRATCH_DIR

SYSTEM = """You are the lead engineer of SiliconCrew, a chip-design team, talking with a hardware
engineer about the design in this folder. Answer briefly and precisely. You can call tools
(lint, simulate, synthesize, sta, equivalence, read_file, write_file) on the design's files;
paths are relative to the design folder. Say what you changed. For a full run to GDS the
engineer types /run."""


class ChatSession:
    def __init__(self, folder: Path, session_id: str | None = None) -> None:
        self.folder = folder.resolve()
        self.id = session_id or (
            _dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:4]
        )
        self.dir = self.folder / "runs" / f"chat-{self.id}"
        self.messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}]
        self.changes: list[dict[str, str]] = []  # {"file", "previous"} in order
        self.approve = "ask"
        if session_id is not None:
            state = self.dir / "session.json"
            if not state.is_file():
                from siliconcrew.core.errors import UserInputError

                raise UserInputError(
                    f"chat session '{session_id}' not found in {self.folder / 'runs'}",
                    "start a new one without --session",
                )
            data = json.loads(state.read_text())
            self.messages = data["messages"]
            self.changes = data.get("changes", [])
            self.approve = data.get("approve", "ask")
        self.dir.mkdir(parents=True, exist_ok=True)

    def save(self) -> Path:
        tmp = self.dir / "session.json.tmp"
        tmp.write_text(
            json.dumps(
                {
                    "id": self.id,
                    "messages": self.messages,
                    "changes": self.changes,
                    "approve": self.approve,
                },
                indent=1,
            )
        )
        tmp.replace(self.dir / "session.json")
        return self.dir / "session.json"

    def log(self, who: str, text: str) -> None:
        with (self.dir / "transcript.md").open("a") as fh:
            stamp = _dt.datetime.now().strftime("%H:%M:%S")
            fh.write(f"**{who}** ({stamp}):\n\n{text}\n\n")

    # -- file changes ---------------------------------------------------------------------------
    def record_change(self, artifacts: dict[str, str]) -> None:
        if artifacts.get("file"):
            self.changes.append(
                {"file": artifacts["file"], "previous": artifacts.get("previous", "")}
            )

    def undo(self) -> str:
        if not self.changes:
            return "nothing to undo"
        change = self.changes.pop()
        target = self.folder / change["file"]
        if change["previous"]:
            prev = self.folder / change["previous"]
            target.write_bytes(prev.read_bytes())
            msg = f"restored {change['file']} to its previous version"
        else:
            target.unlink(missing_ok=True)
            msg = f"removed {change['file']} (it was new)"
        self.save()
        return msg

    def diff(self) -> str:
        if not self.changes:
            return "no file changes in this session"
        change = self.changes[-1]
        now = (
            (self.folder / change["file"]).read_text(errors="replace").splitlines(True)
            if (self.folder / change["file"]).exists()
            else []
        )
        before = (
            (self.folder / change["previous"]).read_text(errors="replace").splitlines(True)
            if change["previous"]
            else []
        )
        return (
            "".join(difflib.unified_diff(before, now, f"a/{change['file']}", f"b/{change['file']}"))
            or "no difference"
        )

    def files(self) -> list[str]:
        out = []
        for p in sorted(self.folder.rglob("*")):
            rel = p.relative_to(self.folder)
            if p.is_file() and rel.parts[0] not in ("runs", SCRATCH_DIR):
                out.append(rel.as_posix())
        return out
