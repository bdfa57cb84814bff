"""The layer rule and no import cycles (the "One pipeline, many front doors" issue).

core ← sandbox ← {tools, knowledge_base} ← {engines, agents, repair} ← steps ← pipelines ← api
← render ← chat ← cli. The rule itself lives in pyproject.toml ([tool.importlinter]) so
`lint-imports` checks the same contract from a shell; this test runs it, then looks for
cycles at module level (which a layer contract cannot see inside one layer).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

REPO = Path(__file__).resolve().parents[1]


def test_layer_contract_is_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run(
        [str(lint), "--no-cache", "--config", str(REPO / "pyproject.toml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout, proc.stdout[-2000:]


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph("siliconcrew", cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    cycles = list(nx.simple_cycles(g, length_bound=8))
    assert cycles == [], "\n".join(" -> ".join(c + [c[0]]) for c in cycles[:20])


def test_the_contract_names_every_package():
    """A new top-level package must be placed in a layer, or the rule says nothing of it."""
    import tomllib

    layers = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ][0]["layers"]
    named = {p.strip() for layer in layers for p in layer.replace(":", "|").split("|")}
    packages = {
        f"siliconcrew.{p.name}"
        for p in (REPO / "siliconcrew").iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    }
    assert packages - named == set(), packages - named


def test_tests_mirror_the_packages():
    """tests/<name>/ exists only for a package siliconcrew/<name>/ (cross-cutting tests and
    shared helpers stay in tests/ itself)."""
    packages = {
        p.name
        for p in (REPO / "siliconcrew").iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    }
    test_dirs = {
        p.name
        for p in (REPO / "tests").iterdir()
        if p.is_dir() and p.name not in ("fixtures", "__pycache__")
    }
    assert test_dirs <= packages, test_dirs - packages
    assert len(test_dirs) >= 10  # the suite really is split by package
