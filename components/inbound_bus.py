"""A cross-account domain stack's own bus: the core forwards the events its teams read; its rules sit here.

Only the core account's forwarding role for this stack may put events on it
(the core account's root as principal, narrowed by `aws:PrincipalArn` to that
role, so the policy does not depend on the role existing first). Fork topics
here need this account's own customer-managed key (`components.keys`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import policy_json
from components.keys import topic_key

__all__ = ["InboundBus", "InboundBusArgs"]


@dataclass(frozen=True)
class InboundBusArgs:
    prefix: str
    bus_name: str  # registry.environment.bus_name(prefix): the core computes the same name for its target
    core_account_id: str
    forwarder_role_name: str  # registry.environment.forwarder_role_name(core, this stack)
    account_id: pulumi.Input[str]


class InboundBus(pulumi.ComponentResource):
    def __init__(self, name: str, args: InboundBusArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}InboundBus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", name=args.bus_name, opts=child)
        role_arn = f"arn:aws:iam::{args.core_account_id}:role/{args.forwarder_role_name}"
        self.policy = aws.cloudwatch.EventBusPolicy(
            f"{name}-policy",
            event_bus_name=self.bus.name,
            policy=policy_json(
                [
                    {
                        "Sid": "CoreForwarderPutsEvents",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{args.core_account_id}:root"},
                        "Action": "events:PutEvents",
                        "Resource": self.bus.arn,
                        "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}},
                    }
                ]
            ),
            opts=child,
        )
        self.topic_key = topic_key(self, name, args.prefix, args.account_id).key
        self.register_outputs({"busName": self.bus.name, "busArn": self.bus.arn, "topicKeyArn": self.topic_key.arn})
