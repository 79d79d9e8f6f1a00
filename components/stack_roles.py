"""What a stack's role adds around its deliveries: whose bus they route on, and what the core shares.

- `all` and `core` own the environment's bus (`EventBus`: bus, archive, schema
  registry, topic key) and grant producer accounts PutEvents (`ProducerAccess`);
  a core also forwards to each cross-account domain stack (`Forwarding`).
- A `domain` in its core's account routes on the core's bus and uses its key,
  both read from the core stack's outputs (a StackReference, awaited before
  anything is declared); a domain in another account owns an `InboundBus`.
Not a component itself: the program calls these before declaring deliveries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.common import RouteContext
from components.event_bus import EventBus, EventBusArgs
from components.forwarding import Forwarding, ForwardingArgs
from components.inbound_bus import InboundBus, InboundBusArgs
from components.producer_access import ProducerAccess, ProducerAccessArgs
from registry.environment import StackSpec, account_of, bus_name, core_of, forwarder_role_name, is_cross_account
from registry.model import Registry
from registry.stack_layout import StackLayout

__all__ = ["CORE_OUTPUTS", "StackBus", "declare_forwarding", "stack_bus"]

CORE_OUTPUTS = ("busName", "busArn", "topicKeyArn")  # what a core exports for its same-account domains


@dataclass(frozen=True)
class StackBus:
    """The bus this stack's rules sit on and the key its fork topics use, plus the outputs that describe them."""

    name: pulumi.Input[str]
    arn: pulumi.Input[str]
    topic_key_arn: pulumi.Input[str]
    outputs: dict[str, Any] = field(default_factory=dict)


def stack_bus(
    registry: Registry,
    me: StackSpec,
    specs: list[StackSpec],
    core_outputs: Mapping[str, Any],
    account_id: pulumi.Input[str],
) -> StackBus:
    config = me.config
    if me.org.owns_bus:
        events = registry.events
        bus = EventBus(
            "events",
            EventBusArgs(
                prefix=config.name_prefix,
                archive_retention_days=config.archive_retention_days,
                contracts=tuple(events[k] for k in sorted(events)),
                account_id=account_id,
            ),
        )
        if me.org.producers.any:
            ProducerAccess("producers", ProducerAccessArgs(bus.bus.name, bus.bus.arn, me.org.producers))
        return StackBus(
            bus.bus.name,
            bus.bus.arn,
            bus.topic_key.arn,
            {"busName": bus.bus.name, "busArn": bus.bus.arn, "topicKeyArn": bus.topic_key.arn},
        )
    core = core_of(specs, me)
    if is_cross_account(specs, me):
        inbound = InboundBus(
            "inbound",
            InboundBusArgs(
                prefix=config.name_prefix,
                bus_name=bus_name(config.name_prefix),
                core_account_id=account_of(specs, core),
                forwarder_role_name=forwarder_role_name(core, me),
                account_id=account_id,
            ),
        )
        return StackBus(
            inbound.bus.name,
            inbound.bus.arn,
            inbound.topic_key.arn,
            {"busName": inbound.bus.name, "busArn": inbound.bus.arn, "coreStack": core.name},
        )
    missing = [key for key in CORE_OUTPUTS if not core_outputs.get(key)]
    if missing:
        raise pulumi.RunError(
            f"core stack {core.name} exports no {', '.join(missing)}: deploy it first (`pulumi up -s {core.name}`)"
        )
    return StackBus(
        core_outputs["busName"],
        core_outputs["busArn"],
        core_outputs["topicKeyArn"],
        {"busName": core_outputs["busName"], "busArn": core_outputs["busArn"], "coreStack": core.name},
    )


def declare_forwarding(
    registry: Registry,
    me: StackSpec,
    specs: list[StackSpec],
    layout: StackLayout,
    route: RouteContext,
    account_id: pulumi.Input[str],
) -> None:
    """A core's forwarding to each cross-account domain stack, one rule per event the layout lists."""
    by_name = {s.name: s for s in specs}
    for stack in sorted({f.stack for f in layout.forwards}):
        domain = by_name[stack]
        target = f"arn:aws:events:{domain.region}:{account_of(specs, domain)}:event-bus/{bus_name(domain.config.name_prefix)}"
        Forwarding(
            f"forward-{stack}",
            ForwardingArgs(
                route=route,
                stack=stack,
                contracts=tuple(registry.events[f.event] for f in layout.forwards if f.stack == stack),
                target_bus_arn=target,
                role_name=forwarder_role_name(me, domain),
                account_id=account_id,
            ),
        )
