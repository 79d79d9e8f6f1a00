"""Match one event against many compiled subscriptions at once.

A thin front over `Machine`: EventBridge patterns share one machine, filter
policies one per scope, and answers come back in insertion order. The
machine's exact-value maps on `source` and `detail-type` do what the former
index on those two fields did, and content filters are indexed too.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from registry.routing.eventbridge import EventPattern
from registry.routing.machine import Machine
from registry.routing.sns import FilterPolicy

__all__ = ["Router"]

K = TypeVar("K", bound=Hashable)


class Router(Generic[K]):
    """`add(key, compiled)` then `match(event)` -> keys in insertion order."""

    def __init__(self) -> None:
        self._machines: dict[tuple[str, str | None], Machine[int]] = {}
        self._keys: list[K] = []

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: K, compiled: EventPattern | FilterPolicy) -> None:
        family = ("eventbridge", None) if isinstance(compiled, EventPattern) else ("sns", compiled.scope)
        self._machines.setdefault(family, Machine()).add(len(self._keys), compiled)
        self._keys.append(key)

    def match(self, event: Any) -> list[K]:
        """Keys of every subscription whose pattern or policy matches `event`."""
        if type(event) is not dict:
            return []
        found: list[int] = []
        for machine in self._machines.values():
            found += machine.match(event)
        if len(self._machines) > 1:
            found.sort()
        return [self._keys[i] for i in found]
