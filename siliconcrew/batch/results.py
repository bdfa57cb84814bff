"""The batch's typed result: `model_dump()` is `siliconcrew batch --json`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: A design's status: ok (passed), failed (the design failed its checks or run), errored (no
#: result: no sandbox on the node, bad input, the task died past its retries), cancelled
#: (Ctrl-C came first).
STATUSES = ("ok", "failed", "errored", "cancelled")


class DesignOutcome(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    dir: str
    status: str
    run_id: str | None = None
    wall_s: float | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    failure: str | None = None
    run_dir: str | None = None
    report: str | None = None
    node: str | None = None
    attempts: int = 0
    input_hash: str = ""
    resumed: bool = False

    @property
    def complete(self) -> bool:
        """A result that stands for these inputs (a rerun would give the same): ok or failed,
        with its run folder present. errored and cancelled designs are run again."""
        from pathlib import Path

        return (
            self.status in ("ok", "failed")
            and self.run_dir is not None
            and Path(self.run_dir).is_dir()
        )


class BatchSummary(BaseModel):
    model_config = ConfigDict(extra="allow")

    ok: int = 0
    failed: int = 0
    errored: int = 0
    wall_s: float = 0.0
    cancelled: int = 0
    resumed: int = 0


class BatchResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    batch_id: str
    designs: list[DesignOutcome] = Field(default_factory=list)
    summary: BatchSummary = Field(default_factory=BatchSummary)
    mode: str = "check"
    page: str | None = None
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        """0 only when every design passed; 130 after Ctrl-C; else 1."""
        if self.interrupted:
            return 130
        return 0 if self.designs and all(d.status == "ok" for d in self.designs) else 1

    def summarize(self, wall_s: float) -> None:
        s = BatchSummary(wall_s=round(wall_s, 2))
        for d in self.designs:
            if d.status in ("ok", "failed", "errored", "cancelled"):
                setattr(s, d.status, getattr(s, d.status) + 1)
            s.resumed += int(d.resumed)
        self.summary = s
