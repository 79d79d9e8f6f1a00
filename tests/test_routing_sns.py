"""SNS filter policies, both scopes, per operator, true and false cases.

Expectations follow the SNS developer guide (filter policies, key matching,
string/numeric value matching, constraints); where moto's FilterPolicyMatcher
disagrees, a test below says so.
"""

from __future__ import annotations

import json

import pytest
from moto.sns.utils import FilterPolicyMatcher

from registry.routing import compile_policy


def s(value: str) -> dict:
    return {"Type": "String", "Value": value}


def n(value: str | float) -> dict:
    return {"Type": "Number", "Value": str(value)}


def arr(*values: object) -> dict:
    return {"Type": "String.Array", "Value": json.dumps(list(values))}


ATTRIBUTE_CASES = [
    ("exact string", {"c": ["rugby", "tennis"]}, {"c": s("rugby")}, True),
    ("exact string mismatch", {"c": ["rugby", "tennis"]}, {"c": s("baseball")}, False),
    ("exact string is case sensitive", {"c": ["rugby"]}, {"c": s("Rugby")}, False),
    ("missing attribute", {"c": ["rugby"]}, {"other": s("rugby")}, False),
    ("string array any element", {"c": ["rugby"]}, {"c": arr("baseball", "rugby")}, True),
    ("string array no element", {"c": ["rugby"]}, {"c": arr("baseball")}, False),
    ("string array number element", {"c": [5]}, {"c": arr("a", 5)}, True),
    ("string array bool element", {"c": [True]}, {"c": arr(True)}, True),
    ("string array null element", {"c": [None]}, {"c": arr(None)}, True),
    (
        "string array value that is not JSON is one element",
        {"c": ["[x"]},
        {"c": {"Type": "String.Array", "Value": "[x"}},
        True,
    ),
    (
        "string array value that is not JSON, other value",
        {"c": ["x"]},
        {"c": {"Type": "String.Array", "Value": "[x"}},
        False,
    ),
    ("string array value that is a scalar", {"c": [100]}, {"c": {"Type": "String.Array", "Value": "100"}}, True),
    ("string policy on a Number attribute", {"c": ["5"]}, {"c": n(5)}, False),
    ("number policy on a String attribute", {"c": [5]}, {"c": s("5")}, False),
    ("number policy on a Number attribute", {"p": [301.5]}, {"p": n("3.015e2")}, True),
    ("number policy on a Number attribute mismatch", {"p": [301.5]}, {"p": n(301.6)}, False),
    ("numeric equals", {"p": [{"numeric": ["=", 301.5]}]}, {"p": n("301.5")}, True),
    ("numeric range", {"p": [{"numeric": [">", 0, "<=", 150]}]}, {"p": n(150)}, True),
    ("numeric range above", {"p": [{"numeric": [">", 0, "<=", 150]}]}, {"p": n(150.1)}, False),
    ("numeric below zero", {"p": [{"numeric": ["<", 0]}]}, {"p": n(-1)}, True),
    ("numeric on a String attribute", {"p": [{"numeric": [">", 0]}]}, {"p": s("5")}, False),
    ("numeric on a number in a string array", {"p": [{"numeric": [">", 10]}]}, {"p": arr(1, 20)}, True),
    ("numeric five-decimal precision", {"p": [{"numeric": ["=", 1.000001]}]}, {"p": n(1.000002)}, True),
    ("numeric precision distinguishes 5th decimal", {"p": [{"numeric": ["=", 1.00001]}]}, {"p": n(1.00002)}, False),
    ("numeric beyond SNS range never matches", {"p": [{"numeric": [">", 0]}]}, {"p": n(2e9)}, False),
    ("Number attribute that is not a number", {"p": [{"numeric": [">", 0]}]}, {"p": n("abc")}, False),
    ("custom Number label", {"p": [{"numeric": [">", 0]}]}, {"p": {"Type": "Number.float", "Value": "1.5"}}, True),
    ("custom String label", {"c": ["x"]}, {"c": {"Type": "String.custom", "Value": "x"}}, True),
    ("Binary attributes are ignored", {"c": [{"exists": True}]}, {"c": {"Type": "Binary", "Value": "eA=="}}, False),
    ("prefix", {"c": [{"prefix": "bas"}]}, {"c": s("basketball")}, True),
    ("prefix mismatch", {"c": [{"prefix": "bas"}]}, {"c": s("rugby")}, False),
    ("prefix on a Number attribute", {"c": [{"prefix": "1"}]}, {"c": n(12)}, False),
    ("suffix", {"c": [{"suffix": "ball"}]}, {"c": s("baseball")}, True),
    ("suffix mismatch", {"c": [{"suffix": "ball"}]}, {"c": s("rugby")}, False),
    ("equals-ignore-case", {"c": [{"equals-ignore-case": "RUGBY"}]}, {"c": s("rugby")}, True),
    ("equals-ignore-case mismatch", {"c": [{"equals-ignore-case": "RUGBY"}]}, {"c": s("rugby league")}, False),
    ("anything-but list", {"c": [{"anything-but": ["rugby", "tennis"]}]}, {"c": s("baseball")}, True),
    ("anything-but list excluded", {"c": [{"anything-but": ["rugby", "tennis"]}]}, {"c": s("rugby")}, False),
    (
        "anything-but array with one allowed",
        {"c": [{"anything-but": ["rugby", "tennis"]}]},
        {"c": arr("rugby", "baseball")},
        True,
    ),
    ("anything-but missing attribute", {"c": [{"anything-but": ["rugby"]}]}, {"x": s("y")}, False),
    ("anything-but numbers", {"p": [{"anything-but": [100, 500]}]}, {"p": n(100.1)}, True),
    ("anything-but numbers excluded", {"p": [{"anything-but": [100, 500]}]}, {"p": n(100)}, False),
    ("anything-but prefix", {"e": [{"anything-but": {"prefix": "order-"}}]}, {"e": s("data-entry")}, True),
    (
        "anything-but prefix excluded",
        {"e": [{"anything-but": {"prefix": "order-"}}]},
        {"e": s("order-cancelled")},
        False,
    ),
    ("anything-but suffix", {"e": [{"anything-but": {"suffix": "-test"}}]}, {"e": s("prod")}, True),
    ("anything-but suffix excluded", {"e": [{"anything-but": {"suffix": "-test"}}]}, {"e": s("a-test")}, False),
    ("exists true", {"store": [{"exists": True}]}, {"store": s("fans")}, True),
    ("exists true missing", {"store": [{"exists": True}]}, {"other": s("x")}, False),
    ("exists true on an empty array", {"store": [{"exists": True}]}, {"store": arr()}, False),
    ("exists false", {"store": [{"exists": False}]}, {"other": s("x")}, True),
    ("exists false present", {"store": [{"exists": False}]}, {"store": s("fans")}, False),
    ("exists false needs at least one attribute", {"store": [{"exists": False}]}, {}, False),
    ("cidr inside", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": s("10.0.0.255")}, True),
    ("cidr outside", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": s("10.1.1.0")}, False),
    ("cidr ipv6", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": s("2001:db8::5")}, True),
    ("AND across keys", {"c": ["rugby"], "p": [{"numeric": [">", 100]}]}, {"c": s("rugby"), "p": n(101)}, True),
    (
        "AND across keys one fails",
        {"c": ["rugby"], "p": [{"numeric": [">", 100]}]},
        {"c": s("rugby"), "p": n(99)},
        False,
    ),
    ("$or across keys", {"$or": [{"c": ["rugby"]}, {"p": [{"numeric": [">", 100]}]}]}, {"p": n(101)}, True),
    ("$or across keys none", {"$or": [{"c": ["rugby"]}, {"p": [{"numeric": [">", 100]}]}]}, {"p": n(1)}, False),
    ("empty policy matches everything", {}, {}, True),
    ("attribute names may contain dots", {"a.b": ["x"]}, {"a.b": s("x")}, True),
]


@pytest.mark.parametrize("name, policy, attributes, expected", ATTRIBUTE_CASES, ids=[c[0] for c in ATTRIBUTE_CASES])
def test_sns_message_attributes(name: str, policy: dict, attributes: dict, expected: bool) -> None:
    assert compile_policy(policy, "MessageAttributes").matches(attributes) is expected


BODY_CASES = [
    ("exact string", {"store": ["fans"]}, {"store": "fans"}, True),
    ("exact string mismatch", {"store": ["fans"]}, {"store": "shop"}, False),
    ("missing key", {"store": ["fans"]}, {"x": 1}, False),
    ("nested key", {"a": {"b": ["x"]}}, {"a": {"b": "x"}}, True),
    ("nested key deeper", {"a": {"b": {"c": [1]}}}, {"a": {"b": {"c": 1.0}}}, True),
    ("nested key missing parent", {"a": {"b": ["x"]}}, {"b": "x"}, False),
    ("array in body, any element", {"i": ["rugby"]}, {"i": ["baseball", "rugby"]}, True),
    (
        "array of objects, any element",
        {"r": {"e": [{"prefix": "ObjectCreated:"}]}},
        {"r": [{"e": "x"}, {"e": "ObjectCreated:Put"}]},
        True,
    ),
    ("array of objects, none", {"r": {"e": [{"prefix": "ObjectCreated:"}]}}, {"r": [{"e": "x"}]}, False),
    ("number compared numerically", {"p": [301.5]}, {"p": 3.015e2}, True),
    ("number does not match its string", {"p": [301.5]}, {"p": "301.5"}, False),
    ("string does not match a number", {"p": ["5"]}, {"p": 5}, False),
    ("numeric range", {"p": [{"numeric": [">", 0, "<=", 150]}]}, {"p": 100}, True),
    ("numeric range outside", {"p": [{"numeric": [">", 0, "<=", 150]}]}, {"p": 0}, False),
    ("numeric on a string", {"p": [{"numeric": [">", 0]}]}, {"p": "5"}, False),
    ("anything-but number list on body array", {"p": [{"anything-but": [100, 500]}]}, {"p": [100, 50]}, True),
    ("anything-but number excluded", {"p": [{"anything-but": [100, 500]}]}, {"p": 100}, False),
    ("anything-but on null (absent for SNS)", {"p": [{"anything-but": ["x"]}]}, {"p": None}, False),
    ("prefix", {"s": [{"prefix": "bas"}]}, {"s": "baseball"}, True),
    ("suffix", {"s": [{"suffix": "ball"}]}, {"s": "baseball"}, True),
    ("equals-ignore-case", {"s": [{"equals-ignore-case": "BASEBALL"}]}, {"s": "baseball"}, True),
    ("cidr", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.1"}, True),
    ("cidr outside", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.1"}, False),
    ("exists true", {"store": [{"exists": True}]}, {"store": "fans"}, True),
    ("exists true needs non-null", {"store": [{"exists": True}]}, {"store": None}, False),
    ("exists true needs non-empty array", {"store": [{"exists": True}]}, {"store": []}, False),
    ("exists true on an object (not a leaf)", {"store": [{"exists": True}]}, {"store": {"a": 1}}, False),
    ("exists false", {"store": [{"exists": False}]}, {"c": ["baseball"]}, True),
    ("exists false present", {"store": [{"exists": False}]}, {"store": "fans"}, False),
    ("exists false on null", {"store": [{"exists": False}]}, {"store": None}, True),
    ("null matches null", {"store": [None]}, {"store": None}, True),
    ("bool matches bool", {"flag": [True]}, {"flag": True}, True),
    ("bool does not match string", {"flag": [True]}, {"flag": "true"}, False),
    ("$or in body", {"$or": [{"a": ["1"]}, {"b": {"c": ["2"]}}]}, {"b": {"c": "2"}}, True),
    ("$or in body none", {"$or": [{"a": ["1"]}, {"b": {"c": ["2"]}}]}, {"b": {"c": "3"}}, False),
    ("body that is not an object", {"a": ["1"]}, ["a"], False),
    ("raw JSON text body", {"a": ["1"]}, '{"a": "1"}', True),
    ("raw body that is not JSON", {"a": [{"exists": False}]}, "plain text", False),
    ("empty policy matches any body", {}, "plain text", True),
]


@pytest.mark.parametrize("name, policy, body, expected", BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_sns_message_body(name: str, policy: dict, body: object, expected: bool) -> None:
    assert compile_policy(policy, "MessageBody").matches(body) is expected


def test_scope_none_means_message_attributes() -> None:
    policy = compile_policy({"c": ["x"]}, None)
    assert policy.scope == "MessageAttributes"
    assert policy.matches({"c": s("x")})
    assert not policy.matches({"c": "x"})


def test_attribute_number_value_given_as_json_number() -> None:
    assert compile_policy({"p": [{"numeric": [">", 1]}]}).matches({"p": {"Type": "Number", "Value": 2}})


def test_moto_differs_string_policy_on_number_attribute_aws_checks_type() -> None:
    """SNS compares a string policy value with String attributes; moto compares the raw Value text."""
    policy, attributes = {"c": ["5"]}, {"c": n(5)}
    assert compile_policy(policy).matches(attributes) is False
    assert FilterPolicyMatcher(policy, None).matches(attributes, "") is True


def test_moto_differs_on_precision_aws_documents_five_decimals() -> None:
    """The SNS guide documents five digits after the decimal point; moto compares six."""
    policy, attributes = {"p": [1.000001]}, {"p": n(1.000002)}
    assert compile_policy(policy).matches(attributes) is True
    assert FilterPolicyMatcher(policy, None).matches(attributes, "") is False


def test_moto_differs_exists_false_without_attributes() -> None:
    """SNS: exists:false needs at least one attribute present; moto matches an empty set."""
    policy = {"store": [{"exists": False}]}
    assert compile_policy(policy).matches({}) is False
    assert FilterPolicyMatcher(policy, None).matches({}, "") is True


def test_moto_differs_exists_false_under_missing_parent_in_body() -> None:
    """A nested exists:false holds when the parent is absent (the leaf is absent); moto rejects the message."""
    policy = {"a": {"b": [{"exists": False}]}}
    body = {"c": 1}
    assert compile_policy(policy, "MessageBody").matches(body) is True
    assert FilterPolicyMatcher(policy, "MessageBody").matches(None, json.dumps(body)) is False


def test_moto_differs_sns_cidr_aws_documents_ip_matching() -> None:
    """The SNS guide documents `cidr` (IP address matching); moto's SNS matcher never matches it."""
    policy, body = {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.7"}
    assert compile_policy(policy, "MessageBody").matches(body) is True
    assert FilterPolicyMatcher(policy, "MessageBody").matches({}, json.dumps(body)) is False


def test_moto_differs_sns_equals_ignore_case_folds_only_the_value() -> None:
    """AWS ignores case on both sides; moto lowercases the message value but not the policy's."""
    policy, body = {"tier": [{"equals-ignore-case": "GOLD"}]}, {"tier": "gold"}
    assert compile_policy(policy, "MessageBody").matches(body) is True
    assert FilterPolicyMatcher(policy, "MessageBody").matches({}, json.dumps(body)) is False
