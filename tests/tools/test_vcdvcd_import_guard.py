"""vcdvcd sets SIGPIPE to SIG_DFL for the whole process when it is imported. Then a write to a
socket whose peer hung up (an MCP client, the scripted LLM's HTTP client) kills the process
instead of raising BrokenPipeError: seen as pytest dying with "Broken pipe" (exit 141) after
`integrate` had read a VCD. Every import must go through tools.vcd_compare.import_vcdvcd,
which puts the handler back. Checked on the source: the first import happens once per
process, so a run-time check would depend on test order."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "siliconcrew"
DIRECT = re.compile(r"^\s*(import\s+vcdvcd|from\s+vcdvcd\b)", re.MULTILINE)


def test_vcdvcd_is_imported_only_through_the_guard():
    offenders = [
        str(f.relative_to(PACKAGE))
        for f in PACKAGE.rglob("*.py")
        if DIRECT.search(f.read_text()) and f.name != "vcd_compare.py"
    ]
    assert offenders == [], f"import vcdvcd via tools.vcd_compare.import_vcdvcd: {offenders}"


def test_the_guard_puts_the_sigpipe_handler_back():
    import signal

    from siliconcrew.tools.vcd_compare import import_vcdvcd

    before = signal.getsignal(signal.SIGPIPE)
    import_vcdvcd()
    assert signal.getsignal(signal.SIGPIPE) == before
