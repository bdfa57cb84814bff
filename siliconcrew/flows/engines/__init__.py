"""Flow engines: one interface (`FlowEngine`), several back ends (qflow `local`, `librelane`)."""

from __future__ import annotations

from siliconcrew.errors import UserInputError

ENGINES = ("local", "librelane")


def get_engine(name: str):
    if name == "local":
        from siliconcrew.flows.engines.qflow import QflowEngine

        return QflowEngine()
    if name == "librelane":
        from siliconcrew.flows.engines.librelane import LibreLaneEngine

        return LibreLaneEngine()
    raise UserInputError(f"unknown flow engine '{name}'", f"use one of: {', '.join(ENGINES)}")
