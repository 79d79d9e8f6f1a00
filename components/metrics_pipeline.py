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
    QueuePair,
    QueueSpec,
    RouteContext,
    allow_service_send,
    physical_name,
    policy_json,
    queue_pair,
    rule_target,
    subscription_rule,
    xray_statement,
)
from registry.model import EventContract, Subscription

__all__ = ["KEY_ATTRIBUTES", "TTL_ATTRIBUTE", "MetricsPipeline", "MetricsPipelineArgs", "SharedTable"]

KEY_ATTRIBUTES = ("pk", "sk")  # handlers/metrics/store.py writes these
TTL_ATTRIBUTE = "expires_at"  # the idempotency records expire through DynamoDB TTL
_SQS_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
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
        function_name = physical_name(physical, "handler")
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/aws/lambda/{function_name}", retention_in_days=30, opts=child
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=route.global_name(physical, "role"),
            assume_role_policy=policy_json(
                [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
            ),
            opts=child,
        )
        self.queues = {}
        rules = []
        for sub, contract in args.routes:
            pair, rule = self._route(f"{name}-{sub.team}-{sub.name}", route, sub, contract)
            self.queues[sub.id] = pair.queue
            rules.append(rule)
        role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            policy=policy_json(
                [
                    {
                        "Sid": "ConsumeItsQueues",
                        "Effect": "Allow",
                        "Action": _SQS_ACTIONS,
                        "Resource": [q.arn for q in self.queues.values()],
                    },
                    {"Sid": "WriteItsTable", "Effect": "Allow", "Action": _TABLE_ACTIONS, "Resource": self.table.arn},
                    xray_statement(),
                    {
                        "Sid": "WriteItsLogs",
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": pulumi.Output.concat(self.log_group.arn, ":*"),
                    },
                ]
            ),
            opts=child,
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            role=self.role.arn,
            runtime=args.runtime,
            handler=args.handler,
            code=pulumi.FileArchive(str(args.bundle)),
            source_code_hash=args.bundle_hash,
            memory_size=256,
            timeout=30,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "METRICS_TABLE": self.table.name,
                    **({"METRICS_TABLE_REGION": args.shared_table.region} if args.shared_table else {}),
                }
            ),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),  # X-Ray: a segment per invocation
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, self.log_group]),
        )
        for sub, _contract in args.routes:
            aws.lambda_.EventSourceMapping(
                f"{name}-{sub.team}-{sub.name}-mapping",
                event_source_arn=self.queues[sub.id].arn,
                function_name=self.function.arn,
                batch_size=int(sub.delivery.options.get("batch_size", 10)),
                maximum_batching_window_in_seconds=int(sub.delivery.options.get("batching_window_seconds", 5)),
                function_response_types=["ReportBatchItemFailures"],
                opts=child,
            )
        self.register_outputs({"tableName": self.table.name, "functionArn": self.function.arn})

    def _route(
        self, name: str, route: RouteContext, sub: Subscription, contract: EventContract
    ) -> tuple[QueuePair, aws.cloudwatch.EventRule]:
        bus_rule = subscription_rule(self, name, route, sub, contract, to="metrics")
        pair = queue_pair(
            self,
            name,
            QueueSpec(
                physical=bus_rule.physical,
                visibility_timeout_seconds=180,  # six times the function timeout, as AWS advises
                max_receive_count=int(sub.delivery.options.get("max_receive_count", 3)),
                alarm_threshold_seconds=route.alarm_threshold_seconds,
            ),
        )
        policy = allow_service_send(self, f"{name}-queue", pair.queue, "events.amazonaws.com", bus_rule.rule.arn)
        rule_target(
            self,
            name,
            bus_rule,
            arn=pair.queue.arn,
            retry=sub.delivery.retry,
            alarm_threshold_seconds=route.alarm_threshold_seconds,
            depends_on=[policy],
        )
        return pair, bus_rule.rule
