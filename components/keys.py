"""The customer-managed KMS key fork topics are encrypted with, for a core bus or a cross-account domain's bus.

EventBridge cannot publish to a topic encrypted with the AWS-managed SNS key (its
key policy cannot grant `events.amazonaws.com`), so every account with fork
topics owns one such key: the account administers it without a bare `kms:*`,
and EventBridge may use it for this account's rules only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.common import policy_json

__all__ = ["KEY_ADMIN_ACTIONS", "TopicKey", "topic_key"]

# Key administration without a bare `kms:*`: the account keeps control of the key.
KEY_ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:GenerateDataKey*",
]


@dataclass(frozen=True)
class TopicKey:
    key: aws.kms.Key
    alias: aws.kms.Alias


def topic_key(parent: pulumi.Resource, name: str, prefix: str, account_id: pulumi.Input[str]) -> TopicKey:
    """`{name}-topic-key` and its alias `alias/<prefix>-topics`, children of `parent`."""
    child = pulumi.ResourceOptions(parent=parent)
    key = aws.kms.Key(
        f"{name}-topic-key",
        description="Encrypts the fork topics; EventBridge may use it to publish",
        enable_key_rotation=True,
        policy=policy_json(
            [
                {
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account_id, ":root")},
                    "Action": KEY_ADMIN_ACTIONS,
                    "Resource": "*",
                },
                {
                    "Sid": "EventBridgePublishes",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                },
            ]
        ),
        opts=child,
    )
    alias = aws.kms.Alias(
        f"{name}-topic-key-alias", name=f"alias/{prefix}-topics", target_key_id=key.key_id, opts=child
    )
    return TopicKey(key, alias)
