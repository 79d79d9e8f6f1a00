"""A cron rule (scheduled rules live on the account's default bus) that runs a function or forwards to our bus.

Forwarded, the event reaches our bus as `aws.events` / `Scheduled Event` with
this rule's ARN in `resources`, so a roll-up subscribes to exactly this schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import BusRule, physical_name, policy_json, rule_target
from registry.model import Retry
from registry.stack_config import Schedule as ScheduleConfig

__all__ = ["Schedule", "ScheduleArgs"]


@dataclass(frozen=True)
class ScheduleArgs:
    prefix: str
    schedule: ScheduleConfig
    bus_arn: pulumi.Input[str]
    function_arn: str  # empty: forward to the bus
    alarm_threshold_seconds: int
    account_id: pulumi.Input[str]


class Schedule(pulumi.ComponentResource):
    def __init__(self, name: str, args: ScheduleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}Schedule", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        physical = physical_name(args.prefix, "schedule", args.schedule.name)
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            name=physical,
            schedule_expression=args.schedule.expression,
            description=f"Eventplane schedule {args.schedule.name}",
            opts=child,
        )
        extra = {}
        depends: list[pulumi.Resource] = []
        if args.function_arn:
            target_arn: pulumi.Input[str] = args.function_arn
            depends.append(
                aws.lambda_.Permission(
                    f"{name}-permission",
                    action="lambda:InvokeFunction",
                    function=args.function_arn,
                    principal="events.amazonaws.com",
                    source_arn=self.rule.arn,
                    opts=child,
                )
            )
        else:
            target_arn = args.bus_arn
            role = aws.iam.Role(
                f"{name}-role",
                name=physical_name(physical, "put"),
                assume_role_policy=policy_json(
                    [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                        }
                    ]
                ),
                opts=child,
            )
            depends.append(
                aws.iam.RolePolicy(
                    f"{name}-role-policy",
                    role=role.id,
                    policy=policy_json([{"Effect": "Allow", "Action": "events:PutEvents", "Resource": args.bus_arn}]),
                    opts=child,
                )
            )
            extra["role_arn"] = role.arn
        rule_target(
            self,
            name,
            BusRule(self.rule, "default", physical),
            arn=target_arn,
            retry=Retry(3600, 24),
            alarm_threshold_seconds=args.alarm_threshold_seconds,
            extra=extra,
            depends_on=depends,
        )
        self.register_outputs({"ruleArn": self.rule.arn})
