"""The core bus's resource policy for producer accounts, as plain data: the component declares it, the quota
check sizes it (EventBridge caps a bus policy at 10,240 characters by default, and each account listed adds
to it).

Principals are the AWS Organization (any principal, on condition that `aws:PrincipalOrgID` is ours: AWS's
documented form) and/or each listed account's root, so each account's own IAM decides which of its roles
may put. Only `events:PutEvents`, only on this bus; never unconditioned.
"""

from __future__ import annotations

import json
from typing import Any

from registry.org_config import Producers

__all__ = ["policy_text", "producer_statements"]


def producer_statements(producers: Producers, bus_arn: Any) -> list[dict[str, Any]]:
    """Allow statements for PutEvents on `bus_arn` (a string, or a Pulumi Output in the program)."""
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


def policy_text(statements: list[dict[str, Any]]) -> str:
    """A policy document exactly as the program sends it (`components.common.policy_json`)."""
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"), sort_keys=True)
