"""EventBridge event patterns: every documented operator, true and false cases.

Expectations follow AWS's EventBridge documentation and event-ruler's README;
where moto's matcher disagrees, a test below says so.
"""

from __future__ import annotations

import json

import pytest
from moto.events.models import EventPattern as MotoEventPattern

from registry.routing import compile_pattern


def envelope(detail: object, **top: object) -> dict:
    event = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "OrderPlaced",
        "source": "com.example.orders",
        "account": "111122223333",
        "time": "2017-12-22T18:43:48Z",
        "region": "us-west-1",
        "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
        "detail": detail,
    }
    event.update(top)
    return event


def matches(detail_pattern: dict, detail: object) -> bool:
    return compile_pattern({"detail": detail_pattern}).matches(envelope(detail))


CASES = [
    # exact strings, arrays as OR, case sensitivity
    ("exact string", {"s": ["running"]}, {"s": "running"}, True),
    ("exact string is case sensitive", {"s": ["running"]}, {"s": "Running"}, False),
    ("array of values is OR", {"s": ["pending", "running"]}, {"s": "running"}, True),
    ("none of the values", {"s": ["pending", "running"]}, {"s": "stopped"}, False),
    ("empty string matches empty string", {"s": [""]}, {"s": ""}, True),
    ("empty string does not match null", {"s": [""]}, {"s": None}, False),
    ("null matches null", {"s": [None]}, {"s": None}, True),
    ("null does not match a missing field", {"s": [None]}, {}, False),
    ("null does not match the string null", {"s": [None]}, {"s": "null"}, False),
    ("true matches true", {"b": [True]}, {"b": True}, True),
    ("true does not match the string true", {"b": [True]}, {"b": "true"}, False),
    ("true does not match 1", {"b": [True]}, {"b": 1}, False),
    ("1 does not match true", {"n": [1]}, {"n": True}, False),
    ("false matches false", {"b": [False]}, {"b": False}, True),
    # numbers compare numerically, as event-ruler does
    ("number equals same number", {"n": [300]}, {"n": 300}, True),
    ("number equals float form", {"n": [300]}, {"n": 300.0}, True),
    ("number equals exponent form", {"n": [3.018e2]}, {"n": 301.8}, True),
    ("number does not match its string", {"n": [300]}, {"n": "300"}, False),
    ("string does not match a number", {"n": ["300"]}, {"n": 300}, False),
    ("numbers equal to six decimals", {"n": [1.0000001]}, {"n": 1.0000002}, True),
    ("numbers differing at the sixth decimal", {"n": [1.000001]}, {"n": 1.000002}, False),
    ("precision truncates like ComparableNumber", {"n": [5]}, {"n": 4.9999995}, False),
    ("precision within the last double step", {"n": [5]}, {"n": 4.9999999}, True),
    ("account-sized number kept as text", {"n": [123456789012]}, {"n": 123456789012}, True),
    ("account-sized number differs", {"n": [123456789012]}, {"n": 123456789013}, False),
    # arrays in the event
    ("any element of an event array", {"tags": ["b"]}, {"tags": ["a", "b"]}, True),
    ("no element of an event array", {"tags": ["c"]}, {"tags": ["a", "b"]}, False),
    ("nested arrays flatten", {"tags": ["c"]}, {"tags": ["a", ["b", ["c"]]]}, True),
    ("empty event array matches nothing", {"tags": ["a"]}, {"tags": []}, False),
    ("object is not a leaf", {"o": ["x"]}, {"o": {"x": 1}}, False),
    # nested objects
    ("nested field", {"a": {"b": ["x"]}}, {"a": {"b": "x"}}, True),
    ("nested field missing parent", {"a": {"b": ["x"]}}, {"c": 1}, False),
    ("nested under a scalar", {"a": {"b": ["x"]}}, {"a": "x"}, False),
    (
        "fields of one array element match together",
        {"a": {"b": ["1"], "c": ["2"]}},
        {"a": [{"b": "1", "c": "2"}]},
        True,
    ),
    (
        "fields from different array elements do not",
        {"a": {"b": ["1"], "c": ["2"]}},
        {"a": [{"b": "1"}, {"c": "2"}]},
        False,
    ),
    ("later element matches", {"a": {"b": ["1"], "c": ["2"]}}, {"a": [{"b": "1"}, {"b": "1", "c": "2"}]}, True),
    # event-ruler joins keys with dots (README caveat): both spellings meet
    ("dotted pattern key meets nested event", {"state.status": ["running"]}, {"state": {"status": "running"}}, True),
    ("nested pattern meets dotted event key", {"state": {"status": ["running"]}}, {"state.status": "running"}, True),
    ("dotted key on both sides", {"state.status": ["running"]}, {"state.status": "running"}, True),
    ("dotted key, other value", {"state.status": ["running"]}, {"state": {"status": "stopped"}}, False),
    ("dotted event key, deeper", {"a": {"b": {"c": [1]}}}, {"a.b.c": 1}, True),
    ("dotted key exists false", {"a.b": [{"exists": False}]}, {"a": {"c": 1}}, True),
    # prefix / suffix / equals-ignore-case
    ("prefix", {"t": [{"prefix": "2017-10-02"}]}, {"t": "2017-10-02T18:43:48Z"}, True),
    ("prefix mismatch", {"t": [{"prefix": "2017-10-02"}]}, {"t": "2017-10-03T18:43:48Z"}, False),
    ("prefix only on strings", {"n": [{"prefix": "1"}]}, {"n": 123}, False),
    ("empty prefix matches every string", {"t": [{"prefix": ""}]}, {"t": "x"}, True),
    ("prefix ignoring case", {"s": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"s": "eventbridge"}, True),
    ("prefix ignoring case mismatch", {"s": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"s": "events"}, False),
    ("suffix", {"f": [{"suffix": ".png"}]}, {"f": "image.png"}, True),
    ("suffix is case sensitive", {"f": [{"suffix": ".png"}]}, {"f": "image.PNG"}, False),
    ("suffix ignoring case", {"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "image.PNG"}, True),
    ("suffix ignoring case mismatch", {"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "image.jpg"}, False),
    ("equals-ignore-case", {"n": [{"equals-ignore-case": "alice"}]}, {"n": "ALICE"}, True),
    ("equals-ignore-case is whole value", {"n": [{"equals-ignore-case": "alice"}]}, {"n": "ALICE2"}, False),
    ("equals-ignore-case only on strings", {"n": [{"equals-ignore-case": "1"}]}, {"n": 1}, False),
    # wildcard
    ("wildcard middle", {"k": [{"wildcard": "dir/*.png"}]}, {"k": "dir/a/b.png"}, True),
    ("wildcard mismatch", {"k": [{"wildcard": "dir/*.png"}]}, {"k": "dir/a.jpg"}, False),
    ("wildcard matches empty run", {"k": [{"wildcard": "a*b"}]}, {"k": "ab"}, True),
    ("wildcard several stars", {"k": [{"wildcard": "*/lib/*"}]}, {"k": "usr/lib/x"}, True),
    ("wildcard escaped star is literal", {"k": [{"wildcard": "a\\*b"}]}, {"k": "a*b"}, True),
    ("wildcard escaped star is not a wildcard", {"k": [{"wildcard": "a\\*b"}]}, {"k": "axb"}, False),
    ("wildcard escaped backslash", {"k": [{"wildcard": "a\\\\b"}]}, {"k": "a\\b"}, True),
    ("wildcard without star is exact", {"k": [{"wildcard": "abc"}]}, {"k": "abcd"}, False),
    ("wildcard spans newlines", {"k": [{"wildcard": "a*b"}]}, {"k": "a\nb"}, True),
    ("wildcard only on strings", {"k": [{"wildcard": "1*"}]}, {"k": 12}, False),
    # anything-but
    ("anything-but string", {"s": [{"anything-but": "initializing"}]}, {"s": "running"}, True),
    ("anything-but excluded string", {"s": [{"anything-but": "initializing"}]}, {"s": "initializing"}, False),
    ("anything-but missing field", {"s": [{"anything-but": "initializing"}]}, {}, False),
    ("anything-but number", {"n": [{"anything-but": 123}]}, {"n": 124}, True),
    ("anything-but excluded number, float form", {"n": [{"anything-but": 123}]}, {"n": 123.0}, False),
    ("anything-but list", {"s": [{"anything-but": ["stopped", "overloaded"]}]}, {"s": "running"}, True),
    ("anything-but list excluded", {"s": [{"anything-but": ["stopped", "overloaded"]}]}, {"s": "stopped"}, False),
    ("anything-but numbers list", {"n": [{"anything-but": [100, 200]}]}, {"n": 150}, True),
    ("anything-but numbers list excluded", {"n": [{"anything-but": [100, 200]}]}, {"n": 200}, False),
    ("anything-but any element not excluded", {"s": [{"anything-but": ["a"]}]}, {"s": ["a", "b"]}, True),
    ("anything-but every element excluded", {"s": [{"anything-but": ["a", "b"]}]}, {"s": ["a", "b"]}, False),
    ("anything-but other type is not excluded", {"s": [{"anything-but": "5"}]}, {"s": 5}, True),
    ("anything-but prefix", {"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "running"}, True),
    ("anything-but prefix excluded", {"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "initializing"}, False),
    ("anything-but suffix", {"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "a.jpg"}, True),
    ("anything-but suffix excluded", {"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "a.png"}, False),
    ("anything-but ignoring case", {"s": [{"anything-but": {"equals-ignore-case": "init"}}]}, {"s": "run"}, True),
    (
        "anything-but ignoring case excluded",
        {"s": [{"anything-but": {"equals-ignore-case": "init"}}]},
        {"s": "INIT"},
        False,
    ),
    (
        "anything-but ignoring case list",
        {"s": [{"anything-but": {"equals-ignore-case": ["a", "b"]}}]},
        {"s": "B"},
        False,
    ),
    ("anything-but wildcard", {"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "/usr/bin/x"}, True),
    ("anything-but wildcard excluded", {"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "/usr/lib/x"}, False),
    ("anything-but wildcard list", {"p": [{"anything-but": {"wildcard": ["*.png", "*.jpg"]}}]}, {"p": "a.jpg"}, False),
    # numeric
    ("numeric range inside", {"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 5}, True),
    ("numeric range lower bound open", {"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 0}, False),
    ("numeric range above", {"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 5.000001}, False),
    ("numeric closed lower bound", {"c": [{"numeric": [">=", 0, "<", 5]}]}, {"c": 0}, True),
    ("numeric open upper bound", {"c": [{"numeric": [">=", 0, "<", 5]}]}, {"c": 5}, False),
    ("numeric less than", {"c": [{"numeric": ["<", 10]}]}, {"c": -1e9}, True),
    ("numeric less or equal", {"c": [{"numeric": ["<=", 10]}]}, {"c": 10}, True),
    ("numeric greater", {"c": [{"numeric": [">", 10]}]}, {"c": 10}, False),
    ("numeric greater or equal", {"c": [{"numeric": [">=", 10]}]}, {"c": 10.0}, True),
    ("numeric equals exponent", {"c": [{"numeric": ["=", 3.018e2]}]}, {"c": 301.8}, True),
    ("numeric equals mismatch", {"c": [{"numeric": ["=", 3.018e2]}]}, {"c": 301.9}, False),
    ("numeric on a numeric string", {"c": [{"numeric": [">", 0]}]}, {"c": "5"}, False),
    ("numeric on a bool", {"c": [{"numeric": [">", 0]}]}, {"c": True}, False),
    ("numeric beyond event-ruler's range never matches", {"c": [{"numeric": [">", 0]}]}, {"c": 6e9}, False),
    ("numeric at the range limit", {"c": [{"numeric": [">=", 5e9]}]}, {"c": 5e9}, True),
    ("numeric on array elements", {"c": [{"numeric": [">", 0, "<", 10]}]}, {"c": [100, 5]}, True),
    ("numeric six-decimal precision", {"c": [{"numeric": [">", 0.0000001]}]}, {"c": 0.0000002}, False),
    # exists
    ("exists true", {"c": [{"exists": True}]}, {"c": 5}, True),
    ("exists true on missing", {"c": [{"exists": True}]}, {}, False),
    ("exists true on null (null is a value)", {"c": [{"exists": True}]}, {"c": None}, True),
    ("exists true on empty string", {"c": [{"exists": True}]}, {"c": ""}, True),
    ("exists true on an object (not a leaf)", {"c": [{"exists": True}]}, {"c": {"d": 1}}, False),
    ("exists true on an array", {"c": [{"exists": True}]}, {"c": ["x"]}, True),
    ("exists true on an empty array", {"c": [{"exists": True}]}, {"c": []}, False),
    ("exists false on missing", {"c": [{"exists": False}]}, {"d": 1}, True),
    ("exists false on present", {"c": [{"exists": False}]}, {"c": 1}, False),
    ("exists false on null", {"c": [{"exists": False}]}, {"c": None}, False),
    ("exists false on an object (not a leaf)", {"c": [{"exists": False}]}, {"c": {"d": 1}}, True),
    ("exists false on an empty array", {"c": [{"exists": False}]}, {"c": []}, True),
    ("exists false under missing parent", {"a": {"b": [{"exists": False}]}}, {}, True),
    ("exists false with a value as OR", {"c": [{"exists": False}, "x"]}, {"c": "x"}, True),
    # cidr
    ("cidr ipv4 inside", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"}, True),
    ("cidr ipv4 outside", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.0"}, False),
    ("cidr ipv6 inside", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8:1::1"}, True),
    ("cidr ipv6 outside", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db9::1"}, False),
    ("cidr ipv4 event vs ipv6 block", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "10.0.0.1"}, False),
    ("cidr on a non-address", {"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "ten"}, False),
    ("cidr on a number", {"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": 10}, False),
    ("ip literal matches other spelling", {"ip": ["2001:db8::1"]}, {"ip": "2001:0db8:0:0:0:0:0:1"}, True),
    # $or
    ("$or first branch", {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"a": "1"}, True),
    ("$or second branch", {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"b": "2"}, True),
    ("$or no branch", {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"a": "2", "b": "1"}, False),
    ("$or with AND", {"s": ["x"], "$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"s": "y", "a": "1"}, False),
    (
        "$or nested",
        {"$or": [{"a": ["1"]}, {"b": ["2"], "$or": [{"c": ["3"]}, {"d": ["4"]}]}]},
        {"b": "2", "d": "4"},
        True,
    ),
    (
        "$or nested fails inner",
        {"$or": [{"a": ["1"]}, {"b": ["2"], "$or": [{"c": ["3"]}, {"d": ["4"]}]}]},
        {"b": "2"},
        False,
    ),
    ("$or with reserved keys is a field name", {"$or": [{"numeric": [">", 1]}, {"prefix": "a"}]}, {"$or": "abc"}, True),
    ("$or object is a field name", {"$or": {"a": ["1"]}}, {"$or": {"a": "1"}}, True),
]


@pytest.mark.parametrize("name, pattern, detail, expected", CASES, ids=[c[0] for c in CASES])
def test_eventbridge_operator(name: str, pattern: dict, detail: object, expected: bool) -> None:
    assert matches(pattern, detail) is expected


def test_top_level_fields_and_resources_array() -> None:
    pattern = compile_pattern(
        {
            "source": ["com.example.orders"],
            "detail-type": ["OrderPlaced"],
            "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0", "other"],
        }
    )
    assert pattern.matches(envelope({}))
    assert not pattern.matches(envelope({}, source="com.example.other"))
    assert not pattern.matches(envelope({}, resources=[]))


def test_pattern_given_as_json_text_is_the_same_pattern() -> None:
    text = json.dumps({"detail": {"n": [{"numeric": [">", 1]}]}})
    assert compile_pattern(text).matches(envelope({"n": 2}))
    assert not compile_pattern(text).matches(envelope({"n": 1}))


def test_event_that_is_not_an_object_never_matches() -> None:
    pattern = compile_pattern({"detail": {"a": [{"exists": False}]}})
    assert not pattern.matches(["not", "an", "event"])
    assert not pattern.matches(None)


def test_anything_but_on_a_missing_field_fails_as_in_moto() -> None:
    """AWS and moto agree: anything-but needs the field present."""
    rule = {"detail": {"n": [{"anything-but": "x"}]}}
    moto = MotoEventPattern(json.dumps(rule), rule)
    assert compile_pattern(rule).matches(envelope({})) is False
    assert moto.matches_event(envelope({})) is False


def test_moto_differs_on_object_arrays_aws_keeps_array_consistency() -> None:
    """event-ruler matches fields of one array element together; moto flattens and ignores the array."""
    rule = {"detail": {"a": {"b": ["1"], "c": ["2"]}}}
    event = envelope({"a": [{"b": "1", "c": "2"}]})
    assert compile_pattern(rule).matches(event) is True
    assert MotoEventPattern(json.dumps(rule), rule).matches_event(event) is False


def test_moto_differs_on_numeric_equality_aws_compares_numbers() -> None:
    """AWS compares 300 and 3.0e2 as numbers; so does Python equality in moto, but not 6 decimals."""
    rule = {"detail": {"n": [1.0000001]}}
    event = envelope({"n": 1.0000002})
    assert compile_pattern(rule).matches(event) is True
    assert MotoEventPattern(json.dumps(rule), rule).matches_event(event) is False


def test_moto_differs_on_empty_objects_aws_sees_no_leaf() -> None:
    """An empty object holds no leaf, so exists:true fails on AWS; moto treats `{}` as a value."""
    rule = {"detail": {"foo": [{"exists": True}]}}
    event = envelope({"foo": {}})
    assert compile_pattern(rule).matches(event) is False
    assert MotoEventPattern(json.dumps(rule), rule).matches_event(event) is True


def test_moto_differs_on_numbers_beyond_event_ruler_range() -> None:
    """event-ruler compares numbers within +-5e9 only; a larger event value never matches numeric."""
    rule = {"detail": {"n": [{"numeric": [">", 0]}]}}
    event = envelope({"n": 6e9})
    assert compile_pattern(rule).matches(event) is False
    assert MotoEventPattern(json.dumps(rule), rule).matches_event(event) is True
