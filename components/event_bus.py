"""The custom bus, its replay archive, the schema registry, and the KMS key the fork topics use."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import KEY_ADMIN_ACTIONS, physical_name, policy_json
from components.draft4 import to_draft4
from registry.model import EventContract

__all__ = ["EventBus", "EventBusArgs"]


@dataclass(frozen=True)
class EventBusArgs:
    prefix: str
    archive_retention_days: int
    contracts: tuple[EventContract, ...]
    account_id: pulumi.Input[str]


class EventBus(pulumi.ComponentResource):
    """Why a custom bus: our rules never see the account's default-bus traffic, and the archive replays only ours."""

    def __init__(self, name: str, args: EventBusArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}EventBus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", name=physical_name(args.prefix, "bus"), opts=child)
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            name=physical_name(args.prefix, "archive", limit=48),
            event_source_arn=self.bus.arn,
            retention_days=args.archive_retention_days,
            description="Every event on the bus, kept for replay into upgraded consumers",
            opts=child,
        )
        self.schema_registry = aws.schemas.Registry(
            f"{name}-schemas",
            name=physical_name(args.prefix, "contracts"),
            description="Eventplane contracts (draft-4 copies of the draft-07 sources)",
            opts=child,
        )
        self.schemas = [
            self._schema(name, args.prefix, contract, number)
            for contract in args.contracts
            for number in (v.number for v in contract.versions)
        ]
        self.topic_key = aws.kms.Key(
            f"{name}-topic-key",
            description="Encrypts the fork topics; EventBridge may use it to publish",
            enable_key_rotation=True,
            policy=policy_json(
                [
                    {
                        "Sid": "AccountAdministers",
                        "Effect": "Allow",
                        "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", args.account_id, ":root")},
                        "Action": KEY_ADMIN_ACTIONS,
                        "Resource": "*",
                    },
                    {
                        "Sid": "EventBridgePublishes",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                    },
                ]
            ),
            opts=child,
        )
        self.topic_key_alias = aws.kms.Alias(
            f"{name}-topic-key-alias",
            name=f"alias/{args.prefix}-topics",
            target_key_id=self.topic_key.key_id,
            opts=child,
        )
        self.register_outputs(
            {
                "busName": self.bus.name,
                "busArn": self.bus.arn,
                "archiveArn": self.archive.arn,
                "topicKeyArn": self.topic_key.arn,
            }
        )

    def _schema(self, name: str, prefix: str, contract: EventContract, number: int) -> aws.schemas.Schema:
        converted = to_draft4(contract.version(number).schema)
        return aws.schemas.Schema(
            f"{name}-schema-{contract.domain}-{contract.name}-v{number}",
            name=_schema_name(contract, number),
            registry_name=self.schema_registry.name,
            type="JSONSchemaDraft4",
            content=json.dumps(converted.schema, sort_keys=True, separators=(",", ":")),
            description=f"{contract.key} v{number}. {converted.note()}"[:256],
            opts=pulumi.ResourceOptions(parent=self),
        )


def _schema_name(contract: EventContract, number: int) -> str:
    """`<source>@<DetailType>-v<N>`, as schema discovery names them, within the registry's character set."""
    detail_type = re.sub(r"[^A-Za-z0-9._-]", "", contract.detail_type)
    return f"{contract.source}@{detail_type}-v{number}"[:385]
