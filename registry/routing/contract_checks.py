"""Contract-aware filter checks: does a subscription's filter fit the versions it reads?

The filter is checked as AWS will run it: the pattern and policy come from
`registry.patterns` (the same builders the Pulumi program deploys), and
expectations and contract examples are routed with the real matcher.
Schema reasoning is conservative: a check reports only what it can prove.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from registry.findings import Finding
from registry.model import EventContract, SchemaVersion, Subscription
from registry.routing.deliveries import SubscriptionRoutes
from registry.routing.dialects import EVENTBRIDGE, SNS, Dialect
from registry.routing.errors import child
from registry.routing.fields import FieldCondition, pattern_fields
from registry.routing.leaf import LeafMatcher
from registry.routing.operands import Condition, is_number, parse_leaf
from registry.routing.rules import filter_finding
from registry.routing.schema_paths import FieldSchema, resolve_field
from registry.routing.tree import is_or

__all__ = ["Delivery", "check_subscription"]

_STRING_OPS = frozenset({"prefix", "suffix", "equals-ignore-case", "wildcard", "cidr"})
_NUMBER_TYPES = frozenset({"number", "integer"})
_ALL_TYPES = frozenset({"string", "number", "integer", "boolean", "null", "object", "array"})


class Delivery:
    """Whether an event of `contract` reaches the subscription, asked of the shared routing machine."""

    def __init__(self, sub: Subscription, contract: EventContract, routes: SubscriptionRoutes) -> None:
        self.contract = contract
        self.sub_id = sub.id
        self.fork = sub.delivery.type == "fork"
        self.routes = routes

    def delivers(self, detail: Any) -> bool:
        return self.sub_id in self.routes.delivered(self.contract.envelope(detail))


def check_subscription(
    sub: Subscription, contract: EventContract, routes: SubscriptionRoutes | None = None
) -> list[Finding]:
    """Every filter finding of one subscription against the versions it reads.

    `routes` is the machine of every subscription (the gate builds it once);
    without it, one is built for this subscription alone."""
    if routes is None:
        routes = SubscriptionRoutes([sub], {sub.event: contract})
    error = routes.invalid.get(sub.id)
    if error is not None:
        return [
            filter_finding(
                "FILTER_INVALID",
                sub.file,
                _pointer(sub, error.pointer),
                f"{sub.id}: the filter is not valid: {error.message}",
                new=sub.filter,
            )
        ]
    delivery = Delivery(sub, contract, routes)
    findings: list[Finding] = []
    versions = _versions_read(sub, contract)
    if sub.filter:
        findings += _field_findings(sub, delivery, versions)
    findings += _expectations(sub, delivery)
    return findings


def _versions_read(sub: Subscription, contract: EventContract) -> list[SchemaVersion]:
    numbers = sub.versions or tuple(v.number for v in contract.versions)
    return [contract.version(n) for n in numbers if 1 <= n <= len(contract.versions)]


def _pointer(sub: Subscription, pattern_pointer: str) -> str:
    """A pointer into the built pattern (`/detail/...`) as a pointer into the subscription file."""
    base = sub.pointer + "/filter"
    return base + pattern_pointer[len("/detail") :] if pattern_pointer.startswith("/detail") else base


def _field_findings(sub: Subscription, delivery: Delivery, versions: list[SchemaVersion]) -> list[Finding]:
    dialect = SNS if delivery.fork else EVENTBRIDGE
    fields = list(pattern_fields({"detail": dict(sub.filter or {})}, "sns" if delivery.fork else "eventbridge"))
    findings: list[Finding] = []
    always_everywhere = bool(versions)
    for version in versions:
        infos = {f.pointer: resolve_field(version.schema, f.path.split(".")[1:]) for f in fields}
        for f in fields:
            findings += _fit(sub, version, f, infos[f.pointer])
        reach = _Reach(version.schema, dialect)
        can, dead = reach.can_match(dict(sub.filter or {}), "/detail", [])
        if not can and not any(delivery.delivers(example) for example in version.examples):
            culprit = dead[0] if dead else "/detail"
            findings.append(
                filter_finding(
                    "FILTER_DEAD_ROUTE",
                    sub.file,
                    _pointer(sub, culprit),
                    f"{sub.id}: no valid v{version.number} event can match this filter ({version.path} rules it out)",
                    new=sub.filter,
                )
            )
        always_everywhere = always_everywhere and reach.always(dict(sub.filter or {}), [])
    if always_everywhere:
        findings.append(
            filter_finding(
                "FILTER_MATCHES_EVERYTHING",
                sub.file,
                sub.pointer + "/filter",
                f"{sub.id}: every valid event of the versions read matches this filter, so it filters nothing",
                new=sub.filter,
            )
        )
    return findings


def _fit(sub: Subscription, version: SchemaVersion, f: FieldCondition, info: FieldSchema) -> list[Finding]:
    path = f.path.split(".", 1)[1]
    operators = set(f.operators)
    if not info.declared:
        if operators == {"exists"} and all(c.operand is False for c in f.conditions):
            return []  # asking for the field's absence is meaningful either way
        return [
            filter_finding(
                "FILTER_FIELD_MISSING",
                sub.file,
                _pointer(sub, f.pointer),
                f"{sub.id}: the filter names {path!r}, which v{version.number} ({version.path}) does not declare",
                new=path,
            )
        ]
    if info.types is None:
        return []
    out = []
    for cond in f.conditions:
        wanted = _intended_types(cond)
        if wanted is not None and not (wanted & info.types):
            out.append(
                filter_finding(
                    "FILTER_TYPE_MISMATCH",
                    sub.file,
                    _pointer(sub, cond.pointer),
                    f"{sub.id}: {_describe(cond)} on {path!r} needs {'/'.join(sorted(wanted))}, "
                    f"but v{version.number} declares {'/'.join(sorted(info.types))}",
                    old=sorted(info.types),
                    new={cond.operator: cond.operand},
                )
            )
    return out


def _describe(cond: Condition) -> str:
    return f"the value {cond.operand!r}" if cond.operator == "equals" else f"{cond.operator}"


def _intended_types(cond: Condition) -> frozenset[str] | None:
    """The JSON types an operator is meant for (None: any type)."""
    op, x = cond.operator, cond.operand
    if op == "exists":
        return None
    if op in _STRING_OPS:
        return frozenset({"string"})
    if op == "numeric":
        return _NUMBER_TYPES
    if op == "anything-but":
        values = x if isinstance(x, list) else [x]
        if isinstance(x, dict) or all(isinstance(v, str) for v in values):
            return frozenset({"string"})
        return _NUMBER_TYPES
    return _value_types(x)


def _value_types(x: Any) -> frozenset[str]:
    if x is None:
        return frozenset({"null"})
    if isinstance(x, bool):
        return frozenset({"boolean"})
    if is_number(x):
        return _NUMBER_TYPES
    return frozenset({"string"})


class _Reach:
    """Can some valid event match (can_match), does every valid event match (always)?"""

    def __init__(self, schema: Any, dialect: Dialect) -> None:
        self.schema = schema
        self.dialect = dialect

    def _walk(self, node: dict[str, Any], path: list[str], pointer: str) -> Iterable[tuple[str, Any, list[str], str]]:
        for key, value in node.items():
            yield key, value, path + key.split("."), child(pointer, key)

    def can_match(self, node: dict[str, Any], pointer: str, path: list[str]) -> tuple[bool, list[str]]:
        dead: list[str] = []
        ok = True
        for key, value, sub_path, at in self._walk(node, path, pointer):
            if is_or(key, value):
                results = [self.can_match(b, child(at, i), path) for i, b in enumerate(value)]
                if not any(r[0] for r in results):
                    ok = False
                    dead += [p for r in results for p in r[1]] or [at]
            elif isinstance(value, dict):
                sub_ok, sub_dead = self.can_match(value, at, sub_path)
                if not sub_ok:
                    ok, dead = False, dead + sub_dead
            else:
                info = resolve_field(self.schema, sub_path)
                conditions = parse_leaf(value, at, self.dialect)
                if not any(_condition_can_match(c, info, self.dialect) for c in conditions):
                    ok = False
                    dead.append(at)
        return ok, dead

    def always(self, node: dict[str, Any], path: list[str]) -> bool:
        for key, value, sub_path, at in self._walk(node, path, ""):
            if is_or(key, value):
                if not any(self.always(b, path) for b in value):
                    return False
            elif isinstance(value, dict):
                if not self.always(value, sub_path):
                    return False
            elif not _leaf_always(
                parse_leaf(value, at, self.dialect), resolve_field(self.schema, sub_path), self.dialect
            ):
                return False
        return True


def _condition_can_match(cond: Condition, info: FieldSchema, dialect: Dialect) -> bool:
    if cond.operator == "exists":
        return (not info.never_present) if cond.operand else not info.required
    if info.never_present:
        return False
    if info.values is not None:
        test = LeafMatcher((cond,), dialect)
        return any(test((v,)) for v in info.values)
    if info.types is not None and cond.operator != "anything-but":
        wanted = _intended_types(cond)
        if wanted is not None and not (wanted & info.types):
            return False
    if cond.operator == "numeric" or (cond.operator == "equals" and is_number(cond.operand)):
        return _overlaps(_condition_interval(cond), _schema_interval(info))
    return True


def _leaf_always(conditions: tuple[Condition, ...], info: FieldSchema, dialect: Dialect) -> bool:
    if any(c.operator == "exists" and c.operand is False for c in conditions) and info.never_present:
        return True
    if not info.required or info.never_present:
        return False
    nullable = info.types is None or "null" in info.types
    for cond in conditions:
        if (
            cond.operator == "exists"
            and cond.operand is True
            and not info.is_array
            and info.types is not None
            and (dialect.null_is_value or not nullable)
        ):
            return True
    if info.is_array:
        return False
    if info.values is not None:
        test = LeafMatcher(conditions, dialect)
        return all(test((v,)) for v in info.values)
    if info.types is not None and info.types <= _NUMBER_TYPES:
        schema = _schema_interval(info)
        return any(c.operator == "numeric" and _covers(_condition_interval(c), schema) for c in conditions)
    return False


Interval = tuple[float | None, bool, float | None, bool]  # low, low inclusive, high, high inclusive


def _condition_interval(cond: Condition) -> Interval:
    if cond.operator == "equals":
        return (cond.operand, True, cond.operand, True)
    x = cond.operand
    first = {
        "<": (None, False, x[1], False),
        "<=": (None, False, x[1], True),
        "=": (x[1], True, x[1], True),
        ">": (x[1], False, None, False),
        ">=": (x[1], True, None, False),
    }[x[0]]
    if len(x) == 4:
        return (first[0], first[1], x[3], x[2] == "<=")
    return first


def _schema_interval(info: FieldSchema) -> Interval:
    return (info.minimum, not info.exclusive_minimum, info.maximum, not info.exclusive_maximum)


def _overlaps(a: Interval, b: Interval) -> bool:
    low, low_incl = _max_low(a, b)
    high, high_incl = _min_high(a, b)
    if low is None or high is None:
        return True
    return low < high or (low == high and low_incl and high_incl)


def _covers(outer: Interval, inner: Interval) -> bool:
    o_low, o_low_incl, o_high, o_high_incl = outer
    i_low, i_low_incl, i_high, i_high_incl = inner
    if o_low is not None and (i_low is None or i_low < o_low or (i_low == o_low and i_low_incl and not o_low_incl)):
        return False
    return not (
        o_high is not None
        and (i_high is None or i_high > o_high or (i_high == o_high and i_high_incl and not o_high_incl))
    )


def _max_low(a: Interval, b: Interval) -> tuple[float | None, bool]:
    lows = [(x[0], x[1]) for x in (a, b) if x[0] is not None]
    if not lows:
        return None, False
    value = max(v for v, _ in lows)
    return value, all(incl for v, incl in lows if v == value)


def _min_high(a: Interval, b: Interval) -> tuple[float | None, bool]:
    highs = [(x[2], x[3]) for x in (a, b) if x[2] is not None]
    if not highs:
        return None, False
    value = min(v for v, _ in highs)
    return value, all(incl for v, incl in highs if v == value)


def _expectations(sub: Subscription, delivery: Delivery) -> list[Finding]:
    findings = []
    for i, ref in enumerate(sub.receives):
        if not delivery.delivers(ref.detail):
            findings.append(
                filter_finding(
                    "EXPECTED_DELIVERY_MISSED",
                    sub.file,
                    f"{sub.pointer}/expect/receives/{i}",
                    f"{sub.id}: expected to receive {ref.label}, but the filter does not deliver it",
                    new=ref.label,
                )
            )
    for i, ref in enumerate(sub.ignores):
        if delivery.delivers(ref.detail):
            findings.append(
                filter_finding(
                    "UNEXPECTED_DELIVERY",
                    sub.file,
                    f"{sub.pointer}/expect/ignores/{i}",
                    f"{sub.id}: expected to ignore {ref.label}, but the filter delivers it",
                    new=ref.label,
                )
            )
    return findings
