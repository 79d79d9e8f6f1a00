"""The program's two gates: a rejected registry, or one that would break what the stack runs, declares nothing.

Each test plans a small variation of the real contracts (copied to a temporary
folder) or of the stack config, running the real `__main__.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from registry.errors import InputError, UsageError
from registry.gate import version_key
from registry.loader import load_registry
from registry.offline_plan import PlanRejected, plan_stack

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "__main__.py"


SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["metadata", "data"],
    "properties": {
        "metadata": {
            "type": "object",
            "required": ["idempotency-key"],
            "properties": {"idempotency-key": {"type": "string"}},
        },
        "data": {"type": "object", "properties": {"amount": {"type": "number"}}},
    },
    "examples": [{"metadata": {"idempotency-key": "k1"}, "data": {"amount": 5}}],
}


def write_registry(root: Path, subscriptions: list[dict]) -> dict[str, str]:
    """A one-event registry with `subscriptions` for team `tiny`, v1 locked; returns what a deployment exports."""
    event = root / "events/tiny/ThingHappened"
    event.mkdir(parents=True)
    (event / "event.json").write_text(
        json.dumps(
            {
                "source": "com.example.tiny",
                "detail-type": "ThingHappened",
                "owner": "tiny-team",
                "service": "tiny-service",
                "action": "A thing happened",
                "description": "A test event.",
            }
        )
    )
    (event / "v1.json").write_text(json.dumps(SCHEMA))
    (root / "subscriptions").mkdir()
    (root / "subscriptions/tiny.json").write_text(
        json.dumps({"team": "tiny", "description": "Test consumers.", "subscriptions": subscriptions})
    )
    registry = load_registry(root)
    live = {version_key(e.key, v.number): v.fingerprint for e in registry.events.values() for v in e.versions}
    (root / "registry.lock.json").write_text(json.dumps({"lockVersion": 1, "published": live}))
    return live


QUEUE_SUB = {"name": "all", "event": "tiny/ThingHappened", "delivery": {"type": "queue"}}


@pytest.fixture
def contracts(tmp_path: Path) -> Path:
    write_registry(tmp_path / "contracts", [QUEUE_SUB])
    return tmp_path / "contracts"


@pytest.fixture
def live(contracts: Path) -> dict[str, str]:
    return json.loads((contracts / "registry.lock.json").read_text())["published"]


def rules_of(error: PlanRejected) -> set[str]:
    return {f.rule_id for f in error.report.errors}


def edit_json(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))


def test_edited_published_version_is_rejected_before_any_resource(contracts: Path) -> None:
    edit_json(
        contracts / "events/tiny/ThingHappened/v1.json",
        lambda s: s["properties"]["data"]["properties"].update({"note": {"type": "string"}}),
    )
    with pytest.raises(PlanRejected) as caught:
        plan_stack("dev", ROOT, contracts=contracts)
    assert caught.value.declared == []
    assert caught.value.report.errors
    assert caught.value.exit_code == 1
    assert any("ThingHappened/v1.json" in f.file for f in caught.value.report.errors)


def test_incompatible_new_version_is_rejected_before_any_resource(contracts: Path) -> None:
    schema = json.loads(json.dumps(SCHEMA))
    schema["properties"]["data"]["properties"]["amount"] = {"type": "string"}
    schema["examples"] = [{"metadata": {"idempotency-key": "k1"}, "data": {"amount": "five"}}]
    (contracts / "events/tiny/ThingHappened/v2.json").write_text(json.dumps(schema))
    with pytest.raises(PlanRejected) as caught:
        plan_stack("dev", ROOT, contracts=contracts)
    assert caught.value.declared == []
    assert any("ThingHappened/v2.json" in f.file for f in caught.value.report.errors)


def test_changed_deployed_version_is_rejected_before_any_resource(contracts: Path, live: dict[str, str]) -> None:
    deployed = {**live, "tiny/ThingHappened/v1": "0" * 64}
    with pytest.raises(PlanRejected) as caught:
        plan_stack("dev", ROOT, contracts=contracts, deployed=deployed)
    assert caught.value.declared == []
    assert rules_of(caught.value) == {"DEPLOYED_VERSION_CHANGED"}


def test_removed_deployed_version_is_rejected_before_any_resource(contracts: Path, live: dict[str, str]) -> None:
    deployed = {**live, "tiny/ThingHappened/v2": "1" * 64}
    with pytest.raises(PlanRejected) as caught:
        plan_stack("dev", ROOT, contracts=contracts, deployed=deployed)
    assert caught.value.declared == []
    assert rules_of(caught.value) == {"DEPLOYED_VERSION_REMOVED"}


def test_what_is_live_unchanged_deploys(contracts: Path, live: dict[str, str]) -> None:
    plan = plan_stack("dev", ROOT, contracts=contracts, deployed=live)
    assert plan.resources
    assert plan.outputs["contractFingerprints"] == live
    assert len(plan.reads) == 1 and "StackReference" in plan.reads[0]


def test_unknown_stack_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match="known stacks: dev, prod"):
        plan_stack("staging", ROOT)


def write_stack(root: Path, stack: str, change) -> None:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    change(document["config"])
    (root / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))


def test_lambda_delivery_is_invocable_only_by_its_rule(tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    write_registry(
        contracts,
        [{"name": "audit", "event": "tiny/ThingHappened", "delivery": {"type": "lambda", "function": "order-audit"}}],
    )
    write_stack(tmp_path, "test", lambda c: c.update({"eventplane:namePrefix": "ep-test"}))
    plan = plan_stack("test", tmp_path, contracts=contracts, program=PROGRAM)
    (component,) = plan.of_type("eventplane:index:LambdaDelivery")
    children = {r.type: r for r in plan.children(component.urn)}
    permission = children["aws:lambda/permission:Permission"]
    assert permission.inputs["principal"] == "events.amazonaws.com"
    assert permission.inputs["sourceArn"] == "arn:aws:events:us-east-1:123456789012:rule/ep-test-bus/ep-test-tiny-audit"
    target = children["aws:cloudwatch/eventTarget:EventTarget"]
    assert target.inputs["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:order-audit-dev"
    assert target.inputs["deadLetterConfig"]["arn"].endswith("ep-test-tiny-audit-tdlq")


def test_lambda_delivery_to_an_unconfigured_function_names_the_subscription(tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    write_registry(
        contracts,
        [
            QUEUE_SUB,
            {"name": "audit", "event": "tiny/ThingHappened", "delivery": {"type": "lambda", "function": "ghost"}},
        ],
    )
    with pytest.raises(InputError) as caught:
        plan_stack("dev", ROOT, contracts=contracts)
    assert caught.value.file.endswith("tiny.json")
    assert caught.value.pointer == "/subscriptions/1/delivery/function"
    assert "eventplane:functions" in caught.value.hint


def test_disabled_subscription_is_not_deployed(tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    write_registry(contracts, [QUEUE_SUB, {**QUEUE_SUB, "name": "paused"}])
    write_stack(tmp_path, "test", lambda c: c.update({"eventplane:subscriptions": {"disabled": ["tiny.paused"]}}))
    plan = plan_stack("test", tmp_path, contracts=contracts, program=PROGRAM)
    assert list(plan.outputs["queueUrls"]) == ["tiny.all"]


def test_unknown_subscription_in_stack_config_is_an_error(tmp_path: Path, contracts: Path) -> None:
    write_stack(tmp_path, "test", lambda c: c.update({"eventplane:subscriptions": {"enabled": ["nobody.nothing"]}}))
    with pytest.raises(InputError, match=r"unknown subscription 'nobody\.nothing'") as caught:
        plan_stack("test", tmp_path, contracts=contracts, program=PROGRAM)
    assert caught.value.file == "Pulumi.test.yaml"


def test_bad_stack_config_fails_before_the_program_runs(tmp_path: Path) -> None:
    write_stack(tmp_path, "test", lambda c: c.update({"eventplane:archiveRetentionDays": "forever"}))
    with pytest.raises(InputError) as caught:
        plan_stack("test", tmp_path, program=PROGRAM)
    assert caught.value.pointer == "/config/eventplane:archiveRetentionDays"
