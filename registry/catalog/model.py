"""The catalog as plain data: event rows, attributes, flows and the routing graph.

Everything is derived from the registry (producers from event.json
`service`/`owner`, consumers from subscriptions), never hand-written, and
sorted so that regenerating the catalog from the same contracts gives the
same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.catalog.graph import Graph
from registry.contract_layout import EVIDENCE_DIR
from registry.dashboards import dashboard_name
from registry.model import EventContract, Registry, Subscription

__all__ = [
    "PREFIX_PLACEHOLDER",
    "Attribute",
    "Catalog",
    "Flow",
    "ServiceRow",
    "attributes_of",
    "build_catalog",
    "consumer_name",
    "delivery_summary",
]


PREFIX_PLACEHOLDER = "<namePrefix>"  # the catalog is per registry; dashboards are per stack


@dataclass(frozen=True)
class Attribute:
    """One field of an event's detail, flattened to a dotted path (`data.orderId`)."""

    path: str
    type: str
    required: bool  # required here and on every enclosing object
    description: str


@dataclass(frozen=True)
class ServiceRow:
    """A row of a flow's design table: what a service listens to, does and emits."""

    service: str
    team: str
    listens: tuple[str, ...]  # event keys
    does: tuple[str, ...]
    emits: tuple[str, ...]  # event keys


@dataclass(frozen=True)
class Flow:
    title: str
    slug: str
    events: tuple[str, ...]
    rows: tuple[ServiceRow, ...]
    graph: Graph
    dashboard: str = ""  # its CloudWatch dashboard's name, `<namePrefix>` standing for each stack's prefix


@dataclass(frozen=True)
class Catalog:
    registry: Registry
    events: tuple[EventContract, ...]  # sorted by key
    flows: tuple[Flow, ...]
    routing: Graph
    # event key -> recorded-event files under <contracts>/evidence/<domain>/<Event>/ (0: no evidence)
    evidence: Mapping[str, int] = field(default_factory=dict)
    # event key -> the contract monitor's last counts in an embedded run ({} when none were given)
    monitor: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def evidence_text(self, key: str) -> str:
        count = self.evidence.get(key, 0)
        return f"{count} file(s)" if count else "none"

    def monitor_text(self, key: str) -> str:
        counts = self.monitor.get(key)
        if counts is None:
            return "-"
        return f"{counts.get('accepted', 0)} accepted, {counts.get('rejected', 0)} rejected"

    def subscribers(self, event_key: str) -> list[Subscription]:
        return sorted(self.registry.subscriptions_of(event_key), key=lambda s: s.id)


def build_catalog(registry: Registry, monitor: Mapping[str, Mapping[str, Any]] | None = None) -> Catalog:
    """`monitor`: the contract monitor's counts from an embedded run (`local`), shown when given."""
    events = tuple(registry.events[k] for k in sorted(registry.events))
    return Catalog(
        registry=registry,
        events=events,
        flows=_flows(registry),
        routing=_routing(registry),
        evidence=evidence_files(registry),
        monitor=dict(monitor or {}),
    )


def evidence_files(registry: Registry) -> dict[str, int]:
    """How many recorded-event files back each contract (`<contracts>/evidence/<domain>/<Event>/*`)."""
    base = Path(registry.root) / EVIDENCE_DIR
    counts: dict[str, int] = {}
    for key in sorted(registry.events):
        folder = base / key
        counts[key] = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
    return counts


def attributes_of(schema: Mapping[str, Any]) -> list[Attribute]:
    """Every property, depth first in schema order, with its type and whether it is always present."""
    out: list[Attribute] = []
    _walk(schema, "", True, out)
    return out


def _walk(schema: Any, prefix: str, required_so_far: bool, out: list[Attribute]) -> None:
    if not isinstance(schema, Mapping):
        return
    required = set(schema.get("required", []))
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        is_required = required_so_far and name in required
        sub = sub if isinstance(sub, Mapping) else {}
        out.append(Attribute(path, _type_of(sub), is_required, str(sub.get("description", ""))))
        _walk(sub, path, is_required, out)


def _type_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if isinstance(kind, str):
        return kind
    for combiner in ("oneOf", "anyOf"):
        options = schema.get(combiner)
        if isinstance(options, list):
            return " | ".join(_type_of(o) if isinstance(o, Mapping) else "any" for o in options)
    if "enum" in schema:
        return "enum"
    if "const" in schema:
        return "const"
    return "any"


def consumer_name(sub: Subscription, registry: Registry) -> str:
    """The service behind a subscription, derived from the contracts (first rule that applies).

    1. an `api` delivery: the external endpoint it calls;
    2. the one service producing events the team owns;
    3. the service of the domain the subscription name starts with (`inventory-reserve-items`),
       as a shared saga file names each step after the service that takes it;
    4. the service of the domain named like the team (`notifications`);
    5. the team itself (a pure consumer such as `metrics`).
    """
    if sub.delivery.type == "api":
        return f"{sub.delivery.options.get('destination', sub.team)} (external API)"
    owned = sorted({e.service for e in registry.events.values() if e.owner == sub.team and not e.external})
    if len(owned) == 1:
        return owned[0]
    domains = _domain_services(registry)
    for domain in sorted(domains, key=lambda d: (-len(d), d)):
        if sub.name.startswith(domain + "-"):
            return domains[domain]
    return domains.get(sub.team, sub.team)


def _domain_services(registry: Registry) -> dict[str, str]:
    """Domains whose (non-external) events all come from one service."""
    services: dict[str, set[str]] = {}
    for event in registry.events.values():
        if not event.external:
            services.setdefault(event.domain, set()).add(event.service)
    return {domain: next(iter(names)) for domain, names in services.items() if len(names) == 1}


def delivery_summary(sub: Subscription) -> str:
    """One line saying where a subscription's events go, as the platform builds it."""
    options = sub.delivery.options
    kind = sub.delivery.type
    if kind == "queue":
        fifo = " FIFO" if options.get("fifo") else ""
        return f"SQS{fifo} queue (+DLQ)"
    if kind == "fork":
        return f"SNS topic -> SQS {options.get('pipeline', 'plain')} pipeline (+DLQ)"
    if kind == "api":
        return f"API destination {options.get('destination', '?')} (+DLQ)"
    if kind == "metrics":
        return "SQS -> metrics Lambda -> DynamoDB metrics table"
    if kind == "lambda":
        return f"Lambda {options.get('function', '?')}"
    return kind


def _flows(registry: Registry) -> tuple[Flow, ...]:
    """One flow per subscription file (team): the events it reads, who emits them, who handles them."""
    teams = sorted({sub.team for sub in registry.subscriptions})
    return tuple(_flow(registry, team) for team in teams)


def _flow(registry: Registry, team: str) -> Flow:
    # file order: a saga file lists its steps in order, so the diagram starts at the first one
    subs = sorted((s for s in registry.subscriptions if s.team == team), key=lambda s: _position(s.pointer))
    graph = Graph(title=f"Flow: {team}")
    rows: dict[str, dict[str, Any]] = {}

    owners = {e.service: e.owner for e in sorted(registry.events.values(), key=lambda e: e.key, reverse=True)}

    def row(service: str, team: str) -> dict[str, Any]:
        return rows.setdefault(
            service, {"team": owners.get(service, team), "listens": set(), "does": set(), "emits": set()}
        )

    def emit(event: EventContract) -> None:
        producer = row(event.service, event.owner)
        producer["emits"].add(event.key)
        producer["does"].add(event.action)
        graph.node(f"svc:{event.service}", event.service, "service")
        graph.node(f"evt:{event.key}", event.detail_type, "event")
        graph.edge(f"svc:{event.service}", f"evt:{event.key}", "emits")

    consumers: dict[str, Subscription] = {}
    for sub in subs:
        emit(registry.events[sub.event])
        consumers.setdefault(consumer_name(sub, registry), sub)
    for sub in subs:
        consumer = consumer_name(sub, registry)
        entry = row(consumer, sub.team)
        entry["listens"].add(sub.event)
        entry["does"].add(f"{sub.description or sub.name} ({delivery_summary(sub)})")
        kind = "service" if any(e.service == consumer for e in registry.events.values()) else "team"
        graph.node(f"svc:{consumer}", consumer, kind)
        graph.edge(f"evt:{sub.event}", f"svc:{consumer}", f"{sub.name} ({sub.delivery.type})")
    # A consuming service's own events belong to the flow too: they are its next step.
    for event in sorted(registry.events.values(), key=lambda e: e.key):
        if event.service in consumers and not event.external:
            emit(event)
    table = tuple(
        ServiceRow(service, r["team"], tuple(sorted(r["listens"])), tuple(sorted(r["does"])), tuple(sorted(r["emits"])))
        for service, r in sorted(rows.items())
    )
    events = tuple(sorted({key for r in table for key in r.emits}))
    return Flow(
        title=team,
        slug=team,
        events=events,
        rows=table,
        graph=graph,
        dashboard=dashboard_name(PREFIX_PLACEHOLDER, team),
    )


def _position(pointer: str) -> int:
    """The index of a subscription in its file, from its pointer `/subscriptions/<i>`."""
    tail = pointer.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _routing(registry: Registry) -> Graph:
    """bus -> rules -> topics / queues / destinations -> handlers, as the platform declares them."""
    graph = Graph(title="Routing")
    bus = graph.node("bus", "event bus", "bus")
    for sub in sorted(registry.subscriptions, key=lambda s: (s.event, s.id)):
        event = registry.events[sub.event]
        kind = sub.delivery.type
        options = sub.delivery.options
        handler = consumer_name(sub, registry)
        if kind == "fork":
            rule = graph.node(f"rule:topic:{event.key}", f"rule {event.detail_type} -> topic", "rule")
            topic = graph.node(f"topic:{event.key}", f"SNS {event.detail_type}", "topic")
            queue = graph.node(f"queue:{sub.id}", f"SQS {sub.id} ({options.get('pipeline', 'plain')})", "queue")
            graph.edge(bus, rule)
            graph.edge(rule, topic)
            graph.edge(topic, queue, "filter policy" if sub.filter else "")
            graph.edge(queue, graph.node(f"svc:{handler}", handler, "service"))
            continue
        rule = graph.node(f"rule:{sub.id}", f"rule {sub.id}: {event.detail_type}", "rule")
        graph.edge(bus, rule)
        if kind == "queue":
            queue = graph.node(f"queue:{sub.id}", f"SQS {sub.id}" + (" (FIFO)" if options.get("fifo") else ""), "queue")
            graph.edge(rule, queue)
            graph.edge(queue, graph.node(f"svc:{handler}", handler, "service"))
        elif kind == "api":
            destination = graph.node(
                f"api:{options.get('destination')}", f"API destination {options.get('destination')}", "destination"
            )
            graph.edge(rule, destination)
            graph.edge(destination, graph.node(f"svc:{handler}", handler, "service"))
        elif kind == "metrics":
            queue = graph.node(f"queue:{sub.id}", f"SQS {sub.id}", "queue")
            function = graph.node("fn:metrics", "metrics Lambda", "function")
            table = graph.node("table:metrics", "DynamoDB metrics table", "table")
            graph.edge(rule, queue)
            graph.edge(queue, function)
            graph.edge(function, table)
        elif kind == "lambda":
            function = graph.node(f"fn:{options.get('function')}", f"Lambda {options.get('function')}", "function")
            graph.edge(rule, function)
    return graph
