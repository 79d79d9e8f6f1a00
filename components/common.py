"""Building blocks the components share: names, queues with DLQs, rules, targets, policies.

Helpers take the owning component as `parent`, so every resource they declare
sits under a component's URN. Every policy document is built here, scoped to
one principal and one `aws:SourceArn`, so the tests check one shape.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

import pulumi
import pulumi_aws as aws

from registry.model import Retry

__all__ = [
    "DLQ_RETENTION_SECONDS",
    "physical_name",
    "QueueSpec",
    "QueuePair",
    "policy_json",
    "queue_pair",
    "allow_service_send",
    "dlq_alarm",
    "event_rule",
    "target_dlq",
    "event_target",
    "RouteContext",
]

DLQ_RETENTION_SECONDS = 1209600  # 14 days, SQS's maximum: time to inspect and redrive


def physical_name(prefix: str, *parts: str, limit: int = 64, suffix: str = "") -> str:
    """A deterministic AWS name within `limit`; long names keep a hash so they stay unique."""
    name = "-".join([prefix, *parts]).replace(".", "-").replace("/", "-")
    budget = limit - len(suffix)
    if len(name) > budget:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = name[: budget - 9].rstrip("-") + "-" + digest
    return name + suffix


def policy_json(statements: list[dict[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document; statements may hold Outputs (ARNs)."""
    return pulumi.Output.from_input({"Version": "2012-10-17", "Statement": statements}).apply(
        lambda doc: json.dumps(doc, separators=(",", ":"), sort_keys=True)
    )


@dataclass(frozen=True)
class QueueSpec:
    physical: str  # without .fifo
    fifo: bool = False
    content_based_deduplication: bool = False
    visibility_timeout_seconds: int = 30
    retention_seconds: int = 345600
    max_receive_count: int = 5
    alarm_threshold_seconds: int = 300


@dataclass
class QueuePair:
    queue: aws.sqs.Queue
    dlq: aws.sqs.Queue
    alarm: aws.cloudwatch.MetricAlarm


def queue_pair(parent: pulumi.Resource, name: str, spec: QueueSpec) -> QueuePair:
    """A queue, its DLQ (redrive after `max_receive_count`), SSE on both, an alarm on the DLQ's oldest message."""
    opts = pulumi.ResourceOptions(parent=parent)
    suffix = ".fifo" if spec.fifo else ""
    fifo = {"fifo_queue": True} if spec.fifo else {}
    dlq = aws.sqs.Queue(
        f"{name}-dlq",
        name=physical_name(spec.physical, "dlq", limit=80, suffix=suffix),
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,
        **fifo,
        opts=opts,
    )
    queue = aws.sqs.Queue(
        f"{name}-queue",
        name=physical_name(spec.physical, limit=80, suffix=suffix),
        visibility_timeout_seconds=spec.visibility_timeout_seconds,
        message_retention_seconds=spec.retention_seconds,
        sqs_managed_sse_enabled=True,
        redrive_policy=dlq.arn.apply(
            lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": spec.max_receive_count})
        ),
        **fifo,
        **({"content_based_deduplication": spec.content_based_deduplication} if spec.fifo else {}),
        opts=opts,
    )
    alarm = dlq_alarm(parent, f"{name}-dlq", dlq, spec.alarm_threshold_seconds)
    return QueuePair(queue=queue, dlq=dlq, alarm=alarm)


def allow_service_send(
    parent: pulumi.Resource, name: str, queue: aws.sqs.Queue, service: str, source_arn: pulumi.Input[str]
) -> aws.sqs.QueuePolicy:
    """Only `service` may send, and only on behalf of `source_arn` (a rule or a topic)."""
    return aws.sqs.QueuePolicy(
        f"{name}-policy",
        queue_url=queue.url,
        policy=policy_json([
            {
                "Sid": "AllowOnlyItsSource",
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sqs:SendMessage",
                "Resource": queue.arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
            }
        ]),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def dlq_alarm(parent: pulumi.Resource, name: str, dlq: aws.sqs.Queue, threshold_seconds: int) -> aws.cloudwatch.MetricAlarm:
    """Fires when a message has waited in the DLQ longer than the stack's threshold."""
    return aws.cloudwatch.MetricAlarm(
        f"{name}-alarm",
        namespace="AWS/SQS",
        metric_name="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": dlq.name},
        statistic="Maximum",
        period=60,
        evaluation_periods=1,
        threshold=threshold_seconds,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        alarm_description=dlq.name.apply(lambda n: f"Messages are waiting in the dead-letter queue {n}"),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def event_rule(
    parent: pulumi.Resource, name: str, *, bus_name: pulumi.Input[str], physical: str, pattern: str, description: str
) -> aws.cloudwatch.EventRule:
    return aws.cloudwatch.EventRule(
        f"{name}-rule",
        name=physical_name(physical, limit=64),
        event_bus_name=bus_name,
        event_pattern=pattern,
        description=description[:512],
        opts=pulumi.ResourceOptions(parent=parent),
    )


def target_dlq(
    parent: pulumi.Resource, name: str, *, physical: str, rule: aws.cloudwatch.EventRule, alarm_threshold_seconds: int
) -> aws.sqs.Queue:
    """The rule target's dead-letter queue: EventBridge parks events here after its retries (standard queue)."""
    dlq = aws.sqs.Queue(
        f"{name}-target-dlq",
        name=physical_name(physical, "tdlq", limit=80),
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    allow_service_send(parent, f"{name}-target-dlq", dlq, "events.amazonaws.com", rule.arn)
    dlq_alarm(parent, f"{name}-target-dlq", dlq, alarm_threshold_seconds)
    return dlq


def event_target(
    parent: pulumi.Resource,
    name: str,
    *,
    rule: aws.cloudwatch.EventRule,
    bus_name: pulumi.Input[str],
    arn: pulumi.Input[str],
    retry: Retry,
    dlq: aws.sqs.Queue,
    extra: Mapping[str, Any] | None = None,
    depends_on: list[pulumi.Resource] | None = None,
) -> aws.cloudwatch.EventTarget:
    """A rule target that retries as the subscription asks, then dead-letters."""
    return aws.cloudwatch.EventTarget(
        f"{name}-target",
        rule=rule.name,
        event_bus_name=bus_name,
        arn=arn,
        retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
            maximum_event_age_in_seconds=retry.maximum_event_age_seconds,
            maximum_retry_attempts=retry.maximum_retry_attempts,
        ),
        dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=dlq.arn),
        **dict(extra or {}),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on or []),
    )


@dataclass(frozen=True)
class RouteContext:
    """What every subscription's rule needs from the stack: names, the bus, the alarm threshold."""

    prefix: str
    bus_name: pulumi.Input[str]
    alarm_threshold_seconds: int

    def physical(self, sub_id: str) -> str:
        return physical_name(self.prefix, sub_id, limit=200)
