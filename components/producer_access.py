"""Producer accounts allowed to put events on the core bus: by AWS Organization and/or a list of accounts, never all.

The bus's resource policy is the one place another account's PutEvents is
allowed; its statements are `registry.bus_policy.producer_statements`, which the
quota check also sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import policy_json
from registry.bus_policy import producer_statements
from registry.org_config import Producers

__all__ = ["ProducerAccess", "ProducerAccessArgs"]


@dataclass(frozen=True)
class ProducerAccessArgs:
    bus_name: pulumi.Input[str]
    bus_arn: pulumi.Input[str]
    producers: Producers


class ProducerAccess(pulumi.ComponentResource):
    def __init__(self, name: str, args: ProducerAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}ProducerAccess", name, None, opts)
        self.policy = aws.cloudwatch.EventBusPolicy(
            f"{name}-policy",
            event_bus_name=args.bus_name,
            policy=policy_json(producer_statements(args.producers, args.bus_arn)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"busName": args.bus_name})
