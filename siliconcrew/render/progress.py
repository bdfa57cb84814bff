"""Progress callbacks: the running step in a spinner, finished steps as lines.

A state "progress: <text>" is a long stage's heartbeat (elapsed time, the newest log line):
it goes into the spinner next to the step, never onto its own line."""

from __future__ import annotations

from rich.console import Console

HEARTBEAT = "progress: "


def step_printer(err: Console, status, name: str):
    """For `check` (checks and hardening): `name: step…` in the spinner, `  step: state`."""

    def progress(step: str, state: str) -> None:
        if state == "running":
            status.update(f"{name}: {step}…")
        elif state.startswith(HEARTBEAT):
            status.update(f"{name}: {step}… {state[len(HEARTBEAT) :]}")
        else:
            err.print(f"  {step}: {state}")

    return progress


def stage_printer(err: Console, status, name: str = "hardening"):
    """For `harden`: stage outcomes coloured (ok, failed, cached)."""

    def progress(stage: str, state: str) -> None:
        if state == "running":
            status.update(f"{name}: {stage}…")
        elif state.startswith(HEARTBEAT):
            status.update(f"{name}: {stage}… {state[len(HEARTBEAT) :]}")
        else:
            color = {"ok": "green", "failed": "red", "cached": "cyan"}.get(state, "dim")
            err.print(f"  {stage:11s} [{color}]{state}[/]")

    return progress


def node_printer(con: Console):
    """For `run` and chat's /run: one line per finished graph node."""

    def progress(node: str, outcome: str) -> None:
        con.print(f"  [bold]{node:10s}[/] {outcome}", soft_wrap=True)

    return progress
