"""`lambda` delivery: a rule -> an existing function (ARN from stack config), invocable only by that rule."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import RouteContext, event_rule, event_target, target_dlq
from registry.model import EventContract, Subscription
from registry.patterns import rule_pattern, to_aws_json

__all__ = ["LambdaDeliveryArgs", "LambdaDelivery"]


@dataclass(frozen=True)
class LambdaDeliveryArgs:
    route: RouteContext
    subscription: Subscription
    contract: EventContract
    function_arn: str


class LambdaDelivery(pulumi.ComponentResource):
    def __init__(self, name: str, args: LambdaDeliveryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}LambdaDelivery", name, None, opts)
        sub, route = args.subscription, args.route
        physical = route.physical(sub.id)
        self.rule = event_rule(self, name, bus_name=route.bus_name, physical=physical,
                               pattern=to_aws_json(rule_pattern(sub, args.contract)),
                               description=f"{sub.id}: {args.contract.key} -> function")
        permission = aws.lambda_.Permission(
            f"{name}-permission", action="lambda:InvokeFunction", function=args.function_arn,
            principal="events.amazonaws.com", source_arn=self.rule.arn, opts=pulumi.ResourceOptions(parent=self),
        )
        self.target_dlq = target_dlq(self, name, physical=physical, rule=self.rule,
                                     alarm_threshold_seconds=route.alarm_threshold_seconds)
        event_target(self, name, rule=self.rule, bus_name=route.bus_name, arn=args.function_arn,
                     retry=sub.delivery.retry, dlq=self.target_dlq, depends_on=[permission])
        self.register_outputs({"ruleArn": self.rule.arn})
