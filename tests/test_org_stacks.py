"""Organisation scale: a core stack and domain stacks, in one account or several, audited plan by plan.

The `org` environment (Pulumi.org-core/org-shop/org-orders.yaml: a core account
and two domain accounts) is planned once per module; the core's outputs feed
the domains' StackReference as a deployed core's would.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry.cli import main as cli_main
from registry.environment import load_stacks
from registry.errors import InputError
from registry.offline_plan import Plan, PlannedResource, plan_stack
from registry.stack_config import known_stacks

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
BUS = "aws:cloudwatch/eventBus:EventBus"
BUS_POLICY = "aws:cloudwatch/eventBusPolicy:EventBusPolicy"
SOURCE_SCOPED = ("aws:sqs/queuePolicy:QueuePolicy", "aws:sns/topicPolicy:TopicPolicy")


@pytest.fixture(scope="module")
def org() -> dict[str, Plan]:
    core = plan_stack("org-core", ROOT)
    return {
        "org-core": core,
        **{name: plan_stack(name, ROOT, references={"org-core": core.outputs}) for name in ("org-shop", "org-orders")},
    }


@pytest.fixture(scope="module")
def every_stack(org: dict[str, Plan]) -> dict[str, Plan]:
    """Every Pulumi.<stack>.yaml of the project, planned."""
    plans = {name: org.get(name) or plan_stack(name, ROOT) for name in known_stacks(ROOT)}
    assert set(org) < set(plans)
    return plans


def statements(resource: PlannedResource, key: str = "policy") -> Iterator[dict[str, Any]]:
    yield from json.loads(resource.inputs[key])["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_stack_passes_the_audit(every_stack: dict[str, Plan]) -> None:
    """Encryption at rest, no wildcard Allow action, every queue and topic policy scoped to its source ARN,
    every bus policy scoped to the organization or named accounts, a DLQ on every rule target."""
    for name, plan in every_stack.items():
        for queue in plan.of_type(QUEUE):
            assert queue.inputs.get("sqsManagedSseEnabled") or queue.inputs.get("kmsMasterKeyId"), (name, queue.name)
        for topic in plan.of_type(TOPIC):
            assert topic.inputs.get("kmsMasterKeyId"), (name, topic.name)
        for table in plan.of_type("aws:dynamodb/table:Table"):
            assert table.inputs["serverSideEncryption"]["enabled"], (name, table.name)
        for target in plan.of_type(TARGET):
            assert target.inputs["deadLetterConfig"]["arn"].startswith("arn:aws:sqs:"), (name, target.name)
        for resource in plan.resources:
            for key in ("policy", "assumeRolePolicy"):
                if key not in resource.inputs:
                    continue
                for statement in statements(resource, key):
                    if statement["Effect"] != "Allow":
                        continue
                    actions = as_list(statement["Action"])
                    assert not any(a == "*" or a.endswith(":*") for a in actions), (name, resource.name, actions)
                    if resource.type in SOURCE_SCOPED:
                        assert statement["Condition"]["ArnEquals"]["aws:SourceArn"], (name, resource.name)
                    if resource.type == BUS_POLICY:
                        assert actions == ["events:PutEvents"], (name, resource.name)
                        principal = statement["Principal"]
                        if principal == "*":
                            assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"], (name, resource.name)
                        else:
                            assert "*" not in as_list(principal["AWS"]), (name, resource.name)


def test_the_core_owns_the_bus_archive_schemas_and_key_and_deploys_no_subscription(org: dict[str, Plan]) -> None:
    core = org["org-core"]
    types = {r.type for r in core.resources}
    assert {
        BUS,
        "aws:cloudwatch/eventArchive:EventArchive",
        "aws:schemas/registry:Registry",
        "aws:kms/key:Key",
    } <= types
    assert not [r for r in core.resources if r.type.endswith(("QueueDelivery", "ForkTopic", "MetricsPipeline"))]
    assert {"busName", "busArn", "topicKeyArn", "contractFingerprints"} <= set(core.outputs)
    [policy] = core.of_type(BUS_POLICY)
    [statement] = statements(policy)
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    assert statement["Resource"] == core.outputs["busArn"]


def test_domains_in_other_accounts_receive_bus_to_bus_through_a_put_only_role(org: dict[str, Plan]) -> None:
    core, orders = org["org-core"], org["org-orders"]
    [inbound] = orders.of_type(BUS)
    assert inbound.inputs["name"] == "ep-org-orders-bus"
    target_arn = "arn:aws:events:us-east-1:333333333333:event-bus/ep-org-orders-bus"
    forwards = [t for t in core.of_type(TARGET) if t.inputs["arn"] == target_arn]
    forwarded = {
        json.loads(r.inputs["eventPattern"])["detail-type"][0]
        for r in core.of_type(RULE)
        if "-fwd-" in r.inputs["name"]
    }
    read = {json.loads(r.inputs["eventPattern"])["detail-type"][0] for r in orders.of_type(RULE)}
    assert forwards and forwarded == read  # exactly the events its teams subscribe to, each once
    role_arn = "arn:aws:iam::123456789012:role/ep-org-fwd-ep-org-orders"
    assert {t.inputs["roleArn"] for t in forwards} == {role_arn}
    [role_policy] = [r for r in core.of_type("aws:iam/rolePolicy:RolePolicy") if "forward-org-orders" in r.name]
    assert list(statements(role_policy)) == [{"Action": "events:PutEvents", "Effect": "Allow", "Resource": target_arn}]
    [bus_policy] = orders.of_type(BUS_POLICY)
    [statement] = statements(bus_policy)
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert statement["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/ep-org-fwd-ep-org-orders"}
    }
    assert all(r.inputs["eventBusName"] == "ep-org-orders-bus" for r in orders.of_type(RULE))


def test_a_domain_subscribes_to_external_events_on_their_producer_bus_and_gets_nothing_forwarded(
    org: dict[str, Plan],
) -> None:
    shop = org["org-shop"]
    assert {r.inputs["eventBusName"] for r in shop.of_type(RULE)} == {"Serverlesspresso", "default"}
    assert not [t for t in org["org-core"].of_type(TARGET) if ":222222222222:" in t.inputs["arn"]]


def write_same_account_env(root: Path) -> None:
    """A core `hub` and a domain `saga` in one account; team `metrics` (deployed by neither) has a broken filter."""
    shutil.copytree(ROOT / "contracts", root / "contracts")
    metrics = root / "contracts/subscriptions/metrics.json"
    document = json.loads(metrics.read_text())
    document["subscriptions"][0]["filter"] = {"no-such-field": ["x"]}
    metrics.write_text(json.dumps(document))
    base = {"aws:region": "us-east-1", "eventplane:archiveRetentionDays": 1}
    stacks = {
        "hub": {"eventplane:role": "core", "eventplane:namePrefix": "ep-hub"},
        "saga": {
            "eventplane:role": "domain",
            "eventplane:core": "hub",
            "eventplane:teams": ["order-saga", "notifications"],
            "eventplane:namePrefix": "ep-saga",
        },
    }
    for name, extra in stacks.items():
        (root / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": {**base, **extra}}))


def test_a_domain_in_its_core_account_routes_on_the_core_bus_read_through_a_stack_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_same_account_env(tmp_path)
    saga = plan_stack("saga", tmp_path, program=ROOT / "__main__.py")  # plans the core first for its outputs
    assert not saga.of_type(BUS) and not saga.of_type("aws:kms/key:Key")
    assert {r.inputs["eventBusName"] for r in saga.of_type(RULE)} == {"ep-hub-bus"}
    assert any(urn.endswith("::organization/eventplane/hub") for urn in saga.reads)
    assert any(urn.endswith("::organization/eventplane/saga") for urn in saga.reads)  # its own fingerprints
    assert saga.outputs["coreStack"] == "hub" and saga.outputs["busName"] == "ep-hub-bus"
    assert len(saga.of_type("eventplane:index:QueueDelivery")) == 14
    # the PR gate still checks every team's filters; the program re-checks only what it deploys
    assert cli_main(["check", "--contracts", str(tmp_path / "contracts")]) == 1
    assert "subscriptions/metrics.json" in capsys.readouterr().out


@pytest.mark.parametrize(
    "stack, extra, pointer, words",
    [
        ("a", {"eventplane:role": "hub"}, "eventplane:role", "unknown role"),
        ("a", {"eventplane:role": "domain", "eventplane:teams": ["x"]}, "eventplane:core", "must name its core"),
        (
            "a",
            {"eventplane:role": "domain", "eventplane:core": "a", "eventplane:teams": ["x"]},
            "eventplane:core",
            "its own core",
        ),
        ("a", {"eventplane:role": "domain", "eventplane:core": "c"}, "eventplane:teams", "which teams"),
        ("a", {"eventplane:teams": ["x"]}, "eventplane:teams", "only a domain stack"),
        ("a", {"eventplane:accountId": "1234"}, "eventplane:accountId", "12-digit"),
        ("a", {"eventplane:producers": {}}, "eventplane:producers", "never opens a bus to every account"),
        (
            "a",
            {"eventplane:producers": {"organizationId": "org-1"}},
            "eventplane:producers/organizationId",
            "Organizations id",
        ),
        ("a", {"eventplane:producers": {"accounts": ["*"]}}, "eventplane:producers/accounts", "12-digit"),
        (
            "a",
            {"eventplane:role": "domain", "eventplane:core": "nope", "eventplane:teams": ["x"]},
            "eventplane:core",
            "does not exist",
        ),
    ],
)
def test_bad_organisation_config_names_file_key_and_fix(
    tmp_path: Path, stack: str, extra: dict[str, Any], pointer: str, words: str
) -> None:
    config = {"aws:region": "us-east-1", "eventplane:namePrefix": "ep-a", "eventplane:archiveRetentionDays": 1}
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": {**config, **extra}}))
    with pytest.raises(InputError) as caught:
        load_stacks(tmp_path)
    assert caught.value.file == f"Pulumi.{stack}.yaml" and caught.value.pointer.startswith(f"/config/{pointer}")
    assert words in caught.value.message + caught.value.hint


def test_a_cross_account_domain_needs_its_core_to_name_its_account(tmp_path: Path) -> None:
    base = {"aws:region": "us-east-1", "eventplane:archiveRetentionDays": 1}
    (tmp_path / "Pulumi.c.yaml").write_text(
        yaml.safe_dump({"config": {**base, "eventplane:role": "core", "eventplane:namePrefix": "ep-c"}})
    )
    domain = {
        "eventplane:role": "domain",
        "eventplane:core": "c",
        "eventplane:teams": ["x"],
        "eventplane:accountId": "222222222222",
    }
    (tmp_path / "Pulumi.d.yaml").write_text(
        yaml.safe_dump({"config": {**base, **domain, "eventplane:namePrefix": "ep-d"}})
    )
    with pytest.raises(InputError, match="this core names no account") as caught:
        load_stacks(tmp_path)
    assert caught.value.file == "Pulumi.c.yaml"


def test_local_runs_the_environment_with_the_same_deliveries_as_the_single_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Scenario files written for the dev stack pass unchanged on the three-account environment."""
    for name in ("checkout-pipelines.json", "coffee-shop-metrics.json"):
        shutil.copy(ROOT / "tests/scenarios" / name, tmp_path / name)
    monkeypatch.chdir(ROOT)
    assert cli_main(["local", "--stack", "org-shop", "--events", str(tmp_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and len(result["scenarios"]) == 2
    steps = [s for r in result["scenarios"] for e in r["events"] for s in e["steps"]]
    assert any(s["kind"] == "bus" and s["name"] == "ep-org-orders-bus" for s in steps)
