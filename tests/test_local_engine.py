"""The delivery engine on moto, driven by the real contracts, producer, matcher and metrics bundle.

The topology comes from the hand-written plan in tests/fixtures/local_plan.json
(same format as `plan --json`), so these tests pin the engine's semantics
independently of how the Pulumi program names things. All scenarios run in
one `run_scenarios` call (one endpoint, one bundle build), each on its own
embedded AWS.
"""

from __future__ import annotations

import copy
import json
import types
from pathlib import Path

import pytest

from registry.loader import load_registry
from registry.local.run import run_scenarios
from registry.local.scenario import examples_scenario, parse_scenario
from registry.local.summary import mismatches, render_text, to_json

ROOT = Path(__file__).resolve().parent.parent
PLAN = json.loads((Path(__file__).parent / "fixtures" / "local_plan.json").read_text())
DAY = "2026-11-23"


@pytest.fixture(scope="module")
def registry():
    return load_registry(ROOT / "contracts")


def _example(registry, key, version=1, index=0):
    return copy.deepcopy(registry.events[key].version(version).examples[index])


def _checkout(registry, amount):
    detail = _example(registry, "checkout/CheckoutPlaced")
    detail["data"]["amount"] = amount
    detail["metadata"].pop("idempotency-key", None)
    return detail


def _coffee(registry, key, order_id, drink):
    detail = _example(registry, key)
    detail["orderId"] = order_id
    if isinstance(detail.get("drinkOrder"), str):
        order = json.loads(detail["drinkOrder"])
        order["drink"] = drink
        detail["drinkOrder"] = json.dumps(order)
    else:
        detail["drinkOrder"]["drink"] = drink
    return detail


@pytest.fixture(scope="module")
def scenarios(registry):
    t = f"{DAY}T09:00:00Z"
    specs = {
        "coffee": {
            "events": [
                {
                    "label": "latte-1",
                    "event": "coffeeshop/WaitingCompletion",
                    "time": t,
                    "detail": _coffee(registry, "coffeeshop/WaitingCompletion", "o-1", "Latte"),
                    "repeat": 2,
                    "redeliver": 1,
                },
                {
                    "label": "latte-2",
                    "event": "coffeeshop/WaitingCompletion",
                    "time": t,
                    "detail": _coffee(registry, "coffeeshop/WaitingCompletion", "o-2", "Latte"),
                },
                {
                    "label": "mocha",
                    "event": "coffeeshop/WaitingCompletion",
                    "time": t,
                    "detail": _coffee(registry, "coffeeshop/WaitingCompletion", "o-3", "Mocha"),
                },
                {
                    "label": "cancel",
                    "event": "coffeeshop/OrderCancelled",
                    "time": t,
                    "repeat": 2,
                    "detail": {**_example(registry, "coffeeshop/OrderCancelled"), "orderId": "o-3"},
                },
            ],
            "expect": {"deliveries": {"metrics-queue": 8}, "dlq": {"metrics-dlq": 0, "metrics-queue": 0}},
        },
        "checkout": {
            "events": [
                {"label": "small", "event": "checkout/CheckoutPlaced", "detail": _checkout(registry, 99.99)},
                {"label": "big", "event": "checkout/CheckoutPlaced", "detail": _checkout(registry, 100)},
            ],
            "expect": {
                "deliveries": {
                    "checkout-backup": ["small", "big"],
                    "checkout-replay": ["small", "big"],
                    "checkout-analytics": ["big"],
                }
            },
        },
        "api-500": {
            "api": {"delivery-dest": {"status": 500}},
            "events": [{"label": "started", "event": "delivery/DeliveryStarted", "example": "v1#0"}],
            "expect": {
                "api_calls": {"delivery-dest": {"calls": 11, "statuses": [500] * 11}},
                "dlq": {"delivery-dlq": 1},
                "deliveries": {"delivery-dlq": ["started"]},
            },
        },
        "api-flaky": {
            "api": {"delivery-dest": {"status": [503, 429, 202]}},
            "events": [{"label": "started", "event": "delivery/DeliveryStarted", "example": "v1#0"}],
            "expect": {"api_calls": {"delivery-dest": {"statuses": [503, 429, 202]}}, "dlq": {"delivery-dlq": 0}},
        },
        "api-400": {
            "api": {"delivery-dest": {"status": 400}},
            "events": [{"label": "started", "event": "delivery/DeliveryStarted", "example": "v1#0"}],
            "expect": {"api_calls": {"delivery-dest": 1}, "dlq": {"delivery-dlq": 1}},
        },
        "poison": {
            "events": [
                {
                    "label": "good",
                    "event": "coffeeshop/WaitingCompletion",
                    "time": t,
                    "detail": _coffee(registry, "coffeeshop/WaitingCompletion", "o-9", "Latte"),
                },
                {"label": "bad", "event": "coffeeshop/WaitingCompletion", "time": t, "detail": {"no": "orderId"}},
            ],
            "expect": {
                "dlq": {"metrics-dlq": 1, "metrics-queue": 0},
                "metrics": {DAY: {"orders": 1, "drinks": {"Latte": 1}}},
            },
        },
        "fifo-dedupe": {
            "events": [{"label": "twice", "event": "aws/S3ObjectCreated", "example": "v1#0", "redeliver": 1}],
            "expect": {"deliveries": {"ingest": ["twice", "twice"]}, "dlq": {"ingest": 1}},
        },
        "s3": {
            "events": [
                {"label": f"s3-{i}", "event": "aws/S3ObjectCreated", "example": f"v1#{i}"}
                for i in range(len(registry.events["aws/S3ObjectCreated"].version(1).examples))
            ],
        },
    }
    parsed = [parse_scenario({"name": name, **spec}, f"{name}.json", registry) for name, spec in specs.items()]
    parsed.append(examples_scenario(registry))
    return parsed


@pytest.fixture(scope="module")
def result(registry, scenarios):
    resources = [types.SimpleNamespace(**r) for r in PLAN["resources"]]
    return run_scenarios("dev", resources, registry, scenarios)


def _run(result, name):
    return next(r for r in result.runs if r.scenario.name == name)


def test_coffee_drinks_are_counted_exactly_once_despite_retries_and_redelivery(result):
    run = _run(result, "coffee")
    assert mismatches(run) == []
    assert run.metrics == {DAY: {"orders": 3, "completed": 0, "cancelled": 1, "drinks": {"Latte": 2, "Mocha": 1}}}
    assert all(i.failed == 0 for i in run.engine.invocations)


def test_partial_batch_failure_sends_only_the_poison_message_to_the_dlq(result):
    run = _run(result, "poison")
    assert mismatches(run) == []
    assert [(i.records, i.failed) for i in run.engine.invocations] == [(2, 1), (1, 1), (1, 1)]


def test_checkout_threshold_routes_by_the_sns_filter_policy(result):
    run = _run(result, "checkout")
    assert mismatches(run) == []
    small = next(t for t in run.engine.traces if t.label == "small")
    rejected = [s.name for s in small.steps if s.kind == "filter" and not s.ok]
    assert rejected == ["checkout-analytics-sub"]


def test_api_destination_answering_500_is_retried_then_dead_lettered(result):
    run = _run(result, "api-500")
    assert mismatches(run) == []
    (trace,) = run.engine.traces
    assert trace.steps[-1].kind == "dlq" and trace.steps[-1].why == "MaximumRetryAttemptsExhausted"


def test_retryable_statuses_are_retried_until_success(result):
    assert mismatches(_run(result, "api-flaky")) == []


def test_client_error_is_not_retried(result):
    assert mismatches(_run(result, "api-400")) == []


def test_api_calls_carry_the_connection_auth_header(result):
    run = _run(result, "api-flaky")
    assert all(a.status != 401 for a in run.engine.api_attempts)


def test_s3_objects_outside_source_prefix_are_not_delivered(registry, result):
    run = _run(result, "s3")
    examples = registry.events["aws/S3ObjectCreated"].version(1).examples
    inside = {
        f"s3-{i}"
        for i, e in enumerate(examples)
        if e["bucket"]["name"] == "eventplane-ingest" and e["object"]["key"].startswith("source/")
    }
    assert inside and len(inside) < len(examples)
    assert sorted(run.engine.delivered.get("ingest", [])) == sorted(inside)
    assert run.depths["ingest"] == (len(inside), 0)


def test_fifo_queue_drops_a_redelivered_event_within_its_deduplication_window(result):
    assert mismatches(_run(result, "fifo-dedupe")) == []


def test_notification_queue_receives_only_its_three_events(result):
    run = _run(result, "contract examples")
    got = {label.split(" ")[0] for label in run.engine.delivered["notifications"]}
    assert got == {"inventory/ItemNotAvailable", "payments/PaymentMade", "payments/PaymentFailed"}


def test_mismatches_are_reported_not_hidden(registry, result):
    run = _run(result, "checkout")
    wrong = parse_scenario(
        {
            "name": "checkout",
            "events": [{"event": "checkout/CheckoutPlaced", "example": "v1#0"}],
            "expect": {"deliveries": {"checkout-analytics": 5, "nope": 1}},
        },
        "w.json",
        registry,
    )
    run.scenario, saved = wrong, run.scenario
    try:
        problems = mismatches(run)
    finally:
        run.scenario = saved
    assert problems[0].startswith("deliveries to checkout-analytics: expected 5, got 1")
    assert problems[1].startswith("deliveries: no queue 'nope' in the stack")


def test_text_and_json_summaries_tell_the_same_story_without_secrets(result):
    text = render_text(result)
    data = to_json(result)
    assert data["ok"] is True and len(data["scenarios"]) == len(result.runs)
    policies = {s["name"]: s["filter_policy"] for s in data["topology"]["subscriptions"]}
    assert policies["checkout-analytics-sub"] == '{"detail":{"data":{"amount":[{"numeric":[">=",100]}]}}}'
    assert policies["checkout-backup-sub"] is None
    assert "checkout-analytics-sub" in text and "Latte 2, Mocha 1" in text
    assert "1 event(s), 11 call(s) (10 retries): 500 x11; 1 failed" in text
    dumped = json.dumps(data)
    for run in result.runs:
        for creds in run.engine.credentials.values():
            assert creds.api_key not in text and creds.api_key not in dumped


@pytest.mark.parametrize(
    "auth_type, auth",
    [
        ("BASIC", {"basic": {"username": "ops", "password": "[secret]"}}),
        (
            "OAUTH_CLIENT_CREDENTIALS",
            {
                "oauth": {
                    "authorizationEndpoint": "https://auth.example.com/token",
                    "httpMethod": "POST",
                    "clientParameters": {"clientId": "ep"},
                }
            },
        ),
    ],
)
def test_basic_and_oauth_connections_authenticate_against_the_local_endpoint(registry, auth_type, auth):
    plan = copy.deepcopy(PLAN)
    conn = next(r for r in plan["resources"] if r["name"] == "delivery-conn")
    conn["inputs"].update(authorizationType=auth_type, authParameters=auth)
    scenario = parse_scenario(
        {
            "events": [{"event": "delivery/DeliveryStarted", "example": "v1#0"}],
            "expect": {"api_calls": {"delivery-dest": {"statuses": [200]}}},
        },
        "auth.json",
        registry,
    )
    result = run_scenarios("dev", [types.SimpleNamespace(**r) for r in plan["resources"]], registry, [scenario])
    (run,) = result.runs
    assert mismatches(run) == []
    assert run.engine.credentials["delivery-dest"].auth_type == auth_type


def test_a_handler_that_cannot_run_fails_every_batch_until_the_dlq(registry):
    plan = copy.deepcopy(PLAN)
    fn = next(r for r in plan["resources"] if r["name"] == "metrics-fn")
    fn["inputs"]["handler"] = "nowhere.handler"
    scenario = parse_scenario(
        {
            "events": [{"event": "coffeeshop/WaitingCompletion", "example": "v1#0"}],
            "expect": {"dlq": {"metrics-dlq": 1, "metrics-queue": 0}},
        },
        "broken.json",
        registry,
    )
    (run,) = run_scenarios("dev", [types.SimpleNamespace(**r) for r in plan["resources"]], registry, [scenario]).runs
    assert mismatches(run) == []
    assert [(i.records, i.failed) for i in run.engine.invocations] == [(1, 1)] * 3  # maxReceiveCount 3
    assert run.metrics == {}


def test_api_calls_carry_the_input_transformed_payload(registry, result):
    run = _run(result, "api-flaky")
    (trace,) = run.engine.traces
    order_id = registry.events["delivery/DeliveryStarted"].version(1).examples[0]["data"]["orderId"]
    bodies = [json.loads(c.body) for c in run.engine.endpoint.calls if c.destination == "delivery-dest"]
    assert {"orderId": order_id, "eventId": trace.event_id} in bodies
    assert all(set(b) == {"orderId", "eventId"} for b in bodies)


def test_routing_follows_aws_where_moto_would_not_deliver(registry):
    """An array of objects matches field by field on AWS (event-ruler); moto's matcher misses it."""
    from moto.events.models import EventPattern as MotoEventPattern

    pattern = {"source": ["aws.s3"], "detail": {"a": {"b": ["1"], "c": ["2"]}}}
    plan = copy.deepcopy(PLAN)
    rule = next(r for r in plan["resources"] if r["name"] == "ingest-rule")
    rule["inputs"]["eventPattern"] = json.dumps(pattern)
    detail = {"a": [{"b": "1", "c": "2"}]}
    scenario = parse_scenario(
        {
            "events": [{"label": "array", "event": "aws/S3ObjectCreated", "detail": detail}],
            "expect": {"deliveries": {"ingest": ["array"]}},
        },
        "array.json",
        registry,
    )
    (run,) = run_scenarios("dev", [types.SimpleNamespace(**r) for r in plan["resources"]], registry, [scenario]).runs
    assert mismatches(run) == []
    envelope = {"source": "aws.s3", "detail-type": "Object Created", "detail": detail}
    assert MotoEventPattern(json.dumps(pattern), pattern).matches_event(envelope) is False


def test_an_external_event_is_seen_only_on_its_producers_bus(registry, result):
    """The metrics rule sits on Serverlesspresso: the same event put on our bus reaches nothing."""
    import dataclasses

    assert result.topology.foreign_buses == ("Serverlesspresso",)  # stood up on moto, never declared
    key = "coffeeshop/WaitingCompletion"
    on_ours = dataclasses.replace(
        registry, events={**registry.events, key: dataclasses.replace(registry.events[key], bus="")}
    )
    spec = {
        "events": [
            {
                "label": "latte",
                "event": key,
                "time": f"{DAY}T09:00:00Z",
                "detail": _coffee(registry, key, "o-bus", "Latte"),
            }
        ]
    }
    runs = run_scenarios(
        "dev",
        [types.SimpleNamespace(**r) for r in PLAN["resources"]],
        on_ours,
        [parse_scenario({"name": "ours", **spec}, "ours.json", registry)],
    ).runs
    (trace,) = runs[0].engine.traces
    assert [(s.kind, s.ok) for s in trace.steps] == [("rule", False)]
    assert runs[0].engine.delivered == {} and runs[0].metrics == {}
    theirs = _run(result, "coffee")  # the same kind of event, put on Serverlesspresso as the shop does
    assert "latte-2" in theirs.engine.delivered["metrics-queue"]
    (trace,) = [t for t in theirs.engine.traces if t.label == "latte-2"]
    assert next((s.kind, s.name, s.ok) for s in trace.steps) == ("rule", "metrics-rule", True)


def test_a_run_leaves_no_module_of_its_deleted_bundle_behind(result):
    import sys

    stale = [
        name
        for name, module in list(sys.modules.items())
        if (name == "metrics" or name.startswith("metrics."))
        and "eventplane-local-" in str(getattr(module, "__file__", ""))
    ]
    assert stale == []


def test_a_queue_policy_naming_the_rule_on_our_bus_dead_letters_the_event(registry):
    """A rule on Serverlesspresso has a bus-qualified ARN: a policy written for our bus would lock it out."""
    plan = copy.deepcopy(PLAN)
    wrong = "arn:aws:events:us-east-1:123456789012:rule/ep-dev-bus/metrics-rule"
    plan["resources"].append(
        {
            "urn": "urn:pulumi:dev::eventplane::aws:sqs/queuePolicy:QueuePolicy::metrics-queue-policy",
            "type": "aws:sqs/queuePolicy:QueuePolicy",
            "name": "metrics-queue-policy",
            "parent": None,
            "inputs": {
                "queueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/metrics-queue",
                "policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": "arn:aws:sqs:us-east-1:123456789012:metrics-queue",
                                "Condition": {"ArnEquals": {"aws:SourceArn": wrong}},
                            }
                        ],
                    }
                ),
            },
        }
    )
    scenario = parse_scenario(
        {"events": [{"label": "latte", "event": "coffeeshop/WaitingCompletion", "example": "v1#0"}]},
        "locked.json",
        registry,
    )
    (run,) = run_scenarios("dev", [types.SimpleNamespace(**r) for r in plan["resources"]], registry, [scenario]).runs
    (trace,) = run.engine.traces
    assert [(s.kind, s.ok) for s in trace.steps] == [("rule", True), ("queue", False), ("dlq", False)]
    assert "rule/Serverlesspresso/metrics-rule" in trace.steps[1].why
    assert run.engine.delivered == {"metrics-target-dlq": ["latte"]} and run.metrics == {}


def test_the_trace_header_follows_the_event_through_sns_into_a_subscription_dlq(registry):
    """A fork queue whose policy names another topic: SNS redrives to the subscription's DLQ, header kept."""
    plan = copy.deepcopy(PLAN)
    plan["resources"].append(
        {
            "urn": "urn:pulumi:dev::eventplane::aws:sqs/queuePolicy:QueuePolicy::checkout-backup-policy",
            "type": "aws:sqs/queuePolicy:QueuePolicy",
            "name": "checkout-backup-policy",
            "parent": None,
            "inputs": {
                "queueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/checkout-backup",
                "policy": json.dumps(
                    {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "sns.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": "arn:aws:sqs:us-east-1:123456789012:checkout-backup",
                                "Condition": {
                                    "ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:other"}
                                },
                            }
                        ]
                    }
                ),
            },
        }
    )
    scenario = parse_scenario(
        {"events": [{"label": "big", "event": "checkout/CheckoutPlaced", "detail": _checkout(registry, 250)}]},
        "traced.json",
        registry,
    )
    (run,) = run_scenarios("dev", [types.SimpleNamespace(**r) for r in plan["resources"]], registry, [scenario]).runs
    (trace,) = run.engine.traces
    assert trace.trace_header.startswith("Root=1-")
    assert run.engine.delivered["checkout-backup-dlq"] == ["big"]
    assert run.engine.traced["checkout-backup-dlq"] == 1  # SNS passed the producer's header to the DLQ too
    assert run.engine.traced["checkout-analytics"] == len(run.engine.delivered["checkout-analytics"]) == 1
