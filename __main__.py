"""Eventplane's Pulumi program: load the registry -> gate -> components -> exports.

Nothing is declared before both gates pass:
1. the registry gate (lock, compatibility, filters) runs synchronously at import;
2. the deployed-contract gate needs what this stack last exported
   (`contractFingerprints`), read through a StackReference to this very stack.
   That read is awaited inside the `pulumi.run` entry point, and every
   resource is declared only after it: a rejected run raises `GateRejected`
   having declared nothing (the StackReference is a read, not a resource).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components import GateRejected
from components.api_destination import ApiDestination, ApiDestinationArgs
from components.common import BundledCode, RouteContext
from components.event_bus import EventBus, EventBusArgs
from components.fork_topic import ForkTopic, ForkTopicArgs
from components.lambda_delivery import LambdaDelivery, LambdaDeliveryArgs
from components.metrics_pipeline import MetricsPipeline, MetricsPipelineArgs
from components.monitor import ContractMonitor, ContractMonitorArgs
from components.queue_delivery import QueueDelivery, QueueDeliveryArgs
from components.schedule import Schedule, ScheduleArgs
from registry import bundle
from registry.deploy_checks import stack_findings
from registry.errors import EventplaneError, InputError
from registry.findings import Report
from registry.gate import check_deployed, evaluate, versions_by_key
from registry.model import EventContract, Registry, Subscription
from registry.monitoring import MonitoredBus, monitored_buses
from registry.stack_config import CONFIG_KEYS, NAMESPACE, StackConfig, parse_stack_config

ROOT = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
FINGERPRINTS_OUTPUT = "contractFingerprints"


def read_config() -> StackConfig:
    """The stack config as `pulumi.Config` holds it (structured values arrive as JSON strings)."""
    ours, aws_config = pulumi.Config(NAMESPACE), pulumi.Config("aws")
    values: dict[str, Any] = {f"{NAMESPACE}:{key}": ours.get(key) for key in CONFIG_KEYS}
    values["aws:region"] = aws_config.get("region")
    stack = pulumi.get_stack()
    return parse_stack_config(
        {k: v for k, v in values.items() if v is not None}, stack=stack, source=f"Pulumi.{stack}.yaml"
    )


def enabled_subscriptions(registry: Registry, config: StackConfig) -> list[Subscription]:
    """The subscriptions this stack deploys; an unknown id or config name is an error, not a silent skip."""
    for problem in stack_findings(registry, config):  # the same findings `check` reports
        raise InputError(problem.file, problem.message, pointer=problem.pointer, hint=problem.hint)
    return [s for s in registry.subscriptions if config.subscription_enabled(s.id)]


def fingerprints(registry: Registry) -> dict[str, str]:
    return {key: version.fingerprint for key, version in versions_by_key(registry).items()}


def gate_local(contracts: Path) -> Registry:
    result = evaluate(contracts)
    if result.registry is None or not result.report.ok:
        raise GateRejected(result.report, "Eventplane gate: the registry is rejected; nothing was deployed.")
    return result.registry


async def deployed_fingerprints() -> Mapping[str, str]:
    """What this stack exported last time (empty on its first deployment)."""
    me = pulumi.StackReference(f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}")
    details = await me.get_output_details(FINGERPRINTS_OUTPUT)
    value = details.value if details.value is not None else details.secret_value
    return dict(value or {})


def declare(
    registry: Registry, config: StackConfig, subs: list[Subscription], watched: Sequence[MonitoredBus] = ()
) -> dict[str, Any]:
    """Every resource of the stack; returns the stack outputs."""
    account_id = aws.get_caller_identity_output().account_id
    events: Mapping[str, EventContract] = registry.events
    bus = EventBus(
        "events",
        EventBusArgs(
            prefix=config.name_prefix,
            archive_retention_days=config.archive_retention_days,
            contracts=tuple(events[k] for k in sorted(events)),
            account_id=account_id,
        ),
    )
    route = RouteContext(
        prefix=config.name_prefix,
        bus_name=bus.bus.name,
        alarm_threshold_seconds=config.alarms.dlq_oldest_message_age_seconds,
    )
    queue_urls: dict[str, pulumi.Output[str]] = {}
    topic_arns: dict[str, pulumi.Output[str]] = {}
    by_type: dict[str, list[Subscription]] = {}
    for sub in subs:
        by_type.setdefault(sub.delivery.type, []).append(sub)
    for sub in by_type.get("queue", []):
        queue_urls[sub.id] = QueueDelivery(
            f"queue-{sub.team}-{sub.name}", QueueDeliveryArgs(route, sub, events[sub.event])
        ).queue.url
    for key in sorted({s.event for s in by_type.get("fork", [])}):
        forks = tuple(s for s in by_type["fork"] if s.event == key)
        contract = events[key]
        fork = ForkTopic(
            f"fork-{contract.domain}-{contract.name}", ForkTopicArgs(route, contract, forks, bus.topic_key.arn)
        )
        topic_arns[key] = fork.topic.arn
        queue_urls.update({sub_id: q.url for sub_id, q in fork.queues.items()})
    for dest_name in sorted({s.delivery.options["destination"] for s in by_type.get("api", [])}):
        dest = config.api_destinations[dest_name]
        routes = tuple((s, events[s.event]) for s in by_type["api"] if s.delivery.options["destination"] == dest_name)
        ApiDestination(
            f"api-{dest_name}",
            ApiDestinationArgs(
                route, dest, pulumi.Config(NAMESPACE).require_secret(dest.auth.secret_key), routes, account_id
            ),
        )
    for sub in by_type.get("lambda", []):
        LambdaDelivery(
            f"lambda-{sub.team}-{sub.name}",
            LambdaDeliveryArgs(route, sub, events[sub.event], config.functions[sub.delivery.options["function"]]),
        )
    outputs: dict[str, Any] = {"busName": bus.bus.name, "busArn": bus.bus.arn}
    if by_type.get("metrics"):
        zip_path = bundle.build_bundle_from_registry(registry, ROOT / "build" / config.stack)
        metrics = MetricsPipeline(
            "metrics",
            MetricsPipelineArgs(
                route,
                tuple((s, events[s.event]) for s in by_type["metrics"]),
                zip_path,
                bundle.source_code_hash(zip_path),
                bundle.METRICS_HANDLER,
                bundle.LAMBDA_RUNTIME,
            ),
        )
        queue_urls.update({sub_id: q.url for sub_id, q in metrics.queues.items()})
        outputs["metricsTableName"] = metrics.table.name
    if watched:
        zip_path = bundle.build_monitor_bundle([c for b in watched for c in b.contracts], ROOT / "build" / config.stack)
        code = BundledCode(zip_path, bundle.source_code_hash(zip_path), bundle.MONITOR_HANDLER, bundle.LAMBDA_RUNTIME)
        monitor = ContractMonitor(
            "monitor", ContractMonitorArgs(route, tuple(watched), code, config.monitor.sample_rate)
        )
        outputs["monitorAlarmArn"] = monitor.alarm.arn
    if config.schedule is not None:
        Schedule(
            f"schedule-{config.schedule.name}",
            ScheduleArgs(
                config.name_prefix,
                config.schedule,
                bus.bus.arn,
                config.functions.get(config.schedule.function, ""),
                config.alarms.dlq_oldest_message_age_seconds,
                account_id,
            ),
        )
    outputs.update(
        {
            "queueUrls": dict(sorted(queue_urls.items())),
            "topicArns": topic_arns,
            FINGERPRINTS_OUTPUT: fingerprints(registry),
        }
    )
    return outputs


def main() -> None:
    try:
        config = read_config()
        registry = gate_local(Path(pulumi.Config(NAMESPACE).get("contractsDir") or ROOT / "contracts"))
        subs = enabled_subscriptions(registry, config)
        watched = (
            monitored_buses(registry, config.monitor.buses, source=config.source) if config.monitor.enabled else []
        )
    except EventplaneError as exc:
        raise pulumi.RunError(str(exc)) from exc

    async def deploy() -> dict[str, Any]:
        deployed = await deployed_fingerprints()
        report = Report(check_deployed(registry, deployed))  # the rest of the gate passed at import
        if not report.ok:
            raise GateRejected(
                report, f"Eventplane gate: this would break what stack {config.stack} runs; nothing was deployed."
            )
        return declare(registry, config, subs, watched)

    pulumi.run(deploy)


main()
