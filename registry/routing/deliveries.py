"""Which subscriptions an event reaches, as deployed: every rule in one machine, every topic's policies in another.

Built from `registry.patterns` (the builders the Pulumi program deploys), so
the gate's expectation checks, `route` and `route --events` answer with the
patterns AWS will hold. Each rule pins its contract's source and detail-type,
and those pin the bus the event travels on (ours, or the producer's for an
external contract), so one machine over every rule answers as the per-bus
machines would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from registry.model import EventContract, Subscription
from registry.patterns import fork_policy, rule_pattern, topic_rule_pattern
from registry.routing.errors import PatternError
from registry.routing.eventbridge import compile_pattern
from registry.routing.machine import Machine
from registry.routing.sns import compile_policy

__all__ = ["SubscriptionRoutes"]


class SubscriptionRoutes:
    """`delivered(envelope)` -> ids of the subscriptions that receive it, in subscription order.

    A subscription whose filter AWS would reject is never delivered; its error
    is kept in `invalid` for the gate to report. A subscription of an event the
    registry does not know is left out.
    """

    def __init__(self, subscriptions: Iterable[Subscription], events: Mapping[str, EventContract]) -> None:
        self.order: list[str] = []
        self.invalid: dict[str, PatternError] = {}
        self._rules: Machine[tuple[str, str]] = Machine()  # ("rule", sub id) or ("topic", event key)
        self._topics: dict[str, Machine[str]] = {}  # event key -> its fork policies (MessageBody)
        for sub in subscriptions:
            contract = events.get(sub.event)
            if contract is None:
                continue
            self.order.append(sub.id)
            try:
                self._add(sub, contract)
            except PatternError as exc:
                self.invalid[sub.id] = exc

    def _add(self, sub: Subscription, contract: EventContract) -> None:
        if sub.delivery.type != "fork":
            self._rules.add(("rule", sub.id), compile_pattern(rule_pattern(sub, contract)))
            return
        policy = compile_policy(fork_policy(sub) or {}, "MessageBody")  # "{}": no filter
        if contract.key not in self._topics:
            self._rules.add(("topic", contract.key), compile_pattern(topic_rule_pattern(contract)))
            self._topics[contract.key] = Machine()
        self._topics[contract.key].add(sub.id, policy)

    def delivered(self, envelope: Any) -> list[str]:
        found: set[str] = set()
        for kind, name in self._rules.match(envelope):
            if kind == "rule":
                found.add(name)
            else:  # the topic rule matched: SNS applies each subscription's policy to the envelope
                found.update(self._topics[name].match(envelope))
        return [s for s in self.order if s in found] if found else []
