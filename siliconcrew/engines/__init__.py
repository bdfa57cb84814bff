"""Flow engines: one interface (`FlowEngine`), several back ends (`qflow`, `librelane`)."""

from __future__ import annotations

from siliconcrew.core.names import engine_name


def get_engine(name: str):
    name = engine_name(name)
    if name == "qflow":
        from siliconcrew.engines.qflow import QflowEngine

        return QflowEngine()
    from siliconcrew.engines.librelane import LibreLaneEngine

    return LibreLaneEngine()


__all__ = ["get_engine"]
