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

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components import GateRejected
from components.api_destination import ApiDestination, ApiDestinationArgs
from components.common import BundledCode, RouteContext, physical_name
from components.dashboard import Dashboards, DashboardsArgs
from components.event_bus import EventBus, EventBusArgs
from components.event_log import EventLog, EventLogArgs
from components.fork_topic import ForkTopic, ForkTopicArgs
from components.global_endpoint import GlobalEndpoint, GlobalEndpointArgs, replicated_subscriptions
from components.lambda_delivery import LambdaDelivery, LambdaDeliveryArgs
from components.metrics_pipeline import MetricsPipeline, MetricsPipelineArgs, SharedTable
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
from registry.ops_config import log_group_name, producer_buses
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
    registry: Registry,
    config: StackConfig,
    subs: list[Subscription],
    watched: Sequence[MonitoredBus] = (),
    *,
    opts: pulumi.ResourceOptions | None = None,
    shared_table: SharedTable | None = None,
) -> dict[str, Any]:
    """Every resource of the stack; returns the stack outputs.

    Declared again for a global endpoint's secondary region with `opts` (parent: the region's replica,
    whose provider the children inherit) and the primary's metrics table: there without the dashboards,
    the schedule, the contract monitor and the endpoint itself."""
    replica = opts is not None
    tag = f"{config.region}-" if replica else ""  # logical names (and so URNs) of the copy differ from the primary's
    account_id = aws.get_caller_identity_output().account_id
    events: Mapping[str, EventContract] = registry.events
    bus = EventBus(
        f"{tag}events",
        EventBusArgs(
            prefix=config.name_prefix,
            archive_retention_days=config.archive_retention_days,
            contracts=tuple(events[k] for k in sorted(events)),
            account_id=account_id,
        ),
        opts=opts,
    )
    route = RouteContext(
        prefix=config.name_prefix,
        bus_name=bus.bus.name,
        alarm_threshold_seconds=config.alarms.dlq_oldest_message_age_seconds,
        replica_region=config.region if replica else "",
    )
    if config.event_log is not None:
        subscribed = producer_buses(events[s.event] for s in subs) if config.event_log.producer_buses else {}
        EventLog(
            f"{tag}event-log",
            EventLogArgs(
                config.name_prefix,
                bus.bus.name,
                subscribed,
                config.event_log.retention_days,
                config.region,
                account_id,
                config.alarms.dlq_oldest_message_age_seconds,
            ),
            opts=opts,
        )
    queue_urls: dict[str, pulumi.Output[str]] = {}
    topic_arns: dict[str, pulumi.Output[str]] = {}
    by_type: dict[str, list[Subscription]] = {}
    for sub in subs:
        by_type.setdefault(sub.delivery.type, []).append(sub)
    for sub in by_type.get("queue", []):
        queue_urls[sub.id] = QueueDelivery(
            f"{tag}queue-{sub.team}-{sub.name}", QueueDeliveryArgs(route, sub, events[sub.event]), opts
        ).queue.url
    for key in sorted({s.event for s in by_type.get("fork", [])}):
        forks = tuple(s for s in by_type["fork"] if s.event == key)
        contract = events[key]
        fork = ForkTopic(
            f"{tag}fork-{contract.domain}-{contract.name}",
            ForkTopicArgs(route, contract, forks, bus.topic_key.arn),
            opts,
        )
        topic_arns[key] = fork.topic.arn
        queue_urls.update({sub_id: q.url for sub_id, q in fork.queues.items()})
    for dest_name in sorted({s.delivery.options["destination"] for s in by_type.get("api", [])}):
        dest = config.api_destinations[dest_name]
        routes = tuple((s, events[s.event]) for s in by_type["api"] if s.delivery.options["destination"] == dest_name)
        ApiDestination(
            f"{tag}api-{dest_name}",
            ApiDestinationArgs(
                route, dest, pulumi.Config(NAMESPACE).require_secret(dest.auth.secret_key), routes, account_id
            ),
            opts,
        )
    for sub in by_type.get("lambda", []):
        LambdaDelivery(
            f"{tag}lambda-{sub.team}-{sub.name}",
            LambdaDeliveryArgs(route, sub, events[sub.event], config.functions[sub.delivery.options["function"]]),
            opts,
        )
    outputs: dict[str, Any] = {"busName": bus.bus.name, "busArn": bus.bus.arn}
    if by_type.get("metrics"):
        zip_path = bundle.build_bundle_from_registry(registry, ROOT / "build" / config.stack)
        metrics = MetricsPipeline(
            f"{tag}metrics",
            MetricsPipelineArgs(
                route,
                tuple((s, events[s.event]) for s in by_type["metrics"]),
                zip_path,
                bundle.source_code_hash(zip_path),
                bundle.METRICS_HANDLER,
                bundle.LAMBDA_RUNTIME,
                shared_table,
            ),
            opts,
        )
        queue_urls.update({sub_id: q.url for sub_id, q in metrics.queues.items()})
        outputs["metricsTableName"] = metrics.table.name
        shared_table = SharedTable(metrics.table.name, metrics.table.arn, config.region)
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
    outputs.update({"queueUrls": dict(sorted(queue_urls.items())), "topicArns": topic_arns})
    if replica:
        return outputs
    copies = config.global_endpoint.functions if config.global_endpoint else {}
    dashboards = Dashboards(
        "dashboards",
        DashboardsArgs(
            config.name_prefix,
            physical_name(config.name_prefix, "bus"),
            tuple((s, events[s.event]) for s in subs),
            config.regions,
            {name: (arn, *([copies[name]] if name in copies else [])) for name, arn in config.functions.items()},
            log_group_name(config.name_prefix) if config.event_log else "",
        ),
    )
    outputs["dashboards"] = {team: d.dashboard_name for team, d in dashboards.dashboards.items()}
    if config.global_endpoint is not None:
        outputs.update(global_endpoint(registry, config, subs, bus=bus, account_id=account_id, table=shared_table))
    outputs[FINGERPRINTS_OUTPUT] = fingerprints(registry)
    return outputs


def global_endpoint(
    registry: Registry,
    config: StackConfig,
    subs: list[Subscription],
    *,
    bus: EventBus,
    account_id: pulumi.Output[str],
    table: SharedTable | None,
) -> dict[str, Any]:
    """The secondary region's copy of the stack behind a global endpoint; returns the outputs producers need."""
    ge = config.global_endpoint
    assert ge is not None
    copy_config = dataclasses.replace(
        config,
        region=ge.secondary_region,
        functions=dict(ge.functions),
        schedule=None,
        global_endpoint=None,
        event_log=dataclasses.replace(config.event_log, producer_buses=False) if config.event_log else None,
    )
    copy_subs = replicated_subscriptions(subs, registry.events, ge, config.source)
    endpoint = GlobalEndpoint(
        "global-endpoint",
        GlobalEndpointArgs(
            config.name_prefix,
            ge,
            config.region,
            physical_name(config.name_prefix, "bus"),
            bus.bus.arn,
            account_id,
            lambda opts: declare(registry, copy_config, copy_subs, opts=opts, shared_table=table),
        ),
    )
    return {
        "globalEndpointId": endpoint.endpoint_id,
        "globalEndpointUrl": endpoint.endpoint.endpoint_url,
        "secondaryRegion": ge.secondary_region,
        "secondaryQueueUrls": endpoint.replica_outputs["queueUrls"],
    }


def main() -> None:
    try:
        config = read_config()
        registry = gate_local(Path(pulumi.Config(NAMESPACE).get("contractsDir") or ROOT / "contracts"))
        subs = enabled_subscriptions(registry, config)
        watched = (
            monitored_buses(registry, config.monitor.buses, source=config.source) if config.monitor.enabled else []
        )
        if config.global_endpoint is not None:  # a copy it cannot make is refused before anything is declared
            replicated_subscriptions(subs, registry.events, config.global_endpoint, config.source)
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
