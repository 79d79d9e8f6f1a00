"""Invalid patterns and policies: every form is rejected with a message and a JSON pointer."""

from __future__ import annotations

import pytest

from registry.routing import PatternError, compile_pattern, compile_policy

EVENTBRIDGE_INVALID = [
    ("not an object", ["source"], "", "JSON object"),
    ("invalid JSON text", "{source", "", "not valid JSON"),
    ("empty pattern", {}, "", "Empty objects"),
    ("empty nested object", {"detail": {}}, "/detail", "Empty objects"),
    ("leaf is a scalar", {"source": "aws.ec2"}, "/source", "must be an object or an array"),
    ("empty array", {"source": []}, "/source", "Empty arrays"),
    ("nested array value", {"source": [["a"]]}, "/source/0", "Match value must be"),
    ("two keys in one operator", {"a": [{"prefix": "x", "suffix": "y"}]}, "/a/0", "Only one key"),
    ("empty operator object", {"a": [{}]}, "/a/0", "Only one key"),
    ("unknown operator", {"a": [{"contains": "x"}]}, "/a/0/contains", "Unrecognized match type"),
    ("prefix not a string", {"a": [{"prefix": 1}]}, "/a/0/prefix", "prefix match pattern must be a string"),
    (
        "prefix object other than ignore-case",
        {"a": [{"prefix": {"wildcard": "x"}}]},
        "/a/0/prefix",
        "equals-ignore-case",
    ),
    (
        "prefix ignore-case not a string",
        {"a": [{"prefix": {"equals-ignore-case": 1}}]},
        "/a/0/prefix/equals-ignore-case",
        "must be a string",
    ),
    ("suffix not a string", {"a": [{"suffix": None}]}, "/a/0/suffix", "suffix match pattern must be a string"),
    ("equals-ignore-case list", {"a": [{"equals-ignore-case": ["x"]}]}, "/a/0/equals-ignore-case", "must be a string"),
    ("exists not boolean", {"a": [{"exists": "true"}]}, "/a/0/exists", "either true or false"),
    ("numeric not an array", {"a": [{"numeric": 5}]}, "/a/0/numeric", "numeric takes an array"),
    ("numeric empty", {"a": [{"numeric": []}]}, "/a/0/numeric", "numeric takes an array"),
    ("numeric bad operator", {"a": [{"numeric": ["!=", 5]}]}, "/a/0/numeric/0", "Unrecognized numeric range operator"),
    ("numeric value not a number", {"a": [{"numeric": [">", "5"]}]}, "/a/0/numeric/1", "must be numeric"),
    ("numeric bool value", {"a": [{"numeric": [">", True]}]}, "/a/0/numeric/1", "must be numeric"),
    ("numeric three elements", {"a": [{"numeric": [">", 1, "<"]}]}, "/a/0/numeric", "Too many elements"),
    ("numeric five elements", {"a": [{"numeric": [">", 1, "<", 5, 6]}]}, "/a/0/numeric", "Too many elements"),
    (
        "numeric range starting with <",
        {"a": [{"numeric": ["<", 1, ">", 0]}]},
        "/a/0/numeric/0",
        "Bad numeric range operator",
    ),
    (
        "numeric range ending with >",
        {"a": [{"numeric": [">", 1, ">", 5]}]},
        "/a/0/numeric/2",
        "Bad numeric range operator",
    ),
    (
        "numeric equals with a range",
        {"a": [{"numeric": ["=", 1, "<", 5]}]},
        "/a/0/numeric/0",
        "Bad numeric range operator",
    ),
    (
        "numeric bottom above top",
        {"a": [{"numeric": [">", 5, "<", 1]}]},
        "/a/0/numeric",
        "Bottom must be less than top",
    ),
    (
        "numeric bottom equals top",
        {"a": [{"numeric": [">=", 5, "<=", 5]}]},
        "/a/0/numeric",
        "Bottom must be less than top",
    ),
    ("numeric upper value not a number", {"a": [{"numeric": [">", 1, "<", "5"]}]}, "/a/0/numeric/3", "must be numeric"),
    ("numeric beyond 5e9", {"a": [{"numeric": [">", 5.0e9 + 1]}]}, "/a/0/numeric/1", "Value out of range"),
    ("numeric below -5e9", {"a": [{"numeric": ["<", -6e9]}]}, "/a/0/numeric/1", "Value out of range"),
    ("cidr not a string", {"a": [{"cidr": 10}]}, "/a/0/cidr", "cidr match pattern must be a string"),
    ("cidr malformed", {"a": [{"cidr": "10.0.0.0/33"}]}, "/a/0/cidr", "Nonstandard IP"),
    ("cidr garbage", {"a": [{"cidr": "bad"}]}, "/a/0/cidr", "Nonstandard IP"),
    (
        "wildcard consecutive stars",
        {"a": [{"wildcard": "a**b"}]},
        "/a/0/wildcard",
        "Consecutive wildcard characters at pos 2",
    ),
    ("wildcard bad escape", {"a": [{"wildcard": "a\\b"}]}, "/a/0/wildcard", "Invalid escape character at pos 1"),
    ("wildcard trailing backslash", {"a": [{"wildcard": "a\\"}]}, "/a/0/wildcard", "Invalid escape"),
    ("wildcard not a string", {"a": [{"wildcard": 5}]}, "/a/0/wildcard", "wildcard match pattern must be a string"),
    ("anything-but null", {"a": [{"anything-but": None}]}, "/a/0/anything-but", "anything-but takes"),
    ("anything-but boolean", {"a": [{"anything-but": True}]}, "/a/0/anything-but", "anything-but takes"),
    ("anything-but empty list", {"a": [{"anything-but": []}]}, "/a/0/anything-but", "Empty arrays"),
    ("anything-but mixed list", {"a": [{"anything-but": ["a", 1]}]}, "/a/0/anything-but", "mixed types"),
    ("anything-but list with null", {"a": [{"anything-but": ["a", None]}]}, "/a/0/anything-but", "start|null|boolean"),
    ("anything-but number out of range", {"a": [{"anything-but": [6e9]}]}, "/a/0/anything-but/0", "Value out of range"),
    (
        "anything-but unknown operator",
        {"a": [{"anything-but": {"numeric": [">", 1]}}]},
        "/a/0/anything-but",
        "Unsupported anything-but",
    ),
    (
        "anything-but two operators",
        {"a": [{"anything-but": {"prefix": "a", "suffix": "b"}}]},
        "/a/0/anything-but",
        "Unsupported anything-but",
    ),
    # event-ruler JsonRuleCompilerTest.testCompile (aws/event-ruler@337e8d9) "bad" rules: an empty
    # prefix/suffix, alone or in a list, and a number where a prefix/suffix string belongs.
    (
        "anything-but empty prefix",
        {"a": [{"anything-but": {"prefix": ""}}]},
        "/a/0/anything-but/prefix",
        "Null prefix/suffix not allowed",
    ),
    (
        "anything-but prefix list with an empty string",
        {"a": [{"anything-but": {"prefix": ["1", ""]}}]},
        "/a/0/anything-but/prefix/1",
        "Null prefix/suffix not allowed",
    ),
    (
        "anything-but suffix list of numbers",
        {"a": [{"anything-but": {"suffix": [1, 2, 3]}}]},
        "/a/0/anything-but/suffix/0",
        "prefix/suffix match pattern must be a string",
    ),
    ("anything-but prefix number", {"a": [{"anything-but": {"prefix": 27}}]}, "/a/0/anything-but/prefix", "string"),
    (
        "anything-but wildcard list of numbers",
        {"a": [{"anything-but": {"wildcard": [1, 2, 3]}}]},
        "/a/0/anything-but/wildcard/0",
        "must be a string",
    ),
    (
        "anything-but ignore-case list of numbers",
        {"a": [{"anything-but": {"equals-ignore-case": [1, 2, 3]}}]},
        "/a/0/anything-but/equals-ignore-case/0",
        "must be a string",
    ),
    (
        "anything-but ignore-case number",
        {"a": [{"anything-but": {"equals-ignore-case": 1}}]},
        "/a/0/anything-but/equals-ignore-case",
        "must be a string",
    ),
    (
        "anything-but wildcard bad",
        {"a": [{"anything-but": {"wildcard": ["x**"]}}]},
        "/a/0/anything-but/wildcard/0",
        "Consecutive wildcard",
    ),
    ("$or branch empty", {"$or": [{"a": ["1"]}, {}]}, "/$or/1", "Empty objects"),
    ("$or branch invalid leaf", {"$or": [{"a": ["1"]}, {"b": "2"}]}, "/$or/1/b", "must be an object or an array"),
    ("$or with one object", {"$or": [{"a": ["1"]}]}, "/$or", "at least 2 objects"),
    ("$or empty", {"$or": []}, "/$or", "at least 2 objects"),
    ("pointer escapes slash and tilde", {"a/b~c": "x"}, "/a~1b~0c", "must be an object or an array"),
]


@pytest.mark.parametrize(
    "name, pattern, pointer, message", EVENTBRIDGE_INVALID, ids=[c[0] for c in EVENTBRIDGE_INVALID]
)
def test_invalid_event_pattern(name: str, pattern: object, pointer: str, message: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert caught.value.pointer == pointer
    assert message in caught.value.message


def test_event_pattern_size_limit_is_2048_by_default_and_adjustable() -> None:
    big = {"source": ["x" * 2000], "detail-type": ["y" * 40]}
    with pytest.raises(PatternError, match="characters; EventBridge allows 2048"):
        compile_pattern(big)
    assert compile_pattern(big, max_chars=4096).matches({"source": "x" * 2000, "detail-type": "y" * 40})


def test_valid_forms_compile() -> None:
    compile_pattern({"a": [{"numeric": ["=", 5e9]}, {"numeric": [">=", -5e9, "<=", 5e9]}]})
    compile_pattern({"a": [{"anything-but": {"equals-ignore-case": ["a", "b"]}}]})
    compile_pattern({"a": [{"cidr": "10.0.0.1"}], "b": [6e9]})  # exact numbers beyond range are kept as text


SNS_INVALID = [
    ("MessageAttributes", "not an object", [], "", "JSON object"),
    ("MessageAttributes", "unknown scope", {"a": ["x"]}, "", "FilterPolicyScope"),
    ("MessageAttributes", "nested key in attributes", {"a": {"b": ["x"]}}, "/a", "cannot nest"),
    ("MessageAttributes", "leaf is a scalar", {"a": "x"}, "/a", "must be an object or an array"),
    ("MessageAttributes", "empty array", {"a": []}, "/a", "Empty arrays"),
    (
        "MessageBody",
        "prefix ignore-case is EventBridge only",
        {"a": [{"prefix": {"equals-ignore-case": "x"}}]},
        "/a/0/prefix",
        "must be a string",
    ),
    (
        "MessageBody",
        "anything-but ignore-case is EventBridge only",
        {"a": [{"anything-but": {"equals-ignore-case": "x"}}]},
        "/a/0/anything-but",
        "Unsupported anything-but",
    ),
    ("MessageAttributes", "exact number beyond 1e9", {"a": [1e9 + 1]}, "/a/0", "Value out of range"),
    (
        "MessageAttributes",
        "numeric beyond 1e9",
        {"a": [{"numeric": ["<", -1.5e9]}]},
        "/a/0/numeric/1",
        "Value out of range",
    ),
    ("MessageAttributes", "exists not boolean", {"a": [{"exists": 1}]}, "/a/0/exists", "either true or false"),
    (
        "MessageAttributes",
        "numeric bad range",
        {"a": [{"numeric": [">", 10, "<", 1]}]},
        "/a/0/numeric",
        "Bottom must be less than top",
    ),
    ("MessageAttributes", "six keys", {k: ["x"] for k in "abcdef"}, "", "more than 5 keys"),
    (
        "MessageAttributes",
        "six keys across $or",
        {"a": ["1"], "$or": [{"b": ["1"], "c": ["1"]}, {"d": ["1"], "e": ["1"], "f": ["1"]}]},
        "",
        "more than 5 keys",
    ),
    ("MessageBody", "six top-level keys", {k: {"x": ["y"]} for k in "abcdef"}, "", "more than 5 keys"),
    ("MessageAttributes", "151 combinations", {"a": [str(i) for i in range(151)]}, "", "too complex"),
    (
        "MessageAttributes",
        "product over 150",
        {"a": [str(i) for i in range(10)], "b": [str(i) for i in range(16)]},
        "",
        "160 combinations",
    ),
    (
        "MessageBody",
        "nested product over 150",  # flat count 13 x 6 = 78; the level-2 key counts double: 26 x 6
        {"a": {"b": [str(i) for i in range(13)]}, "c": [str(i) for i in range(6)]},
        "",
        "156 combinations",
    ),
    (
        "MessageAttributes",
        "$or branches add up",
        {"x": ["1", "2"], "$or": [{"a": [str(i) for i in range(40)]}, {"b": [str(i) for i in range(36)]}]},
        "",
        "152 combinations",
    ),
]


@pytest.mark.parametrize("scope, name, policy, pointer, message", SNS_INVALID, ids=[c[1] for c in SNS_INVALID])
def test_invalid_filter_policy(scope: str, name: str, policy: object, pointer: str, message: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_policy(policy, "Nope" if name == "unknown scope" else scope)
    assert caught.value.pointer == pointer
    assert message in caught.value.message


def test_policy_limits_that_pass() -> None:
    compile_policy({k: ["x"] for k in "abcde"})
    compile_policy({"a": [str(i) for i in range(10)], "b": [str(i) for i in range(15)]})  # 150 exactly
    # a body policy counts only its top-level keys
    compile_policy(
        {"a": {"b": ["1"], "c": ["1"], "d": ["1"]}, "e": {"f": ["1"], "g": ["1"], "h": ["1"]}}, "MessageBody"
    )
    compile_policy({"a": [1e9], "b": [{"numeric": [">=", -1e9, "<=", 1e9]}]})


def test_policy_size_limit_256_kb() -> None:
    with pytest.raises(PatternError, match="SNS allows 256 KB"):
        compile_policy({"a": ["x" * (256 * 1024)]})


def test_error_text_names_pointer_and_reason() -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern({"detail": {"amount": [{"numeric": [">", "100"]}]}})
    assert str(caught.value) == "/detail/amount/0/numeric/1: Value of > must be numeric"
