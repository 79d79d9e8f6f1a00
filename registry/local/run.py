"""One embedded run: plan -> topology -> moto -> publish -> deliver -> drain -> figures.

The topology is stood up once per run; between scenarios the queues that
received anything are emptied and the tables recreated, so each scenario's
queue depths and metrics are its own. Contracts we design are published through the
producer helper (validated, idempotency-stamped, batched PutEvents) onto our bus;
external contracts' events are put straight on their producer's bus (`contract.bus`,
ours when it names none), as their real producer does, and only the rules on that
bus see them.
The metrics Lambda and the contract monitor run from the bundles the deployment
would upload (`registry.bundle`), so their build-time validators are the ones that ship.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from registry.local.endpoint import LocalEndpoint
from registry.local.engine import Engine, Handler, import_handler, new_trace_header
from registry.local.monitor import is_monitor, monitor_counts, violations
from registry.local.scenario import Scenario, ScenarioEvent
from registry.local.standup import ACCOUNT, REGION, Deployment, connect, empty, stand_up
from registry.local.topology import Function, PlanResource, Topology, build_topology
from registry.model import Registry

__all__ = ["BundledHandlers", "LocalRun", "ScenarioRun", "auth_hints", "prepare", "run_scenarios"]


@dataclass
class ScenarioRun:
    """What one scenario did: traces, queue figures, API calls, metrics, and what could not be sent."""

    scenario: Scenario
    engine: Engine
    depths: dict[str, tuple[int, int]]  # queue -> (visible, in flight)
    metrics: dict[str, dict[str, Any]]  # day -> {orders, completed, cancelled, drinks}
    unsent: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    monitor: dict[str, dict[str, Any]] = field(default_factory=dict)  # event key -> accepted, rejected, versions
    violations: list[dict[str, Any]] = field(default_factory=list)  # what the monitor logged for each rejection


@dataclass
class LocalRun:
    stack: str
    topology: Topology
    runs: list[ScenarioRun]
    endpoint_url: str


class BundledHandlers:
    """Imports a Lambda's handler from the deployment bundle when the plan's handler is the bundle's.

    The bundle's modules live in `sys.modules` only while the run needs them: `close()`
    puts back whatever the process had under those names, so a run leaves no stale
    package behind (its files are deleted with the run's temporary directory)."""

    def __init__(self, registry: Registry, workdir: Path) -> None:
        self.registry = registry
        self.workdir = workdir
        self._loaded: dict[str, Handler | None] = {}
        self._shadowed: dict[str, Any] = {}  # modules the bundle's package displaced, by name
        self._packages: set[str] = set()  # top-level names the bundle's modules were imported under

    def __call__(self, function: Function) -> Handler | None:
        if function.handler not in self._loaded:
            self._loaded[function.handler] = self._load(function)
        return self._loaded[function.handler]

    def _load(self, function: Function) -> Handler | None:
        from registry import bundle

        if function.handler not in (bundle.METRICS_HANDLER, bundle.MONITOR_HANDLER):
            return import_handler(function)
        shipped = Path(function.archive) if function.archive else None
        if shipped is not None and shipped.is_file():
            archive = shipped  # the very zip the deployment uploads
        elif function.handler == bundle.MONITOR_HANDLER:
            archive = bundle.build_monitor_bundle(self.registry.events.values(), self.workdir)
        else:
            archive = bundle.build_bundle_from_registry(self.registry, self.workdir)
        target = self.workdir / f"bundle-{function.name}"
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(target)
        module_name, _, attr = function.handler.rpartition(".")
        top = module_name.split(".")[0]
        for name in _modules_under(top):
            self._shadowed.setdefault(name, sys.modules.pop(name))  # nothing else may shadow this bundle
        self._packages.add(top)
        sys.path.insert(0, str(target))
        try:
            handler: Handler = getattr(importlib.import_module(module_name), attr)
            return handler
        finally:
            sys.path.remove(str(target))

    def close(self) -> None:
        """Unload the bundle's modules and restore the ones they displaced."""
        for top in self._packages:
            for name in _modules_under(top):
                del sys.modules[name]
        sys.modules.update(self._shadowed)
        self._shadowed.clear()
        self._packages.clear()
        self._loaded.clear()


def _modules_under(top: str) -> list[str]:
    return [n for n in sys.modules if n == top or n.startswith(top + ".")]


def prepare() -> None:
    """Import boto3 and moto's backends now (e.g. while the plan runs in its child process), not mid-run."""
    import boto3  # noqa: F401
    import moto.dynamodb.models
    import moto.events.models
    import moto.sns.models
    import moto.sqs.models  # noqa: F401


@contextlib.contextmanager
def _embedded_aws() -> Iterator[Any]:
    """A boto3 session on an in-process AWS, with throwaway credentials so nothing can reach a real account."""
    import boto3
    from moto import mock_aws

    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with mock_aws():
            yield boto3.Session(region_name=REGION)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _Bus:
    """The EventBridge client the producer and external producers talk to: PutEvents feeds the engine."""

    def __init__(self, engine: Engine, bus: str) -> None:
        self.engine = engine
        self.bus = bus
        self.current = ScenarioEvent(label="", event="", detail=None)  # the scenario event being put

    def put_events(self, Entries: Sequence[Mapping[str, Any]], **_: Any) -> dict[str, Any]:
        results = []
        for entry in Entries:
            event_id = str(uuid.uuid4())
            when = entry.get("Time") or (_parse_time(self.current.time) if self.current.time else None)
            if isinstance(when, datetime):
                when = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            envelope = {
                "version": "0",
                "id": event_id,
                "detail-type": entry["DetailType"],
                "source": entry["Source"],
                "account": ACCOUNT,
                "time": when or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": REGION,
                "resources": list(entry.get("Resources") or []),
                "detail": json.loads(entry.get("Detail") or "{}"),
            }
            bus = _bus_name(entry.get("EventBusName"))
            header = str(entry.get("TraceHeader") or "")
            self.engine.route(envelope, self.current.label, self.current.redeliver, bus=bus, trace_header=header)
            results.append({"EventId": event_id})
        return {"FailedEntryCount": 0, "Entries": results}


def _bus_name(value: Any) -> str:
    """PutEvents' EventBusName as a bus name: absent means the default bus, an ARN names its bus."""
    text = str(value or "default")
    return text.split(":event-bus/", 1)[1] if text.startswith("arn:") and ":event-bus/" in text else text


@contextlib.contextmanager
def _traced_producer() -> Iterator[str]:
    """Stand in for a producer running in a Lambda function with active tracing: `_X_AMZN_TRACE_ID` holds
    a fresh trace header while it publishes (one trace per scenario event, its retries included)."""
    from registry.producer import TRACE_ENV

    saved = os.environ.get(TRACE_ENV)
    os.environ[TRACE_ENV] = header = new_trace_header()
    try:
        yield header
    finally:
        if saved is None:
            os.environ.pop(TRACE_ENV, None)
        else:
            os.environ[TRACE_ENV] = saved


def _publish(registry: Registry, bus: _Bus, item: ScenarioEvent) -> list[str]:
    """Put one scenario event `repeat` times; returns why any could not be sent."""
    from registry.producer import current_trace_header, publish

    contract = registry.events[item.event]
    unsent: list[str] = []
    with _traced_producer():
        for _ in range(item.repeat):
            if contract.external:  # its real producer puts it straight on the bus it publishes to (traced alike)
                entry: dict[str, Any] = {
                    "Source": contract.source,
                    "DetailType": contract.detail_type,
                    "Detail": json.dumps(item.detail),
                    "EventBusName": contract.bus or bus.bus,
                }
                if not contract.source.startswith("aws."):  # AWS services' own events carry no trace (X-Ray docs)
                    entry["TraceHeader"] = current_trace_header()
                bus.put_events(Entries=[entry])
                continue
            result = publish([(item.event, item.detail)], registry=registry, client=bus, bus_name=bus.bus)
            unsent += [f"{item.label}: {u.reason}" for u in result.unsent]
    return unsent


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _depths(dep: Deployment, touched: set[str]) -> dict[str, tuple[int, int]]:
    """(visible, in flight) per queue; a queue nothing was sent to is empty without asking."""
    found = {}
    for name, url in sorted(dep.queue_urls.items()):
        if name not in touched:
            found[name] = (0, 0)
            continue
        attrs = dep.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        found[name] = (int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"]))
    return found


def _metrics(dep: Deployment) -> dict[str, dict[str, Any]]:
    """Per day: orders, completed, cancelled and drinks, read from the metrics table's items."""
    days: dict[str, dict[str, Any]] = {}
    for table in dep.tables.values():
        for page in dep.dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                pk, sk = item.get("pk", {}).get("S", ""), item.get("sk", {}).get("S", "")
                if not pk.startswith("DAY#"):
                    continue
                day = days.setdefault(pk[4:], {"orders": 0, "completed": 0, "cancelled": 0, "drinks": {}})
                if sk == "TOTAL":
                    for key in ("orders", "completed", "cancelled"):
                        day[key] = int(item.get(key, {}).get("N", "0"))
                elif sk.startswith("DRINK#"):
                    day["drinks"][sk[6:]] = int(item.get("count", {}).get("N", "0"))
    return dict(sorted(days.items()))


def auth_hints(config: Any) -> dict[str, dict[str, Any]]:
    """Non-secret auth parts per API destination of a `StackConfig`, in the plan's authParameters shape."""
    hints: dict[str, dict[str, Any]] = {}
    for name, dest in config.api_destinations.items():
        auth = dest.auth
        hints[name] = {
            "apiKey": {"key": auth.header_name},
            "basic": {"username": auth.username},
            "oauth": {
                "authorizationEndpoint": auth.authorization_endpoint,
                "httpMethod": auth.http_method,
                "clientParameters": {"clientId": auth.client_id},
            },
        }
    return hints


def _run_one(
    topology: Topology,
    registry: Registry,
    scenario: Scenario,
    dep: Deployment,
    endpoint: LocalEndpoint,
    handlers: BundledHandlers,
    hints: Mapping[str, Mapping[str, Any]],
) -> ScenarioRun:
    engine = Engine(topology, dep, endpoint, resolve_handler=handlers, auth_hints=hints)
    unknown = engine.configure_api(scenario.api)
    bus = _Bus(engine, topology.buses[0] if topology.buses else "default")
    unsent = [f"api: no API destination {n!r} in the stack" for n in unknown]
    for item in scenario.events:
        bus.current = item
        unsent += _publish(registry, bus, item)
    engine.drain()
    monitors = [f.name for f in topology.functions.values() if is_monitor(f.handler)]
    return ScenarioRun(
        scenario,
        engine,
        _depths(dep, engine.touched_queues()),
        _metrics(dep),
        unsent,
        list(dep.warnings),
        monitor_counts(engine.logs, monitors),
        violations(engine.logs, monitors),
    )


def run_scenarios(
    stack: str,
    resources: Sequence[PlanResource],
    registry: Registry,
    scenarios: Sequence[Scenario],
    hints: Mapping[str, Mapping[str, Any]] | None = None,
) -> LocalRun:
    """Run each scenario, from an empty stack, against the topology of `resources` on one embedded AWS.

    `hints` are the non-secret auth parts per API destination (`auth_hints(stack_config)`),
    for plans that mask a connection's authParameters whole."""
    topology = build_topology(resources)
    endpoint = LocalEndpoint()
    endpoint.start()
    try:
        with tempfile.TemporaryDirectory(prefix="eventplane-local-") as tmp, _embedded_aws() as session:
            handlers = BundledHandlers(registry, Path(tmp))
            try:
                dep = stand_up(topology, connect(session))
                runs: list[ScenarioRun] = []
                for scenario in scenarios:
                    if runs:  # every scenario starts from an empty stack
                        empty(topology, dep, runs[-1].engine.touched_queues())
                    runs.append(_run_one(topology, registry, scenario, dep, endpoint, handlers, hints or {}))
            finally:
                handlers.close()
        return LocalRun(stack, topology, runs, endpoint.base_url)
    finally:
        endpoint.stop()
