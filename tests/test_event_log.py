"""The central event log in the real dev plan: one rule per bus, one encrypted log group, a scoped resource policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry.errors import InputError
from registry.loader import load_registry
from registry.offline_plan import Plan
from registry.ops_config import EVERY_EVENT, event_log_patterns, log_group_name, producer_buses, producer_pattern
from registry.routing import compile_pattern
from registry.stack_config import load_stack_config, parse_stack_config
from tests.plans import planned

ROOT = Path(__file__).resolve().parent.parent
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"


@pytest.fixture(scope="module")
def dev() -> Plan:
    return planned("dev")


def _log(plan: Plan) -> tuple[Any, list[Any], list[Any]]:
    (component,) = plan.of_type("eventplane:index:EventLog")
    children = plan.children(component.urn)
    rules = [r for r in children if r.type == RULE]
    targets = [r for r in children if r.type == TARGET]
    return component, rules, targets


def test_every_event_on_our_bus_goes_to_an_encrypted_log_group_under_aws_events(dev: Plan) -> None:
    config = load_stack_config(ROOT, "dev")
    component, rules, targets = _log(dev)
    (group,) = [r for r in dev.children(component.urn) if r.type == LOG_GROUP]
    assert group.inputs["name"] == log_group_name("ep-dev") and group.inputs["name"].startswith("/aws/events/")
    assert group.inputs["retentionInDays"] == config.event_log.retention_days
    (key,) = [r for r in dev.children(component.urn) if r.type == "aws:kms/key:Key"]
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:us-east-1:")
    (ours,) = [r for r in rules if r.inputs["eventBusName"] == "ep-dev-bus"]
    assert json.loads(ours.inputs["eventPattern"]) == EVERY_EVENT
    assert all(
        t.inputs["arn"] == f"arn:aws:logs:us-east-1:123456789012:log-group:{group.inputs['name']}" for t in targets
    )
    assert len(targets) == len(rules) and all(t.inputs["deadLetterConfig"]["arn"] for t in targets)
    (logs_statement,) = [s for s in json.loads(key.inputs["policy"])["Statement"] if s["Sid"].startswith("CloudWatch")]
    assert logs_statement["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs_statement["Condition"] == {
        "ArnEquals": {
            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:123456789012:log-group:{group.inputs['name']}"
        }
    }


def test_the_catch_all_pattern_matches_any_event_our_matcher_sees() -> None:
    pattern = compile_pattern(EVERY_EVENT)
    assert pattern.matches({"source": "anything", "detail-type": "x", "detail": {}})
    assert pattern.matches({"source": "", "detail-type": "", "detail": {}})


def test_on_a_producers_bus_only_the_events_we_subscribe_to_are_logged(dev: Plan) -> None:
    registry = load_registry(ROOT / "contracts")
    expected = producer_buses(registry.events[s.event] for s in registry.subscriptions)
    _, rules, _ = _log(dev)
    theirs = {r.inputs["eventBusName"]: json.loads(r.inputs["eventPattern"]) for r in rules}
    theirs.pop("ep-dev-bus")
    assert theirs == {bus: producer_pattern(contracts) for bus, contracts in expected.items()}
    assert "Serverlesspresso" in theirs
    matcher = compile_pattern(theirs["Serverlesspresso"])
    assert matcher.matches(
        {"source": "awsserverlessda.serverlesspresso", "detail-type": "OrderManager.WaitingCompletion", "detail": {}}
    )
    assert not matcher.matches(
        {"source": "awsserverlessda.serverlesspresso", "detail-type": "OrderProcessor.Other", "detail": {}}
    )


def test_the_logs_resource_policy_lets_only_the_event_log_rules_write(dev: Plan) -> None:
    component, rules, _ = _log(dev)
    (policy,) = [
        r for r in dev.children(component.urn) if r.type == "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
    ]
    (statement,) = json.loads(policy.inputs["policyDocument"])["Statement"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == f"arn:aws:logs:us-east-1:123456789012:log-group:{log_group_name('ep-dev')}:*"
    rule_arns = sorted(
        f"arn:aws:events:us-east-1:123456789012:rule/{r.inputs['eventBusName']}/{r.inputs['name']}"
        if r.inputs["eventBusName"] != "default"
        else f"arn:aws:events:us-east-1:123456789012:rule/{r.inputs['name']}"
        for r in rules
    )
    assert sorted(statement["Condition"]["ArnEquals"]["aws:SourceArn"]) == rule_arns


def test_producer_pattern_is_one_pair_or_an_or_of_exact_pairs() -> None:
    registry = load_registry(ROOT / "contracts")
    one = producer_pattern((registry.events["aws/S3ObjectCreated"],))
    assert one == {"source": ["aws.s3"], "detail-type": ["Object Created"]}
    coffee = tuple(c for c in registry.events.values() if c.bus == "Serverlesspresso")
    both = producer_pattern(coffee)
    assert len(both["$or"]) == len(coffee)


def _config(**extra: Any) -> dict[str, Any]:
    return {"aws:region": "us-east-1", "eventplane:namePrefix": "ep-t", "eventplane:archiveRetentionDays": 1, **extra}


@pytest.mark.parametrize(
    ("value", "pointer"),
    [
        ({"retentionDays": 10}, "/config/eventplane:eventLog/retentionDays"),
        ({"retentionDays": True}, "/config/eventplane:eventLog/retentionDays"),
        ({"producerBuses": "yes"}, "/config/eventplane:eventLog/producerBuses"),
        ({"retention": 30}, "/config/eventplane:eventLog/retention"),
        ([30], "/config/eventplane:eventLog"),
        ('{"retentionDays": 10}', "/config/eventplane:eventLog/retentionDays"),
    ],
)
def test_a_wrong_event_log_setting_names_the_key_and_the_fix(value: Any, pointer: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_stack_config(_config(**{"eventplane:eventLog": value}), stack="t", source="Pulumi.t.yaml")
    assert caught.value.pointer == pointer and caught.value.file == "Pulumi.t.yaml"


def test_no_event_log_key_means_no_event_log_and_a_json_string_parses() -> None:
    assert parse_stack_config(_config(), stack="t", source="x").event_log is None
    parsed = parse_stack_config(_config(**{"eventplane:eventLog": '{"retentionDays": 7}'}), stack="t", source="x")
    assert parsed.event_log is not None and parsed.event_log.retention_days == 7
    assert parsed.event_log.producer_buses is False


def test_event_log_patterns_say_which_rules_the_plan_puts_on_each_bus(dev: Plan) -> None:
    """The quotas check counts these: one event-log rule per bus, with exactly the pattern the plan declares."""
    registry = load_registry(ROOT / "contracts")
    config = load_stack_config(ROOT, "dev")
    expected = event_log_patterns(
        config.event_log, "ep-dev-bus", (registry.events[s.event] for s in registry.subscriptions)
    )
    _, rules, _ = _log(dev)
    assert {r.inputs["eventBusName"]: json.loads(r.inputs["eventPattern"]) for r in rules} == expected
    assert event_log_patterns(None, "ep-dev-bus", ()) == {}
