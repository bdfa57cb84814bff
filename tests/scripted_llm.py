"""A local OpenAI-compatible HTTP server with scripted replies, for tests.

The real `openai` client talks to it over HTTP on 127.0.0.1. Each POST to
/v1/chat/completions takes the next scripted step:
  {"content": "..."}                       a plain assistant message
  {"tool_calls": [{"name": ..., "arguments": "<json text>"}]}   (arguments may be malformed)
  {"status": 429} / {"status": 500}        an error reply (the client retries)
  {"delay": 2.0, ...}                      sleep first (timeouts)
  a callable(request_json) -> step         to answer based on the request
Streaming requests (`stream: true`) get the same content as server-sent events.
A request with `n` > 1 gets one choice (as servers that ignore `n` do) unless `honour_n` is
set: then n steps are taken and returned as n choices.
Every request body is kept in `requests` so tests can check what the client sent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Step = dict[str, Any] | Callable[[dict], dict[str, Any]]


def _usage(req: dict, text: str) -> dict:
    prompt = sum(len(str(m.get("content") or "")) for m in req.get("messages", [])) // 4 + 1
    completion = len(text) // 4 + 1
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


class ScriptedLLM:
    def __init__(self, script: list[Step] | None = None, model: str = "scripted-model") -> None:
        self.script: list[Step] = list(script or [])
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.model = model
        self.default: Step | None = None  # used when the script runs out
        self.honour_n = False  # answer `n` > 1 with n choices (else one, like many servers)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # /v1/models
                self._json(
                    200, {"object": "list", "data": [{"id": server.model, "object": "model"}]}
                )

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                req = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(req)
                    server.headers.append(dict(self.headers))
                    step = server.script.pop(0) if server.script else server.default
                    extra: list[Step | None] = []
                    if server.honour_n and int(req.get("n") or 1) > 1:
                        extra = [
                            server.script.pop(0) if server.script else server.default
                            for _ in range(int(req["n"]) - 1)
                        ]
                if step is None:
                    self._json(500, {"error": {"message": "script exhausted"}})
                    return
                if callable(step):
                    step = step(req)
                if step.get("delay"):
                    time.sleep(step["delay"])
                if step.get("status", 200) != 200:
                    self._json(
                        step["status"],
                        {"error": {"message": step.get("message", "err"), "type": "scripted"}},
                    )
                    return
                more = [(s(req) if callable(s) else s) or {} for s in extra]
                if req.get("stream"):
                    self._stream(req, step)
                else:
                    self._json(200, server._completion(req, step, more))

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, req: dict, step: dict) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                cid = "chatcmpl-" + uuid.uuid4().hex[:8]
                text = step.get("content") or ""
                for i, tc in enumerate(step.get("tool_calls") or []):
                    args = (
                        tc["arguments"]
                        if isinstance(tc["arguments"], str)
                        else json.dumps(tc["arguments"])
                    )
                    half = len(args) // 2  # arguments arrive in two fragments, as real servers do
                    first = {
                        "index": i,
                        "id": tc.get("id") or f"call_{i}",
                        "type": "function",
                        "function": {"name": tc["name"], "arguments": args[:half]},
                    }
                    second = {"index": i, "function": {"arguments": args[half:]}}
                    for frag in (first, second):
                        self._event(
                            {
                                "id": cid,
                                "object": "chat.completion.chunk",
                                "created": 0,
                                "model": server.model,
                                "choices": [
                                    {
                                        "index": 0,
                                        "delta": {"tool_calls": [frag]},
                                        "finish_reason": None,
                                    }
                                ],
                            }
                        )
                pieces = [text[i : i + 7] for i in range(0, len(text), 7)] or [""]
                for i, piece in enumerate(pieces):
                    delta = {"content": piece}
                    if i == 0:
                        delta["role"] = "assistant"
                    self._event(
                        {
                            "id": cid,
                            "object": "chat.completion.chunk",
                            "created": 0,
                            "model": server.model,
                            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                        }
                    )
                self._event(
                    {
                        "id": cid,
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": server.model,
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                    }
                )
                self._event(
                    {
                        "id": cid,
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": server.model,
                        "choices": [],
                        "usage": _usage(req, text),
                    }
                )
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _event(self, obj: dict) -> None:
                self.wfile.write(b"data: " + json.dumps(obj).encode() + b"\n\n")
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _completion(self, req: dict, step: dict, more: list[dict] | None = None) -> dict:
        out = self._one_completion(req, step)
        for i, extra in enumerate(more or [], 1):
            choice = self._one_completion(req, extra)["choices"][0]
            choice["index"] = i
            out["choices"].append(choice)
        return out

    def _one_completion(self, req: dict, step: dict) -> dict:
        message: dict[str, Any] = {"role": "assistant", "content": step.get("content")}
        finish = "stop"
        if step.get("tool_calls"):
            message["tool_calls"] = [
                {
                    "id": tc.get("id") or "call_" + uuid.uuid4().hex[:8],
                    "type": "function",
                    "function": {
                        "name": tc["name"],
                        "arguments": tc["arguments"]
                        if isinstance(tc["arguments"], str)
                        else json.dumps(tc["arguments"]),
                    },
                }
                for tc in step["tool_calls"]
            ]
            finish = "tool_calls"
        text = (step.get("content") or "") + json.dumps(step.get("tool_calls") or "")
        return {
            "id": "chatcmpl-" + uuid.uuid4().hex[:8],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.get("model", self.model),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": step.get("usage") or _usage(req, text),
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ScriptedLLM":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
