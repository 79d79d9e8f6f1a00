"""`fork` delivery: one KMS-encrypted SNS topic per forked event, fed by one rule, fanned out to filtered queues.

The filter runs on SNS (MessageBody scope, on the envelope the rule forwards),
so one rule serves any number of pipelines and each filter is a subscription's
own policy, byte for byte what `registry.patterns.fork_policy` returns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import TOKEN_PREFIX
from components.common import (
    QueueSpec,
    RouteContext,
    allow_rule_publish,
    allow_service_send,
    event_rule,
    physical_name,
    queue_pair,
    rule_target,
)
from registry.model import EventContract, Retry, Subscription
from registry.patterns import fork_policy, to_aws_json, topic_rule_pattern

__all__ = ["PIPELINES", "ForkTopic", "ForkTopicArgs"]

# pipeline -> (queue retention seconds, visibility timeout seconds, purpose)
PIPELINES: dict[str, tuple[int, int, str]] = {
    "backup": (604800, 60, "copies every matching event to durable storage"),
    "analytics": (345600, 300, "feeds batch analytics; long visibility for slow batches"),
    "replay": (1209600, 60, "keeps 14 days of events to replay into a recovering consumer"),
    "plain": (345600, 30, "a plain filtered copy"),
}


@dataclass(frozen=True)
class ForkTopicArgs:
    route: RouteContext
    contract: EventContract
    subscriptions: tuple[Subscription, ...]
    kms_key_arn: pulumi.Input[str]


class ForkTopic(pulumi.ComponentResource):
    def __init__(self, name: str, args: ForkTopicArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TOKEN_PREFIX}ForkTopic", name, None, opts)
        route, contract = args.route, args.contract
        physical = physical_name(route.prefix, "fork", contract.domain, contract.name, limit=200)
        bus_rule = event_rule(
            self,
            name,
            bus_name=route.bus_for(contract),
            physical=physical,
            pattern=to_aws_json(topic_rule_pattern(contract)),
            description=f"{contract.key} -> fork topic",
        )
        self.rule = bus_rule.rule
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            name=physical_name(physical, limit=256),
            kms_master_key_id=args.kms_key_arn,
            # X-Ray: SNS passes the producer's trace header on to the queues. (Active would add SNS's own
            # segments, but needs an account-wide X-Ray resource policy for sns.amazonaws.com.)
            tracing_config="PassThrough",
            opts=pulumi.ResourceOptions(parent=self),
        )
        topic_policy = allow_rule_publish(self, name, self.topic, bus_rule)
        routed = rule_target(
            self,
            name,
            bus_rule,
            arn=self.topic.arn,
            retry=_most_patient(args.subscriptions),
            alarm_threshold_seconds=route.alarm_threshold_seconds,
            depends_on=[topic_policy],
        )
        self.target, self.target_dlq = routed.target, routed.dlq
        self.queues: dict[str, aws.sqs.Queue] = {}
        for sub in args.subscriptions:
            self.queues[sub.id] = self._fork(f"{name}-{sub.team}-{sub.name}", route, sub)
        self.register_outputs({"topicArn": self.topic.arn, "queueUrls": {k: q.url for k, q in self.queues.items()}})

    def _fork(self, name: str, route: RouteContext, sub: Subscription) -> aws.sqs.Queue:
        retention, visibility, _purpose = PIPELINES[sub.delivery.options.get("pipeline", "plain")]
        pair = queue_pair(
            self,
            name,
            QueueSpec(
                physical=route.physical(sub.id),
                retention_seconds=retention,
                visibility_timeout_seconds=visibility,
                max_receive_count=int(sub.delivery.options.get("max_receive_count", 5)),
                alarm_threshold_seconds=route.alarm_threshold_seconds,
            ),
        )
        queue_policy = allow_service_send(self, f"{name}-queue", pair.queue, "sns.amazonaws.com", self.topic.arn)
        dlq_policy = allow_service_send(self, f"{name}-dlq", pair.dlq, "sns.amazonaws.com", self.topic.arn)
        policy = fork_policy(sub)
        aws.sns.TopicSubscription(
            f"{name}-subscription",
            topic=self.topic.arn,
            protocol="sqs",
            endpoint=pair.queue.arn,
            raw_message_delivery=True,
            redrive_policy=pair.dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn})),
            filter_policy=to_aws_json(policy) if policy else None,
            filter_policy_scope="MessageBody" if policy else None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[queue_policy, dlq_policy]),
        )
        return pair.queue


def _most_patient(subs: tuple[Subscription, ...]) -> Retry:
    """The topic rule serves every fork: it retries as long as the most patient subscription asks."""
    retries = [s.delivery.retry for s in subs] or [Retry()]
    return Retry(
        maximum_event_age_seconds=max(r.maximum_event_age_seconds for r in retries),
        maximum_retry_attempts=max(r.maximum_retry_attempts for r in retries),
    )
