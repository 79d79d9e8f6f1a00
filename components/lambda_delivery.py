"""`lambda` delivery: a rule -> an existing function (ARN from stack config), invocable only by that rule."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import RouteContext, rule_target, subscription_rule
from registry.model import EventContract, Subscription

__all__ = ["LambdaDelivery", "LambdaDeliveryArgs"]


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
        bus_rule = subscription_rule(self, name, route, sub, args.contract, to="function")
        self.rule = bus_rule.rule
        permission = aws.lambda_.Permission(
            f"{name}-permission",
            action="lambda:InvokeFunction",
            function=args.function_arn,
            principal="events.amazonaws.com",
            source_arn=self.rule.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.target_dlq = rule_target(
            self,
            name,
            bus_rule,
            arn=args.function_arn,
            retry=sub.delivery.retry,
            alarm_threshold_seconds=route.alarm_threshold_seconds,
            depends_on=[permission],
        ).dlq
        self.register_outputs({"ruleArn": self.rule.arn})
