"""design.yaml `integration:`: known keys and targets only, refused in one line otherwise."""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import EXAMPLES

from siliconcrew.core.design import load_design
from siliconcrew.core.errors import UserInputError


def card(tmp_path, integration):
    d = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", d, ignore=shutil.ignore_patterns("runs"))
    data = yaml.safe_load((d / "design.yaml").read_text())
    (d / "design.yaml").write_text(yaml.safe_dump({**data, "integration": integration}))
    return d


def test_integration_is_read(tmp_path):
    design, _ = load_design(
        card(tmp_path, {"target": "caravel", "base": 0x30001000, "pins": {"en": "la[0]"}})
    )
    assert design.integration is not None
    assert design.integration.target == "caravel" and design.integration.base == 0x30001000
    assert design.integration.pins == {"en": "la[0]"}


@pytest.mark.parametrize(
    "integration, message",
    [
        ({"target": "efabless"}, "'integration.target'"),
        ({"target": "caravel", "pin": {}}, "unknown key 'pin' — did you mean 'pins'?"),
        ({"target": "caravel", "base": 0x1000}, "'integration.base'"),
        ({"target": "caravel", "reset": "a b"}, "not a Verilog identifier"),
    ],
)
def test_bad_integration_is_refused_in_one_line(tmp_path, integration, message):
    with pytest.raises(UserInputError) as exc:
        load_design(card(tmp_path, integration))
    assert message in exc.value.one_line()
