"""Matching throughput: our compiled matchers vs moto's, side by side in one run.

200 subscriptions (160 EventBridge rules, 40 fork subscriptions whose SNS
MessageBody policy sits behind the topic rule) with mixed operators, and
100,000 events. Ours: patterns compiled once, a Router indexed on source and
detail-type so an event meets only the rules that can concern it. Moto:
`moto.events.models.EventPattern` and `moto.sns.utils.FilterPolicyMatcher`,
which check every rule per event (as moto's backends do); timed on a subset
and scaled per event. Verdicts are compared on the subset.

Prints `BENCH match ours_per_s=<n> moto_per_s=<n> ratio=<x> moto_subset=<n>` last.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moto.events.models import EventPattern as MotoEventPattern
from moto.sns.utils import FilterPolicyMatcher

from registry.routing import Router, compile_pattern, compile_policy

EVENTS = 100_000
MOTO_SUBSET = 500
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


def main() -> None:
    rng = random.Random(20261123)
    subs = subscriptions(rng)
    events = [event(rng, n) for n in range(EVENTS)]

    router: Router[int] = Router()
    policies = {}
    for i, (pattern, policy) in enumerate(subs):
        router.add(i, compile_pattern(pattern))
        if policy is not None:
            policies[i] = compile_policy(policy, "MessageBody")

    def ours(e: dict[str, Any]) -> list[int]:
        return [i for i in router.match(e) if i not in policies or policies[i].matches(e)]

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
    print(f"subscriptions=200 (160 rules, 40 fork policies) events={EVENTS} deliveries={delivered}")
    print(f"ours: {ours_s:.2f}s for {EVENTS} events; moto: {moto_s:.2f}s for {len(subset)} events")
    print(
        f"verdicts differing from moto on the subset: {disagreements}/{len(subset)} "
        "(moto's SNS matcher has no cidr and does not case-fold equals-ignore-case; AWS documents both)"
    )
    print(
        f"BENCH match ours_per_s={ours_per_s:.0f} moto_per_s={moto_per_s:.0f} ratio={ours_per_s / moto_per_s:.1f} moto_subset={len(subset)}"
    )


if __name__ == "__main__":
    main()
