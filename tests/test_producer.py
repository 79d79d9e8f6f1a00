"""The producer helper: validation, stamping, batching by count and bytes, retries, nothing lost."""

from __future__ import annotations

import json
import random
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from registry.producer import MAX_REQUEST_BYTES, Event, publish
from tests.test_metrics_support import CANCELLED_V1, WAITING, WAITING_V1, contract, registry

FULL_STATE = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["metadata", "data"],
    "properties": {
        "metadata": {
            "type": "object",
            "required": ["idempotency-key", "version"],
            "properties": {
                "idempotency-key": {"type": "string", "minLength": 1},
                "version": {"type": ["string", "integer"]},
            },
        },
        "data": {
            "type": "object",
            "required": ["orderId"],
            "properties": {"orderId": {"type": "string"}, "note": {"type": "string"}},
        },
    },
}
CHECKOUT = contract(
    "checkout/CheckoutPlaced",
    "CheckoutPlaced",
    FULL_STATE,
    FULL_STATE,
    source="com.example.checkout",
    dedupe=("detail.metadata.idempotency-key",),
    external=False,
)
PLAIN = contract(
    "orders/OrderNoted", "OrderNoted", CANCELLED_V1, source="com.example.orders", dedupe=("id",), external=False
)
REGISTRY = registry(CHECKOUT, PLAIN, contract("coffeeshop/WaitingCompletion", WAITING, WAITING_V1))


def checkout(order_id: str, note: str = "") -> Event:
    data = {"orderId": order_id, **({"note": note} if note else {})}
    return Event("checkout/CheckoutPlaced", {"metadata": {}, "data": data})


class FakeEvents:
    """A PutEvents client whose answers are scripted per call; records every request."""

    def __init__(self, script: list[Any] | None = None) -> None:
        self.script = script or []
        self.requests: list[list[dict[str, Any]]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.requests.append(Entries)
        step = self.script.pop(0) if self.script else None
        if isinstance(step, Exception):
            raise step
        codes = step or [None] * len(Entries)
        answers = [
            {"ErrorCode": c, "ErrorMessage": f"{c} happened"} if c else {"EventId": f"ev-{len(self.requests)}-{i}"}
            for i, c in enumerate(codes)
        ]
        return {"FailedEntryCount": sum(1 for c in codes if c), "Entries": answers}


def go(events: list[Any], client: Any, **kwargs: Any):
    kwargs.setdefault("sleep", lambda s: None)
    return publish(events, registry=REGISTRY, client=client, bus_name="orders", rng=random.Random(1), **kwargs)


def test_publishes_through_eventbridge_and_stamps_full_state_metadata(monkeypatch):
    for k, v in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        client = boto3.client("events")
        client.create_event_bus(Name="orders")
        original = checkout("o-1")
        result = go([original, ("OrderNoted", {"orderId": "1", "userId": "u"})], client)
    assert result.ok and [s.index for s in result.sent] == [0, 1] and result.requests == 1
    assert result.sent[0].idempotency_key and result.sent[1].idempotency_key is None
    assert original.detail == {"metadata": {}, "data": {"orderId": "o-1"}}  # the caller's detail is not mutated


def test_existing_idempotency_key_and_version_are_kept_and_stamped_ones_are_unique():
    client = FakeEvents()
    given = Event(
        "checkout/CheckoutPlaced", {"metadata": {"idempotency-key": "k-1", "version": 1}, "data": {"orderId": "o"}}
    )
    result = go([given, checkout("a"), checkout("b")], client)
    details = [json.loads(e["Detail"]) for e in client.requests[0]]
    assert details[0]["metadata"] == {"idempotency-key": "k-1", "version": 1}
    assert details[1]["metadata"]["version"] == "2"  # the latest version
    assert len({d["metadata"]["idempotency-key"] for d in details}) == 3
    assert next(s.idempotency_key for s in result.sent) == "k-1"


def test_batches_by_ten_entries():
    client = FakeEvents()
    result = go([checkout(f"o{i}") for i in range(25)], client)
    assert [len(r) for r in client.requests] == [10, 10, 5]
    assert len(result.sent) == 25 and result.ok


def test_batches_by_request_bytes_as_aws_sizes_entries():
    client = FakeEvents()
    big = "x" * 100_000  # three of these exceed 256 KB together
    result = go([checkout(f"o{i}", note=big) for i in range(4)], client)
    assert [len(r) for r in client.requests] == [2, 2]
    for request in client.requests:
        size = sum(len(e["Source"]) + len(e["DetailType"]) + len(e["Detail"].encode()) for e in request)
        assert size <= MAX_REQUEST_BYTES
    assert result.ok


def test_entry_over_256_kb_is_returned_unsent_and_never_sent():
    client = FakeEvents()
    result = go([checkout("big", note="x" * 262_144), checkout("ok")], client)
    assert [u.index for u in result.unsent] == [0] and "over EventBridge's" in result.unsent[0].reason
    assert [s.index for s in result.sent] == [1] and len(client.requests[0]) == 1


def test_only_failed_entries_are_retried_with_backoff():
    client = FakeEvents([[None, "ThrottlingException", None, "InternalFailure"], None])
    delays: list[float] = []
    result = go([checkout(f"o{i}") for i in range(4)], client, sleep=delays.append)
    assert [len(r) for r in client.requests] == [4, 2]
    assert [json.loads(e["Detail"])["data"]["orderId"] for e in client.requests[1]] == ["o1", "o3"]
    first = [json.loads(e["Detail"])["metadata"]["idempotency-key"] for e in client.requests[0]]
    retried = [json.loads(e["Detail"])["metadata"]["idempotency-key"] for e in client.requests[1]]
    assert retried == [first[1], first[3]]  # the same key: a retry that did land is a duplicate, not a new order
    assert len(delays) == 1 and result.ok and [s.index for s in result.sent] == [0, 1, 2, 3]


def test_throttled_call_is_retried_whole():
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents")
    client = FakeEvents([throttled, None])
    assert go([checkout("a"), checkout("b")], client).ok and len(client.requests) == 2


def test_entries_still_failing_after_the_last_attempt_are_returned_with_the_reason():
    client = FakeEvents([[None, "InternalFailure"]] + [["InternalFailure"]] * 10)
    result = go([checkout("a"), checkout("b")], client, max_attempts=3)
    assert len(client.requests) == 3
    assert [(u.index, u.code) for u in result.unsent] == [(1, "InternalFailure")]
    assert "after 3 attempts" in result.unsent[0].reason and result.unsent[0].event.detail["data"]["orderId"] == "b"
    assert [s.index for s in result.sent] == [0] and not result.ok


def test_permanent_errors_are_not_retried():
    denied = ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no bus"}}, "PutEvents")
    client = FakeEvents([denied])
    result = go([checkout("a"), checkout("b")], client)
    assert len(client.requests) == 1 and [u.code for u in result.unsent] == ["ResourceNotFoundException"] * 2
    client = FakeEvents([["ValidationException"]])
    assert [u.code for u in go([checkout("a")], client).unsent] == ["ValidationException"]
    assert len(client.requests) == 1


@pytest.mark.parametrize(
    "event, reason",
    [
        (
            Event("checkout/CheckoutPlaced", {"metadata": {}, "data": {}}),
            "at /data: data.data must contain ['orderId']",
        ),
        (Event("checkout/CheckoutPlaced", {"metadata": {}, "data": {"orderId": 5}}), "at /data/orderId"),
        (Event("checkout/CheckoutPlaced", "not an object"), "must be object"),
        (
            Event("coffeeshop/WaitingCompletion", {"orderId": "1", "userId": "u", "drinkOrder": {"drink": "L"}}),
            "external contract",
        ),
        (Event("nope/Missing", {}), "no contract for 'nope/Missing'"),
        (Event(("com.example.orders", "Other"), {}), "no contract for"),
    ],
)
def test_invalid_or_refused_events_are_returned_with_reasons_and_the_rest_still_sent(event, reason):
    client = FakeEvents()
    result = go([event, checkout("ok")], client)
    assert [u.index for u in result.unsent] == [0] and reason in result.unsent[0].reason
    assert result.unsent[0].code == ""
    assert [s.index for s in result.sent] == [1]


def test_source_and_detail_type_pair_resolves_a_contract():
    client = FakeEvents()
    assert go([Event(("com.example.orders", "OrderNoted"), {"orderId": "1", "userId": "u"})], client).ok
    assert client.requests[0][0]["Source"] == "com.example.orders"
    assert client.requests[0][0]["EventBusName"] == "orders"


# -- X-Ray --------------------------------------------------------------------------------------

LAMBDA_TRACE = "Root=1-6759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def test_every_entry_carries_the_lambda_trace_header_from_the_environment(monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", LAMBDA_TRACE)
    client = FakeEvents()
    go([checkout(f"o{i}") for i in range(12)], client)
    assert [e["TraceHeader"] for r in client.requests for e in r] == [LAMBDA_TRACE] * 12


def test_the_trace_header_reaches_put_events_through_boto3_and_does_not_count_toward_entry_size(monkeypatch):
    for k, v in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", LAMBDA_TRACE)
    sent: list[dict[str, Any]] = []
    with mock_aws():
        client = boto3.client("events")
        client.create_event_bus(Name="orders")
        client.meta.events.register("before-parameter-build.events.PutEvents", lambda params, **_: sent.append(params))
        big = "x" * 130_000  # two of these fit 256 KB only if the header is not counted
        result = go([checkout("a", note=big), checkout("b", note=big)], client)
    assert result.ok and result.requests == 1
    assert [e["TraceHeader"] for e in sent[0]["Entries"]] == [LAMBDA_TRACE, LAMBDA_TRACE]


def test_no_trace_context_sends_no_header_and_an_explicit_one_wins(monkeypatch):
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    client = FakeEvents()
    go([checkout("a")], client)
    assert "TraceHeader" not in client.requests[0][0]
    monkeypatch.setenv("_X_AMZN_TRACE_ID", LAMBDA_TRACE)
    go([checkout("b")], client, trace_header="Root=1-00000000-000000000000000000000001;Sampled=0")
    assert client.requests[1][0]["TraceHeader"].endswith("0001;Sampled=0")
    go([checkout("c")], client, trace_header="")
    assert "TraceHeader" not in client.requests[2][0]


def test_a_header_put_events_would_refuse_is_left_off_rather_than_failing_the_event(monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-" + "a" * 600)
    client = FakeEvents()
    result = go([checkout("a")], client)
    assert result.ok and "TraceHeader" not in client.requests[0][0]


def test_publishing_through_a_global_endpoint_names_its_id_on_every_call():
    calls: list[dict[str, Any]] = []

    class Endpoint(FakeEvents):
        def put_events(self, Entries: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            return super().put_events(Entries)

    go([checkout(f"o{i}") for i in range(11)], Endpoint(), endpoint_id="abcde.veo")
    assert calls == [{"EndpointId": "abcde.veo"}, {"EndpointId": "abcde.veo"}]


def test_the_endpoint_id_comes_from_the_environment_unless_given(monkeypatch):
    calls: list[dict[str, Any]] = []

    class Endpoint(FakeEvents):
        def put_events(self, Entries: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            return super().put_events(Entries)

    monkeypatch.delenv("EVENTPLANE_ENDPOINT_ID", raising=False)
    go([checkout("a")], Endpoint())
    monkeypatch.setenv("EVENTPLANE_ENDPOINT_ID", "fghij.xyz")
    go([checkout("b")], Endpoint())
    go([checkout("c")], Endpoint(), endpoint_id="")  # explicitly straight onto the bus
    assert calls == [{}, {"EndpointId": "fghij.xyz"}, {}]
