"""Which fields a pattern or policy names, and with which operators.

The contract-aware checks need the dotted path of every leaf and what it
asks for, without caring about how the matcher is compiled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.routing.dialects import EVENTBRIDGE, SNS
from registry.routing.errors import PatternError, child
from registry.routing.eventbridge import compile_pattern
from registry.routing.operands import Condition, parse_leaf
from registry.routing.sns import compile_policy
from registry.routing.tree import is_or

__all__ = ["KINDS", "FieldCondition", "pattern_fields"]

KINDS = ("eventbridge", "sns")


@dataclass(frozen=True)
class FieldCondition:
    """One leaf: `path` is dotted ("detail.data.amount"), `pointer` its JSON pointer in the pattern."""

    path: str
    pointer: str
    conditions: tuple[Condition, ...]
    in_or: bool  # under a `$or` branch, so the field alone does not decide the match

    @property
    def operators(self) -> tuple[str, ...]:
        return tuple(c.operator for c in self.conditions)


def pattern_fields(pattern_or_policy: Any, kind: str) -> list[FieldCondition]:
    """Every leaf in document order; validates first (raises PatternError)."""
    if kind == "eventbridge":
        document = dict(compile_pattern(pattern_or_policy).pattern)
        dialect = EVENTBRIDGE
    elif kind == "sns":
        document = dict(compile_policy(pattern_or_policy, "MessageBody").policy)
        dialect = SNS
    else:
        raise PatternError(f"unknown pattern kind {kind!r}: use one of {', '.join(KINDS)}", "")
    out: list[FieldCondition] = []

    def walk(node: dict[str, Any], path: tuple[str, ...], pointer: str, in_or: bool) -> None:
        for key, value in node.items():
            at = child(pointer, key)
            if is_or(key, value):
                for i, branch in enumerate(value):
                    walk(branch, path, child(at, i), True)
            elif isinstance(value, dict):
                walk(value, (*path, key), at, in_or)
            else:
                out.append(FieldCondition(".".join((*path, key)), at, parse_leaf(value, at, dialect), in_or))

    walk(document, (), "", False)
    return out
