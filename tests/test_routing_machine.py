"""The shared machine gives, for every pattern, the verdict of that pattern's own matcher.

The per-pattern matcher (`compile_pattern(...).matches`) is the reference: it
is what the conformance tests pin to AWS. Random sets of patterns and random
events from the whole supported grammar (both dialects, every operator,
`$or`, nesting, dotted keys, arrays of objects) must get identical answers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.routing import PatternError, compile_pattern, compile_policy
from registry.routing.machine import MAX_CONJUNCTIONS, Machine
from tests.test_routing_eventbridge import CASES as EVENTBRIDGE_CASES
from tests.test_routing_eventbridge import envelope
from tests.test_routing_properties import ranges
from tests.test_routing_sns import ATTRIBUTE_CASES, BODY_CASES

FIELDS = ["a", "b", "c"]
WORDS = ["", "x", "xy", "yx", "X", "abc", "ABC", "aBc", "10.0.0.1", "10.0.1.1", "::1", "a.b", "x*y"]
NUMBERS = [-2, 0, 1, 2, 5, 7.5, 100, 1.0000001, 6e9]

scalars = st.one_of(st.sampled_from(WORDS), st.sampled_from(NUMBERS), st.sampled_from([True, False, None]))
values = st.one_of(scalars, st.lists(scalars, max_size=3))
inner = st.dictionaries(st.sampled_from(FIELDS), values, max_size=3)
# "o" is most often an array of several objects, where array consistency decides
nested = st.one_of(st.lists(inner, min_size=2, max_size=3), inner, st.lists(st.one_of(inner, scalars), max_size=3))
events = st.fixed_dictionaries(
    {}, optional={"a": values, "b": values, "c": values, "o": nested, "o.a": values, "b.c": values}
)

nonempty = st.sampled_from([w for w in WORDS if w])
plain = st.sampled_from(["x", "xy", "abc", "a"])
common = [
    st.sampled_from(WORDS),
    st.sampled_from(NUMBERS[:-1]),
    st.sampled_from([True, False, None]),
    st.builds(lambda x: {"prefix": x}, st.sampled_from(WORDS)),
    st.builds(lambda x: {"suffix": x}, st.sampled_from(WORDS)),
    st.builds(lambda x: {"equals-ignore-case": x}, st.sampled_from(WORDS)),
    st.builds(lambda x: {"anything-but": x}, st.one_of(nonempty, st.lists(nonempty, min_size=1, max_size=3))),
    st.builds(lambda x: {"anything-but": x}, st.lists(st.sampled_from(NUMBERS[:-1]), min_size=1, max_size=3)),
    st.builds(lambda x: {"anything-but": {"prefix": x}}, plain),
    st.builds(lambda x: {"anything-but": {"suffix": x}}, plain),
    st.builds(lambda x: {"numeric": x}, ranges),
    st.builds(lambda x: {"exists": x}, st.booleans()),
    st.builds(lambda x: {"cidr": x}, st.sampled_from(["10.0.0.0/24", "10.0.0.1", "::/0"])),
]
eventbridge_only = [
    st.sampled_from([6e9]),
    st.builds(lambda x: {"prefix": {"equals-ignore-case": x}}, st.sampled_from(WORDS)),
    st.builds(lambda x: {"suffix": {"equals-ignore-case": x}}, st.sampled_from(WORDS)),
    st.builds(lambda x: {"wildcard": x}, st.sampled_from(["x*", "*y", "a*c", "*", "x\\*y"])),
    st.builds(lambda x: {"anything-but": {"equals-ignore-case": x}}, st.one_of(plain, st.lists(plain, min_size=1))),
    st.builds(lambda x: {"anything-but": {"wildcard": x}}, st.sampled_from(["x*", "*c"])),
    st.builds(lambda x: {"anything-but": {"prefix": x}}, st.lists(plain, min_size=1, max_size=2)),
    st.builds(lambda x: {"anything-but": {"suffix": x}}, st.lists(plain, min_size=1, max_size=2)),
]
sns_only = [  # SNS documents these forms (issue 15); a policy past SNS's wildcard guidelines is skipped
    st.builds(lambda x: {"wildcard": x}, st.sampled_from(["x*", "*y", "a*c"])),
    st.builds(lambda x: {"anything-but": {"wildcard": x}}, st.sampled_from(["x*", "*c"])),
]


def pattern_strategy(conditions: st.SearchStrategy[Any], keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    leaf = st.lists(conditions, min_size=1, max_size=3)
    flat = st.dictionaries(st.sampled_from(keys), leaf, min_size=1, max_size=3)
    return st.recursive(
        flat,
        lambda sub: st.one_of(
            st.dictionaries(st.sampled_from([*keys, "o"]), st.one_of(leaf, sub), min_size=1, max_size=3),
            st.builds(lambda a, b, rest: {**rest, "$or": [a, b]}, sub, sub, flat),
        ),
        max_leaves=5,
    )


eventbridge_patterns = pattern_strategy(st.one_of(*common, *eventbridge_only), [*FIELDS, "o.a", "b.c"])
sns_patterns = pattern_strategy(st.one_of(*common), [*FIELDS, "o.a", "b.c"])


def agree(compiled: list[Any], cases: list[Any]) -> None:
    machine: Machine[int] = Machine()
    for i, c in enumerate(compiled):
        machine.add(i, c)
    for case in cases:
        assert machine.match(case) == [i for i, c in enumerate(compiled) if c.matches(case)], case


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns=st.lists(eventbridge_patterns, min_size=1, max_size=8), details=st.lists(events, max_size=6))
def test_eventbridge_machine_agrees_with_each_pattern(patterns: list[dict[str, Any]], details: list[Any]) -> None:
    agree([compile_pattern({"detail": p}) for p in patterns], [{"detail": d} for d in details] + [{}, "x"])


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns=st.lists(sns_patterns, min_size=1, max_size=8), bodies=st.lists(events, max_size=6))
def test_sns_body_machine_agrees_with_each_policy(patterns: list[dict[str, Any]], bodies: list[Any]) -> None:
    compiled = []
    for p in patterns:
        try:
            compiled.append(compile_policy({"detail": p}, "MessageBody"))
        except PatternError:
            continue  # beyond SNS's key or combination limits
    compiled.append(compile_policy({}, "MessageBody"))
    cases: list[Any] = [{"detail": b} for b in bodies]
    agree(compiled, [*cases, json.dumps(cases[0]) if cases else "{}", "not json", [1]])


attribute_values = st.one_of(
    st.builds(lambda v: {"Type": "String", "Value": v}, st.sampled_from(WORDS)),
    st.builds(lambda v: {"Type": "Number", "Value": str(v)}, st.sampled_from(NUMBERS[:-1])),
    st.builds(lambda v: {"Type": "String.Array", "Value": json.dumps(v)}, st.lists(scalars, max_size=3)),
    st.builds(lambda v: {"Type": "Binary", "Value": v}, st.sampled_from(WORDS)),
)
attributes = st.dictionaries(st.sampled_from(FIELDS), attribute_values, max_size=3)
flat_policies = st.dictionaries(
    st.sampled_from(FIELDS), st.lists(st.one_of(*common), min_size=1, max_size=3), min_size=1
)


@settings(max_examples=40, deadline=None)
@given(policies=st.lists(flat_policies, min_size=1, max_size=6), messages=st.lists(attributes, max_size=6))
def test_sns_attribute_machine_agrees_with_each_policy(
    policies: list[dict[str, Any]], messages: list[dict[str, Any]]
) -> None:
    agree([compile_policy(p, "MessageAttributes") for p in policies], [*messages, {}, "x"])


small = st.sampled_from(["x", "y", 1, None])
small_conditions = st.one_of(
    small,
    st.just({"exists": False}),
    st.just({"exists": True}),
    st.just({"anything-but": "x"}),
    st.just({"prefix": "x"}),
)
element = st.fixed_dictionaries({"a": small}, optional={"b": st.one_of(small, st.lists(small, max_size=2))})
element = st.one_of(element, st.dictionaries(st.sampled_from(["a", "b"]), small, max_size=2))
array_patterns = st.dictionaries(
    st.sampled_from(["a", "b"]), st.lists(small_conditions, min_size=1, max_size=2), min_size=1, max_size=2
)


@settings(max_examples=40, deadline=None)
@given(
    patterns=st.lists(array_patterns, min_size=1, max_size=6),
    arrays=st.lists(st.lists(element, min_size=2, max_size=3), min_size=1, max_size=4),
)
def test_arrays_of_objects_agree_with_each_pattern(patterns: list[dict[str, Any]], arrays: list[Any]) -> None:
    """Fields matched together must come from one element (event-ruler's array consistency)."""
    events = [{"detail": {"o": a}} for a in arrays]
    agree([compile_pattern({"detail": {"o": p}}) for p in patterns], events)
    agree([compile_policy({"detail": {"o": p}}, "MessageBody") for p in patterns], events)


@pytest.mark.parametrize(
    ("name", "pattern", "detail", "expected"), EVENTBRIDGE_CASES, ids=[c[0] for c in EVENTBRIDGE_CASES]
)
def test_eventbridge_conformance_cases_through_the_machine(
    name: str, pattern: Any, detail: Any, expected: bool
) -> None:
    machine: Machine[str] = Machine()
    machine.add("unrelated", compile_pattern({"detail": {"zz": ["never"]}}))
    machine.add("case", compile_pattern({"detail": pattern}))
    assert machine.match(envelope(detail)) == (["case"] if expected else [])


@pytest.mark.parametrize(("name", "policy", "attrs", "expected"), ATTRIBUTE_CASES, ids=[c[0] for c in ATTRIBUTE_CASES])
def test_sns_attribute_conformance_cases_through_the_machine(
    name: str, policy: Any, attrs: Any, expected: bool
) -> None:
    machine: Machine[str] = Machine()
    machine.add("case", compile_policy(policy, "MessageAttributes"))
    assert machine.match(attrs) == (["case"] if expected else [])


@pytest.mark.parametrize(("name", "policy", "body", "expected"), BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_sns_body_conformance_cases_through_the_machine(name: str, policy: Any, body: Any, expected: bool) -> None:
    machine: Machine[str] = Machine()
    machine.add("case", compile_policy(policy, "MessageBody"))
    assert machine.match(body) == (["case"] if expected else [])


def test_array_consistency_needs_both_fields_in_one_element() -> None:
    machine: Machine[str] = Machine()
    machine.add("same-item", compile_pattern({"detail": {"items": {"sku": ["A"], "qty": [2]}}}))
    machine.add("sku-a", compile_pattern({"detail": {"items": {"sku": ["A"]}}}))
    split = {"detail": {"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}}
    together = {"detail": {"items": [{"sku": "B", "qty": 1}, {"sku": "A", "qty": 2}]}}
    assert machine.match(split) == ["sku-a"]
    assert machine.match(together) == ["same-item", "sku-a"]


def test_exists_false_holds_when_one_element_lacks_the_field() -> None:
    machine: Machine[str] = Machine()
    machine.add("no-coupon", compile_pattern({"detail": {"items": {"coupon": [{"exists": False}]}}}))
    assert machine.match({"detail": {"items": [{"coupon": "X"}, {}]}}) == ["no-coupon"]
    assert machine.match({"detail": {"items": [{"coupon": "X"}, {"coupon": "Y"}]}}) == []


def test_two_anything_but_in_one_field_are_or_ed() -> None:
    machine: Machine[str] = Machine()
    machine.add("either", compile_pattern({"detail": {"s": [{"anything-but": "a"}, {"anything-but": "b"}]}}))
    assert machine.match({"detail": {"s": "a"}}) == ["either"]
    assert machine.match({"detail": {"s": "c"}}) == ["either"]


def test_a_pattern_with_too_many_combinations_is_left_to_its_own_matcher() -> None:
    branches = [{"k": [str(i)]} for i in range(17)]  # 17 x 17 = 289 combinations: AWS takes up to 1,000
    pattern = {"detail": {"$or": branches, "x": {"$or": branches}}}
    machine: Machine[str] = Machine()
    machine.add("big", compile_pattern(pattern))
    assert MAX_CONJUNCTIONS < 17 * 17
    assert machine.stats()["reference_only"] == 1
    assert machine.match({"detail": {"k": "3", "x": {"k": "16"}}}) == ["big"]
    assert machine.match({"detail": {"k": "3", "x": {"k": "17"}}}) == []


def test_a_machine_holds_one_family() -> None:
    machine: Machine[str] = Machine()
    machine.add("rule", compile_pattern({"source": ["s"]}))
    with pytest.raises(TypeError):
        machine.add("policy", compile_policy({"a": ["1"]}, "MessageAttributes"))


def test_many_patterns_on_one_type_match_like_each_pattern() -> None:
    compiled = [
        compile_pattern(
            {
                "source": ["shop"],
                "detail-type": ["OrderPlaced"],
                "detail": {"amount": [{"numeric": [">=", i % 50]}], "status": [{"anything-but": [f"s{i % 7}"]}]},
            }
        )
        for i in range(300)
    ]
    cases = [
        {"source": "shop", "detail-type": "OrderPlaced", "detail": {"amount": n, "status": f"s{n % 9}"}}
        for n in range(0, 60, 3)
    ]
    agree(compiled, cases)
