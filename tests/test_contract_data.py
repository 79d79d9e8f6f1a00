"""The contract data in contracts/ is valid, realistic and faithful to the real producers.

Loads the files with plain json + jsonschema on purpose: the registry loader is
tested on its own, and this suite must catch bad data even if the loader is wrong.
"""

from __future__ import annotations

import copy
import json
import operator
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from registry.file_schemas import EVENT_FILE

ROOT = Path(__file__).resolve().parents[1] / "contracts"
EVENTS = ROOT / "events"
SUBSCRIPTIONS = ROOT / "subscriptions"
DRAFT7 = "http://json-schema.org/draft-07/schema#"
MAX_ENTRY_BYTES = 256 * 1024
MODES = {"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"}
SAGA_SOURCES = {
    "com.example.orders",
    "com.example.inventory",
    "com.example.customers",
    "com.example.delivery",
    "com.example.payments",
    "com.example.notifications",
}
EXPECTED_EVENTS = {
    "coffeeshop/WaitingCompletion",
    "coffeeshop/OrderCancelled",
    "coffeeshop/OrderCompleted",
    "checkout/CheckoutPlaced",
    "orders/OrderCreated",
    "inventory/ItemReserved",
    "inventory/ItemNotAvailable",
    "inventory/ItemDescribed",
    "inventory/ItemRemoved",
    "inventory/ErrorItemUnreserved",
    "customers/CustomerDescribed",
    "customers/ErrorCustomerDescribed",
    "delivery/DeliveryEstimated",
    "delivery/DeliveryStarted",
    "payments/PaymentMade",
    "payments/PaymentFailed",
    "notifications/EmailSent",
    "aws/S3ObjectCreated",
}


# ---------------------------------------------------------------- loading


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _event_dirs() -> list[Path]:
    return sorted(p.parent for p in EVENTS.glob("*/*/event.json"))


def _key(directory: Path) -> str:
    return f"{directory.parent.name}/{directory.name}"


def _versions(directory: Path) -> list[dict[str, Any]]:
    numbers = sorted(int(p.stem[1:]) for p in directory.glob("v*.json") if re.fullmatch(r"v[1-9][0-9]*", p.stem))
    return [_load(directory / f"v{n}.json") for n in numbers]


EVENT_DIRS = _event_dirs()
CONTRACTS = {_key(d): (_load(d / "event.json"), _versions(d)) for d in EVENT_DIRS}
SUBSCRIPTION_FILES = sorted(SUBSCRIPTIONS.glob("*.json"))
ALL_SUBS = [(f.name, sub) for f in SUBSCRIPTION_FILES for sub in _load(f)["subscriptions"]]
SCHEMAS = [(key, n, schema) for key, (_, versions) in CONTRACTS.items() for n, schema in enumerate(versions, 1)]


def _validator(schema: dict[str, Any]) -> Draft7Validator:
    return Draft7Validator(schema, format_checker=FormatChecker())


def _valid(schema: dict[str, Any], detail: Any) -> bool:
    return _validator(schema).is_valid(detail)


def _envelope(meta: dict[str, Any], detail: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6f0e9a8c-3b1d-4c2e-9f7a-5d4c3b2a1e0f",
        "detail-type": meta["detail-type"],
        "source": meta["source"],
        "account": "123456789012",
        "time": "2026-11-23T10:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }


def _property_schemas(schema: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema that sits under `properties`, with its JSON pointer, walking into items and oneOf."""
    if not isinstance(schema, dict):
        return
    for name, sub in schema.get("properties", {}).items():
        here = f"{pointer}/properties/{name}"
        yield here, sub
        yield from _property_schemas(sub, here)
    if isinstance(schema.get("items"), dict):
        yield from _property_schemas(schema["items"], f"{pointer}/items")
    for keyword in ("oneOf", "anyOf", "allOf"):
        for i, branch in enumerate(schema.get(keyword, [])):
            yield from _property_schemas(branch, f"{pointer}/{keyword}/{i}")


# ---------------------------------------------------------------- events: layout and event.json


def test_every_required_event_is_present() -> None:
    assert set(CONTRACTS) == EXPECTED_EVENTS


@pytest.mark.parametrize("directory", EVENT_DIRS, ids=_key)
def test_versions_are_numbered_without_gaps(directory: Path) -> None:
    others = [p.name for p in directory.iterdir() if p.name != "event.json"]
    assert all(re.fullmatch(r"v[1-9][0-9]*\.json", n) for n in others), f"{directory}: stray files {others}"
    numbers = sorted(int(n[1:-5]) for n in others)
    assert numbers and numbers == list(range(1, len(numbers) + 1)), f"{directory}: versions {numbers}"


@pytest.mark.parametrize("key", sorted(CONTRACTS))
def test_event_file_follows_the_format(key: str) -> None:
    meta, _ = CONTRACTS[key]
    allowed = set(EVENT_FILE["properties"])
    # our data states every field; `bus` only where the producer is elsewhere, `corrections` only where one was proven
    spelled_out = allowed - {"bus", "corrections"}
    assert spelled_out <= set(meta) <= allowed, f"{key}: keys {sorted(set(meta) ^ spelled_out)}"
    assert ("bus" in meta) == meta["external"], f"{key}: an external event names the bus its producer uses, ours do not"
    for field in ("source", "detail-type", "owner", "service", "action", "description"):
        assert isinstance(meta[field], str) and meta[field].strip(), f"{key}: empty {field}"
    assert meta["compatibility"] in MODES
    assert isinstance(meta["external"], bool)
    assert meta["dedupe-key"] and all(re.fullmatch(r"[A-Za-z0-9_@.:-]+", p) for p in meta["dedupe-key"])


@pytest.mark.parametrize("key", sorted(CONTRACTS))
def test_dedupe_key_points_at_fields_every_version_requires(key: str) -> None:
    meta, versions = CONTRACTS[key]
    for path in meta["dedupe-key"]:
        parts = path.split(".")
        if parts[0] != "detail":
            assert parts in (["id"], ["detail-type"]), f"{key}: {path} is not an envelope field we use"
            continue
        for n, schema in enumerate(versions, 1):
            node = schema
            for part in parts[1:]:
                assert part in node.get("required", []), f"{key} v{n}: {path} is not required at {part}"
                node = node["properties"][part]


def test_coffeeshop_events_are_external_and_keyed_on_order_id() -> None:
    for key in ("coffeeshop/WaitingCompletion", "coffeeshop/OrderCancelled"):
        meta, versions = CONTRACTS[key]
        assert meta["source"] == "awsserverlessda.serverlesspresso"
        assert meta["external"] is True
        assert meta["compatibility"] == "FORWARD_TRANSITIVE"
        assert meta["dedupe-key"] == ["detail.orderId", "detail-type"]
        assert all(v.get("additionalProperties", True) is True for v in versions), f"{key}: must stay open"
    assert CONTRACTS["coffeeshop/WaitingCompletion"][0]["detail-type"] == "OrderManager.WaitingCompletion"
    assert CONTRACTS["coffeeshop/OrderCancelled"][0]["detail-type"] == "OrderManager.OrderCancelled"


def test_s3_object_created_is_the_aws_owned_event() -> None:
    meta, versions = CONTRACTS["aws/S3ObjectCreated"]
    assert (meta["source"], meta["detail-type"], meta["external"], meta["dedupe-key"]) == (
        "aws.s3",
        "Object Created",
        True,
        ["id"],
    )
    assert versions[0].get("additionalProperties", True) is True


# ---------------------------------------------------------------- schemas and examples


@pytest.mark.parametrize("key,number,schema", SCHEMAS, ids=[f"{k}/v{n}" for k, n, _ in SCHEMAS])
def test_schema_is_draft07_with_title_descriptions_and_examples(key: str, number: int, schema: dict[str, Any]) -> None:
    assert schema.get("$schema") == DRAFT7
    Draft7Validator.check_schema(schema)
    assert schema.get("title") and schema.get("description")
    assert 2 <= len(schema.get("examples", [])) <= 4, f"{key} v{number}: want 2-4 examples"
    undocumented = [p for p, sub in _property_schemas(schema) if not sub.get("description")]
    assert not undocumented, f"{key} v{number}: fields without description: {undocumented}"


@pytest.mark.parametrize("key,number,schema", SCHEMAS, ids=[f"{k}/v{n}" for k, n, _ in SCHEMAS])
def test_every_example_validates_and_fits_an_eventbridge_entry(key: str, number: int, schema: dict[str, Any]) -> None:
    meta, _ = CONTRACTS[key]
    validator = _validator(schema)
    for i, example in enumerate(schema["examples"]):
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(example)]
        assert not errors, f"{key} v{number} example #{i}: {errors}"
        size = len(json.dumps(_envelope(meta, example), ensure_ascii=False).encode("utf-8"))
        assert size < MAX_ENTRY_BYTES


@pytest.mark.parametrize("key,number,schema", SCHEMAS, ids=[f"{k}/v{n}" for k, n, _ in SCHEMAS])
def test_examples_are_distinct(key: str, number: int, schema: dict[str, Any]) -> None:
    dumped = [json.dumps(e, sort_keys=True) for e in schema["examples"]]
    assert len(set(dumped)) == len(dumped)


def test_schemas_reject_bad_details() -> None:
    """The schemas are not vacuous: wrong types and missing required fields are refused."""
    wc = CONTRACTS["coffeeshop/WaitingCompletion"][1][0]
    good = wc["examples"][1]
    assert _valid(wc, good)
    assert not _valid(wc, {k: v for k, v in good.items() if k != "orderId"})
    assert not _valid(wc, {**good, "drinkOrder": 42})
    assert not _valid(wc, {**good, "drinkOrder": {"modifiers": ["Oat"]}}), "an object drink order names its drink"
    s3 = CONTRACTS["aws/S3ObjectCreated"][1][0]
    assert not _valid(s3, {**s3["examples"][0], "object": {"size": 1}})
    checkout = CONTRACTS["checkout/CheckoutPlaced"][1][0]
    negative = copy.deepcopy(checkout["examples"][0])
    negative["data"]["amount"] = -1
    assert not _valid(checkout, negative)
    as_text = copy.deepcopy(checkout["examples"][0])
    as_text["data"]["amount"] = "99.99"
    assert not _valid(checkout, as_text), "amount must be a number, or numeric filters cannot match it"
    fractional = copy.deepcopy(checkout["examples"][0])
    fractional["data"]["items"][0]["quantity"] = 1.5
    assert not _valid(checkout, fractional)


# ---------------------------------------------------------------- the saga and full-state events


SAGA_KEYS = sorted(k for k, (meta, _) in CONTRACTS.items() if meta["source"] in SAGA_SOURCES)


def test_the_whole_saga_is_declared() -> None:
    assert len(SAGA_KEYS) == 13


@pytest.mark.parametrize("key", [*SAGA_KEYS, "checkout/CheckoutPlaced"])
def test_full_state_events_require_an_idempotency_key(key: str) -> None:
    meta, versions = CONTRACTS[key]
    assert meta["external"] is False
    assert meta["dedupe-key"] == ["detail.metadata.idempotency-key"]
    for schema in versions:
        assert set(schema["required"]) == {"metadata", "data"}
        metadata = schema["properties"]["metadata"]
        assert {"idempotency-key", "version"} <= set(metadata["required"])
        assert metadata["properties"]["idempotency-key"]["type"] == "string"
        example = copy.deepcopy(schema["examples"][0])
        del example["metadata"]["idempotency-key"]
        assert not _valid(schema, example), f"{key}: accepted an event without metadata.idempotency-key"
        example["metadata"]["idempotency-key"] = 7
        assert not _valid(schema, example), f"{key}: accepted a non-string idempotency key"


@pytest.mark.parametrize("key", SAGA_KEYS)
def test_saga_examples_have_unique_idempotency_keys_tied_to_their_order(key: str) -> None:
    _, versions = CONTRACTS[key]
    examples = versions[0]["examples"]
    keys = [e["metadata"]["idempotency-key"] for e in examples]
    assert len(set(keys)) == len(keys)
    for example in examples:
        assert example["metadata"]["correlation-id"] == example["data"]["orderId"]


def test_saga_causation_ids_point_at_examples_of_earlier_steps() -> None:
    """The saga examples tell one coherent story: every causation-id is another example's idempotency key
    (or an order's creation, for orders whose earlier steps are not shown)."""
    keys = {e["metadata"]["idempotency-key"] for k in SAGA_KEYS for e in CONTRACTS[k][1][0]["examples"]}
    for key in SAGA_KEYS:
        for example in CONTRACTS[key][1][0]["examples"]:
            cause = example["metadata"].get("causation-id")
            if cause is None:
                assert key == "orders/OrderCreated"
            else:
                assert cause in keys or re.fullmatch(r"ord-\d+-[a-z-]+", cause), f"{key}: dangling causation-id {cause}"


def test_money_is_numeric_and_quantities_are_integers_in_the_saga() -> None:
    money, quantities = 0, 0
    for key in SAGA_KEYS:
        for pointer, sub in _property_schemas(CONTRACTS[key][1][0]):
            name = pointer.rsplit("/", 1)[-1]
            if name in {"amount", "total", "deliveryPrice", "unitPrice"}:
                assert sub["type"] == "number", f"{key}{pointer}"
                money += 1
            if name.lower().endswith("quantity"):
                assert sub["type"] == "integer", f"{key}{pointer}"
                quantities += 1
    assert money >= 5 and quantities >= 5


# ---------------------------------------------------------------- CheckoutPlaced evolution


def test_checkout_v2_only_adds_an_optional_string_coupon() -> None:
    v1, v2 = CONTRACTS["checkout/CheckoutPlaced"][1]
    data1, data2 = v1["properties"]["data"], v2["properties"]["data"]
    assert set(data2["properties"]) - set(data1["properties"]) == {"couponCode"}
    assert data2["required"] == data1["required"]
    assert data2["properties"]["couponCode"]["type"] == "string"
    strip = lambda s: {k: v for k, v in s.items() if k not in {"title", "examples"}}  # noqa: E731
    without_coupon = copy.deepcopy(strip(v2))
    del without_coupon["properties"]["data"]["properties"]["couponCode"]
    assert without_coupon == strip(v1), "v2 must be v1 plus couponCode, nothing else"


def test_checkout_content_model_is_partially_open_for_strings() -> None:
    """Why FULL_TRANSITIVE holds: the old schema's additionalProperties covers the added property."""
    v1, v2 = CONTRACTS["checkout/CheckoutPlaced"][1]
    assert CONTRACTS["checkout/CheckoutPlaced"][0]["compatibility"] == "FULL_TRANSITIVE"
    for schema in (v1, v2):
        assert schema["additionalProperties"] is False
        assert schema["properties"]["data"]["additionalProperties"] == {"type": "string"}
        assert schema["properties"]["metadata"]["additionalProperties"] == {"type": "string"}
    assert (
        v2["properties"]["data"]["properties"]["couponCode"]["type"]
        == v1["properties"]["data"]["additionalProperties"]["type"]
    )


def test_checkout_versions_read_each_others_examples() -> None:
    """FORWARD: old consumers accept new events; BACKWARD: new consumers accept archived old events."""
    v1, v2 = CONTRACTS["checkout/CheckoutPlaced"][1]
    assert all(_valid(v1, e) for e in v2["examples"])
    assert all(_valid(v2, e) for e in v1["examples"])
    assert any("couponCode" in e["data"] for e in v2["examples"])
    odd = copy.deepcopy(v2["examples"][0])
    odd["data"]["couponCode"] = 10
    assert not _valid(v1, odd) and not _valid(v2, odd), "old data could not have carried a non-string coupon"


def test_checkout_examples_straddle_the_analytics_threshold() -> None:
    amounts = [e["data"]["amount"] for v in CONTRACTS["checkout/CheckoutPlaced"][1] for e in v["examples"]]
    assert any(a < 100 for a in amounts) and any(a == 100 for a in amounts) and any(a > 100 for a in amounts)


# ---------------------------------------------------------------- the real Serverlesspresso producers

# Shapes written from the producers' code, field for field (values invented, types as the code produces them).
# aws-samples/serverless-coffee-workshop backends/5-order-manager/events/OrderProcessorWaitingCompletion.js:
# Detail = {orderId: SK, orderNumber, state: ORDERSTATE, drinkOrder: <stored attribute, unparsed>, userId: USERID,
# robot, TS, Message}. The stored drinkOrder is a string when statemachine/om.asl.json wrote it
# (States.JsonToString($.body)) and a map when api/put.js wrote it ({drink, icon, modifiers}).
WC_ORDER_PROCESSOR_STRING = {
    "orderId": "V1StGXR8_Z5jdHi6B-myT",
    "orderNumber": 3,
    "state": "CREATED",
    "drinkOrder": '{"userId":"a1b2","drink":"Americano","modifiers":[],"icon":"barista-icons_americano"}',
    "userId": "a1b2",
    "robot": False,
    "TS": 1763890000000,
    "Message": "A Lambda function is invoked which stores the Step Functions Task Token in an Amazon DynamoDB table.",
}
WC_ORDER_PROCESSOR_MAP = {
    **WC_ORDER_PROCESSOR_STRING,
    "drinkOrder": {"drink": "Latte", "icon": "i", "modifiers": ["Oat"]},
}
# JSON.stringify drops undefined attributes: robot/state are absent when never stored.
WC_ORDER_PROCESSOR_SPARSE = {k: v for k, v in WC_ORDER_PROCESSOR_STRING.items() if k not in {"robot", "state"}}
# aws-samples/serverless-coffee backends/5-order-manager/functions/waitingCompletion/app.js:
# drinkOrder: JSON.parse(result.Attributes.drinkOrder), plus eventId (the workshop's copy has no eventId).
WC_WAITING_COMPLETION_FN = {
    **WC_ORDER_PROCESSOR_STRING,
    "drinkOrder": {"userId": "a1b2", "drink": "Mocha", "modifiers": ["Soya", "Vanilla"], "icon": "m"},
    "eventId": "reinvent2026",
}
# aws-samples/serverless-coffee-workshop backends/10-order-metrics-dynamodb/code/EventsLoadTest.js
# (same in 11-order-metrics-cloudwatch): the load test users run; no orderNumber, state, robot or TS.
WC_LOAD_TEST = {
    "Message": "Barista has cancelled or completed the order",
    "orderId": "1000",
    "ORDERSTATE": "Completed",
    "userId": "1000",
    "drinkOrder": {"userId": "1000", "drink": "Cappuccino"},
}
# aws-samples/serverless-coffee-workshop backends/5-order-manager/api/apiCancelOrder.js:
# Detail = {actionUserId, orderId, Message, order: {orderNumber, userId, drinkOrder, orderState: 'CANCELLED'}, userId}
# (order.TaskToken deleted before publishing; drinkOrder absent if the order was cancelled before a drink was chosen).
OC_CANCEL_API = {
    "actionUserId": "barista-7",
    "orderId": "V1StGXR8_Z5jdHi6B-myT",
    "Message": "The barista or the customer presses the 'cancel order' button...",
    "order": {
        "orderNumber": 3,
        "userId": "a1b2",
        "drinkOrder": {"drink": "Latte", "icon": "i", "modifiers": []},
        "orderState": "CANCELLED",
    },
    "userId": "a1b2",
}
OC_CANCEL_API_NO_DRINK = {**OC_CANCEL_API, "order": {"userId": "a1b2", "orderState": "CANCELLED"}}
# aws-samples/serverless-coffee-workshop backends/5-order-manager/statemachine/om.asl.json, "Construct record (1)"
# then "Emit Completed || Cancelled" (DetailType States.Format('OrderManager.Order{}', ORDERSTATE)).
OC_STATE_MACHINE = {
    "baristaUserId": "barista-7",
    "orderId": "V1StGXR8_Z5jdHi6B-myT",
    "userId": "a1b2",
    "ORDERSTATE": "Cancelled",
    "Message": "Barrista has cancelled or completed teh order",
}
# aws-samples/serverless-coffee backends/5-order-manager/statemachine/om.asl.json: eventId, no baristaUserId,
# ORDERSTATE '<eventId>-CANCELLED'.
OC_STATE_MACHINE_MULTI_EVENT = {
    "eventId": "reinvent2026",
    "orderId": "V1StGXR8_Z5jdHi6B-myT",
    "userId": "a1b2",
    "ORDERSTATE": "reinvent2026-CANCELLED",
    "Message": "Barrista has cancelled or completed the order",
}

WAITING_COMPLETION_SHAPES = [
    WC_ORDER_PROCESSOR_STRING,
    WC_ORDER_PROCESSOR_MAP,
    WC_ORDER_PROCESSOR_SPARSE,
    WC_WAITING_COMPLETION_FN,
    WC_LOAD_TEST,
]
ORDER_CANCELLED_SHAPES = [OC_CANCEL_API, OC_CANCEL_API_NO_DRINK, OC_STATE_MACHINE, OC_STATE_MACHINE_MULTI_EVENT]

# aws-samples/serverless-coffee-workshop backends/5-order-manager/statemachine/om.asl.json,
# 'Construct record (1)': the record read back after 'Complete Order' set ORDERSTATE.
OC_COMPLETED = {
    "baristaUserId": "b-1",
    "orderId": "o-9",
    "userId": "u-1",
    "ORDERSTATE": "Completed",
    "Message": "Barrista has cancelled or completed teh order",
}
OC_COMPLETED_UNCLAIMED = {**OC_COMPLETED, "baristaUserId": ""}  # 'Unmake Order' stores an empty barista
ORDER_COMPLETED_SHAPES = [OC_COMPLETED, OC_COMPLETED_UNCLAIMED]


def _drink(drink_order: Any) -> str | None:
    """The extraction rule the contracts document: object -> .drink; string -> JSON-parse, then .drink."""
    if isinstance(drink_order, str):
        drink_order = json.loads(drink_order)
    return drink_order.get("drink") if isinstance(drink_order, dict) else None


@pytest.mark.parametrize("detail", WAITING_COMPLETION_SHAPES)
def test_real_waiting_completion_details_validate(detail: dict[str, Any]) -> None:
    for schema in CONTRACTS["coffeeshop/WaitingCompletion"][1]:
        assert _valid(schema, detail)


@pytest.mark.parametrize("detail", ORDER_CANCELLED_SHAPES)
def test_real_order_cancelled_details_validate(detail: dict[str, Any]) -> None:
    for schema in CONTRACTS["coffeeshop/OrderCancelled"][1]:
        assert _valid(schema, detail)


@pytest.mark.parametrize("detail", ORDER_COMPLETED_SHAPES)
def test_real_order_completed_details_validate(detail: dict[str, Any]) -> None:
    for schema in CONTRACTS["coffeeshop/OrderCompleted"][1]:
        assert _valid(schema, detail)
        assert not _valid(schema, {**detail, "ORDERSTATE": "Cancelled"})  # that one is OrderCancelled


def test_drink_is_extractable_from_every_waiting_completion() -> None:
    examples = CONTRACTS["coffeeshop/WaitingCompletion"][1][0]["examples"]
    drinks = [_drink(d["drinkOrder"]) for d in [*WAITING_COMPLETION_SHAPES, *examples]]
    assert all(drinks), drinks
    assert len({_drink(e["drinkOrder"]) for e in examples}) == len(examples), "examples should vary the drink"
    assert any(isinstance(e["drinkOrder"], str) for e in examples)
    assert any(isinstance(e["drinkOrder"], dict) for e in examples)


def test_drink_of_a_cancelled_order_comes_from_the_stored_order_when_sent() -> None:
    assert _drink(OC_CANCEL_API["order"]["drinkOrder"]) == "Latte"
    assert "drinkOrder" not in OC_CANCEL_API_NO_DRINK["order"] and "order" not in OC_STATE_MACHINE
    examples = CONTRACTS["coffeeshop/OrderCancelled"][1][0]["examples"]
    assert {_drink(e.get("order", {}).get("drinkOrder")) for e in examples} == {"Flat White", "Mocha", None}


def test_coffeeshop_schemas_do_not_require_what_some_producer_omits() -> None:
    for key, shapes in (
        ("coffeeshop/WaitingCompletion", WAITING_COMPLETION_SHAPES),
        ("coffeeshop/OrderCancelled", ORDER_CANCELLED_SHAPES),
        ("coffeeshop/OrderCompleted", ORDER_COMPLETED_SHAPES),
    ):
        required = set(CONTRACTS[key][1][0]["required"])
        assert all(required <= set(shape) for shape in shapes), key
        sent_by_all = set.intersection(*(set(shape) for shape in shapes))
        assert required <= sent_by_all


# ---------------------------------------------------------------- subscriptions


def _example(ref: Any, versions: list[dict[str, Any]]) -> Any:
    if isinstance(ref, dict):
        return ref
    number, index = re.fullmatch(r"v([1-9][0-9]*)#([0-9]+)", ref).groups()  # type: ignore[union-attr]
    return versions[int(number) - 1]["examples"][int(index)]


def _matches(pattern: Any, value: Any) -> bool:
    """Just enough of EventBridge / SNS MessageBody matching for the filters in our data:
    exact strings, `prefix`, `numeric` comparisons, nested objects. Anything else fails loudly."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and _matches(p, value[k]) for k, p in pattern.items())
    assert isinstance(pattern, list), f"unsupported filter {pattern!r}"
    return any(_matches_one(rule, value) for rule in pattern)


def _matches_one(rule: Any, value: Any) -> bool:
    if isinstance(rule, str):
        return value == rule
    ((op, arg),) = rule.items()
    if op == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if op == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        checks = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "=": operator.eq}
        return all(checks[o](value, n) for o, n in zip(arg[::2], arg[1::2], strict=True))
    raise AssertionError(f"operator {op!r} not covered by this test's matcher")


def test_the_small_matcher_is_not_vacuous() -> None:
    assert _matches({"a": [{"numeric": [">=", 100]}]}, {"a": 100})
    assert not _matches({"a": [{"numeric": [">=", 100]}]}, {"a": 99.99})
    assert not _matches({"a": [{"numeric": [">=", 100]}]}, {"a": "100"})
    assert _matches({"k": [{"prefix": "source/"}]}, {"k": "source/x"})
    assert not _matches({"k": [{"prefix": "source/"}]}, {"k": "x/source/"})
    assert not _matches({"b": {"n": ["x"]}}, {"b": {}})


def test_subscription_files_follow_the_format() -> None:
    names = {f.stem for f in SUBSCRIPTION_FILES}
    assert {"metrics", "checkout-pipelines", "notifications", "delivery", "ingest"} <= names
    for path in SUBSCRIPTION_FILES:
        doc = _load(path)
        assert set(doc) <= {"team", "description", "subscriptions"} and doc["team"] == path.stem
        seen = [s["name"] for s in doc["subscriptions"]]
        assert len(set(seen)) == len(seen), f"{path.name}: duplicate names"
        for sub in doc["subscriptions"]:
            assert re.fullmatch(r"[a-z][a-z0-9-]*", sub["name"]) and len(sub["name"]) <= 40
            assert set(sub) <= {
                "name",
                "description",
                "event",
                "versions",
                "filter",
                "reads",
                "delivery",
                "retry",
                "expect",
            }


@pytest.mark.parametrize("file,sub", ALL_SUBS, ids=[f"{f}:{s['name']}" for f, s in ALL_SUBS])
def test_subscription_names_an_existing_event_and_examples(file: str, sub: dict[str, Any]) -> None:
    assert sub["event"] in CONTRACTS, f"{file}: unknown event {sub['event']}"
    _, versions = CONTRACTS[sub["event"]]
    assert set(sub.get("versions", [1])) <= set(range(1, len(versions) + 1))
    expect = sub.get("expect", {})
    assert expect.get("receives"), f"{file}:{sub['name']}: say what it receives"
    for ref in [*expect.get("receives", []), *expect.get("ignores", [])]:
        detail = _example(ref, versions)  # IndexError / AttributeError here = dangling ref
        if isinstance(ref, dict):
            assert any(_valid(v, detail) for v in versions), f"{file}: inline example fits no version"


@pytest.mark.parametrize("file,sub", ALL_SUBS, ids=[f"{f}:{s['name']}" for f, s in ALL_SUBS])
def test_expectations_hold_under_the_filter(file: str, sub: dict[str, Any]) -> None:
    _, versions = CONTRACTS[sub["event"]]
    pattern = sub.get("filter")
    for ref in sub.get("expect", {}).get("receives", []):
        assert pattern is None or _matches(pattern, _example(ref, versions)), f"{file}:{sub['name']} misses {ref}"
    for ref in sub.get("expect", {}).get("ignores", []):
        assert pattern is not None and not _matches(pattern, _example(ref, versions)), (
            f"{file}:{sub['name']} gets {ref}"
        )


@pytest.mark.parametrize("file,sub", [x for x in ALL_SUBS if "filter" in x[1]], ids=str)
def test_filter_fields_exist_in_every_version_read(file: str, sub: dict[str, Any]) -> None:
    _, versions = CONTRACTS[sub["event"]]

    def walk(pattern: dict[str, Any], schema: dict[str, Any], path: str) -> None:
        for name, inner in pattern.items():
            assert name in schema.get("properties", {}), f"{file}:{sub['name']}: {path}.{name} not in schema"
            if isinstance(inner, dict):
                walk(inner, schema["properties"][name], f"{path}.{name}")

    for number in sub.get("versions", range(1, len(versions) + 1)):
        walk(sub["filter"], versions[number - 1], "detail")


def _subs(file: str) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for f, s in ALL_SUBS if f == file}


def test_metrics_reads_the_coffeeshop_order_events_in_batches() -> None:
    subs = _subs("metrics.json")
    assert {s["event"] for s in subs.values()} == {
        "coffeeshop/WaitingCompletion",
        "coffeeshop/OrderCancelled",
        "coffeeshop/OrderCompleted",
    }
    for sub in subs.values():
        assert sub["delivery"] == {"type": "metrics", "batch_size": 100, "batching_window_seconds": 5}
        assert "filter" not in sub


def test_checkout_forks_backup_analytics_and_replay() -> None:
    subs = _subs("checkout-pipelines.json")
    assert {s["delivery"]["pipeline"] for s in subs.values()} == {"backup", "analytics", "replay"}
    assert all(s["delivery"]["type"] == "fork" and s["event"] == "checkout/CheckoutPlaced" for s in subs.values())
    assert subs["analytics"]["filter"] == {"data": {"amount": [{"numeric": [">=", 100]}]}}
    assert "filter" not in subs["backup"] and "filter" not in subs["replay"]
    _, versions = CONTRACTS["checkout/CheckoutPlaced"]
    ignored = [_example(r, versions)["data"]["amount"] for r in subs["analytics"]["expect"]["ignores"]]
    received = [_example(r, versions)["data"]["amount"] for r in subs["analytics"]["expect"]["receives"]]
    assert 99.99 in ignored and 100 in received


def test_notifications_receive_exactly_three_events_by_queue() -> None:
    subs = _subs("notifications.json").values()
    assert sorted(s["event"] for s in subs) == [
        "inventory/ItemNotAvailable",
        "payments/PaymentFailed",
        "payments/PaymentMade",
    ]
    assert all(s["delivery"]["type"] == "queue" for s in subs)


def test_delivery_service_gets_delivery_started_through_an_api_destination() -> None:
    (sub,) = _subs("delivery.json").values()
    assert sub["event"] == "delivery/DeliveryStarted"
    assert sub["delivery"]["type"] == "api" and sub["delivery"]["destination"] == "delivery-service"
    assert sub["retry"] == {"maximum_event_age_seconds": 3600, "maximum_retry_attempts": 10}
    transformer = sub["delivery"]["input_transformer"]
    example = CONTRACTS["delivery/DeliveryStarted"][1][0]["examples"][0]
    for name, path in transformer["input_paths"].items():
        assert f"<{name}>" in transformer["input_template"]
        node: Any = {"detail": example}
        for part in path.removeprefix("$.").split("."):
            node = node[part]
        assert isinstance(node, str)


def test_ingest_takes_only_source_objects_of_one_bucket_into_fifo() -> None:
    (sub,) = _subs("ingest.json").values()
    assert sub["event"] == "aws/S3ObjectCreated"
    assert sub["delivery"] == {"type": "queue", "fifo": True, "message_group_id": "s3-ingest", "max_receive_count": 2}
    bucket = sub["filter"]["bucket"]["name"][0]
    examples = CONTRACTS["aws/S3ObjectCreated"][1][0]["examples"]
    keys = {(e["bucket"]["name"], e["object"]["key"].startswith("source/")) for e in examples}
    assert {(bucket, True), (bucket, False)} <= keys and any(b != bucket for b, _ in keys)


def test_order_saga_subscriptions_connect_every_step() -> None:
    subs = _subs("order-saga.json").values()
    heard = {s["event"] for s in subs}
    assert all(s["delivery"]["type"] == "queue" for s in subs)
    terminal = {"notifications/EmailSent", "delivery/DeliveryStarted"}  # heard by the notifications/delivery files
    notified = {s["event"] for s in _subs("notifications.json").values()}
    for key in SAGA_KEYS:
        assert key in heard or key in terminal or key in notified, f"nobody listens to {key}"


def test_no_schema_uses_content_keywords() -> None:
    """fastjsonschema 2.22.3 enforces contentMediaType by re-binding the value to its parsed JSON, so inside a
    oneOf a JSON string then also matches a later object branch (the gate would reject real coffee shop
    events). Say "JSON text" in the description instead."""
    for key, number, schema in SCHEMAS:
        text = json.dumps(schema)
        assert "contentMediaType" not in text and "contentEncoding" not in text, f"{key} v{number}"


def test_the_registry_loader_accepts_all_of_it() -> None:
    """Beyond plain jsonschema: the project's own loader (fastjsonschema, file formats, limits) finds nothing."""
    from registry.loader import load_with_findings

    registry, findings = load_with_findings(ROOT, ROOT.parent)
    assert [f"{f.file}{f.pointer}: {f.message}" for f in findings if f.severity == "error"] == []
    assert set(registry.events) == EXPECTED_EVENTS
    assert sorted(s.id for s in registry.subscriptions) == sorted(f"{Path(f).stem}.{s['name']}" for f, s in ALL_SUBS)


@pytest.mark.parametrize("key", sorted(CONTRACTS))
def test_every_version_is_compatible_under_its_events_mode(key: str) -> None:
    from registry.compat.check import check_history

    meta, versions = CONTRACTS[key]
    corrected = {c["version"]: set(c["corrects"]) for c in meta.get("corrections", [])}  # the gate proves these
    for n in range(2, len(versions) + 1):
        history = [(f"{key}/v{i}.json", versions[i - 1]) for i in range(1, n + 1) if i not in corrected.get(n, ())]
        assert [(f.rule_id, f.pointer) for f in check_history(history, meta["compatibility"])] == []


def _with_content_model(schema: dict[str, Any], model: Any) -> dict[str, Any]:
    """The same schema with every nested object made open (model None) or closed (False)."""
    result = copy.deepcopy(schema)
    for _, sub in _property_schemas(result):
        if sub.get("type") == "object":
            sub.pop("additionalProperties", None)
            if model is not None:
                sub["additionalProperties"] = model
    return result


@pytest.mark.parametrize(
    "model,failing_mode,rule",
    [
        (None, "BACKWARD", "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"),
        (False, "FORWARD", "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"),
    ],
    ids=["open", "closed"],
)
def test_checkout_would_not_be_full_with_an_open_or_closed_model(model: Any, failing_mode: str, rule: str) -> None:
    """Why the partially open model: the two obvious models each fail one direction of FULL."""
    from registry.compat.check import check_compatibility

    v1, v2 = (_with_content_model(v, model) for v in CONTRACTS["checkout/CheckoutPlaced"][1])
    findings = check_compatibility(v1, v2, "FULL_TRANSITIVE")
    assert {(f.rule_id, f.pointer) for f in findings} == {(rule, "/properties/data/properties/couponCode")}
    assert check_compatibility(v1, v2, failing_mode)
    other = {"BACKWARD": "FORWARD", "FORWARD": "BACKWARD"}[failing_mode]
    assert check_compatibility(v1, v2, other) == []
