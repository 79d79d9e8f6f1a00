"""The prod stack's global endpoint: the bus, rules and targets copied to the secondary region, failover wiring."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pytest

from components.global_endpoint import endpoint_id, replicated_subscriptions
from registry.errors import InputError
from registry.loader import load_registry
from registry.local.topology import build_topology
from registry.offline_plan import Plan, PlannedResource, plan_stack
from registry.ops_config import GlobalEndpointConfig, stack_regions
from registry.stack_config import load_stack_config, parse_stack_config
from tests.plans import planned

ROOT = Path(__file__).resolve().parent.parent
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"


@pytest.fixture(scope="module")
def prod() -> Plan:
    return planned("prod")


def _split(plan: Plan) -> tuple[list[PlannedResource], list[PlannedResource]]:
    """(primary region's resources, the secondary copy's), by ancestry under the RegionReplica component."""
    by_urn = plan.by_urn()

    def replicated(r: PlannedResource) -> bool:
        parent = r.parent
        while parent:
            if by_urn[parent].type == "eventplane:index:RegionReplica":
                return True
            parent = by_urn[parent].parent
        return False

    copy = [r for r in plan.resources if replicated(r)]
    urns = {r.urn for r in copy}
    return [r for r in plan.resources if r.urn not in urns], copy


def _rules(resources: list[PlannedResource]) -> set[tuple[str, str, str]]:
    return {
        (r.inputs.get("eventBusName", "default"), r.inputs["name"], r.inputs.get("eventPattern", ""))
        for r in resources
        if r.type == RULE
    }


def test_every_rule_on_our_bus_exists_in_both_regions_and_producers_bus_rules_stay_home(prod: Plan) -> None:
    primary, copy = _split(prod)
    ours = {r for r in _rules(primary) if r[0] == "ep-prod-bus"}
    assert ours and _rules(copy) == ours
    assert {r[0] for r in _rules(primary)} - {"ep-prod-bus"} == {"Serverlesspresso", "default"}
    (provider,) = prod.of_type("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-west-2"


def test_the_copy_targets_and_policies_name_only_secondary_region_resources(prod: Plan) -> None:
    _, copy = _split(prod)
    targets = [r for r in copy if r.type == TARGET]
    assert targets and all(":us-west-2:" in t.inputs["arn"] for t in targets)
    assert all(":us-west-2:" in t.inputs["deadLetterConfig"]["arn"] for t in targets)
    policies = [r for r in copy if r.type == "aws:sqs/queuePolicy:QueuePolicy"]
    for policy in policies:
        allow = next(s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Effect"] == "Allow")
        assert ":us-west-2:" in allow["Resource"] and ":us-west-2:" in allow["Condition"]["ArnEquals"]["aws:SourceArn"]


def test_no_urn_or_account_wide_name_is_declared_twice(prod: Plan) -> None:
    urns = [r.urn for r in prod.resources]
    assert len(urns) == len(set(urns))
    roles = [r.inputs["name"] for r in prod.of_type("aws:iam/role:Role")]
    assert len(roles) == len(set(roles)) and "ep-prod-api-delivery-service-invoke-us-west-2" in roles
    dashboards = [r.inputs["dashboardName"] for r in prod.of_type("aws:cloudwatch/dashboard:Dashboard")]
    assert len(dashboards) == len(set(dashboards))


def test_the_endpoint_fails_over_between_same_named_buses_on_a_latency_health_check(prod: Plan) -> None:
    config = load_stack_config(ROOT, "prod").global_endpoint
    assert config is not None
    (endpoint,) = prod.of_type("aws:cloudwatch/eventEndpoint:EventEndpoint")
    (check,) = prod.of_type("aws:route53/healthCheck:HealthCheck")
    alarm = next(a for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name.endswith("latency-alarm"))
    inputs = endpoint.inputs
    assert [b["eventBusArn"] for b in inputs["eventBuses"]] == [
        "arn:aws:events:us-east-1:123456789012:event-bus/ep-prod-bus",
        "arn:aws:events:us-west-2:123456789012:event-bus/ep-prod-bus",
    ]
    assert inputs["replicationConfig"] == {"state": "ENABLED"}
    failover = inputs["routingConfig"]["failoverConfig"]
    assert failover["secondary"] == {"route": "us-west-2"}
    assert failover["primary"]["healthCheck"].startswith("arn:aws:route53:::healthcheck/")
    assert check.inputs["type"] == "CLOUDWATCH_METRIC" and check.inputs["insufficientDataHealthStatus"] == "Unhealthy"
    assert (check.inputs["cloudwatchAlarmName"], check.inputs["cloudwatchAlarmRegion"]) == (
        alarm.inputs["name"],
        "us-east-1",
    )
    assert (alarm.inputs["namespace"], alarm.inputs["metricName"], alarm.inputs["statistic"]) == (
        "AWS/Events",
        "IngestionToInvocationStartLatency",
        "Average",
    )
    assert alarm.inputs["threshold"] == config.health_check.latency_threshold_ms
    assert alarm.inputs["treatMissingData"] == config.health_check.treat_missing_data


def test_replication_may_only_put_events_on_the_two_buses(prod: Plan) -> None:
    (endpoint,) = prod.of_type("aws:cloudwatch/eventEndpoint:EventEndpoint")
    policy = next(p for p in prod.of_type("aws:iam/rolePolicy:RolePolicy") if "replication" in p.name)
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Resource"] == [b["eventBusArn"] for b in endpoint.inputs["eventBuses"]]
    role = next(r for r in prod.of_type("aws:iam/role:Role") if r.inputs["name"] == "ep-prod-endpoint-replication")
    assert endpoint.inputs["roleArn"].endswith(role.inputs["name"])


def test_producers_get_the_endpoint_id_and_the_secondary_queues(prod: Plan) -> None:
    outputs = prod.outputs
    assert outputs["globalEndpointId"] == endpoint_id(outputs["globalEndpointUrl"])
    assert outputs["secondaryRegion"] == "us-west-2"
    assert set(outputs["secondaryQueueUrls"]) < set(outputs["queueUrls"])
    assert all(".us-west-2." in url for url in outputs["secondaryQueueUrls"].values())
    assert endpoint_id("https://abcde.veo.endpoints.event.amazonaws.com") == "abcde.veo"


def test_a_local_run_stands_up_the_primary_region_only(prod: Plan) -> None:
    primary, copy = _split(prod)
    topology = build_topology([types.SimpleNamespace(**r.to_json()) for r in prod.resources])
    assert len(topology.rules) == len([r for r in primary if r.type == RULE])
    assert len(copy) > 100


def test_stack_regions_lists_the_secondary_after_the_primary() -> None:
    assert stack_regions("us-east-1", None) == ("us-east-1",)
    assert stack_regions("us-east-1", GlobalEndpointConfig("us-west-2")) == ("us-east-1", "us-west-2")
    assert load_stack_config(ROOT, "dev").regions == ("us-east-1",)
    assert load_stack_config(ROOT, "prod").regions == ("us-east-1", "us-west-2")


def _config(spec: Any) -> dict[str, Any]:
    return {
        "aws:region": "us-east-1",
        "eventplane:namePrefix": "ep-t",
        "eventplane:archiveRetentionDays": 1,
        "eventplane:functions": {"audit": "arn:aws:lambda:us-east-1:123456789012:function:audit"},
        "eventplane:globalEndpoint": spec,
    }


@pytest.mark.parametrize(
    ("spec", "pointer"),
    [
        ({"secondaryRegion": "us-east-1"}, "/config/eventplane:globalEndpoint/secondaryRegion"),
        ({"secondaryRegion": "mars"}, "/config/eventplane:globalEndpoint/secondaryRegion"),
        ({}, "/config/eventplane:globalEndpoint/secondaryRegion"),
        ({"secondaryRegion": "us-west-2", "failover": 1}, "/config/eventplane:globalEndpoint/failover"),
        (
            {"secondaryRegion": "us-west-2", "healthCheck": {"periodSeconds": 45}},
            "/config/eventplane:globalEndpoint/healthCheck/periodSeconds",
        ),
        (
            {"secondaryRegion": "us-west-2", "healthCheck": {"treatMissingData": "ok"}},
            "/config/eventplane:globalEndpoint/healthCheck/treatMissingData",
        ),
        (
            {
                "secondaryRegion": "us-west-2",
                "functions": {"audit": "arn:aws:lambda:us-east-1:123456789012:function:a"},
            },
            "/config/eventplane:globalEndpoint/functions/audit",
        ),
        (
            {
                "secondaryRegion": "us-west-2",
                "functions": {"ghost": "arn:aws:lambda:us-west-2:123456789012:function:a"},
            },
            "/config/eventplane:globalEndpoint/functions/ghost",
        ),
        ({"secondaryRegion": "us-west-2", "replication": "yes"}, "/config/eventplane:globalEndpoint/replication"),
    ],
)
def test_a_wrong_global_endpoint_setting_names_the_key_and_the_fix(spec: Any, pointer: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_stack_config(_config(spec), stack="t", source="Pulumi.t.yaml")
    assert caught.value.pointer == pointer and caught.value.hint


def test_a_lambda_delivery_without_a_secondary_copy_of_its_function_is_refused() -> None:
    registry = load_registry(ROOT / "contracts")
    ours = next(s for s in registry.subscriptions if not registry.events[s.event].bus)
    delivery = types.SimpleNamespace(type="lambda", options={"function": "audit"})
    lambda_sub = types.SimpleNamespace(id="t.audit", event=ours.event, delivery=delivery)
    config = GlobalEndpointConfig("us-west-2")
    with pytest.raises(InputError) as caught:
        replicated_subscriptions([lambda_sub], registry.events, config, "Pulumi.t.yaml")  # type: ignore[list-item]
    assert caught.value.pointer == "/config/eventplane:globalEndpoint/functions/audit"
    copied = GlobalEndpointConfig("us-west-2", functions={"audit": "arn:aws:lambda:us-west-2:1:function:a"})
    assert replicated_subscriptions([lambda_sub], registry.events, copied, "x") == [lambda_sub]  # type: ignore[list-item]


def _tiny_stack(tmp_path: Path, functions: dict[str, str]) -> Path:
    from tests.test_program_gate import write_registry, write_stack

    contracts = tmp_path / "contracts"
    write_registry(
        contracts,
        [{"name": "audit", "event": "tiny/ThingHappened", "delivery": {"type": "lambda", "function": "order-audit"}}],
    )
    spec = {"secondaryRegion": "us-west-2", "functions": functions}
    write_stack(
        tmp_path, "ge", lambda c: c.update({"eventplane:namePrefix": "ep-ge", "eventplane:globalEndpoint": spec})
    )
    return contracts


def test_a_lambda_delivery_is_copied_to_its_functions_secondary_region_copy(tmp_path: Path) -> None:
    copy = "arn:aws:lambda:us-west-2:123456789012:function:order-audit-dr"
    contracts = _tiny_stack(tmp_path, {"order-audit": copy})
    plan = plan_stack("ge", tmp_path, contracts=contracts, program=ROOT / "__main__.py")
    targets = {t.inputs["arn"] for t in plan.of_type(TARGET)}
    assert {copy, "arn:aws:lambda:us-east-1:123456789012:function:order-audit-dev"} <= targets
    permissions = {
        p.inputs["function"]: p.inputs["sourceArn"] for p in plan.of_type("aws:lambda/permission:Permission")
    }
    assert permissions[copy] == "arn:aws:events:us-west-2:123456789012:rule/ep-ge-bus/ep-ge-tiny-audit"


def test_without_that_copy_the_program_declares_nothing_and_names_the_key(tmp_path: Path) -> None:
    contracts = _tiny_stack(tmp_path, {})
    with pytest.raises(InputError) as caught:
        plan_stack("ge", tmp_path, contracts=contracts, program=ROOT / "__main__.py")
    assert caught.value.pointer == "/config/eventplane:globalEndpoint/functions/order-audit"
