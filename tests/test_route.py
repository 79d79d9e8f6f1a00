"""`route` answers where an event goes on a stack, with the same patterns the program deploys."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from registry.commands.route import route_event
from registry.loader import load_registry

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def registry():
    return load_registry(ROOT / "contracts")


def checkout(registry, amount: float) -> dict:
    contract = registry.events["checkout/CheckoutPlaced"]
    detail = copy.deepcopy(contract.version(1).examples[0])
    detail["data"]["amount"] = amount
    return contract.envelope(detail)


def delivered(registry, event: dict) -> set[str]:
    contract = next(c for c in registry.events.values() if c.detail_type == event["detail-type"])
    return {h.subscription for h in route_event(event, contract, list(registry.subscriptions)) if h.delivered}


def test_checkout_below_100_skips_analytics_and_100_reaches_every_pipeline(registry) -> None:
    forks = {"checkout-pipelines.backup", "checkout-pipelines.analytics", "checkout-pipelines.replay"}
    assert delivered(registry, checkout(registry, 99.99)) & forks == forks - {"checkout-pipelines.analytics"}
    assert delivered(registry, checkout(registry, 100)) & forks == forks


def test_s3_objects_outside_source_prefix_are_not_delivered(registry) -> None:
    contract = registry.events["aws/S3ObjectCreated"]
    detail = copy.deepcopy(next(e for e in contract.latest.examples if e["object"]["key"].startswith("source/")))
    assert "ingest.source-objects" in delivered(registry, contract.envelope(detail))
    detail["object"]["key"] = "archive/" + detail["object"]["key"]
    hops = route_event(contract.envelope(detail), contract, list(registry.subscriptions))
    (hop,) = [h for h in hops if h.subscription == "ingest.source-objects"]
    assert not hop.delivered and "did not match" in hop.reason


def run_route(event: object, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "event.json"
    path.write_text(event if isinstance(event, str) else json.dumps(event))
    return subprocess.run(
        [sys.executable, "-m", "registry", "route", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_prints_each_subscription_with_its_reason(registry, tmp_path: Path) -> None:
    result = run_route(checkout(registry, 99.99), tmp_path, "--stack", "dev")
    assert result.returncode == 0, result.stderr
    assert "x  checkout-pipelines.analytics" in result.stdout
    assert "-> checkout-pipelines.backup" in result.stdout
    as_json = json.loads(run_route(checkout(registry, 150), tmp_path, "--json").stdout)
    assert as_json["event"] == "checkout/CheckoutPlaced" and as_json["valid_versions"] == [1, 2]
    assert {h["subscription"] for h in as_json["hops"] if h["delivered"]} >= {"checkout-pipelines.analytics"}


def test_cli_unknown_event_type_and_bad_files(tmp_path: Path) -> None:
    unknown = run_route({"source": "nobody", "detail-type": "Nothing", "detail": {}}, tmp_path)
    assert unknown.returncode == 0 and "no contract" in unknown.stdout
    broken = run_route('{"source": ', tmp_path)
    assert broken.returncode == 2 and "event.json:1:" in broken.stderr
    partial = run_route({"detail": {}}, tmp_path)
    assert partial.returncode == 2 and "source" in partial.stderr
    stack = run_route({"source": "a", "detail-type": "b", "detail": {}}, tmp_path, "--stack", "nope")
    assert stack.returncode == 2 and "dev" in stack.stderr
    for result in (unknown, broken, partial, stack):
        assert "Traceback" not in result.stderr


def test_rules_on_a_producers_bus_are_named_with_it(registry) -> None:
    coffee = registry.events["coffeeshop/WaitingCompletion"]
    hops = route_event(coffee.envelope(coffee.latest.examples[0]), coffee, list(registry.subscriptions))
    assert hops and all(h.path[0].endswith(" on bus Serverlesspresso") for h in hops)
    s3 = registry.events["aws/S3ObjectCreated"]
    assert all(
        h.path[0].endswith(" on bus default")
        for h in route_event(s3.envelope(s3.latest.examples[0]), s3, list(registry.subscriptions))
    )
    assert not any(
        "on bus" in part
        for h in route_event(
            checkout(registry, 150), registry.events["checkout/CheckoutPlaced"], list(registry.subscriptions)
        )
        for part in h.path
    )
