"""Packing events into transactions: within limits, sums preserved, few requests."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.metrics.events import Increment, MetricEvent, day_pk, drink_sk
from handlers.metrics.plan import MAX_ACTIONS, plan, transaction_for

DRINKS = ["Latte", "Mocha", "Espresso", "Americano", "Cappuccino"]


def event(i: int, drink: str, day: str = "2026-11-23") -> MetricEvent:
    incs = (Increment(day_pk(day), "TOTAL", "orders"), Increment(day_pk(day), drink_sk(drink), "count"))
    return MetricEvent(f"m{i}", f"IDEMPOTENCY#{i}", day, incs)


def summed(transactions) -> Counter:
    total: Counter = Counter()
    for tx in transactions:
        for update in tx.updates:
            for attribute, amount in update.amounts:
                total[(update.pk, update.sk, attribute)] += amount
    return total


def test_a_hundred_events_over_five_drinks_take_two_transactions():
    txs = plan([event(i, DRINKS[i % 5]) for i in range(100)])
    assert len(txs) == 2
    assert all(tx.actions <= MAX_ACTIONS for tx in txs)
    assert sum(len(tx.events) for tx in txs) == 100


def test_updates_of_one_item_are_summed_into_one_action():
    tx = transaction_for([event(1, "Latte"), event(2, "Latte"), event(3, "Mocha")])
    assert [(u.sk, u.amounts) for u in tx.updates] == [
        ("DRINK#Latte", (("count", 2),)),
        ("DRINK#Mocha", (("count", 1),)),
        ("TOTAL", (("orders", 3),)),
    ]
    assert tx.actions == 3 + 3


def test_no_events_plan_no_transactions():
    assert plan([]) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(DRINKS), st.sampled_from(["2026-11-22", "2026-11-23", "2026-11-24"])), max_size=400
    ),
    st.integers(min_value=4, max_value=100),
)
def test_every_plan_respects_the_limit_keeps_every_event_once_and_preserves_sums(items, limit):
    events = [event(i, drink, day) for i, (drink, day) in enumerate(items)]
    txs = plan(events, max_actions=limit)
    assert all(tx.actions <= limit for tx in txs)
    assert sorted(e.key for tx in txs for e in tx.events) == sorted(e.key for e in events)
    expected = Counter((inc.pk, inc.sk, inc.attribute) for e in events for inc in e.increments)
    assert summed(txs) == expected
