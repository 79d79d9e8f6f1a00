"""An EventBridge global endpoint: our bus, its rules and targets copied into a secondary region, failover by
a Route 53 health check on a CloudWatch alarm, and (by default) event replication between the two buses.

Why: a regional EventBridge impairment otherwise stops every flow. Producers
publish through the endpoint (`PutEvents` with `EndpointId`); while the health
check is healthy the endpoint routes to the primary region's bus, when it is
unhealthy to the secondary's (same bus name, as AWS requires). The health
check follows AWS's global endpoint guide: an alarm on the primary region's
average `AWS/Events IngestionToInvocationStartLatency` (no subscriber metrics:
one failing consumer must not move every publisher). With replication on,
EventBridge's managed rules copy every custom event to the other region too,
so the secondary is exercised all the time and recovery is automatic:
consumers must be idempotent (ours dedupe on content keys, not envelope ids,
which differ per region).

The copy is declared by the program itself (`replicate(opts)`) under a
`RegionReplica` component whose children use a second aws provider for the
secondary region. What is not copied: rules on producers' own buses (their
events never pass through our endpoint), the schedule (it would fire twice),
and the dashboards (they draw both regions). The metrics table stays in the
primary region (see docs/ARCHITECTURE.md, Global endpoint).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import events_role, physical_name, policy_json
from registry.errors import InputError
from registry.model import EventContract, Subscription
from registry.ops_config import GlobalEndpointConfig

__all__ = ["GlobalEndpoint", "GlobalEndpointArgs", "RegionReplica", "endpoint_id", "replicated_subscriptions"]


def replicated_subscriptions(
    subs: Iterable[Subscription], events: Mapping[str, EventContract], config: GlobalEndpointConfig, source: str
) -> list[Subscription]:
    """The subscriptions the secondary region runs: those on our bus (a producer's bus is not behind our
    endpoint). A `lambda` delivery needs its function's copy in the secondary region: a rule can only target
    a function in its own region."""
    kept = []
    for sub in subs:
        if events[sub.event].bus:
            continue
        function = str(sub.delivery.options.get("function", ""))
        if sub.delivery.type == "lambda" and function not in config.functions:
            raise InputError(
                source,
                f"{sub.id} invokes function {function!r}, which has no copy in {config.secondary_region}",
                pointer=f"/config/eventplane:globalEndpoint/functions/{function}",
                hint=f"add `{function}: arn:aws:lambda:{config.secondary_region}:<account>:function:<name>` there",
            )
        kept.append(sub)
    return kept


def endpoint_id(endpoint_url: str) -> str:
    """PutEvents' EndpointId from the endpoint's URL: `https://abcde.veo.endpoints.event.amazonaws.com` -> `abcde.veo`."""
    host = endpoint_url.removeprefix("https://").split("/", 1)[0]
    return host.split(".endpoints.event.", 1)[0]


@dataclass(frozen=True)
class GlobalEndpointArgs:
    prefix: str
    config: GlobalEndpointConfig
    primary_region: str
    bus_name: str  # our bus's physical name, the same in both regions
    bus_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    # Declares the stack's bus, rules and targets again under the given options (the replica's) and
    # returns their outputs; `busArn` among them.
    replicate: Callable[[pulumi.ResourceOptions], Mapping[str, Any]]


class RegionReplica(pulumi.ComponentResource):
    """Everything under it runs in the secondary region (its provider); a local run skips it."""

    def __init__(self, name: str, region: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}RegionReplica", name, None, opts)
        self.region = region
        self.register_outputs({"region": region})


class GlobalEndpoint(pulumi.ComponentResource):
    def __init__(self, name: str, args: GlobalEndpointArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}GlobalEndpoint", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cfg, health = args.config, args.config.health_check
        secondary = cfg.secondary_region
        self.provider = aws.Provider(f"{name}-{secondary}", region=secondary, opts=child)
        self.replica = RegionReplica(
            f"{name}-replica", secondary, opts=pulumi.ResourceOptions(parent=self, providers=[self.provider])
        )
        self.replica_outputs = args.replicate(pulumi.ResourceOptions(parent=self.replica))
        secondary_bus_arn = self.replica_outputs["busArn"]
        self.alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-latency-alarm",
            name=physical_name(args.prefix, "eventbridge-latency"),
            alarm_description=(
                f"EventBridge in {args.primary_region} is slow to deliver (average ingestion-to-invocation latency"
                f" over {health.latency_threshold_ms} ms): the global endpoint fails over to {secondary}"
            ),
            namespace="AWS/Events",
            metric_name="IngestionToInvocationStartLatency",
            statistic="Average",
            period=health.period_seconds,
            evaluation_periods=health.evaluation_periods,
            threshold=health.latency_threshold_ms,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data=health.treat_missing_data,
            opts=child,
        )
        self.health_check = aws.route53.HealthCheck(
            f"{name}-health-check",
            type="CLOUDWATCH_METRIC",
            cloudwatch_alarm_name=self.alarm.name,
            cloudwatch_alarm_region=args.primary_region,
            insufficient_data_health_status="Unhealthy",  # as AWS's template: no data is no proof of health
            tags={"Name": physical_name(args.prefix, "global-endpoint-health")},
            opts=child,
        )
        extra: dict[str, Any] = {}
        if cfg.replication:
            self.role = events_role(
                self, f"{name}-replication-role", physical_name(args.prefix, "endpoint-replication"), args.account_id
            )
            policy = aws.iam.RolePolicy(
                f"{name}-replication-policy",
                role=self.role.id,
                policy=policy_json(
                    [
                        {
                            "Sid": "ReplicateBetweenTheTwoBuses",
                            "Effect": "Allow",
                            "Action": "events:PutEvents",
                            "Resource": [args.bus_arn, secondary_bus_arn],
                        }
                    ]
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            extra = {"role_arn": self.role.arn}
            child = pulumi.ResourceOptions(parent=self, depends_on=[policy])
        self.endpoint = aws.cloudwatch.EventEndpoint(
            f"{name}-endpoint",
            name=physical_name(args.prefix, "endpoint"),
            description=f"{args.bus_name}: {args.primary_region}, failing over to {secondary}",
            event_buses=[
                aws.cloudwatch.EventEndpointEventBusArgs(event_bus_arn=args.bus_arn),
                aws.cloudwatch.EventEndpointEventBusArgs(event_bus_arn=secondary_bus_arn),
            ],
            replication_config=aws.cloudwatch.EventEndpointReplicationConfigArgs(
                state="ENABLED" if cfg.replication else "DISABLED"
            ),
            routing_config=aws.cloudwatch.EventEndpointRoutingConfigArgs(
                failover_config=aws.cloudwatch.EventEndpointRoutingConfigFailoverConfigArgs(
                    primary=aws.cloudwatch.EventEndpointRoutingConfigFailoverConfigPrimaryArgs(
                        health_check=self.health_check.arn
                    ),
                    secondary=aws.cloudwatch.EventEndpointRoutingConfigFailoverConfigSecondaryArgs(route=secondary),
                )
            ),
            **extra,
            opts=child,
        )
        self.endpoint_id = self.endpoint.endpoint_url.apply(endpoint_id)
        self.register_outputs(
            {"endpointId": self.endpoint_id, "endpointUrl": self.endpoint.endpoint_url, "secondaryRegion": secondary}
        )
