"""Keep secrets out of what the server returns.

The sandbox never receives the environment, but a tool may still echo text that holds a key
(a log line, a file an agent wrote). Every value of a secret-looking environment variable
(API keys, tokens, passwords) and the configured LLM key is replaced by `***` in every result
and resource before it leaves the process.
"""

from __future__ import annotations

import os
import re
from typing import Any

SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.IGNORECASE)
MIN_LEN = 6  # shorter values ("1", "true") would redact ordinary text
MASK = "***"


def secret_values(extra: dict[str, Any] | None = None) -> list[str]:
    """Values to hide, longest first (so a key containing another is masked whole)."""
    found = {v for k, v in os.environ.items() if SECRET_NAME.search(k) and len(v) >= MIN_LEN}
    for k, v in (extra or {}).items():
        if SECRET_NAME.search(k) and isinstance(v, str) and len(v) >= MIN_LEN:
            found.add(v)
    return sorted(found, key=len, reverse=True)


def redact(value: Any, secrets: list[str]) -> Any:
    """`value` (JSON-like: dict, list, str, numbers) with every secret masked."""
    if not secrets:
        return value
    if isinstance(value, str):
        for s in secrets:
            if s in value:
                value = value.replace(s, MASK)
        return value
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    return value
