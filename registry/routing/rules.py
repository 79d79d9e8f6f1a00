"""The filter rules of the gate, declared once (ids are never recycled)."""

from __future__ import annotations

from typing import Any

from registry.findings import Finding, Rule, Severity, rule_table

__all__ = ["FILTER_RULES", "filter_finding"]

_RULES = [
    Rule(
        "FILTER_INVALID",
        "Checks that every filter is a pattern or policy AWS accepts, within its limits.",
        "correct the filter at the pointer shown (EventBridge pattern, or SNS MessageBody policy for fork deliveries)",
    ),
    Rule(
        "FILTER_FIELD_MISSING",
        "Checks that every field a filter names exists in every version the subscription reads.",
        "filter only on fields every version you read declares, or stop reading the versions that lack it",
    ),
    Rule(
        "FILTER_TYPE_MISMATCH",
        "Checks that a filter's operators fit the field's type in every version read.",
        "use numeric on numbers, prefix/suffix/wildcard/equals-ignore-case/cidr on strings, and values of the field's type",
    ),
    Rule(
        "FILTER_DEAD_ROUTE",
        "Checks that some valid event of every version read can match the filter.",
        "the filter contradicts the schema (enum, const, minimum/maximum, forbidden field): fix the filter or the versions read",
    ),
    Rule(
        "FILTER_MATCHES_EVERYTHING",
        "Notes filters that every valid event of every version read matches.",
        "drop the filter, or tighten it to what the consumer really needs",
        Severity.WARNING,
    ),
    Rule(
        "EXPECTED_DELIVERY_MISSED",
        "Checks that every event a subscription expects to receive is delivered.",
        "fix the filter so the example matches, or move it to expect.ignores",
    ),
    Rule(
        "UNEXPECTED_DELIVERY",
        "Checks that no event a subscription expects to ignore is delivered.",
        "tighten the filter so the example does not match, or move it to expect.receives",
    ),
]

FILTER_RULES: dict[str, Rule] = rule_table(_RULES)


def filter_finding(
    rule_id: str, file: str, pointer: str, message: str, *, old: Any = None, new: Any = None, hint: str = ""
) -> Finding:
    return FILTER_RULES[rule_id].finding(file, pointer, message, old=old, new=new, hint=hint)
