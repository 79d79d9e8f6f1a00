"""The contract monitor: on each watched bus, rule(s) -> SQS (+DLQ) -> the monitor Lambda -> EMF metrics.

The Lambda judges each contracted event against its contract's versions with
the build-time validators (`registry.bundle`, shared with the metrics Lambda)
and writes CloudWatch metrics as embedded-metric-format log lines, so its
role needs no `cloudwatch:PutMetricData`: it may only consume its own queues
and write its own log group. Each rule gets its own queue, so every queue
policy names exactly one rule (aws:SourceArn), and every rule target its own
DLQ. An alarm fires on any violation (`Violations`, no dimensions).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import (
    BundledCode,
    QueueSpec,
    RouteContext,
    event_rule,
    physical_name,
    queue_consumer,
    queue_mapping,
    rule_to_queue,
)
from registry.model import Retry
from registry.monitoring import OUR_BUS, MonitoredBus

__all__ = ["METRIC_NAMESPACE", "ContractMonitor", "ContractMonitorArgs"]

METRIC_NAMESPACE = "Eventplane/Contracts"  # handlers/monitor/emf.py writes here by default
_TIMEOUT_SECONDS = 60
# Observing is worth less than delivering: give up on an event after an hour, not a day.
_RETRY = Retry(maximum_event_age_seconds=3600, maximum_retry_attempts=24)


@dataclass(frozen=True)
class ContractMonitorArgs:
    route: RouteContext
    buses: tuple[MonitoredBus, ...]
    code: BundledCode
    sample_rate: float
    batch_size: int = 100
    batching_window_seconds: int = 5


class ContractMonitor(pulumi.ComponentResource):
    def __init__(self, name: str, args: ContractMonitorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}ContractMonitor", name, None, opts)
        route = args.route
        physical = physical_name(route.prefix, "monitor")
        self.queues: dict[str, aws.sqs.Queue] = {}
        self.rules: dict[str, aws.cloudwatch.EventRule] = {}
        for bus in args.buses:
            bus_name = route.bus_name if bus.name == OUR_BUS else bus.name
            for index, pattern in enumerate(bus.patterns):
                part = f"{bus.name}-{index}" if len(bus.patterns) > 1 else bus.name
                self._watch(
                    f"{name}-{part}",
                    physical=physical_name(physical, part),
                    bus_name=bus_name,
                    pattern=pattern,
                    bus=bus,
                    route=route,
                )
        consumer = queue_consumer(
            self,
            name,
            physical=physical,
            code=args.code,
            queues=list(self.queues.values()),
            environment={"MONITOR_SAMPLE_RATE": repr(args.sample_rate), "MONITOR_NAMESPACE": METRIC_NAMESPACE},
            timeout=_TIMEOUT_SECONDS,
        )
        self.function = consumer.function
        for part, queue in self.queues.items():
            queue_mapping(
                self,
                part,
                queue,
                self.function,
                batch_size=args.batch_size,
                batching_window_seconds=args.batching_window_seconds,
            )
        self.alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-violations-alarm",
            namespace=METRIC_NAMESPACE,
            metric_name="Violations",
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_description=f"{route.prefix}: live events that no version of their contract accepts "
            "(the monitor's log holds each one's first failing JSON pointer)",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"functionArn": self.function.arn, "alarmArn": self.alarm.arn})

    def _watch(
        self,
        name: str,
        *,
        physical: str,
        bus_name: pulumi.Input[str],
        pattern: str,
        bus: MonitoredBus,
        route: RouteContext,
    ) -> None:
        keys = ", ".join(c.key for c in bus.contracts)
        rule = event_rule(
            self,
            name,
            bus_name=bus_name,
            physical=physical,
            pattern=pattern,
            description=f"contract monitor on bus {bus.name}: {keys}",
        )
        pair = rule_to_queue(
            self,
            name,
            rule,
            QueueSpec(
                physical=physical,
                visibility_timeout_seconds=6 * _TIMEOUT_SECONDS,  # six times the function timeout, as AWS advises
                max_receive_count=3,
                alarm_threshold_seconds=route.alarm_threshold_seconds,
            ),
            retry=_RETRY,
            alarm_threshold_seconds=route.alarm_threshold_seconds,
        )
        self.queues[name] = pair.queue
        self.rules[name] = rule.rule
