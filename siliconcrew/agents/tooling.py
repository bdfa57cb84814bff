"""Registry tools offered to the LLM: each call validated and confined like any other call."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from siliconcrew.agents.llm import ToolSpec
from siliconcrew.tools.base import ToolContext
from siliconcrew.tools.registry import Registry, execute


def llm_tool_name(name: str) -> str:
    """The name a model may call: OpenAI accepts only [A-Za-z0-9_-]{1,64} as a function name,
    so an external tool `lab.parity` is offered as `lab__parity`."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name.replace(".", "__"))[:64]


def tool_specs(
    registry: Registry,
    ctx: ToolContext,
    names: Iterable[str] | None = None,
    *,
    agent: str | None = None,
    approve: Callable[[str, dict], bool] | None = None,
) -> list[ToolSpec]:
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
                return {
                    "ok": False,
                    "failure": "input",
                    "summary": f"{_tool.name} declined by the engineer",
                }
            # Untrusted arguments: execute() validates them and refuses paths outside the
            # workspace, returning the refusal as data the model can read.
            return execute(_tool, args, ctx).model_dump(
                include={"ok", "summary", "diagnostics", "artifacts", "metrics", "failure"}
            )

        offered = llm_tool_name(tool.name)
        specs.append(
            ToolSpec(
                name=offered,
                description=tool.description,
                parameters=schema,
                handler=handler,
                label=tool.name if offered != tool.name else None,
            )
        )
    return specs
