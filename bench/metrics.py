"""Our metrics handler vs the workshop's naive one, side by side on moto DynamoDB.

10,000 WaitingCompletion events (5 drinks, 3 days, 10% duplicates: SQS
redeliveries and producer retries) in SQS batches of 100. The naive handler
is the original workshop design: one UpdateItem per event, no idempotency.
Requests are counted with botocore's `before-call` hook on each handler's
client. Exactness: the table's counts equal the distinct events.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from registry.bundle import build_metrics_bundle  # noqa: E402

EVENTS, BATCH, DUPLICATE_SHARE = 10_000, 100, 0.10
NAIVE_SUBSET = 1_000  # moto runs an UpdateItem in ~5 ms: the naive handler is timed on the first batches
DRINKS = ["Latte", "Mocha", "Espresso", "Americano", "Cappuccino"]
DAYS = ["2026-11-21", "2026-11-22", "2026-11-23"]


def expected_counts(bodies: list[dict[str, Any]]) -> Counter:
    """(day, drink) -> number of distinct orders among `bodies`."""
    distinct = {b["detail"]["orderId"]: b for b in bodies}.values()
    return Counter((b["time"][:10], json.loads(b["detail"]["drinkOrder"])["drink"]) for b in distinct)


def make_events(rng: random.Random) -> tuple[list[dict[str, Any]], Counter]:
    """Bodies in delivery order, and the expected (day, drink) counts of the distinct events."""
    distinct = int(EVENTS * (1 - DUPLICATE_SHARE))
    originals = []
    for i in range(distinct):
        drink, day = rng.choice(DRINKS), rng.choice(DAYS)
        detail = {
            "orderId": f"order-{i}",
            "userId": f"user-{i}",
            "drinkOrder": json.dumps({"userId": f"user-{i}", "drink": drink, "modifiers": []}),
        }
        originals.append(
            {
                "version": "0",
                "id": f"ev-{i}",
                "detail-type": "OrderManager.WaitingCompletion",
                "source": "awsserverlessda.serverlesspresso",
                "account": "123456789012",
                "time": f"{day}T10:00:00Z",
                "region": "us-east-1",
                "resources": [],
                "detail": detail,
            }
        )
    bodies = list(originals)
    for _ in range(EVENTS - distinct):
        copy = dict(rng.choice(originals))
        copy["id"] = f"retry-{rng.random()}"  # a producer retry: new envelope id, same order
        bodies.insert(rng.randrange(len(bodies) + 1), copy)
    return bodies, expected_counts(bodies)


def batches(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"Records": [{"messageId": f"m{n}-{i}", "body": json.dumps(b)} for i, b in enumerate(bodies[n : n + BATCH])]}
        for n in range(0, len(bodies), BATCH)
    ]


def counted_client() -> tuple[Any, list[int]]:
    client = boto3.client("dynamodb")
    calls = [0]
    client.meta.events.register("before-call.dynamodb.*", lambda **kw: calls.__setitem__(0, calls[0] + 1))
    return client, calls


def create_table(client: Any, name: str) -> None:
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )


def naive_handler(event: dict[str, Any], client: Any, table: str) -> None:
    """The workshop's design: one UpdateItem per event, duplicates counted again."""
    for rec in event["Records"]:
        body = json.loads(rec["body"])
        order = body["detail"]["drinkOrder"]
        drink = (json.loads(order) if isinstance(order, str) else order)["drink"]
        client.update_item(
            TableName=table,
            Key={"pk": {"S": f"DAY#{body['time'][:10]}"}, "sk": {"S": f"DRINK#{drink}"}},
            UpdateExpression="ADD #c :one",
            ExpressionAttributeNames={"#c": "count"},
            ExpressionAttributeValues={":one": {"N": "1"}},
        )


def load_handler(tmp: Path) -> Any:
    zipfile.ZipFile(build_metrics_bundle(REPO / "contracts", tmp / "out")).extractall(tmp / "site")
    sys.path.insert(0, str(tmp / "site"))
    return importlib.import_module("metrics.handler")


def table_counts(client: Any, table: str) -> Counter:
    found: Counter = Counter()
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            if item["sk"]["S"].startswith("DRINK#"):
                found[(item["pk"]["S"][4:], item["sk"]["S"][6:])] = int(item["count"]["N"])
    return found


def cheap_transaction_snapshots() -> None:
    """moto snapshots a table for rollback by deep-copying all of it once per transaction *action*,
    so one transaction costs O(100 x table size), which real DynamoDB does not. Snapshot once per
    call instead, sharing the items the transaction does not touch (it cannot change them) and
    deep-copying the ones it does: rollback restores exactly the same state as before."""
    import copy
    import types
    from collections import defaultdict

    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    touched: list[dict[str, Any]] = []
    snapshots: dict[int, Any] = {}

    def snapshot(table: Table) -> Table:
        snap = copy.copy(table)
        snap.items = defaultdict(dict, table.items)  # a C-level copy: untouched partitions are shared
        copied = set()
        for op in touched:
            if op.get("TableName") != table.name:
                continue
            key = op.get("Key") or {a: op["Item"][a] for a in (table.hash_key_attr, table.range_key_attr)}
            h, r = DynamoType(key[table.hash_key_attr]), DynamoType(key[table.range_key_attr])
            if h in table.items:
                if h not in copied:
                    snap.items[h] = dict(table.items[h])  # the transaction may add to this partition
                    copied.add(h)
                if r in table.items[h]:
                    snap.items[h][r] = copy.deepcopy(table.items[h][r])  # or change this item in place
        return snap

    def deepcopy(obj: Any, *args: Any) -> Any:
        if isinstance(obj, Table) and obj.has_range_key and not obj.indexes and not obj.global_indexes:
            if id(obj) not in snapshots:
                snapshots[id(obj)] = snapshot(obj)
            return snapshots[id(obj)]
        return copy.deepcopy(obj, *args)

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: Any) -> None:
        touched[:] = [next(iter(item.values())) for item in transact_items]
        snapshots.clear()
        try:
            return original(self, transact_items)
        finally:
            snapshots.clear()

    models.copy = types.SimpleNamespace(deepcopy=deepcopy)
    models.DynamoDBBackend.transact_write_items = transact_write_items


def main() -> None:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    cheap_transaction_snapshots()
    bodies, expected = make_events(random.Random(42))
    sqs_batches = batches(bodies)
    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        handler = load_handler(Path(tmp))
        ours_client, ours_calls = counted_client()
        naive_client, naive_calls = counted_client()
        create_table(ours_client, "ours")
        create_table(naive_client, "naive")
        handler._store = handler.DynamoMetricsStore("ours", ours_client)
        ours_calls[0] = naive_calls[0] = 0

        failures = 0
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the handler's JSON log lines
            for batch in sqs_batches:
                failures += len(handler.lambda_handler(batch, None)["batchItemFailures"])
        ours_s = time.perf_counter() - start
        ours_requests = ours_calls[0]

        subset = sqs_batches[: NAIVE_SUBSET // BATCH]
        start = time.perf_counter()
        for batch in subset:
            naive_handler(batch, naive_client, "naive")
        naive_s = (time.perf_counter() - start) * EVENTS / NAIVE_SUBSET  # scaled per event
        naive_requests = naive_calls[0] * EVENTS // NAIVE_SUBSET  # one request per event: scaling is exact
        subset_expected = expected_counts(bodies[:NAIVE_SUBSET])

        ours = handler.DynamoMetricsStore("ours", boto3.client("dynamodb"))
        ours_exact = failures == 0 and all(
            ours.read_day(day).drinks == {d: n for (dd, d), n in expected.items() if dd == day}
            and ours.read_day(day).orders == sum(n for (dd, _), n in expected.items() if dd == day)
            for day in DAYS
        )
        naive_exact = table_counts(boto3.client("dynamodb"), "naive") == subset_expected

    print(
        f"distinct={sum(expected.values())} delivered={len(bodies)} batches={len(sqs_batches)} "
        f"ours_s={ours_s:.2f} naive_s={naive_s:.2f}"
    )
    print(
        f"BENCH metrics events={EVENTS} ours_requests={ours_requests} naive_requests={naive_requests} "
        f"request_ratio={naive_requests / ours_requests:.1f} ours_exact={str(ours_exact).lower()} "
        f"naive_exact={str(naive_exact).lower()} ours_per_s={EVENTS / ours_s:.0f} naive_per_s={EVENTS / naive_s:.0f} "
        f"naive_subset={NAIVE_SUBSET}"
    )


if __name__ == "__main__":
    main()
