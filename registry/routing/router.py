"""Match one event against many compiled subscriptions at once.

Patterns are indexed on their exact `source` and `detail-type` values, so
an event only meets the rules that can concern it; a pattern that does not
pin them (or pins them only inside `$or`) stays in the catch-all bucket.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from registry.routing.eventbridge import EventPattern, compile_pattern
from registry.routing.sns import FilterPolicy

__all__ = ["Router"]

K = TypeVar("K", bound=Hashable)
_ANY = None


class Router(Generic[K]):
    """`add(key, compiled)` then `match(event)` -> keys in insertion order."""

    def __init__(self) -> None:
        self._buckets: dict[
            tuple[str | None, str | None], list[tuple[int, K, EventPattern | FilterPolicy | _Always]]
        ] = defaultdict(list)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, key: K, compiled: EventPattern | FilterPolicy) -> None:
        sources, types = _pinned(compiled, "source"), _pinned(compiled, "detail-type")
        entry = (self._count, key, _residual(compiled, sources != [_ANY], types != [_ANY]))
        self._count += 1
        for source in sources:
            for detail_type in types:
                self._buckets[(source, detail_type)].append(entry)

    def match(self, event: Any) -> list[K]:
        """Keys of every subscription whose pattern or policy matches `event`."""
        if type(event) is not dict:
            return []
        source, detail_type = event.get("source"), event.get("detail-type")
        if type(source) is not str:
            source = _ANY
        if type(detail_type) is not str:
            detail_type = _ANY
        keys = {(source, detail_type), (source, _ANY), (_ANY, detail_type), (_ANY, _ANY)}
        candidates = [e for k in keys if k in self._buckets for e in self._buckets[k]]
        if len(keys) > 1:
            candidates.sort(key=lambda e: e[0])
        return [key for _, key, compiled in candidates if compiled.matches(event)]


class _Always:
    """What is left of a pattern whose every field the index already decided."""

    @staticmethod
    def matches(event: Any) -> bool:
        return True


def _residual(
    compiled: EventPattern | FilterPolicy, source_pinned: bool, type_pinned: bool
) -> EventPattern | FilterPolicy | _Always:
    """The pattern without the exact source/detail-type tests its bucket already guarantees."""
    if not isinstance(compiled, EventPattern) or not (source_pinned or type_pinned):
        return compiled
    rest = {
        k: v
        for k, v in compiled.pattern.items()
        if not ((k == "source" and source_pinned) or (k == "detail-type" and type_pinned))
    }
    return compile_pattern(rest) if rest else _Always()


def _pinned(compiled: EventPattern | FilterPolicy, field: str) -> list[str | None]:
    """The exact strings a top-level field must equal, or [None] when it is not pinned."""
    if not isinstance(compiled, EventPattern):
        return [_ANY]
    rules = compiled.pattern.get(field)
    if isinstance(rules, list) and rules and all(isinstance(r, str) for r in rules):
        return list(dict.fromkeys(rules))
    return [_ANY]
