"""What a comparison records: `Change`s, the context that collects them, pointer helpers.

Shared by the engine (schema kinds, combinators) and the content-model
module (objects, tuples); a context also carries the engine's compare
function so that content-model code can recurse without importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from registry.compat.nodes import Node, is_map
from registry.compat.rules import COMPATIBLE

__all__ = ["Change", "Ctx", "Shared", "at", "bound", "raw"]


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
        return {
            "rule_id": self.rule_id,
            "path": self.path,
            "compatible": self.compatible,
            "original_pointer": self.original_pointer,
            "update_pointer": self.update_pointer,
            "old": self.old,
            "new": self.new,
        }


class Shared:
    """State one whole comparison shares across sub-contexts: pairs still being compared, and whether
    compatible changes are kept (a verdict needs only the incompatible ones: dropping the rest changes
    no sub-context's verdict, since a context is compatible exactly when it holds no incompatible change)."""

    __slots__ = ("compare", "in_progress", "keep_compatible")

    def __init__(self, keep_compatible: bool, compare: Callable[[Ctx, Node | None, Node | None], None]) -> None:
        self.in_progress: set[tuple[int, int]] = set()
        self.keep_compatible = keep_compatible
        self.compare = compare


class Ctx:
    __slots__ = ("changes", "path", "shared")

    def __init__(self, shared: Shared, path: tuple[str, ...] = ()) -> None:
        self.shared = shared
        self.path = path
        self.changes: list[Change] = []

    def sub(self, *segments: str) -> Ctx:
        return Ctx(self.shared, self.path + segments)

    def compare(self, original: Node | None, update: Node | None) -> None:
        """Compare two subschemas into this context (the engine's compare, carried by `shared`)."""
        self.shared.compare(self, original, update)

    def compatible(self) -> bool:
        return all(c.rule_id in COMPATIBLE for c in self.changes)

    def add(
        self, rule_id: str, original: str | None, update: str | None, old: Any = None, new: Any = None, attr: str = ""
    ) -> None:
        """Record a change at the current path (plus `attr`), with its pointer in each file (None: absent)."""
        if rule_id in COMPATIBLE and not self.shared.keep_compatible:
            return
        segments = (*self.path, attr) if attr else self.path
        self.changes.append(Change(rule_id, "#/" + "/".join(segments), original, update, old, new))


def at(node: Node, keyword: str, *rest: str) -> str | None:
    """The pointer of `keyword` (and a key under it) in node's file, or None when the file lacks it."""
    raw = node.raw
    if not is_map(raw) or keyword not in raw:
        return None
    pointer = f"{node.pointer}/{keyword}"
    inner = raw[keyword]
    for key in rest:
        if not is_map(inner) or key not in inner:
            return None
        pointer += "/" + key.replace("~", "~0").replace("/", "~1")
        inner = inner[key]
    return pointer


def raw(node: Node, keyword: str) -> Any:
    return node.raw.get(keyword) if is_map(node.raw) else None


def bound(ctx: Ctx, o: Node, u: Node, keyword: str, a: Any, b: Any, prefix: str) -> None:
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
    ctx.add(rule, at(o, keyword), at(u, keyword), a, b, keyword)
