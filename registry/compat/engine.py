"""Confluent's `SchemaDiff.compare(original, update)`, rule for rule.

Each comparison appends `Change`s to a context; a context is compatible when
every change's rule is in the compatible set of the rule table. Sub-contexts
try a branch (a union member, a partially open model) without committing to
it, exactly as Confluent does, so verdicts match its corpus.

Two deliberate additions: an unresolvable `$ref` is a change of its own
(`REFERENCE_UNRESOLVED`, incompatible) instead of a crash or a silent pass,
and a pair of nodes met again while still being compared (recursion through
`$ref`) is taken as compatible, the coinductive reading of recursive types.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from registry.compat.nodes import Node, is_map as _is_map
from registry.compat.rules import COMPATIBLE

__all__ = ["Change", "diff_documents"]


@dataclass(frozen=True)
class Change:
    """One difference: Confluent's type as `rule_id`, its logical `path`, where it sits in each file."""

    rule_id: str
    path: str  # Confluent's path, e.g. "#/properties/foo"
    original_pointer: str | None  # JSON pointer in the original (old for BACKWARD) file, if the spot exists there
    update_pointer: str | None  # JSON pointer in the update (new for BACKWARD) file, if the spot exists there
    old: Any = None
    new: Any = None

    @property
    def compatible(self) -> bool:
        return self.rule_id in COMPATIBLE

    def to_json(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "path": self.path, "compatible": self.compatible,
                "original_pointer": self.original_pointer, "update_pointer": self.update_pointer,
                "old": self.old, "new": self.new}


class _Shared:
    """State one whole comparison shares across sub-contexts: pairs still being compared, and whether
    compatible changes are kept (a verdict needs only the incompatible ones: dropping the rest changes
    no sub-context's verdict, since a context is compatible exactly when it holds no incompatible change)."""

    __slots__ = ("in_progress", "keep_compatible")

    def __init__(self, keep_compatible: bool) -> None:
        self.in_progress: set[tuple[int, int]] = set()
        self.keep_compatible = keep_compatible


class _Ctx:
    __slots__ = ("path", "changes", "shared")

    def __init__(self, shared: _Shared, path: tuple[str, ...] = ()) -> None:
        self.shared = shared
        self.path = path
        self.changes: list[Change] = []

    def sub(self, *segments: str) -> "_Ctx":
        return _Ctx(self.shared, self.path + segments)

    def compatible(self) -> bool:
        return all(c.rule_id in COMPATIBLE for c in self.changes)

    def add(self, rule_id: str, original: str | None, update: str | None,
            old: Any = None, new: Any = None, attr: str = "") -> None:
        """Record a change at the current path (plus `attr`), with its pointer in each file (None: absent)."""
        if rule_id in COMPATIBLE and not self.shared.keep_compatible:
            return
        segments = self.path + (attr,) if attr else self.path
        self.changes.append(Change(rule_id, "#/" + "/".join(segments), original, update, old, new))


def _at(node: Node, keyword: str, *rest: str) -> str | None:
    """The pointer of `keyword` (and a key under it) in node's file, or None when the file lacks it."""
    raw = node.raw
    if not _is_map(raw) or keyword not in raw:
        return None
    pointer = f"{node.pointer}/{keyword}"
    inner = raw[keyword]
    for key in rest:
        if not _is_map(inner) or key not in inner:
            return None
        pointer += "/" + key.replace("~", "~0").replace("/", "~1")
        inner = inner[key]
    return pointer


def diff_documents(original: Node, update: Node, *, incompatible_only: bool = False) -> list[Change]:
    """Every difference Confluent's compare(original, update) reports (or only its incompatible ones)."""
    ctx = _Ctx(_Shared(keep_compatible=not incompatible_only))
    _compare(ctx, original, update)
    return ctx.changes


def _resolve(node: Node) -> Node | None:
    """Follow local `$ref`s to the schema they name; None for an external, missing or cyclic reference."""
    seen: set[int] = set()
    while node.kind == "ref":
        if id(node) in seen:
            return None
        seen.add(id(node))
        target = node.doc.resolve(node.ref)
        if target is None:
            return None
        node = target
    return node


def _compare(ctx: _Ctx, o: Node | None, u: Node | None) -> None:
    if o is None and u is None:
        return
    if o is None:
        ctx.add("SCHEMA_ADDED", None, u.pointer, None, u.raw)
        return
    if u is None:
        ctx.add("SCHEMA_REMOVED", o.pointer, None, o.raw, None)
        return
    ro = o if o.kind != "ref" else _resolve(o)
    ru = u if u.kind != "ref" else _resolve(u)
    if ro is None or ru is None:
        ctx.add("REFERENCE_UNRESOLVED", o.pointer, u.pointer,
                o.raw.get("$ref") if ro is None else None, u.raw.get("$ref") if ru is None else None)
        return
    if ro.kind == ru.kind and ro.part == ru.part and not ro.has_ref and not ru.has_ref and ro.raw == ru.raw:
        return  # the same JSON without references loads to the same schema: nothing can differ
    key = (id(ro), id(ru))
    if key in ctx.shared.in_progress:
        return  # recursion: assume compatible while the outer comparison of this pair decides
    ctx.shared.in_progress.add(key)
    try:
        _compare_resolved(ctx, ro, ru)
    finally:
        ctx.shared.in_progress.discard(key)


def _first_compatible(ctx: _Ctx, pairs: list[tuple[Node, Node]]) -> bool:
    """Commit the changes of the first trial comparison that is compatible; report whether one was."""
    for a, b in pairs:
        trial = ctx.sub()
        _compare(trial, a, b)
        if trial.compatible():
            ctx.changes.extend(trial.changes)
            return True
    return False


def _compare_resolved(ctx: _Ctx, o: Node, u: Node) -> None:
    if o.kind != "combined" and u.kind == "combined":
        if len(u.subschemas) == 1:
            if _first_compatible(ctx, [(o, u.subschemas[0])]):
                return
        elif u.criterion in ("anyOf", "oneOf"):
            if _first_compatible(ctx, [(o, member) for member in u.subschemas]):
                ctx.add("SUM_TYPE_EXTENDED", o.pointer, u.pointer, _kind_name(o), _kind_name(u))
                return
    elif o.kind == "combined" and u.kind != "combined":
        if len(o.subschemas) == 1:
            if _first_compatible(ctx, [(o.subschemas[0], u)]):
                return
        elif o.criterion == "allOf":
            if _first_compatible(ctx, [(member, u) for member in o.subschemas]):
                ctx.add("PRODUCT_TYPE_NARROWED", o.pointer, u.pointer, _kind_name(o), _kind_name(u))
                return

    if o.kind != u.kind:
        if o.kind != "false" and not u.is_empty:
            ctx.add("TYPE_CHANGED", o.pointer, u.pointer, _kind_name(o), _kind_name(u))
        return

    if o.annotations != u.annotations:
        for rule, a, b in zip(("ID_CHANGED", "TITLE_CHANGED", "DESCRIPTION_CHANGED", "DEFAULT_CHANGED"),
                              o.annotations, u.annotations):
            if a != b:
                if rule == "DEFAULT_CHANGED":
                    a, b = _raw(o, "default"), _raw(u, "default")
                ctx.add(rule, o.pointer, u.pointer, a, b)

    compare = _BY_KIND.get(o.kind)
    if compare is not None:
        compare(ctx, o, u)


def _kind_name(node: Node) -> str:
    if node.kind == "combined":
        return node.criterion
    if node.kind == "number":
        return "integer" if node.integer else "number"
    return node.kind


def _raw(node: Node, keyword: str) -> Any:
    return node.raw.get(keyword) if _is_map(node.raw) else None


def _bound(ctx: _Ctx, o: Node, u: Node, keyword: str, a: Any, b: Any, prefix: str) -> None:
    """The ADDED / REMOVED / INCREASED / DECREASED family every numeric keyword shares."""
    if a == b:
        return
    if a is None:
        rule = prefix + "_ADDED"
    elif b is None:
        rule = prefix + "_REMOVED"
    elif a < b:
        rule = prefix + "_INCREASED"
    else:
        rule = prefix + "_DECREASED"
    ctx.add(rule, _at(o, keyword), _at(u, keyword), a, b, keyword)


def _compare_string(ctx: _Ctx, o: Node, u: Node) -> None:
    _bound(ctx, o, u, "maxLength", o.max_length, u.max_length, "MAX_LENGTH")
    _bound(ctx, o, u, "minLength", o.min_length, u.min_length, "MIN_LENGTH")
    if o.pattern == u.pattern:
        return
    rule = ("PATTERN_ADDED" if o.pattern is None else "PATTERN_REMOVED" if u.pattern is None
            else "PATTERN_CHANGED")
    ctx.add(rule, _at(o, "pattern"), _at(u, "pattern"), o.pattern, u.pattern, "pattern")


def _fraction(value: Any) -> Fraction | None:
    try:
        return Fraction(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _multiple_rule(a: Any, b: Any) -> str:
    if a is None:
        return "MULTIPLE_OF_ADDED"
    if b is None:
        return "MULTIPLE_OF_REMOVED"
    fa, fb = _fraction(a), _fraction(b)
    if fa and fb and (fb / fa).denominator == 1:
        return "MULTIPLE_OF_EXPANDED"  # every new multiple is an old one: fewer values accepted
    if fa and fb and (fa / fb).denominator == 1:
        return "MULTIPLE_OF_REDUCED"
    return "MULTIPLE_OF_CHANGED"


def _compare_number(ctx: _Ctx, o: Node, u: Node) -> None:
    _bound(ctx, o, u, "maximum", o.maximum, u.maximum, "MAXIMUM")
    _bound(ctx, o, u, "minimum", o.minimum, u.minimum, "MINIMUM")
    _bound(ctx, o, u, "exclusiveMaximum", o.exclusive_maximum, u.exclusive_maximum, "EXCLUSIVE_MAXIMUM")
    _bound(ctx, o, u, "exclusiveMinimum", o.exclusive_minimum, u.exclusive_minimum, "EXCLUSIVE_MINIMUM")
    if o.multiple_of != u.multiple_of:
        ctx.add(_multiple_rule(o.multiple_of, u.multiple_of), _at(o, "multipleOf"), _at(u, "multipleOf"),
                o.multiple_of, u.multiple_of, "multipleOf")
    if o.integer != u.integer:
        rule = "TYPE_EXTENDED" if o.integer else "TYPE_NARROWED"
        ctx.add(rule, _at(o, "type"), _at(u, "type"), _kind_name(o), _kind_name(u))


def _compare_enum(ctx: _Ctx, o: Node, u: Node) -> None:
    if o.values == u.values:
        return
    rule = ("ENUM_ARRAY_EXTENDED" if u.values >= o.values else
            "ENUM_ARRAY_NARROWED" if o.values >= u.values else "ENUM_ARRAY_CHANGED")
    ctx.add(rule, _at(o, "enum"), _at(u, "enum"), _raw(o, "enum"), _raw(u, "enum"), "enum")


def _compare_const(ctx: _Ctx, o: Node, u: Node) -> None:
    if o.value != u.value:
        ctx.add("ENUM_ARRAY_CHANGED", _at(o, "const"), _at(u, "const"), _raw(o, "const"), _raw(u, "const"),
                "const")


def _compare_not(ctx: _Ctx, o: Node, u: Node) -> None:
    here = ctx.sub("not")
    trial = here.sub()
    _compare(trial, u.must_not, o.must_not)  # reversed: excluding less admits more
    rule = "NOT_TYPE_NARROWED" if trial.compatible() else "NOT_TYPE_EXTENDED"
    here.add(rule, _at(o, "not"), _at(u, "not"), _raw(o, "not"), _raw(u, "not"))
    ctx.changes.extend(here.changes)


def _criteria_rule(o: Node, u: Node) -> str | None:
    if o.criterion == u.criterion:
        return None
    if u.criterion == "anyOf":
        return "COMBINED_TYPE_EXTENDED"
    if u.criterion == "oneOf":
        return "COMBINED_TYPE_EXTENDED" if len(o.subschemas) == 1 else "COMBINED_TYPE_CHANGED"
    single = len(o.subschemas) == 1 and len(u.subschemas) == 1
    return "COMBINED_TYPE_EXTENDED" if single else "COMBINED_TYPE_CHANGED"


def _compare_combined(ctx: _Ctx, o: Node, u: Node) -> None:
    rule = _criteria_rule(o, u)
    if rule is not None:
        ctx.add(rule, o.pointer, u.pointer, o.criterion, u.criterion)
        if rule == "COMBINED_TYPE_CHANGED":
            return
    originals, updates = _distinct(o.subschemas), _distinct(u.subschemas)
    n_o, n_u = len(originals), len(updates)
    product = u.criterion == "allOf"
    if n_o < n_u:
        ctx.add("PRODUCT_TYPE_EXTENDED" if product else "SUM_TYPE_EXTENDED", o.pointer, u.pointer, n_o, n_u)
    elif n_o > n_u:
        ctx.add("PRODUCT_TYPE_NARROWED" if product else "SUM_TYPE_NARROWED", o.pointer, u.pointer, n_o, n_u)
    edges: dict[int, dict[int, list[Change]]] = {}
    for i, a in enumerate(originals):
        for j, b in enumerate(updates):
            trial = ctx.sub(f"{o.criterion}/{i}")
            _compare(trial, a, b)
            if trial.compatible():
                edges.setdefault(i, {})[j] = trial.changes
    matching = _max_matching(edges, n_o)
    for i, j in sorted(matching.items()):
        ctx.changes.extend(edges[i][j])
    if len(matching) < min(n_o, n_u):
        ctx.add("COMBINED_TYPE_SUBSCHEMAS_CHANGED", o.pointer, u.pointer,
                [_kind_name(s) for s in o.subschemas], [_kind_name(s) for s in u.subschemas])


def _distinct(nodes: tuple) -> list[Node]:
    """Subschemas with structural duplicates collapsed (Confluent uses a set of JsonSchema)."""
    seen: dict[str, Node] = {}
    for node in nodes:
        seen.setdefault(node.key, node)
    return list(seen.values())


def _max_matching(edges: dict[int, dict[int, list]], n_left: int) -> dict[int, int]:
    """Maximum bipartite matching by augmenting paths; returns left -> right."""
    match_right: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges.get(i, {}):
            if j in seen:
                continue
            seen.add(j)
            if j not in match_right or augment(match_right[j], seen):
                match_right[j] = i
                return True
        return False

    for i in range(n_left):
        augment(i, set())
    return {i: j for j, i in match_right.items()}


def _is_open(node: Node) -> bool:
    return not node.pattern_properties and node.additional_schema is None and node.permits_additional


def _partial_schema(node: Node, name: str) -> Node | None:
    for regex, schema in node.pattern_properties:
        if regex.search(name):
            return schema
    return node.additional_schema


def _compare_object(ctx: _Ctx, o: Node, u: Node) -> None:
    _compare_required(ctx, o, u)
    o_props, u_props = o.raw_properties, u.raw_properties
    o_refs, u_refs = o.doc.ref_holders, u.doc.ref_holders
    for name in sorted(o_props.keys() | u_props.keys()):
        if name in o_props and name in u_props:
            a_raw, b_raw = o_props[name], u_props[name]
            if a_raw == b_raw and id(a_raw) not in o_refs and id(b_raw) not in u_refs:
                continue  # unchanged and free of references: skip without loading it
        here = ctx.sub("properties", name)
        a, b = o.property_schema(name), u.property_schema(name)
        if a is not None and b is not None:
            _compare(here, a, b)
        elif b is None:
            _property_removed(here, a, u, name)
        else:
            _property_added(here, o, b, u, name)
        ctx.changes.extend(here.changes)
    _compare_dependencies(ctx, o, u)
    _compare_additional(ctx, o, u, "additionalProperties", o.permits_additional, u.permits_additional,
                        o.additional_schema, u.additional_schema, "ADDITIONAL_PROPERTIES")
    _bound(ctx, o, u, "maxProperties", o.max_properties, u.max_properties, "MAX_PROPERTIES")
    _bound(ctx, o, u, "minProperties", o.min_properties, u.min_properties, "MIN_PROPERTIES")


def _compare_required(ctx: _Ctx, o: Node, u: Node) -> None:
    o_req, u_req = o.required, u.required
    if o_req == u_req:
        return
    here = ctx.sub("required")
    u_props = u.raw_properties
    for name in sorted(o.raw_properties):
        if name not in u_props:
            continue
        was, now = name in o_req, name in u_req
        if was and not now:
            here.add("REQUIRED_ATTRIBUTE_REMOVED", _at(o, "required"), _at(u, "properties", name),
                     "required", "optional", name)
        elif now and not was:
            rule = ("REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED" if u.property_schema(name).has_default
                    else "REQUIRED_ATTRIBUTE_ADDED")
            here.add(rule, _at(o, "properties", name), _at(u, "required"), "optional", "required", name)
    ctx.changes.extend(here.changes)


def _property_removed(here: _Ctx, a: Node, u: Node, name: str) -> None:
    if _is_open(u):
        here.add("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", a.pointer, None, a.raw, None)
        return
    partial = _partial_schema(u, name)
    if partial is not None:
        trial = here.sub()
        _compare(trial, a, partial)
        here.changes.extend(trial.changes)
        rule = ("PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL" if trial.compatible()
                else "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
        here.add(rule, a.pointer, partial.pointer, a.raw, partial.raw)
    elif a.kind == "false":
        here.add("PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", a.pointer, None, a.raw, None)
    else:
        here.add("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", a.pointer, None, a.raw, None)


def _property_added(here: _Ctx, o: Node, b: Node, u: Node, name: str) -> None:
    if _is_open(o):
        rule = ("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL" if b.is_empty
                else "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
        here.add(rule, None, b.pointer, None, b.raw)
        return
    partial = _partial_schema(o, name)
    if partial is not None:
        trial = here.sub()
        _compare(trial, partial, b)
        here.changes.extend(trial.changes)
        rule = ("PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL" if trial.compatible()
                else "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
        here.add(rule, partial.pointer, b.pointer, partial.raw, b.raw)
    if name in u.required:
        rule = ("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL" if b.has_default
                else "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
    else:
        rule = "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
    here.add(rule, None, b.pointer, None, b.raw)


def _compare_dependencies(ctx: _Ctx, o: Node, u: Node) -> None:
    if "dependencies" not in o.raw and "dependencies" not in u.raw:
        return
    here = ctx.sub("dependencies")
    od, ud = o.property_dependencies, u.property_dependencies
    for name in sorted(od.keys() | ud.keys()):
        a, b = od.get(name), ud.get(name)
        if a == b:
            continue
        if b is None:
            rule = "DEPENDENCY_ARRAY_REMOVED"
        elif a is None:
            rule = "DEPENDENCY_ARRAY_ADDED"
        elif b >= a:
            rule = "DEPENDENCY_ARRAY_EXTENDED"
        elif a >= b:
            rule = "DEPENDENCY_ARRAY_NARROWED"
        else:
            rule = "DEPENDENCY_ARRAY_CHANGED"
        here.add(rule, _at(o, "dependencies", name), _at(u, "dependencies", name),
                 _dependency(o, name), _dependency(u, name), name)
    os_, us = o.schema_dependencies, u.schema_dependencies
    for name in sorted(os_.keys() | us.keys()):
        a, b = os_.get(name), us.get(name)
        if b is None:
            here.add("DEPENDENCY_SCHEMA_REMOVED", a.pointer, None, a.raw, None, name)
        elif a is None:
            here.add("DEPENDENCY_SCHEMA_ADDED", None, b.pointer, None, b.raw, name)
        else:
            inner = here.sub(name)
            _compare(inner, a, b)
            here.changes.extend(inner.changes)
    ctx.changes.extend(here.changes)


def _dependency(node: Node, name: str) -> Any:
    deps = _raw(node, "dependencies")
    return deps.get(name) if _is_map(deps) else None


def _compare_additional(ctx: _Ctx, o: Node, u: Node, keyword: str, o_permits: bool, u_permits: bool,
                        o_schema: Node | None, u_schema: Node | None, prefix: str) -> None:
    """additionalProperties / additionalItems: boolean switch, or a schema compared like any other."""
    if o_permits == u_permits and o_schema is None and u_schema is None:
        return
    here = ctx.sub(keyword)
    if o_permits != u_permits:
        rule = prefix + ("_ADDED" if u_permits else "_REMOVED")
    elif o_schema is None and u_schema is not None:
        rule = prefix + "_NARROWED"
    elif u_schema is None and o_schema is not None:
        rule = prefix + "_EXTENDED"
    else:
        _compare(here, o_schema, u_schema)
        ctx.changes.extend(here.changes)
        return
    here.add(rule, _at(o, keyword), _at(u, keyword), _raw(o, keyword), _raw(u, keyword))
    ctx.changes.extend(here.changes)


def _is_open_array(node: Node) -> bool:
    return node.permits_additional_items and node.additional_items_schema is None


def _compare_array(ctx: _Ctx, o: Node, u: Node) -> None:
    items = ctx.sub("items")
    _compare(items, o.all_items, u.all_items)
    ctx.changes.extend(items.changes)
    n_o, n_u = len(o.item_schemas), len(u.item_schemas)
    for index in range(max(n_o, n_u)):
        here = ctx.sub(f"items/{index}")
        if index < n_o and index < n_u:
            _compare(here, o.item_schemas[index], u.item_schemas[index])
        elif index < n_o:
            _item_removed(here, o.item_schemas[index], u)
        else:
            _item_added(here, o, u.item_schemas[index])
        ctx.changes.extend(here.changes)
    _compare_additional(ctx, o, u, "additionalItems", o.permits_additional_items, u.permits_additional_items,
                        o.additional_items_schema, u.additional_items_schema, "ADDITIONAL_ITEMS")
    _bound(ctx, o, u, "maxItems", o.max_items, u.max_items, "MAX_ITEMS")
    _bound(ctx, o, u, "minItems", o.min_items, u.min_items, "MIN_ITEMS")
    if o.unique_items != u.unique_items:
        rule = "UNIQUE_ITEMS_REMOVED" if o.unique_items else "UNIQUE_ITEMS_ADDED"
        ctx.add(rule, _at(o, "uniqueItems"), _at(u, "uniqueItems"), o.unique_items, u.unique_items, "uniqueItems")


def _item_removed(here: _Ctx, a: Node, u: Node) -> None:
    if _is_open_array(u):
        here.add("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", a.pointer, None, a.raw, None)
    elif u.additional_items_schema is not None:
        partial = u.additional_items_schema
        trial = here.sub()
        _compare(trial, a, partial)
        here.changes.extend(trial.changes)
        rule = ("ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL" if trial.compatible()
                else "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
        here.add(rule, a.pointer, partial.pointer, a.raw, partial.raw)
    elif a.kind == "false":
        here.add("ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", a.pointer, None, a.raw, None)
    else:
        here.add("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", a.pointer, None, a.raw, None)


def _item_added(here: _Ctx, o: Node, b: Node) -> None:
    if _is_open_array(o):
        rule = ("ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL" if b.is_empty
                else "ITEM_ADDED_TO_OPEN_CONTENT_MODEL")
        here.add(rule, None, b.pointer, None, b.raw)
    elif o.additional_items_schema is not None:
        partial = o.additional_items_schema
        trial = here.sub()
        _compare(trial, partial, b)
        here.changes.extend(trial.changes)
        rule = ("ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL" if trial.compatible()
                else "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
        here.add(rule, partial.pointer, b.pointer, partial.raw, b.raw)
    else:
        here.add("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", None, b.pointer, None, b.raw)


_BY_KIND = {
    "string": _compare_string,
    "number": _compare_number,
    "enum": _compare_enum,
    "const": _compare_const,
    "combined": _compare_combined,
    "not": _compare_not,
    "object": _compare_object,
    "array": _compare_array,
}
