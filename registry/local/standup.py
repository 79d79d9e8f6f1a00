"""Create a topology on moto (in-process AWS), with the strings the program sends.

Event patterns, filter policies, redrive and retry policies go to moto exactly
as planned; only ARNs are rewritten to moto's account and region, because the
plan's ARNs are the mock engine's. Rules get their targets too, so the
embedded AWS holds the whole configuration, but events are never put on
moto's bus: the delivery engine routes them with our AWS-exact matcher (moto's
matchers differ from AWS, and it does not deliver to SNS or Lambda). Where
moto refuses a document that AWS accepts, the refusal is kept as a warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from registry.local.topology import Topology

__all__ = ["ACCOUNT", "REGION", "Deployment", "connect", "empty", "stand_up"]

ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class Deployment:
    """Clients of the embedded AWS and the physical ids of what was created."""

    sqs: Any
    sns: Any
    events: Any
    dynamodb: Any
    queue_urls: dict[str, str] = field(default_factory=dict)  # logical name -> URL
    queue_arns: dict[str, str] = field(default_factory=dict)
    topic_arns: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)  # logical -> physical
    warnings: list[str] = field(default_factory=list)


def connect(session: Any) -> Deployment:
    """Clients of the embedded AWS (made once: creating a botocore client costs ~0.1 s)."""

    def make(service: str) -> Any:
        return session.client(service, region_name=REGION)

    return Deployment(make("sqs"), make("sns"), make("events"), make("dynamodb"))


def _queues(topology: Topology, dep: Deployment) -> None:
    # dead-letter queues first: a redrive policy must name a queue that exists
    order = sorted(topology.queues.values(), key=lambda q: q.dlq is not None)
    for queue in order:
        attrs = {
            "VisibilityTimeout": str(queue.visibility_timeout),
            "MessageRetentionPeriod": str(queue.retention_seconds),
        }
        if queue.fifo:
            attrs["FifoQueue"] = "true"
            attrs["ContentBasedDeduplication"] = "true" if queue.content_based_deduplication else "false"
        if queue.redrive_policy and queue.dlq:
            policy = json.loads(queue.redrive_policy)
            policy["deadLetterTargetArn"] = dep.queue_arns[queue.dlq]
            attrs["RedrivePolicy"] = json.dumps(policy)
        url = dep.sqs.create_queue(QueueName=queue.physical, Attributes=attrs)["QueueUrl"]
        dep.queue_urls[queue.name] = url
        dep.queue_arns[queue.name] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue.physical}"


def _topics(topology: Topology, dep: Deployment) -> None:
    for topic in topology.topics.values():
        attrs = {"FifoTopic": "true"} if topic.fifo else {}
        arn = dep.sns.create_topic(Name=topic.physical, Attributes=attrs)["TopicArn"]
        dep.topic_arns[topic.name] = arn
        for sub in topic.subscriptions:
            if sub.endpoint_kind != "queue":
                continue
            attrs = {"RawMessageDelivery": "true" if sub.raw_message_delivery else "false"}
            if sub.filter_policy:
                attrs["FilterPolicy"] = sub.filter_policy
                attrs["FilterPolicyScope"] = sub.filter_policy_scope
            if sub.dlq:
                attrs["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dep.queue_arns[sub.dlq]})
            try:
                dep.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=dep.queue_arns[sub.endpoint], Attributes=attrs)
            except ClientError as exc:
                dep.warnings.append(f"moto refused subscription {sub.name}: {exc}; our matcher still applies it")


def _target_arn(dep: Deployment, topology: Topology, kind: str, ref: str, arn: str) -> str:
    if kind == "queue":
        return dep.queue_arns[ref]
    if kind == "topic":
        return dep.topic_arns[ref]
    if kind == "api":
        dest = topology.api_destinations[ref]
        return f"arn:aws:events:{REGION}:{ACCOUNT}:api-destination/{dest.physical}"
    return arn


def _rules(topology: Topology, dep: Deployment) -> None:
    for bus in topology.buses + topology.foreign_buses:  # a producer's bus stands in for the one it owns
        dep.events.create_event_bus(Name=bus)
    for rule in topology.rules:
        bus = rule.bus
        args: dict[str, Any] = {
            "Name": rule.physical,
            "EventBusName": bus,
            "State": "ENABLED" if rule.enabled else "DISABLED",
        }
        if rule.pattern:
            args["EventPattern"] = rule.pattern
        if rule.schedule:
            args["ScheduleExpression"] = rule.schedule
        try:
            dep.events.put_rule(**args)
        except ClientError as exc:
            dep.warnings.append(f"moto refused rule {rule.name}'s pattern ({exc}); our matcher routes it")
            continue
        targets = []
        for target in rule.targets:
            entry: dict[str, Any] = {
                "Id": target.target_id,
                "Arn": _target_arn(dep, topology, target.kind, target.ref, target.arn),
                "RetryPolicy": {
                    "MaximumRetryAttempts": target.retry_attempts,
                    "MaximumEventAgeInSeconds": target.retry_age_seconds,
                },
            }
            if target.dlq:
                entry["DeadLetterConfig"] = {"Arn": dep.queue_arns[target.dlq]}
            if target.message_group_id:
                entry["SqsParameters"] = {"MessageGroupId": target.message_group_id}
            if target.input_template is not None:
                entry["InputTransformer"] = {
                    "InputPathsMap": dict(target.input_paths or {}),
                    "InputTemplate": target.input_template,
                }
            targets.append(entry)
        if targets:
            dep.events.put_targets(Rule=rule.physical, EventBusName=bus, Targets=targets)


def _api(topology: Topology, dep: Deployment) -> None:
    for dest in topology.api_destinations.values():
        conn = dest.connection
        if conn is None:
            continue
        params: dict[str, Any] = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "placeholder"}}
        auth_type = conn.auth_type if conn.auth_type in ("API_KEY", "BASIC", "OAUTH_CLIENT_CREDENTIALS") else "API_KEY"
        if auth_type == "BASIC":
            params = {"BasicAuthParameters": {"Username": "placeholder", "Password": "placeholder"}}
        elif auth_type == "OAUTH_CLIENT_CREDENTIALS":
            params = {
                "OAuthParameters": {
                    "ClientParameters": {"ClientID": "placeholder", "ClientSecret": "placeholder"},
                    "AuthorizationEndpoint": "https://127.0.0.1/token",
                    "HttpMethod": "POST",
                }
            }
        name = f"{conn.physical}-{dest.name}"[:64]
        conn_arn = dep.events.create_connection(Name=name, AuthorizationType=auth_type, AuthParameters=params)[
            "ConnectionArn"
        ]
        dep.events.create_api_destination(
            Name=dest.physical[:64],
            ConnectionArn=conn_arn,
            InvocationEndpoint=dest.endpoint or "https://127.0.0.1/",
            HttpMethod=dest.method,
            **({"InvocationRateLimitPerSecond": dest.rate_limit_per_second} if dest.rate_limit_per_second else {}),
        )


def _tables(topology: Topology, dep: Deployment) -> None:
    for table in topology.tables.values():
        if table.name in dep.tables:
            dep.dynamodb.delete_table(TableName=table.physical)
        schema = [{"AttributeName": table.hash_key, "KeyType": "HASH"}]
        if table.range_key:
            schema.append({"AttributeName": table.range_key, "KeyType": "RANGE"})
        dep.dynamodb.create_table(
            TableName=table.physical,
            KeySchema=schema,
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in table.attributes],
            BillingMode="PAY_PER_REQUEST",
        )
        if table.ttl_attribute:
            dep.dynamodb.update_time_to_live(
                TableName=table.physical,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        dep.tables[table.name] = table.physical


def empty(topology: Topology, dep: Deployment, queues: set[str]) -> None:
    """Back to a freshly stood-up state between scenarios: empty `queues`, recreate the tables.

    Cheaper than standing everything up again (60 queues cost a second on moto);
    topics, rules and destinations hold configuration only, which no scenario changes.
    Receive-and-delete, because SQS allows one PurgeQueue a minute per queue."""
    for name in sorted(queues):
        url = dep.queue_urls[name]
        while True:
            got = dep.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not got:
                break
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
            dep.sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    _tables(topology, dep)


def stand_up(topology: Topology, clients: Deployment) -> Deployment:
    """Create every queue, topic, rule, destination and table with `clients` (inside `moto.mock_aws()`)."""
    dep = Deployment(clients.sqs, clients.sns, clients.events, clients.dynamodb)
    _queues(topology, dep)
    _topics(topology, dep)
    _rules(topology, dep)
    _api(topology, dep)
    _tables(topology, dep)
    return dep
