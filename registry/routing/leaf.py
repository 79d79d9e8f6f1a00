"""One match array (`"field": [...]`), once validated (`operands`), compiled into a predicate.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from registry.routing.dialects import Dialect
from registry.routing.operands import Condition, is_number, network, numeric_bounds, parse_leaf, wildcard_regex

__all__ = ["LeafMatcher", "compile_leaf"]

Values = tuple[Any, ...]


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

    __slots__ = ("conditions", "dialect", "match")

    def __init__(self, conditions: tuple[Condition, ...], dialect: Dialect) -> None:
        self.conditions = conditions
        self.dialect = dialect
        self.match: Callable[[Values], bool] = _build(conditions, dialect)

    def __call__(self, values: Values) -> bool:
        return self.match(values)


def compile_leaf(rules: Any, pointer: str, dialect: Dialect) -> LeafMatcher:
    return LeafMatcher(parse_leaf(rules, pointer, dialect), dialect)


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
                        if (
                            low in iequals
                            or (iprefixes and low.startswith(iprefixes))
                            or (isuffixes and low.endswith(isuffixes))
                        ):
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
        g.others.append(_string_test(wildcard_regex(x, cond.pointer).fullmatch))
    elif op == "numeric":
        g.others.append(_numeric_test(numeric_bounds(x, cond.pointer, dialect), dialect))
    elif op == "cidr":
        g.others.append(_cidr_test(network(x, cond.pointer)))
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
        return not (high is not None and (n > high or (n == high and not high_incl)))

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
        ((op, value),) = operand.items()
        values = value if isinstance(value, list) else [value]
        affixes = tuple(values)  # str.startswith/endswith take a tuple: any of the listed prefixes (suffixes)
        excluded: Callable[[str], bool]
        if op == "prefix":
            excluded = lambda s: s.startswith(affixes)  # noqa: E731
        elif op == "suffix":
            excluded = lambda s: s.endswith(affixes)  # noqa: E731
        elif op == "equals-ignore-case":
            lowered = frozenset(v.lower() for v in values)
            excluded = lambda s: s.lower() in lowered  # noqa: E731
        else:
            regexes = [wildcard_regex(v, pointer).fullmatch for v in values]
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
