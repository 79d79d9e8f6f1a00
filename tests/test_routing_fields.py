"""pattern_fields: every leaf a pattern or policy names, with its operators."""

from __future__ import annotations

import pytest

from registry.routing import PatternError, pattern_fields


def test_fields_of_a_pattern_in_document_order() -> None:
    fields = pattern_fields(
        {
            "source": ["s"],
            "detail": {
                "data": {"amount": [{"numeric": [">", 1]}, 5], "tags": [{"prefix": "a"}]},
                "$or": [{"x": [{"exists": True}]}, {"y": [{"anything-but": ["z"]}]}],
            },
        },
        "eventbridge",
    )
    assert [(f.path, f.pointer, f.operators, f.in_or) for f in fields] == [
        ("source", "/source", ("equals",), False),
        ("detail.data.amount", "/detail/data/amount", ("numeric", "equals"), False),
        ("detail.data.tags", "/detail/data/tags", ("prefix",), False),
        ("detail.x", "/detail/$or/0/x", ("exists",), True),
        ("detail.y", "/detail/$or/1/y", ("anything-but",), True),
    ]
    assert fields[1].conditions[0].operand == [">", 1]
    assert fields[1].conditions[1].pointer == "/detail/data/amount/1"


def test_fields_of_a_policy() -> None:
    fields = pattern_fields({"detail": {"state": [{"suffix": "ed"}]}}, "sns")
    assert [(f.path, f.operators) for f in fields] == [("detail.state", ("suffix",))]


def test_fields_validate_first() -> None:
    with pytest.raises(PatternError):
        pattern_fields({"a": [{"prefix": {"equals-ignore-case": "x"}}]}, "sns")
    with pytest.raises(PatternError, match="unknown pattern kind"):
        pattern_fields({"a": ["x"]}, "sqs")


def test_fields_of_pattern_text() -> None:
    assert [f.path for f in pattern_fields('{"detail": {"a": [1]}}', "eventbridge")] == ["detail.a"]
