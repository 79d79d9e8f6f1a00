"""Draft-07 -> draft-4 for the schema registry: what draft-4 can say is kept, the rest is listed."""

from __future__ import annotations

import jsonschema
import pytest

from components.draft4 import DRAFT4_URI, to_draft4


def test_rewrites_what_draft4_says_differently() -> None:
    converted = to_draft4(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "urn:x",
            "type": "object",
            "properties": {
                "kind": {"const": "order"},
                "n": {"type": "number", "exclusiveMinimum": 0},
                "m": {"type": "number", "exclusiveMaximum": 10},
            },
            "examples": [{"kind": "order"}],
        }
    )
    schema = converted.schema
    assert schema["$schema"] == DRAFT4_URI and schema["id"] == "urn:x" and "$id" not in schema
    assert schema["properties"]["kind"] == {"enum": ["order"]}
    assert schema["properties"]["n"] == {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    assert schema["properties"]["m"] == {"type": "number", "maximum": 10, "exclusiveMaximum": True}
    assert "examples" not in schema
    assert converted.dropped == ()
    assert "without loss" in converted.note()


def test_keeps_the_stricter_of_two_bounds() -> None:
    loose_exclusive = to_draft4({"minimum": 5, "exclusiveMinimum": 1}).schema
    assert loose_exclusive["minimum"] == 5 and "exclusiveMinimum" not in loose_exclusive
    tight_exclusive = to_draft4({"maximum": 50, "exclusiveMaximum": 10}).schema
    assert tight_exclusive == {"$schema": DRAFT4_URI, "maximum": 10, "exclusiveMaximum": True}


def test_lists_every_dropped_constraint_with_its_pointer() -> None:
    converted = to_draft4(
        {
            "type": "object",
            "properties": {
                "a/b": {"type": "array", "contains": {"type": "string"}},
                "c": {"propertyNames": {"pattern": "^x"}},
            },
            "if": {"required": ["a"]},
            "then": {"required": ["c"]},
            "allOf": [{"$comment": "why"}],
        }
    )
    assert converted.dropped == (
        "/properties/a~1b/contains",
        "/properties/c/propertyNames",
        "/if",
        "/then",
        "/allOf/0/$comment",
    )
    assert "/if" in converted.note() and "not enforced" in converted.note()


def test_boolean_subschemas_become_draft4_objects() -> None:
    schema = to_draft4({"properties": {"yes": True, "no": False}, "additionalProperties": False, "not": True}).schema
    assert schema["properties"] == {"yes": {}, "no": {"not": {}}}
    assert schema["additionalProperties"] is False
    assert schema["not"] == {}


@pytest.mark.parametrize("value, valid", [(0, False), (0.5, True), (10, False), ({"x": 1}, False)])
def test_converted_schema_accepts_what_the_original_accepts(value: object, valid: bool) -> None:
    original = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "number",
        "exclusiveMinimum": 0,
        "exclusiveMaximum": 10,
    }
    converted = to_draft4(original).schema
    jsonschema.Draft4Validator.check_schema(converted)
    assert jsonschema.Draft7Validator(original).is_valid(value) is valid
    assert jsonschema.Draft4Validator(converted).is_valid(value) is valid


def test_input_is_not_modified() -> None:
    original = {"properties": {"k": {"const": 1}}, "examples": [{"k": 1}]}
    to_draft4(original)
    assert original == {"properties": {"k": {"const": 1}}, "examples": [{"k": 1}]}
