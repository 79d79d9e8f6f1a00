"""Properties that must hold for any schema, not just the fixtures."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.compat import check_compatibility, diff_schemas

NAMES = st.sampled_from(["id", "amount", "note", "status", "items", "x-trace", "createdAt"])


def _leaf() -> st.SearchStrategy:
    string = st.fixed_dictionaries(
        {"type": st.just("string")},
        optional={
            "maxLength": st.integers(1, 50),
            "minLength": st.integers(0, 5),
            "pattern": st.sampled_from(["^[a-z]+$", "^x-"]),
            "format": st.just("date-time"),
        },
    )
    number = st.fixed_dictionaries(
        {"type": st.sampled_from(["number", "integer"])},
        optional={
            "minimum": st.integers(-5, 0),
            "maximum": st.integers(1, 99),
            "multipleOf": st.sampled_from([1, 2, 0.5]),
        },
    )
    enum = st.fixed_dictionaries(
        {"enum": st.lists(st.sampled_from(["A", "B", "C", 1, None]), min_size=1, max_size=3, unique=True)}
    )
    return st.one_of(
        string,
        number,
        enum,
        st.just({"type": "boolean"}),
        st.just({"type": "null"}),
        st.booleans(),
        st.just({}),
        st.fixed_dictionaries({"const": st.sampled_from(["x", 1])}),
    )


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    obj = st.fixed_dictionaries(
        {"type": st.just("object"), "properties": st.dictionaries(NAMES, children, max_size=4)},
        optional={
            "additionalProperties": st.one_of(st.booleans(), children),
            "required": st.lists(NAMES, max_size=2, unique=True),
            "patternProperties": st.dictionaries(st.just("^x-"), children, max_size=1),
        },
    )
    array = st.fixed_dictionaries(
        {"type": st.just("array")},
        optional={
            "items": st.one_of(children, st.lists(children, min_size=1, max_size=3)),
            "additionalItems": st.one_of(st.booleans(), children),
            "maxItems": st.integers(1, 9),
            "uniqueItems": st.booleans(),
        },
    )
    combined = st.builds(
        lambda kw, subs: {kw: subs},
        st.sampled_from(["oneOf", "anyOf", "allOf"]),
        st.lists(children, min_size=1, max_size=3),
    )
    negated = st.builds(lambda s: {"not": s}, children)
    return st.one_of(obj, array, combined, negated)


SCHEMAS = st.recursive(_leaf(), _extend, max_leaves=12)
CLOSED_OBJECTS = st.builds(
    lambda props, required: {
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        "required": [r for r in required if r in props],
    },
    st.dictionaries(NAMES, SCHEMAS, max_size=4),
    st.lists(NAMES, max_size=3, unique=True),
)


@settings(max_examples=100, deadline=None)
@given(SCHEMAS)
def test_every_schema_is_fully_compatible_with_itself(schema):
    assert check_compatibility(schema, schema, "FULL_TRANSITIVE") == []
    assert all(c.compatible for c in diff_schemas(schema, schema))


@settings(max_examples=100, deadline=None)
@given(CLOSED_OBJECTS, st.sampled_from(["added", "extra", "newField"]), SCHEMAS)
def test_adding_an_optional_property_to_a_closed_model_is_backward_compatible(old, name, prop):
    new = {**old, "properties": {**old["properties"], name: prop}}
    assert check_compatibility(old, new, "BACKWARD") == []


@settings(max_examples=100, deadline=None)
@given(CLOSED_OBJECTS, st.sampled_from(["added", "extra"]), SCHEMAS)
def test_adding_a_required_property_without_default_to_a_closed_model_is_not(old, name, prop):
    prop = prop if isinstance(prop, dict) else {}
    prop = {k: v for k, v in prop.items() if k != "default"}
    new = {**old, "properties": {**old["properties"], name: prop}, "required": [*old["required"], name]}
    rules = {f.rule_id for f in check_compatibility(old, new, "BACKWARD")}
    assert "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL" in rules


@settings(max_examples=100, deadline=None)
@given(SCHEMAS, SCHEMAS)
def test_verdict_only_comparison_finds_exactly_the_incompatible_changes(old, new):
    from registry.compat.engine import diff_documents
    from registry.compat.nodes import load_document

    full = diff_documents(load_document(old).root, load_document(new).root)
    fast = diff_documents(load_document(old).root, load_document(new).root, incompatible_only=True)
    assert fast == [c for c in full if not c.compatible]
