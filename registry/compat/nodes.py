"""Load a draft-07 JSON Schema into the typed tree Confluent's diff walks.

Confluent compares everit `Schema` objects, not raw JSON, so the verdict
depends on how everit's loader splits a schema: `{"type": "string", "enum":
[...]}` becomes a synthetic allOf of an enum and a string schema, a type list
becomes an anyOf, keywords without `type` are "sniffed" into their schema
kind. This module reproduces that split once per document (nodes are cached
and shared, never copied) so the engine only compares.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["SchemaError", "Node", "Document", "load_document"]

_OBJECT_KEYS = ("properties", "additionalProperties", "required", "minProperties", "maxProperties",
                "dependencies", "patternProperties", "propertyNames")
_ARRAY_KEYS = ("items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains")
_NUMBER_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_STRING_KEYS = ("minLength", "maxLength", "pattern", "format")
_TYPES = ("string", "number", "integer", "boolean", "null", "object", "array")
_COMBINERS = ("allOf", "anyOf", "oneOf")


class SchemaError(ValueError):
    """A schema is not a JSON Schema the checker can read (names the JSON pointer)."""

    def __init__(self, pointer: str, message: str, hint: str = "") -> None:
        super().__init__(f"{pointer or '/'}: {message}")
        self.pointer = pointer
        self.message = message
        self.hint = hint


@dataclass(eq=False)
class Node:
    """One everit-style schema: `kind` is its class, the rest its keywords.

    kinds: empty, true, false, string, number, boolean, null, object, array,
    enum, const, combined, not, ref. `pointer` is where it sits in its file.
    """

    kind: str
    pointer: str
    raw: Any
    doc: "Document | None" = None
    id: Any = None
    title: Any = None
    description: Any = None
    has_default: bool = False
    default: Any = None
    synthetic: bool = False
    # string
    min_length: Any = None
    max_length: Any = None
    pattern: Any = None
    # number
    minimum: Any = None
    maximum: Any = None
    exclusive_minimum: Any = None
    exclusive_maximum: Any = None
    multiple_of: Any = None
    integer: bool = False
    # object
    properties: dict = field(default_factory=dict)
    required: frozenset = frozenset()
    permits_additional: bool = True
    additional_schema: "Node | None" = None
    pattern_properties: tuple = ()
    min_properties: Any = None
    max_properties: Any = None
    property_dependencies: dict = field(default_factory=dict)
    schema_dependencies: dict = field(default_factory=dict)
    # array
    all_items: "Node | None" = None
    item_schemas: tuple = ()
    permits_additional_items: bool = True
    additional_items_schema: "Node | None" = None
    min_items: Any = None
    max_items: Any = None
    unique_items: bool = False
    # enum / const
    values: frozenset = frozenset()
    value: Any = None
    # combined / not
    criterion: str = ""
    subschemas: tuple = ()
    must_not: "Node | None" = None
    # ref
    ref: str = ""
    _key: str | None = None

    @property
    def key(self) -> str:
        """Structural identity (everit's JsonSchema equality), for collapsing duplicate subschemas."""
        if self._key is None:
            self._key = self.kind + ":" + canonical(self.raw) if self.synthetic else canonical(self.raw)
        return self._key

    @property
    def is_empty(self) -> bool:
        """everit's `instanceof EmptySchema` (TrueSchema extends EmptySchema)."""
        return self.kind in ("empty", "true")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class Document:
    """A loaded schema file: its root node and a cache of `$ref` targets by pointer."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self._by_pointer: dict[str, Node] = {}
        self.root = self.load(raw, "")

    def load(self, raw: Any, pointer: str) -> Node:
        cached = self._by_pointer.get(pointer)
        if cached is not None and cached.raw is raw:
            return cached
        node = _load(self, raw, pointer)
        self._by_pointer[pointer] = node
        return node

    def resolve(self, ref: str) -> Node | None:
        """The node a local `$ref` names, or None when it points outside this document or nowhere."""
        if ref == "#":
            return self.root
        if not ref.startswith("#/"):
            return None
        target: Any = self.raw
        pointer = ""
        for token in ref[2:].split("/"):
            token = _unescape(token)
            if isinstance(target, Mapping) and token in target:
                target = target[token]
            elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                target = target[int(token)]
            else:
                return None
            pointer += "/" + _escape(token)
        if not isinstance(target, (Mapping, bool)):
            return None
        return self.load(target, pointer)


def load_document(raw: Any) -> Document:
    """Load a whole schema; raises SchemaError naming the pointer of the first keyword it cannot read."""
    if not isinstance(raw, (Mapping, bool)):
        raise SchemaError("", f"a schema must be a JSON object or a boolean, not {type(raw).__name__}",
                          "wrap the schema in an object, e.g. {\"type\": \"object\", ...}")
    return Document(raw)


def _load(doc: Document, raw: Any, pointer: str) -> Node:
    if raw is True:
        return Node("true", pointer, raw, doc)
    if raw is False:
        return Node("false", pointer, raw, doc)
    if not isinstance(raw, Mapping):
        raise SchemaError(pointer, f"expected a schema (object or boolean), found {canonical(raw)[:60]}",
                          "use an object such as {\"type\": \"string\"}")
    if "$ref" in raw:
        ref = raw["$ref"]
        if not isinstance(ref, str):
            raise SchemaError(pointer + "/$ref", "$ref must be a string", "write \"$ref\": \"#/definitions/Name\"")
        return Node("ref", pointer, raw, doc, ref=ref)
    parts: list[Node] = []
    if "enum" in raw:
        values = raw["enum"]
        if not isinstance(values, list):
            raise SchemaError(pointer + "/enum", "enum must be an array", "list the allowed values in an array")
        parts.append(Node("enum", pointer, raw, doc, synthetic=True, values=frozenset(canonical(v) for v in values)))
    for criterion in _COMBINERS:
        if criterion in raw:
            subs = raw[criterion]
            if not isinstance(subs, list) or not subs:
                raise SchemaError(f"{pointer}/{criterion}", f"{criterion} must be a non-empty array of schemas",
                                  f"list at least one schema under {criterion}")
            parts.append(Node("combined", pointer, raw, doc, synthetic=True, criterion=criterion,
                              subschemas=tuple(doc.load(s, f"{pointer}/{criterion}/{i}") for i, s in enumerate(subs))))
    if "not" in raw:
        parts.append(Node("not", pointer, raw, doc, synthetic=True, must_not=doc.load(raw["not"], pointer + "/not")))
    if "const" in raw:
        parts.append(Node("const", pointer, raw, doc, synthetic=True, value=canonical(raw["const"])))
    parts.extend(_typed_parts(doc, raw, pointer))
    if not parts:
        node = Node("empty", pointer, raw, doc)
    elif len(parts) == 1:
        node = parts[0]
        node.synthetic = False
    else:
        node = Node("combined", pointer, raw, doc, criterion="allOf", subschemas=tuple(parts))
    node.id = raw.get("$id", raw.get("id"))
    node.title = raw.get("title")
    node.description = raw.get("description")
    if "default" in raw:
        node.has_default = True
        node.default = canonical(raw["default"])
    return node


def _typed_parts(doc: Document, raw: Mapping, pointer: str) -> list[Node]:
    if "type" in raw:
        declared = raw["type"]
        if isinstance(declared, str):
            return [_typed(doc, raw, pointer, declared, synthetic=True)]
        if isinstance(declared, list) and declared and all(isinstance(t, str) for t in declared):
            subs = tuple(_typed(doc, raw, pointer, t, synthetic=True) for t in declared)
            return [Node("combined", pointer, raw, doc, synthetic=True, criterion="anyOf", subschemas=subs)]
        raise SchemaError(pointer + "/type", f"type must be one of {', '.join(_TYPES)} or a list of them",
                          "write e.g. \"type\": \"string\" or \"type\": [\"string\", \"null\"]")
    sniffed = []
    for kind, keys in (("object", _OBJECT_KEYS), ("array", _ARRAY_KEYS),
                       ("number", _NUMBER_KEYS), ("string", _STRING_KEYS)):
        if any(k in raw for k in keys):
            sniffed.append(_typed(doc, raw, pointer, kind, synthetic=True))
    return sniffed


def _typed(doc: Document, raw: Mapping, pointer: str, kind: str, synthetic: bool) -> Node:
    if kind not in _TYPES:
        raise SchemaError(pointer + "/type", f"unknown type {kind!r}", f"use one of {', '.join(_TYPES)}")
    if kind == "string":
        return Node("string", pointer, raw, doc, synthetic=synthetic,
                    min_length=_number(raw, "minLength", pointer), max_length=_number(raw, "maxLength", pointer),
                    pattern=_string(raw, "pattern", pointer))
    if kind in ("number", "integer"):
        return Node("number", pointer, raw, doc, synthetic=synthetic, integer=kind == "integer",
                    minimum=_number(raw, "minimum", pointer), maximum=_number(raw, "maximum", pointer),
                    exclusive_minimum=_limit(raw, "exclusiveMinimum", pointer),
                    exclusive_maximum=_limit(raw, "exclusiveMaximum", pointer),
                    multiple_of=_number(raw, "multipleOf", pointer))
    if kind == "object":
        return _object(doc, raw, pointer, synthetic)
    if kind == "array":
        return _array(doc, raw, pointer, synthetic)
    return Node(kind, pointer, raw, doc, synthetic=synthetic)


def _object(doc: Document, raw: Mapping, pointer: str, synthetic: bool) -> Node:
    props = raw.get("properties", {})
    if not isinstance(props, Mapping):
        raise SchemaError(pointer + "/properties", "properties must be an object of schemas",
                          "map each property name to its schema")
    required = raw.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise SchemaError(pointer + "/required", "required must be an array of property names",
                          "write \"required\": [\"name\", ...]")
    node = Node("object", pointer, raw, doc, synthetic=synthetic,
                properties={k: doc.load(v, f"{pointer}/properties/{_escape(k)}") for k, v in props.items()},
                required=frozenset(required),
                min_properties=_number(raw, "minProperties", pointer),
                max_properties=_number(raw, "maxProperties", pointer))
    additional = raw.get("additionalProperties", True)
    if isinstance(additional, bool):
        node.permits_additional = additional
    else:
        node.additional_schema = doc.load(additional, pointer + "/additionalProperties")
    patterns = raw.get("patternProperties", {})
    if not isinstance(patterns, Mapping):
        raise SchemaError(pointer + "/patternProperties", "patternProperties must be an object",
                          "map each regular expression to a schema")
    compiled = []
    for regex, sub in patterns.items():
        where = f"{pointer}/patternProperties/{_escape(regex)}"
        try:
            compiled.append((re.compile(regex), doc.load(sub, where)))
        except re.error as exc:
            raise SchemaError(where, f"invalid regular expression: {exc}", "fix the pattern") from exc
    node.pattern_properties = tuple(compiled)
    dependencies = raw.get("dependencies", {})
    if not isinstance(dependencies, Mapping):
        raise SchemaError(pointer + "/dependencies", "dependencies must be an object",
                          "map each property to an array of names or a schema")
    for name, dep in dependencies.items():
        if isinstance(dep, list):
            node.property_dependencies[name] = frozenset(dep)
        else:
            node.schema_dependencies[name] = doc.load(dep, f"{pointer}/dependencies/{_escape(name)}")
    return node


def _array(doc: Document, raw: Mapping, pointer: str, synthetic: bool) -> Node:
    node = Node("array", pointer, raw, doc, synthetic=synthetic,
                min_items=_number(raw, "minItems", pointer), max_items=_number(raw, "maxItems", pointer),
                unique_items=raw.get("uniqueItems") is True)
    items = raw.get("items")
    if isinstance(items, list):
        node.item_schemas = tuple(doc.load(s, f"{pointer}/items/{i}") for i, s in enumerate(items))
    elif items is not None:
        node.all_items = doc.load(items, pointer + "/items")
    additional = raw.get("additionalItems", True)
    if isinstance(additional, bool):
        node.permits_additional_items = additional
    else:
        node.additional_items_schema = doc.load(additional, pointer + "/additionalItems")
    return node


def _number(raw: Mapping, key: str, pointer: str) -> Any:
    value = raw.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise SchemaError(f"{pointer}/{key}", f"{key} must be a number", f"write a number, e.g. \"{key}\": 1")
    return value


def _limit(raw: Mapping, key: str, pointer: str) -> Any:
    """Draft-07 numeric exclusive limit; draft-04's boolean flag carries no limit of its own."""
    value = raw.get(key)
    return None if isinstance(value, bool) else _number(raw, key, pointer)


def _string(raw: Mapping, key: str, pointer: str) -> Any:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise SchemaError(f"{pointer}/{key}", f"{key} must be a string", f"write a string for {key}")
    if key == "pattern" and value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise SchemaError(f"{pointer}/{key}", f"invalid regular expression: {exc}", "fix the pattern") from exc
    return value
