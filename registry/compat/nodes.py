"""Load a draft-07 JSON Schema into the typed tree Confluent's diff walks.

Confluent compares everit `Schema` objects, not raw JSON, so the verdict
depends on how everit's loader splits a schema: `{"type": "string", "enum":
[...]}` becomes a synthetic allOf of an enum and a string schema, a type list
becomes an anyOf, keywords without `type` are "sniffed" into their schema
kind. This module reproduces that split.

Nodes are built lazily: a node decides its kind from its own keys, and its
keywords and children are read on first use (then cached). A comparison
that skips an unchanged subtree never pays for loading it, which is most of
the work when a registry re-checks every version against every other.
`Document.load_all` forces everything, to validate a whole file up front.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar, overload

from registry import drafts

_T = TypeVar("_T")

__all__ = ["Document", "Node", "SchemaError", "canonical", "is_map", "load_document"]

_OBJECT_KEYS = (
    "properties",
    "additionalProperties",
    "required",
    "minProperties",
    "maxProperties",
    "dependencies",
    "patternProperties",
    "propertyNames",
)
_ARRAY_KEYS = ("items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains")
_NUMBER_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_STRING_KEYS = ("minLength", "maxLength", "pattern", "format")
# 2019-09 / 2020-12 keywords that also make a schema without `type` an object or array schema
_NEWER_OBJECT_KEYS = (*_OBJECT_KEYS, "dependentRequired", "dependentSchemas", "unevaluatedProperties")
_NEWER_ARRAY_KEYS = (*_ARRAY_KEYS, "prefixItems", "minContains", "maxContains", "unevaluatedItems")
_TYPES = ("string", "number", "integer", "boolean", "null", "object", "array")
# keys that make everit split one JSON object into several schemas (or a reference)
_SPLITTING_KEYS = frozenset({"$ref", "enum", "allOf", "anyOf", "oneOf", "not", "const"})
_COMBINERS = ("allOf", "anyOf", "oneOf")


class SchemaError(ValueError):
    """A schema is not a JSON Schema the checker can read (names the JSON pointer and the fix)."""

    def __init__(self, pointer: str, message: str, hint: str = "") -> None:
        super().__init__(f"{pointer or '/'}: {message}")
        self.pointer = pointer
        self.message = message
        self.hint = hint


def is_map(value: Any) -> bool:
    """isinstance(value, Mapping), fast for the plain dicts json.loads makes (an ABC check is slow)."""
    return value.__class__ is dict or isinstance(value, Mapping)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class cached_property(Generic[_T]):
    """Compute an attribute on first read and store it on the instance (which then shadows this).

    Python 3.11's functools.cached_property takes a lock on every first read; this does not."""

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self.fn = fn
        self.name = fn.__name__

    @overload
    def __get__(self, node: None, owner: Any = None) -> cached_property[_T]: ...
    @overload
    def __get__(self, node: object, owner: Any = None) -> _T: ...
    def __get__(self, node: object | None, owner: Any = None) -> _T | cached_property[_T]:
        if node is None:
            return self
        value = node.__dict__[self.name] = self.fn(node)
        return value


class Node:
    """One everit-style schema. `kind` is its class (empty, true, false, string, number, boolean, null,
    object, array, enum, const, combined, not, ref); `part` tells apart the synthetic pieces everit
    splits one JSON object into ("" for the object itself); `pointer` is where it sits in its file."""

    def __init__(
        self,
        kind: str,
        pointer: str,
        raw: Any,
        doc: Document,
        part: str = "",
        *,
        criterion: str = "",
        integer: bool = False,
        subschemas: tuple[Node, ...] = (),
    ) -> None:
        self.kind = kind
        self.pointer = pointer
        self.raw = raw
        self.doc = doc
        self.part = part
        self.criterion = criterion
        self.integer = integer
        self._subschemas = subschemas

    def __repr__(self) -> str:
        return f"Node({self.kind}{'/' + self.part if self.part else ''} at {self.pointer or '/'})"

    @property
    def is_empty(self) -> bool:
        """everit's `instanceof EmptySchema` (TrueSchema extends EmptySchema)."""
        return self.kind in ("empty", "true")

    @cached_property
    def has_ref(self) -> bool:
        """Whether a `$ref` sits anywhere below (equal JSON may then still mean different schemas)."""
        return self.doc.holds_ref(self.raw)

    @cached_property
    def key(self) -> str:
        """Structural identity (everit's JsonSchema equality), to collapse duplicate subschemas."""
        return self.part + ":" + canonical(self.raw)

    # --- annotations ------------------------------------------------------------------------
    @cached_property
    def annotations(self) -> tuple[Any, Any, Any, Any]:
        """(id, title, description, default): everit keeps them on the schema itself, not its parts."""
        raw = self.raw
        if self.part or not is_map(raw):
            return (None, None, None, None)
        default = canonical(raw["default"]) if "default" in raw else None
        return (raw.get("$id", raw.get("id")), raw.get("title"), raw.get("description"), default)

    @property
    def has_default(self) -> bool:
        return not self.part and is_map(self.raw) and "default" in self.raw

    # --- string / number / object / array scalars ------------------------------------------
    @cached_property
    def min_length(self) -> Any:
        return _number(self.raw, "minLength", self.pointer)

    @cached_property
    def max_length(self) -> Any:
        return _number(self.raw, "maxLength", self.pointer)

    @cached_property
    def pattern(self) -> Any:
        return _regex_string(self.raw, "pattern", self.pointer)

    @cached_property
    def minimum(self) -> Any:
        return _number(self.raw, "minimum", self.pointer)

    @cached_property
    def maximum(self) -> Any:
        return _number(self.raw, "maximum", self.pointer)

    @cached_property
    def exclusive_minimum(self) -> Any:
        return _limit(self.raw, "exclusiveMinimum", self.pointer)

    @cached_property
    def exclusive_maximum(self) -> Any:
        return _limit(self.raw, "exclusiveMaximum", self.pointer)

    @cached_property
    def multiple_of(self) -> Any:
        return _number(self.raw, "multipleOf", self.pointer)

    @cached_property
    def min_properties(self) -> Any:
        return _number(self.raw, "minProperties", self.pointer)

    @cached_property
    def max_properties(self) -> Any:
        return _number(self.raw, "maxProperties", self.pointer)

    @cached_property
    def min_items(self) -> Any:
        return _number(self.raw, "minItems", self.pointer)

    @cached_property
    def max_items(self) -> Any:
        return _number(self.raw, "maxItems", self.pointer)

    @property
    def unique_items(self) -> bool:
        return self.raw.get("uniqueItems") is True

    # --- object -------------------------------------------------------------------------------
    @cached_property
    def raw_properties(self) -> Mapping[str, Any]:
        """The `properties` object as written (children load one by one through `property`)."""
        props = self.raw.get("properties", {})
        if not is_map(props):
            raise SchemaError(
                self.pointer + "/properties",
                "properties must be an object of schemas",
                "map each property name to its schema",
            )
        checked: Mapping[str, Any] = props
        return checked

    def property_schema(self, name: str) -> Node | None:
        cache = self.__dict__.get("_property_nodes")
        if cache is None:
            cache = self.__dict__["_property_nodes"] = {}
        elif name in cache:
            return cache[name]  # type: ignore[no-any-return]
        raw = self.raw_properties.get(name)
        if raw is None and name not in self.raw_properties:
            node = None
        else:
            node = self.doc.load(raw, f"{self.pointer}/properties/{_escape(name)}")
        cache[name] = node
        return node

    @property
    def properties(self) -> dict[str, Node]:
        return {
            name: self.doc.load(raw, f"{self.pointer}/properties/{_escape(name)}")
            for name, raw in self.raw_properties.items()
        }

    @cached_property
    def required(self) -> frozenset[str]:
        required = self.raw.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise SchemaError(
                self.pointer + "/required",
                "required must be an array of property names",
                'write "required": ["name", ...]',
            )
        return frozenset(required)

    @property
    def permits_additional(self) -> bool:
        return self.raw.get("additionalProperties", True) is not False

    @cached_property
    def additional_schema(self) -> Node | None:
        return self._optional_child("additionalProperties")

    @cached_property
    def pattern_properties(self) -> tuple[tuple[re.Pattern[str], Node], ...]:
        patterns = self.raw.get("patternProperties", {})
        if not is_map(patterns):
            raise SchemaError(
                self.pointer + "/patternProperties",
                "patternProperties must be an object",
                "map each regular expression to a schema",
            )
        compiled = []
        for regex, sub in patterns.items():
            where = f"{self.pointer}/patternProperties/{_escape(regex)}"
            compiled.append((_compile(regex, where), self.doc.load(sub, where)))
        return tuple(compiled)

    @cached_property
    def _dependencies(self) -> tuple[dict[str, frozenset[str]], dict[str, Node]]:
        dependencies = self.raw.get("dependencies", {})
        if not is_map(dependencies):
            raise SchemaError(
                self.pointer + "/dependencies",
                "dependencies must be an object",
                "map each property to an array of names or a schema",
            )
        names: dict[str, frozenset[str]] = {}
        schemas: dict[str, Node] = {}
        for name, dep in dependencies.items():
            if isinstance(dep, list):
                names[name] = frozenset(dep)
            else:
                schemas[name] = self.doc.load(dep, f"{self.pointer}/dependencies/{_escape(name)}")
        if self.doc.newer:  # 2019-09 split `dependencies` in two; Confluent maps them back onto it
            for keyword, is_names in (("dependentRequired", True), ("dependentSchemas", False)):
                split = self.raw.get(keyword, {})
                if not is_map(split):
                    raise SchemaError(self.pointer + "/" + keyword, f"{keyword} must be an object", "map names")
                for name, dep in split.items():
                    if is_names and isinstance(dep, list):
                        names[name] = frozenset(dep)
                    elif not is_names:
                        schemas[name] = self.doc.load(dep, f"{self.pointer}/{keyword}/{_escape(name)}")
        return names, schemas

    @property
    def property_dependencies(self) -> dict[str, frozenset[str]]:
        return self._dependencies[0]

    @property
    def schema_dependencies(self) -> dict[str, Node]:
        return self._dependencies[1]

    # --- array --------------------------------------------------------------------------------
    @property
    def _tuple_keywords(self) -> tuple[str, str]:
        """(tuple keyword, keyword for items after it): 2020-12 spells `items`/`additionalItems` as
        `prefixItems`/`items`, which Confluent's translator maps back onto the draft-07 pair."""
        if self.doc.draft == "2020-12":
            return "prefixItems", "items" if "prefixItems" in self.raw else "additionalItems-ignored"
        return "items", "additionalItems"

    @cached_property
    def all_items(self) -> Node | None:
        items = self.raw.get("items")
        if self.doc.draft == "2020-12" and "prefixItems" in self.raw:
            return None
        return None if items is None or isinstance(items, list) else self.doc.load(items, self.pointer + "/items")

    @cached_property
    def item_schemas(self) -> tuple[Node, ...]:
        keyword = self._tuple_keywords[0]
        items = self.raw.get(keyword)
        if not isinstance(items, list):
            return ()
        return tuple(self.doc.load(s, f"{self.pointer}/{keyword}/{i}") for i, s in enumerate(items))

    @property
    def permits_additional_items(self) -> bool:
        return self.raw.get(self._tuple_keywords[1], True) is not False

    @cached_property
    def additional_items_schema(self) -> Node | None:
        return self._optional_child(self._tuple_keywords[1])

    @cached_property
    def min_contains(self) -> Any:
        """2019-09+: Confluent's translator records minContains (default 1) wherever `contains` is."""
        if not self.doc.newer or "contains" not in self.raw:
            return None
        value = _number(self.raw, "minContains", self.pointer)
        return 1 if value is None else value

    @cached_property
    def max_contains(self) -> Any:
        if not self.doc.newer or "contains" not in self.raw:
            return None
        return _number(self.raw, "maxContains", self.pointer)

    def unevaluated(self, keyword: str) -> Node | None:
        """`unevaluatedProperties` / `unevaluatedItems` (2019-09+) as a node (true/false ones too), or None."""
        if not self.doc.newer or keyword not in self.raw:
            return None
        return self.doc.load(self.raw[keyword], f"{self.pointer}/{keyword}")

    # --- enum / const / combined / not / ref ------------------------------------------------------
    @cached_property
    def values(self) -> frozenset[str]:
        return frozenset(canonical(v) for v in self.raw["enum"])

    @cached_property
    def value(self) -> str:
        return canonical(self.raw["const"])

    @cached_property
    def subschemas(self) -> tuple[Node, ...]:
        if self._subschemas:
            return self._subschemas
        subs = self.raw[self.criterion]
        return tuple(self.doc.load(s, f"{self.pointer}/{self.criterion}/{i}") for i, s in enumerate(subs))

    @cached_property
    def must_not(self) -> Node:
        return self.doc.load(self.raw["not"], self.pointer + "/not")

    @property
    def ref(self) -> str:
        ref: str = self.raw["$ref"]
        return ref

    def _optional_child(self, keyword: str) -> Node | None:
        value = self.raw.get(keyword, True)
        return None if isinstance(value, bool) else self.doc.load(value, f"{self.pointer}/{keyword}")

    def children(self) -> list[Node]:
        """Every direct subschema, after reading (and so validating) this node's own keywords."""
        for name in _SCALARS.get(self.kind, ()):
            getattr(self, name)
        if self.kind == "object":
            out = [
                *self.properties.values(),
                *(n for _, n in self.pattern_properties),
                *self.schema_dependencies.values(),
            ]
            extra = [self.additional_schema, self.unevaluated("unevaluatedProperties")]
            return out + [n for n in extra if n is not None]
        if self.kind == "array":
            extra = [self.all_items, self.additional_items_schema, self.unevaluated("unevaluatedItems")]
            return [*self.item_schemas, *(n for n in extra if n is not None)]
        if self.kind == "combined":
            return list(self.subschemas)
        if self.kind == "not":
            return [self.must_not]
        return []


_SCALARS = {
    "object": ("required", "min_properties", "max_properties"),
    "array": ("min_items", "max_items", "min_contains", "max_contains"),
    "string": ("min_length", "max_length", "pattern"),
    "number": ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum", "multiple_of"),
}


class Document:
    """A loaded schema file: its root node, the nodes loaded so far by pointer, `$ref` resolution."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.draft = (drafts.draft_of_or_none(raw) if is_map(raw) else None) or "draft-07"
        self.newer = self.draft not in drafts.FAST_DRAFTS  # 2019-09 or 2020-12 keywords apply
        self._holds_ref: dict[int, bool] = {}  # id of a JSON container -> whether a `$ref` sits inside
        self._by_pointer: dict[str, Node] = {}
        self._resolved: dict[str, Node | None] = {}
        self.root = self.load(raw, "")

    def load(self, raw: Any, pointer: str) -> Node:
        cached = self._by_pointer.get(pointer)
        if cached is not None and cached.raw is raw:
            return cached
        node = _load(self, raw, pointer)
        self._by_pointer[pointer] = node
        return node

    def ref_holders_in(self, raw: Any) -> dict[int, bool]:
        """Walk `raw` once (if not yet walked) and return the id -> holds-a-`$ref` map for its containers."""
        self.holds_ref(raw)
        return self._holds_ref

    def holds_ref(self, raw: Any) -> bool:
        """Whether a `$ref` sits anywhere in `raw` (a part of this document), worked out on first ask: a
        comparison asks only about the subtrees it meets, so most of a large document is never walked."""
        if raw.__class__ is bool:
            return False
        known = self._holds_ref.get(id(raw))
        if known is None:
            known = _collect_ref_holders(raw, self._holds_ref)
        return known

    def resolve(self, ref: str) -> Node | None:
        """The node a local `$ref` names, or None when it points outside this document or nowhere."""
        if ref in self._resolved:
            return self._resolved[ref]
        node = self._resolve(ref)
        self._resolved[ref] = node
        return node

    def _resolve(self, ref: str) -> Node | None:
        if ref == "#":
            return self.root
        if not ref.startswith("#/"):
            return None
        target: Any = self.raw
        pointer = ""
        for escaped in ref[2:].split("/"):
            token = _unescape(escaped)
            if is_map(target) and token in target:
                target = target[token]
            elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                target = target[int(token)]
            else:
                return None
            pointer += "/" + _escape(token)
        if not isinstance(target, (Mapping, bool)):
            return None
        return self.load(target, pointer)

    def load_all(self) -> None:
        """Load every subschema reachable from the root, raising SchemaError at the first unreadable one."""
        stack, seen = [self.root], set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.extend(node.children())


def load_document(raw: Any) -> Document:
    """Load a schema's root (children load on use); SchemaError when it is not an object or boolean."""
    if not isinstance(raw, (Mapping, bool)):
        raise SchemaError(
            "",
            f"a schema must be a JSON object or a boolean, not {type(raw).__name__}",
            'wrap the schema in an object, e.g. {"type": "object", ...}',
        )
    return Document(raw)


def _collect_ref_holders(raw: Any, memo: dict[int, bool]) -> bool:
    """Whether `raw` holds a `$ref`, recording the answer for `raw` and every container inside it."""
    values: Iterable[Any]
    if raw.__class__ is dict or isinstance(raw, Mapping):
        found = "$ref" in raw
        values = raw.values()
    elif raw.__class__ is list or isinstance(raw, list):
        found, values = False, raw
    else:
        return False
    for value in values:
        cls = value.__class__
        if cls is str or cls is int or cls is float or cls is bool or value is None:
            continue
        known = memo.get(id(value))
        if known is None:
            known = _collect_ref_holders(value, memo)
        found = found or known
    memo[id(raw)] = found
    return found


def _load(doc: Document, raw: Any, pointer: str) -> Node:
    if raw is True:
        return Node("true", pointer, raw, doc)
    if raw is False:
        return Node("false", pointer, raw, doc)
    if not is_map(raw):
        raise SchemaError(
            pointer,
            f"expected a schema (object or boolean), found {canonical(raw)[:60]}",
            'use an object such as {"type": "string"}',
        )
    declared = raw.get("type")
    if declared.__class__ is str and raw.keys().isdisjoint(_SPLITTING_KEYS):
        return _typed(doc, raw, pointer, declared, "")  # the common case: one typed schema, nothing to split
    if "$ref" in raw:
        if not isinstance(raw["$ref"], str):
            raise SchemaError(pointer + "/$ref", "$ref must be a string", 'write "$ref": "#/definitions/Name"')
        return Node("ref", pointer, raw, doc)
    parts: list[Node] = []
    if "enum" in raw:
        if not isinstance(raw["enum"], list):
            raise SchemaError(pointer + "/enum", "enum must be an array", "list the allowed values in an array")
        parts.append(Node("enum", pointer, raw, doc, "enum"))
    for criterion in _COMBINERS:
        if criterion in raw:
            subs = raw[criterion]
            if not isinstance(subs, list) or not subs:
                raise SchemaError(
                    f"{pointer}/{criterion}",
                    f"{criterion} must be a non-empty array of schemas",
                    f"list at least one schema under {criterion}",
                )
            parts.append(Node("combined", pointer, raw, doc, criterion, criterion=criterion))
    if "not" in raw:
        parts.append(Node("not", pointer, raw, doc, "not"))
    if "const" in raw:
        parts.append(Node("const", pointer, raw, doc, "const"))
    parts.extend(_typed_parts(doc, raw, pointer, doc.newer))
    if not parts:
        return Node("empty", pointer, raw, doc)
    if len(parts) == 1:
        parts[0].part = ""
        return parts[0]
    return Node("combined", pointer, raw, doc, criterion="allOf", subschemas=tuple(parts))


def _typed_parts(doc: Document, raw: Mapping[str, Any], pointer: str, newer: bool) -> list[Node]:
    if "type" in raw:
        declared = raw["type"]
        if isinstance(declared, str):
            return [_typed(doc, raw, pointer, declared)]
        if isinstance(declared, list) and declared and all(isinstance(t, str) for t in declared):
            subs = tuple(_typed(doc, raw, pointer, t) for t in declared)
            return [Node("combined", pointer, raw, doc, "types", criterion="anyOf", subschemas=subs)]
        raise SchemaError(
            pointer + "/type",
            f"type must be one of {', '.join(_TYPES)} or a list of them",
            'write e.g. "type": "string" or "type": ["string", "null"]',
        )
    return [
        _typed(doc, raw, pointer, kind)
        for kind, keys in (
            ("object", _NEWER_OBJECT_KEYS if newer else _OBJECT_KEYS),
            ("array", _NEWER_ARRAY_KEYS if newer else _ARRAY_KEYS),
            ("number", _NUMBER_KEYS),
            ("string", _STRING_KEYS),
        )
        if any(k in raw for k in keys)
    ]


def _typed(doc: Document, raw: Mapping[str, Any], pointer: str, kind: str, part: str | None = None) -> Node:
    if kind not in _TYPES:
        raise SchemaError(pointer + "/type", f"unknown type {kind!r}", f"use one of {', '.join(_TYPES)}")
    if kind == "integer":
        return Node("number", pointer, raw, doc, "integer" if part is None else part, integer=True)
    return Node(kind, pointer, raw, doc, kind if part is None else part)


def _number(raw: Mapping[str, Any], key: str, pointer: str) -> Any:
    value = raw.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise SchemaError(f"{pointer}/{key}", f"{key} must be a number", f'write a number, e.g. "{key}": 1')
    return value


def _limit(raw: Mapping[str, Any], key: str, pointer: str) -> Any:
    """Draft-07 numeric exclusive limit; draft-04's boolean flag carries no limit of its own."""
    value = raw.get(key)
    return None if isinstance(value, bool) else _number(raw, key, pointer)


def _compile(regex: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(regex)
    except re.error as exc:
        raise SchemaError(where, f"invalid regular expression: {exc}", "fix the pattern") from exc


def _regex_string(raw: Mapping[str, Any], key: str, pointer: str) -> Any:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise SchemaError(f"{pointer}/{key}", f"{key} must be a string", f"write a string for {key}")
    if value is not None:
        _compile(value, f"{pointer}/{key}")
    return value
