"""Modes, histories and the engine's own decisions (refs, recursion, bad input)."""

from __future__ import annotations

import pytest

from registry.compat import MODES, check_compatibility, check_history, diff_schemas
from registry.compat.check import load, validate
from registry.errors import InputError, UsageError

CLOSED = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"], "additionalProperties": False}
WITH_NOTE = {**CLOSED, "properties": {**CLOSED["properties"], "note": {"type": "string"}}}
OPEN = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
OPEN_WITH_NOTE = {**OPEN, "properties": {**OPEN["properties"], "note": {"type": "string"}}}


def _rules(findings) -> set[str]:
    return {f.rule_id for f in findings}


# --- modes on one pair -------------------------------------------------------------------------


def test_optional_field_added_to_closed_model_is_backward_but_not_forward_compatible():
    assert check_compatibility(CLOSED, WITH_NOTE, "BACKWARD") == []
    forward = check_compatibility(CLOSED, WITH_NOTE, "FORWARD", old_file="v1.json", new_file="v2.json")
    assert _rules(forward) == {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"}
    assert forward[0].file == "v2.json" and forward[0].pointer == "/properties/note"
    assert "partially open" in forward[0].hint
    assert _rules(check_compatibility(CLOSED, WITH_NOTE, "FULL")) == {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"}


def test_field_added_to_open_model_is_forward_but_not_backward_compatible():
    backward = check_compatibility(OPEN, OPEN_WITH_NOTE, "BACKWARD", old_file="v1.json", new_file="v2.json")
    assert _rules(backward) == {"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"}
    assert backward[0].pointer == "/properties/note" and "additionalProperties: false" in backward[0].hint
    assert check_compatibility(OPEN, OPEN_WITH_NOTE, "FORWARD") == []


def test_partially_open_model_allows_full_compatible_additions():
    old = {**CLOSED, "additionalProperties": {"type": "string"}}
    new = {**old, "properties": {**old["properties"], "note": {"type": "string"}}}
    assert check_compatibility(old, new, "FULL") == []


def test_none_mode_accepts_anything_and_unknown_mode_is_a_usage_error():
    assert check_compatibility({"type": "string"}, {"type": "object"}, "NONE") == []
    with pytest.raises(UsageError, match="FULL_TRANSITIVE"):
        check_compatibility(CLOSED, CLOSED, "SIDEWAYS")
    with pytest.raises(UsageError):
        check_history([("v1", CLOSED), ("v2", CLOSED)], "backward")


@pytest.mark.parametrize("mode", MODES)
def test_identical_schema_is_compatible_in_every_mode(mode):
    assert check_compatibility(WITH_NOTE, WITH_NOTE, mode) == []


def test_forward_finding_of_a_removed_field_points_into_the_old_file_and_says_so():
    findings = check_compatibility(OPEN_WITH_NOTE, OPEN, "FORWARD", old_file="v1.json", new_file="v2.json")
    assert _rules(findings) == {"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"}
    assert findings[0].file == "v2.json" and findings[0].pointer == "/properties/note"
    assert "v1.json" in findings[0].message and "deprecated" in findings[0].hint


# --- history: transitive vs not -----------------------------------------------------------------

V1 = {"type": "object", "properties": {"qty": {"type": "integer", "maximum": 10}}, "additionalProperties": False}
V2 = {"type": "object", "properties": {"qty": {"type": "integer", "maximum": 20}}, "additionalProperties": False}
V3 = {"type": "object", "properties": {"qty": {"type": "integer", "maximum": 5}}, "additionalProperties": False}
V3_OK = {"type": "object", "properties": {"qty": {"type": "integer", "maximum": 15}}, "additionalProperties": False}


def test_forward_checks_only_the_previous_version_forward_transitive_checks_all():
    history = [("v1.json", V1), ("v2.json", V2), ("v3.json", V3_OK)]
    # v3 (max 15) written, v2 reader (max 20): fine; v1 reader (max 10): rejects 11..15
    assert check_history(history, "FORWARD") == []
    findings = check_history(history, "FORWARD_TRANSITIVE")
    assert _rules(findings) == {"MAXIMUM_DECREASED"}
    assert "v1.json" in findings[0].message and findings[0].file == "v3.json"
    assert findings[0].old == 10 and findings[0].new == 15


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("NONE", []),
        ("BACKWARD", [("v2.json", "MAXIMUM_DECREASED")]),
        ("BACKWARD_TRANSITIVE", [("v2.json", "MAXIMUM_DECREASED")]),
        ("FORWARD", []),
        ("FORWARD_TRANSITIVE", [("v1.json", "MAXIMUM_DECREASED")]),
        ("FULL", [("v2.json", "MAXIMUM_DECREASED")]),
        ("FULL_TRANSITIVE", [("v1.json", "MAXIMUM_DECREASED"), ("v2.json", "MAXIMUM_DECREASED")]),
    ],
)
def test_every_mode_on_a_three_version_history(mode, expected):
    # v1 max 10, v2 max 20, v3 max 15: v3 cannot read v2's 16..20 (backward, against v2 only);
    # v1 cannot read v3's 11..15 (forward, against v1 only, so only the transitive forms see it)
    findings = check_history([("v1.json", V1), ("v2.json", V2), ("v3.json", V3_OK)], mode)
    got = sorted((next(n for n in ("v1.json", "v2.json") if n in f.message), f.rule_id) for f in findings)
    assert got == expected
    assert all(f.file == "v3.json" and f.pointer == "/properties/qty/maximum" for f in findings)


def test_backward_transitive_flags_every_earlier_version_it_cannot_read():
    history = [("v1.json", V1), ("v2.json", V2), ("v3.json", V3)]
    assert len(check_history(history, "BACKWARD")) == 1
    assert len(check_history(history, "BACKWARD_TRANSITIVE")) == 2
    assert check_history(history, "NONE") == []
    assert check_history(history[:1], "FULL_TRANSITIVE") == []


# --- engine decisions ---------------------------------------------------------------------------


def test_local_refs_resolve_in_definitions_and_defs():
    old = {"properties": {"c": {"$ref": "#/definitions/C"}}, "definitions": {"C": {"type": "string"}}}
    new = {"properties": {"c": {"$ref": "#/$defs/C"}}, "$defs": {"C": {"type": "string", "maxLength": 3}}}
    assert [(c.rule_id, c.path, c.update_pointer) for c in diff_schemas(old, new)] == [
        ("MAX_LENGTH_ADDED", "#/properties/c/maxLength", "/$defs/C/maxLength")
    ]


@pytest.mark.parametrize("ref", ["https://example.com/other.json", "#/definitions/Missing", "other.json#/x"])
def test_unresolvable_ref_is_incompatible_never_silently_compatible(ref):
    old = {"properties": {"c": {"type": "string"}}}
    new = {"properties": {"c": {"$ref": ref}}}
    findings = check_compatibility(old, new, "FULL")
    assert _rules(findings) == {"REFERENCE_UNRESOLVED"}
    assert findings[0].pointer == "/properties/c"


def test_reference_cycle_without_a_schema_is_unresolved():
    schema = {
        "definitions": {"A": {"$ref": "#/definitions/B"}, "B": {"$ref": "#/definitions/A"}},
        "properties": {"x": {"$ref": "#/definitions/A"}},
    }
    assert _rules(check_compatibility(schema, schema, "BACKWARD")) == {"REFERENCE_UNRESOLVED"}


def _tree(leaf_type: str) -> dict:
    return {
        "$ref": "#/definitions/Node",
        "definitions": {
            "Node": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "value": {"type": leaf_type},
                    "children": {"type": "array", "items": {"$ref": "#/definitions/Node"}},
                },
            }
        },
    }


def test_recursive_schemas_terminate_and_still_see_changes_inside_the_cycle():
    assert diff_schemas(_tree("integer"), _tree("integer")) == []
    changes = diff_schemas(_tree("integer"), _tree("number"))
    assert [(c.rule_id, c.path) for c in changes] == [("TYPE_EXTENDED", "#/properties/value")]
    assert _rules(check_compatibility(_tree("number"), _tree("integer"), "BACKWARD")) == {"TYPE_NARROWED"}


def test_type_list_and_nullable_union():
    assert check_compatibility({"type": "string"}, {"type": ["string", "null"]}, "BACKWARD") == []
    assert _rules(check_compatibility({"type": ["string", "null"]}, {"type": "string"}, "BACKWARD")) == {"TYPE_CHANGED"}


def test_const_change_is_incompatible_and_same_const_is_not():
    assert _rules(check_compatibility({"const": "a"}, {"const": "b"}, "BACKWARD")) == {"ENUM_ARRAY_CHANGED"}
    assert check_compatibility({"const": "a"}, {"const": "a"}, "FULL") == []


def test_format_is_an_annotation_as_in_confluent():
    assert diff_schemas({"type": "string"}, {"type": "string", "format": "date-time"}) == []


def test_boolean_schemas_false_to_anything_and_anything_to_true():
    assert check_compatibility(False, {"type": "string"}, "BACKWARD") == []
    assert check_compatibility({"type": "string"}, True, "BACKWARD") == []
    assert _rules(check_compatibility({"type": "string"}, False, "BACKWARD")) == {"TYPE_CHANGED"}


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema, pointer",
    [
        ({"type": "strng"}, "/type"),
        ({"type": 3}, "/type"),
        ({"properties": {"a": 5}}, "/properties/a"),
        ({"properties": []}, "/properties"),
        ({"required": "a"}, "/required"),
        ({"type": "string", "maxLength": "5"}, "/maxLength"),
        ({"type": "string", "pattern": "("}, "/pattern"),
        ({"patternProperties": {"[": {}}}, "/patternProperties/["),
        ({"allOf": []}, "/allOf"),
        ({"$ref": 5}, "/$ref"),
        ({"items": [{"type": "string"}, "x"]}, "/items/1"),
    ],
)
def test_unreadable_schema_is_named_by_file_and_pointer_when_validated(schema, pointer):
    with pytest.raises(InputError) as info:
        validate(load(schema, "v2.json"), "v2.json")
    assert info.value.file == "v2.json" and info.value.pointer == pointer and info.value.hint


def test_bad_keyword_met_during_a_comparison_names_the_file_it_is_in():
    good = {"type": "object", "properties": {"qty": {"type": "integer"}}}
    bad = {"type": "object", "properties": {"qty": {"type": "integer", "maximum": "ten"}}}
    for old, new, file in ((good, bad, "v2.json"), (bad, good, "v1.json")):
        with pytest.raises(InputError) as info:
            check_compatibility(old, new, "FULL", old_file="v1.json", new_file="v2.json")
        assert info.value.file == file and info.value.pointer == "/properties/qty/maximum"


@pytest.mark.parametrize("schema", [[], "string", 3, None])
def test_schema_that_is_not_an_object_or_boolean_is_rejected(schema):
    with pytest.raises(InputError, match="object or a boolean"):
        check_compatibility(schema, {"type": "object"}, "BACKWARD", old_file="v1.json")


def test_absurdly_deep_schema_is_an_input_error_not_a_crash():
    deep: dict = {"type": "string"}
    for _ in range(5000):
        deep = {"type": "object", "properties": {"x": deep}}
    with pytest.raises(InputError, match="nested too deeply"):
        check_compatibility({"type": "object"}, deep, "BACKWARD", old_file="v1.json", new_file="v2.json")
