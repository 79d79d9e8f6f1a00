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

from components.common import service_key

__all__ = ["TopicKey", "topic_key"]


@dataclass(frozen=True)
class TopicKey:
    key: aws.kms.Key
    alias: aws.kms.Alias


def topic_key(parent: pulumi.Resource, name: str, prefix: str, account_id: pulumi.Input[str]) -> TopicKey:
    """`{name}-topic-key` and its alias `alias/<prefix>-topics`, children of `parent`."""
    key = service_key(
        parent,
        f"{name}-topic-key",
        "Encrypts the fork topics; EventBridge may use it to publish",
        account_id,
        {
            "Sid": "EventBridgePublishes",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
    )
    alias = aws.kms.Alias(
        f"{name}-topic-key-alias",
        name=f"alias/{prefix}-topics",
        target_key_id=key.key_id,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return TopicKey(key, alias)
