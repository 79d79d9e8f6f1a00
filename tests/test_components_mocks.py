"""Components on their own under `@pulumi.runtime.test`: outputs and children read through `Output.apply`.

The mocks are installed per test (plans in other modules reset the runtime),
before any component is constructed.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.common import RouteContext
from components.queue_delivery import QueueDelivery, QueueDeliveryArgs
from registry.model import Delivery, EventContract, Retry, SchemaVersion, Subscription
from registry.patterns import rule_pattern, to_aws_json


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.created: dict[str, tuple[str, dict[str, Any]]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        name = args.inputs.get("name", args.name)
        outputs = {
            **args.inputs,
            "arn": f"arn:aws:mock:us-east-1:123456789012:{name}",
            "url": f"https://sqs.us-east-1.amazonaws.com/123456789012/{name}",
        }
        self.created[args.name] = (args.typ, args.inputs)
        return f"{name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


@pytest.fixture
def mocks() -> Mocks:
    from pulumi.runtime.settings import set_root_resource

    installed = Mocks()
    set_root_resource(None)  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(installed, project="eventplane", stack="unit", preview=False)
    return installed


CONTRACT = EventContract(
    key="orders/OrderCreated",
    domain="orders",
    name="OrderCreated",
    source="com.example.orders",
    detail_type="OrderCreated",
    owner="orders-team",
    service="order-service",
    action="placed",
    description="",
    compatibility="FORWARD_TRANSITIVE",
    external=False,
    dedupe_key=("id",),
    directory="",
    versions=(SchemaVersion(1, "v1.json", {"type": "object"}, "f" * 64),),
)


def subscription(**options: Any) -> Subscription:
    return Subscription(
        team="shipping",
        name="big",
        file="s.json",
        pointer="/subscriptions/0",
        event=CONTRACT.key,
        versions=(1,),
        filter={"total": [{"numeric": [">=", 100]}]},
        delivery=Delivery("queue", Retry(600, 3), options),
    )


def build(sub: Subscription) -> QueueDelivery:
    return QueueDelivery(
        "queue-shipping-big", QueueDeliveryArgs(RouteContext("ep-unit", "ep-unit-bus", 120), sub, CONTRACT)
    )


@pulumi.runtime.test
def test_queue_delivery_pattern_policy_and_retry(mocks: Mocks) -> Any:
    delivery = build(subscription())

    def check(values: list[Any]) -> None:
        pattern, policy, rule_arn, queue_arn, retry, dead_letter, sqs_target, threshold = values
        assert pattern == to_aws_json(rule_pattern(subscription(), CONTRACT))
        assert '">="' in pattern
        statement, deny = json.loads(policy)["Statement"]
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn}}
        assert statement["Resource"] == queue_arn
        assert (deny["Effect"], deny["Principal"], deny["Resource"]) == ("Deny", "*", queue_arn)
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert (retry["maximum_event_age_in_seconds"], retry["maximum_retry_attempts"]) == (600, 3)
        assert dead_letter["arn"].endswith("ep-unit-shipping-big-tdlq")
        assert sqs_target is None
        assert threshold == 120

    policy = _child(delivery, "queue-shipping-big-queue-policy")
    alarm = _child(delivery, "queue-shipping-big-dlq-alarm")
    target = delivery.target
    return pulumi.Output.all(
        delivery.rule.event_pattern,
        policy.policy,
        delivery.rule.arn,
        delivery.queue.arn,
        target.retry_policy,
        target.dead_letter_config,
        target.sqs_target,
        alarm.threshold,
    ).apply(check)


@pulumi.runtime.test
def test_fifo_queue_delivery_sets_group_and_dedup(mocks: Mocks) -> Any:
    delivery = build(subscription(fifo=True, message_group_id="order"))

    def check(values: list[Any]) -> None:
        name, fifo, dedup, redrive, sqs_target = values
        assert name == "ep-unit-shipping-big.fifo" and fifo is True and dedup is True
        assert json.loads(redrive) == {
            "deadLetterTargetArn": "arn:aws:mock:us-east-1:123456789012:ep-unit-shipping-big-dlq.fifo",
            "maxReceiveCount": 5,
        }
        assert sqs_target["message_group_id"] == "order"

    queue = delivery.queue
    return pulumi.Output.all(
        queue.name,
        queue.fifo_queue,
        queue.content_based_deduplication,
        queue.redrive_policy,
        delivery.target.sqs_target,
    ).apply(check)


def _child(component: pulumi.ComponentResource, name: str) -> Any:
    """A child by logical name (the SDK keeps no public child list)."""
    return next(r for r in component._childResources if r._name == name)
