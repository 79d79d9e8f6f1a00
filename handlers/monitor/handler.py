"""SQS batch of EventBridge events -> per-version verdicts -> EMF metrics and violation logs.

The monitor only observes: every record is acknowledged (an unreadable body is
a finding to log, not a message to retry), so it can never hold up or
redeliver traffic. Only a crash of the handler itself fails the batch, which
then reaches the queue's DLQ. Sampling is by a hash of the event id, so
redeliveries of one event get the same decision and a rate of 1.0 keeps all.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from .emf import NAMESPACE, documents
from .verdict import ContractIndex, Validate, bundled_contracts, judge, load_validator

__all__ = ["MAX_VIOLATION_LOGS", "lambda_handler", "process", "sampled"]

MAX_VIOLATION_LOGS = 25  # per batch: the count is in the metrics, a few pointers say why


def _log(fields: Mapping[str, Any]) -> None:
    sys.stdout.write(json.dumps(fields, sort_keys=True, separators=(",", ":")) + "\n")


def sampled(event_id: str, rate: float) -> bool:
    if rate >= 1.0:
        return True
    bucket = int.from_bytes(hashlib.sha256(event_id.encode()).digest()[:4], "big") / 2**32
    return bucket < rate


def _label(version: int) -> str:
    return f"v{version}" if version else "none"


def process(
    records: list[Mapping[str, Any]],
    contracts: ContractIndex,
    *,
    sample_rate: float = 1.0,
    load: Callable[[str], Validate] = load_validator,
    now: Callable[[], float] = time.time,
    namespace: str = NAMESPACE,
) -> dict[str, list[dict[str, str]]]:
    """Judge each record, write EMF lines and up to MAX_VIOLATION_LOGS violation lines; ack everything."""
    counts: Counter[tuple[str, str, str]] = Counter()
    skipped = unreadable = logged = 0
    for record in records:
        try:
            envelope = json.loads(record.get("body") or "")
        except (TypeError, ValueError):
            envelope = None
        if not isinstance(envelope, dict):
            unreadable += 1
            _log({"level": "WARNING", "message": "not an EventBridge event", "messageId": record.get("messageId")})
            continue
        if not sampled(str(envelope.get("id", "")), sample_rate):
            skipped += 1
            continue
        verdict = judge(envelope, contracts, load)
        event_type = verdict.key or f"{verdict.source}/{verdict.detail_type}"
        counts[(event_type, _label(verdict.version), verdict.outcome)] += 1
        if verdict.outcome == "rejected" and logged < MAX_VIOLATION_LOGS:
            logged += 1
            _log(
                {
                    "level": "WARNING",
                    "message": "contract violation",
                    "event": verdict.key,
                    "id": envelope.get("id"),
                    "newest": max(int(n) for n in contracts[(verdict.source, verdict.detail_type)]["versions"]),
                    "pointer": verdict.pointer,
                    "error": verdict.error,
                }
            )
    for document in documents(counts, int(now() * 1000), namespace):
        _log(document)
    _log(
        {
            "level": "INFO",
            "message": "batch judged",
            "records": len(records),
            "judged": sum(counts.values()),
            "skipped": skipped,
            "unreadable": unreadable,
        }
    )
    return {"batchItemFailures": []}


def _rate() -> float:
    try:
        return min(1.0, max(0.0, float(os.environ.get("MONITOR_SAMPLE_RATE", "1"))))
    except ValueError:
        return 1.0


def lambda_handler(event: Mapping[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    return process(
        list(event.get("Records", [])),
        bundled_contracts(),
        sample_rate=_rate(),
        namespace=os.environ.get("MONITOR_NAMESPACE", NAMESPACE),
    )
