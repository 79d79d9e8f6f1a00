"""The object level shared by event patterns and MessageBody policies.

A pattern object is compiled into one closure over the event node: every
key must hold (AND), a nested object descends (into any element of an
array of objects, so fields matched together come from the same element,
as event-ruler's array consistency requires), `$or` needs one branch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from registry.routing.dialects import Dialect
from registry.routing.errors import PatternError, child
from registry.routing.leaf import LeafMatcher, compile_leaf

__all__ = ["RESERVED", "NodeMatcher", "compile_object", "is_or", "leaf_values", "load_document"]

NodeMatcher = Callable[[Mapping[str, Any]], bool]
_EMPTY: Mapping[str, Any] = {}
# event-ruler treats "$or" as a plain field name unless it holds 2+ objects
# none of whose keys is an operator keyword (README, "$or" primitive).
RESERVED = frozenset(
    {"prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists", "cidr"}
)


def is_or(key: str, value: Any) -> bool:
    return (
        key == "$or"
        and isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(b, dict) for b in value)
        and not any(k in RESERVED for b in value for k in b)
    )


def _lone_or_branch(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) < 2
        and all(isinstance(b, dict) and not any(k in RESERVED for k in b) for b in value)
    )


def leaf_values(value: Any) -> tuple[Any, ...]:
    """The scalars a field contributes: array elements (flattened), nothing for objects or absence."""
    t = type(value)
    if t is list:
        out: list[Any] = []
        _flatten(value, out)
        return tuple(out)
    if t is dict:
        return ()
    return (value,)


def _flatten(items: list[Any], out: list[Any]) -> None:
    for item in items:
        if type(item) is list:
            _flatten(item, out)
        elif type(item) is not dict:
            out.append(item)


def _objects(items: list[Any]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for item in items:
        if type(item) is dict:
            out.append(item)
        elif type(item) is list:
            out.extend(_objects(item))
    return out


def load_document(document: Any, noun: str, example: str) -> dict[str, Any]:
    """A pattern or policy as an object, parsed first when given as the JSON string AWS takes."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise PatternError(f"the {noun} is not valid JSON: {exc}", "") from None
    if not isinstance(document, dict):
        raise PatternError(f"{'an' if noun[0] in 'aeiou' else 'a'} {noun} must be a JSON object, e.g. {example}", "")
    return document


def compile_object(pattern: Any, pointer: str, dialect: Dialect, nested: bool = True) -> NodeMatcher:
    """Validate and compile one pattern object; `nested=False` forbids sub-objects (SNS attributes)."""
    if not isinstance(pattern, dict):
        raise PatternError("a pattern must be a JSON object of field names", pointer)
    if not pattern:
        raise PatternError("Empty objects are not allowed: name at least one field", pointer)
    checks: list[NodeMatcher] = []
    for key, value in pattern.items():
        at = child(pointer, key)
        if key == "$or" and _lone_or_branch(value):
            raise PatternError("There must be at least 2 objects in $or: add another branch or drop $or", at)
        if is_or(key, value):
            branches = tuple(compile_object(b, child(at, i), dialect, nested) for i, b in enumerate(value))
            checks.append(_any_branch(branches))
        elif isinstance(value, dict):
            if not nested:
                raise PatternError(
                    f"{dialect.name} MessageAttributes policies cannot nest objects: use a MessageBody policy for nested keys",
                    at,
                )
            checks.append(_path(key, compile_object(value, at, dialect, nested), nested))
        elif isinstance(value, list):
            checks.append(_path(key, compile_leaf(value, at, dialect), nested))
        else:
            raise PatternError(f'"{key}" must be an object or an array (write ["{value}"] for an exact match)', at)
    return _all(tuple(checks))


def _all(checks: tuple[NodeMatcher, ...]) -> NodeMatcher:
    if len(checks) == 1:
        return checks[0]

    def match(node: Mapping[str, Any]) -> bool:
        for check in checks:
            if not check(node):
                return False
        return True

    return match


def _any_branch(branches: tuple[NodeMatcher, ...]) -> NodeMatcher:
    def match(node: Mapping[str, Any]) -> bool:
        for branch in branches:
            if branch(node):
                return True
        return False

    return match


def _path(key: str, target: NodeMatcher | LeafMatcher, nested: bool) -> NodeMatcher:
    """A key of the pattern; event-ruler joins keys with dots, so "a.b" is the path a -> b."""
    steps = key.split(".") if nested and "." in key and all(key.split(".")) else [key]
    check = _field(steps[-1], target) if isinstance(target, LeafMatcher) else _descend(steps[-1], target)
    for step in reversed(steps[:-1]):
        check = _descend(step, check)
    return check


def _dotted(node: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Event keys spelled "key.rest": the object event-ruler sees under `key` (its flattening joins with dots)."""
    prefix = key + "."
    return {k[len(prefix) :]: v for k, v in node.items() if k.startswith(prefix)}


def _field(key: str, leaf: LeafMatcher) -> NodeMatcher:
    match_values = leaf.match

    def match(node: Mapping[str, Any]) -> bool:
        value = node.get(key, _EMPTY)
        if value is _EMPTY:
            return match_values(())
        t = type(value)
        if t is str or t is int or t is float or t is bool or value is None:
            return match_values((value,))
        return match_values(leaf_values(value))

    return match


def _descend(key: str, sub: NodeMatcher) -> NodeMatcher:
    def match(node: Mapping[str, Any]) -> bool:
        value = node.get(key, _EMPTY)
        if value is _EMPTY:
            return sub(_dotted(node, key) if len(node) else _EMPTY)
        t = type(value)
        if t is dict:
            return sub(value)
        if t is list:
            objects = _objects(value)
            if objects:
                return any(sub(o) for o in objects)
        return sub(_EMPTY)

    return match
