"""What a draft-07 schema says about the field at a dotted path of `detail`.

Just enough of JSON Schema for filter checks: properties, required,
additionalProperties, items (a filter on an array field sees its elements),
local `$ref`, allOf/anyOf/oneOf as alternatives, type, enum/const and
numeric bounds. Anything it cannot follow makes the answer "unknown", so
checks built on it stay silent rather than wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FieldSchema", "resolve_field"]

_MISSING = object()


@dataclass(frozen=True)
class FieldSchema:
    declared: bool  # some object on the path declares the key
    required: bool  # every valid detail carries the field
    never_present: bool  # the schema forbids the key (closed object, false schema)
    types: frozenset[str] | None  # JSON types of the values a filter sees (array items unwrapped); None = unknown
    values: tuple[Any, ...] | None  # every possible value (enum/const, array items flattened); None = open
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    is_array: bool = False  # the field holds an array: an empty one counts as absent


def resolve_field(schema: Mapping[str, Any], path: list[str]) -> FieldSchema:
    """The field at `path` (dotted path split into keys) under the `detail` schema."""
    nodes = [schema]
    is_array = False
    declared = required = True
    never_present = False
    for key in path:
        next_nodes: list[Any] = []
        step_declared = False
        step_required = True
        step_closed = True
        for node in _objects(nodes, schema):
            props = node.get("properties", {}) if isinstance(node.get("properties"), dict) else {}
            if key in props:
                step_declared = True
                next_nodes.append(props[key])
                if key not in node.get("required", []):
                    step_required = False
                step_closed = False
            else:
                step_required = False
                extra = node.get("additionalProperties", True)
                if extra is not False:
                    step_closed = False
                    if isinstance(extra, dict):
                        next_nodes.append(extra)
        declared = declared and step_declared
        required = required and step_required and step_declared
        if step_closed and _objects(nodes, schema):
            never_present = True
            next_nodes = []
        is_array = any(_is_array(n, schema) for n in next_nodes)
        nodes = [_unwrap_array(n, schema) for n in next_nodes]
        if not nodes:
            break
    leaves = _alternatives(nodes, schema)
    if never_present or not leaves:
        return FieldSchema(declared, False, never_present, None, None)
    return FieldSchema(declared, required, False, _types(leaves), _values(leaves), *_bounds(leaves), is_array=is_array)


def _deref(node: Any, root: Mapping[str, Any]) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#") and seen < 32:
        target: Any = root
        for part in node["$ref"][1:].split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part, _MISSING) if isinstance(target, dict) else _MISSING
        if target is _MISSING:
            return {}
        node, seen = target, seen + 1
    return node


def _alternatives(nodes: list[Any], root: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every subschema a value may satisfy: anyOf/oneOf branches, allOf parts, each dereferenced."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        node = _deref(node, root)
        if node is True:
            node = {}
        if not isinstance(node, dict):
            continue
        out.append(node)
        for keyword in ("allOf", "anyOf", "oneOf"):
            if isinstance(node.get(keyword), list):
                out.extend(_alternatives(node[keyword], root))
    return out


def _objects(nodes: list[Any], root: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        n
        for n in _alternatives(nodes, root)
        if "properties" in n or "additionalProperties" in n or n.get("type") == "object"
    ]


def _is_array(node: Any, root: Mapping[str, Any]) -> bool:
    node = _deref(node, root)
    return isinstance(node, dict) and (
        node.get("type") == "array" or (isinstance(node.get("type"), list) and "array" in node["type"])
    )


def _unwrap_array(node: Any, root: Mapping[str, Any]) -> Any:
    """An array field's items: a filter (and a nested pattern) sees each element."""
    node = _deref(node, root)
    if isinstance(node, dict) and node.get("type") == "array" and isinstance(node.get("items"), dict):
        return node["items"]
    return node


def _types(leaves: list[dict[str, Any]]) -> frozenset[str] | None:
    found: set[str] = set()
    for leaf in leaves:
        declared = leaf.get("type")
        if isinstance(declared, str):
            declared = [declared]
        if isinstance(declared, list):
            for t in declared:
                if t == "array":
                    items = leaf.get("items")
                    item_types = _types([items]) if isinstance(items, dict) else None
                    if item_types is None:
                        return None
                    found |= item_types
                else:
                    found.add(t)
        elif "const" in leaf or "enum" in leaf:
            found |= {_json_type(v) for v in ([leaf["const"]] if "const" in leaf else leaf["enum"])}
        elif not any(k in leaf for k in ("allOf", "anyOf", "oneOf", "$ref")):
            return None
    if "number" in found:
        found.add("integer")
    return frozenset(found) if found else None


def _values(leaves: list[dict[str, Any]]) -> tuple[Any, ...] | None:
    typed = [leaf for leaf in leaves if "type" in leaf or "const" in leaf or "enum" in leaf]
    if not typed:
        return None
    values: list[Any] = []
    for leaf in typed:
        if "const" in leaf:
            values.append(leaf["const"])
        elif isinstance(leaf.get("enum"), list):
            values.extend(leaf["enum"])
        elif leaf.get("type") == "boolean":
            values.extend([True, False])
        elif leaf.get("type") == "null":
            values.append(None)
        else:
            return None
    flat: list[Any] = []
    for v in values:
        flat.extend(v if isinstance(v, list) else [v])
    return tuple(flat)


def _bounds(leaves: list[dict[str, Any]]) -> tuple[float | None, float | None, bool, bool]:
    """The loosest numeric bounds over the alternatives (None = unbounded)."""
    numeric = [leaf for leaf in leaves if leaf.get("type") in ("number", "integer")]
    if not numeric or len(numeric) != len([leaf for leaf in leaves if "type" in leaf]):
        return None, None, False, False
    lows, highs = [], []
    for leaf in numeric:
        if "exclusiveMinimum" in leaf:
            lows.append((leaf["exclusiveMinimum"], True))
        elif "minimum" in leaf:
            lows.append((leaf["minimum"], False))
        else:
            lows.append((None, False))
        if "exclusiveMaximum" in leaf:
            highs.append((leaf["exclusiveMaximum"], True))
        elif "maximum" in leaf:
            highs.append((leaf["maximum"], False))
        else:
            highs.append((None, False))
    low = None if any(v is None for v, _ in lows) else min(lows, key=lambda x: (x[0], x[1]))
    high = None if any(v is None for v, _ in highs) else max(highs, key=lambda x: (x[0], not x[1]))
    return (
        low[0] if low else None,
        high[0] if high else None,
        bool(low and low[1]),
        bool(high and high[1]),
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
