"""Shared fixtures: real sandboxes (docker and local), a copy of the counter example.

Docker tests need the daemon and the EDA image (`make test` sets both up). They are skipped
when absent, except with SILICONCREW_REQUIRE_DOCKER=1 (set by `make test` and CI), where a
missing docker backend is a failure, so CI can never go green by skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from siliconcrew.core.errors import SandboxUnavailable
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.sandbox import open_sandbox
from siliconcrew.tools.base import ToolContext
from siliconcrew.tools.registry import execute, load_registry

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
FIXTURES = REPO.parent / "shared" / "fixtures"
CLI = [sys.executable, "-m", "siliconcrew"]


def _docker_reason() -> str | None:
    try:
        sb = open_sandbox(Path("/tmp"), SandboxSettings(backend="docker"), quiet=True)
        sb.close()
        return None
    except SandboxUnavailable as exc:
        return exc.one_line()


def pytest_configure(config):
    # No test reads or writes the user's own knowledge base (~/.local/share/siliconcrew/kb):
    # a timing recipe remembered there (by the user's runs or another test) would steer a
    # test's repair. Tests that want a knowledge base give their own SILICONCREW_KB.
    os.environ.setdefault("SILICONCREW_KB", "off")


DOCKER_SKIP = _docker_reason()
REQUIRE_DOCKER = os.environ.get("SILICONCREW_REQUIRE_DOCKER") == "1"


def pytest_collection_modifyitems(config, items):
    for item in items:
        # With REQUIRE_DOCKER the tests run anyway and fail loudly on the missing backend.
        if "docker" in item.keywords and DOCKER_SKIP and not REQUIRE_DOCKER:
            item.add_marker(pytest.mark.skip(reason=DOCKER_SKIP))


BACKENDS = [pytest.param("docker", marks=pytest.mark.docker), pytest.param("local")]
# Hardening is also checked with plain `docker exec` (the fallback when no runner can start).
ALL_MODES = BACKENDS + [pytest.param("docker-exec", marks=pytest.mark.docker)]


def settings_for(backend: str, **kw) -> SandboxSettings:
    if backend == "docker-exec":
        return SandboxSettings(backend="docker", docker_exec_mode="exec", **kw)
    return SandboxSettings(backend=backend, **kw)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def counter_ws(tmp_path: Path) -> Path:
    """A private copy of examples/counter to run tools in."""
    ws = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", ws, ignore=shutil.ignore_patterns("runs", ".siliconcrew"))
    return ws


@pytest.fixture
def tool_ctx(backend):
    """Factory: ToolContext for a workspace on the current backend (closed at teardown)."""
    made: list[ToolContext] = []

    def make(ws: Path, **kw) -> ToolContext:
        s = settings_for(backend, **kw)
        ctx = ToolContext(ws, lambda w: open_sandbox(w, s, quiet=True))
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture
def run_tool(registry):
    def run(ctx: ToolContext, name: str, inp: dict):
        return execute(registry.get(name), inp, ctx)

    return run


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*CLI, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )
