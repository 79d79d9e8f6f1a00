"""Rule ids are contracts: unique across every table, each one exercised by a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.compat import RULES as COMPAT_RULES
from registry.findings import Rule, rule_table
from registry.gate_rules import GATE_RULES
from registry.routing.rules import FILTER_RULES

TESTS = Path(__file__).parent


def test_ids_are_unique_across_the_gate_filter_and_compatibility_tables() -> None:
    tables = [set(GATE_RULES), set(FILTER_RULES), set(COMPAT_RULES)]
    assert sum(len(t) for t in tables) == len(set().union(*tables))


def test_a_table_refuses_an_id_declared_twice() -> None:
    with pytest.raises(ValueError, match="FILTER_INVALID declared twice"):
        rule_table([Rule("FILTER_INVALID", "a", "b"), Rule("FILTER_INVALID", "c", "d")])


@pytest.mark.parametrize(
    "table, test_files",
    [
        (
            GATE_RULES,
            ["test_loader.py", "test_gate.py", "test_gate_adversarial.py", "test_evidence.py", "test_reads.py"],
        ),
        (FILTER_RULES, ["test_routing_contract_checks.py"]),
    ],
)
def test_every_rule_is_exercised_by_a_test(table: dict[str, Rule], test_files: list[str]) -> None:
    source = "".join((TESTS / name).read_text() for name in test_files)
    assert [rule for rule in table if rule not in source] == []


def test_every_rule_reads_as_a_claim_with_a_fix() -> None:
    for rule in [*GATE_RULES.values(), *FILTER_RULES.values()]:
        assert rule.id.isupper() and rule.purpose.startswith(("Checks that", "Notes")) and rule.hint, rule
