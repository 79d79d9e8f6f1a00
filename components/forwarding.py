"""The core bus forwarding to one cross-account domain stack: a rule per event it reads, targeting its bus.

Consumers in other accounts receive bus-to-bus (EventBridge's cross-account
delivery), so their rules, queues and topics stay in their account. The
target needs a role: it lives in the core account, may be assumed only by
EventBridge for this account, and may only `events:PutEvents` on that one
bus. Each target keeps the usual retry policy and its own alarmed DLQ.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import RouteContext, event_rule, events_role, physical_name, policy_json, rule_target
from registry.model import EventContract, Retry
from registry.patterns import to_aws_json, topic_rule_pattern

__all__ = ["Forwarding", "ForwardingArgs"]


@dataclass(frozen=True)
class ForwardingArgs:
    route: RouteContext  # the core bus
    stack: str  # the consumer domain stack
    contracts: tuple[EventContract, ...]  # the events it reads from our bus
    target_bus_arn: str  # its bus, arn:aws:events:<region>:<account>:event-bus/<name>
    role_name: str  # registry.environment.forwarder_role_name(core, domain): the domain's bus policy names it
    account_id: pulumi.Input[str]  # the core account


class Forwarding(pulumi.ComponentResource):
    def __init__(self, name: str, args: ForwardingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}Forwarding", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        route = args.route
        self.role = events_role(self, f"{name}-role", args.role_name, args.account_id)
        role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            policy=policy_json([{"Effect": "Allow", "Action": "events:PutEvents", "Resource": args.target_bus_arn}]),
            opts=child,
        )
        self.rules: list[aws.cloudwatch.EventRule] = []
        for contract in args.contracts:
            rule_name = f"{name}-{contract.domain}-{contract.name}"
            bus_rule = event_rule(
                self,
                rule_name,
                bus_name=route.bus_name,
                physical=physical_name(route.prefix, "fwd", args.stack, contract.domain, contract.name, limit=200),
                pattern=to_aws_json(topic_rule_pattern(contract)),
                description=f"{contract.key} -> stack {args.stack}'s bus",
            )
            rule_target(
                self,
                rule_name,
                bus_rule,
                arn=args.target_bus_arn,
                retry=Retry(),
                alarm_threshold_seconds=route.alarm_threshold_seconds,
                extra={"role_arn": self.role.arn},
                depends_on=[role_policy],
            )
            self.rules.append(bus_rule.rule)
        self.register_outputs({"roleArn": self.role.arn, "targetBusArn": args.target_bus_arn})
