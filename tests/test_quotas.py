"""AWS quotas as gate findings: counted from the layouts the program declares from, per rule, topic, bus and account.

Registries here are written to a temporary project (contracts plus
`Pulumi.<stack>.yaml` files beside them), as `check` and the program read them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry.cli import main as cli_main
from registry.environment import load_stacks
from registry.errors import InputError
from registry.findings import Report
from registry.gate import version_key
from registry.loader import load_registry
from registry.offline_plan import PlanRejected, plan_stack
from registry.quotas import QUOTA_RULES, QUOTAS, quota_findings, quota_overrides
from registry.stack_layout import OWN_BUS, RuleUse, StackLayout, environment_layouts

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"amount": {"type": "number"}, "region": {"type": "string"}},
    "examples": [{"amount": 5, "region": "eu"}],
}


def write_project(root: Path, teams: dict[str, list[dict[str, Any]]], stacks: dict[str, dict[str, Any]]) -> Path:
    """Contracts (one event, `teams` subscription files, locked) and stack files; returns the contracts folder."""
    contracts = root / "contracts"
    event = contracts / "events/shop/ThingHappened"
    event.mkdir(parents=True)
    (event / "event.json").write_text(
        json.dumps(
            {
                "source": "com.example.shop",
                "detail-type": "ThingHappened",
                "owner": "shop-team",
                "service": "shop",
                "action": "A thing happened",
                "description": "A test event.",
            }
        )
    )
    (event / "v1.json").write_text(json.dumps(SCHEMA))
    (contracts / "subscriptions").mkdir()
    for team, subs in teams.items():
        (contracts / f"subscriptions/{team}.json").write_text(
            json.dumps({"team": team, "description": "Test consumers.", "subscriptions": subs})
        )
    registry = load_registry(contracts)
    lock = {version_key(e.key, v.number): v.fingerprint for e in registry.events.values() for v in e.versions}
    (contracts / "registry.lock.json").write_text(json.dumps({"lockVersion": 1, "published": lock}))
    for name, extra in stacks.items():
        config = {
            "aws:region": "us-east-1",
            "eventplane:namePrefix": f"ep-{name}",
            "eventplane:archiveRetentionDays": 1,
        }
        config.update(extra)
        (root / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))
    return contracts


def queues(n: int, prefix: str = "q") -> list[dict[str, Any]]:
    return [
        {"name": f"{prefix}-{i:04d}", "event": "shop/ThingHappened", "delivery": {"type": "queue"}} for i in range(n)
    ]


def forks(n: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"f-{i:04d}",
            "event": "shop/ThingHappened",
            "filter": {"amount": [{"numeric": [">=", i]}]},
            "delivery": {"type": "fork", "pipeline": "plain"},
        }
        for i in range(n)
    ]


def findings(root: Path, stack: str | None = None) -> Report:
    registry = load_registry(root / "contracts")
    return Report(quota_findings(registry, load_stacks(root), stack))


def test_every_quota_names_its_aws_source_and_a_rule_that_reads_as_a_claim() -> None:
    for quota in QUOTAS.values():
        assert quota.source.startswith("https://docs.aws.amazon.com/"), quota
        rule = QUOTA_RULES[quota.rule_id]
        assert rule.purpose.startswith("Checks that") and quota.name in rule.purpose
    assert (QUOTAS["rulesPerBus"].default, QUOTAS["rulesPerBus"].adjustable) == (300, True)
    assert (QUOTAS["targetsPerRule"].default, QUOTAS["targetsPerRule"].adjustable) == (5, False)


def test_a_bus_over_300_rules_is_rejected_naming_the_biggest_team_and_the_increase_to_request(tmp_path: Path) -> None:
    write_project(tmp_path, {"big": queues(290), "small": queues(11)}, {"dev": {}})
    report = findings(tmp_path)
    [finding] = report.errors
    assert finding.rule_id == "BUS_RULES_OVER_QUOTA"
    assert (finding.file, finding.pointer, finding.old, finding.new) == (
        "Pulumi.dev.yaml",
        "/config/eventplane:quotas/rulesPerBus",
        300,
        301,
    )
    assert "ep-dev-bus" in finding.message and "big 290" in finding.message and "eb-quota.html" in finding.message
    assert "domain stack in another account" in finding.hint and "rulesPerBus: 301" in finding.hint


def test_a_raised_quota_recorded_in_the_stack_config_lets_the_bus_grow(tmp_path: Path) -> None:
    write_project(tmp_path, {"big": queues(301)}, {"dev": {"eventplane:quotas": {"rulesPerBus": 400}}})
    assert findings(tmp_path).findings == []


def test_300_rules_fit_exactly(tmp_path: Path) -> None:
    write_project(tmp_path, {"big": queues(300)}, {"dev": {}})
    assert findings(tmp_path).findings == []


@pytest.mark.parametrize(
    "quotas, words",
    [
        ({"targetsPerRule": 10}, "cannot be raised"),
        ({"rulesPerBuss": 400}, "unknown quota 'rulesPerBuss'"),
        ({"rulesPerBus": 200}, "whole number in 300.."),
        ({"eventPatternChars": 5000}, "in 2048..4096"),
        ({"rulesPerBus": "many"}, "got 'many'"),
    ],
)
def test_bad_quota_overrides_name_file_key_and_fix(tmp_path: Path, quotas: dict[str, Any], words: str) -> None:
    write_project(tmp_path, {"big": queues(1)}, {"dev": {"eventplane:quotas": quotas}})
    [spec] = load_stacks(tmp_path)
    with pytest.raises(InputError) as caught:
        quota_overrides(spec)
    assert caught.value.file == "Pulumi.dev.yaml" and caught.value.pointer.startswith("/config/eventplane:quotas/")
    assert words in caught.value.message and caught.value.hint


def test_a_topic_with_more_than_200_filter_policies_is_rejected(tmp_path: Path) -> None:
    write_project(tmp_path, {"many": forks(201)}, {"dev": {}})
    [finding] = findings(tmp_path).errors
    assert finding.rule_id == "TOPIC_FILTER_POLICIES_OVER_QUOTA"
    assert (finding.old, finding.new) == (200, 201) and finding.file.endswith("subscriptions/many.json")
    assert "shop/ThingHappened" in finding.message and "`queue` deliveries" in finding.hint


def test_an_event_pattern_over_the_size_quota_is_rejected_and_a_raised_quota_admits_it(tmp_path: Path) -> None:
    big = [
        {
            "name": "wide",
            "event": "shop/ThingHappened",
            "filter": {"region": [f"r{i:05d}" for i in range(300)]},
            "delivery": {"type": "queue"},
        }
    ]
    write_project(tmp_path, {"wide": big}, {"dev": {}})
    [finding] = findings(tmp_path).errors
    assert finding.rule_id == "EVENT_PATTERN_OVER_QUOTA" and finding.pointer == "/subscriptions/0"
    assert finding.old == 2048 and finding.new > 2048
    write_project(tmp_path / "raised", {"wide": big}, {"dev": {"eventplane:quotas": {"eventPatternChars": 4096}}})
    assert findings(tmp_path / "raised").findings == []


def test_a_rule_with_more_than_five_targets_cannot_be_fixed_by_a_quota_increase(tmp_path: Path) -> None:
    write_project(tmp_path, {"small": queues(1)}, {"dev": {}})
    registry, specs = load_registry(tmp_path / "contracts"), load_stacks(tmp_path)
    layout = environment_layouts(registry, specs)["dev"]
    crowded = StackLayout(**{**layout.__dict__, "rules": (RuleUse(OWN_BUS, "{}", 6, "small.q-0000", "x.json", "/0"),)})
    [finding] = quota_findings(registry, specs, layouts={"dev": crowded})
    assert finding.rule_id == "RULE_TARGETS_OVER_QUOTA" and "cannot be raised" in finding.hint


def test_domain_stacks_on_one_core_bus_count_together_and_each_is_told(tmp_path: Path) -> None:
    stacks = {
        "core": {"eventplane:role": "core"},
        "a": {"eventplane:role": "domain", "eventplane:core": "core", "eventplane:teams": ["team-a"]},
        "b": {"eventplane:role": "domain", "eventplane:core": "core", "eventplane:teams": ["team-b"]},
    }
    write_project(tmp_path, {"team-a": queues(160, "a"), "team-b": queues(160, "b")}, stacks)
    [finding] = findings(tmp_path).errors
    assert finding.rule_id == "BUS_RULES_OVER_QUOTA" and finding.new == 320 and "ep-core-bus" in finding.message
    assert [f.rule_id for f in findings(tmp_path, "a").errors] == ["BUS_RULES_OVER_QUOTA"]
    assert findings(tmp_path, "core").errors == []  # the core adds no rule of its own here


def test_a_domain_in_its_own_account_puts_its_rules_on_its_own_bus(tmp_path: Path) -> None:
    stacks = {
        "core": {"eventplane:role": "core", "eventplane:accountId": "111111111111"},
        "a": {"eventplane:role": "domain", "eventplane:core": "core", "eventplane:teams": ["team-a"]},
        "b": {
            "eventplane:role": "domain",
            "eventplane:core": "core",
            "eventplane:teams": ["team-b"],
            "eventplane:accountId": "222222222222",
        },
    }
    write_project(tmp_path, {"team-a": queues(160, "a"), "team-b": queues(160, "b")}, stacks)
    assert findings(tmp_path).findings == []  # 160 + 1 forwarding rule on the core bus, 160 on b's


def test_check_rejects_a_registry_over_a_quota_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contracts = write_project(tmp_path, {"big": queues(301)}, {"dev": {}})
    assert cli_main(["check", "--contracts", str(contracts)]) == 1
    out = capsys.readouterr().out
    assert "BUS_RULES_OVER_QUOTA" in out and "Pulumi.dev.yaml#/config/eventplane:quotas/rulesPerBus" in out


def test_check_reports_a_bad_quota_override_as_a_stack_config_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contracts = write_project(tmp_path, {"big": queues(1)}, {"dev": {"eventplane:quotas": {"nope": 1}}})
    assert cli_main(["check", "--contracts", str(contracts)]) == 1
    out = capsys.readouterr().out
    assert "STACK_CONFIG_INVALID" in out and "Pulumi.dev.yaml#/config/eventplane:quotas/nope" in out


def test_the_program_refuses_before_declaring_anything(tmp_path: Path) -> None:
    contracts = write_project(tmp_path, {"big": queues(301)}, {"dev": {}})
    with pytest.raises(PlanRejected) as caught:
        plan_stack("dev", tmp_path, contracts=contracts, program=ROOT / "__main__.py")
    assert caught.value.declared == []
    assert [f.rule_id for f in caught.value.report.errors] == ["BUS_RULES_OVER_QUOTA"]


def test_the_layout_counts_the_rules_and_topics_the_program_declares() -> None:
    """One count, two readers: the dev stack's plan has exactly the rules per bus the quota check counts."""
    registry, specs = load_registry(ROOT / "contracts"), load_stacks(ROOT)
    layout = environment_layouts(registry, specs)["dev"]
    plan = plan_stack("dev", ROOT)
    planned: dict[str, list[str]] = {}
    for rule in plan.of_type("aws:cloudwatch/eventRule:EventRule"):
        planned.setdefault(rule.inputs.get("eventBusName", "default"), []).append(rule.inputs.get("eventPattern"))
    counted: dict[str, list[str | None]] = {}
    for use in layout.rules:
        counted.setdefault("ep-dev-bus" if use.bus == OWN_BUS else use.bus, []).append(use.pattern)
    assert {b: sorted(p or "" for p in ps) for b, ps in planned.items()} == {
        b: sorted(p or "" for p in ps) for b, ps in counted.items()
    }
    topics = plan.of_type("aws:sns/topic:Topic")
    assert len(topics) == len(layout.topics)
    subs = plan.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert len(subs) == sum(len(t.subscriptions) for t in layout.topics)
    assert sum(1 for s in subs if "filterPolicy" in s.inputs) == sum(t.filter_policies for t in layout.topics)
    assert len(plan.of_type("aws:cloudwatch/eventApiDestination:EventApiDestination")) == len(layout.api_destinations)


def test_the_real_stacks_are_within_every_quota() -> None:
    registry = load_registry(ROOT / "contracts")
    assert quota_findings(registry, load_stacks(ROOT)) == []


def test_a_bus_policy_listing_too_many_producer_accounts_is_rejected_and_an_organization_fits(tmp_path: Path) -> None:
    accounts = [f"{100000000000 + i}" for i in range(320)]
    core = {"eventplane:role": "core", "eventplane:accountId": "111111111111"}
    write_project(tmp_path, {"small": queues(1)}, {"core": {**core, "eventplane:producers": {"accounts": accounts}}})
    [finding] = findings(tmp_path).errors
    assert finding.rule_id == "BUS_POLICY_OVER_QUOTA" and finding.pointer == "/config/eventplane:producers"
    assert finding.old == 10_240 and finding.new > 10_240 and "organizationId" in finding.hint
    org = {"eventplane:producers": {"organizationId": "o-a1b2c3d4e5"}}
    write_project(tmp_path / "org", {"small": queues(1)}, {"core": {**core, **org}})
    assert findings(tmp_path / "org").findings == []
