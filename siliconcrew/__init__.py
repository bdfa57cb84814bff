"""SiliconCrew: multi-agent chip design from spec (or RTL) to GDS.

Kept import-light on purpose: `siliconcrew --help` must not pay for docker, pydantic-heavy
tool modules, langgraph or chromadb. Heavy modules are imported inside the functions that
need them.
"""

__version__ = "0.1.0"

import os as _os

if _os.environ.get("SILICONCREW_PROFILE"):  # bench_harden.py: timestamps from the first import
    from siliconcrew.core import profile as _profile  # noqa: F401
