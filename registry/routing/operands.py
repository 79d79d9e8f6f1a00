"""What each operator accepts: one match array validated as a service documents it.

Every rejection is a PatternError naming the element (JSON pointer) and the
fix, with event-ruler's wording where it has one. Compilation into fast
predicates lives in `registry.routing.leaf`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from registry.routing.dialects import Dialect
from registry.routing.errors import PatternError, child

__all__ = ["Condition", "is_number", "network", "numeric_bounds", "parse_leaf", "wildcard_count", "wildcard_regex"]

_NUMERIC_OPS = ("<", "<=", "=", ">", ">=")


def is_number(value: Any) -> bool:
    """A JSON number (Python's bool is an int; JSON's true is not a number)."""
    return type(value) in (int, float)


@dataclass(frozen=True)
class Condition:
    """One element of a match array: `equals` for a bare value, else the operator keyword."""

    operator: str
    operand: Any
    pointer: str


def parse_leaf(rules: Any, pointer: str, dialect: Dialect) -> tuple[Condition, ...]:
    """Validate a match array as `dialect` documents it; raise PatternError naming the element."""
    if not isinstance(rules, list):
        raise PatternError('match values must be an array, e.g. ["value"]', pointer)
    if not rules:
        raise PatternError("Empty arrays are not allowed: list at least one value or operator", pointer)
    conditions = tuple(_parse_one(rule, child(pointer, i), dialect) for i, rule in enumerate(rules))
    _check_field_complexity(conditions, pointer, dialect)
    return conditions


def _parse_one(rule: Any, pointer: str, dialect: Dialect) -> Condition:
    if rule is None or isinstance(rule, (str, bool)):
        return Condition("equals", rule, pointer)
    if is_number(rule):
        if dialect.exact_numbers_limited:
            _check_number(rule, pointer, dialect)
        return Condition("equals", rule, pointer)
    if not isinstance(rule, dict):
        raise PatternError(
            "Match value must be String, number, true, false, or null (nested arrays are not allowed)", pointer
        )
    if len(rule) != 1:
        raise PatternError(
            f'Only one key allowed in match expression, found {len(rule)}: write one operator per object, e.g. [{{"prefix": "a"}}, {{"suffix": "b"}}]',
            pointer,
        )
    ((operator, operand),) = rule.items()
    if operator not in dialect.operators:
        known = ", ".join(sorted(dialect.operators))
        raise PatternError(
            f"Unrecognized match type {operator!r}: {dialect.name} supports {known}", child(pointer, operator)
        )
    at = child(pointer, operator)
    if operator in ("prefix", "suffix"):
        _check_affix(operator, operand, at, dialect)
    elif operator == "equals-ignore-case":
        _check_string(operand, at, operator)
    elif operator == "wildcard":
        _check_wildcard(_check_string(operand, at, operator), at, dialect)
    elif operator == "exists":
        if not isinstance(operand, bool):
            raise PatternError("exists match pattern must be either true or false.", at)
    elif operator == "numeric":
        numeric_bounds(operand, at, dialect)
    elif operator == "cidr":
        network(operand, at)
    elif operator == "anything-but":
        _check_anything_but(operand, at, dialect)
    return Condition(operator, operand, pointer)


def _check_string(operand: Any, pointer: str, operator: str) -> str:
    if not isinstance(operand, str):
        raise PatternError(f"{operator} match pattern must be a string", pointer)
    return operand


def _check_affix(operator: str, operand: Any, pointer: str, dialect: Dialect) -> None:
    if isinstance(operand, dict) and dialect.prefix_ignore_case:
        if set(operand) != {"equals-ignore-case"}:
            raise PatternError(
                f'Unsupported {operator} pattern: only {{"equals-ignore-case": "..."}} may nest inside {operator}',
                pointer,
            )
        _check_string(operand["equals-ignore-case"], child(pointer, "equals-ignore-case"), "equals-ignore-case")
        return
    _check_string(operand, pointer, operator)


def _check_number(value: Any, pointer: str, dialect: Dialect) -> float:
    if not is_number(value):
        raise PatternError("expected a number", pointer)
    if dialect.canon(value) is None:
        raise PatternError(
            f"Value out of range: {dialect.name} compares numbers between {-dialect.numeric_limit:g} and {dialect.numeric_limit:g} "
            f"with {dialect.decimals} decimal digits",
            pointer,
        )
    return float(value)


def numeric_bounds(operand: Any, pointer: str, dialect: Dialect) -> tuple[int | None, bool, int | None, bool]:
    """(low, low_inclusive, high, high_inclusive) in the dialect's comparable form."""
    if not isinstance(operand, list) or not operand:
        raise PatternError('numeric takes an array such as [">", 0, "<=", 5]', pointer)
    if len(operand) not in (2, 4):
        raise PatternError(
            'Too many elements in numeric expression: use [op, n] or [">"|">=", low, "<"|"<=", high]', pointer
        )
    op, value = operand[0], operand[1]
    if op not in _NUMERIC_OPS:
        raise PatternError(
            f"Unrecognized numeric range operator: {op!r} (use one of {', '.join(_NUMERIC_OPS)})", child(pointer, 0)
        )
    if not is_number(value):
        raise PatternError(f"Value of {op} must be numeric", child(pointer, 1))
    _check_number(value, child(pointer, 1), dialect)
    n = dialect.canon(value)
    if len(operand) == 2:
        return {
            "<": (None, False, n, False),
            "<=": (None, False, n, True),
            "=": (n, True, n, True),
            ">": (n, False, None, False),
            ">=": (n, True, None, False),
        }[op]
    if op not in (">", ">="):
        raise PatternError(f"Bad numeric range operator: a range starts with > or >=, not {op!r}", child(pointer, 0))
    op2, value2 = operand[2], operand[3]
    if op2 not in ("<", "<="):
        raise PatternError(f"Bad numeric range operator: a range ends with < or <=, not {op2!r}", child(pointer, 2))
    if not is_number(value2):
        raise PatternError(f"Value of {op2} must be numeric", child(pointer, 3))
    _check_number(value2, child(pointer, 3), dialect)
    n2 = dialect.canon(value2)
    if n is not None and n2 is not None and n2 <= n:  # both in range: _check_number ran
        raise PatternError(f"Bottom must be less than top: {value} is not below {value2}", pointer)
    return (n, op == ">=", n2, op2 == "<=")


def network(operand: Any, pointer: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(operand, str):
        raise PatternError('cidr match pattern must be a string such as "10.0.0.0/24"', pointer)
    try:
        return ipaddress.ip_network(operand, strict=False)  # a bare address is a /32 (/128)
    except ValueError:
        raise PatternError(
            f'Nonstandard IP address or CIDR block: {operand!r} (e.g. "10.0.0.0/24" or "2001:db8::/32")', pointer
        ) from None


def _check_anything_but(operand: Any, pointer: str, dialect: Dialect) -> None:
    if isinstance(operand, (str,)) or is_number(operand):
        if is_number(operand):
            _check_number(operand, pointer, dialect)
        return
    if isinstance(operand, list):
        if not operand:
            raise PatternError("Empty arrays are not allowed in anything-but", pointer)
        kinds = {"string" if isinstance(v, str) else "number" if is_number(v) else "other" for v in operand}
        if "other" in kinds:
            raise PatternError(
                "Inside anything-but list, start|null|boolean is not supported: list only strings or only numbers",
                pointer,
            )
        if len(kinds) > 1:
            raise PatternError(
                "Inside anything-but list, mixed types are not supported: list only strings or only numbers", pointer
            )
        for i, v in enumerate(operand):
            if is_number(v):
                _check_number(v, child(pointer, i), dialect)
        return
    if isinstance(operand, dict):
        allowed = dialect.anything_but_operators
        if len(operand) != 1 or next(iter(operand)) not in allowed:
            raise PatternError(
                f"Unsupported anything-but pattern: {dialect.name} allows anything-but with {', '.join(sorted(allowed))}",
                pointer,
            )
        ((op, value),) = operand.items()
        at = child(pointer, op)
        if isinstance(value, list):
            if not dialect.anything_but_lists:
                raise PatternError(
                    f"anything-but {op} must be a string: {dialect.name} documents one value here "
                    "(several anything-but conditions in one array are ORed, so they would exclude nothing)",
                    at,
                )
            # An empty list excludes nothing: event-ruler's compiler takes it (an empty values set).
            for i, v in enumerate(value):
                _check_anything_but_value(op, v, child(at, i), dialect)
            return
        _check_anything_but_value(op, value, at, dialect)
        return
    raise PatternError(
        'anything-but takes a string, a number, a list of strings or of numbers, or an object such as {"prefix": "x"}',
        pointer,
    )


def _check_anything_but_value(op: str, value: Any, pointer: str, dialect: Dialect) -> None:
    """One string under anything-but's prefix/suffix/equals-ignore-case/wildcard, worded as event-ruler words it."""
    if op in ("prefix", "suffix"):
        if not isinstance(value, str):
            raise PatternError("prefix/suffix match pattern must be a string", pointer)
        if not value:
            raise PatternError(f"Null prefix/suffix not allowed: anything-but {op} needs a non-empty string", pointer)
        return
    text = _check_string(value, pointer, f"anything-but {op}")
    if op == "wildcard":
        _check_wildcard(text, pointer, dialect)


def _check_wildcard(text: str, pointer: str, dialect: Dialect) -> None:
    wildcard_regex(text, pointer)
    limit = dialect.max_wildcards_per_pattern
    if limit is not None and wildcard_count(text) > limit:
        raise PatternError(
            f"{wildcard_count(text)} wildcard characters in one pattern: {dialect.name} allows at most {limit} "
            "(wildcard usage guidelines); split the pattern or use prefix/suffix",
            pointer,
        )


def wildcard_count(text: str) -> int:
    """Unescaped `*` in a wildcard pattern (`\\*` is a literal star)."""
    count, i = 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        count += text[i] == "*"
        i += 1
    return count


def _wildcard_points(cond: Condition) -> int:
    """SNS wildcard guidelines: one `*` is 1 point, more are 3 points each; anything-but adds 1 point."""
    op, x = cond.operator, cond.operand
    if op == "wildcard":
        stars = wildcard_count(x)
        return 0 if stars == 0 else 1 if stars == 1 else 3 * stars
    if op == "anything-but":
        nested = x.get("wildcard") if isinstance(x, dict) else None
        return 1 + (_wildcard_points(Condition("wildcard", nested, cond.pointer)) if isinstance(nested, str) else 0)
    return 0


def _check_field_complexity(conditions: tuple[Condition, ...], pointer: str, dialect: Dialect) -> None:
    """SNS: a field using wildcards may score (sum of pattern points) x (patterns scored) up to the dialect's limit."""
    limit = dialect.max_wildcard_field_complexity
    if limit is None or not any(c.operator == "wildcard" or _nested_wildcard(c) for c in conditions):
        return
    points = [p for p in (_wildcard_points(c) for c in conditions) if p]
    complexity = sum(points) * len(points)
    if complexity > limit:
        raise PatternError(
            f"Wildcard field complexity {complexity} is over {dialect.name}'s {limit} "
            f"({sum(points)} pattern points x {len(points)} patterns; one * is 1 point, more are 3 each, "
            "anything-but 1): use fewer wildcard patterns or fewer * in this field",
            pointer,
        )


def _nested_wildcard(cond: Condition) -> bool:
    return cond.operator == "anything-but" and isinstance(cond.operand, dict) and "wildcard" in cond.operand


def wildcard_regex(text: str, pointer: str) -> re.Pattern[str]:
    """event-ruler's wildcard: `*` is any run, `\\*` a star, `\\\\` a backslash; `**` is rejected."""
    parts: list[str] = []
    i = 0
    previous_star = False
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt not in ("*", "\\"):
                raise PatternError(
                    f"Invalid escape character at pos {i}: only \\* and \\\\ may be escaped in a wildcard", pointer
                )
            parts.append(re.escape(nxt))
            i += 2
            previous_star = False
            continue
        if c == "*":
            if previous_star:
                raise PatternError(f"Consecutive wildcard characters at pos {i}: use a single *", pointer)
            parts.append(".*")
            previous_star = True
        else:
            parts.append(re.escape(c))
            previous_star = False
        i += 1
    return re.compile("".join(parts), re.DOTALL)
