"""Per-flow dashboards in the real dev plan: every line names a resource the plan declares, nothing is left out."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from components.dashboard import DashboardsArgs, flow_bodies
from registry.dashboards import dashboard_name
from registry.loader import load_registry
from registry.offline_plan import Plan
from tests.plans import planned

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"


@pytest.fixture(scope="module")
def dev() -> Plan:
    return planned("dev")


def _bodies(plan: Plan) -> dict[str, dict[str, Any]]:
    return {d.inputs["dashboardName"]: json.loads(d.inputs["dashboardBody"]) for d in plan.of_type(DASHBOARD)}


def _lines(body: dict[str, Any]) -> list[list[Any]]:
    return [m for w in body["widgets"] if w["type"] == "metric" for m in w["properties"]["metrics"]]


def _dims(line: list[Any]) -> dict[str, str]:
    parts = [p for p in line[2:] if isinstance(p, str)]
    return dict(zip(parts[::2], parts[1::2], strict=True))


def _names(plan: Plan, type_: str) -> set[str]:
    return {r.inputs["name"] for r in plan.of_type(type_)}


def test_one_dashboard_per_team_named_for_the_catalog_flow(dev: Plan) -> None:
    teams = {s.team for s in load_registry(ROOT / "contracts").subscriptions}
    assert set(_bodies(dev)) == {dashboard_name("ep-dev", t) for t in teams}
    assert dev.outputs["dashboards"] == {t: dashboard_name("ep-dev", t) for t in sorted(teams)}


def test_every_metric_line_names_a_resource_the_plan_declares(dev: Plan) -> None:
    rules = {
        (r.inputs.get("eventBusName", "default"), r.inputs["name"])
        for r in dev.of_type("aws:cloudwatch/eventRule:EventRule")
    }
    queues = _names(dev, "aws:sqs/queue:Queue")
    topics = _names(dev, "aws:sns/topic:Topic")
    functions = _names(dev, "aws:lambda/function:Function") | {"order-audit-dev"}  # config's existing function
    tables = _names(dev, "aws:dynamodb/table:Table")
    seen: set[str] = set()
    for name, body in _bodies(dev).items():
        for line in _lines(body):
            namespace, metric, dims = line[0], line[1], _dims(line)
            seen.add(namespace)
            if namespace == "AWS/Events":
                assert (dims.get("EventBusName", "default"), dims["RuleName"]) in rules, (name, metric, dims)
            elif namespace == "AWS/SQS":
                assert dims["QueueName"] in queues, (name, dims)
            elif namespace == "AWS/SNS":
                assert dims["TopicName"] in topics, (name, dims)
            elif namespace == "AWS/Lambda":
                assert dims["FunctionName"] in functions, (name, dims)
            else:
                assert namespace == "AWS/DynamoDB" and dims["TableName"] in tables, (name, dims)
    assert seen == {"AWS/Events", "AWS/SQS", "AWS/SNS", "AWS/Lambda", "AWS/DynamoDB"}


def test_every_subscription_rule_and_every_delivery_dlq_is_on_its_flows_dashboard(dev: Plan) -> None:
    shown_rules = {_dims(line).get("RuleName") for body in _bodies(dev).values() for line in _lines(body)}
    shown_queues = {_dims(line).get("QueueName") for body in _bodies(dev).values() for line in _lines(body)}
    plumbing = {
        c.urn
        for c in dev.resources
        if c.type in ("eventplane:index:EventLog", "eventplane:index:Schedule", "eventplane:index:ContractMonitor")
    }  # the event log's, the schedule's and the contract monitor's own rules and DLQs are not a flow's
    rules = {r.inputs["name"] for r in dev.of_type("aws:cloudwatch/eventRule:EventRule") if r.parent not in plumbing}
    dlqs = {
        q.inputs["name"]
        for q in dev.of_type("aws:sqs/queue:Queue")
        if q.parent not in plumbing and q.inputs["name"].removesuffix(".fifo").endswith(("-dlq", "-tdlq"))
    }
    assert rules and rules <= shown_rules
    assert dlqs and dlqs <= shown_queues


def test_each_flow_shows_its_events_from_the_central_event_log(dev: Plan) -> None:
    body = _bodies(dev)["ep-dev-flow-metrics"]
    (log,) = [w for w in body["widgets"] if w["type"] == "log"]
    query = log["properties"]["query"]
    assert query.startswith("SOURCE '/aws/events/ep-dev/event-log'")
    assert '`detail-type` = "OrderManager.WaitingCompletion"' in query


def test_bodies_are_deterministic_whatever_the_subscription_order() -> None:
    registry = load_registry(ROOT / "contracts")
    routes = [(s, registry.events[s.event]) for s in registry.subscriptions]
    shuffled = routes[:]
    random.Random(3).shuffle(shuffled)
    args: dict[str, Any] = {"prefix": "ep-x", "bus_name": "ep-x-bus", "regions": ("us-east-1",)}
    assert flow_bodies(DashboardsArgs(routes=tuple(routes), **args)) == flow_bodies(
        DashboardsArgs(routes=tuple(shuffled), **args)
    )


def test_with_a_second_region_each_line_is_drawn_per_region_except_producers_bus_rules() -> None:
    registry = load_registry(ROOT / "contracts")
    routes = tuple((s, registry.events[s.event]) for s in registry.subscriptions)
    bodies = flow_bodies(DashboardsArgs("ep-x", "ep-x-bus", routes, ("us-east-1", "us-west-2")))
    saga = _lines(json.loads(bodies["order-saga"]))
    assert {line[-1]["region"] for line in saga} == {"us-east-1", "us-west-2"}
    metrics = _lines(json.loads(bodies["metrics"]))
    on_theirs = [line for line in metrics if _dims(line).get("EventBusName") == "Serverlesspresso"]
    assert on_theirs and {line[-1]["region"] for line in on_theirs} == {"us-east-1"}


def test_the_catalog_links_each_flow_to_the_dashboard_each_stack_creates(dev: Plan) -> None:
    from registry.catalog import build_catalog
    from registry.catalog.model import PREFIX_PLACEHOLDER

    flows = build_catalog(load_registry(ROOT / "contracts")).flows
    linked = {f.dashboard.replace(PREFIX_PLACEHOLDER, "ep-dev") for f in flows}
    assert linked == set(_bodies(dev))
    page = (ROOT / "docs" / "catalog" / "index.md").read_text(encoding="utf-8")
    assert all(f"`{f.dashboard}`" in page for f in flows)
