"""`metrics` delivery: rule -> SQS (+DLQ) -> the metrics Lambda -> one DynamoDB table.

The queue between rule and Lambda absorbs bursts and lets the handler report
partial batch failures; the role may touch exactly these queues, this table
and this function's log group.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import (
    BundledCode,
    QueuePair,
    QueueSpec,
    RouteContext,
    physical_name,
    queue_consumer,
    queue_mapping,
    rule_to_queue,
    subscription_rule,
)
from registry.model import EventContract, Subscription

__all__ = ["KEY_ATTRIBUTES", "TTL_ATTRIBUTE", "MetricsPipeline", "MetricsPipelineArgs", "SharedTable"]

KEY_ATTRIBUTES = ("pk", "sk")  # handlers/metrics/store.py writes these
TTL_ATTRIBUTE = "expires_at"  # the idempotency records expire through DynamoDB TTL
_TABLE_ACTIONS = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:Query"]


@dataclass(frozen=True)
class MetricsPipelineArgs:
    route: RouteContext
    routes: tuple[tuple[Subscription, EventContract], ...]
    bundle: Path  # the deterministic zip from registry.bundle
    bundle_hash: str  # base64 sha256 of the zip: a new hash deploys new code, the same hash changes nothing
    handler: str  # the bundle's entry point, e.g. metrics.handler.lambda_handler
    runtime: str  # the bundle's LAMBDA_RUNTIME: the Python whose bytecode the zip ships
    shared_table: SharedTable | None = None  # a secondary-region copy writes to the primary's table


@dataclass(frozen=True)
class SharedTable:
    """The primary region's metrics table, for a global endpoint's secondary-region copy of the pipeline."""

    name: pulumi.Input[str]
    arn: pulumi.Input[str]
    region: str


class MetricsPipeline(pulumi.ComponentResource):
    def __init__(self, name: str, args: MetricsPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}MetricsPipeline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        route = args.route
        physical = physical_name(route.prefix, "metrics")
        self.table = args.shared_table or aws.dynamodb.Table(
            f"{name}-table",
            name=physical,
            billing_mode="PAY_PER_REQUEST",
            hash_key=KEY_ATTRIBUTES[0],
            range_key=KEY_ATTRIBUTES[1],
            attributes=[aws.dynamodb.TableAttributeArgs(name=k, type="S") for k in KEY_ATTRIBUTES],
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=TTL_ATTRIBUTE, enabled=True),
            opts=child,
        )
        self.queues = {}
        for sub, contract in args.routes:
            pair, _rule = self._route(f"{name}-{sub.team}-{sub.name}", route, sub, contract)
            self.queues[sub.id] = pair.queue
        consumer = queue_consumer(
            self,
            name,
            physical=physical,
            code=BundledCode(args.bundle, args.bundle_hash, args.handler, args.runtime),
            queues=list(self.queues.values()),
            statements=[
                {"Sid": "WriteItsTable", "Effect": "Allow", "Action": _TABLE_ACTIONS, "Resource": self.table.arn}
            ],
            environment={
                "METRICS_TABLE": self.table.name,
                **({"METRICS_TABLE_REGION": args.shared_table.region} if args.shared_table else {}),
            },
            role_name=route.global_name(physical, "role"),  # IAM is account-wide: a secondary copy differs
        )
        self.function, self.role, self.log_group = consumer.function, consumer.role, consumer.log_group
        for sub, _contract in args.routes:
            queue_mapping(
                self,
                f"{name}-{sub.team}-{sub.name}",
                self.queues[sub.id],
                self.function,
                batch_size=int(sub.delivery.options.get("batch_size", 10)),
                batching_window_seconds=int(sub.delivery.options.get("batching_window_seconds", 5)),
            )
        self.register_outputs({"tableName": self.table.name, "functionArn": self.function.arn})

    def _route(
        self, name: str, route: RouteContext, sub: Subscription, contract: EventContract
    ) -> tuple[QueuePair, aws.cloudwatch.EventRule]:
        bus_rule = subscription_rule(self, name, route, sub, contract, to="metrics")
        pair = rule_to_queue(
            self,
            name,
            bus_rule,
            QueueSpec(
                physical=bus_rule.physical,
                visibility_timeout_seconds=180,  # six times the function timeout, as AWS advises
                max_receive_count=int(sub.delivery.options.get("max_receive_count", 3)),
                alarm_threshold_seconds=route.alarm_threshold_seconds,
            ),
            retry=sub.delivery.retry,
            alarm_threshold_seconds=route.alarm_threshold_seconds,
        )
        return pair, bus_rule.rule
