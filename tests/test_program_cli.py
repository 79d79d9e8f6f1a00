"""`python -m registry plan`: the fixed --json shape, the grouped text, and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import registry.commands.plan as plan_command
from registry.cli import main
from registry.findings import Finding, Report
from registry.offline_plan import Plan, PlannedResource, PlanRejected

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plan_json() -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["plan", "--stack", "dev", "--json", "--root", str(ROOT)]) == 0
    return json.loads(out.getvalue())


def test_json_has_exactly_the_fixed_shape(plan_json: dict) -> None:
    assert set(plan_json) == {"stack", "resources", "outputs"}
    assert plan_json["stack"] == "dev"
    for resource in plan_json["resources"]:
        assert set(resource) == {"urn", "type", "name", "parent", "inputs"}
        assert resource["urn"].startswith("urn:pulumi:dev::eventplane::")
    tops = [r for r in plan_json["resources"] if r["parent"] is None]
    assert tops and all(r["type"].startswith("eventplane:index:") for r in tops)
    assert '"[secret]"' in json.dumps(plan_json)
    assert "contractFingerprints" in plan_json["outputs"]


def test_text_groups_resources_under_components(plan_json: dict) -> None:
    plan = Plan(plan_json["stack"], [PlannedResource(**r) for r in plan_json["resources"]], plan_json["outputs"])
    text = plan_command.render(plan)
    assert text.startswith("Stack dev: ")
    assert "QueueDelivery queue-order-saga-inventory-reserve-items  [eventplane:index:QueueDelivery]" in text
    assert (
        "\n  EventRule queue-order-saga-inventory-reserve-items-rule\n      name: ep-dev-order-saga-inventory-reserve-items"
        in text
    )
    assert 'eventPattern: {"source":["com.example.orders"]' in text
    assert "retryPolicy: " in text and "deadLetterConfig: " in text and "sqsManagedSseEnabled: true" in text
    assert "authParameters: [secret]" in text


def test_unknown_stack_exits_2_listing_stacks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "qa", "--root", str(ROOT)]) == 2
    assert "known stacks: dev, org-core, org-orders, org-shop, prod" in capsys.readouterr().err


def test_rejection_exits_1_with_the_report(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    report = Report(
        [
            Finding(
                file="contracts/events/a/B/v1.json",
                pointer="",
                rule_id="PUBLISHED_VERSION_EDITED",
                message="published version a/B/v1 was edited in place",
            )
        ]
    )

    def rejected(stack: str, root: Path) -> None:
        raise PlanRejected(report, report.render(), [])

    monkeypatch.setattr(plan_command, "plan_stack", rejected)
    assert main(["plan", "--root", str(ROOT)]) == 1
    out = capsys.readouterr().out
    assert "PUBLISHED_VERSION_EDITED" in out and "REJECTED" in out and "nothing would be created" in out
    assert main(["plan", "--json", "--root", str(ROOT)]) == 1
    assert json.loads(capsys.readouterr().out)["rejected"]["findings"][0]["rule_id"] == "PUBLISHED_VERSION_EDITED"
