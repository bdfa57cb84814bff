"""The run graph's integrate node: design.yaml `integration:` wraps the design after
hardening (no LLM needed for the deterministic register map)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, run_cli


@pytest.mark.docker
def test_integration_key_adds_the_integrate_node_after_harden(tmp_path):
    design = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs"))
    card = design / "design.yaml"
    card.write_text(
        yaml.safe_dump({**yaml.safe_load(card.read_text()), "integration": {"target": "caravel"}})
    )
    env = {k: "" for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "SILICONCREW_MODEL")}
    proc = run_cli("run", str(design), "--json", "--sandbox", "docker", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    nodes = [n["node"] for n in data["nodes"]]
    assert nodes[-3:] == ["harden", "integrate", "report"], nodes
    outcome = next(n["outcome"] for n in data["nodes"] if n["node"] == "integrate")
    assert outcome == "ok (caravel)"
    run_dir = Path(data["run_dir"])
    assert (run_dir / "integrate/caravel/verilog/rtl/user_project_wrapper.v").is_file()
    events = [json.loads(x) for x in (run_dir / "trace.jsonl").read_text().splitlines()]
    sims = [e for e in events if e.get("event") == "tool_result" and e.get("node") == "integrate"]
    assert [e["tool"] for e in sims] == ["simulate", "lint", "simulate", "netlist_json"]
    assert all(e["ok"] for e in sims)
