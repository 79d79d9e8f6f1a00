"""Matching throughput, side by side in one run: the shared machine vs the per-pattern matcher, and vs moto.

Hot workload: 1,000 patterns on ONE source and detail-type (every subscriber
of a busy event), so content filters decide: numeric ranges, value lists,
prefixes, anything-but, exists, nested fields and arrays of objects; 50,000
events. Ours: one `Machine` holding every pattern. Reference: each pattern's
own compiled matcher (what the machine replaces), timed on a subset and scaled
per event; verdicts are compared on that subset. Also the machine's memory
(tracemalloc) for 1,000 and 10,000 such patterns.

Mixed workload: 200 subscriptions (160 EventBridge rules, 40 fork subscriptions whose SNS
MessageBody policy sits behind the topic rule) with mixed operators, and
100,000 events. Ours: one machine for the bus's rules and one for the topic's
filter policies. Moto:
`moto.events.models.EventPattern` and `moto.sns.utils.FilterPolicyMatcher`,
which check every rule per event (as moto's backends do); timed on a subset
and scaled per event. Verdicts are compared on the subset.

Prints `BENCH match ours_per_s=<n> moto_per_s=<n> ratio=<x> moto_subset=<n> hot_machine_per_s=<n>
hot_machine_cpu_per_s=<n> hot_reference_per_s=<n> hot_ratio=<x> hot_reference_subset=<n> machine_kib_1000=<n> machine_kib_10000=<n>` last.
"""

from __future__ import annotations

import json
import random
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moto.events.models import EventPattern as MotoEventPattern
from moto.sns.utils import FilterPolicyMatcher

from registry.routing import EventPattern, compile_pattern, compile_policy
from registry.routing.machine import Machine

EVENTS = 100_000
MOTO_SUBSET = 500
HOT_PATTERNS = 1_000
HOT_EVENTS = 50_000
HOT_REFERENCE_SUBSET = 300
SOURCES = [
    f"com.example.{name}"
    for name in ("orders", "payments", "inventory", "delivery", "customers", "checkout", "billing", "email")
]
TYPES = ["Created", "Updated", "Cancelled", "Completed", "Failed"]
STATUSES = ["placed", "paid", "shipped", "cancelled", "refunded"]
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"]
TIERS = ["gold", "silver", "bronze"]


def detail_filter(rng: random.Random) -> dict[str, Any]:
    """A realistic detail filter; only operators on which moto agrees with AWS, so verdicts compare."""
    choices = [
        lambda: {"data": {"amount": [{"numeric": [">=", rng.choice([10, 100, 500])]}]}},
        lambda: {"data": {"amount": [{"numeric": [">", 0, "<=", rng.choice([50, 250])]}], "status": ["paid"]}},
        lambda: {"data": {"status": rng.sample(STATUSES, 2)}},
        lambda: {"data": {"region": [{"prefix": "eu-"}]}},
        lambda: {"data": {"region": [{"suffix": "-1"}], "status": [{"anything-but": ["cancelled", "refunded"]}]}},
        lambda: {"data": {"customer": {"tier": [rng.choice(TIERS)]}}},
        lambda: {"data": {"coupon": [{"exists": False}], "status": ["placed"]}},
        lambda: {"data": {"coupon": [{"exists": True}]}},
        lambda: {"data": {"ip": [{"cidr": "10.1.0.0/16"}]}},
        lambda: {"data": {"customer": {"tier": [{"equals-ignore-case": "GOLD"}]}, "region": [{"prefix": "us-"}]}},
    ]
    return rng.choice(choices)()


def subscriptions(rng: random.Random) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(EventBridge pattern, SNS MessageBody policy or None) per subscription, as registry.patterns builds them."""
    subs = []
    for i in range(200):
        head = {"source": [SOURCES[i % len(SOURCES)]], "detail-type": [TYPES[(i // len(SOURCES)) % len(TYPES)]]}
        if i % 5 == 4:
            subs.append((head, {"detail": detail_filter(rng)}))
        else:
            subs.append(({**head, "detail": detail_filter(rng)}, None))
    return subs


def event(rng: random.Random, n: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "orderId": f"ord-{n}",
        "amount": round(rng.uniform(0, 1000), 2),
        "status": rng.choice(STATUSES),
        "region": rng.choice(REGIONS),
        "customer": {"id": f"cus-{n % 977}", "tier": rng.choice(TIERS)},
        "ip": f"10.{rng.randint(0, 3)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "items": [
            {"sku": f"SKU-{rng.randint(1, 50)}", "quantity": rng.randint(1, 3)} for _ in range(rng.randint(1, 3))
        ],
    }
    if rng.random() < 0.3:
        data["coupon"] = "WELCOME10"
    return {
        "version": "0",
        "id": f"id-{n}",
        "detail-type": rng.choice(TYPES),
        "source": rng.choice(SOURCES),
        "account": "123456789012",
        "time": "2026-11-23T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"metadata": {"idempotency-key": f"k-{n}", "version": "1"}, "data": data},
    }


def hot_filter(rng: random.Random) -> dict[str, Any]:
    """One subscriber of the busy event: each filter mixes a selective condition with broader ones."""
    low = rng.randint(0, 980)
    choices = [
        lambda: {"data": {"customer": {"id": [f"cus-{rng.randint(0, 976)}"]}, "amount": [{"numeric": [">", low]}]}},
        lambda: {
            "data": {
                "items": {"sku": [f"SKU-{rng.randint(1, 50)}", f"SKU-{rng.randint(1, 50)}"]},
                "status": [rng.choice(STATUSES)],
                "region": [{"prefix": "eu-"}],
            }
        },
        lambda: {
            "data": {
                "amount": [{"numeric": [">=", low, "<", low + 20]}],
                "status": [{"anything-but": rng.sample(STATUSES, 2)}],
            }
        },
        lambda: {
            "data": {
                "customer": {"tier": [rng.choice(TIERS)]},
                "amount": [{"numeric": [">", low, "<=", low + 10]}],
                "coupon": [{"exists": True}],
            }
        },
        lambda: {
            "data": {
                "region": [rng.choice(REGIONS)],
                "status": rng.sample(STATUSES, 2),
                "amount": [{"numeric": [">=", rng.randint(985, 995)]}],
            }
        },
        lambda: {"data": {"orderId": [{"prefix": f"ord-{rng.randint(10, 99)}"}], "coupon": [{"exists": False}]}},
    ]
    return rng.choice(choices)()


def hot_patterns(rng: random.Random, count: int) -> list[EventPattern]:
    head = {"source": ["com.example.orders"], "detail-type": ["OrderPlaced"]}
    return [compile_pattern({**head, "detail": hot_filter(rng)}) for _ in range(count)]


def hot_event(rng: random.Random, n: int) -> dict[str, Any]:
    e = event(rng, n)
    e["source"], e["detail-type"] = "com.example.orders", "OrderPlaced"
    return e


def machine_kib(patterns: list[EventPattern]) -> int:
    """Memory the compiled machine holds (the patterns themselves are compiled beforehand)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    machine: Machine[int] = Machine()
    for i, p in enumerate(patterns):
        machine.add(i, p)
    machine.stats()  # builds it
    size = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del machine
    return size // 1024


def hot(rng: random.Random) -> dict[str, float]:
    patterns = hot_patterns(rng, HOT_PATTERNS)
    events = [hot_event(rng, n) for n in range(HOT_EVENTS)]
    machine: Machine[int] = Machine()
    for i, p in enumerate(patterns):
        machine.add(i, p)
    machine.match(events[0])  # compile outside the timing, as a deployed bus is compiled once

    start, cpu = time.perf_counter(), time.process_time()
    delivered = sum(len(machine.match(e)) for e in events)
    machine_s, machine_cpu = time.perf_counter() - start, time.process_time() - cpu

    subset = events[:HOT_REFERENCE_SUBSET]
    start = time.perf_counter()
    reference = [[i for i, p in enumerate(patterns) if p.matches(e)] for e in subset]
    reference_s = time.perf_counter() - start
    differing = sum(1 for e, r in zip(subset, reference, strict=True) if machine.match(e) != r)
    if differing:
        raise SystemExit(f"the machine and the per-pattern matcher differ on {differing} events")

    kib_1000 = machine_kib(patterns)
    kib_10000 = machine_kib(hot_patterns(rng, 10 * HOT_PATTERNS))
    machine_per_s = HOT_EVENTS / machine_s
    reference_per_s = len(subset) / reference_s
    print(
        f"hot: {HOT_PATTERNS} patterns on one source/detail-type, {HOT_EVENTS} events, {delivered} matches "
        f"({delivered / HOT_EVENTS:.1f} per event); {machine.stats()}"
    )
    print(
        f"hot: machine {machine_s:.2f}s for {HOT_EVENTS} events; per-pattern reference {reference_s:.2f}s for "
        f"{len(subset)} events; identical verdicts on all {len(subset)}"
    )
    print(f"hot: machine memory {kib_1000} KiB for 1,000 patterns, {kib_10000} KiB for 10,000")
    print(
        f"hot: machine {HOT_EVENTS / machine_cpu:.0f} events per CPU-second of this process "
        "(wall-clock rates above include time other work on the machine takes from it)"
    )
    return {
        "machine_cpu_per_s": HOT_EVENTS / machine_cpu,
        "machine_per_s": machine_per_s,
        "reference_per_s": reference_per_s,
        "kib_1000": kib_1000,
        "kib_10000": kib_10000,
    }


def main() -> None:
    rng = random.Random(20261123)
    subs = subscriptions(rng)
    events = [event(rng, n) for n in range(EVENTS)]

    rules: Machine[int] = Machine()  # the bus
    topic: Machine[int] = Machine()  # the fork topic's MessageBody policies
    for i, (pattern, policy) in enumerate(subs):
        rules.add(i, compile_pattern(pattern))
        if policy is not None:
            topic.add(i, compile_policy(policy, "MessageBody"))
    forked = {i for i, (_, policy) in enumerate(subs) if policy is not None}

    def ours(e: dict[str, Any]) -> list[int]:
        matched = rules.match(e)
        if not forked.intersection(matched):
            return matched
        passed = set(topic.match(e))
        return [i for i in matched if i not in forked or i in passed]

    moto_rules = [
        (MotoEventPattern(json.dumps(p), p), FilterPolicyMatcher(policy, "MessageBody") if policy else None)
        for p, policy in subs
    ]

    def moto(e: dict[str, Any]) -> list[int]:
        message = json.dumps(e)  # SNS hands moto's matcher the message text
        return [
            i
            for i, (rule, policy) in enumerate(moto_rules)
            if rule.matches_event(e) and (policy is None or policy.matches({}, message))
        ]

    ours(events[0])
    start = time.perf_counter()
    delivered = sum(len(ours(e)) for e in events)
    ours_s = time.perf_counter() - start

    subset = events[:MOTO_SUBSET]
    start = time.perf_counter()
    moto_verdicts = [moto(e) for e in subset]
    moto_s = time.perf_counter() - start

    disagreements = sum(1 for e, m in zip(subset, moto_verdicts, strict=True) if ours(e) != m)
    ours_per_s = EVENTS / ours_s
    moto_per_s = len(subset) / moto_s
    print(f"mixed: subscriptions=200 (160 rules, 40 fork policies) events={EVENTS} deliveries={delivered}")
    print(f"mixed: ours {ours_s:.2f}s for {EVENTS} events; moto {moto_s:.2f}s for {len(subset)} events")
    print(
        f"mixed: verdicts differing from moto on the subset: {disagreements}/{len(subset)} "
        "(moto's SNS matcher has no cidr and does not case-fold equals-ignore-case; AWS documents both)"
    )
    h = hot(rng)
    print(
        f"BENCH match ours_per_s={ours_per_s:.0f} moto_per_s={moto_per_s:.0f} ratio={ours_per_s / moto_per_s:.1f} "
        f"moto_subset={len(subset)} hot_machine_per_s={h['machine_per_s']:.0f} "
        f"hot_machine_cpu_per_s={h['machine_cpu_per_s']:.0f} hot_reference_per_s={h['reference_per_s']:.0f} hot_ratio={h['machine_per_s'] / h['reference_per_s']:.1f} "
        f"hot_reference_subset={HOT_REFERENCE_SUBSET} machine_kib_1000={h['kib_1000']} machine_kib_10000={h['kib_10000']}"
    )


if __name__ == "__main__":
    main()
