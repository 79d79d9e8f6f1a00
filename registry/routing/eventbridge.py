"""EventBridge event patterns, with event-ruler's semantics and EventBridge's limits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.routing.complexity import field_wildcard_patterns, pattern_complexity, wildcard_complexity
from registry.routing.dialects import EVENTBRIDGE
from registry.routing.errors import PatternError
from registry.routing.tree import NodeMatcher, compile_object, is_or, load_document

__all__ = ["PATTERN_MAX_CHARS", "PATTERN_MAX_COMBINATIONS", "PATTERN_MAX_COMPLEXITY", "EventPattern", "compile_pattern"]

# PutRule's default quota is 2048 characters (adjustable to 4096 on request).
PATTERN_MAX_CHARS = 2048
# `$or` expands a pattern into one sub-rule per choice of branches (event-ruler's
# JsonRuleCompiler forks a rule per branch, so sibling `$or`s and nested levels
# multiply). EventBridge rejects a pattern expanding past 1,000 sub-rules: the
# number is recorded service behaviour (issue 15); no AWS page we could reach states it.
PATTERN_MAX_COMBINATIONS = 1000
# event-ruler's MachineComplexityEvaluator score above which PutRule answers
# "Rule is too complex". AWS publishes no number. Recorded service behaviour bounds
# it: one field with 3 patterns `*:stack/<name>/*` (score 9) was accepted and 4
# (score 12) rejected (vals-ai/Valkyrie PR #278), so it lies in 9..11; 10 is the
# per-rule limit event-ruler's README gives as its example ("limit each
# single-rule machine to complexity of 10"), and we take it.
PATTERN_MAX_COMPLEXITY = 10
# The verdict needs the score only up to the threshold; a rejected field's score is shown
# up to event-ruler's tests' cap, within a small budget of explored state sets.
_REPORT_CAP, _REPORT_BUDGET = 100, 5_000


@dataclass(frozen=True)
class EventPattern:
    """A validated pattern compiled into closures; `matches` never re-reads `pattern`."""

    pattern: Mapping[str, Any]
    _match: NodeMatcher

    def matches(self, event: Any) -> bool:
        """Whether EventBridge would deliver `event` (the whole envelope) to this rule."""
        if type(event) is not dict:
            return False
        return self._match(event)


def compile_pattern(pattern: Any, max_chars: int = PATTERN_MAX_CHARS) -> EventPattern:
    """Validate `pattern` as PutRule does and compile it; raise PatternError otherwise."""
    pattern = load_document(pattern, "event pattern", '{"source": ["com.example"]}')
    size = len(json.dumps(pattern, separators=(",", ":"), ensure_ascii=False))
    if size > max_chars:
        raise PatternError(
            f"the pattern is {size} characters; EventBridge allows {max_chars} by default: split it into several rules",
            "",
        )
    matcher = compile_object(pattern, "", EVENTBRIDGE)
    combinations = _combinations(pattern)
    if combinations > PATTERN_MAX_COMBINATIONS:
        raise PatternError(
            f"the pattern expands into {combinations} combinations of $or branches; EventBridge allows "
            f"{PATTERN_MAX_COMBINATIONS} (sibling and nested $or multiply): flatten it or split it into several rules",
            "",
        )
    complexity, field, pointer = pattern_complexity(pattern, PATTERN_MAX_COMPLEXITY + 1)
    if complexity > PATTERN_MAX_COMPLEXITY:
        shown = wildcard_complexity(field_wildcard_patterns(pattern)[field][1], _REPORT_CAP, budget=_REPORT_BUDGET)
        score = str(shown) if shown < _REPORT_CAP else f"{_REPORT_CAP} or more"
        raise PatternError(
            f"Rule is too complex: the wildcards on {field!r} score {score} in event-ruler's complexity "
            f"evaluator and EventBridge allows {PATTERN_MAX_COMPLEXITY}: use prefix/suffix where you can, "
            "fewer * per pattern and fewer wildcard patterns on one field",
            pointer,
        )
    return EventPattern(pattern, matcher)


def _combinations(node: Mapping[str, Any]) -> int:
    """Sub-rules `$or` expands into: branches of one `$or` add up, sibling and nested `$or`s multiply."""
    total = 1
    for key, value in node.items():
        if is_or(key, value):
            total *= sum(_combinations(branch) for branch in value)
        elif isinstance(value, dict):
            total *= _combinations(value)
    return total
