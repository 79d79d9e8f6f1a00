"""`python -m registry local` end to end: the real dev plan, the scenario files, exit codes."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from registry.cli import main
from registry.local import planner

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = Path(__file__).parent / "scenarios"
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "local_plan.json").read_text())


@pytest.fixture(scope="module")
def dev_run():
    """One run of every scenario in tests/scenarios against the real dev plan (planned once)."""
    import contextlib
    import io
    import os

    out, cwd = io.StringIO(), os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            code = main(["local", "--events", str(SCENARIOS), "--json"])
    finally:
        os.chdir(cwd)
    return code, json.loads(out.getvalue())


def _scenario(report, stem):
    return next(s for s in report["scenarios"] if Path(s["file"]).stem == stem)


def test_every_dev_scenario_matches_and_exit_is_0(dev_run):
    code, report = dev_run
    assert {Path(s["file"]).stem: s["mismatches"] for s in report["scenarios"]} == {
        p.stem: [] for p in SCENARIOS.glob("*.json")
    }
    assert code == 0 and report["ok"] is True and report["stack"] == "dev"


def test_dev_coffee_flow_counts_each_order_once(dev_run):
    coffee = _scenario(dev_run[1], "coffee-shop-metrics")
    assert coffee["metrics"]["2026-11-20"] == {
        "orders": 3,
        "completed": 0,
        "cancelled": 1,
        "drinks": {"Latte": 2, "Mocha": 1},
    }
    assert sum(i["records"] for i in coffee["lambda_invocations"] if i["function"] == "metrics-function") == 8
    # the monitor judges every delivery (it observes, it does not dedupe): o-1 put twice and each
    # delivered twice, o-2 and o-3 once; the cancel delivered twice
    assert coffee["monitor"] == {
        # the monitor counts the newest version that accepts each event: v2 corrects v1 and accepts all of v1's
        "coffeeshop/OrderCancelled": {"accepted": 2, "rejected": 0, "versions": {"v2": 2}},
        "coffeeshop/WaitingCompletion": {"accepted": 6, "rejected": 0, "versions": {"v2": 6}},
    }


def test_dev_checkout_analytics_filter_rejects_99_99(dev_run):
    checkout = _scenario(dev_run[1], "checkout-pipelines")
    small = next(e for e in checkout["events"] if e["label"] == "small")
    refused = [s["name"] for s in small["steps"] if s["kind"] == "filter" and not s["ok"]]
    assert len(refused) == 1 and "analytics" in refused[0]


def test_dev_failing_api_is_retried_then_dead_lettered(dev_run):
    failing = _scenario(dev_run[1], "delivery-api-failing")
    assert [c["status"] for c in failing["api_calls"]] == [500] * 11
    assert [c["attempt"] for c in failing["api_calls"]] == list(range(11))
    (event,) = failing["events"]
    api = [s["kind"] for s in event["steps"] if s["kind"] in ("api", "dlq")]
    assert api[-2:] == ["api", "dlq"]


def test_every_event_put_reaches_the_central_event_log(dev_run):
    for scenario in dev_run[1]["scenarios"]:
        for event in scenario["events"]:
            logged = [s for s in event["steps"] if s["kind"] == "log"]  # at least once: a redelivery logs twice
            assert logged and all(s["ok"] for s in logged), (scenario["scenario"], event["label"])
        logged_ids = {json.loads(e["message"])["id"] for e in scenario["event_log"]}
        assert logged_ids == {e["id"] for e in scenario["events"]}


def test_the_producers_trace_reaches_the_metrics_handlers_log_line(dev_run):
    """X-Ray end to end: PutEvents' TraceHeader -> EventBridge -> SQS AWSTraceHeader -> the handler's JSON log."""
    coffee = _scenario(dev_run[1], "coffee-shop-metrics")
    roots = {e["label"]: e["trace_header"].split(";")[0].removeprefix("Root=") for e in coffee["events"]}
    assert all(root.startswith("1-") for root in roots.values())
    counted = [line for line in coffee["handler_logs"] if line.get("message") == "events counted"]
    logged = {t for line in counted for t in line["traceIds"]}
    dedupe_keys = {k for line in counted for k in line["dedupeKeys"]}
    assert logged and logged <= set(roots.values())
    assert all(k.startswith("IDEMPOTENCY#") for k in dedupe_keys) and len(dedupe_keys) == len(logged)


def _fixture_plan(monkeypatch):
    class Pending:
        process = types.SimpleNamespace(poll=lambda: 0)

        def resources(self):
            return [types.SimpleNamespace(**r) for r in FIXTURE["resources"]]

    monkeypatch.setattr(planner, "start_plan", lambda stack, root: Pending())


def test_an_unmet_expectation_prints_mismatch_and_exits_1(tmp_path, monkeypatch, capsys):
    _fixture_plan(monkeypatch)
    monkeypatch.chdir(ROOT)
    scenario = {
        "events": [{"label": "big", "event": "checkout/CheckoutPlaced", "example": "v1#1"}],
        "expect": {"deliveries": {"checkout-analytics": 0, "checkout-backup": ["big"]}},
    }
    (tmp_path / "wrong.json").write_text(json.dumps(scenario))
    assert main(["local", "--events", str(tmp_path / "wrong.json")]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH deliveries to checkout-analytics: expected 0, got 1" in out
    assert "checkout-backup" not in "".join(line for line in out.splitlines() if line.startswith("MISMATCH"))


def test_default_run_publishes_every_contract_example(monkeypatch, capsys):
    _fixture_plan(monkeypatch)
    monkeypatch.chdir(ROOT)
    assert main(["local", "--json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["scenarios"]
    examples = sum(
        len(json.loads(p.read_text())["examples"]) for p in (ROOT / "contracts" / "events").glob("*/*/v*.json")
    )
    assert run["scenario"] == "contract examples" and len(run["events"]) == examples
    assert run["unsent"] == [] and run["mismatches"] == []


def test_unknown_stack_is_exit_2_listing_known_stacks(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["local", "--stack", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown stack 'nope'" in err and "dev" in err and "prod" in err


def test_dev_monitor_names_the_first_failing_pointer_of_a_drifted_event(dev_run):
    drift = _scenario(dev_run[1], "coffee-shop-drift")
    assert drift["monitor"] == {"coffeeshop/WaitingCompletion": {"accepted": 1, "rejected": 1, "versions": {"v2": 1}}}
    (violation,) = drift["violations"]
    assert (violation["event"], violation["pointer"]) == ("coffeeshop/WaitingCompletion", "/detail/orderId")
