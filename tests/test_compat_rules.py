"""Every rule in the table has a fixture pair under tests/compat/<RULE_ID>/, checked in both directions.

old.json -> new.json must report the rule (BACKWARD = Confluent compare(old, new));
expected.json pins the exact changes of compare(old, new) and compare(new, old).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.compat import RULES, check_compatibility, diff_schemas
from registry.compat.rules import COMPATIBLE, MODES

FIXTURES = Path(__file__).parent / "compat"
RULE_DIRS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def _load(rule: str) -> tuple[dict, dict, dict]:
    d = FIXTURES / rule
    return tuple(json.loads((d / f"{n}.json").read_text()) for n in ("old", "new", "expected"))  # type: ignore


def _lines(changes) -> list[str]:
    return sorted(f"{c.rule_id} {c.path}" for c in changes)


def test_every_rule_has_a_fixture_and_every_fixture_a_rule():
    assert sorted(RULES) == RULE_DIRS


def test_rule_table_is_frozen_and_well_formed():
    with pytest.raises(TypeError):
        RULES["NEW_RULE"] = RULES["TYPE_CHANGED"]  # type: ignore[index]
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule_id == rule_id.upper()
        assert rule.purpose.startswith("Checks that ") and rule.hint
        assert (rule_id in COMPATIBLE) is rule.compatible
    assert len(MODES) == 7


@pytest.mark.parametrize("rule", RULE_DIRS)
def test_fixture_backward_reports_the_rule_with_its_verdict(rule):
    old, new, expected = _load(rule)
    changes = diff_schemas(old, new)
    assert rule in {c.rule_id for c in changes}
    assert _lines(changes) == expected["backward"]["changes"]
    assert all(c.compatible for c in changes) is expected["backward"]["compatible"]
    if not RULES[rule].compatible:
        assert expected["backward"]["compatible"] is False
    findings = check_compatibility(old, new, "BACKWARD", old_file="old.json", new_file="new.json")
    assert (not findings) is expected["backward"]["compatible"]
    assert {f.rule_id for f in findings} == {c.rule_id for c in changes if not c.compatible}


@pytest.mark.parametrize("rule", RULE_DIRS)
def test_fixture_forward_is_the_reverse_comparison(rule):
    old, new, expected = _load(rule)
    changes = diff_schemas(new, old)
    assert _lines(changes) == expected["forward"]["changes"]
    findings = check_compatibility(old, new, "FORWARD", old_file="old.json", new_file="new.json")
    assert (not findings) is expected["forward"]["compatible"]
    assert all(f.file == "new.json" and f.severity == "error" and f.hint for f in findings)
