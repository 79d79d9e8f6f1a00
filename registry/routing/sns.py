"""SNS subscription filter policies, both scopes, with SNS's own limits.

MessageAttributes: flat keys; each attribute is typed (`String`,
`String.Array` whose Value is a JSON array in a string, `Number`; `Binary`
is ignored). MessageBody: the body must be a JSON object; keys nest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.routing.dialects import SNS
from registry.routing.errors import PatternError
from registry.routing.operands import is_number
from registry.routing.tree import NodeMatcher, compile_object, is_or, load_document

__all__ = [
    "POLICY_MAX_BYTES",
    "POLICY_MAX_COMBINATIONS",
    "POLICY_MAX_KEYS",
    "SCOPES",
    "FilterPolicy",
    "compile_policy",
    "policy_subject",
]

SCOPES = ("MessageAttributes", "MessageBody")
POLICY_MAX_BYTES = 256 * 1024
POLICY_MAX_KEYS = 5
POLICY_MAX_COMBINATIONS = 150


@dataclass(frozen=True)
class FilterPolicy:
    """A validated policy compiled into closures for one scope."""

    policy: Mapping[str, Any]
    scope: str
    _match: NodeMatcher

    def matches(self, event: Any) -> bool:
        """MessageAttributes: the attributes as Publish takes them; MessageBody: the body (parsed, or its raw text)."""
        if not self.policy:
            return True
        subject = policy_subject(event, self.scope)
        return subject is not None and self._match(subject)


def policy_subject(event: Any, scope: str) -> dict[str, Any] | None:
    """What a policy of `scope` is matched against (the body as an object, or typed attributes); None: nothing can match."""
    if scope == "MessageBody":
        body = event
        if isinstance(body, (str, bytes)):
            try:
                body = json.loads(body)
            except ValueError:
                return None  # a body that is not JSON matches no payload policy
        return body if type(body) is dict else None
    if type(event) is not dict or not event:
        return None  # "exists": false only matches if at least one attribute is present
    return _attribute_values(event)


def compile_policy(policy: Any, scope: str | None = "MessageAttributes") -> FilterPolicy:
    """Validate `policy` as SNS Subscribe does for `scope` (None = MessageAttributes) and compile it."""
    scope = scope or "MessageAttributes"
    if scope not in SCOPES:
        raise PatternError(f"unknown FilterPolicyScope {scope!r}: use MessageAttributes or MessageBody", "")
    policy = load_document(policy, "filter policy", '{"store": ["example_corp"]}')
    size = len(json.dumps(policy, separators=(",", ":"), ensure_ascii=False).encode())
    if size > POLICY_MAX_BYTES:
        raise PatternError(f"the filter policy is {size} bytes; SNS allows 256 KB", "")
    if not policy:
        return FilterPolicy(policy, scope, _everything)  # "{}" is how SNS removes a filter
    matcher = compile_object(policy, "", SNS, nested=scope == "MessageBody")
    _check_keys(policy, scope)
    combinations = _combinations(policy)
    if combinations > POLICY_MAX_COMBINATIONS:
        raise PatternError(
            f"Filter policy is too complex: {combinations} combinations of values, SNS allows {POLICY_MAX_COMBINATIONS} "
            "(the product of the number of values in each array, each times its key's nesting level): "
            "split it across subscriptions or flatten it",
            "",
        )
    return FilterPolicy(policy, scope, matcher)


def _check_keys(policy: Mapping[str, Any], scope: str) -> None:
    """At most five keys: every key for attributes, the top-level keys for a body (AWS's counting)."""
    if scope == "MessageBody":
        keys = {k for k, v in policy.items() if not is_or(k, v)} | {
            k for k, v in policy.items() if is_or(k, v) for branch in v for k in branch
        }
    else:
        keys = _flat_keys(policy)
    if len(keys) > POLICY_MAX_KEYS:
        raise PatternError(
            f"Filter policy can not have more than {POLICY_MAX_KEYS} keys (found {len(keys)}: {', '.join(sorted(keys))})",
            "",
        )


def _flat_keys(policy: Mapping[str, Any]) -> set[str]:
    keys: set[str] = set()
    for k, v in policy.items():
        if is_or(k, v):
            for branch in v:
                keys |= _flat_keys(branch)
        else:
            keys.add(k)
    return keys


def _combinations(node: Mapping[str, Any], depth: int = 1) -> int:
    """Product over the keys of (values in the array x the key's nesting level); `$or` branches add up.

    SNS "Filter policy constraints", payload-based filtering: a nested key
    multiplies by its level, e.g. 4 values three levels deep and 3 values two
    levels deep make (4 x 3) x (3 x 2) = 72. A `$or` adds no level: its
    branches' keys sit where the `$or` is.
    """
    total = 1
    for k, v in node.items():
        if is_or(k, v):
            total *= sum(_combinations(b, depth) for b in v)
        elif isinstance(v, dict):
            total *= _combinations(v, depth + 1)
        elif isinstance(v, list):
            total *= max(len(v), 1) * depth
    return total


def _attribute_values(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Message attributes as typed JSON values, so the shared leaf matchers apply."""
    out: dict[str, Any] = {}
    for name, attr in attributes.items():
        value = _attribute_value(attr)
        if value is not _IGNORED:
            out[name] = value
    return out


_IGNORED = object()


def _everything(node: Mapping[str, Any]) -> bool:
    return True


def _attribute_value(attr: Any) -> Any:
    if not isinstance(attr, dict):
        return _IGNORED
    kind = attr.get("Type", attr.get("DataType"))
    raw = attr.get("Value", attr.get("StringValue"))
    if not isinstance(kind, str):
        return _IGNORED
    if kind == "String.Array":
        try:
            parsed = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return [raw]  # not a JSON array: the text is its one element
        return parsed if isinstance(parsed, list) else [parsed]
    base = kind.split(".", 1)[0]  # custom labels: "String.Custom", "Number.float"
    if base == "String":
        return raw if isinstance(raw, str) else _IGNORED
    if base == "Number":
        if is_number(raw):
            return raw
        if not isinstance(raw, str):
            return _IGNORED
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return _IGNORED
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return _IGNORED  # Binary attributes are ignored by filtering
