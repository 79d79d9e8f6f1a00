"""One match array (`"field": [...]`): validated once, compiled into a predicate.

A leaf predicate takes the field's values as a tuple of JSON scalars (an
array in the event contributes each element; a missing field, an object or
an empty array contributes nothing) and says whether any value satisfies
any condition. Conditions are grouped by kind into sets and tuples so a
match is a few hash lookups and `str.startswith` calls, not a walk over the
raw JSON.
"""
from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from registry.routing.dialects import Dialect
from registry.routing.errors import PatternError, child

__all__ = ["Condition", "LeafMatcher", "parse_leaf", "compile_leaf", "is_number"]

Values = tuple[Any, ...]
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


@dataclass
class _Groups:
    """Conditions of one leaf, grouped so matching needs no per-condition loop."""

    strings: set[str] = field(default_factory=set)
    numbers: set[int] = field(default_factory=set)
    big_numbers: set[float] = field(default_factory=set)  # exact numbers beyond numeric range, compared as written
    literals: set[Any] = field(default_factory=set)  # True / False / None, compared by identity
    prefixes: list[str] = field(default_factory=list)
    suffixes: list[str] = field(default_factory=list)
    iprefixes: list[str] = field(default_factory=list)
    isuffixes: list[str] = field(default_factory=list)
    iequals: set[str] = field(default_factory=set)
    others: list[Callable[[Any], bool]] = field(default_factory=list)  # numeric, cidr, wildcard, anything-but
    exists_true: bool = False
    exists_false: bool = False


class LeafMatcher:
    """`matcher(values)` -> bool for one field; `conditions` keeps what the pattern said."""

    __slots__ = ("conditions", "match", "dialect")

    def __init__(self, conditions: tuple[Condition, ...], dialect: Dialect) -> None:
        self.conditions = conditions
        self.dialect = dialect
        self.match: Callable[[Values], bool] = _build(conditions, dialect)

    def __call__(self, values: Values) -> bool:
        return self.match(values)


def parse_leaf(rules: Any, pointer: str, dialect: Dialect) -> tuple[Condition, ...]:
    """Validate a match array as `dialect` documents it; raise PatternError naming the element."""
    if not isinstance(rules, list):
        raise PatternError("match values must be an array, e.g. [\"value\"]", pointer)
    if not rules:
        raise PatternError("Empty arrays are not allowed: list at least one value or operator", pointer)
    return tuple(_parse_one(rule, child(pointer, i), dialect) for i, rule in enumerate(rules))


def compile_leaf(rules: Any, pointer: str, dialect: Dialect) -> LeafMatcher:
    return LeafMatcher(parse_leaf(rules, pointer, dialect), dialect)


# --- validation --------------------------------------------------------------


def _parse_one(rule: Any, pointer: str, dialect: Dialect) -> Condition:
    if rule is None or isinstance(rule, (str, bool)):
        return Condition("equals", rule, pointer)
    if is_number(rule):
        if dialect.exact_numbers_limited:
            _check_number(rule, pointer, dialect)
        return Condition("equals", rule, pointer)
    if not isinstance(rule, dict):
        raise PatternError("Match value must be String, number, true, false, or null (nested arrays are not allowed)", pointer)
    if len(rule) != 1:
        raise PatternError(
            f"Only one key allowed in match expression, found {len(rule)}: write one operator per object, e.g. [{{\"prefix\": \"a\"}}, {{\"suffix\": \"b\"}}]",
            pointer,
        )
    (operator, operand), = rule.items()
    if operator not in dialect.operators:
        known = ", ".join(sorted(dialect.operators))
        raise PatternError(f"Unrecognized match type {operator!r}: {dialect.name} supports {known}", child(pointer, operator))
    at = child(pointer, operator)
    if operator in ("prefix", "suffix"):
        _check_affix(operator, operand, at, dialect)
    elif operator == "equals-ignore-case":
        _check_string(operand, at, operator)
    elif operator == "wildcard":
        _wildcard_regex(_check_string(operand, at, operator), at)
    elif operator == "exists":
        if not isinstance(operand, bool):
            raise PatternError("exists match pattern must be either true or false.", at)
    elif operator == "numeric":
        _numeric_bounds(operand, at, dialect)
    elif operator == "cidr":
        _network(operand, at)
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
            raise PatternError(f"Unsupported {operator} pattern: only {{\"equals-ignore-case\": \"...\"}} may nest inside {operator}", pointer)
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


def _numeric_bounds(operand: Any, pointer: str, dialect: Dialect) -> tuple[int | None, bool, int | None, bool]:
    """(low, low_inclusive, high, high_inclusive) in the dialect's comparable form."""
    if not isinstance(operand, list) or not operand:
        raise PatternError('numeric takes an array such as [">", 0, "<=", 5]', pointer)
    if len(operand) not in (2, 4):
        raise PatternError('Too many elements in numeric expression: use [op, n] or [">"|">=", low, "<"|"<=", high]', pointer)
    op, value = operand[0], operand[1]
    if op not in _NUMERIC_OPS:
        raise PatternError(f"Unrecognized numeric range operator: {op!r} (use one of {', '.join(_NUMERIC_OPS)})", child(pointer, 0))
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
    if n2 <= n:
        raise PatternError(f"Bottom must be less than top: {value} is not below {value2}", pointer)
    return (n, op == ">=", n2, op2 == "<=")


def _network(operand: Any, pointer: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(operand, str):
        raise PatternError("cidr match pattern must be a string such as \"10.0.0.0/24\"", pointer)
    try:
        return ipaddress.ip_network(operand, strict=False)  # a bare address is a /32 (/128)
    except ValueError:
        raise PatternError(f"Nonstandard IP address or CIDR block: {operand!r} (e.g. \"10.0.0.0/24\" or \"2001:db8::/32\")", pointer) from None


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
            raise PatternError("Inside anything-but list, start|null|boolean is not supported: list only strings or only numbers", pointer)
        if len(kinds) > 1:
            raise PatternError("Inside anything-but list, mixed types are not supported: list only strings or only numbers", pointer)
        for i, v in enumerate(operand):
            if is_number(v):
                _check_number(v, child(pointer, i), dialect)
        return
    if isinstance(operand, dict):
        allowed = {"prefix", "suffix"}
        if dialect.anything_but_ignore_case:
            allowed.add("equals-ignore-case")
        if dialect.anything_but_wildcard:
            allowed.add("wildcard")
        if len(operand) != 1 or next(iter(operand)) not in allowed:
            raise PatternError(
                f"Unsupported anything-but pattern: {dialect.name} allows anything-but with {', '.join(sorted(allowed))}",
                pointer,
            )
        (op, value), = operand.items()
        at = child(pointer, op)
        if op in ("prefix", "suffix"):
            if not isinstance(value, str) or not value:
                raise PatternError(f"anything-but {op} must be a non-empty string", at)
            return
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not value:
            raise PatternError(f"Empty arrays are not allowed in anything-but {op}", at)
        for i, v in enumerate(values):
            where = child(at, i) if isinstance(value, list) else at
            text = _check_string(v, where, f"anything-but {op}")
            if op == "wildcard":
                _wildcard_regex(text, where)
        return
    raise PatternError("anything-but takes a string, a number, a list of strings or of numbers, or an object such as {\"prefix\": \"x\"}", pointer)


def _wildcard_regex(text: str, pointer: str) -> re.Pattern[str]:
    """event-ruler's wildcard: `*` is any run, `\\*` a star, `\\\\` a backslash; `**` is rejected."""
    parts: list[str] = []
    i = 0
    previous_star = False
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt not in ("*", "\\"):
                raise PatternError(f"Invalid escape character at pos {i}: only \\* and \\\\ may be escaped in a wildcard", pointer)
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


# --- compilation -------------------------------------------------------------


def _build(conditions: tuple[Condition, ...], dialect: Dialect) -> Callable[[Values], bool]:
    g = _Groups()
    for cond in conditions:
        _add(g, cond, dialect)
    strings, numbers, literals = frozenset(g.strings), frozenset(g.numbers), g.literals
    big_numbers = frozenset(g.big_numbers)
    prefixes, suffixes = tuple(g.prefixes), tuple(g.suffixes)
    iprefixes, isuffixes, iequals = tuple(g.iprefixes), tuple(g.isuffixes), frozenset(g.iequals)
    others = tuple(g.others)
    exists_true, exists_false = g.exists_true, g.exists_false
    has_string_ops = bool(strings or prefixes or suffixes or iprefixes or isuffixes or iequals)
    canon = dialect.canon
    null_is_value = dialect.null_is_value

    def present(values: Values) -> bool:
        if null_is_value:
            return bool(values)
        return any(v is not None for v in values)

    def match(values: Values) -> bool:
        if exists_true or exists_false:
            here = present(values)
            if exists_true and here:
                return True
            if exists_false and not here:
                return True
        for v in values:
            t = type(v)
            if t is str:
                if has_string_ops:
                    if v in strings or (prefixes and v.startswith(prefixes)) or (suffixes and v.endswith(suffixes)):
                        return True
                    if iequals or iprefixes or isuffixes:
                        low = v.lower()
                        if low in iequals or (iprefixes and low.startswith(iprefixes)) or (isuffixes and low.endswith(isuffixes)):
                            return True
            elif t is int or t is float:
                if numbers and canon(v) in numbers:
                    return True
                if big_numbers and v in big_numbers:
                    return True
            elif literals and any(v is lit for lit in literals):
                return True
            for other in others:
                if other(v):
                    return True
        return False

    return match


def _add(g: _Groups, cond: Condition, dialect: Dialect) -> None:
    op, x = cond.operator, cond.operand
    if op == "equals":
        if isinstance(x, str):
            g.strings.add(x)
            address = _ip_or_none(x)
            if address is not None:  # event-ruler compiles an IP literal as a range: "::1" equals "0:0::1"
                g.others.append(_cidr_test(ipaddress.ip_network(address)))
        elif is_number(x):
            n = dialect.canon(x)
            if n is None:
                g.big_numbers.add(x)
            else:
                g.numbers.add(n)
        else:
            g.literals.add(x)
    elif op in ("prefix", "suffix"):
        if isinstance(x, dict):
            (g.iprefixes if op == "prefix" else g.isuffixes).append(x["equals-ignore-case"].lower())
        else:
            (g.prefixes if op == "prefix" else g.suffixes).append(x)
    elif op == "equals-ignore-case":
        g.iequals.add(x.lower())
    elif op == "exists":
        if x:
            g.exists_true = True
        else:
            g.exists_false = True
    elif op == "wildcard":
        g.others.append(_string_test(_wildcard_regex(x, cond.pointer).fullmatch))
    elif op == "numeric":
        g.others.append(_numeric_test(_numeric_bounds(x, cond.pointer, dialect), dialect))
    elif op == "cidr":
        g.others.append(_cidr_test(_network(x, cond.pointer)))
    elif op == "anything-but":
        g.others.append(_anything_but_test(x, cond.pointer, dialect))


def _ip_or_none(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not any(c in text for c in ".:"):
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _string_test(test: Callable[[str], Any]) -> Callable[[Any], bool]:
    return lambda v: type(v) is str and test(v) is not None


def _numeric_test(bounds: tuple[int | None, bool, int | None, bool], dialect: Dialect) -> Callable[[Any], bool]:
    low, low_incl, high, high_incl = bounds
    canon = dialect.canon

    def test(v: Any) -> bool:
        if type(v) is not int and type(v) is not float:
            return False
        n = canon(v)
        if n is None:
            return False
        if low is not None and (n < low or (n == low and not low_incl)):
            return False
        if high is not None and (n > high or (n == high and not high_incl)):
            return False
        return True

    return test


@functools.lru_cache(maxsize=8192)
def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Event addresses repeat; parsing them once keeps cidr rules cheap."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _cidr_test(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Callable[[Any], bool]:
    version = network.version

    def test(v: Any) -> bool:
        if type(v) is not str:
            return False
        address = _parse_ip(v)
        return address is not None and address.version == version and address in network

    return test


def _anything_but_test(operand: Any, pointer: str, dialect: Dialect) -> Callable[[Any], bool]:
    """True for a present value that is none of the excluded ones (other types are not excluded)."""
    null_ok = dialect.null_is_value
    canon = dialect.canon
    if isinstance(operand, dict):
        (op, value), = operand.items()
        values = value if isinstance(value, list) else [value]
        if op == "prefix":
            excluded = lambda s: s.startswith(value)  # noqa: E731
        elif op == "suffix":
            excluded = lambda s: s.endswith(value)  # noqa: E731
        elif op == "equals-ignore-case":
            lowered = frozenset(v.lower() for v in values)
            excluded = lambda s: s.lower() in lowered  # noqa: E731
        else:
            regexes = [_wildcard_regex(v, pointer).fullmatch for v in values]
            excluded = lambda s: any(r(s) is not None for r in regexes)  # noqa: E731

        def string_test(v: Any) -> bool:
            if v is None:
                return null_ok
            return type(v) is not str or not excluded(v)

        return string_test
    values = operand if isinstance(operand, list) else [operand]
    strings = frozenset(v for v in values if isinstance(v, str))
    numbers = frozenset(canon(v) for v in values if is_number(v))

    def test(v: Any) -> bool:
        if v is None:
            return null_ok
        t = type(v)
        if t is str:
            return v not in strings
        if t is int or t is float:
            return canon(v) not in numbers
        return True

    return test
