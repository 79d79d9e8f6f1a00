"""The central event log: every event on our bus (and, if asked, what we subscribe to on producers' buses)
copied into one KMS-encrypted CloudWatch Logs log group.

Why: when a consumer says "we never got it", the log answers whether the event
reached the bus at all, with its envelope, in seconds (Logs Insights), for as
long as `eventLog.retentionDays` keeps it. One rule per bus, outside every
subscription's pattern: it never changes what a subscription receives.
EventBridge writes to CloudWatch Logs through the log group's resource policy
(a role on the target is not used), so the account's Logs resource policy
allows exactly these rules (aws:SourceArn) to create streams and put events.
On a producer's bus we log only the (source, detail-type) pairs we subscribe
to: the rest of their traffic is not ours to keep.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import event_rule, physical_name, policy_json, rule_target, service_key
from registry.model import EventContract, Retry
from registry.ops_config import EVERY_EVENT, log_group_name, producer_pattern

__all__ = ["EventLog", "EventLogArgs"]

# What CloudWatch Logs needs from the key (the expansion of AWS's documented `kms:Encrypt*`-style list).
_LOGS_KEY_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
]
# A log target retries like any other; a day covers a Logs throttling episode.
_RETRY = Retry(maximum_event_age_seconds=86400, maximum_retry_attempts=185)


@dataclass(frozen=True)
class EventLogArgs:
    prefix: str
    bus_name: pulumi.Input[str]  # ours: every event on it is logged
    producer_buses: Mapping[str, tuple[EventContract, ...]]  # producer bus -> contracts we subscribe to there
    retention_days: int
    region: str
    account_id: pulumi.Input[str]
    alarm_threshold_seconds: int


class EventLog(pulumi.ComponentResource):
    def __init__(self, name: str, args: EventLogArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}EventLog", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        group = log_group_name(args.prefix)
        group_arn = pulumi.Output.concat("arn:aws:logs:", args.region, ":", args.account_id, ":log-group:", group)
        self.key = service_key(
            self,
            f"{name}-key",
            "Encrypts the central event log; CloudWatch Logs may use it for that log group only",
            args.account_id,
            {
                "Sid": "CloudWatchLogsEncryptsTheEventLog",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{args.region}.amazonaws.com"},
                "Action": _LOGS_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group_arn}},
            },
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-group",
            name=group,
            retention_in_days=args.retention_days,
            kms_key_id=self.key.arn,
            opts=child,
        )
        rules = [
            (
                f"{name}-bus",
                event_rule(
                    self,
                    f"{name}-bus",
                    bus_name=args.bus_name,
                    physical=physical_name(args.prefix, "event-log"),
                    pattern=json.dumps(EVERY_EVENT),
                    description="Central event log: every event on this bus -> CloudWatch Logs",
                ),
            )
        ]
        for bus in sorted(args.producer_buses):
            logical = f"{name}-{bus}"
            pattern = json.dumps(producer_pattern(args.producer_buses[bus]), sort_keys=True)
            rules.append(
                (
                    logical,
                    event_rule(
                        self,
                        logical,
                        bus_name=bus,
                        physical=physical_name(args.prefix, "event-log", bus),
                        pattern=pattern,
                        description=f"Central event log: the events we subscribe to on the producer's bus {bus}",
                    ),
                )
            )
        self.rules = [r.rule for _, r in rules]
        self.resource_policy = aws.cloudwatch.LogResourcePolicy(
            f"{name}-resource-policy",
            policy_name=physical_name(args.prefix, "event-log"),
            policy_document=policy_json(
                [
                    {
                        "Sid": "OnlyTheEventLogRulesWrite",
                        "Effect": "Allow",
                        "Principal": {"Service": ["delivery.logs.amazonaws.com", "events.amazonaws.com"]},
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": pulumi.Output.concat(self.log_group.arn, ":*"),
                        "Condition": {"ArnEquals": {"aws:SourceArn": [r.arn for r in self.rules]}},
                    }
                ]
            ),
            opts=child,
        )
        self.targets = [
            rule_target(
                self,
                logical,
                rule,
                arn=self.log_group.arn,
                retry=_RETRY,
                alarm_threshold_seconds=args.alarm_threshold_seconds,
                depends_on=[self.resource_policy],
            ).target
            for logical, rule in rules
        ]
        self.register_outputs(
            {"logGroupName": self.log_group.name, "ruleArns": [r.arn for r in self.rules], "keyArn": self.key.arn}
        )
