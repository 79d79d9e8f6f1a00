"""`queue` delivery: a rule -> an SQS queue (FIFO where asked) with its DLQ, alarm and scoped policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import QueueSpec, RouteContext, allow_service_send, queue_pair, rule_target, subscription_rule
from registry.model import EventContract, Subscription

__all__ = ["QueueDelivery", "QueueDeliveryArgs", "queue_spec"]


@dataclass(frozen=True)
class QueueDeliveryArgs:
    route: RouteContext
    subscription: Subscription
    contract: EventContract


def queue_spec(physical: str, options: Mapping[str, Any], alarm_threshold_seconds: int) -> QueueSpec:
    fifo = bool(options.get("fifo", False))
    return QueueSpec(
        physical=physical,
        fifo=fifo,
        content_based_deduplication=bool(options.get("content_based_deduplication", fifo)),
        visibility_timeout_seconds=int(options.get("visibility_timeout_seconds", 30)),
        retention_seconds=int(options.get("retention_seconds", 345600)),
        max_receive_count=int(options.get("max_receive_count", 5)),
        alarm_threshold_seconds=alarm_threshold_seconds,
    )


class QueueDelivery(pulumi.ComponentResource):
    """The queue accepts messages only from its own rule (aws:SourceArn), so another rule cannot inject events."""

    def __init__(self, name: str, args: QueueDeliveryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}QueueDelivery", name, None, opts)
        sub, route = args.subscription, args.route
        bus_rule = subscription_rule(self, name, route, sub, args.contract, to="queue")
        self.rule = bus_rule.rule
        spec = queue_spec(bus_rule.physical, dict(sub.delivery.options), route.alarm_threshold_seconds)
        pair = queue_pair(self, name, spec)
        self.queue, self.dlq = pair.queue, pair.dlq
        policy = allow_service_send(self, f"{name}-queue", self.queue, "events.amazonaws.com", self.rule.arn)
        extra = {}
        if spec.fifo:
            extra["sqs_target"] = aws.cloudwatch.EventTargetSqsTargetArgs(
                message_group_id=str(sub.delivery.options["message_group_id"])
            )
        routed = rule_target(
            self,
            name,
            bus_rule,
            arn=self.queue.arn,
            retry=sub.delivery.retry,
            alarm_threshold_seconds=route.alarm_threshold_seconds,
            extra=extra,
            depends_on=[policy],
        )
        self.target, self.target_dlq = routed.target, routed.dlq
        self.register_outputs(
            {"queueUrl": self.queue.url, "queueArn": self.queue.arn, "dlqUrl": self.dlq.url, "ruleArn": self.rule.arn}
        )
