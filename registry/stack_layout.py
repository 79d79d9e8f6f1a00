"""What one stack deploys, grouped the way the program declares it, without pulumi.

The program (`__main__.py`) declares its components from a `StackLayout`, and
the quota check (`registry.quotas`) counts rules, targets, topics, filter
policies and API destinations from the same `StackLayout`, so the two cannot
disagree. Patterns come from `registry.patterns`, the builders the components
use, and the bus a rule sits on follows the same rule as `RouteContext.bus_for`
(the producer's bus for external contracts, else ours).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from registry.deploy_checks import stack_findings
from registry.environment import StackSpec, account_of, is_cross_account
from registry.errors import InputError
from registry.model import EventContract, Registry, Subscription
from registry.monitoring import OUR_BUS, MonitoredBus, monitored_buses
from registry.ops_config import EVERY_EVENT, producer_buses, producer_pattern
from registry.org_config import OrgConfig
from registry.patterns import fork_policy, rule_pattern, to_aws_json, topic_rule_pattern
from registry.stack_config import NAMESPACE, StackConfig

__all__ = [
    "OWN_BUS",
    "Forward",
    "RuleUse",
    "StackLayout",
    "TopicUse",
    "build_layout",
    "deployed_subscriptions",
    "environment_layouts",
    "forwards_of",
]

OWN_BUS = ""  # the environment's own bus (the core's); any other value names a producer's bus


@dataclass(frozen=True)
class RuleUse:
    """One EventBridge rule the stack creates: on which bus, its pattern as deployed, its target count."""

    bus: str  # OWN_BUS, or the producer's bus name (`default`, `Serverlesspresso`, ...)
    pattern: str | None  # None for a scheduled rule
    targets: int
    owner: str  # what the rule serves, for messages: a subscription id, `fork topic <event>`, `schedule <name>`
    file: str  # where a product team fixes it
    pointer: str


@dataclass(frozen=True)
class TopicUse:
    """One fork topic: its subscriptions, and how many of them carry a filter policy."""

    event: str
    subscriptions: tuple[Subscription, ...]

    @property
    def filter_policies(self) -> int:
        return sum(1 for s in self.subscriptions if fork_policy(s) is not None)


@dataclass(frozen=True)
class Forward:
    """A core bus rule sending one event on to a cross-account domain stack's bus (bus-to-bus, with a scoped role)."""

    stack: str  # the consumer domain stack
    account: str  # its account
    event: str  # the event key; only events put on our bus (external ones stay on their producer's bus)


@dataclass(frozen=True)
class StackLayout:
    stack: str
    queue: tuple[Subscription, ...]
    forks: Mapping[str, tuple[Subscription, ...]]  # event key -> its fork subscriptions, sorted by event
    api: Mapping[str, tuple[Subscription, ...]]  # destination name -> its subscriptions, sorted by name
    lambdas: tuple[Subscription, ...]
    metrics: tuple[Subscription, ...]
    rules: tuple[RuleUse, ...]
    topics: tuple[TopicUse, ...]
    forwards: tuple[Forward, ...] = ()
    watched: tuple[MonitoredBus, ...] = ()  # the contract monitor's buses (`eventplane:monitor`)
    subscriptions: tuple[Subscription, ...] = ()  # every one the stack deploys, in registry order

    @property
    def api_destinations(self) -> tuple[str, ...]:
        """One destination and one connection per configured destination an enabled subscription uses."""
        return tuple(self.api)


def deployed_subscriptions(registry: Registry, config: StackConfig, org: OrgConfig) -> list[Subscription]:
    """The subscriptions this stack deploys; an unknown id, team or config name is an error, not a silent skip
    (`deploy_checks.stack_findings`, which `check` reports too, raised as the first InputError)."""
    teams = {s.team for s in registry.subscriptions}
    for team in org.teams or ():
        if team not in teams:
            raise InputError(
                org.source,
                f"unknown team {team!r}",
                pointer=f"/config/{NAMESPACE}:teams",
                hint=f"name a contracts/subscriptions/<team>.json; known: {', '.join(sorted(teams))}",
            )
    for problem in stack_findings(registry, config, org):
        raise InputError(problem.file, problem.message, pointer=problem.pointer, hint=problem.hint)
    return [s for s in registry.subscriptions if org.deploys_team(s.team) and config.subscription_enabled(s.id)]


def build_layout(
    registry: Registry, config: StackConfig, subs: list[Subscription], forwards: tuple[Forward, ...] = ()
) -> StackLayout:
    """Group `subs` as the components take them and list every rule and topic they create."""
    events = registry.events
    by_type: dict[str, list[Subscription]] = {}
    for sub in subs:
        by_type.setdefault(sub.delivery.type, []).append(sub)
    forks = {
        key: tuple(s for s in by_type.get("fork", []) if s.event == key)
        for key in sorted({s.event for s in by_type.get("fork", [])})
    }
    api = {
        name: tuple(s for s in by_type.get("api", []) if s.delivery.options["destination"] == name)
        for name in sorted({s.delivery.options["destination"] for s in by_type.get("api", [])})
    }
    rules = [
        _subscription_rule(sub, events[sub.event])
        for kind in ("queue", "api", "lambda", "metrics")
        for sub in by_type.get(kind, [])
    ]
    for key, forked in forks.items():
        contract = events[key]
        rules.append(
            RuleUse(
                _bus(contract),
                to_aws_json(topic_rule_pattern(contract)),
                1,
                f"fork topic {key}",
                forked[0].file,
                forked[0].pointer,
            )
        )
    for forward in forwards:
        rules.append(
            RuleUse(
                OWN_BUS,
                to_aws_json(topic_rule_pattern(events[forward.event])),
                1,
                f"forward {forward.event} to stack {forward.stack} (account {forward.account})",
                config.source,
                f"/config/{NAMESPACE}:role",
            )
        )
    watched = tuple(
        monitored_buses(registry, config.monitor.buses, source=config.source) if config.monitor.enabled else ()
    )
    for bus in watched:  # one rule per pattern (components.monitor)
        for pattern in bus.patterns:
            rules.append(
                RuleUse(
                    OWN_BUS if bus.name == OUR_BUS else bus.name,
                    pattern,
                    1,
                    "contract monitor",
                    config.source,
                    f"/config/{NAMESPACE}:monitor",
                )
            )
    if config.event_log is not None:  # one rule per bus it logs, with the patterns components.event_log sends
        where = (config.source, f"/config/{NAMESPACE}:eventLog")
        rules.append(RuleUse(OWN_BUS, json.dumps(EVERY_EVENT), 1, "event log", *where))
        if config.event_log.producer_buses:
            for logged, put in producer_buses(events[s.event] for s in subs).items():
                pattern = json.dumps(producer_pattern(put), sort_keys=True)
                rules.append(RuleUse(logged, pattern, 1, "event log", *where))
    if config.schedule is not None:
        rules.append(
            RuleUse(
                "default",  # scheduled rules live on the account's default bus
                None,
                1,
                f"schedule {config.schedule.name}",
                config.source,
                f"/config/{NAMESPACE}:schedule",
            )
        )
    return StackLayout(
        stack=config.stack,
        queue=tuple(by_type.get("queue", [])),
        forks=forks,
        api=api,
        lambdas=tuple(by_type.get("lambda", [])),
        metrics=tuple(by_type.get("metrics", [])),
        rules=tuple(rules),
        topics=tuple(TopicUse(key, forked) for key, forked in forks.items()),
        forwards=forwards,
        watched=watched,
        subscriptions=tuple(subs),
    )


def forwards_of(registry: Registry, specs: list[StackSpec], core: StackSpec) -> tuple[Forward, ...]:
    """What `core` forwards: per cross-account domain stack, each event (put on our bus) it subscribes to."""
    found: set[Forward] = set()
    for spec in specs:
        if spec.org.environment != core.name or not is_cross_account(specs, spec):
            continue
        for sub in deployed_subscriptions(registry, spec.config, spec.org):
            if not registry.events[sub.event].bus:
                found.add(Forward(spec.name, account_of(specs, spec), sub.event))
    return tuple(sorted(found, key=lambda f: (f.stack, f.event)))


def environment_layouts(registry: Registry, specs: list[StackSpec]) -> dict[str, StackLayout]:
    """Every stack's layout; a core stack's includes its forwarding rules to consumer accounts."""
    layouts: dict[str, StackLayout] = {}
    for spec in specs:
        subs = deployed_subscriptions(registry, spec.config, spec.org)
        forwards = forwards_of(registry, specs, spec) if spec.org.role == "core" else ()
        layouts[spec.name] = build_layout(registry, spec.config, subs, forwards)
    return layouts


def _bus(contract: EventContract) -> str:
    return contract.bus or OWN_BUS


def _subscription_rule(sub: Subscription, contract: EventContract) -> RuleUse:
    """Every non-fork subscription has its own rule with one target (`components.common.rule_target`)."""
    return RuleUse(_bus(contract), to_aws_json(rule_pattern(sub, contract)), 1, sub.id, sub.file, sub.pointer)
