"""Group a batch's events into as few DynamoDB transactions as the limits allow.

Key design (one table, `pk`/`sk` strings, TTL attribute `expires_at`):

    DAY#2026-11-23 / TOTAL          orders, completed, cancelled
    DAY#2026-11-23 / DRINK#Latte    count
    IDEMPOTENCY#<sha256> / KEY      expires_at (TTL)

One Query on `pk = DAY#<day>` returns every metric of a day. Each distinct
event adds one conditional Put of its idempotency record; the counter items it
touches are shared by every event of the transaction, so their `ADD`s are
summed. The counters and the records of a transaction commit together, so a
crash between transactions never leaves counts without records or the
reverse.

Cost: a transaction of E events touching C counter items is E + C actions and
2 * (E + C) WCU (transactional writes of items under 1 KB). A batch of 100
events over 5 drinks on one day is 2 transactions (94 events + 6 counters,
then 6 + up to 6): at most 112 actions, 224 WCU, so about 2.2 WCU per event.
The workshop's one UpdateItem per event costs 1 WCU but one request per
event and counts every redelivery again: exactly-once is paid in WCU and
saved in requests (28x fewer in bench/metrics.py). Limits:
TransactWriteItems takes at most 100 actions and 4 MB; our actions are a few
hundred bytes, so the 100-action limit is the one that binds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .events import Increment, MetricEvent

__all__ = ["MAX_ACTIONS", "Transaction", "Update", "plan", "transaction_for"]

MAX_ACTIONS = 100


@dataclass(frozen=True)
class Update:
    """ADD each (attribute, amount) on the item (pk, sk)."""

    pk: str
    sk: str
    amounts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Transaction:
    """Actions in order: one idempotency Put per event, then the summed counter updates."""

    events: tuple[MetricEvent, ...]
    updates: tuple[Update, ...]

    @property
    def actions(self) -> int:
        return len(self.events) + len(self.updates)


def transaction_for(events: Iterable[MetricEvent]) -> Transaction:
    """Sum the increments of `events` per counter item (events must have distinct keys)."""
    chosen = tuple(events)
    totals: Counter[Increment] = Counter(inc for event in chosen for inc in event.increments)
    items: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for inc in sorted(totals):
        items.setdefault((inc.pk, inc.sk), []).append((inc.attribute, totals[inc]))
    return Transaction(chosen, tuple(Update(pk, sk, tuple(amounts)) for (pk, sk), amounts in items.items()))


def plan(events: Iterable[MetricEvent], max_actions: int = MAX_ACTIONS) -> list[Transaction]:
    """Pack events (distinct keys) greedily, sorted by counter items so transactions share them."""
    ordered = sorted(events, key=lambda e: (e.increments, e.key))
    chunks: list[list[MetricEvent]] = []
    items: set[tuple[str, str]] = set()
    for event in ordered:
        new_items = {(inc.pk, inc.sk) for inc in event.increments} - items
        if not chunks or len(chunks[-1]) + 1 + len(items) + len(new_items) > max_actions:
            chunks.append([])
            items = set()
            new_items = {(inc.pk, inc.sk) for inc in event.increments}
        chunks[-1].append(event)
        items |= new_items
    return [transaction_for(chunk) for chunk in chunks]
