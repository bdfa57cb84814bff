"""The LLM client: the real `openai` client against any OpenAI-compatible endpoint.

What it adds to the library (which already retries 429/5xx/timeouts with backoff, honouring
Retry-After): per-agent models, token and cost accounting per agent and per run, budget caps
that stop a run cleanly, a function-calling loop over our tools in which a malformed tool call
is answered back to the model as an error (not a crash), streaming for chat, and a trace of
every call (model, tokens, latency; full prompt/response in a file of its own).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.agents.llm_config import LLMSettings
from siliconcrew.core.errors import SiliconCrewError


class LLMError(SiliconCrewError):
    """The endpoint failed after the retry budget (or refused the request)."""


class BudgetExceeded(SiliconCrewError):
    """A --max-tokens / --max-cost cap was reached; the run stops with status budget_exceeded."""


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, other: "Usage") -> None:
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost_usd += other.cost_usd

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": round(self.cost_usd, 6),
        }


@dataclass
class Budget:
    max_tokens: int | None = None
    max_cost_usd: float | None = None

    def check(self, used: Usage) -> None:
        if self.max_tokens is not None and used.total_tokens >= self.max_tokens:
            raise BudgetExceeded(
                f"token budget reached ({used.total_tokens} >= {self.max_tokens})",
                "raise --max-tokens or resume with a larger budget",
            )
        if self.max_cost_usd is not None and used.cost_usd >= self.max_cost_usd:
            raise BudgetExceeded(
                f"cost budget reached (${used.cost_usd:.4f} >= ${self.max_cost_usd:.4f})",
                "raise --max-cost or resume with a larger budget",
            )


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str
    error: str | None = None  # set when the arguments are not a JSON object


@dataclass
class LLMReply:
    content: str
    tool_calls: list[ToolCall]
    usage: Usage
    model: str
    latency_s: float
    finish_reason: str | None = None


@dataclass
class ToolSpec:
    """A tool offered to the model: schema plus the function that runs it."""

    name: str  # as the model sees it: [A-Za-z0-9_-]{1,64} (OpenAI's rule)
    description: str
    parameters: dict[str, Any]
    handler: Callable[[dict[str, Any]], Any]
    label: str | None = None  # the registry's name when it differs (`lab.parity`)

    def as_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


@dataclass
class ToolLoopResult:
    content: str
    messages: list[dict[str, Any]]
    steps: int
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = "answer"  # "answer" | "max_steps"


TraceFn = Callable[..., None]


def _parse_arguments(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """Tool-call arguments as a dict, or (None, why) — answered back to the model, not raised."""
    try:
        args = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        return None, f"arguments are not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(args, dict):
        return None, "arguments must be a JSON object"
    return args, None


class LLMClient:
    def __init__(
        self,
        settings: LLMSettings,
        *,
        budget: Budget | None = None,
        trace: TraceFn | None = None,
        log_dir: Path | None = None,
    ) -> None:
        import openai

        if not settings.configured:
            raise LLMError(
                "no LLM endpoint configured",
                "set OPENAI_BASE_URL (or OPENAI_API_KEY) and SILICONCREW_MODEL",
            )
        self.settings = settings
        self.budget = budget or Budget()
        self.trace = trace
        self.log_dir = log_dir
        self.usage = Usage()
        self.usage_by_agent: dict[str, Usage] = {}
        self._lock = threading.Lock()
        self._seq = 0
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self._openai = openai
        self.client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=key,
            max_retries=settings.max_retries,
            timeout=settings.timeout_s,
        )

    # -- accounting -----------------------------------------------------------------------------
    def _account(self, agent: str, model: str, prompt: int, completion: int) -> Usage:
        price = self.settings.price_for(model)
        u = Usage(
            1, prompt, completion, (prompt * price.prompt + completion * price.completion) / 1e6
        )
        with self._lock:
            self.usage.add(u)
            self.usage_by_agent.setdefault(agent, Usage()).add(u)
        return u

    def _record(
        self,
        agent: str,
        model: str,
        request: dict,
        reply: dict,
        usage: Usage,
        latency: float,
        error: str | None = None,
    ) -> None:
        with self._lock:
            self._seq += 1
            seq = self._seq
        log_file = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log_file = self.log_dir / f"{seq:04d}-{agent}.json"
            log_file.write_text(
                json.dumps(
                    {
                        "agent": agent,
                        "model": model,
                        "request": request,
                        "reply": reply,
                        "error": error,
                    },
                    indent=1,
                    default=str,
                )
            )
        if self.trace:
            self.trace(
                "llm_call",
                agent=agent,
                model=model,
                seq=seq,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cost_usd=round(usage.cost_usd, 6),
                latency_s=round(latency, 3),
                error=error,
                log=str(log_file) if log_file else None,
            )

    # -- calls ------------------------------------------------------------------------------------
    def chat(
        self,
        agent: str,
        messages: list[dict[str, Any]],
        *,
        tools: list[ToolSpec] | None = None,
        stream: bool = False,
        on_delta: Callable[[str], None] | None = None,
        temperature: float | None = None,
    ) -> LLMReply:
        """One completion. Streams text to `on_delta` when `stream` (no tools then)."""
        return self._complete(
            agent, messages, tools=tools, stream=stream, on_delta=on_delta, temperature=temperature
        )[0]

    def chat_n(
        self,
        agent: str,
        messages: list[dict[str, Any]],
        n: int,
        *,
        temperature: float | None = None,
    ) -> list[LLMReply]:
        """`n` answers to one prompt at `temperature` (default: the candidate temperature):
        one request with `n` when the endpoint honours it, else the missing answers as
        separate requests in parallel, each checked against the budget before it is sent."""
        from concurrent.futures import ThreadPoolExecutor

        temp = self.settings.candidate_temperature if temperature is None else temperature
        if n <= 1:
            return [self.chat(agent, messages, temperature=temp)]
        try:
            replies = self._complete(agent, messages, temperature=temp, n=n)
        except LLMError:
            replies = []  # e.g. a 400 for `n`: ask one at a time below
        missing = n - len(replies)
        if missing > 0:
            if self.trace:
                self.trace(
                    "llm_note",
                    agent=agent,
                    message=f"endpoint gave {len(replies)} of "
                    f"{n} answers to one request: {missing} more requests",
                )
            with ThreadPoolExecutor(max_workers=min(missing, 4)) as pool:
                more = list(
                    pool.map(lambda _: self.chat(agent, messages, temperature=temp), range(missing))
                )
            replies += more
        return replies[:n]

    def _complete(
        self,
        agent: str,
        messages: list[dict[str, Any]],
        *,
        tools: list[ToolSpec] | None = None,
        stream: bool = False,
        on_delta: Callable[[str], None] | None = None,
        temperature: float | None = None,
        n: int = 1,
    ) -> list[LLMReply]:
        self.budget.check(self.usage)
        model = self.settings.model_for(agent)
        request: dict[str, Any] = {"model": model, "messages": messages}
        temp = self.settings.temperature if temperature is None else temperature
        if temp is not None:
            request["temperature"] = temp
        if n > 1:
            request["n"] = n
        if tools:
            request["tools"] = [t.as_openai() for t in tools]
        start = time.perf_counter()
        try:
            if stream:
                choices = [self._stream(request, on_delta)]
            else:
                resp = self.client.chat.completions.create(**request)
                choices = [self._parse(resp, i) for i in range(max(1, len(resp.choices or [])))]
        except self._openai.APIStatusError as exc:
            latency = time.perf_counter() - start
            self._record(agent, model, request, {}, Usage(), latency, error=str(exc))
            raise LLMError(
                f"LLM endpoint error {exc.status_code} after "
                f"{self.settings.max_retries} retries: {exc.message}"[:300],
                "check the endpoint and model name, or try again later",
            ) from exc
        except self._openai.APIConnectionError as exc:  # includes timeouts
            latency = time.perf_counter() - start
            self._record(agent, model, request, {}, Usage(), latency, error=str(exc))
            raise LLMError(
                f"cannot reach the LLM endpoint {self.settings.base_url}: {type(exc).__name__}",
                "check OPENAI_BASE_URL and that the server is up",
            ) from exc
        latency = time.perf_counter() - start
        first = choices[0]
        usage = self._account(agent, model, first["prompt_tokens"], first["completion_tokens"])
        self._record(agent, model, request, first["raw"], usage, latency)
        return [
            LLMReply(
                content=c["content"],
                tool_calls=c["tool_calls"],
                usage=usage,
                model=model,
                latency_s=latency,
                finish_reason=c["finish_reason"],
            )
            for c in choices
        ]

    def _parse(self, resp, index: int = 0) -> dict[str, Any]:
        """Choice `index` of a response (usage and the raw reply are the whole response's)."""
        choice = resp.choices[index] if len(resp.choices or []) > index else None
        msg = choice.message if choice else None
        calls: list[ToolCall] = []
        for tc in (msg.tool_calls or []) if msg else []:
            raw = tc.function.arguments or ""
            args, err = _parse_arguments(raw)
            calls.append(ToolCall(tc.id, tc.function.name, args, raw, err))
        usage = resp.usage
        return {
            "content": (msg.content or "") if msg else "",
            "tool_calls": calls,
            "finish_reason": choice.finish_reason if choice else None,
            "prompt_tokens": usage.prompt_tokens if usage else 0,
            "completion_tokens": usage.completion_tokens if usage else 0,
            "raw": resp.model_dump(),
        }

    def _stream(self, request: dict, on_delta) -> dict[str, Any]:
        """Stream text to `on_delta`; tool calls arrive as fragments and are assembled."""
        parts: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        prompt = completion = 0
        finish = None
        stream = self.client.chat.completions.create(
            **request, stream=True, stream_options={"include_usage": True}
        )
        for chunk in stream:
            if chunk.usage:
                prompt, completion = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
            for choice in chunk.choices or []:
                delta = choice.delta
                text = delta.content if delta else None
                if text:
                    parts.append(text)
                    if on_delta:
                        on_delta(text)
                for tc in (delta.tool_calls or []) if delta else []:
                    slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
                finish = choice.finish_reason or finish
        content = "".join(parts)
        tool_calls = []
        for _, c in sorted(calls.items()):
            args, err = _parse_arguments(c["arguments"])
            tool_calls.append(ToolCall(c["id"], c["name"], args, c["arguments"], err))
        return {
            "content": content,
            "tool_calls": tool_calls,
            "finish_reason": finish,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "raw": {
                "content": content,
                "streamed": True,
                "tool_calls": [dict(c) for c in calls.values()],
            },
        }

    # -- function calling ---------------------------------------------------------------------
    def run_tools(
        self,
        agent: str,
        messages: list[dict[str, Any]],
        tools: list[ToolSpec],
        *,
        max_steps: int = 8,
        stream: bool = False,
        on_delta: Callable[[str], None] | None = None,
        on_tool: Callable[[str, dict[str, Any] | None, str], None] | None = None,
    ) -> ToolLoopResult:
        """Let the model call tools until it answers in text (or max_steps).

        `on_tool(name, arguments, result)` is called as each call completes (chat shows them
        live); with `stream`, text is passed to `on_delta` as it arrives."""
        by_name = {t.name: t for t in tools}
        msgs = list(messages)
        record: list[dict[str, Any]] = []
        for step in range(1, max_steps + 1):
            reply = self.chat(agent, msgs, tools=tools, stream=stream, on_delta=on_delta)
            if not reply.tool_calls:
                msgs.append({"role": "assistant", "content": reply.content})
                return ToolLoopResult(reply.content, msgs, step, record)
            msgs.append(
                {
                    "role": "assistant",
                    "content": reply.content or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": c.raw_arguments},
                        }
                        for c in reply.tool_calls
                    ],
                }
            )
            for call in reply.tool_calls:
                result = self._run_one(call, by_name)
                record.append(
                    {
                        "name": call.name,
                        "arguments": call.arguments,
                        "error": call.error,
                        "result": result[:2000],
                    }
                )
                spec = by_name.get(call.name)
                shown = (spec.label if spec is not None and spec.label else None) or call.name
                if self.trace:
                    self.trace(
                        "agent_tool_call",
                        agent=agent,
                        tool=shown,
                        arguments=call.arguments,
                        error=call.error,
                    )
                if on_tool:
                    on_tool(shown, call.arguments, result)
                msgs.append({"role": "tool", "tool_call_id": call.id, "content": result})
        return ToolLoopResult("", msgs, max_steps, record, stopped="max_steps")

    @staticmethod
    def _run_one(call: ToolCall, by_name: dict[str, ToolSpec]) -> str:
        if call.name not in by_name:
            return json.dumps(
                {"error": f"unknown tool '{call.name}'", "known_tools": sorted(by_name)}
            )
        if call.error:
            return json.dumps(
                {
                    "error": f"{call.name}: {call.error}; resend the call with "
                    "valid JSON arguments matching the schema"
                }
            )
        try:
            out = by_name[call.name].handler(call.arguments or {})
        except SiliconCrewError as exc:
            return json.dumps({"error": exc.one_line()})
        if hasattr(out, "model_dump"):
            out = out.model_dump()
        return out if isinstance(out, str) else json.dumps(out, default=str)
