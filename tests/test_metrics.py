"""The metrics handler against moto DynamoDB: exactly-once counts, partial batch failure."""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from moto import mock_aws

from tests.test_metrics_support import (
    CANCELLED,
    TABLE,
    WAITING,
    build_and_import,
    cancel,
    create_table,
    dynamodb,
    envelope,
    idempotency_records,
    order,
    record,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def handler(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return build_and_import(tmp_path_factory.mktemp("metrics-bundle"))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "METRICS_TABLE": TABLE,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = dynamodb()
        create_table(client)
        yield client


@pytest.fixture
def store(handler: ModuleType, aws: Any) -> Any:
    return handler.DynamoMetricsStore(TABLE, aws)


class NoSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def run(handler: ModuleType, records: list[dict[str, Any]], store: Any, **kwargs: Any) -> list[str]:
    kwargs.setdefault("sleep", NoSleep())
    result = handler.process(records, store, handler.bundled_contracts(), rng=random.Random(7), **kwargs)
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


def logs(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


# -- counting -----------------------------------------------------------------------------------


def test_counts_orders_per_drink_and_day_read_back_with_one_query(handler, store):
    drinks = ["Latte", "Latte", "Espresso", "Mocha"]
    records = [record(f"m{i}", order(f"o{i}", d)) for i, d in enumerate(drinks)]
    records.append(record("m9", order("o9", "Latte", day="2026-11-24")))

    assert run(handler, records, store) == []

    day = store.read_day("2026-11-23")
    assert (day.orders, day.completed, day.cancelled) == (4, 0, 0)
    assert day.drinks == {"Latte": 2, "Espresso": 1, "Mocha": 1}
    assert store.read_day("2026-11-24").drinks == {"Latte": 1}
    assert store.read_day("2026-11-25").orders == 0


def test_drink_order_sent_as_json_text_is_parsed(handler, store):
    assert run(handler, [record("m1", order("o1", "Cappuccino", as_string=True))], store) == []
    assert store.read_day("2026-11-23").drinks == {"Cappuccino": 1}


def test_cancellations_count_per_day_without_touching_orders(handler, store):
    records = [record("m1", order("o1", "Latte")), record("m2", cancel("o1")), record("m3", cancel("o2"))]
    assert run(handler, records, store) == []
    day = store.read_day("2026-11-23")
    assert (day.orders, day.cancelled, day.drinks) == (1, 2, {"Latte": 1})


def test_a_cancellation_and_an_order_with_the_same_order_id_are_different_events(handler, store):
    assert run(handler, [record("m1", order("o1", "Latte")), record("m2", cancel("o1"))], store) == []
    assert idempotency_records(store.client) == 2


def test_event_valid_under_an_older_bundled_version_is_counted(handler, store):
    # v2 requires orderNumber; this event (like the load test's) has none but v1 accepts it.
    assert "orderNumber" not in order("o1", "Latte")["detail"]
    assert run(handler, [record("m1", order("o1", "Latte"))], store) == []
    assert store.read_day("2026-11-23").orders == 1


# -- exactly once -------------------------------------------------------------------------------


def test_duplicate_within_a_batch_counts_once_and_every_copy_is_acknowledged(handler, store, capsys):
    same = order("o1", "Latte")
    redelivered_by_producer = {**same, "id": "another-envelope-id"}  # a producer retry: new id, same order
    assert run(handler, [record("m1", same), record("m2", same), record("m3", redelivered_by_producer)], store) == []
    assert store.read_day("2026-11-23").drinks == {"Latte": 1}
    assert idempotency_records(store.client) == 1
    assert logs(capsys)[-1]["duplicates"] == 2


def test_duplicate_across_batches_is_never_counted_twice(handler, store):
    first = [record(f"a{i}", order(f"o{i}", "Latte")) for i in range(3)]
    second = [
        record("b0", order("o1", "Latte")),
        record("b1", order("o7", "Mocha")),
        record("b2", order("o2", "Latte")),
    ]
    assert run(handler, first, store) == []
    assert run(handler, second, store) == []
    day = store.read_day("2026-11-23")
    assert (day.orders, day.drinks) == (4, {"Latte": 3, "Mocha": 1})
    assert idempotency_records(store.client) == 4


def test_an_expired_idempotency_record_no_longer_blocks_the_key(handler, store):
    assert run(handler, [record("m1", order("o1", "Latte"))], store, now=lambda: 1_000) == []
    later = 1_000 + handler.IDEMPOTENCY_TTL_SECONDS + 1
    assert run(handler, [record("m2", order("o1", "Latte"))], store, now=lambda: later) == []
    assert store.read_day("2026-11-23").orders == 2


# -- bad input ----------------------------------------------------------------------------------

POISON = {
    "not-json": ("{not json", "body is not JSON"),
    "not-object": ("[1, 2]", "JSON object"),
    "no-detail-type": (
        {"source": "awsserverlessda.serverlesspresso", "detail": {}, "time": "2026-11-23T00:00:00Z"},
        "/detail-type is missing",
    ),
    "wrong-detail-type": (envelope("OrderManager.Unknown", {"orderId": "x"}), "no metrics contract"),
    "wrong-source": (envelope(WAITING, order("x", "Latte")["detail"], source="evil.source"), "no metrics contract"),
    "missing-order-id": (envelope(WAITING, {"userId": "u", "drinkOrder": {"drink": "Latte"}}), "orderId"),
    "empty-order-id": (envelope(CANCELLED, {"orderId": "", "userId": "u"}), "/detail/orderId"),
    "drink-order-not-json": (
        envelope(WAITING, {"orderId": "1", "userId": "u", "drinkOrder": "{oops"}),
        "/detail/drinkOrder is a string but not JSON",
    ),
    "drink-missing-in-text": (
        envelope(WAITING, {"orderId": "1", "userId": "u", "drinkOrder": '{"a": 1}'}),
        "/detail/drinkOrder/drink",
    ),
    "drink-too-long": (
        envelope(WAITING, {"orderId": "1", "userId": "u", "drinkOrder": {"drink": "L" * 201}}),
        "longer than 200 bytes",
    ),
    "bad-time": (envelope(WAITING, order("x", "Latte")["detail"], time="yesterday"), "/time must be an ISO 8601"),
}


@pytest.mark.parametrize("case", sorted(POISON))
def test_poison_message_is_reported_with_its_reason_and_never_blocks_the_rest(handler, store, capsys, case):
    body, reason = POISON[case]
    records = [record("good-1", order("o1", "Latte")), record("bad", body), record("good-2", order("o2", "Mocha"))]

    assert run(handler, records, store) == ["bad"]

    rejected = [line for line in logs(capsys) if line["message"] == "event rejected"]
    assert [line["messageId"] for line in rejected] == ["bad"]
    assert reason in rejected[0]["reason"]
    assert store.read_day("2026-11-23").drinks == {"Latte": 1, "Mocha": 1}


def test_schema_error_names_the_json_pointer_and_the_contract(handler, store, capsys):
    bad = envelope(WAITING, {"orderId": 5, "userId": "u", "drinkOrder": {"drink": "Latte"}})
    assert run(handler, [record("m1", bad)], store) == ["m1"]
    reason = logs(capsys)[0]["reason"]
    assert "/detail/orderId: data.orderId must be string (contract coffeeshop/WaitingCompletion v1)" in reason
    assert "/detail: data must contain ['orderNumber'] properties (contract coffeeshop/WaitingCompletion v2)" in reason


def test_state_does_not_leak_between_invocations(handler, store):
    assert run(handler, [record("bad", "nope")], store) == ["bad"]
    assert run(handler, [record("good", order("o1", "Latte"))], store) == []


# -- throttling and crashes ---------------------------------------------------------------------


class Flaky:
    """Wraps the real store: the n-th write calls (1-based) raise the given errors instead."""

    def __init__(self, real: Any, failures: dict[int, Exception]) -> None:
        self.real, self.failures, self.calls = real, failures, 0

    def write(self, tx: Any, now: int, ttl: int) -> None:
        self.calls += 1
        if self.calls in self.failures:
            raise self.failures[self.calls]
        self.real.write(tx, now, ttl)


def many_orders(n: int, prefix: str = "o") -> list[dict[str, Any]]:
    drinks = ["Latte", "Mocha", "Espresso", "Americano", "Cappuccino"]
    return [record(f"{prefix}{i}", order(f"{prefix}{i}", drinks[i % 5])) for i in range(n)]


def test_throttled_write_is_retried_with_bounded_jittered_backoff(handler, store):
    flaky = Flaky(store, {1: handler.Throttled("ThrottlingException"), 2: handler.Throttled("ThrottlingException")})
    sleep = NoSleep()
    assert run(handler, many_orders(10), flaky, sleep=sleep) == []
    assert flaky.calls == 3
    assert len(sleep.delays) == 2 and all(0 <= d <= handler.RetryPolicy().cap_seconds for d in sleep.delays)
    assert store.read_day("2026-11-23").orders == 10


def test_transaction_conflict_reason_is_retried(handler, store):
    conflict = handler.TransactionCanceled(("None", "TransactionConflict", "None", "None", "None"))
    flaky = Flaky(store, {1: conflict})
    assert run(handler, many_orders(2), flaky) == []
    assert store.read_day("2026-11-23").orders == 2


def test_throttling_that_never_ends_fails_only_the_affected_transaction(handler, store):
    records = many_orders(150)  # 150 events over 5 drinks: two transactions
    policy = handler.RetryPolicy(max_attempts=3)
    always = {n: handler.Throttled("ProvisionedThroughputExceededException") for n in range(2, 10)}
    flaky = Flaky(store, always)

    failed = run(handler, records, flaky, policy=policy)

    assert flaky.calls == 1 + 3
    assert 0 < len(failed) < 150
    assert store.read_day("2026-11-23").orders == 150 - len(failed) == idempotency_records(store.client)
    assert run(handler, [r for r in records if r["messageId"] in failed], store) == []  # redelivery
    assert store.read_day("2026-11-23").orders == 150


def test_crash_before_the_second_transaction_never_half_applies_and_redelivery_is_exact(handler, store):
    records = many_orders(150)
    flaky = Flaky(store, {2: handler.StoreError("InternalFailure: the Lambda died here")})

    failed = run(handler, records, flaky)

    day = store.read_day("2026-11-23")
    assert day.orders == sum(day.drinks.values()) == idempotency_records(store.client) == 150 - len(failed)
    # SQS redelivers the whole batch (as after a crash): each event still counts exactly once.
    assert run(handler, records, store) == []
    day = store.read_day("2026-11-23")
    assert day.orders == sum(day.drinks.values()) == idempotency_records(store.client) == 150
    assert day.drinks == {"Latte": 30, "Mocha": 30, "Espresso": 30, "Americano": 30, "Cappuccino": 30}


def test_recorded_duplicate_inside_a_new_transaction_is_dropped_via_cancellation_reasons(handler, store, capsys):
    assert run(handler, [record("m1", order("o1", "Latte"))], store) == []
    mixed = [record("m2", order("o1", "Latte")), record("m3", order("o2", "Latte")), record("m4", order("o3", "Mocha"))]
    assert run(handler, mixed, store) == []
    assert store.read_day("2026-11-23").drinks == {"Latte": 2, "Mocha": 1}
    assert any(line["message"] == "duplicate events dropped" and line["count"] == 1 for line in logs(capsys))


def test_non_retryable_reason_on_an_idempotency_put_fails_only_that_event(handler, store):
    # actions: Put o0 (Latte), Put o1 (Mocha), Update DRINK#Latte, Update DRINK#Mocha, Update TOTAL
    flaky = Flaky(store, {1: handler.TransactionCanceled(("ValidationError", "None", "None", "None", "None"))})
    sleep = NoSleep()
    assert run(handler, many_orders(2), flaky, sleep=sleep) == ["o0"]
    assert sleep.delays == [] and flaky.calls == 2
    assert store.read_day("2026-11-23").drinks == {"Mocha": 1}


def test_non_retryable_reason_on_a_counter_fails_the_events_that_touch_it(handler, store):
    flaky = Flaky(store, {1: handler.TransactionCanceled(("None", "None", "None", "ValidationError", "None"))})
    assert run(handler, many_orders(2), flaky) == ["o1"]
    assert store.read_day("2026-11-23").drinks == {"Latte": 1}


@pytest.mark.parametrize(
    "codes", [("ValidationError",), ("None",) * 5, ("None", "None", "ConditionalCheckFailed", "None", "None")]
)
def test_cancellation_without_usable_reasons_fails_the_whole_transaction_once(handler, store, codes):
    flaky = Flaky(store, {1: handler.TransactionCanceled(codes)})
    assert run(handler, many_orders(2), flaky) == ["o0", "o1"]
    assert flaky.calls == 1


def test_copies_of_a_failed_event_are_all_reported(handler, store):
    flaky = Flaky(store, {1: handler.StoreError("boom")})
    same = order("o1", "Latte")
    assert run(handler, [record("m1", same), record("m2", same)], flaky) == ["m1", "m2"]


# -- the Lambda entry point ---------------------------------------------------------------------


def test_lambda_handler_reads_the_table_from_the_environment(handler, aws):
    handler._store = None
    event = {"Records": [record("m1", order("o1", "Latte")), record("m2", "junk")]}
    assert handler.lambda_handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    handler._store = None


def test_handlers_never_import_pulumi():
    offenders = [
        str(p)
        for p in (REPO / "handlers").rglob("*.py")
        if any(line.strip().startswith(("import pulumi", "from pulumi")) for line in p.read_text().splitlines())
    ]
    assert offenders == []


# -- the repository's real contracts ------------------------------------------------------------


def real_contract_validators() -> tuple[dict, Any, list]:
    """The index and validators the bundle would carry for contracts/, without importing a second bundle."""
    from registry.bundle import metrics_contracts, metrics_reads, validator_sources
    from registry.loader import RegistryInvalid, load_registry

    try:
        loaded = load_registry(REPO / "contracts")
        contracts = metrics_contracts(loaded)
    except RegistryInvalid as exc:
        pytest.skip(f"contracts/ does not pass the gate yet:\n{exc}")
    modules: dict[str, dict] = {}
    for name, source in validator_sources(contracts, metrics_reads(loaded)).items():
        exec(source, modules.setdefault(name.removesuffix(".py"), {}))
    return modules["__init__"]["CONTRACTS"], (lambda module: modules[module]["validate"]), contracts


def test_every_example_of_the_real_counted_contracts_is_counted(handler, store):
    index, load, contracts = real_contract_validators()
    assert {c.detail_type for c in contracts} >= {WAITING, CANCELLED}
    records = [
        record(f"{c.key}-{v.number}-{i}", envelope(c.detail_type, example, event_id=f"{c.key}{i}"))
        for c in contracts
        for v in c.versions
        for i, example in enumerate(v.examples)
    ]

    result = handler.process(records, store, index, load=load, sleep=NoSleep())

    assert result == {"batchItemFailures": []}
    day = store.read_day("2026-11-23")
    assert day.orders == sum(day.drinks.values()) > 0


# -- X-Ray --------------------------------------------------------------------------------------

UPSTREAM = "Root=1-6759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
INVOCATION = "Root=1-6759e989-000000000000000000000abc;Parent=1111111111111111;Sampled=1"


def test_log_lines_carry_the_producers_trace_id_and_the_dedupe_key(handler, store, capsys, monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", INVOCATION)  # Lambda's own trace for the SQS-triggered invocation
    traced = {**record("m1", order("o1", "Latte")), "attributes": {"AWSTraceHeader": UPSTREAM}}
    untraced = record("m2", order("o2", "Mocha"))
    poison = {**record("m3", "not json"), "attributes": {"AWSTraceHeader": UPSTREAM}}
    assert run(handler, [traced, untraced, poison], store) == ["m3"]
    lines = logs(capsys)
    (counted,) = [line for line in lines if line["message"] == "events counted"]
    assert counted["traceIds"] == sorted(["1-6759e988-bd862e3fe1be46a994272793", "1-6759e989-000000000000000000000abc"])
    assert len(counted["dedupeKeys"]) == 2 and all(k.startswith("IDEMPOTENCY#") for k in counted["dedupeKeys"])
    (rejected,) = [line for line in lines if line["message"] == "event rejected"]
    assert rejected["traceId"] == "1-6759e988-bd862e3fe1be46a994272793" and rejected["messageId"] == "m3"


def test_a_duplicate_is_logged_with_its_dedupe_key(handler, store, capsys):
    assert run(handler, [record("m1", order("o1", "Latte"))], store) == []
    capsys.readouterr()
    again = {**record("m2", order("o1", "Latte")), "attributes": {"AWSTraceHeader": UPSTREAM}}
    assert run(handler, [again], store) == []
    (dropped,) = [line for line in logs(capsys) if line["message"] == "duplicate events dropped"]
    assert dropped["traceIds"] == ["1-6759e988-bd862e3fe1be46a994272793"] and dropped["messageIds"] == ["m2"]
    assert idempotency_records(store.client) == 1 and dropped["dedupeKeys"][0].startswith("IDEMPOTENCY#")
