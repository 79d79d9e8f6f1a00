"""Turn a plan (the resources the Pulumi program declares) into a delivery topology.

The plan's inputs are exactly what the program sends to the provider: other
resources' ids and ARNs arrive as the mock engine's ids/ARNs. We never guess
what a resource is for from its name; we follow the references (a target's
`arn`, a subscription's `endpoint`, a redrive policy's `deadLetterTargetArn`)
back to the resources that own them. A reference is resolved by its exact
value first, then by its last ARN/URL segment against the resource's physical
or logical name, because the mock's id scheme is the Pulumi engineer's choice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from registry.errors import InputError

__all__ = [
    "ApiDestination",
    "Connection",
    "EventSourceMapping",
    "Function",
    "PlanResource",
    "Queue",
    "Rule",
    "Table",
    "Target",
    "Topic",
    "TopicSubscription",
    "Topology",
    "build_topology",
]

QUEUE = "aws:sqs/queue:Queue"
REDRIVE = "aws:sqs/redrivePolicy:RedrivePolicy"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
BUS = "aws:cloudwatch/eventBus:EventBus"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC = "aws:sns/topic:Topic"
TOPIC_SUB = "aws:sns/topicSubscription:TopicSubscription"
CONNECTION = "aws:cloudwatch/eventConnection:EventConnection"
API_DEST = "aws:cloudwatch/eventApiDestination:EventApiDestination"
FUNCTION = "aws:lambda/function:Function"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
TABLE = "aws:dynamodb/table:Table"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
# Resources under this component run in a global endpoint's secondary region: a local run stands up the primary only.
REPLICA_COMPONENT = "eventplane:index:RegionReplica"


class PlanResource(Protocol):
    """What `registry.offline_plan.PlannedResource` carries (and `plan --json` prints)."""

    urn: str
    type: str
    name: str
    parent: str | None
    inputs: Mapping[str, Any]


@dataclass(frozen=True)
class Queue:
    name: str  # logical (Pulumi) name: how the summary and scenarios refer to it
    physical: str  # the SQS queue name created on the embedded AWS
    fifo: bool = False
    content_based_deduplication: bool = False
    visibility_timeout: int = 30
    retention_seconds: int = 345600
    redrive_policy: str | None = None  # the JSON string exactly as the program sends it
    dlq: str | None = None  # logical name of the dead-letter queue
    max_receive_count: int | None = None
    policy: str | None = None  # the queue policy's JSON as the program sends it; None: the plan declares none


@dataclass(frozen=True)
class Target:
    target_id: str
    kind: str  # queue | topic | api | function | log | unknown
    ref: str  # logical name of the queue/topic/api destination/function, or the raw ARN
    arn: str  # as the program sends it
    retry_attempts: int = 185
    retry_age_seconds: int = 86400
    dlq: str | None = None  # logical name of the target's dead-letter queue
    message_group_id: str | None = None
    input_paths: Mapping[str, str] | None = None
    input_template: str | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    physical: str
    bus: str
    pattern: str | None  # the JSON string exactly as the program sends it
    schedule: str | None
    enabled: bool
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class TopicSubscription:
    name: str
    topic: str  # logical name of the topic
    protocol: str
    endpoint_kind: str  # queue | unknown
    endpoint: str  # logical queue name, or the raw endpoint
    filter_policy: str | None
    filter_policy_scope: str  # MessageAttributes (SNS's default) or MessageBody
    raw_message_delivery: bool
    dlq: str | None  # from the subscription's redrive policy


@dataclass(frozen=True)
class Topic:
    name: str
    physical: str
    fifo: bool
    subscriptions: tuple[TopicSubscription, ...]


@dataclass(frozen=True)
class Connection:
    name: str
    physical: str
    auth_type: str  # API_KEY | BASIC | OAUTH_CLIENT_CREDENTIALS
    auth: Mapping[str, Any]  # authParameters as the program sends them; {} when the plan masks them whole


@dataclass(frozen=True)
class ApiDestination:
    name: str
    physical: str
    endpoint: str
    method: str
    rate_limit_per_second: int | None
    connection: Connection | None


@dataclass(frozen=True)
class Function:
    name: str
    physical: str
    handler: str
    environment: Mapping[str, str]
    archive: str | None = None  # the code archive's path, when the program sends a file archive


@dataclass(frozen=True)
class EventSourceMapping:
    name: str
    queue: str  # logical queue name
    function: str  # logical function name, or the raw reference for a function outside the stack
    batch_size: int
    batching_window_seconds: int
    report_batch_item_failures: bool
    enabled: bool


@dataclass(frozen=True)
class Table:
    name: str
    physical: str
    hash_key: str
    range_key: str | None
    attributes: tuple[tuple[str, str], ...]
    ttl_attribute: str | None


@dataclass(frozen=True)
class Topology:
    buses: tuple[str, ...]  # physical names of the buses the stack creates
    rules: tuple[Rule, ...]
    queues: Mapping[str, Queue]
    topics: Mapping[str, Topic]
    api_destinations: Mapping[str, ApiDestination]
    functions: Mapping[str, Function]
    mappings: tuple[EventSourceMapping, ...]
    tables: Mapping[str, Table]

    @property
    def foreign_buses(self) -> tuple[str, ...]:
        """Buses that rules are added to but the stack does not create: external producers' (never `default`)."""
        return tuple(sorted({r.bus for r in self.rules} - set(self.buses) - {"default"}))

    def queue_named(self, name: str) -> str | None:
        """The queue a person names: logical or physical name, or a unique `-`-suffix of either."""
        return _named(name, {q.name: q.physical.removesuffix(".fifo") for q in self.queues.values()})

    def destination_named(self, name: str) -> str | None:
        """The API destination a person names (e.g. its stack config name `delivery-service`)."""
        return _named(name, {d.name: d.physical for d in self.api_destinations.values()})

    @property
    def dlqs(self) -> set[str]:
        """Queues that some queue, subscription or target uses as its dead-letter queue."""
        found = {q.dlq for q in self.queues.values() if q.dlq}
        found |= {t.dlq for r in self.rules for t in r.targets if t.dlq}
        found |= {s.dlq for t in self.topics.values() for s in t.subscriptions if s.dlq}
        return found


_SEGMENT = re.compile(r"[:/]")


def _named(name: str, physical: Mapping[str, str]) -> str | None:
    bare = name.removesuffix(".fifo")
    exact = [k for k, v in physical.items() if bare in (k, v)]
    if exact:
        return exact[0]
    suffix = [k for k, v in physical.items() if k.endswith("-" + bare) or v.endswith("-" + bare)]
    return suffix[0] if len(suffix) == 1 else None


class _Index:
    """Resolves ids, ARNs and URLs in inputs back to the planned resource they name."""

    def __init__(self, resources: Iterable[PlanResource]) -> None:
        self.by_type: dict[str, list[PlanResource]] = {}
        for res in resources:
            self.by_type.setdefault(res.type, []).append(res)

    def of(self, type_: str) -> list[PlanResource]:
        return self.by_type.get(type_, [])

    def resolve(self, ref: Any, *types: str) -> PlanResource | None:
        if not isinstance(ref, str) or not ref:
            return None
        tail = ref.split(":", 5)[5] if ref.startswith("arn:") and ref.count(":") >= 5 else ref
        segments = [s for s in reversed(_SEGMENT.split(tail)) if s]
        named = [tail.split(":", 1)[1]] if ":" in tail else []  # a name with slashes: `log-group:/aws/events/x`
        for wanted in (ref, *named, *segments):
            for type_ in types:
                for res in self.of(type_):
                    if wanted in (res.name, physical_name(res)):
                        return res
        for wanted in segments:  # Pulumi auto-naming: "<logical>-<random suffix>"
            for type_ in types:
                for res in self.of(type_):
                    suffix = wanted[len(res.name) + 1 :]
                    if wanted.startswith(res.name + "-") and suffix and "-" not in suffix:
                        return res
        return None


def physical_name(res: PlanResource) -> str:
    """The name the program gives the resource on AWS (its `name` input), else its logical name."""
    name = res.inputs.get("name")
    return name if isinstance(name, str) and name else res.name


def _json_field(res: PlanResource, key: str) -> dict[str, Any] | None:
    value = res.inputs.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, Mapping):
        return dict(value)
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError) as exc:
        raise InputError(
            file=f"plan resource {res.urn}",
            pointer=f"/inputs/{key}",
            message=f"{key} is not valid JSON: {exc}",
            hint="the program must send this policy as a JSON string (registry.patterns.to_aws_json)",
        ) from exc
    return parsed if isinstance(parsed, dict) else None


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _queues(index: _Index) -> dict[str, Queue]:
    redrives: dict[str, str] = {}
    for res in index.of(REDRIVE):
        queue = index.resolve(res.inputs.get("queueUrl"), QUEUE)
        if queue is not None and isinstance(res.inputs.get("redrivePolicy"), str):
            redrives[queue.name] = res.inputs["redrivePolicy"]
    policies: dict[str, str] = {}
    for res in index.of(QUEUE_POLICY):
        queue = index.resolve(res.inputs.get("queueUrl"), QUEUE)
        if queue is not None and isinstance(res.inputs.get("policy"), str):
            policies[queue.name] = res.inputs["policy"]
    queues: dict[str, Queue] = {}
    for res in index.of(QUEUE):
        inline = res.inputs.get("redrivePolicy")
        text = redrives.get(res.name) or (inline if isinstance(inline, str) and inline else None)
        policy = json.loads(text) if text else {}
        dlq = index.resolve(policy.get("deadLetterTargetArn"), QUEUE)
        physical = physical_name(res)
        fifo = bool(res.inputs.get("fifoQueue"))
        if fifo and not physical.endswith(".fifo"):
            physical += ".fifo"
        queues[res.name] = Queue(
            name=res.name,
            physical=physical,
            fifo=fifo,
            content_based_deduplication=bool(res.inputs.get("contentBasedDeduplication")),
            visibility_timeout=_int(res.inputs.get("visibilityTimeoutSeconds"), 30),
            retention_seconds=_int(res.inputs.get("messageRetentionSeconds"), 345600),
            redrive_policy=text,
            dlq=dlq.name if dlq else None,
            max_receive_count=_int(policy.get("maxReceiveCount"), 0) or None,
            policy=policies.get(res.name),
        )
    return queues


def _connection(res: PlanResource | None) -> Connection | None:
    if res is None:
        return None
    return Connection(
        name=res.name,
        physical=physical_name(res),
        auth_type=str(res.inputs.get("authorizationType", "")),
        auth=dict(auth) if isinstance(auth := res.inputs.get("authParameters"), Mapping) else {},
    )


def _api_destinations(index: _Index) -> dict[str, ApiDestination]:
    found: dict[str, ApiDestination] = {}
    for res in index.of(API_DEST):
        rate = res.inputs.get("invocationRateLimitPerSecond")
        found[res.name] = ApiDestination(
            name=res.name,
            physical=physical_name(res),
            endpoint=str(res.inputs.get("invocationEndpoint", "")),
            method=str(res.inputs.get("httpMethod", "POST")).upper(),
            rate_limit_per_second=_int(rate, 0) or None,
            connection=_connection(index.resolve(res.inputs.get("connectionArn"), CONNECTION)),
        )
    return found


def _target(res: PlanResource, index: _Index) -> Target:
    arn = str(res.inputs.get("arn", ""))
    kinds = ((QUEUE, "queue"), (TOPIC, "topic"), (API_DEST, "api"), (FUNCTION, "function"), (LOG_GROUP, "log"))
    kind, ref = ("function" if ":lambda:" in arn else "unknown"), arn
    for type_, name in kinds:
        found = index.resolve(arn, type_)
        if found is not None:
            kind, ref = name, found.name
            break
    retry = res.inputs.get("retryPolicy") or {}
    dlq = index.resolve((res.inputs.get("deadLetterConfig") or {}).get("arn"), QUEUE)
    transformer = res.inputs.get("inputTransformer") or {}
    return Target(
        target_id=str(res.inputs.get("targetId") or res.name),
        kind=kind,
        ref=ref,
        arn=arn,
        retry_attempts=_int(retry.get("maximumRetryAttempts"), 185),
        retry_age_seconds=_int(retry.get("maximumEventAgeInSeconds"), 86400),
        dlq=dlq.name if dlq else None,
        message_group_id=(res.inputs.get("sqsTarget") or {}).get("messageGroupId"),
        input_paths=transformer.get("inputPaths") or None,
        input_template=transformer.get("inputTemplate"),
    )


def _rules(index: _Index) -> tuple[Rule, ...]:
    targets: dict[str, list[Target]] = {}
    for res in index.of(TARGET):
        rule = index.resolve(res.inputs.get("rule"), RULE)
        if rule is not None:
            targets.setdefault(rule.name, []).append(_target(res, index))
    rules = []
    for res in index.of(RULE):
        bus = index.resolve(res.inputs.get("eventBusName"), BUS)
        rules.append(
            Rule(
                name=res.name,
                physical=physical_name(res),
                bus=physical_name(bus) if bus else str(res.inputs.get("eventBusName") or "default"),
                pattern=res.inputs.get("eventPattern") or None,
                schedule=res.inputs.get("scheduleExpression") or None,
                enabled=str(res.inputs.get("state", "ENABLED")).upper() == "ENABLED"
                and res.inputs.get("isEnabled", True) is not False,
                targets=tuple(sorted(targets.get(res.name, []), key=lambda t: t.target_id)),
            )
        )
    return tuple(sorted(rules, key=lambda r: r.name))


def _topics(index: _Index) -> dict[str, Topic]:
    subs: dict[str, list[TopicSubscription]] = {}
    for res in index.of(TOPIC_SUB):
        topic = index.resolve(res.inputs.get("topic"), TOPIC)
        if topic is None:
            continue
        endpoint = index.resolve(res.inputs.get("endpoint"), QUEUE)
        redrive = _json_field(res, "redrivePolicy") or {}
        dlq = index.resolve(redrive.get("deadLetterTargetArn"), QUEUE)
        policy = res.inputs.get("filterPolicy")
        subs.setdefault(topic.name, []).append(
            TopicSubscription(
                name=res.name,
                topic=topic.name,
                protocol=str(res.inputs.get("protocol", "")),
                endpoint_kind="queue" if endpoint else "unknown",
                endpoint=endpoint.name if endpoint else str(res.inputs.get("endpoint", "")),
                filter_policy=policy if isinstance(policy, str) and policy else None,
                filter_policy_scope=str(res.inputs.get("filterPolicyScope") or "MessageAttributes"),
                raw_message_delivery=bool(res.inputs.get("rawMessageDelivery")),
                dlq=dlq.name if dlq else None,
            )
        )
    return {
        res.name: Topic(
            name=res.name,
            physical=physical_name(res),
            fifo=bool(res.inputs.get("fifoTopic")),
            subscriptions=tuple(sorted(subs.get(res.name, []), key=lambda s: s.name)),
        )
        for res in index.of(TOPIC)
    }


def _functions(index: _Index) -> dict[str, Function]:
    found = {}
    for res in index.of(FUNCTION):
        env = (res.inputs.get("environment") or {}).get("variables") or {}
        found[res.name] = Function(
            name=res.name,
            physical=physical_name(res),
            handler=str(res.inputs.get("handler", "")),
            environment={str(k): str(v) for k, v in env.items()},
            archive=_archive_path(res.inputs.get("code")),
        )
    return found


def _archive_path(code: Any) -> str | None:
    if isinstance(code, Mapping):
        path = code.get("fileArchive") or code.get("path")
        return str(path) if path else None
    return None


def _mappings(index: _Index) -> tuple[EventSourceMapping, ...]:
    found = []
    for res in index.of(ESM):
        queue = index.resolve(res.inputs.get("eventSourceArn"), QUEUE)
        if queue is None:
            continue
        function = index.resolve(res.inputs.get("functionName"), FUNCTION)
        found.append(
            EventSourceMapping(
                name=res.name,
                queue=queue.name,
                function=function.name if function else str(res.inputs.get("functionName")),
                batch_size=_int(res.inputs.get("batchSize"), 10),
                batching_window_seconds=_int(res.inputs.get("maximumBatchingWindowInSeconds"), 0),
                report_batch_item_failures="ReportBatchItemFailures" in (res.inputs.get("functionResponseTypes") or []),
                enabled=res.inputs.get("enabled", True) is not False,
            )
        )
    return tuple(sorted(found, key=lambda m: m.name))


def _tables(index: _Index) -> dict[str, Table]:
    found = {}
    for res in index.of(TABLE):
        ttl = res.inputs.get("ttl") or {}
        found[res.name] = Table(
            name=res.name,
            physical=physical_name(res),
            hash_key=str(res.inputs.get("hashKey", "")),
            range_key=res.inputs.get("rangeKey") or None,
            attributes=tuple((str(a.get("name")), str(a.get("type", "S"))) for a in res.inputs.get("attributes") or []),
            ttl_attribute=ttl.get("attributeName") if ttl.get("enabled") else None,
        )
    return found


def _primary_region(resources: Iterable[PlanResource]) -> list[PlanResource]:
    """The resources not under a `RegionReplica` component (at any depth)."""
    every = list(resources)
    parents = {r.urn: r.parent for r in every}
    replicas = {r.urn for r in every if r.type == REPLICA_COMPONENT}

    def replicated(urn: str | None) -> bool:
        seen: set[str] = set()
        while urn and urn not in seen:
            if urn in replicas:
                return True
            seen.add(urn)
            urn = parents.get(urn)
        return False

    return [r for r in every if not replicated(r.urn)]


def build_topology(resources: Iterable[PlanResource]) -> Topology:
    """The delivery graph of a plan: rules and their targets, topics and subscriptions, queues, pollers.

    Only the primary region's: what a global endpoint replicates into its secondary region (under a
    `RegionReplica` component) has the same physical names and would deliver every event twice."""
    index = _Index(_primary_region(resources))
    return Topology(
        buses=tuple(sorted(physical_name(r) for r in index.of(BUS))),
        rules=_rules(index),
        queues=_queues(index),
        topics=_topics(index),
        api_destinations=_api_destinations(index),
        functions=_functions(index),
        mappings=_mappings(index),
        tables=_tables(index),
    )
