"""`route --events [--against REF]`: recorded traffic replayed through a routing change, per subscription
gained and lost; the PR report shows the same table when a filter changes."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from registry.cli import main
from registry.findings import Report
from registry.loader import load_registry
from registry.model import Registry
from registry.pr_report import markdown_report
from registry.recorded import iter_recorded
from registry.replay import replay, routes_of
from registry.routing.contract_checks import check_subscription
from registry.routing.deliveries import SubscriptionRoutes

ROOT = Path(__file__).resolve().parents[1]
ANALYTICS = "checkout-pipelines.analytics"  # fork, filter data.amount >= 100


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "contracts")


def checkout_events(registry: Registry, amounts: list[float]) -> list[dict[str, Any]]:
    contract = registry.events["checkout/CheckoutPlaced"]
    events = []
    for i, amount in enumerate(amounts):
        detail = copy.deepcopy(contract.version(1).examples[0])
        detail["data"]["amount"] = amount
        events.append({**contract.envelope(detail), "id": f"evt-{i}"})
    return events


def write_events(path: Path, events: list[dict[str, Any]], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events) + extra)
    return path


def with_filter(registry: Registry, sub_id: str, new_filter: Any) -> Registry:
    subs = tuple(dataclasses.replace(s, filter=new_filter) if s.id == sub_id else s for s in registry.subscriptions)
    return dataclasses.replace(registry, subscriptions=subs)


def test_lowering_a_threshold_gains_the_events_between_and_loses_none(registry: Registry, tmp_path: Path) -> None:
    recorded = write_events(tmp_path / "r.jsonl", checkout_events(registry, [10, 60, 99.99, 150]))
    head = with_filter(registry, ANALYTICS, {"data": {"amount": [{"numeric": [">=", 50]}]}})
    result = replay(iter_recorded([recorded]), routes_of(head), routes_of(registry))
    rows = {r.subscription: r for r in result.subscriptions}
    assert result.events == 4 and [r.subscription for r in result.changed] == [ANALYTICS]
    assert (rows[ANALYTICS].base, rows[ANALYTICS].head) == (1, 3)
    assert (rows[ANALYTICS].gained, rows[ANALYTICS].lost) == (2, 0)
    assert rows[ANALYTICS].gained_samples == [f"{recorded}:2 evt-1", f"{recorded}:3 evt-2"]
    backup = rows["checkout-pipelines.backup"]
    assert (backup.base, backup.head, backup.gained, backup.lost) == (4, 4, 0, 0)


def test_a_removed_subscription_loses_everything_it_received(registry: Registry, tmp_path: Path) -> None:
    recorded = write_events(tmp_path / "r.jsonl", checkout_events(registry, [150, 200]))
    head = dataclasses.replace(registry, subscriptions=tuple(s for s in registry.subscriptions if s.id != ANALYTICS))
    result = replay(iter_recorded([recorded]), routes_of(head), routes_of(registry))
    (row,) = result.changed
    assert (row.subscription, row.in_head, row.lost, row.gained) == (ANALYTICS, False, 2, 0)


def test_an_invalid_filter_delivers_nothing_and_is_reported_by_the_gate_once(registry: Registry) -> None:
    broken = with_filter(registry, ANALYTICS, {"data": {"amount": [{"numeric": [">=", "a lot"]}]}})
    routes = routes_of(broken)
    assert ANALYTICS in routes.invalid
    (event,) = checkout_events(registry, [500])
    assert ANALYTICS not in routes.delivered(event) and "checkout-pipelines.backup" in routes.delivered(event)
    sub = next(s for s in broken.subscriptions if s.id == ANALYTICS)
    contract = broken.events[sub.event]
    shared = check_subscription(sub, contract, routes)
    assert [f.rule_id for f in shared] == ["FILTER_INVALID"] and shared == check_subscription(sub, contract)


def test_shared_routes_give_each_subscription_the_findings_it_gets_alone(registry: Registry) -> None:
    routes = SubscriptionRoutes(registry.subscriptions, registry.events)
    for sub in registry.subscriptions:
        contract = registry.events[sub.event]
        assert check_subscription(sub, contract, routes) == check_subscription(sub, contract)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True, capture_output=True
    )


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """The real contracts committed in a fresh repo, then the analytics threshold lowered to 50 in the work tree."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "contracts", root / "contracts")
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, root / name)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "base")
    path = root / "contracts/subscriptions/checkout-pipelines.json"
    document = json.loads(path.read_text())
    (sub,) = [s for s in document["subscriptions"] if s.get("name") == "analytics"]
    sub["filter"] = {"data": {"amount": [{"numeric": [">=", 50]}]}}
    path.write_text(json.dumps(document, indent=2))
    return root


@dataclasses.dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture()
def cli(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """`python -m registry ...` run in-process from the repo's root."""
    monkeypatch.chdir(repo)

    def run(*args: str) -> Run:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


def test_cli_replays_recorded_events_against_the_base_ref(registry: Registry, repo: Path, cli: Any) -> None:
    recorded = write_events(repo / "week.jsonl", checkout_events(registry, [10, 60, 150]), "not json\n")
    as_json = cli("route", "--events", str(recorded), "--against", "HEAD", "--json")
    assert as_json.returncode == 0, as_json.stderr
    out = json.loads(as_json.stdout)
    assert out["events"] == 3 and out["unreadable"] == [
        {"where": f"{recorded}:4", "reason": "not JSON, nor a CloudWatch Logs line holding JSON"}
    ]
    row = next(s for s in out["subscriptions"] if s["subscription"] == ANALYTICS)
    assert row == {
        "subscription": ANALYTICS,
        "delivered": 2,
        "delivered_base": 1,
        "gained": 1,
        "lost": 0,
        "gained_samples": [f"{recorded}:2 evt-1"],
        "lost_samples": [],
    }
    text = cli("route", "--events", str(repo), "--against", "HEAD")
    assert text.returncode == 0, text.stderr
    assert f"{ANALYTICS}: 1 -> 2 delivered, +1 gained, -0 lost" in text.stdout
    assert "1 subscription(s) change what they receive compared with HEAD" in text.stdout
    alone = cli("route", "--events", str(recorded))
    assert alone.returncode == 0 and f"{ANALYTICS}: 2 delivered" in alone.stdout


def test_cli_bad_usage_and_unreadable_input_exit_2_without_traceback(repo: Path, cli: Any) -> None:
    recorded = write_events(repo / "r.jsonl", [])
    cases = {
        "no input": cli("route"),
        "both inputs": cli("route", str(recorded), "--events", str(recorded)),
        "against without events": cli("route", str(recorded), "--against", "HEAD"),
        "missing file": cli("route", "--events", str(repo / "nope.jsonl")),
        "unknown ref": cli("route", "--events", str(recorded), "--against", "no-such-ref"),
    }
    for name, result in cases.items():
        assert result.returncode == 2, name
        assert "Traceback" not in result.stderr and result.stderr.strip(), name
    assert "nope.jsonl" in cases["missing file"].stderr and "no-such-ref" in cases["unknown ref"].stderr


def _no_plans(stack: str, root: Path, *, contracts: Path) -> Any:
    raise AssertionError("no stack is planned in these tests")


def test_pr_report_replays_committed_evidence_through_the_changed_filter(
    registry: Registry, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contracts = repo / "contracts"
    shutil.rmtree(contracts / "evidence", ignore_errors=True)  # start without the repository's own evidence
    monkeypatch.chdir(repo)
    head = load_registry(contracts, display_root=repo)
    silent = markdown_report(head, Report(), contracts, "HEAD", repo, [], _no_plans)
    assert "### Recorded traffic through the changed routing" in silent
    assert "No recorded events to replay" in silent  # no contracts/evidence yet, no files given
    evidence = contracts / "evidence/checkout/CheckoutPlaced"
    evidence.mkdir(parents=True)
    (evidence / "SOURCES.md").write_text("where these events come from")  # provenance, not events
    write_events(evidence / "recorded.jsonl", checkout_events(registry, [60, 75]))
    extra = write_events(repo / "ci.jsonl", checkout_events(registry, [20]))
    text = markdown_report(head, Report(), contracts, "HEAD", repo, [], _no_plans, recorded=[extra])
    assert "3 recorded event(s) routed through the base and the head subscriptions." in text
    assert (
        f"| {ANALYTICS} | 0 -> 2 | +2 | -0 | + contracts/evidence/checkout/CheckoutPlaced/recorded.jsonl:1 evt-0"
        in (text.replace(str(repo) + "/", ""))
    )


def test_pr_report_without_routing_changes_has_no_traffic_section(registry: Registry, repo: Path) -> None:
    _git(repo, "commit", "-qam", "lower the threshold")
    head = load_registry(repo / "contracts", display_root=repo)
    text = markdown_report(head, Report(), repo / "contracts", "HEAD", repo, [], _no_plans)
    assert "Recorded traffic" not in text


def test_check_events_only_feeds_the_markdown_report(cli: Any) -> None:
    result = cli("check", "--events", "x.jsonl")
    assert result.returncode == 2 and "--format markdown" in result.stderr and "Traceback" not in result.stderr
