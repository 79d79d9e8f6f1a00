"""Inferring drafts from samples: `infer` (genson + formats, enums, examples, the gate) vs genson alone.

100,000 synthetic recorded events of 20 types (nested objects, arrays, optional
fields, timestamps, e-mails, closed sets, numbers sent as text, ids), grouped
and drafted by `registry.infer.infer_drafts` into event.json + v1.json each,
side by side with plain genson (`SchemaBuilder.add_object` per sample,
`to_schema` per type) on the same samples. Agreement: every sample is then
validated against its draft (the compiled draft-07 validator the gate uses);
100 % must be accepted.

Last line: BENCH infer events=<n> types=<t> ours_per_s=<n> genson_per_s=<n> ratio=<x> accepted_pct=<p>
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genson import SchemaBuilder

from registry.infer import infer_drafts
from registry.loader import load_registry, schema_validator
from registry.recorded import RecordedEvent

EVENTS = 100_000
TYPES = 20
ROOT = Path(__file__).resolve().parents[1]


def _detail(rng: random.Random, kind: int, i: int) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "orderId": f"o-{kind}-{i}",
        "status": rng.choice(["NEW", "PAID", "SHIPPED"]),
        "createdAt": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
        "amount": round(rng.uniform(1, 500), 2),
        "quantity": rng.randint(1, 9),
        "customer": {"id": f"c-{i % 997}", "email": f"c{i % 997}@shop.example", "tier": rng.choice(["gold", "std"])},
        "lines": [{"sku": f"S{rng.randint(1, 99)}", "qty": rng.randint(1, 3)} for _ in range(rng.randint(0, 3))],
        "zip": str(rng.randint(10000, 99999)),
    }
    if kind % 2:
        detail["metadata"] = {"idempotency-key": f"k-{kind}-{i}", "version": "1"}
    if i % 3 == 0:
        detail["note"] = rng.choice(["", "gift", "fragile"]) if kind % 3 else None
    if kind % 4 == 0:
        detail["tags"] = [rng.choice(["a", "b", "c"]) for _ in range(rng.randint(0, 2))]
    return detail


def corpus(rng: random.Random) -> list[RecordedEvent]:
    events = []
    for i in range(EVENTS):
        kind = i % TYPES
        envelope = {
            "version": "0",
            "id": f"id-{i}",
            "source": f"com.partner.shop{kind % 5}",
            "detail-type": f"Shop.Event{kind}",
            "account": "123456789012",
            "time": "2026-11-20T09:30:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": _detail(rng, kind, i),
        }
        events.append(RecordedEvent("bench.jsonl", i + 1, envelope, "eventbridge"))
    return events


def main() -> None:
    rng = random.Random(7)
    events = corpus(rng)
    registry = load_registry(ROOT / "contracts")

    started = time.perf_counter()
    builders: dict[tuple[str, str], SchemaBuilder] = {}
    for event in events:
        pair = (event.envelope["source"], event.envelope["detail-type"])
        builder = builders.get(pair) or builders.setdefault(pair, SchemaBuilder())
        builder.add_object(event.envelope["detail"])
    plain = {pair: b.to_schema() for pair, b in builders.items()}
    genson_seconds = time.perf_counter() - started

    started = time.perf_counter()
    drafts = infer_drafts(events, registry)
    our_seconds = time.perf_counter() - started

    validators = {}
    for draft in drafts:
        version = next(doc for name, doc in draft.files.items() if name.endswith("/v1.json"))
        validators[(draft.source, draft.detail_type)] = schema_validator(version)
    accepted = 0
    for event in events:
        try:
            validators[(event.envelope["source"], event.envelope["detail-type"])](event.envelope["detail"])
            accepted += 1
        except Exception as exc:  # noqa: BLE001  (a rejection is what is being counted)
            print(f"rejected {event.where}: {exc}")
    gated = sum(1 for d in drafts if d.compatible)
    pct = 100.0 * accepted / len(events)
    print(f"{len(events)} events of {len(plain)} types -> {len(drafts)} drafts, {gated} pass the gate")
    print(f"genson alone (schemas only): {genson_seconds:.2f} s")
    print(f"infer (schemas + formats/enums + examples + event.json + the gate per draft): {our_seconds:.2f} s")
    print(f"agreement: {accepted}/{len(events)} samples accepted by their draft")
    print(
        f"BENCH infer events={len(events)} types={len(drafts)} ours_per_s={len(events) / our_seconds:.0f} "
        f"genson_per_s={len(events) / genson_seconds:.0f} ratio={our_seconds / genson_seconds:.2f} accepted_pct={pct:.1f}"
    )


if __name__ == "__main__":
    main()
