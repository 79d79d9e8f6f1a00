"""Building blocks the components share: names, queues with DLQs, rules, targets, policies.

Helpers take the owning component as `parent`, so every resource they declare
sits under a component's URN. Every queue and topic policy is built here
(`service_only_statements`): one service principal, one `aws:SourceArn`, and a
deny of any request not made over TLS, so the tests check one shape.
A subscription's rule is created on the bus its contract's producer publishes
to (`RouteContext.bus_for`): ours, or theirs for external events, where we add
only a rule and its target.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from registry.model import EventContract, Retry, Subscription
from registry.patterns import rule_pattern, to_aws_json

__all__ = [
    "DLQ_RETENTION_SECONDS",
    "KEY_ADMIN_ACTIONS",
    "SQS_CONSUMER_ACTIONS",
    "XRAY_ACTIONS",
    "BundledCode",
    "BusRule",
    "QueueConsumer",
    "QueuePair",
    "QueueSpec",
    "RouteContext",
    "RuleTarget",
    "allow_rule_publish",
    "allow_service_send",
    "dlq_alarm",
    "event_rule",
    "events_role",
    "physical_name",
    "policy_json",
    "queue_consumer",
    "queue_mapping",
    "queue_pair",
    "rule_target",
    "rule_to_queue",
    "service_key",
    "service_only_statements",
    "subscription_rule",
    "xray_statement",
]

# Key administration without a bare `kms:*`: the account keeps control of the key.
KEY_ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:GenerateDataKey*",
]
XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]  # what a traced Lambda function sends
DLQ_RETENTION_SECONDS = 1209600  # 14 days, SQS's maximum: time to inspect and redrive


def physical_name(prefix: str, *parts: str, limit: int = 64, suffix: str = "") -> str:
    """A deterministic AWS name within `limit`; long names keep a hash so they stay unique."""
    name = "-".join([prefix, *parts]).replace(".", "-").replace("/", "-")
    budget = limit - len(suffix)
    if len(name) > budget:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = name[: budget - 9].rstrip("-") + "-" + digest
    return name + suffix


def service_key(
    parent: pulumi.Resource, name: str, description: str, account_id: pulumi.Input[str], service: dict[str, Any]
) -> aws.kms.Key:
    """A rotating customer-managed key: the account administers it (without a bare `kms:*`), and the one
    `service` statement says which AWS service may use it for what."""
    admin = {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account_id, ":root")},
        "Action": KEY_ADMIN_ACTIONS,
        "Resource": "*",
    }
    return aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        policy=policy_json([admin, service]),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def policy_json(statements: list[dict[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document; statements may hold Outputs (ARNs)."""
    return pulumi.Output.from_input({"Version": "2012-10-17", "Statement": statements}).apply(
        lambda doc: json.dumps(doc, separators=(",", ":"), sort_keys=True)
    )


def xray_statement() -> dict[str, Any]:
    """What a Lambda function with active tracing needs in its role.

    The one documented exception to "no Resource *": X-Ray's PutTraceSegments and PutTelemetryRecords
    support no resource-level permissions (AWS's managed AWSXRayDaemonWriteAccess grants them on "*" too).
    The actions stay exact, and the plan audit allows "*" for exactly these two."""
    return {"Sid": "SendTraces", "Effect": "Allow", "Action": list(XRAY_ACTIONS), "Resource": "*"}


def events_role(parent: pulumi.Resource, name: str, role_name: str, account_id: pulumi.Input[str]) -> aws.iam.Role:
    """A role only EventBridge may assume, and only for `account_id`'s rules: a rule target's `role_arn`."""
    return aws.iam.Role(
        name,
        name=role_name,
        assume_role_policy=policy_json(
            [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ]
        ),
        opts=pulumi.ResourceOptions(parent=parent),
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
    redrive_allow: aws.sqs.RedriveAllowPolicy


@dataclass(frozen=True)
class BusRule:
    """A rule and the bus it is on: its targets must name the same bus."""

    rule: aws.cloudwatch.EventRule
    bus_name: pulumi.Input[str]
    physical: str


@dataclass(frozen=True)
class RuleTarget:
    target: aws.cloudwatch.EventTarget
    dlq: aws.sqs.Queue  # where EventBridge parks what it could not deliver


@dataclass(frozen=True)
class RouteContext:
    """What every subscription's rule needs from the stack: names, our bus, the alarm threshold."""

    prefix: str
    bus_name: pulumi.Input[str]
    alarm_threshold_seconds: int
    replica_region: str = ""  # set in a global endpoint's secondary-region copy of the stack

    def physical(self, sub_id: str) -> str:
        return physical_name(self.prefix, sub_id, limit=200)

    def global_name(self, *parts: str, limit: int = 64) -> str:
        """A name in an account-wide namespace (IAM roles): a secondary-region copy adds its region."""
        return physical_name(*parts, *([self.replica_region] if self.replica_region else []), limit=limit)

    def bus_for(self, contract: EventContract) -> pulumi.Input[str]:
        """Where the contract's events are put: the producer's own bus when it names one, else ours.

        A rule only sees its own bus, and external producers never put on ours."""
        return contract.bus or self.bus_name


def queue_pair(parent: pulumi.Resource, name: str, spec: QueueSpec) -> QueuePair:
    """A queue, its DLQ (redrive after `max_receive_count`), SSE on both, an alarm on the DLQ's oldest message.

    The DLQ accepts redrives from this queue only (RedriveAllowPolicy byQueue), so no
    other queue can dump its failures here and hide them among ours."""
    opts = pulumi.ResourceOptions(parent=parent)
    suffix = ".fifo" if spec.fifo else ""
    fifo = True if spec.fifo else None  # None: the input is not sent at all
    dlq = aws.sqs.Queue(
        f"{name}-dlq",
        name=physical_name(spec.physical, "dlq", limit=80, suffix=suffix),
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,
        fifo_queue=fifo,
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
        fifo_queue=fifo,
        content_based_deduplication=spec.content_based_deduplication if spec.fifo else None,
        opts=opts,
    )
    redrive_allow = aws.sqs.RedriveAllowPolicy(
        f"{name}-dlq-redrive-allow",
        queue_url=dlq.url,
        redrive_allow_policy=queue.arn.apply(
            lambda arn: json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})
        ),
        opts=opts,
    )
    alarm = dlq_alarm(parent, f"{name}-dlq", dlq, spec.alarm_threshold_seconds)
    return QueuePair(queue=queue, dlq=dlq, alarm=alarm, redrive_allow=redrive_allow)


def service_only_statements(
    *, service: str, action: str, resource_arn: pulumi.Input[str], source_arn: pulumi.Input[str], deny_action: str
) -> list[dict[str, Any]]:
    """`service` may do `action` on the resource only on behalf of `source_arn`; nobody may use it without TLS."""
    return [
        {
            "Sid": "AllowOnlyItsSource",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": action,
            "Resource": resource_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": deny_action,
            "Resource": resource_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]


def allow_service_send(
    parent: pulumi.Resource, name: str, queue: aws.sqs.Queue, service: str, source_arn: pulumi.Input[str]
) -> aws.sqs.QueuePolicy:
    """Only `service` may send, and only on behalf of `source_arn` (a rule or a topic); TLS only."""
    return aws.sqs.QueuePolicy(
        f"{name}-policy",
        queue_url=queue.url,
        policy=policy_json(
            service_only_statements(
                service=service,
                action="sqs:SendMessage",
                resource_arn=queue.arn,
                source_arn=source_arn,
                deny_action="sqs:*",
            )
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def allow_rule_publish(parent: pulumi.Resource, name: str, topic: aws.sns.Topic, rule: BusRule) -> aws.sns.TopicPolicy:
    """Only EventBridge, on behalf of `rule`, may publish to `topic`; publishing without TLS is denied
    (SNS's documented `SNS:Publish` deny: topic policies take a fixed set of actions)."""
    return aws.sns.TopicPolicy(
        f"{name}-topic-policy",
        arn=topic.arn,
        policy=policy_json(
            service_only_statements(
                service="events.amazonaws.com",
                action="sns:Publish",
                resource_arn=topic.arn,
                source_arn=rule.rule.arn,
                deny_action="sns:Publish",
            )
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def dlq_alarm(
    parent: pulumi.Resource, name: str, dlq: aws.sqs.Queue, threshold_seconds: int
) -> aws.cloudwatch.MetricAlarm:
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
) -> BusRule:
    rule = aws.cloudwatch.EventRule(
        f"{name}-rule",
        name=physical_name(physical, limit=64),
        event_bus_name=bus_name,
        event_pattern=pattern,
        description=description[:512],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return BusRule(rule=rule, bus_name=bus_name, physical=physical)


def subscription_rule(
    parent: pulumi.Resource, name: str, route: RouteContext, sub: Subscription, contract: EventContract, *, to: str
) -> BusRule:
    """The subscription's rule (the shared pattern builder's pattern), on the bus its events are put on."""
    return event_rule(
        parent,
        name,
        bus_name=route.bus_for(contract),
        physical=route.physical(sub.id),
        pattern=to_aws_json(rule_pattern(sub, contract)),
        description=f"{sub.id}: {contract.key} -> {to}",
    )


def rule_target(
    parent: pulumi.Resource,
    name: str,
    rule: BusRule,
    *,
    arn: pulumi.Input[str],
    retry: Retry,
    alarm_threshold_seconds: int,
    extra: Mapping[str, Any] | None = None,
    depends_on: list[pulumi.Resource] | None = None,
) -> RuleTarget:
    """The rule's target, retrying as asked, then dead-lettering into its own DLQ (standard queue, alarmed),
    which only EventBridge on behalf of this rule may send to."""
    dlq = aws.sqs.Queue(
        f"{name}-target-dlq",
        name=physical_name(rule.physical, "tdlq", limit=80),
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    allow_service_send(parent, f"{name}-target-dlq", dlq, "events.amazonaws.com", rule.rule.arn)
    dlq_alarm(parent, f"{name}-target-dlq", dlq, alarm_threshold_seconds)
    target = aws.cloudwatch.EventTarget(
        f"{name}-target",
        rule=rule.rule.name,
        event_bus_name=rule.bus_name,
        arn=arn,
        retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
            maximum_event_age_in_seconds=retry.maximum_event_age_seconds,
            maximum_retry_attempts=retry.maximum_retry_attempts,
        ),
        dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=dlq.arn),
        **dict(extra or {}),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on or []),
    )
    return RuleTarget(target=target, dlq=dlq)


SQS_CONSUMER_ACTIONS = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
]


@dataclass(frozen=True)
class BundledCode:
    """A deployment zip from `registry.bundle`: same hash, same code, nothing redeployed."""

    path: Path
    hash: str  # base64 sha256, Lambda's source_code_hash
    handler: str
    runtime: str  # the bundle's LAMBDA_RUNTIME: the Python whose bytecode the zip ships


@dataclass(frozen=True)
class QueueConsumer:
    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup


def queue_consumer(
    parent: pulumi.Resource,
    name: str,
    *,
    physical: str,
    code: BundledCode,
    queues: Sequence[aws.sqs.Queue],
    statements: Sequence[dict[str, Any]] = (),
    environment: Mapping[str, pulumi.Input[str]],
    memory_size: int = 256,
    timeout: int = 30,
    role_name: str = "",
) -> QueueConsumer:
    """A Lambda from a bundle that consumes `queues`: its role may receive from exactly those queues,
    write its own log group, send its X-Ray traces (active tracing: a segment per invocation), and do
    what `statements` add (nothing else). `role_name` defaults to `<physical>-role`."""
    child = pulumi.ResourceOptions(parent=parent)
    function_name = physical_name(physical, "handler")
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs", name=f"/aws/lambda/{function_name}", retention_in_days=30, opts=child
    )
    role = aws.iam.Role(
        f"{name}-role",
        name=role_name or physical_name(physical, "role"),
        assume_role_policy=policy_json(
            [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        ),
        opts=child,
    )
    role_policy = aws.iam.RolePolicy(
        f"{name}-role-policy",
        role=role.id,
        policy=policy_json(
            [
                {
                    "Sid": "ConsumeItsQueues",
                    "Effect": "Allow",
                    "Action": SQS_CONSUMER_ACTIONS,
                    "Resource": [q.arn for q in queues],
                },
                *statements,
                xray_statement(),
                {
                    "Sid": "WriteItsLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": pulumi.Output.concat(log_group.arn, ":*"),
                },
            ]
        ),
        opts=child,
    )
    function = aws.lambda_.Function(
        f"{name}-function",
        name=function_name,
        role=role.arn,
        runtime=code.runtime,
        handler=code.handler,
        code=pulumi.FileArchive(str(code.path)),
        source_code_hash=code.hash,
        memory_size=memory_size,
        timeout=timeout,
        environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(environment)),
        tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),  # X-Ray: a segment per invocation
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy, log_group]),
    )
    return QueueConsumer(function=function, role=role, log_group=log_group)


def queue_mapping(
    parent: pulumi.Resource,
    name: str,
    queue: aws.sqs.Queue,
    function: aws.lambda_.Function,
    *,
    batch_size: int,
    batching_window_seconds: int,
) -> aws.lambda_.EventSourceMapping:
    """The function polls `queue`, reporting partial batch failures so one bad record does not redeliver the rest."""
    return aws.lambda_.EventSourceMapping(
        f"{name}-mapping",
        event_source_arn=queue.arn,
        function_name=function.arn,
        batch_size=batch_size,
        maximum_batching_window_in_seconds=batching_window_seconds,
        function_response_types=["ReportBatchItemFailures"],
        opts=pulumi.ResourceOptions(parent=parent),
    )


def rule_to_queue(
    parent: pulumi.Resource,
    name: str,
    rule: BusRule,
    spec: QueueSpec,
    *,
    retry: Retry,
    alarm_threshold_seconds: int,
) -> QueuePair:
    """`rule` -> a queue (with its DLQ) that only EventBridge, on behalf of this rule, may send to;
    the target retries as asked and then dead-letters into its own DLQ."""
    pair = queue_pair(parent, name, spec)
    policy = allow_service_send(parent, f"{name}-queue", pair.queue, "events.amazonaws.com", rule.rule.arn)
    rule_target(
        parent,
        name,
        rule,
        arn=pair.queue.arn,
        retry=retry,
        alarm_threshold_seconds=alarm_threshold_seconds,
        depends_on=[policy],
    )
    return pair
