"""Tolerant reader: subscriptions declare what they read; the gate and the metrics Lambda hold them to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handlers.metrics.events import MetricEvent, Rejection, parse_record
from registry.bundle import metrics_reads, validator_sources
from registry.gate import run_gate
from registry.loader import load_registry
from registry.model import EventContract
from registry.reads import project
from tests.registry_builder import order_schema, write_event, write_lock, write_subscriptions

ROOT = Path(__file__).resolve().parents[1]
KEY = "shop/OrderPlaced"
WAITING_V1 = json.loads((ROOT / "contracts/events/coffeeshop/WaitingCompletion/v1.json").read_text())


def _registry(tmp_path: Path, reads: dict, versions: list[dict] | None = None):
    write_event(tmp_path, KEY, versions or [order_schema()], compatibility="NONE")
    write_subscriptions(
        tmp_path, "billing", [{"name": "totals", "event": KEY, "reads": reads, "delivery": {"type": "queue"}}]
    )
    registry = load_registry(tmp_path)
    write_lock(tmp_path, {f"{KEY}/v{v.number}": v.fingerprint for v in registry.events[KEY].versions})
    return load_registry(tmp_path)


def _read_findings(registry) -> list[tuple[str, str]]:
    return [(f.rule_id, f.pointer) for f in run_gate(registry).findings if f.rule_id.startswith("READ_")]


def test_a_subscription_reading_declared_fields_with_accepted_types_passes(tmp_path: Path) -> None:
    registry = _registry(tmp_path, {"orderId": {"type": "string"}, "amount": {"type": "number"}})
    assert _read_findings(registry) == []


def test_a_read_field_a_version_does_not_declare_is_rejected(tmp_path: Path) -> None:
    registry = _registry(tmp_path, {"customer.email": {}})
    assert _read_findings(registry) == [("READ_FIELD_MISSING", "/subscriptions/0/reads/customer.email")]


def test_a_version_allowing_a_type_the_consumer_does_not_accept_is_rejected(tmp_path: Path) -> None:
    widened = order_schema()
    widened["properties"]["amount"] = {"type": ["number", "string"]}
    registry = _registry(tmp_path, {"amount": {"type": "number"}}, [order_schema(), widened])
    (finding,) = [f for f in run_gate(registry).findings if f.rule_id == "READ_FIELD_TYPE_MISMATCH"]
    assert "v2" in finding.message and "string" in finding.message


def test_changes_to_fields_the_subscription_does_not_read_do_not_concern_it(tmp_path: Path) -> None:
    changed = order_schema(extra={"note": {"type": "integer"}})
    changed["properties"]["orderId"] = {"type": "string"}
    registry = _registry(tmp_path, {"amount": {"type": ["number"]}}, [order_schema(), changed])
    assert _read_findings(registry) == []


def test_a_field_declared_in_a_oneof_branch_is_read_with_the_union_of_its_types(tmp_path: Path) -> None:
    waiting = {k: v for k, v in WAITING_V1.items() if k != "$schema"}
    only_strings = _registry(tmp_path / "a", {"drinkOrder": {"type": "string"}, "drinkOrder.drink": {}}, [waiting])
    both = _registry(tmp_path / "b", {"drinkOrder": {"type": ["object", "string"]}}, [waiting])
    assert _read_findings(only_strings) == [("READ_FIELD_TYPE_MISMATCH", "/subscriptions/0/reads/drinkOrder")]
    assert _read_findings(both) == []


def _index_and_loader(contract: EventContract, reads: frozenset[str] | None):
    modules: dict[str, dict] = {}
    sources = validator_sources([contract], {contract.key: reads} if reads else None)
    for name, source in sources.items():
        exec(source, modules.setdefault(name.removesuffix(".py"), {}))
    return modules["__init__"]["CONTRACTS"], (lambda module: modules[module]["validate"])


def _waiting(detail: dict) -> dict:
    envelope = {"version": "0", "id": "e-1", "detail-type": "OrderManager.WaitingCompletion",
                "source": "awsserverlessda.serverlesspresso", "time": "2026-11-24T10:00:00Z", "detail": detail}  # fmt: skip
    return {"messageId": "m-1", "body": json.dumps(envelope)}


@pytest.fixture(scope="module")
def waiting_v1_only() -> EventContract:
    """The coffee shop contract as it was before the correction: v1 only (orderNumber an integer)."""
    contract = load_registry(ROOT / "contracts").events["coffeeshop/WaitingCompletion"]
    return EventContract(**{**contract.__dict__, "versions": contract.versions[:1], "corrections": ()})


WORKSHOP = {"orderId": "Vq3", "orderNumber": "42", "userId": "u", "drinkOrder": {"drink": "Latte"}}


def test_metrics_lambda_counts_an_event_whose_unread_field_drifted(waiting_v1_only: EventContract) -> None:
    index, load = _index_and_loader(waiting_v1_only, frozenset({"orderId", "drinkOrder"}))
    assert isinstance(parse_record(_waiting(WORKSHOP), index, load), MetricEvent)
    whole_index, whole_load = _index_and_loader(waiting_v1_only, None)  # before: the whole detail was validated
    rejected = parse_record(_waiting(WORKSHOP), whole_index, whole_load)
    assert isinstance(rejected, Rejection) and "/detail/orderNumber" in rejected.reason


def test_metrics_lambda_still_rejects_a_bad_value_in_a_read_field_with_its_reason(
    waiting_v1_only: EventContract,
) -> None:
    index, load = _index_and_loader(waiting_v1_only, frozenset({"orderId", "drinkOrder"}))
    rejected = parse_record(_waiting({**WORKSHOP, "drinkOrder": 7}), index, load)
    assert isinstance(rejected, Rejection)
    assert "/detail/drinkOrder" in rejected.reason and "fields read: drinkOrder, orderId" in rejected.reason
    missing = parse_record(_waiting({k: v for k, v in WORKSHOP.items() if k != "orderId"}), index, load)
    assert isinstance(missing, Rejection) and "orderId" in missing.reason


def test_projection_keeps_required_read_fields_and_nothing_else() -> None:
    projected = project(WAITING_V1, ["orderId", "drinkOrder", "drinkOrder.drink"])
    assert sorted(projected["properties"]) == ["drinkOrder", "orderId"]
    assert sorted(projected["required"]) == ["drinkOrder", "orderId"]
    assert projected["properties"]["drinkOrder"] == WAITING_V1["properties"]["drinkOrder"]


def test_the_bundle_projects_only_where_every_metrics_subscription_declares_reads() -> None:
    reads = metrics_reads(load_registry(ROOT / "contracts"))
    assert reads["coffeeshop/WaitingCompletion"] == {"orderId", "drinkOrder"}


def test_the_pr_report_names_a_subscriber_whose_read_field_changed_and_spares_others(tmp_path: Path) -> None:
    from registry.pr_report import render_pr_report

    subs = [
        {"name": "totals", "event": KEY, "reads": {"amount": {"type": "number"}}, "delivery": {"type": "queue"}},
        {"name": "audit", "event": KEY, "reads": {"orderId": {"type": "string"}}, "delivery": {"type": "queue"}},
    ]
    changed = order_schema()
    changed["properties"]["amount"] = {"type": "number", "minimum": 1}
    for root, versions in ((tmp_path / "base", [order_schema()]), (tmp_path / "head", [order_schema(), changed])):
        write_event(root, KEY, versions, compatibility="NONE")
        write_subscriptions(root, "billing", subs)
    head = load_registry(tmp_path / "head")
    text = render_pr_report(load_registry(tmp_path / "base"), head, run_gate(head), None)
    (totals,) = [line for line in text.splitlines() if line.startswith("| billing.totals")]
    (audit,) = [line for line in text.splitlines() if line.startswith("| billing.audit")]
    assert "read field(s) amount changed in the schema (reads amount: number)" in totals
    assert "read field" not in audit


def _two_readers(tmp_path: Path, reads: list[dict | None], v2: dict) -> list:
    write_event(tmp_path, KEY, [order_schema(), v2], compatibility="FORWARD_TRANSITIVE")
    subs = [
        {"name": f"s{i}", "event": KEY, "delivery": {"type": "queue"}, **({"reads": r} if r is not None else {})}
        for i, r in enumerate(reads)
    ]
    write_subscriptions(tmp_path, "billing", subs)
    registry = load_registry(tmp_path)
    write_lock(tmp_path, {f"{KEY}/v1": registry.events[KEY].versions[0].fingerprint})
    return [f for f in run_gate(load_registry(tmp_path)).findings if f.rule_id != "VERSION_UNLOCKED"]


def _retyped_note() -> dict:
    v2 = order_schema(extra={"note": {"type": "integer"}})
    v2["properties"]["orderId"] = {"type": ["string", "integer"]}  # FORWARD-incompatible
    return v2


def test_an_incompatible_change_to_a_field_no_subscriber_reads_is_only_a_warning(tmp_path: Path) -> None:
    findings = _two_readers(tmp_path, [{"amount": {"type": "number"}}, {"amount": {}}], _retyped_note())
    assert findings and all(f.severity == "warning" for f in findings)
    assert all("no subscriber reads detail.orderId" in f.message for f in findings)


def test_the_same_change_is_an_error_when_a_subscriber_reads_that_field_or_the_whole_detail(tmp_path: Path) -> None:
    reads_it = _two_readers(tmp_path / "a", [{"amount": {}}, {"orderId": {"type": "string"}}], _retyped_note())
    whole = _two_readers(tmp_path / "b", [{"amount": {}}, None], _retyped_note())
    assert reads_it and whole
    assert {f.severity for f in reads_it} == {f.severity for f in whole} == {"error"}


def test_a_malformed_reads_declaration_is_a_format_finding_with_its_pointer(tmp_path: Path) -> None:
    from registry.loader import load_with_findings

    write_event(tmp_path, KEY, [order_schema()])
    write_subscriptions(
        tmp_path,
        "billing",
        [{"name": "t", "event": KEY, "reads": {"amount": {"type": "num"}}, "delivery": {"type": "queue"}}],
    )
    _, findings = load_with_findings(tmp_path)
    assert [(f.rule_id, f.pointer) for f in findings] == [("FILE_FORMAT_INVALID", "/subscriptions/0/reads/amount/type")]
