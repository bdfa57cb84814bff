"""Repair policies for LibreLane-specific failure classes; policies stay pure data.

(The general policy-table checks live in test_hardening_classify.py.)
"""

from __future__ import annotations

import ast
import inspect

from siliconcrew.engines.librelane import LibreLaneEngine
from siliconcrew.repair.hardening import policies
from siliconcrew.repair.hardening.classify import CLASS_ORDER, POWER_GRID_VIOLATIONS
from siliconcrew.repair.hardening.policies import POLICIES, policy_for


def test_power_grid_violations_have_a_policy_that_ends_with_a_person():
    steps = policy_for(POWER_GRID_VIOLATIONS)
    assert steps is not POLICIES["unknown"]
    assert [a.action for a in steps[:-1]] == ["enlarge_die"]
    assert steps[-1].send_back == "user" and "PDN" in steps[-1].description
    # ordered after LVS (LVS decides whether LibreLane's advice to ignore them applies)
    assert CLASS_ORDER.index(POWER_GRID_VIOLATIONS) == CLASS_ORDER.index("lvs_mismatch") + 1


def test_librelane_expresses_every_policy_action_on_librelane_3_names():
    """Each abstract action of every policy maps to LibreLane 3.0.17 variables (checked
    against the shipped variable list), never to a deprecated name."""
    eng = LibreLaneEngine()
    from siliconcrew.engines.librelane_vars import load_table, version_for

    table = load_table(version_for(None, None))
    base = {"FP_CORE_UTIL": 40, "PL_TARGET_DENSITY_PCT": 55, "CLOCK_PERIOD": 10}
    for klass, steps in POLICIES.items():
        for a in steps:
            if a.action is None:
                continue
            new = eng.apply_action(a.action, a.params, base)
            if new is None:
                continue
            for key in set(new) - set(base):
                assert key in table.names, (klass, a.name, key)
                assert key not in table.deprecated, (klass, a.name, key)


def test_policies_module_is_pure():
    """No processes, files or engines: policies are data plus small constructors."""
    tree = ast.parse(inspect.getsource(policies))
    imported = {
        n.module if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in n.names
    }
    assert not imported & {"subprocess", "os", "shutil", "pathlib"}
    assert all(
        m is None
        or m.startswith(
            ("siliconcrew.repair.hardening.classify", "dataclasses", "typing", "__future__")
        )
        for m in imported
    ), imported
