"""The contract monitor's pure parts: stack config, what it watches, the handler and its EMF lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from handlers.monitor import emf, handler
from registry.bundle import MONITOR_HANDLER, build_monitor_bundle, validator_sources
from registry.errors import InputError
from registry.loader import load_registry
from registry.model import EventContract
from registry.monitoring import OUR_BUS, contract_patterns, monitored_buses
from registry.routing import compile_pattern
from registry.stack_config import Monitor, parse_stack_config
from tests.test_metrics_support import contract

ROOT = Path(__file__).resolve().parent.parent
BASE = {"aws:region": "us-east-1", "eventplane:namePrefix": "ep-t", "eventplane:archiveRetentionDays": 1}


@pytest.fixture(scope="module")
def registry():
    return load_registry(ROOT / "contracts")


@pytest.fixture(scope="module")
def validators(registry) -> tuple[Any, Callable[[str], Any]]:
    """The index and validator modules the monitor bundle carries, executed in place."""
    modules: dict[str, dict[str, Any]] = {}
    for name, source in validator_sources(sorted(registry.events.values(), key=lambda c: c.key)).items():
        exec(source, modules.setdefault(name.removesuffix(".py"), {}))
    return modules["__init__"]["CONTRACTS"], lambda module: modules[module]["validate"]


def _record(envelope: Any, message_id: str = "m-1") -> dict[str, Any]:
    body = envelope if isinstance(envelope, str) else json.dumps(envelope)
    return {"messageId": message_id, "body": body}


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


# -- stack config ---------------------------------------------------------------------------------


def test_the_monitor_is_off_by_default_and_parsed_when_given() -> None:
    assert parse_stack_config(BASE, stack="t", source="P.yaml").monitor == Monitor()
    config = parse_stack_config(
        {**BASE, "eventplane:monitor": json.dumps({"enabled": True, "sampleRate": 0.25, "buses": ["ours"]})},
        stack="t",
        source="P.yaml",
    )
    assert config.monitor == Monitor(enabled=True, sample_rate=0.25, buses=("ours",))


@pytest.mark.parametrize(
    ("value", "pointer"),
    [
        ({"enabled": "yes"}, "/config/eventplane:monitor/enabled"),
        ({"enabled": True, "sampleRate": 0}, "/config/eventplane:monitor/sampleRate"),
        ({"enabled": True, "sampleRate": 1.5}, "/config/eventplane:monitor/sampleRate"),
        ({"enabled": True, "buses": "ours"}, "/config/eventplane:monitor/buses"),
        ({"enabled": True, "buses": []}, "/config/eventplane:monitor/buses"),
        ({"enabeld": True}, "/config/eventplane:monitor/enabeld"),
    ],
)
def test_a_wrong_monitor_setting_names_its_key(value: dict[str, Any], pointer: str) -> None:
    with pytest.raises(InputError) as info:
        parse_stack_config({**BASE, "eventplane:monitor": value}, stack="t", source="P.yaml")
    assert info.value.pointer == pointer and info.value.file == "P.yaml"


# -- what it watches ------------------------------------------------------------------------------


def test_every_bus_with_contracted_events_is_watched_ours_first(registry) -> None:
    buses = monitored_buses(registry, None, source="P.yaml")
    assert [b.name for b in buses] == [OUR_BUS, "Serverlesspresso", "default"]
    assert sum(len(b.contracts) for b in buses) == len(registry.events)


def test_a_bus_no_contract_is_put_on_is_a_config_error(registry) -> None:
    with pytest.raises(InputError) as info:
        monitored_buses(registry, ("ours", "Serverlesspresso", "Nope"), source="Pulumi.dev.yaml")
    assert info.value.pointer == "/config/eventplane:monitor/buses/2"
    assert "Serverlesspresso" in info.value.hint


def _contract(source: str, detail_type: str) -> EventContract:
    return contract(f"d/{detail_type}", detail_type, source=source)


def test_patterns_match_exactly_the_contracted_pairs_and_split_under_the_size_limit() -> None:
    contracts = [_contract(f"com.example.s{s}", f"Type{t}WithALongishName") for s in range(12) for t in range(6)]
    patterns = contract_patterns(contracts)
    assert len(patterns) > 1 and all(len(p) <= 2048 for p in patterns)
    compiled = [compile_pattern(json.loads(p)) for p in patterns]
    for each in contracts:
        envelope = each.envelope({})
        assert sum(c.matches(envelope) for c in compiled) == 1
    crossed = {**contracts[0].envelope({}), "source": "com.example.s1", "detail-type": "Nope"}
    assert not any(c.matches(crossed) for c in compiled)


def test_one_source_with_hundreds_of_detail_types_is_split_too() -> None:
    contracts = [_contract("com.example.big", f"Event{t:03d}HappenedSomewhere") for t in range(500)]
    patterns = contract_patterns(contracts)
    assert len(patterns) > 1 and all(len(p) <= 2048 for p in patterns)
    compiled = [compile_pattern(json.loads(p)) for p in patterns]
    assert all(sum(c.matches(each.envelope({})) for c in compiled) == 1 for each in contracts)


# -- the handler ----------------------------------------------------------------------------------


def test_events_are_counted_per_type_version_and_outcome(registry, validators, capsys) -> None:
    index, load = validators
    checkout = registry.events["checkout/CheckoutPlaced"]
    waiting = registry.events["coffeeshop/WaitingCompletion"]
    records = [
        _record(checkout.envelope(checkout.version(2).examples[0]), "a"),
        _record(waiting.envelope(waiting.latest.examples[0]), "b"),
        _record(waiting.envelope({**waiting.latest.examples[0], "orderId": 1042}), "c"),
    ]

    result = handler.process(records, index, load=load, now=lambda: 1700000000.0)

    assert result == {"batchItemFailures": []}
    lines = _lines(capsys)
    metrics = {(d["EventType"], d["Version"], d["Outcome"]): d["Events"] for d in lines if "_aws" in d}
    assert metrics == {
        ("checkout/CheckoutPlaced", "v2", "accepted"): 1,
        ("coffeeshop/WaitingCompletion", "v2", "accepted"): 1,  # the newest accepting version (v2 corrects v1)
        ("coffeeshop/WaitingCompletion", "none", "rejected"): 1,
    }
    (violation,) = [d for d in lines if d.get("message") == "contract violation"]
    assert violation["pointer"] == "/detail/orderId" and violation["event"] == "coffeeshop/WaitingCompletion"
    assert "string" in violation["error"]


def test_emf_lines_declare_their_metrics_as_cloudwatch_reads_them() -> None:
    from collections import Counter

    documents = emf.documents(Counter({("e/A", "v1", "accepted"): 3, ("e/A", "none", "rejected"): 2}), 1700000000000)
    accepted, rejected = sorted(documents, key=lambda d: d["Outcome"])
    directive = accepted["_aws"]["CloudWatchMetrics"]
    assert accepted["_aws"]["Timestamp"] == 1700000000000
    assert directive == [
        {
            "Namespace": "Eventplane/Contracts",
            "Dimensions": [["EventType", "Version", "Outcome"]],
            "Metrics": [{"Name": "Events", "Unit": "Count"}],
        }
    ]
    assert rejected["Violations"] == 2 and rejected["_aws"]["CloudWatchMetrics"][1]["Dimensions"] == [[]]
    for document in (accepted, rejected):  # every declared dimension and metric is a top-level member
        for d in document["_aws"]["CloudWatchMetrics"]:
            assert all(name in document for dims in d["Dimensions"] for name in dims)
            assert all(m["Name"] in document for m in d["Metrics"])


def test_unreadable_and_uncontracted_events_are_logged_never_retried(validators, capsys) -> None:
    index, load = validators
    records = [
        _record("not json", "x"),
        _record([1, 2], "y"),
        _record({"id": "1", "source": "s", "detail-type": "t", "detail": {}}, "z"),
    ]

    assert handler.process(records, index, load=load) == {"batchItemFailures": []}
    lines = _lines(capsys)
    assert sum(d.get("message") == "not an EventBridge event" for d in lines) == 2
    assert {(d["EventType"], d["Outcome"]) for d in lines if "_aws" in d} == {("s/t", "uncontracted")}
    assert not any("Violations" in d for d in lines)


def test_sampling_is_decided_by_the_event_id_so_redeliveries_agree() -> None:
    ids = [f"id-{i}" for i in range(2000)]
    kept = [i for i in ids if handler.sampled(i, 0.1)]
    assert 120 < len(kept) < 280
    assert kept == [i for i in ids if handler.sampled(i, 0.1)]
    assert all(handler.sampled(i, 1.0) for i in ids[:10])


def test_violation_logs_are_bounded_per_batch(registry, validators, capsys) -> None:
    index, load = validators
    waiting = registry.events["coffeeshop/WaitingCompletion"]
    bad = waiting.envelope({"orderId": 1})
    records = [_record({**bad, "id": f"e{i}"}, f"m{i}") for i in range(handler.MAX_VIOLATION_LOGS + 10)]

    handler.process(records, index, load=load)

    lines = _lines(capsys)
    assert sum(d.get("message") == "contract violation" for d in lines) == handler.MAX_VIOLATION_LOGS
    (metric,) = [d for d in lines if "_aws" in d]
    assert metric["Violations"] == handler.MAX_VIOLATION_LOGS + 10


def test_the_monitor_bundle_carries_its_handler_and_a_validator_per_version(registry, tmp_path) -> None:
    import zipfile

    path = build_monitor_bundle(registry.events.values(), tmp_path)
    names = zipfile.ZipFile(path).namelist()
    assert "monitor/handler.py" in names and MONITOR_HANDLER.startswith("monitor.handler.")
    validators = [n for n in names if n.startswith("monitor/validators/") and n.endswith(".py")]
    assert len(validators) == 1 + sum(len(c.versions) for c in registry.events.values())
    assert not any(n.startswith("metrics/") for n in names)


# -- scenario expectations ------------------------------------------------------------------------


def _scenario_with(registry, monitor: Any) -> Any:
    from registry.local.scenario import parse_scenario

    data = {"events": [{"event": "coffeeshop/WaitingCompletion", "example": "v1#0"}], "expect": {"monitor": monitor}}
    return parse_scenario(data, "s.json", registry)


def test_a_scenario_can_expect_the_monitors_counts_and_a_difference_is_a_mismatch(registry) -> None:
    from registry.local.run import ScenarioRun
    from registry.local.summary import mismatches

    scenario = _scenario_with(registry, {"coffeeshop/WaitingCompletion": {"accepted": 2, "rejected": 0}})
    engine = SimpleNamespace(api_attempts=[])  # no API calls: only the monitor is compared
    counts = {"coffeeshop/WaitingCompletion": {"accepted": 1, "rejected": 0}}
    run = ScenarioRun(scenario, engine, {}, {}, monitor=counts)  # type: ignore[arg-type]
    assert mismatches(run) == ["monitor coffeeshop/WaitingCompletion accepted: expected 2, got 1"]


@pytest.mark.parametrize(
    ("monitor", "pointer"),
    [
        ({"coffeeshop/Nope": {"accepted": 1}}, "/expect/monitor/coffeeshop~1Nope"),
        ({"coffeeshop/WaitingCompletion": {"acepted": 1}}, "/expect/monitor/coffeeshop~1WaitingCompletion/acepted"),
        ({"coffeeshop/WaitingCompletion": {"accepted": -1}}, "/expect/monitor/coffeeshop~1WaitingCompletion/accepted"),
    ],
)
def test_a_wrong_monitor_expectation_names_its_pointer(registry, monitor: Any, pointer: str) -> None:
    with pytest.raises(InputError) as info:
        _scenario_with(registry, monitor)
    assert info.value.pointer == pointer and info.value.file == "s.json"
