"""The real Pulumi program under the mock engine (via `plan_stack`): what it declares for the real contracts.

`plan_stack` calls `pulumi.runtime.set_mocks` before it runs `__main__.py`, in a
fresh module namespace; pulumi_aws is imported once per process, so each plan
costs about a second. The plans are shared per module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components import TOKEN_PREFIX
from components.common import XRAY_ACTIONS, physical_name
from registry.gate import version_key
from registry.loader import load_registry
from registry.model import Registry
from registry.offline_plan import SECRET, Plan, PlannedResource, plan_stack
from registry.patterns import fork_policy, rule_pattern, to_aws_json
from tests.plans import planned

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "aws:sqs/queue:Queue"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC = "aws:sns/topic:Topic"
TOPIC_SUB = "aws:sns/topicSubscription:TopicSubscription"
INSECURE_TRANSPORT = {"Bool": {"aws:SecureTransport": "false"}}
COMPONENTS = {
    "EventBus",
    "QueueDelivery",
    "ForkTopic",
    "ApiDestination",
    "MetricsPipeline",
    "LambdaDelivery",
    "Schedule",
    "ContractMonitor",
    "EventLog",
    "Dashboards",
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "contracts")


@pytest.fixture(scope="module")
def dev() -> Plan:
    return planned("dev")


@pytest.fixture(scope="module")
def prod() -> Plan:
    return planned("prod")


def by_input(plan: Plan, type_: str, key: str, value: Any) -> list[PlannedResource]:
    return [r for r in plan.of_type(type_) if r.inputs.get(key) == value]


def region_of(plan: Plan, resource: PlannedResource) -> str:
    """The stack's region, or the global endpoint's secondary one for what its RegionReplica holds."""
    by_urn, parent = plan.by_urn(), resource.parent
    while parent:
        if by_urn[parent].type == TOKEN_PREFIX + "RegionReplica":
            return str(plan.of_type("pulumi:providers:aws")[0].inputs["region"])
        parent = by_urn[parent].parent
    return "us-east-1"


def arn_of(plan: Plan, resource: PlannedResource) -> str:
    """The mock's ARN for a planned resource, as other resources' inputs carry it."""
    region, account = region_of(plan, resource), "123456789012"
    name = resource.inputs["name"]
    if resource.type == QUEUE:
        return f"arn:aws:sqs:{region}:{account}:{name}"
    if resource.type == TOPIC:
        return f"arn:aws:sns:{region}:{account}:{name}"
    if resource.type == RULE:
        bus = resource.inputs.get("eventBusName", "default")
        return f"arn:aws:events:{region}:{account}:rule/" + (name if bus == "default" else f"{bus}/{name}")
    raise AssertionError(resource.type)


def statements(document: str) -> Iterator[dict[str, Any]]:
    parsed = json.loads(document)
    yield from parsed["Statement"]


def test_components_use_the_pinned_type_tokens(dev: Plan) -> None:
    kinds = {r.type for r in dev.resources if not r.custom}
    assert kinds <= {TOKEN_PREFIX + c for c in COMPONENTS}
    assert {
        "eventplane:index:EventBus",
        "eventplane:index:QueueDelivery",
        "eventplane:index:ForkTopic",
        "eventplane:index:ApiDestination",
        "eventplane:index:MetricsPipeline",
        "eventplane:index:Schedule",
        "eventplane:index:ContractMonitor",
    } <= kinds


def test_every_cloud_resource_belongs_to_a_component_and_is_named_after_it(dev: Plan) -> None:
    components = {r.urn: r for r in dev.resources if not r.custom}
    for resource in dev.resources:
        if resource.custom:
            assert resource.parent in components, resource.urn
            assert resource.name.startswith(components[resource.parent].name + "-"), resource.name


def test_rule_patterns_are_exactly_the_shared_builder_output(dev: Plan, registry: Registry) -> None:
    checked = 0
    for sub in registry.subscriptions:
        if sub.delivery.type == "fork":
            continue
        rules = by_input(dev, RULE, "name", physical_name("ep-dev", sub.id))
        assert len(rules) == 1, sub.id
        assert rules[0].inputs["eventPattern"] == to_aws_json(rule_pattern(sub, registry.events[sub.event]))
        checked += 1
    assert checked >= 5


def test_fork_filters_are_sns_message_body_policies(dev: Plan, registry: Registry) -> None:
    forks = [s for s in registry.subscriptions if s.delivery.type == "fork"]
    assert forks
    for sub in forks:
        queue_arn = f"arn:aws:sqs:us-east-1:123456789012:{physical_name('ep-dev', sub.id, limit=80)}"
        (subscription,) = by_input(dev, TOPIC_SUB, "endpoint", queue_arn)
        policy = fork_policy(sub)
        assert subscription.inputs.get("filterPolicy") == (to_aws_json(policy) if policy else None)
        assert subscription.inputs.get("filterPolicyScope") == ("MessageBody" if policy else None)
        assert subscription.inputs["rawMessageDelivery"] is True
        assert json.loads(subscription.inputs["redrivePolicy"])["deadLetterTargetArn"].endswith("-dlq")


def test_numeric_operators_survive_unescaped(dev: Plan) -> None:
    documents = [r.inputs.get("filterPolicy") or r.inputs.get("eventPattern") or "" for r in dev.resources]
    numeric = [d for d in documents if '"numeric"' in d]
    assert numeric
    assert any('">="' in d for d in numeric)
    assert not any("\\u003e" in d or "\\u003c" in d or "&gt;" in d for d in documents)


def test_every_queue_is_a_dlq_or_has_one(dev: Plan) -> None:
    queues = {arn_of(dev, q): q for q in dev.of_type(QUEUE)}
    dead_letter: set[str] = set()
    for queue in queues.values():
        if "redrivePolicy" in queue.inputs:
            target = json.loads(queue.inputs["redrivePolicy"])["deadLetterTargetArn"]
            assert target in queues
            dead_letter.add(target)
    dead_letter |= {t.inputs["deadLetterConfig"]["arn"] for t in dev.of_type(TARGET)}
    for arn, queue in queues.items():
        assert arn in dead_letter or "redrivePolicy" in queue.inputs, arn
    assert dead_letter and all(queues[a].inputs["messageRetentionSeconds"] == 1209600 for a in dead_letter)


def test_every_rule_target_retries_then_dead_letters(dev: Plan) -> None:
    queue_arns = {arn_of(dev, q) for q in dev.of_type(QUEUE)}
    targets = dev.of_type(TARGET)
    assert len(targets) == len(dev.of_type(RULE))
    for target in targets:
        retry = target.inputs["retryPolicy"]
        assert retry["maximumEventAgeInSeconds"] > 0 and retry["maximumRetryAttempts"] >= 0
        assert target.inputs["deadLetterConfig"]["arn"] in queue_arns


def test_retry_policy_comes_from_the_subscription(dev: Plan, registry: Registry) -> None:
    sub = next(s for s in registry.subscriptions if s.delivery.type == "api")
    (rule,) = by_input(dev, RULE, "name", physical_name("ep-dev", sub.id))
    (target,) = [
        t for t in dev.of_type(TARGET) if t.parent == rule.parent and t.name == rule.name[: -len("rule")] + "target"
    ]
    assert target.inputs["retryPolicy"] == {
        "maximumEventAgeInSeconds": sub.delivery.retry.maximum_event_age_seconds,
        "maximumRetryAttempts": sub.delivery.retry.maximum_retry_attempts,
    }
    assert target.inputs["roleArn"].startswith("arn:aws:iam::123456789012:role/")


def test_every_queue_and_topic_is_encrypted(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        for queue in plan.of_type(QUEUE):
            assert queue.inputs.get("sqsManagedSseEnabled") is True or queue.inputs.get("kmsMasterKeyId"), queue.name
        for topic in plan.of_type(TOPIC):
            assert topic.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:")


def test_no_iam_wildcard_action_or_resource(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        for resource in plan.resources:
            for key in ("policy", "assumeRolePolicy", "policyDocument"):
                if key not in resource.inputs:
                    continue
                for statement in statements(resource.inputs[key]):
                    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                    if statement["Effect"] == "Deny":  # a deny may be broad: it only ever takes access away
                        assert statement["Condition"] == INSECURE_TRANSPORT, resource.name
                        continue
                    assert not any(a == "*" or a.endswith(":*") for a in actions), (resource.name, actions)
                    if resource.type == "aws:kms/key:Key":
                        continue  # a key policy's Resource "*" means this key itself
                    if sorted(actions) == sorted(XRAY_ACTIONS):
                        continue  # X-Ray's trace actions have no resource-level permissions: the one exception
                    resources = statement.get("Resource", [])
                    resources = resources if isinstance(resources, list) else [resources]
                    assert "*" not in resources, resource.name


def test_queue_and_topic_policies_allow_only_their_own_source(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):  # prod: both regions of its global endpoint
        senders: dict[str, set[str]] = {}  # queue or topic ARN -> ARNs allowed to send to it
        for target in plan.of_type(TARGET):
            rule = next(r for r in plan.of_type(RULE) if r.parent == target.parent and r.name[:-4] == target.name[:-6])
            for arn in (target.inputs["arn"], target.inputs["deadLetterConfig"]["arn"]):
                senders.setdefault(arn, set()).add(arn_of(plan, rule))
        for subscription in plan.of_type(TOPIC_SUB):
            for arn in (
                subscription.inputs["endpoint"],
                json.loads(subscription.inputs["redrivePolicy"])["deadLetterTargetArn"],
            ):
                senders.setdefault(arn, set()).add(subscription.inputs["topic"])
        policies = plan.of_type("aws:sqs/queuePolicy:QueuePolicy") + plan.of_type("aws:sns/topicPolicy:TopicPolicy")
        assert policies
        for policy in policies:
            (statement,) = [s for s in statements(policy.inputs["policy"]) if s["Effect"] == "Allow"]
            source = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
            resource = statement["Resource"]
            assert source in senders[resource], (policy.name, source)
        sent_to_by_service = {arn for arn in senders if arn.startswith("arn:aws:sqs:")}
        with_policy = {s["Resource"] for p in policies for s in statements(p.inputs["policy"])}
        assert sent_to_by_service <= with_policy
        assert plan.of_type(QUEUE)


def test_secrets_are_never_plain(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        text = json.dumps(plan.to_json())
        assert "offline-placeholder" not in text
        connections = plan.of_type("aws:cloudwatch/eventConnection:EventConnection")  # prod: one per region
        assert connections and all(c.inputs["authParameters"] == SECRET for c in connections)
    assert by_input(
        prod, "aws:cloudwatch/eventConnection:EventConnection", "authorizationType", "OAUTH_CLIENT_CREDENTIALS"
    )


def test_api_destination_rate_limit_and_role_scope_come_from_stack_config(dev: Plan, prod: Plan) -> None:
    for plan, rate, regions in ((dev, 5, ["us-east-1"]), (prod, 50, ["us-east-1", "us-west-2"])):
        destinations = plan.of_type("aws:cloudwatch/eventApiDestination:EventApiDestination")
        assert len(destinations) == len(regions)  # prod: its global endpoint's secondary region has a copy
        for destination, region in zip(sorted(destinations, key=lambda d: len(d.urn)), regions, strict=True):
            assert destination.inputs["invocationRateLimitPerSecond"] == rate
            (role_policy,) = [
                p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.parent == destination.parent
            ]
            (statement,) = statements(role_policy.inputs["policy"])
            assert statement["Action"] == "events:InvokeApiDestination"
            assert statement["Resource"].startswith(f"arn:aws:events:{region}:123456789012:api-destination/")


def test_fifo_queue_gets_a_message_group_and_dedup(dev: Plan, registry: Registry) -> None:
    fifo = [s for s in registry.subscriptions if s.delivery.options.get("fifo")]
    assert fifo
    for sub in fifo:
        name = physical_name("ep-dev", sub.id, limit=80, suffix=".fifo")
        (queue,) = by_input(dev, QUEUE, "name", name)
        assert queue.inputs["fifoQueue"] is True and queue.inputs["contentBasedDeduplication"] is True
        (target,) = [t for t in dev.of_type(TARGET) if t.inputs["arn"] == arn_of(dev, queue)]
        assert target.inputs["sqsTarget"] == {"messageGroupId": sub.delivery.options["message_group_id"]}


def test_metrics_pipeline_shape(dev: Plan) -> None:
    (table,) = dev.of_type("aws:dynamodb/table:Table")
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["pointInTimeRecovery"]["enabled"] is True
    assert table.inputs["serverSideEncryption"]["enabled"] is True
    assert table.inputs["ttl"] == {"attributeName": "expires_at", "enabled": True}
    (function,) = [f for f in dev.of_type("aws:lambda/function:Function") if f.name == "metrics-function"]
    assert function.inputs["environment"]["variables"]["METRICS_TABLE"] == table.inputs["name"]
    assert function.inputs["sourceCodeHash"]
    mappings = [
        m for m in dev.of_type("aws:lambda/eventSourceMapping:EventSourceMapping") if m.parent == function.parent
    ]
    assert mappings and all(m.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)
    (role_policy,) = [p for p in dev.of_type("aws:iam/rolePolicy:RolePolicy") if p.parent == function.parent]
    scoped = {s["Sid"]: s["Resource"] for s in statements(role_policy.inputs["policy"])}
    assert scoped["WriteItsTable"] == f"arn:aws:dynamodb:us-east-1:123456789012:table/{table.inputs['name']}"
    assert function.inputs["tracingConfig"] == {"mode": "Active"} and scoped["SendTraces"] == "*"  # X-Ray
    assert sorted(scoped["ConsumeItsQueues"]) == sorted(m.inputs["eventSourceArn"] for m in mappings)


def test_schemas_are_published_as_draft4(dev: Plan, registry: Registry) -> None:
    schemas = dev.of_type("aws:schemas/schema:Schema")
    assert len(schemas) == sum(len(e.versions) for e in registry.events.values())
    for schema in schemas:
        assert schema.inputs["type"] == "JSONSchemaDraft4"
        content = json.loads(schema.inputs["content"])
        assert content["$schema"] == "http://json-schema.org/draft-04/schema#" and "examples" not in content


def test_outputs_export_names_urls_and_fingerprints(dev: Plan, registry: Registry) -> None:
    outputs = dev.outputs
    assert outputs["busName"] == "ep-dev-bus"
    assert outputs["contractFingerprints"] == {
        version_key(e.key, v.number): v.fingerprint for e in registry.events.values() for v in e.versions
    }
    urls = {f"https://sqs.us-east-1.amazonaws.com/123456789012/{q.inputs['name']}" for q in dev.of_type(QUEUE)}
    assert set(outputs["queueUrls"].values()) <= urls
    assert set(outputs["topicArns"]) == {s.event for s in registry.subscriptions if s.delivery.type == "fork"}
    assert outputs["metricsTableName"] == "ep-dev-metrics"


def test_the_plan_is_deterministic(dev: Plan) -> None:
    assert plan_stack("dev", ROOT).to_json() == dev.to_json()


BUS = "aws:cloudwatch/eventBus:EventBus"
PRODUCER_BUSES = {
    "coffeeshop/WaitingCompletion": "Serverlesspresso",
    "coffeeshop/OrderCancelled": "Serverlesspresso",
    "coffeeshop/OrderCompleted": "Serverlesspresso",
    "aws/S3ObjectCreated": "default",
}


def rule_of(plan: Plan, sub_id: str) -> PlannedResource:
    (rule,) = by_input(plan, RULE, "name", physical_name("ep-dev", sub_id))
    return rule


def sqs_policy_of(plan: Plan, queue: PlannedResource) -> dict[str, Any]:
    url = f"https://sqs.us-east-1.amazonaws.com/123456789012/{queue.inputs['name']}"
    (policy,) = by_input(plan, "aws:sqs/queuePolicy:QueuePolicy", "queueUrl", url)
    return json.loads(policy.inputs["policy"])


def test_the_contracts_name_their_producers_buses(registry: Registry) -> None:
    assert {k: e.bus for k, e in registry.events.items() if e.bus} == PRODUCER_BUSES


def test_external_events_are_subscribed_on_their_producers_bus(dev: Plan, registry: Registry) -> None:
    external = [s for s in registry.subscriptions if s.event in PRODUCER_BUSES]
    assert {s.team for s in external} == {"metrics", "ingest"}
    for sub in external:
        bus = PRODUCER_BUSES[sub.event]
        rule = rule_of(dev, sub.id)
        assert rule.inputs["eventBusName"] == bus
        assert rule.inputs["eventPattern"] == to_aws_json(rule_pattern(sub, registry.events[sub.event]))
        (target,) = [t for t in dev.of_type(TARGET) if t.inputs["rule"] == rule.inputs["name"]]
        assert target.inputs["eventBusName"] == bus
        # the rule's ARN names the bus unless it is the default one: the queue policies must name exactly that
        path = rule.inputs["name"] if bus == "default" else f"{bus}/{rule.inputs['name']}"
        rule_arn = f"arn:aws:events:us-east-1:123456789012:rule/{path}"
        for queue_arn in (target.inputs["arn"], target.inputs["deadLetterConfig"]["arn"]):
            (queue,) = [q for q in dev.of_type(QUEUE) if arn_of(dev, q) == queue_arn]
            allow = next(s for s in sqs_policy_of(dev, queue)["Statement"] if s["Effect"] == "Allow")
            assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn}}


def test_our_events_stay_on_our_bus(dev: Plan, registry: Registry) -> None:
    ours = [s for s in registry.subscriptions if s.event not in PRODUCER_BUSES and s.delivery.type != "fork"]
    assert ours
    for sub in ours:
        assert rule_of(dev, sub.id).inputs["eventBusName"] == "ep-dev-bus"
    fork_rules = [r for r in dev.of_type(RULE) if r.inputs["name"].startswith("ep-dev-fork-")]
    assert fork_rules and all(r.inputs["eventBusName"] == "ep-dev-bus" for r in fork_rules)


def test_no_bus_is_created_for_a_producer(dev: Plan, prod: Plan) -> None:
    for plan, ours in ((dev, "ep-dev-bus"), (prod, "ep-prod-bus")):
        assert {b.inputs["name"] for b in plan.of_type(BUS)} == {ours}  # prod: one per region, same name
        on = {r.inputs.get("eventBusName", "default") for r in plan.of_type(RULE)}
        assert on == {ours, "Serverlesspresso", "default"}


def test_every_queue_and_topic_policy_denies_requests_without_tls(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        policies = plan.of_type("aws:sqs/queuePolicy:QueuePolicy") + plan.of_type("aws:sns/topicPolicy:TopicPolicy")
        assert policies
        for policy in policies:
            allow, deny = sorted(statements(policy.inputs["policy"]), key=lambda s: s["Effect"])
            assert (allow["Effect"], deny["Effect"]) == ("Allow", "Deny"), policy.name
            assert deny["Principal"] == "*" and deny["Condition"] == INSECURE_TRANSPORT
            assert deny["Resource"] == allow["Resource"]  # this queue or topic only
            service = "sqs" if policy.type.startswith("aws:sqs") else "sns"
            assert deny["Action"] == ("sqs:*" if service == "sqs" else "sns:Publish")
            assert deny["Resource"].startswith(f"arn:aws:{service}:")


def test_every_dlq_fed_by_redrive_allows_exactly_its_source_queues(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        queues = {arn_of(plan, q): q for q in plan.of_type(QUEUE)}
        sources: dict[str, list[str]] = {}
        for arn, queue in queues.items():
            if "redrivePolicy" in queue.inputs:
                sources.setdefault(json.loads(queue.inputs["redrivePolicy"])["deadLetterTargetArn"], []).append(arn)
        allowed: dict[str, dict[str, Any]] = {}
        for resource in plan.of_type("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"):
            (dlq,) = [
                a
                for a, q in queues.items()
                if resource.inputs["queueUrl"]
                == f"https://sqs.{region_of(plan, q)}.amazonaws.com/123456789012/{q.inputs['name']}"
            ]
            assert dlq not in allowed, f"two RedriveAllowPolicy resources on {dlq}"
            allowed[dlq] = json.loads(resource.inputs["redriveAllowPolicy"])
        assert sources and set(allowed) == set(sources)  # target DLQs, fed only by EventBridge, get none
        for dlq, policy in allowed.items():
            assert policy == {"redrivePermission": "byQueue", "sourceQueueArns": sorted(sources[dlq])}


def test_the_bundled_functions_run_the_python_their_bytecode_was_built_for(dev: Plan) -> None:
    import zipfile

    from registry import bundle

    functions = dev.of_type("aws:lambda/function:Function")
    assert {f.inputs["handler"] for f in functions} == {bundle.METRICS_HANDLER, bundle.MONITOR_HANDLER}
    version = bundle.LAMBDA_RUNTIME.removeprefix("python").replace(".", "")
    for function in functions:
        assert function.inputs["runtime"] == bundle.LAMBDA_RUNTIME
        with zipfile.ZipFile(function.inputs["code"]["fileArchive"]) as archive:
            tags = {n.rsplit(".", 2)[-2] for n in archive.namelist() if n.endswith(".pyc")}
        assert tags == {f"cpython-{version}"}


# -- the contract monitor -------------------------------------------------------------------------


def _monitor_rules(plan: Plan) -> list[Any]:
    (component,) = [r for r in plan.resources if r.type == "eventplane:index:ContractMonitor"]
    return [r for r in plan.of_type(RULE) if r.parent == component.urn]


def test_the_monitor_watches_every_contracted_type_on_the_bus_it_is_put_on(dev: Plan, registry: Registry) -> None:
    from registry.routing import compile_pattern

    rules = _monitor_rules(dev)
    buses = {r.inputs["eventBusName"] for r in rules}
    assert len(buses) == 3 and {"Serverlesspresso", "default"} < buses  # ours, the coffee shop's, AWS's
    for contract in registry.events.values():
        envelope = contract.envelope(contract.latest.examples[0])
        matching = [r for r in rules if compile_pattern(json.loads(r.inputs["eventPattern"])).matches(envelope)]
        assert len(matching) == 1, contract.key
        ours = next(iter(buses - {"Serverlesspresso", "default"}))
        assert matching[0].inputs["eventBusName"] == (contract.bus or ours), contract.key
    stranger = {**envelope, "detail-type": "NotContracted"}
    assert not any(compile_pattern(json.loads(r.inputs["eventPattern"])).matches(stranger) for r in rules)


def test_the_monitor_publishes_metrics_through_its_logs_and_alarms_on_violations(dev: Plan) -> None:
    from registry import bundle

    (component,) = [r for r in dev.resources if r.type == "eventplane:index:ContractMonitor"]
    (function,) = [f for f in dev.of_type("aws:lambda/function:Function") if f.parent == component.urn]
    assert function.inputs["handler"] == bundle.MONITOR_HANDLER
    assert function.inputs["environment"]["variables"]["MONITOR_SAMPLE_RATE"] == "1.0"
    (role_policy,) = [p for p in dev.of_type("aws:iam/rolePolicy:RolePolicy") if p.parent == component.urn]
    actions = {a for s in statements(role_policy.inputs["policy"]) for a in s["Action"]}
    assert not any(a.startswith("cloudwatch:") for a in actions)  # EMF: no PutMetricData
    assert actions == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        *XRAY_ACTIONS,  # every function we create traces (active tracing)
    }
    assert function.inputs["tracingConfig"] == {"mode": "Active"}
    mappings = [m for m in dev.of_type("aws:lambda/eventSourceMapping:EventSourceMapping") if m.parent == component.urn]
    assert len(mappings) == len(_monitor_rules(dev))
    consumed = {s["Sid"]: s["Resource"] for s in statements(role_policy.inputs["policy"])}["ConsumeItsQueues"]
    assert sorted(consumed) == sorted(m.inputs["eventSourceArn"] for m in mappings)
    alarms = [a for a in dev.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name == "monitor-violations-alarm"]
    (alarm,) = alarms
    assert (alarm.inputs["namespace"], alarm.inputs["metricName"], alarm.inputs["threshold"]) == (
        "Eventplane/Contracts",
        "Violations",
        1,
    )
    assert "dimensions" not in alarm.inputs  # the handler writes Violations with an empty dimension set


def test_the_monitor_is_off_unless_the_stack_enables_it(prod: Plan) -> None:
    assert not [r for r in prod.resources if r.type == "eventplane:index:ContractMonitor"]
    assert {f.name for f in prod.of_type("aws:lambda/function:Function")} == {"metrics-function"}
