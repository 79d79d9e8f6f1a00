"""`api` delivery: a connection (auth from secret config) and an API destination, each subscription's rule targeting it.

The invoke role may call `events:InvokeApiDestination` on this destination
only, and the connection's credentials arrive as Pulumi secrets (the program
reads them with `config.require_secret`), so they are encrypted in state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import RouteContext, physical_name, policy_json, rule_target, subscription_rule
from registry.model import EventContract, Subscription
from registry.stack_config import ApiAuth, ApiDestinationConfig

__all__ = ["ApiDestination", "ApiDestinationArgs"]


@dataclass(frozen=True)
class ApiDestinationArgs:
    route: RouteContext
    destination: ApiDestinationConfig
    secret: pulumi.Input[str]  # the API key, password or client secret, always a Pulumi secret
    routes: tuple[tuple[Subscription, EventContract], ...]
    account_id: pulumi.Input[str]


class ApiDestination(pulumi.ComponentResource):
    def __init__(self, name: str, args: ApiDestinationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}ApiDestination", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        dest, route = args.destination, args.route
        physical = physical_name(route.prefix, "api", dest.name, limit=64)
        self.connection = aws.cloudwatch.EventConnection(
            f"{name}-connection",
            name=physical,
            authorization_type=dest.auth.type,
            auth_parameters=_auth_parameters(dest.auth, pulumi.Output.secret(args.secret)),
            opts=child,
        )
        self.destination = aws.cloudwatch.EventApiDestination(
            f"{name}-destination",
            name=physical,
            connection_arn=self.connection.arn,
            invocation_endpoint=dest.endpoint,
            http_method=dest.method,
            invocation_rate_limit_per_second=dest.rate_limit_per_second,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-invoke-role",
            name=route.global_name(physical, "invoke"),  # IAM is account-wide: a secondary region's copy differs
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
        role_policy = aws.iam.RolePolicy(
            f"{name}-invoke-policy",
            role=self.role.id,
            policy=policy_json(
                [{"Effect": "Allow", "Action": "events:InvokeApiDestination", "Resource": self.destination.arn}]
            ),
            opts=child,
        )
        self.rules = [
            self._route(f"{name}-{sub.team}-{sub.name}", route, sub, contract, role_policy)
            for sub, contract in args.routes
        ]
        self.register_outputs({"destinationArn": self.destination.arn, "connectionArn": self.connection.arn})

    def _route(
        self,
        name: str,
        route: RouteContext,
        sub: Subscription,
        contract: EventContract,
        role_policy: aws.iam.RolePolicy,
    ) -> aws.cloudwatch.EventRule:
        bus_rule = subscription_rule(self, name, route, sub, contract, to="API destination")
        extra: dict[str, Any] = {"role_arn": self.role.arn}
        transformer = sub.delivery.options.get("input_transformer")
        if transformer:
            extra["input_transformer"] = aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths=dict(transformer.get("input_paths", {})), input_template=transformer["input_template"]
            )
        rule_target(
            self,
            name,
            bus_rule,
            arn=self.destination.arn,
            retry=sub.delivery.retry,
            alarm_threshold_seconds=route.alarm_threshold_seconds,
            extra=extra,
            depends_on=[role_policy],
        )
        return bus_rule.rule


def _auth_parameters(auth: ApiAuth, secret: pulumi.Output[str]) -> aws.cloudwatch.EventConnectionAuthParametersArgs:
    if auth.type == "API_KEY":
        return aws.cloudwatch.EventConnectionAuthParametersArgs(
            api_key=aws.cloudwatch.EventConnectionAuthParametersApiKeyArgs(key=auth.header_name, value=secret)
        )
    if auth.type == "BASIC":
        return aws.cloudwatch.EventConnectionAuthParametersArgs(
            basic=aws.cloudwatch.EventConnectionAuthParametersBasicArgs(username=auth.username, password=secret)
        )
    return aws.cloudwatch.EventConnectionAuthParametersArgs(
        oauth=aws.cloudwatch.EventConnectionAuthParametersOauthArgs(
            authorization_endpoint=auth.authorization_endpoint,
            http_method=auth.http_method,
            oauth_http_parameters=aws.cloudwatch.EventConnectionAuthParametersOauthOauthHttpParametersArgs(),
            client_parameters=aws.cloudwatch.EventConnectionAuthParametersOauthClientParametersArgs(
                client_id=auth.client_id, client_secret=secret
            ),
        )
    )
