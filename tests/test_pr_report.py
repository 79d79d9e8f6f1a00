"""The PR report: GIVEN a base and a head contract tree, WHEN the gate runs, THEN the report names every
change, finding, affected subscriber and plan difference, and says plainly when a change is safe."""

from __future__ import annotations

import copy
import json
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from registry.errors import InputError
from registry.findings import Finding, Report
from registry.gate import Baseline, run_gate
from registry.loader import load_registry
from registry.model import Registry
from registry.pr_report import (
    affected_subscribers,
    diff_plans,
    event_changes,
    filter_fields,
    markdown_report,
    render_pr_report,
    stack_plans,
    subscription_changes,
)
from tests.test_catalog import EVENTS, SUBSCRIPTIONS, write_contracts


def _load(root: Path) -> Registry:
    return load_registry(root, display_root=root.parent)


def _gate(base: Registry, head: Registry) -> Report:
    """The gate as `check --against` runs it: every version on the base counts as published."""
    fingerprints = {f"{e.key}/v{v.number}": v.fingerprint for e in base.events.values() for v in e.versions}
    return run_gate(head, baseline=Baseline(ref="main", fingerprints=fingerprints, lock=dict(base.lock)))


@pytest.fixture()
def base(tmp_path: Path) -> Registry:
    return _load(write_contracts(tmp_path / "base" / "contracts"))


def _head(tmp_path: Path, events: dict[str, Any], subscriptions: dict[str, Any] | None = None) -> Registry:
    return _load(write_contracts(tmp_path / "head" / "contracts", events, subscriptions))


def _with_version(events: dict[str, Any], key: str, schema: dict[str, Any]) -> dict[str, Any]:
    edited = copy.deepcopy(events)
    edited[key][1].append(schema)
    return edited


def test_compatible_new_version_is_reported_as_safe_to_merge(base: Registry, tmp_path: Path) -> None:
    v3 = copy.deepcopy(EVENTS["orders/OrderCreated"][1][1])
    v3["properties"]["data"]["properties"]["channel"] = {"type": "string"}
    head = _head(tmp_path, _with_version(EVENTS, "orders/OrderCreated", v3))
    report = _gate(base, head)
    assert report.ok, report.render()
    text = render_pr_report(base, head, report, None)
    assert "**Safe to merge**" in text and "Not safe" not in text
    assert "| orders/OrderCreated | changed | v3 | - | - | - | data.channel |" in text
    # subscribers of the event are listed, but no filter field was touched
    assert "| order-saga.payments-charge | order-saga | orders/OrderCreated gains v3 |" in text
    assert "| notifications.order-mail | notifications | orders/OrderCreated gains v3 |" in text
    assert "checkout" not in text.split("### Affected subscribers")[1]
    # notifications.order-mail reads every version (the default): gaining one is not a subscription change
    assert "No subscription changed." in text and "No stack was planned." in text


def test_breaking_change_names_every_finding_and_every_affected_subscriber(base: Registry, tmp_path: Path) -> None:
    # v3 removes the required orderId and turns amount (which payments-charge filters on) into a string
    v3 = copy.deepcopy(EVENTS["orders/OrderCreated"][1][1])
    del v3["properties"]["data"]["properties"]["orderId"]
    v3["properties"]["data"]["required"] = ["amount"]
    v3["properties"]["data"]["properties"]["amount"] = {"type": "string"}
    v3["examples"] = [{"metadata": {"idempotency-key": "k-3", "version": 3}, "data": {"amount": "12.50"}}]
    subscriptions = copy.deepcopy(SUBSCRIPTIONS)
    subscriptions["order-saga"][0]["versions"] = [2, 3]  # the consumer moves on to v3
    head = _head(tmp_path, _with_version(EVENTS, "orders/OrderCreated", v3), subscriptions)
    report = _gate(base, head)
    assert not report.ok
    text = render_pr_report(base, head, report, None)
    assert "**Not safe to merge**" in text and f"{len(report.errors)} error(s)" in text
    for finding in report.sorted():
        assert f"`{finding.rule_id}`" in text
        assert finding.file + (f"#{finding.pointer}" if finding.pointer else "") in text
    rule_ids = {f.rule_id for f in report.errors}
    assert any(r.startswith("FILTER_") for r in rule_ids), rule_ids  # the filter no longer fits v3
    assert rule_ids - {r for r in rule_ids if r.startswith("FILTER_")}, rule_ids  # and v3 is incompatible
    assert "| orders/OrderCreated | changed | v3 | - | - | - | data.amount, data.orderId |" in text
    assert "| order-saga.payments-charge | changed | versions |" in text
    affected = {a.subscription: a for a in affected_subscribers(base, head, report)}
    reasons = affected["order-saga.payments-charge"].reasons
    assert "subscription changed (versions)" in reasons
    assert "filter field(s) data.amount changed in the schema" in reasons
    assert any(r.startswith("finding FILTER_") for r in reasons)
    assert affected["order-saga.payments-charge"].team == "order-saga"
    assert affected["notifications.order-mail"].reasons == ("orders/OrderCreated gains v3",)
    assert "checkout-pipelines.big-checkouts" not in affected


def test_edited_and_removed_versions_and_event_facts_are_told_apart(base: Registry, tmp_path: Path) -> None:
    events = copy.deepcopy(EVENTS)
    events["orders/OrderCreated"][1][0]["properties"]["data"]["properties"]["amount"]["minimum"] = 0  # edit v1 in place
    events["orders/OrderCreated"][0]["owner"] = "shop-team"
    del events["orders/OrderCreated"][1][1]  # remove v2
    del events["notifications/EmailSent"]
    events["shipping/Shipped"] = (
        {"owner": "x", "service": "shipper", "action": "shipped"},
        [EVENTS["payments/PaymentTaken"][1][0]],
    )
    subscriptions = copy.deepcopy(SUBSCRIPTIONS)
    subscriptions["order-saga"][0]["versions"] = [1]
    head = _head(tmp_path, events, subscriptions)
    changes = {c.key: c for c in event_changes(base, head)}
    order = changes["orders/OrderCreated"]
    assert (order.status, order.added, order.edited, order.removed) == ("changed", (), (1,), (2,))
    assert order.facts == (("owner", "orders-team", "shop-team"),)
    assert changes["notifications/EmailSent"].status == "removed" and changes["shipping/Shipped"].status == "added"
    assert "payments/PaymentTaken" not in changes
    report = _gate(base, head)
    text = render_pr_report(base, head, report, None)
    assert "PUBLISHED_VERSION_EDITED" in text and "PUBLISHED_VERSION_DELETED" in text and "Not safe to merge" in text
    reasons = {a.subscription: a.reasons for a in affected_subscribers(base, head, report)}
    assert "reads v1 of orders/OrderCreated, edited" in reasons["order-saga.payments-charge"]
    assert "reads v1, v2 of orders/OrderCreated, removed" not in reasons["order-saga.payments-charge"]
    assert "reads v2 of orders/OrderCreated, removed" in reasons["notifications.order-mail"]  # it reads all versions


def test_subscription_changes_name_the_parts_that_changed(base: Registry, tmp_path: Path) -> None:
    subscriptions = copy.deepcopy(SUBSCRIPTIONS)
    subscriptions["checkout-pipelines"][0]["filter"] = {"data": {"total": [{"numeric": [">=", 500]}]}}
    subscriptions["checkout-pipelines"][1]["delivery"] = {"type": "fork", "pipeline": "replay"}
    del subscriptions["metrics"]
    subscriptions["audit"] = [
        {"name": "all-checkouts", "event": "checkout/CheckoutPlaced", "delivery": {"type": "queue"}}
    ]
    head = _head(tmp_path, EVENTS, subscriptions)
    assert [(c.id, c.status, c.fields) for c in subscription_changes(base, head)] == [
        ("audit.all-checkouts", "added", ()),
        ("checkout-pipelines.big-checkouts", "changed", ("filter",)),
        ("checkout-pipelines.checkout-backup", "changed", ("delivery",)),
        ("metrics.coffee", "removed", ()),
    ]
    assert subscription_changes(base, base) == [] and event_changes(base, base) == []
    assert affected_subscribers(base, base, Report()) == []


def test_filter_fields_follow_nesting_and_or_branches() -> None:
    assert filter_fields(
        {"data": {"amount": [{"numeric": [">", 0]}], "$or": [{"a": ["x"]}, {"b": {"c": [1]}}]}, "kind": ["k"]}
    ) == {"data.amount", "data.a", "data.b.c", "kind"}
    assert filter_fields(None) == set() and filter_fields({}) == set()


@dataclass(frozen=True)
class _Res:
    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Plan:
    stack: str
    resources: list[_Res]


def test_plans_are_diffed_by_urn_comparing_inputs(base: Registry) -> None:
    queue = _Res("urn:q", "aws:sqs/queue:Queue", "q", {"name": "q", "visibilityTimeoutSeconds": 30})
    rule = _Res("urn:r", "aws:cloudwatch/eventRule:EventRule", "r", {"eventPattern": json.dumps({"source": ["a"]})})
    old = _Plan("dev", [queue, rule, _Res("urn:gone", "aws:sns/topic:Topic", "gone")])
    new = _Plan(
        "dev",
        [
            queue,
            _Res("urn:r", rule.type, "r", {"eventPattern": json.dumps({"source": ["b"]})}),
            _Res("urn:new", "aws:sqs/queue:Queue", "new"),
        ],
    )
    changes = [(c.action, c.urn, c.inputs) for c in diff_plans(old, new)]
    assert changes == [("remove", "urn:gone", ()), ("add", "urn:new", ()), ("change", "urn:r", ("eventPattern",))]
    assert [c.action for c in diff_plans(None, new)] == ["add", "add", "add"]
    assert diff_plans(old, old) == []
    text = render_pr_report(base, base, Report(), {"prod": (old, None), "dev": (old, new), "qa": (None, new)})
    assert text.index("#### Stack `dev`") < text.index("#### Stack `prod`") < text.index("#### Stack `qa`")
    assert "1 to add, 1 to change, 1 to remove." in text
    assert "| change | aws:cloudwatch/eventRule:EventRule | r | eventPattern |" in text
    assert "The head plan could not be computed" in text
    assert "3 to add, 0 to change, 0 to remove (no base plan: everything is new)." in text
    assert "**Safe to merge**" in text and "No event changed." in text


def test_warnings_alone_still_say_safe_and_are_listed(base: Registry) -> None:
    warning = Finding(
        "contracts/x.json", "", "VERSION_UNLOCKED", "new and not yet locked", severity="warning", hint="run lock"
    )
    text = render_pr_report(None, base, Report([warning]), None)
    assert "**Safe to merge**" in text and "(1 warning(s) below)" in text
    assert "| warning | `VERSION_UNLOCKED` | contracts/x.json | new and not yet locked | - | - | run lock |" in text
    assert "| orders/OrderCreated | added | v1, v2 |" in text  # no base: everything is new


def test_stack_plans_run_each_side_and_turn_a_failed_plan_into_none(tmp_path: Path) -> None:
    calls: list[tuple[str, Path, Path]] = []
    head_dir, base_dir = tmp_path / "head", tmp_path / "base"

    def planner(stack: str, root: Path, *, contracts: Path) -> _Plan:
        calls.append((stack, root, contracts))
        if stack == "prod" and contracts == head_dir:
            raise InputError("contracts", "the gate rejects these contracts")  # PlanRejected is an EventplaneError too
        return _Plan(stack, [_Res(f"urn:{stack}:{contracts.name}", "aws:sqs/queue:Queue", "q")])

    plans = stack_plans(tmp_path, ["dev", "prod"], base_dir, head_dir, planner)
    assert sorted(calls) == [
        ("dev", tmp_path, base_dir),
        ("dev", tmp_path, head_dir),
        ("prod", tmp_path, base_dir),
        ("prod", tmp_path, head_dir),
    ]
    dev_base, dev_head = plans["dev"]
    assert dev_base is not None and dev_head is not None and dev_head.resources[0].urn == "urn:dev:head"
    assert plans["prod"][0] is not None and plans["prod"][1] is None
    assert (
        stack_plans(tmp_path, ["dev"], None, head_dir, planner)["dev"][0] is None
    )  # no base contracts: nothing to compare


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True, capture_output=True
    )


def test_markdown_report_compares_with_a_git_ref_and_plans_each_known_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    contracts = write_contracts(repo / "contracts")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    v3 = copy.deepcopy(EVENTS["orders/OrderCreated"][1][1])
    v3["properties"]["data"]["properties"]["channel"] = {"type": "string"}
    (contracts / "events/orders/OrderCreated/v3.json").write_text(json.dumps(v3))
    monkeypatch.chdir(repo)
    head = load_registry(contracts, display_root=repo)
    seen: list[tuple[str, str]] = []

    def planner(stack: str, root: Path, *, contracts: Path) -> _Plan:
        count = len(list(contracts.glob("events/orders/OrderCreated/v*.json")))
        seen.append((stack, f"{count} versions"))
        return _Plan(
            stack, [_Res(f"urn:schema:v{n}", "aws:schemas/schema:Schema", f"v{n}") for n in range(1, count + 1)]
        )

    report = run_gate(head)
    text = markdown_report(head, report, contracts, "HEAD", repo, ["dev"], planner)
    assert sorted(seen) == [("dev", "2 versions"), ("dev", "3 versions")]  # base from git, head from the work tree
    assert "**Safe to merge**" in text
    assert "| orders/OrderCreated | changed | v3 | - | - | - | data.channel |" in text
    assert "1 to add, 0 to change, 0 to remove." in text and "| add | aws:schemas/schema:Schema | v3 | - |" in text
    assert not list(Path(tempfile.gettempdir()).glob("eventplane-base-*/contracts/events/orders/OrderCreated/v3.json"))


def test_markdown_report_against_a_ref_without_contracts_counts_everything_as_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("before contracts")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "no contracts yet")
    contracts = write_contracts(repo / "contracts")
    monkeypatch.chdir(repo)
    head = load_registry(contracts, display_root=repo)
    planned: list[Path] = []

    def planner(stack: str, root: Path, *, contracts: Path) -> _Plan:
        planned.append(contracts)
        return _Plan(stack, [_Res("urn:bus", "aws:cloudwatch/eventBus:EventBus", "bus")])

    text = markdown_report(head, run_gate(head), contracts, "HEAD", repo, ["dev"], planner)
    assert planned == [contracts]  # no base side to plan
    assert "| orders/OrderCreated | added | v1, v2 |" in text
    assert "1 to add, 0 to change, 0 to remove (no base plan: everything is new)." in text


def test_markdown_report_of_unloadable_contracts_lists_the_load_findings(tmp_path: Path) -> None:
    broken = Finding(
        "contracts/events/a/B/v1.json", "", "JSON_SYNTAX_ERROR", "Expecting value", hint="fix the JSON syntax"
    )
    text = markdown_report(None, Report([broken]), tmp_path, "main", tmp_path)
    assert "**Not safe to merge**: the contract files could not be loaded" in text
    assert (
        "| error | `JSON_SYNTAX_ERROR` | contracts/events/a/B/v1.json | Expecting value | - | - | fix the JSON syntax |"
        in text
    )


def test_rule_findings_show_a_breaking_event_in_the_pr_report(base: Registry, tmp_path: Path) -> None:
    from registry.compat.semantic import Budget, Semantic

    v3 = copy.deepcopy(EVENTS["orders/OrderCreated"][1][1])
    v3["properties"]["data"]["properties"]["amount"] = {"type": "string"}
    v3["examples"] = [{"metadata": {"idempotency-key": "k-3", "version": 3}, "data": {"orderId": "o", "amount": "1"}}]
    head = _head(tmp_path, _with_version(EVENTS, "orders/OrderCreated", v3))
    fingerprints = {f"{e.key}/v{v.number}": v.fingerprint for e in base.events.values() for v in e.versions}
    baseline = Baseline(ref="main", fingerprints=fingerprints, lock=dict(base.lock))
    report = run_gate(head, baseline=baseline, semantic=Semantic(Budget(examples=15, seconds=60.0)))
    changed = [f for f in report.errors if f.rule_id == "TYPE_CHANGED"]
    assert changed and all(f.example is not None for f in changed)
    assert report.to_json()["compatibility"]  # every compared pair has its verdict
    text = render_pr_report(base, head, report, None)
    assert "| breaking event |" in text
    event = json.dumps(changed[0].example["event"], sort_keys=True, ensure_ascii=False)
    assert f"`{event}` rejected at `/data/amount`" in text
