"""User configuration: defaults < config file < environment < command-line flags.

The file is YAML at $SILICONCREW_CONFIG or ~/.config/siliconcrew/config.yaml, e.g.

    sandbox:
      backend: auto          # auto | docker | local
      image: siliconcrew-eda:bookworm
      unsafe_host: false     # local backend without bubblewrap (no isolation)
      mem_limit_mb: 4096
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from siliconcrew.core.errors import UserInputError

DEFAULT_IMAGE = "siliconcrew-eda:bookworm"
BASE_IMAGE = "siliconcrew-base:bookworm"


class SandboxSettings(BaseModel):
    """How and where EDA commands run.

    Limits apply per container (docker) or per command (local).
    """

    backend: Literal["auto", "docker", "local"] = "auto"
    image: str = DEFAULT_IMAGE
    # docker: "socket" = an in-container runner on a unix socket (~10 ms a call);
    # "exec" = one `docker exec` per command (~50 ms). Same container, same limits.
    docker_exec_mode: Literal["socket", "exec"] = "socket"
    unsafe_host: bool = False
    mem_limit_mb: int = Field(4096, ge=64)
    pids_limit: int = Field(512, ge=16)
    cpus: float = Field(2.0, gt=0)
    tmpfs_mb: int = Field(1024, ge=16)
    default_timeout_s: float = Field(300.0, gt=0)
    output_cap_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    file_size_limit_mb: int = Field(4096, ge=1)


class Settings(BaseModel):
    sandbox: SandboxSettings = SandboxSettings()
    # The raw `llm:` section; siliconcrew.agents.llm_config validates it (lazily: the CLI
    # must not import the LLM stack for commands that do not need it).
    llm: dict = {}
    # The raw `mcp_servers:` section ({name: {command: [...]} | {url: ...}}): other teams' MCP
    # servers whose tools become plugin tools; siliconcrew.tools.mcp_client validates it.
    mcp_servers: dict = {}


def config_path() -> Path:
    env = os.environ.get("SILICONCREW_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "siliconcrew" / "config.yaml"


_ENV_MAP = {
    "SILICONCREW_SANDBOX": "backend",
    "SILICONCREW_IMAGE": "image",
    "SILICONCREW_UNSAFE_HOST": "unsafe_host",
    "SILICONCREW_MEM_LIMIT_MB": "mem_limit_mb",
    "SILICONCREW_PIDS_LIMIT": "pids_limit",
    "SILICONCREW_DOCKER_EXEC_MODE": "docker_exec_mode",
}


def load_settings(**sandbox_overrides: object) -> Settings:
    """Load settings; `sandbox_overrides` (from CLI flags) win when not None."""
    data: dict = {}
    path = config_path()
    if path.exists():
        import yaml

        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise UserInputError(
                f"config file {path} is not valid YAML: {exc}".splitlines()[0],
                "fix or remove the file",
            ) from exc
        if not isinstance(data, dict):
            raise UserInputError(
                f"config file {path} must be a mapping", "see README 'Configuration'"
            )
    sandbox = dict(data.get("sandbox") or {})
    for env, key in _ENV_MAP.items():
        if os.environ.get(env) not in (None, ""):
            value: object = os.environ[env]
            if key == "unsafe_host":
                value = str(value).lower() in ("1", "true", "yes", "on")
            sandbox[key] = value
    sandbox.update({k: v for k, v in sandbox_overrides.items() if v is not None})
    llm = data.get("llm") or {}
    if not isinstance(llm, dict):
        raise UserInputError(f"config file {path}: 'llm' must be a mapping", "see README")
    mcp_servers = data.get("mcp_servers") or {}
    if not isinstance(mcp_servers, dict):
        raise UserInputError(
            f"config file {path}: 'mcp_servers' must be a mapping",
            "see README 'MCP servers as plugin tools'",
        )
    try:
        return Settings(sandbox=SandboxSettings(**sandbox), llm=llm, mcp_servers=mcp_servers)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UserInputError(
            f"bad sandbox setting '{where}': {err['msg']}",
            f"check {path} and SILICONCREW_* variables",
        ) from exc
