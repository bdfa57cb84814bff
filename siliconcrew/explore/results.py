"""The exploration's typed result: `model_dump()` is `siliconcrew explore --json`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Trial(BaseModel):
    """One harden run of one config. `status`: ok (clean flow, every figure present) or
    failed (with `failure`); `resumed`: taken from an earlier run's cache, not run again."""

    model_config = ConfigDict(extra="allow")

    id: str
    config: dict[str, Any] = Field(default_factory=dict)
    status: str
    metrics: dict[str, Any] = Field(default_factory=dict)
    failure: str | None = None
    baseline: bool = False
    run_id: str | None = None
    run_dir: str | None = None
    wall_s: float | None = None
    node: str | None = None
    resumed: bool = False


class Best(BaseModel):
    config: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    run_dir: str | None = None
    trial: str
    is_baseline: bool = False
    snippet: str = ""


class Baseline(BaseModel):
    config: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    status: str = "failed"
    failure: str | None = None
    run_dir: str | None = None


class Summary(BaseModel):
    ok: int = 0
    failed: int = 0
    resumed: int = 0
    wall_s: float = 0.0


class ExploreResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    explore_id: str
    design: str
    objective: str
    search: str
    samples: int
    space: dict[str, Any] = Field(default_factory=dict)
    best: Best | None = None
    baseline: Baseline | None = None
    trials: list[Trial] = Field(default_factory=list)
    pareto: list[str] = Field(default_factory=list)
    artifacts: dict[str, str | None] = Field(default_factory=dict)
    summary: Summary = Field(default_factory=Summary)
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        """0 when a counted (ok) trial exists; 130 after Ctrl-C; else 1."""
        if self.interrupted:
            return 130
        return 0 if self.best is not None else 1
