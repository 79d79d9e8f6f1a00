"""`python -m registry plan [--stack NAME] [--json]`: what the Pulumi program would create, offline.

Exit 0 with the plan, 1 with the gate's report when the program rejects the
registry, 2 for an unknown stack or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from registry.offline_plan import Plan, PlannedResource, PlanRejected, plan_stack

__all__ = ["register", "render", "run"]

# The inputs that say what a resource does: routing, policies, DLQs, retry, encryption.
_SHOWN: dict[str, tuple[str, ...]] = {
    "aws:cloudwatch/eventBus:EventBus": ("name",),
    "aws:cloudwatch/eventArchive:EventArchive": ("name", "retentionDays"),
    "aws:cloudwatch/eventRule:EventRule": ("name", "eventBusName", "eventPattern", "scheduleExpression"),
    "aws:cloudwatch/eventTarget:EventTarget": (
        "arn",
        "retryPolicy",
        "deadLetterConfig",
        "sqsTarget",
        "roleArn",
        "inputTransformer",
    ),
    "aws:sqs/queue:Queue": (
        "name",
        "fifoQueue",
        "contentBasedDeduplication",
        "sqsManagedSseEnabled",
        "kmsMasterKeyId",
        "messageRetentionSeconds",
        "visibilityTimeoutSeconds",
        "redrivePolicy",
    ),
    "aws:sqs/queuePolicy:QueuePolicy": ("policy",),
    "aws:sns/topic:Topic": ("name", "kmsMasterKeyId", "tracingConfig"),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
    "aws:sns/topicSubscription:TopicSubscription": (
        "endpoint",
        "filterPolicy",
        "filterPolicyScope",
        "rawMessageDelivery",
        "redrivePolicy",
    ),
    "aws:cloudwatch/eventConnection:EventConnection": ("name", "authorizationType", "authParameters"),
    "aws:cloudwatch/eventApiDestination:EventApiDestination": (
        "invocationEndpoint",
        "httpMethod",
        "invocationRateLimitPerSecond",
    ),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:lambda/function:Function": ("name", "handler", "runtime", "sourceCodeHash", "environment", "tracingConfig"),
    "aws:lambda/eventSourceMapping:EventSourceMapping": (
        "eventSourceArn",
        "batchSize",
        "maximumBatchingWindowInSeconds",
        "functionResponseTypes",
    ),
    "aws:lambda/permission:Permission": ("function", "principal", "sourceArn"),
    "aws:dynamodb/table:Table": (
        "name",
        "billingMode",
        "hashKey",
        "rangeKey",
        "pointInTimeRecovery",
        "serverSideEncryption",
        "ttl",
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "dimensions", "threshold"),
    "aws:kms/key:Key": ("enableKeyRotation",),
    "aws:schemas/schema:Schema": ("name", "type"),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays", "kmsKeyId"),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ("policyName", "policyDocument"),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:cloudwatch/eventEndpoint:EventEndpoint": ("name", "eventBuses", "replicationConfig", "routingConfig"),
    "aws:route53/healthCheck:HealthCheck": (
        "type",
        "cloudwatchAlarmName",
        "cloudwatchAlarmRegion",
        "insufficientDataHealthStatus",
    ),
    "pulumi:providers:aws": ("region",),
}


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        plan = plan_stack(args.stack, args.root)
    except PlanRejected as rejected:
        if args.json:
            print(json.dumps({"stack": args.stack, "rejected": rejected.report.to_json()}, indent=2))
        else:
            print(rejected.report.render(f"plan {args.stack}: rejected by the gate, nothing would be created"))
        return 1
    if args.json:
        json.dump(plan.to_json(), sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        print(render(plan))
    return 0


def render(plan: Plan) -> str:
    """Resources grouped by component, each with the inputs that matter."""
    custom = [r for r in plan.resources if r.custom]
    lines = [f"Stack {plan.stack}: {len(custom)} resources in {len(plan.resources) - len(custom)} components"]
    for top in [r for r in plan.resources if r.parent is None]:
        lines.append("")
        lines += _tree(plan, top, 0)
    lines.append("")
    lines.append("Outputs:")
    lines += [f"  {name}: {_short(value, 200)}" for name, value in plan.outputs.items()]
    return "\n".join(lines)


def _tree(plan: Plan, resource: PlannedResource, depth: int) -> list[str]:
    pad = "  " * depth
    lines = [
        f"{pad}{resource.type.split(':')[-1]} {resource.name}" + ("" if resource.custom else f"  [{resource.type}]")
    ]
    for key in _SHOWN.get(resource.type, ()):
        if key in resource.inputs:
            lines.append(f"{pad}    {key}: {_short(resource.inputs[key], 160)}")
    for child in plan.children(resource.urn):
        lines += _tree(plan, child, depth + 1)
    return lines


def _short(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."
