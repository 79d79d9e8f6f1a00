"""Evidence in the gate: a contract that rejects its producer's real events fails; corrections need proof."""

from __future__ import annotations

import json
from pathlib import Path

from registry.gate import evaluate, run_gate
from registry.loader import load_registry
from tests.registry_builder import order_schema, write_event, write_lock, write_subscriptions

KEY = "shop/OrderPlaced"
SOURCE = "com.example.shop"


def _envelope(detail: object, detail_type: str = "OrderPlaced", source: str = SOURCE) -> dict[str, object]:
    return {"version": "0", "id": "e", "detail-type": detail_type, "source": source, "account": "1",
            "time": "2026-11-23T10:00:00Z", "region": "us-east-1", "resources": [], "detail": detail}  # fmt: skip


def _evidence(root: Path, key: str, lines: list[object], name: str = "producer.jsonl") -> Path:
    folder = root / "evidence" / key
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def _published(root: Path, versions: list[dict], **meta: object) -> None:
    """v1 published (locked); later versions are the change under review."""
    write_event(root, KEY, versions, compatibility="FORWARD_TRANSITIVE", **meta)
    v1 = load_registry(root).events[KEY].versions[0]
    write_lock(root, {f"{KEY}/v1": v1.fingerprint})


def _amount_widened() -> dict:
    """v2: amount a number or numeric text (what the producer really sends), incompatible with v1 FORWARD."""
    schema = order_schema()
    schema["properties"]["amount"] = {"type": ["number", "string"], "pattern": "^[0-9.]+$"}
    return schema


def _rules(root: Path) -> list[str]:
    return sorted({f.rule_id for f in run_gate(load_registry(root)).findings if f.rule_id != "VERSION_UNLOCKED"})


def test_a_contract_whose_latest_version_rejects_its_evidence_fails_the_gate(tmp_path: Path) -> None:
    _published(tmp_path, [order_schema()])
    _evidence(tmp_path, KEY, [_envelope({"orderId": "o", "amount": "12.5"})])
    report = run_gate(load_registry(tmp_path))
    (finding,) = report.errors
    assert finding.rule_id == "EVIDENCE_REJECTED" and "/detail/amount" in finding.message
    assert "producer.jsonl:1" in finding.message and not report.ok


def test_evidence_the_latest_version_accepts_passes(tmp_path: Path) -> None:
    _published(tmp_path, [order_schema()])
    _evidence(tmp_path, KEY, [_envelope({"orderId": "o", "amount": 12.5})])
    assert _rules(tmp_path) == []


def test_bad_evidence_lines_and_misfiled_or_unknown_events_are_findings_not_crashes(tmp_path: Path) -> None:
    _published(tmp_path, [order_schema()])
    path = _evidence(tmp_path, KEY, ["{not json", _envelope({"orderId": "o", "amount": 1}, "Nobody", "x.y")])
    _evidence(tmp_path, "shop/NoSuchEvent", [_envelope({})])
    findings = run_gate(load_registry(tmp_path)).errors
    assert sorted((f.rule_id, f.file) for f in findings) == sorted(
        [
            ("EVIDENCE_EVENT_UNKNOWN", str(path)),
            ("EVIDENCE_EVENT_UNKNOWN", str(tmp_path / "evidence" / "shop" / "NoSuchEvent")),
            ("EVIDENCE_UNREADABLE", str(path)),
        ]
    )
    assert any("line 1" in f.message for f in findings if f.rule_id == "EVIDENCE_UNREADABLE")
    assert any("belongs to no contract" in f.message for f in findings)


def test_an_incompatible_fix_without_a_correction_is_blocked_by_compatibility(tmp_path: Path) -> None:
    _published(tmp_path, [order_schema(), _amount_widened()])
    _evidence(tmp_path, KEY, [_envelope({"orderId": "o", "amount": "12.5"})])
    assert _rules(tmp_path) == ["TYPE_CHANGED"]


CORRECTION = {"version": 2, "corrects": [1], "reason": "v1 typed amount as a number; the producer sends text"}


def test_a_correction_proven_by_evidence_passes_with_a_notice_naming_the_affected_subscribers(tmp_path: Path) -> None:
    _published(tmp_path, [order_schema(), _amount_widened()], corrections=[CORRECTION])
    _evidence(tmp_path, KEY, [_envelope({"orderId": "o", "amount": "12.5"}), _envelope({"orderId": "p", "amount": 3})])
    write_subscriptions(
        tmp_path, "billing", [{"name": "totals", "event": KEY, "versions": [1], "delivery": {"type": "queue"}}]
    )
    result = evaluate(tmp_path)
    notices = [f for f in result.report.findings if f.rule_id == "CONTRACT_CORRECTED"]
    assert result.exit_code == 0 and len(notices) == 1 and notices[0].severity == "warning"
    assert "billing.totals" in notices[0].message and "v1 rejected 1 of 2 real events" in notices[0].message
    assert "/detail/amount" in notices[0].message


def test_a_correction_without_evidence_is_rejected_and_compatibility_still_applies(tmp_path: Path) -> None:
    _published(tmp_path, [order_schema(), _amount_widened()], corrections=[CORRECTION])
    rules = _rules(tmp_path)
    assert "CORRECTION_WITHOUT_EVIDENCE" in rules and "CONTRACT_CORRECTED" not in rules
    assert len(rules) >= 2  # the compatibility finding stands


def test_a_correction_whose_old_version_accepted_all_evidence_is_rejected(tmp_path: Path) -> None:
    _published(tmp_path, [order_schema(), _amount_widened()], corrections=[CORRECTION])
    _evidence(tmp_path, KEY, [_envelope({"orderId": "o", "amount": 3})])
    (finding,) = [f for f in run_gate(load_registry(tmp_path)).errors if f.rule_id == "CORRECTION_WITHOUT_EVIDENCE"]
    assert "v1 accepts all 1 evidence event(s)" in finding.message


def test_a_correction_the_new_version_itself_fails_is_rejected(tmp_path: Path) -> None:
    _published(tmp_path, [order_schema(), _amount_widened()], corrections=[CORRECTION])
    _evidence(
        tmp_path, KEY, [_envelope({"orderId": "o", "amount": "12.5"}), _envelope({"orderId": "o", "amount": "x"})]
    )
    rules = _rules(tmp_path)
    assert "CORRECTION_WITHOUT_EVIDENCE" in rules and "EVIDENCE_REJECTED" in rules


def test_a_correction_naming_a_later_or_missing_version_is_invalid(tmp_path: Path) -> None:
    bad = [{"version": 2, "corrects": [2], "reason": "corrects itself, which means nothing"},
           {"version": 5, "corrects": [1], "reason": "a version that does not exist"}]  # fmt: skip
    _published(tmp_path, [order_schema(), order_schema()], corrections=bad)
    findings = [f for f in run_gate(load_registry(tmp_path)).errors if f.rule_id == "CORRECTION_INVALID"]
    assert [f.pointer for f in findings] == ["/corrections/0", "/corrections/1"]


def test_the_pr_report_shows_the_correction_and_the_subscribers_of_the_corrected_version(tmp_path: Path) -> None:
    from registry.pr_report import render_pr_report

    base_root, head_root = tmp_path / "base", tmp_path / "head"
    sub = [{"name": "totals", "event": KEY, "versions": [1], "delivery": {"type": "queue"}}]
    for root in (base_root, head_root):
        write_subscriptions(root, "billing", sub)
    _published(base_root, [order_schema()])
    _published(head_root, [order_schema(), _amount_widened()], corrections=[CORRECTION])
    _evidence(head_root, KEY, [_envelope({"orderId": "o", "amount": "12.5"})])
    head = load_registry(head_root)
    text = render_pr_report(load_registry(base_root), head, run_gate(head), None)
    assert "CONTRACT_CORRECTED" in text and "**Safe to merge**" in text
    (row,) = [line for line in text.splitlines() if line.startswith("| billing.totals")]
    assert "reads v1 of shop/OrderPlaced, which v2 corrects: v1 typed amount as a number" in row


def test_against_the_base_branch_a_locked_correction_is_still_news_until_the_base_has_it(tmp_path: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    root = tmp_path / "contracts"
    _published(root, [order_schema()])
    git("init", "-q", "-b", "main")
    git("-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "base", "--allow-empty")
    git("add", "-A")
    git("-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "v1")
    _published(root, [order_schema(), _amount_widened()], corrections=[CORRECTION])
    _evidence(root, KEY, [_envelope({"orderId": "o", "amount": "12.5"})])
    registry = load_registry(root)
    write_lock(root, {f"{KEY}/v{v.number}": v.fingerprint for v in registry.events[KEY].versions})  # PR locks v2
    assert [f.rule_id for f in evaluate(root).report.findings] == []  # locked: old news without a base
    against = evaluate(root, against="main")
    assert against.exit_code == 0 and [f.rule_id for f in against.report.findings] == ["CONTRACT_CORRECTED"]


def test_an_external_contract_without_evidence_gets_a_warning_not_a_rejection(tmp_path: Path) -> None:
    write_event(tmp_path, KEY, [order_schema()], external=True)
    report = run_gate(load_registry(tmp_path))
    (missing,) = [f for f in report.findings if f.rule_id == "EVIDENCE_MISSING"]
    assert missing.severity == "warning" and report.ok
    _evidence(tmp_path, KEY, [_envelope({"orderId": "o", "amount": 1})])
    assert "EVIDENCE_MISSING" not in [f.rule_id for f in run_gate(load_registry(tmp_path)).findings]
