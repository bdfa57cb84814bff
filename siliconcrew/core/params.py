"""Top-level parameter values to build a design with (design.yaml `parameters:`).

LibreLane's `SYNTH_PARAMETERS`: the RTL stays as written, the top is elaborated with other
parameter values (`chparam -set NAME VALUE <top>` in yosys, `#(.NAME(VALUE))` where a
testbench instantiates the RTL). Every place that builds the design from its RTL (our
synthesis, equivalence, the engines' own synthesis) renders the same values from here, so
the block that is checked is the block that is hardened.

Values are checked once, the same way for design.yaml and for a tool's arguments (which may
come from an LLM): identifiers for names; non-negative integers (yosys' chparam cannot
decode `-5`) or strings without quotes, backslashes or line breaks, because the values are
written into yosys scripts, LibreLane's config and Verilog.
"""

from __future__ import annotations

import re
from typing import Any

from siliconcrew.core.errors import UserInputError
from siliconcrew.core.names import IDENT

ParamValue = int | str
_SAFE_STRING = re.compile(r"^[A-Za-z0-9_ .,:/+\-=%@#]*$")
MAX_INT = 2**64 - 1  # wider constants are rare in a top's parameters


def parameter_problem(name: Any, value: Any) -> tuple[str, str] | None:
    """(what is wrong, how to fix) for one parameter, or None when it can be used."""
    if not isinstance(name, str) or not IDENT.match(name):
        return (
            f"parameter name '{name}' is not a Verilog identifier",
            "give the name of a parameter of the top module",
        )
    if isinstance(value, bool) or not isinstance(value, int | str):
        return (
            f"parameter {name}: value {value!r} is not an integer or a string",
            'write an integer (16) or a string ("fast")',
        )
    if isinstance(value, int) and not 0 <= value <= MAX_INT:
        return (
            f"parameter {name}: {value} is negative or wider than 64 bits",
            "use a non-negative integer (yosys' chparam cannot take a negative value)",
        )
    if isinstance(value, str) and not _SAFE_STRING.match(value):
        return (
            f"parameter {name}: string {value!r} has quotes, backslashes or line breaks",
            "use letters, digits, blanks and . , : / + - = % @ # only",
        )
    return None


def check_parameters(params: dict[str, Any] | None) -> dict[str, ParamValue]:
    """The parameters as given, or UserInputError naming the first bad one."""
    for name, value in (params or {}).items():
        problem = parameter_problem(name, value)
        if problem:
            raise UserInputError(*problem)
    return dict(params or {})


def literal(value: ParamValue) -> str:
    """The value as a Verilog (and yosys chparam) constant: 16, "fast"."""
    return f'"{value}"' if isinstance(value, str) else str(int(value))


def chparam_line(top: str, params: dict[str, ParamValue]) -> str:
    """`chparam -set A 1 -set B "x" top`, or "" without parameters. Yosys re-elaborates
    the top with these values (and refuses a name the top does not have)."""
    if not params:
        return ""
    sets = " ".join(f"-set {k} {literal(v)}" for k, v in params.items())
    return f"chparam {sets} {top}"


def instance_override(params: dict[str, ParamValue]) -> str:
    """`#(.A(1), .B("x")) ` for an instance of the RTL top, or ""."""
    if not params:
        return ""
    return "#(" + ", ".join(f".{k}({literal(v)})" for k, v in params.items()) + ") "


def synth_parameters(params: dict[str, ParamValue]) -> list[str]:
    """LibreLane's SYNTH_PARAMETERS: `["A=1", "B=\\"x\\""]` (each chparam'ed on the top)."""
    return [f"{k}={literal(v)}" for k, v in params.items()]


def label(params: dict[str, ParamValue]) -> str:
    return ", ".join(f"{k}={literal(v)}" for k, v in params.items())


_NO_OBJECT = re.compile(r"Can't find object for defparam `([^`']+)")


def unknown_parameter(log_text: str, top: str) -> str | None:
    """Yosys' error for a chparam name the top lacks, as one line (None when absent)."""
    m = _NO_OBJECT.search(log_text)
    if not m:
        return None
    return (
        f"parameter {m.group(1)} (design.yaml parameters:) is not a parameter of {top}: "
        "fix the name or remove it"
    )
