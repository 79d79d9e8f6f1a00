"""The catalog as plain data: event rows, attributes, flows and the routing graph.

Everything is derived from the registry (producers from event.json
`service`/`owner`, consumers from subscriptions), never hand-written, and
sorted so that regenerating the catalog from the same contracts gives the
same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from registry.catalog.graph import Graph
from registry.model import EventContract, Registry, Subscription

__all__ = [
    "Attribute",
    "ServiceRow",
    "Flow",
    "Catalog",
    "build_catalog",
    "attributes_of",
    "delivery_summary",
    "consumer_name",
]


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


@dataclass(frozen=True)
class Catalog:
    registry: Registry
    events: tuple[EventContract, ...]  # sorted by key
    flows: tuple[Flow, ...]
    routing: Graph

    def subscribers(self, event_key: str) -> list[Subscription]:
        return sorted(self.registry.subscriptions_of(event_key), key=lambda s: s.id)


def build_catalog(registry: Registry) -> Catalog:
    events = tuple(registry.events[k] for k in sorted(registry.events))
    return Catalog(registry=registry, events=events, flows=_flows(registry), routing=_routing(registry))


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
    """The consuming service: the service of events the team owns, else the team itself."""
    services = sorted({e.service for e in registry.events.values() if e.owner == sub.team and not e.external})
    return services[0] if len(services) == 1 else sub.team


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
    """Producing services linked when one consumes what another emits; pure consumers are leaves.

    A team that only listens (notifications, analytics) joins every flow it
    reads from without merging those flows into one.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    producers = {e.key: e.service for e in registry.events.values()}
    for service in producers.values():
        find(service)
    for sub in registry.subscriptions:
        consumer = consumer_name(sub, registry)
        if consumer in parent and sub.event in producers:
            a, b = sorted((find(producers[sub.event]), find(consumer)))
            parent[b] = a
    groups: dict[str, list[str]] = {}
    for key in sorted(producers):
        groups.setdefault(find(producers[key]), []).append(key)
    flows = [_flow(registry, keys) for keys in groups.values()]
    return tuple(sorted(flows, key=lambda f: f.slug))


def _flow(registry: Registry, keys: list[str]) -> Flow:
    events = [registry.events[k] for k in keys]
    domains = sorted({e.domain for e in events})
    title = " + ".join(domains)
    graph = Graph(title=f"Flow: {title}")
    rows: dict[str, dict[str, Any]] = {}

    def row(service: str, team: str) -> dict[str, Any]:
        return rows.setdefault(service, {"team": team, "listens": set(), "does": set(), "emits": set()})

    for event in events:
        producer = row(event.service, event.owner)
        producer["emits"].add(event.key)
        producer["does"].add(event.action)
        graph.node(f"svc:{event.service}", event.service, "service")
        graph.node(f"evt:{event.key}", event.detail_type, "event")
        graph.edge(f"svc:{event.service}", f"evt:{event.key}", "emits")
    for sub in sorted(registry.subscriptions, key=lambda s: s.id):
        if sub.event not in keys:
            continue
        consumer = consumer_name(sub, registry)
        entry = row(consumer, sub.team)
        entry["listens"].add(sub.event)
        entry["does"].add(f"{sub.description or sub.name}: {delivery_summary(sub)}".strip())
        graph.node(f"svc:{consumer}", consumer, "service" if consumer != sub.team else "team")
        graph.edge(f"evt:{sub.event}", f"svc:{consumer}", f"{sub.name} ({sub.delivery.type})")
    table = tuple(
        ServiceRow(service, r["team"], tuple(sorted(r["listens"])), tuple(sorted(r["does"])), tuple(sorted(r["emits"])))
        for service, r in sorted(rows.items())
    )
    slug = "-".join(domains)
    return Flow(title=title, slug=slug, events=tuple(keys), rows=table, graph=graph)


def _routing(registry: Registry) -> Graph:
    """bus -> rules -> topics / queues / destinations -> handlers, as the platform declares them."""
    graph = Graph(title="Routing")
    bus = graph.node("bus", "event bus", "bus")
    for sub in sorted(registry.subscriptions, key=lambda s: (s.event, s.id)):
        event = registry.events[sub.event]
        kind = sub.delivery.type
        options = sub.delivery.options
        team = graph.node(f"team:{sub.team}", sub.team, "team")
        if kind == "fork":
            rule = graph.node(f"rule:topic:{event.key}", f"rule {event.detail_type} -> topic", "rule")
            topic = graph.node(f"topic:{event.key}", f"SNS {event.detail_type}", "topic")
            queue = graph.node(f"queue:{sub.id}", f"SQS {sub.id} ({options.get('pipeline', 'plain')})", "queue")
            graph.edge(bus, rule)
            graph.edge(rule, topic)
            graph.edge(topic, queue, "filter policy" if sub.filter else "")
            graph.edge(queue, team)
            continue
        rule = graph.node(f"rule:{sub.id}", f"rule {sub.id}", "rule")
        graph.edge(bus, rule, event.detail_type)
        if kind == "queue":
            queue = graph.node(f"queue:{sub.id}", f"SQS {sub.id}" + (" (FIFO)" if options.get("fifo") else ""), "queue")
            graph.edge(rule, queue)
            graph.edge(queue, team)
        elif kind == "api":
            destination = graph.node(f"api:{options.get('destination')}", f"API destination {options.get('destination')}", "destination")
            graph.edge(rule, destination)
            graph.edge(destination, team)
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
            graph.edge(function, team)
    return graph
