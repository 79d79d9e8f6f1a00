"""Content models: properties and tuple items added or removed, open / closed / partially open.

Confluent's ObjectSchemaDiff and ArraySchemaDiff. In an open model (no
`additionalProperties` / `additionalItems` restriction) a name or position
the old schema did not declare may already hold anything, so adding a typed
one is a change; in a closed model old data cannot carry it; in a partially
open model (a schema for additional content, or `patternProperties`) the new
declaration must accept what that schema accepted, and the other way round.
"""

from __future__ import annotations

from typing import Any

from registry.compat.context import Ctx as _Ctx
from registry.compat.context import at as _at
from registry.compat.context import bound as _bound
from registry.compat.context import raw as _raw
from registry.compat.nodes import Node, is_map

__all__ = ["compare_array", "compare_object"]


def _fully_open(uneval: Node | None) -> bool:
    """2019-09+: with `additional*` absent, an `unevaluated*` that is absent or true leaves the model open."""
    return uneval is None or uneval.is_empty


def _uneval_partial(uneval: Node | None) -> Node | None:
    """With `additional*` absent, an `unevaluated*` schema (neither true nor false) is the partial model."""
    return uneval if uneval is not None and uneval.kind != "false" and not uneval.is_empty else None


def _is_open(node: Node) -> bool:
    return (
        not node.pattern_properties
        and node.additional_schema is None
        and node.permits_additional
        and _fully_open(node.unevaluated("unevaluatedProperties"))
    )


def _partial_schema(node: Node, name: str) -> Node | None:
    for regex, schema in node.pattern_properties:
        if regex.search(name):
            return schema
    if node.additional_schema is not None:
        return node.additional_schema
    if node.permits_additional:
        return _uneval_partial(node.unevaluated("unevaluatedProperties"))
    return None


def compare_object(ctx: _Ctx, o: Node, u: Node) -> None:
    _compare_required(ctx, o, u)
    o_props, u_props = o.raw_properties, u.raw_properties
    o_refs = o.doc.ref_holders_in(o_props)  # one walk of the properties; each lookup below is then a get
    for name in sorted(o_props.keys() | u_props.keys()):
        if name in o_props and name in u_props:
            a_raw, b_raw = o_props[name], u_props[name]
            if a_raw == b_raw and not o_refs.get(id(a_raw)):  # equal JSON: both hold a `$ref` or neither does
                continue  # unchanged and free of references: skip without loading it
        here = ctx.sub("properties", name)
        a, b = o.property_schema(name), u.property_schema(name)
        if a is not None and b is not None:
            here.compare(a, b)
        elif b is None:
            assert a is not None  # the name is in one of the two models
            _property_removed(here, a, u, name)
        else:
            _property_added(here, o, b, u, name)
        ctx.changes.extend(here.changes)
    _compare_dependencies(ctx, o, u)
    _compare_additional(
        ctx,
        o,
        u,
        "additionalProperties",
        o.permits_additional,
        u.permits_additional,
        o.additional_schema,
        u.additional_schema,
        "ADDITIONAL_PROPERTIES",
    )
    _compare_unevaluated(ctx, o, u, "unevaluatedProperties", "UNEVALUATED_PROPERTIES")
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
            here.add(
                "REQUIRED_ATTRIBUTE_REMOVED",
                _at(o, "required"),
                _at(u, "properties", name),
                "required",
                "optional",
                name,
            )
        elif now and not was:
            added = u.property_schema(name)  # None: required without a `properties` entry
            rule = (
                "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"
                if added is not None and added.has_default
                else "REQUIRED_ATTRIBUTE_ADDED"
            )
            here.add(rule, _at(o, "properties", name), _at(u, "required"), "optional", "required", name)
    ctx.changes.extend(here.changes)


def _coverage(here: _Ctx, old: Node, new: Node) -> str:
    """Compare a field with the partially open model's schema on the other side: IS_COVERED when every change is compatible."""
    trial = here.sub()
    trial.compare(old, new)
    here.changes.extend(trial.changes)
    return "IS_COVERED" if trial.compatible() else "NOT_COVERED"


def _removed(here: _Ctx, a: Node, kind: str, is_open: bool, partial: Node | None) -> None:
    """A property or tuple item (`kind` PROPERTY / ITEM) the newer schema lacks, judged by what now covers its data."""
    if is_open:
        here.add(f"{kind}_REMOVED_FROM_OPEN_CONTENT_MODEL", a.pointer, None, a.raw, None)
    elif partial is not None:
        covered = _coverage(here, a, partial)
        here.add(
            f"{kind}_REMOVED_{covered}_BY_PARTIALLY_OPEN_CONTENT_MODEL", a.pointer, partial.pointer, a.raw, partial.raw
        )
    elif a.kind == "false":
        here.add(f"{kind}_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", a.pointer, None, a.raw, None)
    else:
        here.add(f"{kind}_REMOVED_FROM_CLOSED_CONTENT_MODEL", a.pointer, None, a.raw, None)


def _property_removed(here: _Ctx, a: Node, u: Node, name: str) -> None:
    is_open = _is_open(u)
    _removed(here, a, "PROPERTY", is_open, None if is_open else _partial_schema(u, name))


def _property_added(here: _Ctx, o: Node, b: Node, u: Node, name: str) -> None:
    if _is_open(o):
        rule = (
            "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
            if b.is_empty
            else "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
        )
        here.add(rule, None, b.pointer, None, b.raw)
        return
    partial = _partial_schema(o, name)
    if partial is not None:
        covered = _coverage(here, partial, b)
        here.add(
            f"PROPERTY_ADDED_{covered}_BY_PARTIALLY_OPEN_CONTENT_MODEL", partial.pointer, b.pointer, partial.raw, b.raw
        )
    if name in u.required:
        rule = (
            "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"
            if b.has_default
            else "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
        )
    else:
        rule = "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
    here.add(rule, None, b.pointer, None, b.raw)


def _compare_dependencies(ctx: _Ctx, o: Node, u: Node) -> None:
    if "dependencies" not in o.raw and "dependencies" not in u.raw and not (o.doc.newer or u.doc.newer):
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
        here.add(
            rule,
            _dependency_at(o, name),
            _dependency_at(u, name),
            _dependency(o, name),
            _dependency(u, name),
            name,
        )
    os_, us = o.schema_dependencies, u.schema_dependencies
    for name in sorted(os_.keys() | us.keys()):
        was_schema, now_schema = os_.get(name), us.get(name)
        if now_schema is None:
            assert was_schema is not None
            here.add("DEPENDENCY_SCHEMA_REMOVED", was_schema.pointer, None, was_schema.raw, None, name)
        elif was_schema is None:
            here.add("DEPENDENCY_SCHEMA_ADDED", None, now_schema.pointer, None, now_schema.raw, name)
        else:
            inner = here.sub(name)
            inner.compare(was_schema, now_schema)
            here.changes.extend(inner.changes)
    ctx.changes.extend(here.changes)


def _dependency(node: Node, name: str) -> Any:
    for keyword in ("dependencies", "dependentRequired", "dependentSchemas"):
        deps = _raw(node, keyword)
        if is_map(deps) and name in deps:
            return deps[name]
    return None


def _dependency_at(node: Node, name: str) -> str | None:
    for keyword in ("dependencies", "dependentRequired", "dependentSchemas"):
        pointer = _at(node, keyword, name)
        if pointer is not None:
            return pointer
    return None


def _compare_unevaluated(ctx: _Ctx, o: Node, u: Node, keyword: str, prefix: str) -> None:
    """Confluent's compareUnevaluated{Properties,Items}: false closes, true / absent open, a schema narrows."""
    a, b = o.unevaluated(keyword), u.unevaluated(keyword)
    if a is None and b is None:
        return
    here = ctx.sub(keyword)
    if a is None:
        rule = "_REMOVED" if b is not None and b.kind == "false" else "_NARROWED"
    elif b is None:
        rule = "_ADDED" if a.kind == "false" else "_EXTENDED"
    elif a.kind == "false" and b.kind != "false":
        rule = "_ADDED"
    elif a.kind != "false" and b.kind == "false":
        rule = "_REMOVED"
    elif a.is_empty and not b.is_empty:
        rule = "_NARROWED"
    elif not a.is_empty and b.is_empty:
        rule = "_EXTENDED"
    else:
        here.compare(a, b)
        ctx.changes.extend(here.changes)
        return
    here.add(prefix + rule, _at(o, keyword), _at(u, keyword), _raw(o, keyword), _raw(u, keyword))
    ctx.changes.extend(here.changes)


def _compare_additional(
    ctx: _Ctx,
    o: Node,
    u: Node,
    keyword: str,
    o_permits: bool,
    u_permits: bool,
    o_schema: Node | None,
    u_schema: Node | None,
    prefix: str,
) -> None:
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
        here.compare(o_schema, u_schema)
        ctx.changes.extend(here.changes)
        return
    here.add(rule, _at(o, keyword), _at(u, keyword), _raw(o, keyword), _raw(u, keyword))
    ctx.changes.extend(here.changes)


def _is_open_array(node: Node) -> bool:
    return (
        node.permits_additional_items
        and node.additional_items_schema is None
        and _fully_open(node.unevaluated("unevaluatedItems"))
    )


def _array_partial(node: Node) -> Node | None:
    if node.additional_items_schema is not None:
        return node.additional_items_schema
    return _uneval_partial(node.unevaluated("unevaluatedItems")) if node.permits_additional_items else None


def compare_array(ctx: _Ctx, o: Node, u: Node) -> None:
    items = ctx.sub("items")
    items.compare(o.all_items, u.all_items)
    ctx.changes.extend(items.changes)
    n_o, n_u = len(o.item_schemas), len(u.item_schemas)
    for index in range(max(n_o, n_u)):
        here = ctx.sub(f"items/{index}")
        if index < n_o and index < n_u:
            here.compare(o.item_schemas[index], u.item_schemas[index])
        elif index < n_o:
            _item_removed(here, o.item_schemas[index], u)
        else:
            _item_added(here, o, u.item_schemas[index])
        ctx.changes.extend(here.changes)
    _compare_additional(
        ctx,
        o,
        u,
        "additionalItems",
        o.permits_additional_items,
        u.permits_additional_items,
        o.additional_items_schema,
        u.additional_items_schema,
        "ADDITIONAL_ITEMS",
    )
    _compare_unevaluated(ctx, o, u, "unevaluatedItems", "UNEVALUATED_ITEMS")
    _bound(ctx, o, u, "maxItems", o.max_items, u.max_items, "MAX_ITEMS")
    _bound(ctx, o, u, "minItems", o.min_items, u.min_items, "MIN_ITEMS")
    if o.unique_items != u.unique_items:
        rule = "UNIQUE_ITEMS_REMOVED" if o.unique_items else "UNIQUE_ITEMS_ADDED"
        ctx.add(rule, _at(o, "uniqueItems"), _at(u, "uniqueItems"), o.unique_items, u.unique_items, "uniqueItems")
    _bound(ctx, o, u, "maxContains", o.max_contains, u.max_contains, "MAX_CONTAINS")
    _bound(ctx, o, u, "minContains", o.min_contains, u.min_contains, "MIN_CONTAINS")


def _item_removed(here: _Ctx, a: Node, u: Node) -> None:
    is_open = _is_open_array(u)
    _removed(here, a, "ITEM", is_open, None if is_open else _array_partial(u))


def _item_added(here: _Ctx, o: Node, b: Node) -> None:
    if _is_open_array(o):
        rule = (
            "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL" if b.is_empty else "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
        )
        here.add(rule, None, b.pointer, None, b.raw)
    elif _array_partial(o) is not None:
        partial = _array_partial(o)
        assert partial is not None
        covered = _coverage(here, partial, b)
        here.add(
            f"ITEM_ADDED_{covered}_BY_PARTIALLY_OPEN_CONTENT_MODEL", partial.pointer, b.pointer, partial.raw, b.raw
        )
    else:
        here.add("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", None, b.pointer, None, b.raw)
