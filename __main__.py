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
from components.stack_roles import CORE_OUTPUTS, StackBus, declare_forwarding, stack_bus
from registry import bundle
from registry.environment import StackSpec, is_cross_account, load_stacks, related_stacks
from registry.errors import EventplaneError
from registry.findings import Report
from registry.gate import check_deployed, evaluate, versions_by_key
from registry.model import EventContract, Registry, Subscription
from registry.monitoring import MonitoredBus
from registry.ops_config import log_group_name, producer_buses
from registry.org_config import ORG_KEYS, parse_org_config
from registry.quotas import quota_findings
from registry.stack_config import CONFIG_KEYS, NAMESPACE, StackConfig, known_stacks, parse_stack_config
from registry.stack_layout import StackLayout, build_layout, environment_layouts

ROOT = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
FINGERPRINTS_OUTPUT = "contractFingerprints"


def read_spec() -> StackSpec:
    """The stack config as `pulumi.Config` holds it (structured values arrive as JSON strings)."""
    ours, aws_config = pulumi.Config(NAMESPACE), pulumi.Config("aws")
    values: dict[str, Any] = {f"{NAMESPACE}:{key}": ours.get(key) for key in CONFIG_KEYS + ORG_KEYS}
    values["aws:region"] = aws_config.get("region")
    stack = pulumi.get_stack()
    present = {k: v for k, v in values.items() if v is not None}
    source = f"Pulumi.{stack}.yaml"
    return StackSpec(
        parse_stack_config(present, stack=stack, source=source), parse_org_config(present, stack=stack, source=source)
    )


def project_stacks(me: StackSpec) -> list[StackSpec]:
    """The stacks sharing this one's bus or account (quotas are per bus and account; a core forwards to its
    domains), this one as `pulumi.Config` has it."""
    root = Path(pulumi.Config(NAMESPACE).get("projectDir") or ROOT)
    if me.name not in known_stacks(root):
        return [me]
    return [me if s.name == me.name else s for s in related_stacks(load_stacks(root), me.name)]


def gate_quotas(registry: Registry, specs: list[StackSpec], stack: str) -> StackLayout:
    """The quota part of the gate, for what this stack adds to its buses and account; returns its layout."""
    layouts = environment_layouts(registry, specs)
    report = Report(quota_findings(registry, specs, stack, layouts=layouts))
    if not report.ok:
        raise GateRejected(report, f"Eventplane gate: stack {stack} would exceed AWS quotas; nothing was deployed.")
    return layouts[stack]


def fingerprints(registry: Registry) -> dict[str, str]:
    return {key: version.fingerprint for key, version in versions_by_key(registry).items()}


def gate_local(contracts: Path, me: StackSpec) -> Registry:
    """The whole gate over the registry, except that only this stack's own subscriptions' filters are
    re-checked (`check`, the PR gate, checks every subscriber's): another domain's filter is not deployed here."""
    result = evaluate(contracts, subscriptions=lambda sub: me.org.deploys_team(sub.team))
    if result.registry is None or not result.report.ok:
        raise GateRejected(result.report, "Eventplane gate: the registry is rejected; nothing was deployed.")
    return result.registry


async def deployed_fingerprints() -> Mapping[str, str]:
    """What this stack exported last time (empty on its first deployment)."""
    me = pulumi.StackReference(f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}")
    details = await me.get_output_details(FINGERPRINTS_OUTPUT)
    value = details.value if details.value is not None else details.secret_value
    return dict(value or {})


async def core_outputs(me: StackSpec, specs: list[StackSpec]) -> dict[str, Any]:
    """A same-account domain stack routes on its core's bus: what the core exported (read, not declared)."""
    if me.org.role != "domain" or is_cross_account(specs, me):
        return {}
    core = pulumi.StackReference(f"{pulumi.get_organization()}/{pulumi.get_project()}/{me.org.core}")
    return {key: (await core.get_output_details(key)).value for key in CORE_OUTPUTS}


def declare(
    registry: Registry,
    config: StackConfig,
    subs: list[Subscription],
    watched: Sequence[MonitoredBus] = (),
    *,
    opts: pulumi.ResourceOptions | None = None,
    shared_table: SharedTable | None = None,
    roles: tuple[StackSpec, list[StackSpec], StackLayout, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every resource of the stack, grouped as its layout (the quota check's count) says; returns the outputs.

    `roles` (this stack, the stacks it relates to, its layout, its core's outputs) decides whose bus it routes
    on and what a core forwards (`components.stack_roles`); a replica has none: it copies a stack of its own.

    Declared again for a global endpoint's secondary region with `opts` (parent: the region's replica,
    whose provider the children inherit) and the primary's metrics table: there without the dashboards,
    the schedule, the contract monitor and the endpoint itself."""
    replica = opts is not None
    tag = f"{config.region}-" if replica else ""  # logical names (and so URNs) of the copy differ from the primary's
    account_id = aws.get_caller_identity_output().account_id
    events: Mapping[str, EventContract] = registry.events
    if roles is None:
        owned = EventBus(
            f"{tag}events",
            EventBusArgs(
                prefix=config.name_prefix,
                archive_retention_days=config.archive_retention_days,
                contracts=tuple(events[k] for k in sorted(events)),
                account_id=account_id,
            ),
            opts=opts,
        )
        bus = StackBus(
            owned.bus.name, owned.bus.arn, owned.topic_key.arn, {"busName": owned.bus.name, "busArn": owned.bus.arn}
        )
        layout = build_layout(registry, config, subs)
    else:
        me, specs, layout, core = roles
        bus = stack_bus(registry, me, specs, core, account_id)
    route = RouteContext(
        prefix=config.name_prefix,
        bus_name=bus.name,
        alarm_threshold_seconds=config.alarms.dlq_oldest_message_age_seconds,
        replica_region=config.region if replica else "",
    )
    if roles is not None:
        declare_forwarding(registry, roles[0], roles[1], layout, route, account_id)
    if config.event_log is not None:
        subscribed = producer_buses(events[s.event] for s in subs) if config.event_log.producer_buses else {}
        EventLog(
            f"{tag}event-log",
            EventLogArgs(
                config.name_prefix,
                bus.name,
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
    for sub in layout.queue:
        queue_urls[sub.id] = QueueDelivery(
            f"{tag}queue-{sub.team}-{sub.name}", QueueDeliveryArgs(route, sub, events[sub.event]), opts
        ).queue.url
    for key, forks in layout.forks.items():
        contract = events[key]
        fork = ForkTopic(
            f"{tag}fork-{contract.domain}-{contract.name}",
            ForkTopicArgs(route, contract, forks, bus.topic_key_arn),
            opts,
        )
        topic_arns[key] = fork.topic.arn
        queue_urls.update({sub_id: q.url for sub_id, q in fork.queues.items()})
    for dest_name, api_subs in layout.api.items():
        dest = config.api_destinations[dest_name]
        routes = tuple((s, events[s.event]) for s in api_subs)
        ApiDestination(
            f"{tag}api-{dest_name}",
            ApiDestinationArgs(
                route, dest, pulumi.Config(NAMESPACE).require_secret(dest.auth.secret_key), routes, account_id
            ),
            opts,
        )
    for sub in layout.lambdas:
        LambdaDelivery(
            f"{tag}lambda-{sub.team}-{sub.name}",
            LambdaDeliveryArgs(route, sub, events[sub.event], config.functions[sub.delivery.options["function"]]),
            opts,
        )
    outputs: dict[str, Any] = dict(bus.outputs)
    if layout.metrics:
        zip_path = bundle.build_bundle_from_registry(registry, bundle.bundle_dir(ROOT, config.stack, registry.root))
        metrics = MetricsPipeline(
            f"{tag}metrics",
            MetricsPipelineArgs(
                route,
                tuple((s, events[s.event]) for s in layout.metrics),
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
        zip_path = bundle.build_monitor_bundle(
            [c for b in watched for c in b.contracts], bundle.bundle_dir(ROOT, config.stack, registry.root)
        )
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
                bus.arn,
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
        outputs.update(
            global_endpoint(registry, config, subs, bus_arn=bus.arn, account_id=account_id, table=shared_table)
        )
    outputs[FINGERPRINTS_OUTPUT] = fingerprints(registry)
    return outputs


def global_endpoint(
    registry: Registry,
    config: StackConfig,
    subs: list[Subscription],
    *,
    bus_arn: pulumi.Input[str],
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
            bus_arn,
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
        me = read_spec()
        config = me.config
        registry = gate_local(Path(pulumi.Config(NAMESPACE).get("contractsDir") or ROOT / "contracts"), me)
        specs = project_stacks(me)
        layout = gate_quotas(registry, specs, config.stack)
        subs = list(layout.subscriptions)
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
        roles = (me, specs, layout, await core_outputs(me, specs))
        return declare(registry, config, subs, layout.watched, roles=roles)

    pulumi.run(deploy)


main()
