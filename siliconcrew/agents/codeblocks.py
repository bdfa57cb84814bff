"""Code in fenced blocks: many models answer with ```verilog ...``` instead of tool calls."""

from __future__ import annotations

import re

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)```", re.DOTALL)
VERILOG_LANGS = ("verilog", "systemverilog", "sv", "v", "vlog")


def code_blocks(text: str, langs: tuple[str, ...] | None = VERILOG_LANGS) -> list[str]:
    """Fenced blocks in order; with `langs`, only those languages (and untagged blocks that
    look like Verilog: they contain `module`)."""
    out = []
    for lang, body in _FENCE.findall(text or ""):
        lang = lang.lower()
        if langs is None or lang in langs or (not lang and re.search(r"\bmodule\b", body)):
            out.append(body.rstrip() + "\n")
    return out


def module_names(code: str) -> list[str]:
    return re.findall(r"^\s*module\s+([A-Za-z_][\w$]*)", code, re.MULTILINE)
