"""Draft-07 schemas from sample `detail`s: genson, plus what genson leaves out.

genson already does the structure (types, properties, items, and `required`
as the keys present in every sample object). It is extended through its own
strategy mechanism, not by post-processing, so the extra facts are gathered
in the same single pass over the samples:
- `format` when every string seen at a spot is a draft-07 `date-time`, `date`,
  `email`, `ipv4`, `ipv6` or (with `://`) `uri`, judged by fastjsonschema's own
  regular expressions, so the gate's validator agrees with the inference;
- `enum` only for a small closed set the samples justify (see `_justifies_enum`);
- numbers that arrive as strings stay strings (no enum, no numeric type).

`widen(schema, value)` relaxes an existing version just enough to accept a
sample it rejects, and never accepts less than before: the draft next version.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import fastjsonschema
from fastjsonschema.draft07 import CodeGeneratorDraft07
from genson import SchemaBuilder
from genson.schema.strategies import String

__all__ = [
    "DRAFT_07",
    "ENUM_MAX_VALUES",
    "ENUM_MIN_SAMPLES",
    "ID_NAME",
    "InferenceBuilder",
    "infer_schema",
    "widen",
]

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
ENUM_MAX_VALUES = 8  # more distinct values than this is an open set (names, ids), not a closed one
ENUM_MIN_SAMPLES = 20  # fewer samples than this cannot show that a set is closed
_ENUM_MAX_LENGTH = 64
_FORMATS = ("date-time", "date", "email", "ipv4", "ipv6", "uri")
_FORMAT_RES = {name: re.compile(CodeGeneratorDraft07.FORMAT_REGEXS[name]) for name in _FORMATS}
_NUMERIC_TEXT = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def _formats_of(text: str) -> frozenset[str]:
    # fastjsonschema's uri is any `word:rest`; only text with `://` counts ("12:30" is not a URI)
    return frozenset(name for name in _FORMATS if _has_format(text, name))


def _has_format(text: str, name: str) -> bool:
    return bool(_FORMAT_RES[name].match(text)) and (name != "uri" or "://" in text)


def _justifies_enum(counts: Counter[str], seen: int) -> bool:
    """A closed set: at most ENUM_MAX_VALUES short values, at least ENUM_MIN_SAMPLES samples and five
    per value, and every value seen at least twice (a value seen once suggests more are out there)."""
    return (
        seen >= max(ENUM_MIN_SAMPLES, 5 * len(counts))
        and 0 < len(counts) <= ENUM_MAX_VALUES
        and all(n >= 2 for n in counts.values())
        and all(len(v) <= _ENUM_MAX_LENGTH for v in counts)
    )


class _Text(String):  # type: ignore[misc]  # genson ships no type hints
    """genson's string strategy, also tracking formats and the set of values."""

    def __init__(self, node_class: Any) -> None:
        super().__init__(node_class)
        self._formats: frozenset[str] | None = None  # None: no string seen yet
        self._values: Counter[str] | None = Counter()  # None once the set is too big or numeric
        self._seen = 0

    def add_object(self, obj: str) -> None:
        super().add_object(obj)
        self._seen += 1
        if self._formats is None:
            self._formats = _formats_of(obj)
        elif self._formats:
            self._formats = frozenset(f for f in self._formats if _has_format(obj, f))
        if self._values is not None:
            if _NUMERIC_TEXT.match(obj) or len(obj) > _ENUM_MAX_LENGTH:
                self._values = None  # numbers sent as text stay open strings
            else:
                self._values[obj] += 1
                if len(self._values) > ENUM_MAX_VALUES:
                    self._values = None

    def to_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = super().to_schema()
        if self._formats:
            schema["format"] = next(f for f in _FORMATS if f in self._formats)
        elif self._values is not None and _justifies_enum(self._values, self._seen):
            schema["enum"] = sorted(self._values)
        return schema


class InferenceBuilder(SchemaBuilder):  # type: ignore[misc]
    """genson's builder with the string strategy above."""

    EXTRA_STRATEGIES = (_Text,)


def infer_schema(details: Iterable[Any]) -> dict[str, Any]:
    """A draft-07 schema accepting every detail (without `examples`; see `registry.infer.examples`)."""
    builder = InferenceBuilder(schema_uri=DRAFT_07)
    for detail in details:
        builder.add_object(detail)
    schema: dict[str, Any] = builder.to_schema()
    schema["$schema"] = DRAFT_07
    _drop_id_enums(schema)
    return schema


# Names of identifiers: `id`, `orderId`, `order_id`, `ORDER_ID`, `uuid`, `idempotency-key`.
ID_NAME = re.compile(r"(^(id|ID|Id)$|[a-z0-9](Id|ID)$|[_-](id|ID)$|[Uu]uid$|[Kk]ey$)")
_OPEN_NAME = re.compile(r"([Nn]umber|NUMBER|^name$|[a-z]Name$)")


def _drop_id_enums(schema: Any) -> None:
    """Identifiers and names are open sets however few the samples show: no enum for them."""
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict) and (ID_NAME.search(name) or _OPEN_NAME.search(name)):
            sub.pop("enum", None)
        _drop_id_enums(sub)
    for key in ("items", "additionalProperties"):
        _drop_id_enums(schema.get(key))
    for option in schema.get("anyOf") or []:
        _drop_id_enums(option)


@lru_cache(maxsize=4096)
def _compiled(text: str) -> Callable[[Any], Any]:
    return fastjsonschema.compile(json.loads(text), use_default=False)


def _accepts(node: Any, value: Any, root: Mapping[str, Any]) -> bool:
    """Whether the subschema `node` (its `$ref`s resolved against `root`) accepts `value`."""
    if isinstance(node, bool):
        return node
    document = dict(node)
    if "definitions" in root and "definitions" not in document:
        document["definitions"] = root["definitions"]
    try:
        _compiled(json.dumps(document, sort_keys=True))(value)
        return True
    except fastjsonschema.JsonSchemaValueException:
        return False


_JSON_TYPES: dict[type, str] = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
_RELAXED = (
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "propertyNames",
    "contains",
)
_COMBINATORS = ("$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependencies", "patternProperties")


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    return _JSON_TYPES.get(type(value), "null")


def _alternative(node: Any, value: Any) -> dict[str, Any]:
    """`node` or the inferred schema of `value`: accepts everything `node` does, and `value`."""
    inferred = infer_schema([value])
    inferred.pop("$schema", None)
    return {"anyOf": [node, inferred]}


def _widen_node(node: Any, value: Any, root: Mapping[str, Any]) -> Any:
    if _accepts(node, value, root):
        return node
    if not isinstance(node, dict) or any(k in node for k in _COMBINATORS):
        return _alternative(node, value)
    node = dict(node)
    kind = _type_of(value)
    declared = node.get("type")
    if declared is not None:
        names = declared if isinstance(declared, list) else [declared]
        fits = kind in names or (kind == "integer" and "number" in names)
        if not fits:
            return _alternative(node, value)
    for keyword in _RELAXED:
        node.pop(keyword, None)
    if "const" in node and node["const"] != value:
        node["enum"] = [node.pop("const"), value]
    if "enum" in node and value not in node["enum"]:
        node["enum"] = [*node["enum"], value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for low in ("minimum", "exclusiveMinimum"):
            if low in node and value <= node[low]:
                node.pop(low)
        for high in ("maximum", "exclusiveMaximum"):
            if high in node and value >= node[high]:
                node.pop(high)
    if isinstance(value, dict):
        node["required"] = [r for r in node.get("required", []) if r in value]
        if not node["required"]:
            node.pop("required")
        properties = dict(node.get("properties") or {})
        extra = node.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                properties[name] = _widen_node(properties[name], item, root)
            elif not _accepts(extra, item, root):
                # a named property replaces `additionalProperties` for that name: keep what it allowed
                properties[name] = _alternative(extra, item) if extra is not False else _inferred(item)
        if properties:
            node["properties"] = properties
    if isinstance(value, list) and isinstance(node.get("items"), dict | bool):
        items = node["items"]
        for item in value:
            items = _widen_node(items, item, root)
        node["items"] = items
    if isinstance(value, list) and isinstance(node.get("items"), list):
        return _alternative(node, value)  # tuple validation: too many shapes to relax by hand
    return node if _accepts(node, value, root) else _alternative(node, value)


def _inferred(value: Any) -> dict[str, Any]:
    schema = infer_schema([value])
    schema.pop("$schema", None)
    return schema


def widen(schema: Mapping[str, Any], values: Iterable[Any]) -> dict[str, Any]:
    """`schema` relaxed just enough to accept every value; it still accepts all it accepted before
    (keywords are only dropped, enum values and anyOf alternatives only added)."""
    result: dict[str, Any] = copy.deepcopy(dict(schema))
    annotations: dict[str, Any] = {k: result.pop(k) for k in ("$schema", "title", "description", "$id") if k in result}
    result.pop("examples", None)  # the draft gets its own, from the samples
    definitions = result.pop("definitions", None)  # stays at the root, where `#/definitions/...` points
    root = {"definitions": definitions} if definitions is not None else {}
    for value in values:
        widened = _widen_node(result, value, root)
        result = widened if isinstance(widened, dict) else {"anyOf": [widened]}
    return {**annotations, **result, **root}
