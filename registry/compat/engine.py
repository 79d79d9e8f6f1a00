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

import hashlib
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from registry.compat.content import compare_array, compare_object
from registry.compat.context import Change
from registry.compat.context import Ctx as _Ctx
from registry.compat.context import Shared as _Shared
from registry.compat.context import at as _at
from registry.compat.context import bound as _bound
from registry.compat.context import raw as _raw
from registry.compat.nodes import Node

__all__ = ["Change", "diff_documents"]


_MEMO_LIMIT = 100_000
_MEMO_KINDS = frozenset({"object", "array", "combined"})  # leaves compare faster than their key is built
# (document roots are not memoised: asking whether a root holds a `$ref` walks the whole document)
_COMPATIBLE_PAIRS: set[bytes] = set()


def diff_documents(original: Node, update: Node, *, incompatible_only: bool = False) -> list[Change]:
    """Every difference Confluent's compare(original, update) reports (or only its incompatible ones)."""
    ctx = _Ctx(_Shared(keep_compatible=not incompatible_only, compare=_compare))
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
        assert u is not None
        ctx.add("SCHEMA_ADDED", None, u.pointer, None, u.raw)
        return
    if u is None:
        ctx.add("SCHEMA_REMOVED", o.pointer, None, o.raw, None)
        return
    ro = o if o.kind != "ref" else _resolve(o)
    ru = u if u.kind != "ref" else _resolve(u)
    if ro is None or ru is None:
        ctx.add(
            "REFERENCE_UNRESOLVED",
            o.pointer,
            u.pointer,
            o.raw.get("$ref") if ro is None else None,
            u.raw.get("$ref") if ru is None else None,
        )
        return
    if ro.kind == ru.kind and ro.part == ru.part and ro.raw == ru.raw and not ro.has_ref and not ru.has_ref:
        return  # the same JSON without references loads to the same schema: nothing can differ
    memo = None
    if ro.pointer and ro.kind in _MEMO_KINDS and not ctx.shared.keep_compatible and not ro.has_ref and not ru.has_ref:
        # A ref-free pair's verdict depends on its JSON (and drafts) only: one found compatible once
        # (no incompatible change) is compatible wherever it recurs, in this comparison or a later one.
        # kept as a 16-byte digest: the keys are whole subtrees' JSON, which would hold megabytes
        memo = hashlib.blake2b(f"{ro.doc.draft}\0{ru.doc.draft}\0{ro.key}\0{ru.key}".encode(), digest_size=16).digest()
        if memo in _COMPATIBLE_PAIRS:
            return
    key = (id(ro), id(ru))
    if key in ctx.shared.in_progress:
        return  # recursion: assume compatible while the outer comparison of this pair decides
    ctx.shared.in_progress.add(key)
    before = len(ctx.changes)
    try:
        _compare_resolved(ctx, ro, ru)
    finally:
        ctx.shared.in_progress.discard(key)
    if memo is not None and len(ctx.changes) == before:
        if len(_COMPATIBLE_PAIRS) >= _MEMO_LIMIT:
            _COMPATIBLE_PAIRS.clear()
        _COMPATIBLE_PAIRS.add(memo)


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
        elif o.criterion == "allOf" and _first_compatible(ctx, [(member, u) for member in o.subschemas]):
            ctx.add("PRODUCT_TYPE_NARROWED", o.pointer, u.pointer, _kind_name(o), _kind_name(u))
            return

    if o.kind != u.kind:
        if o.kind != "false" and not u.is_empty:
            ctx.add("TYPE_CHANGED", o.pointer, u.pointer, _kind_name(o), _kind_name(u))
        return

    if o.annotations != u.annotations:
        for rule, a, b in zip(
            ("ID_CHANGED", "TITLE_CHANGED", "DESCRIPTION_CHANGED", "DEFAULT_CHANGED"),
            o.annotations,
            u.annotations,
            strict=True,
        ):
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


def _compare_string(ctx: _Ctx, o: Node, u: Node) -> None:
    _bound(ctx, o, u, "maxLength", o.max_length, u.max_length, "MAX_LENGTH")
    _bound(ctx, o, u, "minLength", o.min_length, u.min_length, "MIN_LENGTH")
    if o.pattern == u.pattern:
        return
    rule = "PATTERN_ADDED" if o.pattern is None else "PATTERN_REMOVED" if u.pattern is None else "PATTERN_CHANGED"
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
        ctx.add(
            _multiple_rule(o.multiple_of, u.multiple_of),
            _at(o, "multipleOf"),
            _at(u, "multipleOf"),
            o.multiple_of,
            u.multiple_of,
            "multipleOf",
        )
    if o.integer != u.integer:
        rule = "TYPE_EXTENDED" if o.integer else "TYPE_NARROWED"
        ctx.add(rule, _at(o, "type"), _at(u, "type"), _kind_name(o), _kind_name(u))


def _compare_enum(ctx: _Ctx, o: Node, u: Node) -> None:
    if o.values == u.values:
        return
    rule = (
        "ENUM_ARRAY_EXTENDED"
        if u.values >= o.values
        else "ENUM_ARRAY_NARROWED"
        if o.values >= u.values
        else "ENUM_ARRAY_CHANGED"
    )
    ctx.add(rule, _at(o, "enum"), _at(u, "enum"), _raw(o, "enum"), _raw(u, "enum"), "enum")


def _compare_const(ctx: _Ctx, o: Node, u: Node) -> None:
    if o.value != u.value:
        ctx.add("ENUM_ARRAY_CHANGED", _at(o, "const"), _at(u, "const"), _raw(o, "const"), _raw(u, "const"), "const")


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
        ctx.add(
            "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
            o.pointer,
            u.pointer,
            [_kind_name(s) for s in o.subschemas],
            [_kind_name(s) for s in u.subschemas],
        )


def _distinct(nodes: tuple[Node, ...]) -> list[Node]:
    """Subschemas with structural duplicates collapsed (Confluent uses a set of JsonSchema)."""
    seen: dict[str, Node] = {}
    for node in nodes:
        seen.setdefault(node.key, node)
    return list(seen.values())


def _max_matching(edges: dict[int, dict[int, list[Any]]], n_left: int) -> dict[int, int]:
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


_BY_KIND = {
    "string": _compare_string,
    "number": _compare_number,
    "enum": _compare_enum,
    "const": _compare_const,
    "combined": _compare_combined,
    "not": _compare_not,
    "object": compare_object,
    "array": compare_array,
}
