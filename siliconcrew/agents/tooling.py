"""Registry tools offered to the LLM: each call validated and confined like any other call."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from siliconcrew.agents.llm import ToolSpec
from siliconcrew.tools.base import ToolContext
from siliconcrew.tools.registry import Registry, execute


def tool_specs(registry: Registry, ctx: ToolContext, names: Iterable[str] | None = None, *,
               agent: str | None = None,
               approve: Callable[[str, dict], bool] | None = None) -> list[ToolSpec]:
    """Tools for an agent: `names` (default all), filtered by each tool's `agents` list; a
    tool that changes files runs only if `approve(name, args)` says yes (when given)."""
    chosen = list(names) if names is not None else sorted(registry.tools)
    specs = []
    for name in chosen:
        tool = registry.get(name)
        if agent is not None and tool.agents is not None and agent not in tool.agents:
            continue
        schema = tool.input_model.model_json_schema()

        def handler(args, _tool=tool):
            if approve is not None and not _tool.read_only and not approve(_tool.name, args):
                return {"ok": False, "failure": "input",
                        "summary": f"{_tool.name} declined by the engineer"}
            # Untrusted arguments: execute() validates them and refuses paths outside the
            # workspace, returning the refusal as data the model can read.
            return execute(_tool, args, ctx).model_dump(
                include={"ok", "summary", "diagnostics", "artifacts", "metrics", "failure"})

        specs.append(ToolSpec(name=tool.name, description=tool.description, parameters=schema,
                              handler=handler))
    return specs
