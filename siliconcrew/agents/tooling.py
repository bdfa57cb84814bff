"""Registry tools offered to the LLM: each call validated and confined like any other call."""

from __future__ import annotations

from collections.abc import Iterable

from siliconcrew.agents.llm import ToolSpec
from siliconcrew.tools.base import ToolContext
from siliconcrew.tools.registry import Registry, execute


def tool_specs(registry: Registry, ctx: ToolContext,
               names: Iterable[str] | None = None) -> list[ToolSpec]:
    chosen = list(names) if names is not None else sorted(registry.tools)
    specs = []
    for name in chosen:
        tool = registry.get(name)
        schema = tool.input_model.model_json_schema()

        def handler(args, _tool=tool):
            # Untrusted arguments: execute() validates them and refuses paths outside the
            # workspace, returning the refusal as data the model can read.
            return execute(_tool, args, ctx).model_dump(
                include={"ok", "summary", "diagnostics", "artifacts", "metrics", "failure"})

        specs.append(ToolSpec(name=tool.name, description=tool.description, parameters=schema,
                              handler=handler))
    return specs
