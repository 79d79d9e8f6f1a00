"""A CloudWatch dashboard per flow (per team), generated from the contracts and the stack's subscriptions.

Why: an on-call engineer with one alarm firing needs the picture of the whole
flow it belongs to: did the rules match, did targets fail, retry or
dead-letter, are DLQs filling, did SNS deliver each fork, did the API
destination answer, did the Lambda error or throttle, did the table throttle
writes, and (with the event log on) the flow's last events. Every widget names
resources by the physical names the components give them (a test checks each
one against the plan), and the body is deterministic JSON (sorted keys, fixed
layout), so an unchanged registry never updates a dashboard.
With a global endpoint each line is drawn for every region, primary first.
SNS has no per-subscription metric: each fork subscription shows as its
queue's NumberOfMessagesSent (and its DLQ's depth) beside the topic's totals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import physical_name
from registry.dashboards import dashboard_name
from registry.model import EventContract, Subscription

__all__ = ["Dashboards", "DashboardsArgs", "flow_bodies"]

_WIDTH, _HEIGHT = 12, 6  # two metric widgets a row on CloudWatch's 24-column grid


@dataclass(frozen=True)
class DashboardsArgs:
    prefix: str
    bus_name: str  # our bus's physical name (the same in every region)
    routes: tuple[tuple[Subscription, EventContract], ...]  # the stack's enabled subscriptions
    regions: tuple[str, ...]  # primary first; a global endpoint's secondary second
    functions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # config name -> its ARN in each region
    event_log_group: str = ""  # the central event log's group; empty when the stack has none


@dataclass
class _Flow:
    """The metric lines of one flow, in widget order; a line is (namespace, metric, dimensions, label, region)."""

    rules: dict[tuple[str, str], str]  # (bus, rule) -> label
    dlqs: dict[str, str]  # queue -> label
    topics: dict[str, str]
    fork_queues: dict[str, str]
    api_rules: dict[tuple[str, str], str]
    functions: dict[tuple[str, str], str]  # (region or "", function name) -> label
    tables: dict[str, str]
    pairs: set[tuple[str, str]]  # (source, detail-type) the flow reads
    replicated: set[str]  # rules replicated into the secondary region (on our bus)


def _names(prefix: str, sub: Subscription, contract: EventContract) -> dict[str, Any]:
    """The physical names the components give a subscription's resources (see components/*.py)."""
    route = physical_name(prefix, sub.id, limit=200)  # RouteContext.physical
    fifo = sub.delivery.type == "queue" and bool(sub.delivery.options.get("fifo", False))
    suffix = ".fifo" if fifo else ""
    names: dict[str, Any] = {
        "rule": physical_name(route, limit=64),
        "tdlq": physical_name(route, "tdlq", limit=80),
        "queue": physical_name(route, limit=80, suffix=suffix),
        "dlq": physical_name(route, "dlq", limit=80, suffix=suffix),
    }
    if sub.delivery.type == "fork":
        fork = physical_name(prefix, "fork", contract.domain, contract.name, limit=200)
        names.update(
            rule=physical_name(fork, limit=64),
            tdlq=physical_name(fork, "tdlq", limit=80),
            topic=physical_name(fork, limit=256),
        )
    return names


def _collect(args: DashboardsArgs) -> dict[str, _Flow]:
    flows: dict[str, _Flow] = {}
    metrics_physical = physical_name(args.prefix, "metrics")
    for sub, contract in sorted(args.routes, key=lambda r: r[0].id):
        flow = flows.setdefault(sub.team, _Flow({}, {}, {}, {}, {}, {}, {}, set(), set()))
        names = _names(args.prefix, sub, contract)
        bus = contract.bus or args.bus_name
        kind = sub.delivery.type
        flow.pairs.add((contract.source, contract.detail_type))
        label = f"{contract.detail_type} -> topic" if kind == "fork" else sub.name
        flow.rules[(bus, names["rule"])] = label
        if not contract.bus:
            flow.replicated.add(names["rule"])
        flow.dlqs[names["tdlq"]] = f"{label} (target DLQ)"
        if kind in ("queue", "fork", "metrics"):
            flow.dlqs[names["dlq"]] = f"{sub.name} (queue DLQ)"
        if kind == "fork":
            flow.topics[names["topic"]] = contract.detail_type
            flow.fork_queues[names["queue"]] = f"{sub.name} ({sub.delivery.options.get('pipeline', 'plain')})"
        elif kind == "api":
            flow.api_rules[(bus, names["rule"])] = f"{sub.name} -> {sub.delivery.options['destination']}"
        elif kind == "metrics":
            flow.functions[("", physical_name(metrics_physical, "handler"))] = "metrics handler"
            flow.tables[metrics_physical] = "metrics table"
        elif kind == "lambda":
            for arn in args.functions.get(str(sub.delivery.options.get("function", "")), ()):
                region, name = arn.split(":")[3], arn.split(":")[6]  # arn:aws:lambda:<region>:<account>:function:<name>
                flow.functions[(region, name)] = f"{sub.name} -> {name}"
    return flows


def _rule_dims(bus: str, rule: str) -> list[str]:
    """Metrics of a custom bus's rule carry EventBusName and RuleName; the default bus's only RuleName."""
    return ["RuleName", rule] if bus == "default" else ["EventBusName", bus, "RuleName", rule]


class _Layout:
    def __init__(self, regions: tuple[str, ...]) -> None:
        self.regions = regions
        self.widgets: list[dict[str, Any]] = []
        self.x = self.y = 0

    def place(self, width: int, height: int) -> tuple[int, int]:
        if self.x + width > 24:
            self.x, self.y = 0, self.y + _HEIGHT
        at = (self.x, self.y)
        self.x += width
        if width == 24:
            self.x, self.y = 0, self.y + height
        return at

    def text(self, markdown: str, height: int = 3) -> None:
        x, y = self.place(24, height)
        self.widgets.append(
            {"type": "text", "x": x, "y": y, "width": 24, "height": height, "properties": {"markdown": markdown}}
        )

    def metric(self, title: str, lines: list[tuple[list[str], str, str]], stat: str = "Sum") -> None:
        """`lines`: (namespace, metric and dimensions..., label, region or '' for every region)."""
        if not lines:
            return
        metrics = []
        for parts, label, only in lines:
            for region in self.regions if not only else (only,):
                suffix = f" ({region})" if len(self.regions) > 1 else ""
                metrics.append([*parts, {"label": f"{label}{suffix}", "region": region}])
        x, y = self.place(_WIDTH, _HEIGHT)
        self.widgets.append(
            {
                "type": "metric",
                "x": x,
                "y": y,
                "width": _WIDTH,
                "height": _HEIGHT,
                "properties": {
                    "title": title,
                    "view": "timeSeries",
                    "stacked": False,
                    "region": self.regions[0],
                    "stat": stat,
                    "period": 60,
                    "metrics": metrics,
                },
            }
        )

    def log(self, title: str, query: str) -> None:
        x, y = self.place(24, _HEIGHT)
        self.widgets.append(
            {
                "type": "log",
                "x": x,
                "y": y,
                "width": 24,
                "height": _HEIGHT,
                "properties": {"title": title, "query": query, "region": self.regions[0], "view": "table"},
            }
        )


def _body(team: str, flow: _Flow, args: DashboardsArgs) -> dict[str, Any]:
    layout = _Layout(args.regions)
    secondary = args.regions[1:]
    events = ", ".join(sorted(f"`{dt}` ({src})" for src, dt in flow.pairs))
    layout.text(
        f"# Flow: {team}\nEvents read: {events}.\n"
        "A failing flow: rules matched but targets failed -> see the DLQ depth and the target's own widget; "
        "nothing matched -> look the event up in the event log (last widget) by id or business key."
        + (
            f" Lines are drawn per region ({', '.join(args.regions)}): the global endpoint may have failed over."
            if secondary
            else ""
        )
    )

    def rule_region(rule: str) -> str:
        return "" if rule in flow.replicated else args.regions[0]  # rules on producers' buses are not replicated

    def rule_lines(rules: dict[tuple[str, str], str], *metrics: str) -> list[tuple[list[str], str, str]]:
        named = len(metrics) > 1
        return [
            (["AWS/Events", metric, *_rule_dims(b, r)], f"{label}: {metric}" if named else label, rule_region(r))
            for (b, r), label in sorted(rules.items())
            for metric in metrics
        ]

    layout.metric("Rules: events matched", rule_lines(flow.rules, "MatchedEvents"))
    layout.metric(
        "Rules: failed invocations, sent to DLQ, retries",
        rule_lines(flow.rules, "FailedInvocations", "InvocationsSentToDlq", "RetryInvocationAttempts"),
    )
    layout.metric(
        "Dead-letter queues: messages waiting",
        [
            (["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q], label, "")
            for q, label in sorted(flow.dlqs.items())
        ],
        stat="Maximum",
    )
    layout.metric(
        "SNS forks: notifications delivered, failed, filtered out; messages per fork queue",
        [
            (["AWS/SNS", metric, "TopicName", t], f"{label}: {metric.removeprefix('NumberOfNotifications')}", "")
            for t, label in sorted(flow.topics.items())
            for metric in (
                "NumberOfNotificationsDelivered",
                "NumberOfNotificationsFailed",
                "NumberOfNotificationsFilteredOut",
            )
        ]
        + [
            (["AWS/SQS", "NumberOfMessagesSent", "QueueName", q], label, "")
            for q, label in sorted(flow.fork_queues.items())
        ],
    )
    layout.metric(
        "API destinations: invocation attempts, successes, failures",
        rule_lines(flow.api_rules, "InvocationAttempts", "SuccessfulInvocationAttempts", "FailedInvocations"),
    )
    layout.metric(
        "Lambda: errors and throttles",
        [
            (["AWS/Lambda", metric, "FunctionName", name], f"{label}: {metric}", region)
            for (region, name), label in sorted(flow.functions.items())
            for metric in ("Errors", "Throttles")
        ],
    )
    layout.metric(
        "Lambda: duration (p99, ms)",
        [
            (["AWS/Lambda", "Duration", "FunctionName", name], label, region)
            for (region, name), label in sorted(flow.functions.items())
        ],
        stat="p99",
    )
    layout.metric(
        "Metrics table: write throttles",
        [
            (["AWS/DynamoDB", "WriteThrottleEvents", "TableName", t], label, args.regions[0])
            for t, label in sorted(flow.tables.items())
        ],
    )
    if args.event_log_group:
        wanted = " or ".join(
            f"(source = {json.dumps(s)} and `detail-type` = {json.dumps(d)})" for s, d in sorted(flow.pairs)
        )
        layout.log(
            "Event log: this flow's last 100 events",
            f"SOURCE '{args.event_log_group}' | fields @timestamp, id, source, `detail-type`, @message"
            f" | filter {wanted} | sort @timestamp desc | limit 100",
        )
    return {"widgets": layout.widgets}


def flow_bodies(args: DashboardsArgs) -> dict[str, str]:
    """Team -> its dashboard body (JSON text, sorted keys: the same inputs give the same bytes)."""
    return {
        team: json.dumps(_body(team, flow, args), sort_keys=True, separators=(",", ":"))
        for team, flow in sorted(_collect(args).items())
    }


class Dashboards(pulumi.ComponentResource):
    def __init__(self, name: str, args: DashboardsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}Dashboards", name, None, opts)
        self.dashboards: Mapping[str, aws.cloudwatch.Dashboard] = {
            team: aws.cloudwatch.Dashboard(
                f"{name}-{team}",
                dashboard_name=dashboard_name(args.prefix, team),
                dashboard_body=body,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for team, body in flow_bodies(args).items()
        }
        self.register_outputs({"dashboardNames": {t: d.dashboard_name for t, d in self.dashboards.items()}})
