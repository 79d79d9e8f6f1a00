"""Forms AWS accepts and complexity limits AWS enforces, each verdict with its source.

Sources: aws/event-ruler at commit 337e8d99026d3f6687f783535f157be8bf4ebbb7 (the
engine EventBridge runs; test names cited), AWS documentation pages (title and
URL), and recorded service behaviour (the public change that recorded it).
Where moto's verdict differs from AWS's, both are asserted so a moto upgrade is noticed.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.events.models import EventPattern as MotoEventPattern
from moto.sns.models import SNSBackend
from moto.sns.utils import FilterPolicyMatcher

from registry.routing import PatternError, compile_pattern, compile_policy
from registry.routing.complexity import pattern_complexity, wildcard_complexity
from registry.routing.contract_checks import check_subscription
from registry.routing.eventbridge import PATTERN_MAX_COMBINATIONS, PATTERN_MAX_COMPLEXITY
from tests.test_routing_contract_checks import V1
from tests.test_routing_contract_checks import contract as one_contract
from tests.test_routing_contract_checks import sub as subscription


def contract() -> Any:
    return one_contract(V1)


SNS_CONSTRAINTS = "https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html"
SNS_STRINGS = "https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html"


def eb(detail_pattern: dict[str, Any], detail: dict[str, Any]) -> bool:
    return compile_pattern({"detail": detail_pattern}).matches({"source": "s", "detail": detail})


def moto_eb(detail_pattern: dict[str, Any], detail: dict[str, Any]) -> bool:
    rule = {"detail": detail_pattern}
    return bool(MotoEventPattern(json.dumps(rule), rule).matches_event({"source": "s", "detail": detail}))


def sns_body(policy: dict[str, Any], body: dict[str, Any]) -> bool:
    return compile_policy(policy, "MessageBody").matches(body)


def moto_sns_body(policy: dict[str, Any], body: dict[str, Any]) -> bool:
    return bool(FilterPolicyMatcher(policy, "MessageBody").matches({}, json.dumps(body)))


def moto_sns_accepts(policy: dict[str, Any], scope: str = "MessageBody") -> bool:
    try:
        SNSBackend("us-east-1", "123456789012")._validate_filter_policy(policy, scope)
    except Exception:  # noqa: BLE001  moto raises InvalidParameter or InternalError, both are a refusal
        return False
    return True


# --- 1. EventBridge anything-but with lists of prefixes / suffixes -------------------------------

PREFIXES = {"s": [{"anything-but": {"prefix": ["init", "test"]}}]}
SUFFIXES = {"f": [{"anything-but": {"suffix": [".png", ".jpg"]}}]}


@pytest.mark.parametrize(
    "pattern, detail, verdict",
    [
        # event-ruler ACMachineTest.testAnythingButPrefixSet / testAnythingButSuffixSet: any listed
        # prefix (suffix) excludes the value; others match.
        (PREFIXES, {"s": "initializing"}, False),
        (PREFIXES, {"s": "testing"}, False),
        (PREFIXES, {"s": "running"}, True),
        (PREFIXES, {"s": "pre-init"}, True),
        (SUFFIXES, {"f": "a.jpg"}, False),
        (SUFFIXES, {"f": "a.png"}, False),
        (SUFFIXES, {"f": "a.gif"}, True),
        (PREFIXES, {}, False),  # anything-but never matches a missing field
        (PREFIXES, {"s": ["running", "init-1"]}, True),  # one value not excluded is enough
    ],
)
def test_anything_but_prefix_and_suffix_lists_exclude_any_listed_affix(
    pattern: dict[str, Any], detail: dict[str, Any], verdict: bool
) -> None:
    assert eb(pattern, detail) is verdict
    assert moto_eb(pattern, detail) is verdict  # moto agrees here


def test_anything_but_lists_event_ruler_accepts() -> None:
    """event-ruler JsonRuleCompilerTest.testCompile's good rules: every anything-but set form."""
    for op in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
        compile_pattern({"a": [{"anything-but": {op: ["abc", "123"]}}]})
    compile_pattern({"a": [{"anything-but": {"equals-ignore-case": ""}}]})  # an empty ignore-case value is fine


def test_anything_but_with_an_empty_set_excludes_nothing() -> None:
    """event-ruler JsonRuleCompiler.processAnythingButValuesSetMatchExpression takes an empty array (an empty
    values set) and its ByteMachine then excludes no value; the plain `anything-but: []` stays invalid."""
    for op in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
        pattern = {"s": [{"anything-but": {op: []}}]}
        assert eb(pattern, {"s": "anything"}) is True
        assert eb(pattern, {}) is False
    with pytest.raises(PatternError, match="Empty arrays"):
        compile_pattern({"a": [{"anything-but": []}]})


def test_anything_but_equals_ignore_case_and_wildcard_lists_match() -> None:
    """event-ruler README (anything-but equals-ignore-case / wildcard, each taking a list)."""
    ignore = {"s": [{"anything-but": {"equals-ignore-case": ["Init", "TEST"]}}]}
    assert eb(ignore, {"s": "INIT"}) is False
    assert eb(ignore, {"s": "run"}) is True
    wild = {"p": [{"anything-but": {"wildcard": ["*/lib/*", "*.tmp"]}}]}
    assert eb(wild, {"p": "/usr/lib/x"}) is False
    assert eb(wild, {"p": "a.tmp"}) is False
    assert eb(wild, {"p": "/usr/bin/x"}) is True


# --- 2. EventBridge: $or combinations multiply across levels; at most 1,000 ------------------------


def ors(*widths: int) -> dict[str, Any]:
    """Sibling `$or`s with the given branch counts: the pattern expands into their product."""
    pattern: dict[str, Any] = {"source": ["s"]}
    for level, width in enumerate(widths):
        pattern[f"l{level}"] = {"$or": [{f"k{i}": [str(i)]} for i in range(width)]}
    return pattern


def sibling_ors(*widths: int) -> dict[str, Any]:
    """A branch holding sibling `$or`s of the given widths (short keys keep it within 2048 characters)."""
    return {f"s{level}": {"$or": [{f"k{i}": ["v"]} for i in range(width)]} for level, width in enumerate(widths)}


def nested_ors(*branches: dict[str, Any]) -> dict[str, Any]:
    """A `$or` whose branches hold their own `$or`s: each branch's combinations multiply inside it."""
    return {"source": ["s"], "detail": {"$or": list(branches)}}


def test_or_combinations_up_to_1000_are_accepted() -> None:
    """Recorded service behaviour (issue 15): a pattern whose $or levels multiply to 1,000 is accepted."""
    assert PATTERN_MAX_COMBINATIONS == 1000
    compile_pattern(ors(10, 10, 10))
    compile_pattern(nested_ors(sibling_ors(10, 10, 5), sibling_ors(10, 10, 5)))  # 500 + 500


def test_sibling_or_combinations_past_1000_are_rejected() -> None:
    """Recorded service behaviour (issue 15): 1,001+ combinations are rejected at PutRule."""
    with pytest.raises(PatternError, match="1001 combinations of \\$or branches") as caught:
        compile_pattern(ors(7, 11, 13))
    assert caught.value.pointer == ""


def test_nested_or_combinations_multiply_across_levels() -> None:
    """A branch's own `$or`s multiply (10 x 10 x 10 = 1,000) before the outer `$or` adds its other branch;
    counting the 31 branches flatly would accept it."""
    with pytest.raises(PatternError, match="1001 combinations"):
        compile_pattern(nested_ors(sibling_ors(10, 10, 10), {"z": ["1"]}))


def test_gate_reports_too_many_or_combinations_as_invalid_filter() -> None:
    flt = {f"f{level}": {"$or": [{f"k{i}": [str(i)]} for i in range(11)]} for level in range(3)}
    findings = check_subscription(subscription(flt), contract())
    assert [(f.rule_id, f.pointer) for f in findings] == [("FILTER_INVALID", "/subscriptions/0/filter")]
    assert "1331 combinations" in findings[0].message


# --- 3. SNS MessageBody: nested keys multiply by their level; five top-level keys -----------------


def test_sns_nested_combination_multiplies_each_key_by_its_level() -> None:
    """SNS "Filter policy constraints" (payload-based filtering), SNS_CONSTRAINTS: 4 values three levels deep
    and 3 values two levels deep make (4 x 3) x (3 x 2) = 72; moto implements the same rule."""
    policy = {"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}}, "key_d": {"key_e": ["1", "2", "3"]}}
    compile_policy(policy, "MessageBody")
    assert moto_sns_accepts(policy)
    # 72 x 3 (a third top-level key with 3 values) = 216 > 150: rejected, though the flat product is 36
    bigger = {**policy, "key_f": ["1", "2", "3"]}
    with pytest.raises(PatternError, match="216 combinations"):
        compile_policy(bigger, "MessageBody")
    assert not moto_sns_accepts(bigger)


def test_sns_fork_policy_keys_sit_two_levels_down() -> None:
    """Fork policies wrap the filter in "detail", so its keys count double (and triple below)."""
    policy = {"detail": {"data": {"status": [str(i) for i in range(5)], "region": [str(i) for i in range(4)]}}}
    with pytest.raises(PatternError, match="180 combinations"):  # (5 x 3) x (4 x 3); flat it would be 20
        compile_policy(policy, "MessageBody")
    assert not moto_sns_accepts(policy)


def test_sns_or_branches_add_up_without_adding_a_level() -> None:
    """SNS "AND/OR logic" makes $or branches alternatives, so their combinations add up at the $or's level
    (our reading: no page or recorded case counts a nested $or, and moto adds a level for it)."""
    policy = {"a": ["1"], "$or": [{"b": [str(i) for i in range(70)]}, {"c": [str(i) for i in range(80)]}]}
    compile_policy(policy, "MessageBody")  # 1 x (70 + 80) = 150
    assert moto_sns_accepts(policy) is False  # moto multiplies the branches, each a level deeper
    with pytest.raises(PatternError, match="151 combinations"):
        compile_policy({**policy, "$or": [{"b": [str(i) for i in range(71)]}, policy["$or"][1]]}, "MessageBody")


def test_sns_body_counts_top_level_keys_toward_five() -> None:
    """SNS "Filter policy constraints", Key counting, Example 1 (SNS_CONSTRAINTS): payload-based filtering
    counts only top-level keys (state, severity, message, finding: 4), so six leaves are fine. An older
    revision of the page counted leaf keys; the page now shows this very policy as valid."""
    policy = {
        "state": ["SUCCESS"],
        "severity": [{"exists": True}],
        "message": [{"exists": True}],
        "finding": {
            "standard_control": [{"exists": True}],
            "region": [{"exists": True}],
            "account": [{"exists": True}],
        },
    }
    compile_policy(policy, "MessageBody")
    assert moto_sns_accepts(policy)
    with pytest.raises(PatternError, match="more than 5 keys"):
        compile_policy({**policy, "a": ["1"], "b": ["1"]}, "MessageBody")


def test_gate_reports_a_fork_policy_over_150_combinations() -> None:
    flt = {"data": {"orderId": [str(i) for i in range(5)], "note": [str(i) for i in range(4)]}}
    findings = check_subscription(subscription(flt, delivery="fork"), contract())
    assert [f.rule_id for f in findings] == ["FILTER_INVALID"]
    assert "180 combinations" in findings[0].message


# --- 4. EventBridge "Rule is too complex": event-ruler's complexity evaluator --------------------

QUAMINA_EXPLODER = [
    "aahed*",
    "aal*ii",
    "aargh*",
    "aarti*",
    "a*baca",
    "*abaci",
    "a*back",
    "ab*acs",
    "abaf*t",
    "*abaka",
    "ab*amp",
    "a*band",
    "*abase",
    "abash*",
    "abas*k",
    "ab*ate",
    "aba*ya",
    "abbas*",
    "abbed*",
    "ab*bes",
    "abbey*",
    "*abbot",
    "ab*cee",
    "abea*m",
    "abe*ar",
    "a*bele",
    "a*bers",
    "abet*s",
    "*abhor",
    "abi*de",
    "a*bies",
    "*abled",
]
# event-ruler MachineComplexityEvaluatorTest at 337e8d9: patterns added to a bare ByteMachine (no quotes)
# and the complexity the test asserts.
EVALUATOR_CASES = [
    ("testEvaluateOnlyWildcard", ["*"], 1),
    ("testEvaluateOnlyWildcardWithWildcardMatch", ["*", "ab*c"], 3),
    ("testEvaluateWildcardPatternWithoutWildcards", ["abc"], 1),
    ("testEvaluateOneWildcardLeadingCharTwoTrailingCharactersEqual", ["*aa"], 3),
    ("testEvaluateOneWildcardNormalPositionThreeTrailingCharactersEqual", ["a*bbb"], 4),
    ("testEvaluateTwoWildcardsLeadingCharAndNormalPosition", ["*ab*ad"], 4),
    ("testEvaluateTwoWildcardsBothNormalPositionTwoTrailingCharactersEqual", ["a*b*bb"], 5),
    ("testEvaluateTwoWildcardsBothNormalPositionTwoTrailingCharactersDifferentLastCharUnique", ["a*b*cd"], 3),
    ("testEvaluateTwoWildcardsThirdLastCharAndTrailingChar", ["ab*b*"], 3),
    ("testEvaluateTwoWildcardsNoCommonPrefix", ["ab*c", "x*xx"], 3),
    ("testEvaluateTwoWildcardsBothLeadingOneIsPrefixOfOther", ["*abc", "*abcde"], 4),
    ("testEvaluateTwoWildcardsBothNormalPositionAllSameCharacter", ["a*aaa", "aa*aa"], 7),
    ("testEvaluateTwoWildcardsOneNormalPositionAndOneSecondLastCharacterAllSameCharacter", ["a*aaa", "aaa*a"], 6),
    ("testEvaluateTwoWildcardsOneNormalPositionAndOneTrailingAllSameCharacter", ["a*aa", "aaa*"], 5),
    ("testEvaluateTwoWildcardsBothTrailingCharOneIsPrefixOfOther", ["abc*", "abcde*"], 3),
    ("testEvaluateThreeWildcardsTransitionFromSameState", ["ab*cd", "ab*wx", "ab*yz"], 6),
    ("testEvaluateFourWildcardsLeadingCharNormalPositionThirdLastCharAndTrailingChar", ["*ab*b*b*"], 7),
    ("testEvaluateLongSequenceofWildcards", ["*a*a*a*a*a*a*a*a*"], 17),
    ("testEvaluateDuplicateWildcardPatterns", ["ab*c", "ab*c"], 2),
    (
        "testEvaluateWordEndingInSameLetterThatFollowsWildcard",
        ["F*eatureFeature", "Fe*atureFeature", "Fea*tureFeature"],
        10,
    ),
    (
        "testEvaluateQuaminaExploder",
        QUAMINA_EXPLODER,
        45,
    ),
]


@pytest.mark.parametrize("name, patterns, expected", EVALUATOR_CASES, ids=[c[0] for c in EVALUATOR_CASES])
def test_complexity_matches_event_ruler_evaluator(name: str, patterns: list[str], expected: int) -> None:
    assert wildcard_complexity(patterns, cap=100, quoted=False) == expected


def test_complexity_of_a_rule_is_its_worst_field_with_values_quoted() -> None:
    """event-ruler testEvaluateNestedMachinesViaNextNameStates: a whole rule (values quoted by the rule
    compiler) scores 11; prefix, suffix and exact values on the same fields add nothing."""
    rule = {
        "abc": [{"prefix": "a"}, "abcdef", {"suffix": "z"}],
        "def": [{"prefix": "b"}, {"wildcard": "a*a*a*a*a*a*"}, {"suffix": "c"}],
        "ghi": [{"prefix": "a"}, "abcdef", {"suffix": "z"}],
    }
    assert pattern_complexity(rule, 100) == (11, "def", "/def")


def test_complexity_evaluation_caps_out() -> None:
    """event-ruler testEvaluateBeyondMaxComplexity (10,000 repetitions there; 1,000 keep this test fast)."""
    assert wildcard_complexity(["F*e*a*t*u*r*e*" * 1000], cap=100, quoted=False) == 100


def stack_rule(names: list[str]) -> dict[str, Any]:
    return {
        "source": ["aws.cloudformation"],
        "detail": {"stack-id": [{"wildcard": f"*:stack/{name}/*"} for name in names]},
    }


def test_wildcard_rule_within_complexity_is_accepted() -> None:
    """Recorded service behaviour (vals-ai/Valkyrie PR #278): three `*:stack/<name>/*` patterns on one
    field were accepted by PutRule; they score 9."""
    names = ["SharedStack", "DataStack", "ApiStack"]
    assert pattern_complexity(stack_rule(names), 100)[0] == 9
    assert compile_pattern(stack_rule(names)).matches(
        {"source": "aws.cloudformation", "detail": {"stack-id": "arn:aws:cloudformation:r:1:stack/DataStack/x"}}
    )


def test_wildcard_rule_over_complexity_is_rejected_at_the_field() -> None:
    """Recorded service behaviour (vals-ai/Valkyrie PR #278): adding a fourth pattern (score 12) made
    PutRule answer "Rule is too complex"; so the threshold lies in 9..11 and we take 10 (event-ruler README)."""
    assert PATTERN_MAX_COMPLEXITY == 10
    with pytest.raises(PatternError, match=r"Rule is too complex.*score 12") as caught:
        compile_pattern(stack_rule(["SharedStack", "DataStack", "ApiStack", "MonitoringStack"]))
    assert caught.value.pointer == "/detail/stack-id"


def test_anything_but_wildcard_counts_toward_complexity() -> None:
    """event-ruler counts ANYTHING_BUT_WILDCARD with WILDCARD (MachineComplexityEvaluator)."""
    rule = {"p": [{"anything-but": {"wildcard": [f"*:stack/{n}/*" for n in "ABCD"]}}]}
    with pytest.raises(PatternError, match="Rule is too complex"):
        compile_pattern(rule)


def test_simple_wildcards_deployed_by_aws_cdk_are_accepted() -> None:
    """aws/aws-cdk framework-integ test/aws-events/test/integ.rule.ts deploys these rules."""
    compile_pattern({"account": [{"wildcard": "account*"}]})
    compile_pattern({"account": [{"anything-but": {"wildcard": "account*"}}]})
    compile_pattern({"account": [{"anything-but": {"equals-ignore-case": ["account1", "account2"]}}]})


def test_gate_reports_a_too_complex_wildcard_filter_at_its_field() -> None:
    flt = {"data": {"orderId": [{"wildcard": f"*:{n}/*"} for n in ("a1", "b2", "c3", "d4")]}}
    findings = check_subscription(subscription(flt), contract())
    assert [(f.rule_id, f.pointer) for f in findings] == [("FILTER_INVALID", "/subscriptions/0/filter/data/orderId")]
    assert "Rule is too complex" in findings[0].message


# --- 5. SNS: wildcard, anything-but suffix / wildcard ---------------------------------------------


@pytest.mark.parametrize(
    "policy, body, verdict",
    [
        # SNS "String value matching" (SNS_STRINGS): wildcard, and anything-but with suffix or wildcard.
        ({"s": [{"wildcard": "ship*"}]}, {"s": "shipped"}, True),
        ({"s": [{"wildcard": "*-eu-*"}]}, {"s": "order-us-1"}, False),
        ({"s": [{"anything-but": {"suffix": "-test"}}]}, {"s": "prod"}, True),
        ({"s": [{"anything-but": {"suffix": "-test"}}]}, {"s": "a-test"}, False),
        ({"s": [{"anything-but": {"wildcard": "*-test*"}}]}, {"s": "prod-1"}, True),
        ({"s": [{"anything-but": {"wildcard": "*-test*"}}]}, {"s": "a-test-1"}, False),
    ],
)
def test_sns_documented_wildcard_and_anything_but_forms(
    policy: dict[str, Any], body: dict[str, Any], verdict: bool
) -> None:
    assert sns_body(policy, body) is verdict
    assert compile_policy(policy).matches({k: {"Type": "String", "Value": v} for k, v in body.items()}) is verdict


def test_moto_differs_on_sns_wildcard_aws_documents_it() -> None:
    """moto 5.2 rejects `wildcard` in an SNS policy and never matches it; SNS documents it."""
    policy, body = {"s": [{"wildcard": "ship*"}]}, {"s": "shipped"}
    assert sns_body(policy, body) is True
    assert moto_sns_accepts(policy) is False
    assert moto_sns_body(policy, body) is False


def test_moto_differs_on_sns_anything_but_suffix_aws_matches_other_values() -> None:
    """moto 5.2 matches no value with anything-but suffix; SNS delivers values without the suffix."""
    policy, body = {"s": [{"anything-but": {"suffix": "-test"}}]}, {"s": "prod"}
    assert sns_body(policy, body) is True
    assert moto_sns_body(policy, body) is False


@pytest.mark.parametrize(
    "policy, pointer, message",
    [
        # SNS wildcard usage guidelines: at most 3 `*` per pattern ...
        ({"s": [{"wildcard": "*a*b*c*"}]}, "/s/0/wildcard", "at most 3"),
        ({"s": [{"anything-but": {"wildcard": "*a*b*c*"}}]}, "/s/0/anything-but/wildcard", "at most 3"),
        # ... and a field complexity (sum of points x patterns) of at most 100: 4 patterns of 3 stars
        # score 9 points each, (4 x 9) x 4 = 144.
        ({"s": [{"wildcard": f"*{c}*{c}*"} for c in "abcd"]}, "/s", "Wildcard field complexity 144"),
        # not documented for SNS: equals-ignore-case inside anything-but, and lists inside it
        ({"s": [{"anything-but": {"equals-ignore-case": "x"}}]}, "/s/0/anything-but", "Unsupported anything-but"),
        ({"s": [{"anything-but": {"prefix": ["a", "b"]}}]}, "/s/0/anything-but/prefix", "must be a string"),
    ],
)
def test_sns_rejects_what_it_does_not_document(policy: dict[str, Any], pointer: str, message: str) -> None:
    with pytest.raises(PatternError, match=message) as caught:
        compile_policy(policy, "MessageBody")
    assert caught.value.pointer == pointer


def test_sns_field_complexity_within_100_is_accepted() -> None:
    # 3 patterns of 3 stars: (9 + 9 + 9) x 3 = 81; plus 1 anything-but: (27 + 1) x 4 = 112 is too many
    fine = {"s": [{"wildcard": f"*{c}*{c}*"} for c in "abc"]}
    compile_policy(fine, "MessageBody")
    with pytest.raises(PatternError, match="Wildcard field complexity 112"):
        compile_policy({"s": [*fine["s"], {"anything-but": "x"}]}, "MessageBody")


def test_fork_filter_may_use_sns_wildcard() -> None:
    flt = {"data": {"orderId": [{"wildcard": "o*"}]}}
    assert check_subscription(subscription(flt, delivery="fork"), contract()) == []


def _brute_complexity(patterns: list[str], longest: int) -> int:
    """The evaluator's score by its definition, over every input up to `longest` characters: a pattern
    prefix is alive when the input matches it as a wildcard; it is worth the distinct patterns it begins."""
    begins: dict[str, set[int]] = {}
    for pid, text in enumerate(dict.fromkeys(patterns)):
        for end in range(1, len(text) + 1):
            begins.setdefault(text[:end], set()).add(pid)
    regexes = {p: re.compile("".join(".*" if c == "*" else re.escape(c) for c in p), re.DOTALL) for p in begins}
    best = 0
    for size in range(1, longest + 1):
        for chars in itertools.product("abc", repeat=size):
            value = "".join(chars)
            best = max(best, sum(len(begins[p]) for p, r in regexes.items() if r.fullmatch(value)))
    return best


small_wildcards = st.lists(st.sampled_from("ab*"), min_size=1, max_size=4).map("".join).filter(lambda p: "**" not in p)


@settings(max_examples=60, deadline=None)
@given(st.lists(small_wildcards, min_size=1, max_size=3))
def test_complexity_equals_its_definition_on_small_patterns(patterns: list[str]) -> None:
    assert wildcard_complexity(patterns, cap=1000, quoted=False) == _brute_complexity(patterns, longest=6)
