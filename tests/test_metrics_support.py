"""Shared builders for the metrics tests: contracts as model objects, the built bundle, envelopes.

The handler is imported from the zip `registry.bundle` builds, so the tests
exercise exactly what Lambda runs (generated validators included).
"""

from __future__ import annotations

import importlib
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from registry.bundle import build_bundle_from_registry
from registry.loader import fingerprint
from registry.model import EventContract, Registry, SchemaVersion

SOURCE = "awsserverlessda.serverlesspresso"
WAITING = "OrderManager.WaitingCompletion"
CANCELLED = "OrderManager.OrderCancelled"
TABLE = "metrics-test"

_DRINK_ORDER = {
    "oneOf": [
        {"type": "string", "minLength": 2},
        {"type": "object", "required": ["drink"], "properties": {"drink": {"type": "string"}}},
    ]
}
WAITING_V1 = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["orderId", "userId", "drinkOrder"],
    "properties": {
        "orderId": {"type": "string", "minLength": 1},
        "userId": {"type": "string"},
        "drinkOrder": _DRINK_ORDER,
    },
    "examples": [{"orderId": "1", "userId": "u", "drinkOrder": {"drink": "Latte"}}],
}
# v2 adds a required field: an event without it is still valid under v1.
WAITING_V2 = {
    **WAITING_V1,
    "required": ["orderId", "userId", "drinkOrder", "orderNumber"],
    "properties": {**WAITING_V1["properties"], "orderNumber": {"type": "integer"}},
}
CANCELLED_V1 = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["orderId", "userId"],
    "properties": {"orderId": {"type": "string", "minLength": 1}, "userId": {"type": "string"}},
    "examples": [{"orderId": "1", "userId": "u"}],
}


def contract(
    key: str,
    detail_type: str,
    *schemas: dict[str, Any],
    source: str = SOURCE,
    dedupe: tuple[str, ...] = ("detail.orderId", "detail-type"),
    external: bool = True,
) -> EventContract:
    domain, name = key.split("/")
    versions = tuple(
        SchemaVersion(n, f"contracts/events/{key}/v{n}.json", schema, fingerprint(schema))
        for n, schema in enumerate(schemas, start=1)
    )
    return EventContract(
        key=key,
        domain=domain,
        name=name,
        source=source,
        detail_type=detail_type,
        owner="o",
        service="s",
        action="a",
        description="d",
        compatibility="FORWARD_TRANSITIVE",
        external=external,
        dedupe_key=dedupe,
        directory=f"contracts/events/{key}",
        versions=versions,
    )


def registry(*contracts: EventContract, subscriptions: tuple = ()) -> Registry:
    return Registry(root="contracts", events={c.key: c for c in contracts}, subscriptions=subscriptions, lock={})


TEST_REGISTRY = registry(
    contract("coffeeshop/WaitingCompletion", WAITING, WAITING_V1, WAITING_V2),
    contract("coffeeshop/OrderCancelled", CANCELLED, CANCELLED_V1),
)


def import_bundle(zip_path: Path, into: Path) -> ModuleType:
    """Extract the bundle and import its `metrics.handler` (once per test session)."""
    if "metrics.handler" not in sys.modules:
        zipfile.ZipFile(zip_path).extractall(into)
        sys.path.insert(0, str(into))
    return importlib.import_module("metrics.handler")


def build_and_import(tmp: Path) -> ModuleType:
    return import_bundle(build_bundle_from_registry(TEST_REGISTRY, tmp / "out"), tmp / "site")


def envelope(
    detail_type: str, detail: Any, *, time: str = "2026-11-23T10:00:00Z", event_id: str = "e-1", source: str = SOURCE
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def order(order_id: str, drink: str, *, day: str = "2026-11-23", as_string: bool = False) -> dict[str, Any]:
    drink_order: Any = {"userId": "u-" + order_id, "drink": drink}
    detail = {
        "orderId": order_id,
        "userId": "u-" + order_id,
        "drinkOrder": json.dumps(drink_order) if as_string else drink_order,
    }
    return envelope(WAITING, detail, time=f"{day}T09:30:00Z", event_id=f"id-{order_id}")


def cancel(order_id: str, *, day: str = "2026-11-23") -> dict[str, Any]:
    return envelope(CANCELLED, {"orderId": order_id, "userId": "u"}, time=f"{day}T11:00:00Z")


def record(message_id: str, body: Any) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return {"messageId": message_id, "receiptHandle": "rh", "body": text, "attributes": {}, "eventSource": "aws:sqs"}


def create_table(client: Any, name: str = TABLE) -> None:
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )


def dynamodb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def idempotency_records(client: Any, name: str = TABLE) -> int:
    items = client.scan(TableName=name)["Items"]
    return sum(1 for item in items if item["pk"]["S"].startswith("IDEMPOTENCY#"))
