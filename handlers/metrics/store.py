"""The only module that speaks DynamoDB: transactions out, typed errors back.

Kept thin (Powertools' persistence-layer split) so the exactly-once logic in
`handler.py` is tested with a fake store, and this adapter against moto.
botocore's own retries are switched off: `handler.py` owns the one retry
policy (bounded exponential backoff with full jitter).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .events import TOTAL_SK, day_pk
from .plan import Transaction

__all__ = [
    "IDEMPOTENCY_SK",
    "TTL_ATTRIBUTE",
    "DayMetrics",
    "DynamoMetricsStore",
    "StoreError",
    "Throttled",
    "TransactionCanceled",
]

IDEMPOTENCY_SK = "KEY"
TTL_ATTRIBUTE = "expires_at"
_THROTTLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "TransactionConflictException",
        "RequestLimitExceeded",
        "InternalServerError",
        "TransactionInProgressException",
    }
)


class StoreError(Exception):
    """DynamoDB refused the request for a reason retrying will not fix."""


class Throttled(StoreError):
    """Throttled or conflicting: worth retrying after a backoff."""


class TransactionCanceled(StoreError):
    """The transaction was canceled; `codes[i]` is the reason of action i ("None" if it was fine)."""

    def __init__(self, codes: tuple[str, ...]) -> None:
        super().__init__(f"transaction canceled: {', '.join(codes)}")
        self.codes = codes


@dataclass(frozen=True)
class DayMetrics:
    orders: int = 0
    completed: int = 0
    cancelled: int = 0
    drinks: dict[str, int] = field(default_factory=dict)


def _actions(table: str, tx: Transaction, now: int, ttl_seconds: int) -> list[dict[str, Any]]:
    puts = [
        {
            "Put": {
                "TableName": table,
                "Item": {"pk": {"S": e.key}, "sk": {"S": IDEMPOTENCY_SK}, TTL_ATTRIBUTE: {"N": str(now + ttl_seconds)}},
                # An expired record that TTL has not deleted yet no longer counts as a duplicate.
                "ConditionExpression": "attribute_not_exists(pk) OR #ttl < :now",
                "ExpressionAttributeNames": {"#ttl": TTL_ATTRIBUTE},
                "ExpressionAttributeValues": {":now": {"N": str(now)}},
            }
        }
        for e in tx.events
    ]
    updates = [
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": u.pk}, "sk": {"S": u.sk}},
                "UpdateExpression": "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(u.amounts))),
                "ExpressionAttributeNames": {f"#a{i}": name for i, (name, _) in enumerate(u.amounts)},
                "ExpressionAttributeValues": {f":v{i}": {"N": str(n)} for i, (_, n) in enumerate(u.amounts)},
            }
        }
        for u in tx.updates
    ]
    return puts + updates


class DynamoMetricsStore:
    """Writes transactions and reads a day's metrics from one table."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    @classmethod
    def from_env(cls) -> DynamoMetricsStore:
        import boto3  # imported on first use: keeps the handler's import cheap
        from botocore.config import Config

        # METRICS_TABLE_REGION: a global endpoint's secondary-region copy of this function writes to the one
        # table in the primary region, so counts stay exactly-once across regions (see docs/ARCHITECTURE.md).
        client = boto3.client(
            "dynamodb",
            region_name=os.environ.get("METRICS_TABLE_REGION") or None,
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
        )
        return cls(os.environ["METRICS_TABLE"], client)

    def write(self, tx: Transaction, now: int, ttl_seconds: int) -> None:
        try:
            self.client.transact_write_items(TransactItems=_actions(self.table, tx, now, ttl_seconds))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons") or []
                raise TransactionCanceled(tuple(r.get("Code", "None") for r in reasons)) from exc
            if code in _THROTTLE_CODES:
                raise Throttled(code) from exc
            raise StoreError(f"{code}: {exc}") from exc

    def read_day(self, day: str) -> DayMetrics:
        """One Query returns the totals and every drink of the day."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": day_pk(day)}},
        }
        totals: dict[str, int] = {}
        drinks: dict[str, int] = {}
        while True:
            page = self.client.query(**kwargs)
            for item in page["Items"]:
                sk = item["sk"]["S"]
                if sk == TOTAL_SK:
                    totals = {k: int(v["N"]) for k, v in item.items() if "N" in v}
                elif sk.startswith("DRINK#"):
                    drinks[sk[len("DRINK#") :]] = int(item.get("count", {"N": "0"})["N"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return DayMetrics(totals.get("orders", 0), totals.get("completed", 0), totals.get("cancelled", 0), drinks)
