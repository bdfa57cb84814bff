"""LLM endpoint configuration: any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp).

Sources, later wins: the `llm:` section of the config file (see siliconcrew/config.py for
where), then environment: OPENAI_BASE_URL, OPENAI_API_KEY, SILICONCREW_MODEL and
SILICONCREW_MODEL_<AGENT> (e.g. SILICONCREW_MODEL_RTL) for per-agent models.
The API key is read from the environment only and never written to traces or manifests.

    llm:
      base_url: http://localhost:11434/v1     # Ollama; vLLM: http://host:8000/v1
      model: qwen2.5-coder:32b
      agents: {rtl: qwen2.5-coder:32b, planner: llama3.1:70b}
      max_retries: 4
      timeout_s: 300
      temperature: 0.2
      prices:                                  # USD per million tokens (edit freely)
        gpt-4o-mini: {prompt: 0.15, completion: 0.60}
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, Field, SecretStr

from siliconcrew.core.errors import UserInputError

# Defaults for a few well-known models (USD per 1M tokens); local models cost 0.
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "gpt-4o": {"prompt": 2.50, "completion": 10.00},
    "gpt-4o-mini": {"prompt": 0.15, "completion": 0.60},
    "gpt-4.1": {"prompt": 2.00, "completion": 8.00},
    "gpt-4.1-mini": {"prompt": 0.40, "completion": 1.60},
}


class Price(BaseModel):
    prompt: float = Field(0.0, ge=0)
    completion: float = Field(0.0, ge=0)


class LLMSettings(BaseModel):
    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str | None = None
    agents: dict[str, str] = Field(default_factory=dict)
    max_retries: int = Field(4, ge=0, le=20)
    timeout_s: float = Field(300.0, gt=0)
    temperature: float | None = 0.2
    candidate_temperature: float = Field(0.8, ge=0, le=2)  # best-of-N answers (rtl candidates)
    prices: dict[str, Price] = Field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return bool(self.model) and bool(self.base_url or self.api_key)

    def model_for(self, agent: str) -> str:
        model = self.agents.get(agent) or self.model
        if not model:
            raise UserInputError(
                "no LLM model configured",
                "set SILICONCREW_MODEL (and OPENAI_BASE_URL / OPENAI_API_KEY)",
            )
        return model

    def price_for(self, model: str) -> Price:
        if model in self.prices:
            return self.prices[model]
        if model in DEFAULT_PRICES:
            return Price(**DEFAULT_PRICES[model])
        return Price()

    def describe(self) -> dict[str, Any]:
        """For manifests: everything but the key."""
        return {
            "base_url": self.base_url,
            "model": self.model,
            "agents": self.agents,
            "api_key_set": self.api_key is not None,
            "max_retries": self.max_retries,
            "timeout_s": self.timeout_s,
            "temperature": self.temperature,
            "candidate_temperature": self.candidate_temperature,
        }


def load_llm_settings(file_section: dict[str, Any] | None = None, **overrides: Any) -> LLMSettings:
    data = dict(file_section or {})
    data.pop("api_key", None)  # keys live in the environment, never in config files
    env = os.environ
    if env.get("OPENAI_BASE_URL"):
        data["base_url"] = env["OPENAI_BASE_URL"]
    if env.get("OPENAI_API_KEY"):
        data["api_key"] = env["OPENAI_API_KEY"]
    if env.get("SILICONCREW_MODEL"):
        data["model"] = env["SILICONCREW_MODEL"]
    agents = dict(data.get("agents") or {})
    for key, value in env.items():
        if key.startswith("SILICONCREW_MODEL_") and value:
            agents[key[len("SILICONCREW_MODEL_") :].lower()] = value
    data["agents"] = agents
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return LLMSettings(**data)
    except Exception as exc:
        raise UserInputError(
            f"bad llm settings: {exc}".splitlines()[0],
            "check the llm: section and OPENAI_*/SILICONCREW_MODEL",
        ) from exc
