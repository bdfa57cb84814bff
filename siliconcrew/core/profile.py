"""Where a command's wall time goes: named spans timed with `time.perf_counter`, off by default.

`SILICONCREW_PROFILE=<file>` turns it on for one process: every `span(...)` (and `mark(...)`)
is recorded and the list is written to <file> as JSON when the process exits, with the wall
clock at the first import of `siliconcrew` (so a parent that noted when it started the process
can tell interpreter start-up from our own work) and the heavy packages the process imported.
`benchmarks/bench_harden.py` reads it. Off, a span costs one attribute check.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ENV = "SILICONCREW_PROFILE"
#: packages the plain `harden` path must not import (checked by the bench and the tests)
HEAVY = (
    "langgraph",
    "langchain",
    "langchain_core",
    "chromadb",
    "openai",
    "klayout",
    "networkx",
    "pyslang",
    "torch",
    "numpy",
    "onnxruntime",
    "sentence_transformers",
)

_path = os.environ.get(ENV) or None
_t0 = time.perf_counter()
_wall0 = time.time()
_spans: list[dict[str, Any]] = []


def enabled() -> bool:
    return _path is not None


@contextmanager
def span(name: str, **attrs: Any) -> Iterator[None]:
    """Time the block as `name` (start and end in seconds since the first siliconcrew import)."""
    if _path is None:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        end = time.perf_counter()
        _spans.append(
            {"name": name, "start": round(start - _t0, 4), "dur": round(end - start, 4), **attrs}
        )


def mark(name: str, **attrs: Any) -> None:
    """A point in time (duration 0), e.g. "command starts its work"."""
    if _path is not None:
        _spans.append(
            {"name": name, "start": round(time.perf_counter() - _t0, 4), "dur": 0.0, **attrs}
        )


def _dump() -> None:
    if _path is None:
        return
    loaded = sorted({m.split(".")[0] for m in sys.modules})
    data = {
        "wall_at_import": _wall0,
        "end": round(time.perf_counter() - _t0, 4),
        "spans": _spans,
        "heavy_imported": [m for m in HEAVY if m in loaded],
        "modules": len(sys.modules),
    }
    try:
        with open(_path, "w") as fh:
            json.dump(data, fh, indent=1)
    except OSError:
        pass


if _path is not None:
    atexit.register(_dump)
