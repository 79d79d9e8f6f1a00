"""Producer accounts allowed to put events on the core bus: by AWS Organization and/or a list of accounts, never all.

The bus's resource policy is the one place another account's PutEvents is
allowed. An organization grant is AWS's documented form (any principal, on
condition that `aws:PrincipalOrgID` is ours); an account grant names each
account's root, so each account's own IAM then decides which of its roles may
put. Only `events:PutEvents`, only on this bus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import policy_json
from registry.org_config import Producers

__all__ = ["ProducerAccess", "ProducerAccessArgs", "producer_statements"]


@dataclass(frozen=True)
class ProducerAccessArgs:
    bus_name: pulumi.Input[str]
    bus_arn: pulumi.Input[str]
    producers: Producers


def producer_statements(producers: Producers, bus_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    """Allow statements for PutEvents on `bus_arn`: one for the organization, one for the listed accounts."""
    statements: list[dict[str, Any]] = []
    if producers.organization_id:
        statements.append(
            {
                "Sid": "OrganizationPutsEvents",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "events:PutEvents",
                "Resource": bus_arn,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": producers.organization_id}},
            }
        )
    if producers.accounts:
        statements.append(
            {
                "Sid": "ProducerAccountsPutEvents",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in producers.accounts]},
                "Action": "events:PutEvents",
                "Resource": bus_arn,
            }
        )
    return statements


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
