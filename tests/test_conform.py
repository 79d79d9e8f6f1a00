"""`conform`: recorded events against the contracts, as product teams run it on real traffic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.cli import main
from registry.conform import accepting_versions, conform
from registry.loader import load_registry
from registry.recorded import iter_recorded
from tests.registry_builder import order_schema, write_event

ROOT = Path(__file__).resolve().parents[1]
KEY = "shop/OrderPlaced"
SOURCE, DETAIL_TYPE = "com.example.shop", "OrderPlaced"


def _envelope(detail: object, detail_type: str = DETAIL_TYPE, source: str = SOURCE) -> dict[str, object]:
    return {
        "version": "0",
        "id": "e-1",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-11-23T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


@pytest.fixture
def contracts(tmp_path: Path) -> Path:
    """v1 types amount as a number; v2 (latest) also requires a currency."""
    v2 = order_schema(extra={"currency": {"type": "string"}}, required=["orderId", "amount", "currency"])
    v2["examples"] = [{"orderId": "o-1", "amount": 1, "currency": "EUR"}]
    write_event(tmp_path / "contracts", KEY, [order_schema(), v2], compatibility="NONE")
    return tmp_path / "contracts"


def _lines(path: Path, items: list[object]) -> Path:
    path.write_text("".join((i if isinstance(i, str) else json.dumps(i)) + "\n" for i in items), encoding="utf-8")
    return path


def test_each_event_gets_its_accepting_versions_and_each_rejecting_versions_first_failing_pointer(
    contracts: Path, tmp_path: Path
) -> None:
    events = _lines(
        tmp_path / "events.jsonl",
        [
            _envelope({"orderId": "o-1", "amount": 3, "currency": "EUR"}),
            _envelope({"orderId": "o-2", "amount": "3"}),
            _envelope({"orderId": "o-3", "amount": 4}),
        ],
    )
    report = conform(load_registry(contracts), iter_recorded([events]))
    assert [(v.accepted, [(r.version, r.pointer) for r in v.rejected]) for v in report.verdicts] == [
        ((1, 2), []),
        ((), [(1, "/detail/amount"), (2, "/detail")]),  # v2's first failure: the missing currency
        ((1,), [(2, "/detail")]),
    ]
    assert "currency" in report.verdicts[2].rejected[0].reason
    assert report.exit_code == 1 and report.rejected_by_latest == 2


def test_summary_groups_failures_by_type_and_pointer_with_counts_and_one_sample(
    contracts: Path, tmp_path: Path
) -> None:
    details = [{"orderId": f"o-{n}", "amount": "x", "currency": "EUR"} for n in range(3)]
    events = _lines(tmp_path / "e.jsonl", [_envelope(d) for d in details])
    summary = conform(load_registry(contracts), iter_recorded([events])).to_json()["failures"]
    assert [(f["version"], f["pointer"], f["count"], f["sample"], f["latest"]) for f in summary] == [
        (1, "/detail/amount", 3, f"{events}:1", False),
        (2, "/detail/amount", 3, f"{events}:1", True),
    ]


def test_accepting_versions_is_reusable_on_a_bare_detail(contracts: Path) -> None:
    contract = load_registry(contracts).events[KEY]
    accepted, rejected = accepting_versions(contract, {"orderId": "o", "amount": 1, "currency": "EUR"})
    assert accepted == (1, 2) and rejected == ()


def test_cli_exit_0_when_latest_accepts_everything_and_lists_events_without_a_contract(
    contracts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _envelope({"orderId": "o", "amount": 1, "currency": "EUR"})
    sqs_wrapped = {"messageId": "m-1", "body": json.dumps(good)}
    events = _lines(tmp_path / "e.jsonl", [good, sqs_wrapped, _envelope({}, detail_type="Other", source="x.y")])
    assert main(["conform", str(events), "--contracts", str(contracts)]) == 0
    out = capsys.readouterr().out
    assert "x.y / Other: 1" in out and "shop/OrderPlaced: v2 (latest) accepts 2" in out


def test_cli_exit_1_names_the_event_the_version_and_the_pointer(
    contracts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _lines(tmp_path / "e.jsonl", [_envelope({"orderId": "o", "amount": 1})])
    assert main(["conform", str(events), "--contracts", str(contracts), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    (verdict,) = result["verdicts"]
    assert verdict["event"] == KEY and verdict["accepted"] == [1] and not verdict["ok"]
    assert verdict["rejected"][0]["version"] == 2 and verdict["where"] == f"{events}:1"


def test_a_bad_line_exits_2_naming_file_and_line_after_checking_the_rest(
    contracts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _envelope({"orderId": "o", "amount": 1, "currency": "EUR"})
    events = _lines(tmp_path / "e.jsonl", [good, "{broken", good])
    assert main(["conform", str(events), "--contracts", str(contracts)]) == 2
    captured = capsys.readouterr()
    assert f"{events}:2: not JSON" in captured.out and "accepts 2" in captured.out
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("target", ["missing.jsonl", "empty"])
def test_missing_or_empty_input_is_a_clear_error_not_a_traceback(
    contracts: Path, tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["conform", str(tmp_path / target), "--contracts", str(contracts)]) == 2
    assert target in capsys.readouterr().err


def test_a_line_holding_u2028_inside_a_string_is_one_event(contracts: Path, tmp_path: Path) -> None:
    events = tmp_path / "e.jsonl"
    detail = {"orderId": "o\u2028x", "amount": 1, "currency": "EUR"}
    events.write_text(json.dumps(_envelope(detail), ensure_ascii=False) + "\n", encoding="utf-8")
    report = conform(load_registry(contracts), iter_recorded([events]))
    assert report.total == 1 and report.exit_code == 0


def test_the_committed_evidence_conforms_to_the_corrected_contracts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", str(ROOT / "contracts" / "evidence"), "--contracts", str(ROOT / "contracts")]) == 0
    out = capsys.readouterr().out
    assert "coffeeshop/WaitingCompletion: v2 (latest) accepts 13" in out
    assert "v1 rejects 6 at /detail/orderNumber: must be integer" in out
