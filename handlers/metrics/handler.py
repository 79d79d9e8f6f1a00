"""SQS batch -> exactly-once business metrics in DynamoDB, with partial batch failure.

Per invocation: parse and validate every record (invalid ones are logged and
reported, never blocking the rest), drop duplicates within the batch, pack
the distinct events into as few transactions as the limits allow (see
`plan.py` for the key design and costs), and write each transaction with its
idempotency records. A canceled transaction whose idempotency Put failed its
condition carries a duplicate from an earlier batch: that event is dropped
(and acknowledged) and the rest retried; an event whose action can never
succeed (a non-retryable reason on its Put or on a counter it touches) is
reported failed and the rest retried, so it cannot block its neighbours. Throttling and conflicts are retried
with bounded exponential backoff and full jitter; after that only the
messages of the affected transaction are reported as failed.

A message is acknowledged only once its dedupe key is recorded (by it, by an
earlier delivery, or by a copy in the same batch). Nothing mutable lives at
module level except the cached DynamoDB client: every invocation starts with
fresh state, as in Powertools' batch processor.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .events import ContractIndex, MetricEvent, Rejection, bundled_contracts, parse_record
from .plan import Transaction, plan, transaction_for
from .store import DynamoMetricsStore, StoreError, Throttled, TransactionCanceled

__all__ = ["IDEMPOTENCY_TTL_SECONDS", "RetryPolicy", "lambda_handler", "process"]

# SQS keeps a message at most 14 days; a record must outlive any redelivery.
IDEMPOTENCY_TTL_SECONDS = 15 * 24 * 3600
_RETRYABLE_REASONS = frozenset({"TransactionConflict", "ProvisionedThroughputExceeded", "ThrottlingError"})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter (AWS Architecture Blog)."""

    max_attempts: int = 6
    base_seconds: float = 0.05
    cap_seconds: float = 2.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))


def _log(level: str, message: str, **fields: Any) -> None:
    """One JSON line per fact, as CloudWatch Logs Insights reads it."""
    sys.stdout.write(json.dumps({"level": level, "message": message, **fields}, sort_keys=True) + "\n")


@dataclass
class _Batch:
    """State of one invocation; created fresh each time."""

    failed: set[str] = field(default_factory=set)
    copies: dict[str, list[str]] = field(default_factory=dict)  # idempotency key -> message ids carrying it
    counted: int = 0
    duplicates: int = 0

    traces: dict[str, list[str]] = field(default_factory=dict)  # idempotency key -> trace ids of its copies

    def fail(self, events: Iterable[MetricEvent], reason: str) -> None:
        events = list(events)
        for event in events:
            self.failed.update(self.copies[event.key])
        if events:
            _log("ERROR", "metrics not written", reason=reason, **self.fields(events))

    def fields(self, events: Iterable[MetricEvent]) -> dict[str, list[str]]:
        """What a log line about these events carries, so one Logs Insights query finds an event by
        its dedupe key (the idempotency record's pk) or by the producer's X-Ray trace id."""
        events = list(events)
        return {
            "messageIds": sorted(m for e in events for m in self.copies[e.key]),
            "dedupeKeys": sorted(e.key for e in events),
            "traceIds": sorted({t for e in events for t in self.traces.get(e.key, []) if t}),
        }


def _culprits(tx: Transaction, codes: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """Keys of duplicates (their idempotency Put failed its condition) and of events that can
    never be written (a non-retryable reason on their Put or on a counter item they touch)."""
    fine = {"None", "ConditionalCheckFailed"} | _RETRYABLE_REASONS
    # `codes` holds the events' reasons, then the updates': zip stops at the events on purpose.
    dupes = {e.key for e, code in zip(tx.events, codes, strict=False) if code == "ConditionalCheckFailed"}
    bad = {e.key for e, code in zip(tx.events, codes, strict=False) if code not in fine}
    bad_items = {(u.pk, u.sk) for u, code in zip(tx.updates, codes[len(tx.events) :], strict=True) if code not in fine}
    bad |= {e.key for e in tx.events if any((i.pk, i.sk) in bad_items for i in e.increments)}
    return dupes, bad


def _write(
    tx: Transaction,
    store: Any,
    batch: _Batch,
    policy: RetryPolicy,
    now: Callable[[], float],
    sleep: Callable[[float], None],
    rng: random.Random,
) -> None:
    attempt = 0
    while tx.events:
        try:
            store.write(tx, int(now()), IDEMPOTENCY_TTL_SECONDS)
            batch.counted += len(tx.events)
            _log("INFO", "events counted", **batch.fields(tx.events))
            return
        except TransactionCanceled as exc:
            codes = exc.codes
            if len(codes) != tx.actions or all(c == "None" for c in codes):
                batch.fail(tx.events, f"transaction canceled without usable reasons: {list(codes)}")
                return
            dupes, bad = _culprits(tx, codes)
            if dupes:
                batch.duplicates += len(dupes)
                _log(
                    "INFO",
                    "duplicate events dropped",
                    count=len(dupes),
                    **batch.fields(e for e in tx.events if e.key in dupes),
                )
            if bad:
                batch.fail(
                    (e for e in tx.events if e.key in bad),
                    f"transaction canceled: {sorted(set(codes) - {'None', 'ConditionalCheckFailed'})}",
                )
            tx = transaction_for(e for e in tx.events if e.key not in dupes | bad)
            retryable = sorted(set(codes) & _RETRYABLE_REASONS)
            if not retryable and (dupes or bad):
                continue  # the set shrank and nothing else went wrong: retry the rest at once
            if not retryable:
                batch.fail(tx.events, f"transaction canceled for no reason the handler can act on: {list(codes)}")
                return
            reason = f"transaction canceled: {retryable}"
        except Throttled as exc:
            reason = f"throttled: {exc}"
        except StoreError as exc:
            batch.fail(tx.events, str(exc))
            return
        attempt += 1
        if attempt >= policy.max_attempts:
            batch.fail(tx.events, f"{reason} after {attempt} attempts")
            return
        sleep(policy.delay(attempt, rng))


def process(
    records: list[Mapping[str, Any]],
    store: Any,
    contracts: ContractIndex,
    *,
    load: Callable[[str], Callable[[Any], Any]] | None = None,
    policy: RetryPolicy = RetryPolicy(),
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> dict[str, list[dict[str, str]]]:
    """The handler's logic with every dependency passed in; returns the SQS partial-failure response."""
    batch = _Batch()
    distinct: dict[str, MetricEvent] = {}
    invocation_trace = os.environ.get("_X_AMZN_TRACE_ID", "")
    for record in records:
        parsed = (
            parse_record(record, contracts, invocation_trace=invocation_trace)
            if load is None
            else parse_record(record, contracts, load, invocation_trace)
        )
        if isinstance(parsed, Rejection):
            _log(
                "WARNING", "event rejected", messageId=parsed.message_id, reason=parsed.reason, traceId=parsed.trace_id
            )
            batch.failed.add(parsed.message_id)
            continue
        batch.copies.setdefault(parsed.key, []).append(parsed.message_id)
        batch.traces.setdefault(parsed.key, []).append(parsed.trace_id)
        distinct.setdefault(parsed.key, parsed)
    rng = rng or random.Random()
    for tx in plan(distinct.values()):
        _write(tx, store, batch, policy, now, sleep, rng)
    in_batch_dupes = sum(len(ids) - 1 for ids in batch.copies.values())
    _log(
        "INFO",
        "batch done",
        records=len(records),
        counted=batch.counted,
        duplicates=batch.duplicates + in_batch_dupes,
        failed=len(batch.failed),
    )
    return {
        "batchItemFailures": [
            {"itemIdentifier": r.get("messageId", "")} for r in records if r.get("messageId", "") in batch.failed
        ]
    }


_store: DynamoMetricsStore | None = None  # the client survives warm starts; nothing else does


def lambda_handler(event: Mapping[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    global _store  # noqa: PLW0603 - the one client kept across warm starts, created on first use
    if _store is None:
        _store = DynamoMetricsStore.from_env()
    return process(list(event.get("Records", [])), _store, bundled_contracts())
