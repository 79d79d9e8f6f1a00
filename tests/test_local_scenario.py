"""Scenario files: what a well-formed one means, and a clear exit 2 for every malformed one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.cli import main
from registry.errors import InputError
from registry.loader import load_registry
from registry.local.scenario import examples_scenario, load_scenarios, parse_scenario

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def registry():
    return load_registry(ROOT / "contracts")


GOOD = {
    "name": "threshold",
    "api": {"delivery-service": {"status": [500, 200]}},
    "events": [
        {"label": "big", "event": "checkout/CheckoutPlaced", "example": "v1#0", "repeat": 2, "redeliver": 1},
        {"event": "aws/S3ObjectCreated", "detail": {"any": "detail"}, "time": "2026-11-23T10:00:00Z"},
    ],
    "expect": {
        "deliveries": {"q1": 2, "q2": ["big"]},
        "dlq": {"q1-dlq": 0},
        "api_calls": {"delivery-service": {"statuses": [500, 200]}, "other": 3},
        "metrics": {"2026-11-23": {"orders": 1, "drinks": {"Latte": 1}}},
    },
}


def test_well_formed_scenario_is_parsed_with_defaults(registry):
    sc = parse_scenario(GOOD, "good.json", registry)
    big, s3 = sc.events
    assert (big.label, big.repeat, big.redeliver) == ("big", 2, 1)
    assert big.detail == registry.events["checkout/CheckoutPlaced"].version(1).examples[0]
    assert (s3.label, s3.repeat, s3.redeliver, s3.time) == ("aws/S3ObjectCreated#1", 1, 0, "2026-11-23T10:00:00Z")
    assert sc.expect.deliveries == {"q1": 2, "q2": ("big",)}
    assert sc.expect.api_calls == {"delivery-service": (2, (500, 200)), "other": (3, None)}
    assert sc.expect.metrics == {"2026-11-23": {"orders": 1, "drinks": {"Latte": 1}}}


def test_examples_scenario_covers_every_example_of_every_version(registry):
    sc = examples_scenario(registry)
    total = sum(len(v.examples) for c in registry.events.values() for v in c.versions)
    assert len(sc.events) == total and sc.expect is None
    assert len({e.label for e in sc.events}) == total


def _with(path_value):
    data = json.loads(json.dumps(GOOD))
    for pointer, value in path_value.items():
        *parents, last = pointer.strip("/").split("/")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is KeyError:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


@pytest.mark.parametrize(
    "change, pointer, words",
    [
        ({"/events": []}, "/events", "non-empty list"),
        ({"/events/0/event": "nope/Nope"}, "/events/0/event", "no contract 'nope/Nope'"),
        ({"/events/0/detail": {}}, "/events/0", "exactly one of 'detail' and 'example'"),
        ({"/events/0/example": KeyError}, "/events/0", "exactly one of 'detail' and 'example'"),
        ({"/events/0/example": "v9#0"}, "/events/0/example", "has no example v9#0"),
        ({"/events/0/example": "first"}, "/events/0/example", "is not 'vN#i'"),
        ({"/events/0/repeat": 0}, "/events/0/repeat", "integer >= 1"),
        ({"/events/0/redeliver": "1"}, "/events/0/redeliver", "integer >= 0"),
        ({"/events/0/colour": "red"}, "/events/0/colour", "unknown key 'colour'"),
        ({"/events/1/label": "big"}, "/events", "label 'big' is used twice"),
        ({"/expect/deliveries/q2": ["ghost"]}, "/expect/deliveries/q2/0", "no event labelled 'ghost'"),
        ({"/expect/dlq/q1-dlq": -1}, "/expect/dlq/q1-dlq", "integer >= 0"),
        ({"/expect/api_calls/other": {"calls": 1, "codes": []}}, "/expect/api_calls/other/codes", "unknown key"),
        ({"/expect/metrics/2026-11-23/drinks/Latte": 1.5}, "/expect/metrics/2026-11-23/drinks/Latte", "integer"),
        ({"/expect/metrics/2026-11-23/revenue": 3}, "/expect/metrics/2026-11-23/revenue", "unknown key"),
        ({"/api/delivery-service/status": 99}, "/api/delivery-service/status", "integer >= 100"),
        ({"/expect/surprise": {}}, "/expect/surprise", "unknown key"),
        ({"/events/1/time": "yesterday"}, "/events/1/time", "not an ISO 8601 time"),
    ],
)
def test_malformed_scenario_names_pointer_and_fix(registry, change, pointer, words):
    with pytest.raises(InputError) as err:
        parse_scenario(_with(change), "bad.json", registry)
    assert err.value.file == "bad.json" and err.value.pointer == pointer
    assert words in err.value.message and err.value.hint


def test_top_level_must_be_an_object(registry):
    with pytest.raises(InputError, match="expected an object"):
        parse_scenario([1, 2], "bad.json", registry)


def test_directory_runs_every_json_sorted_and_empty_directory_is_refused(registry, tmp_path):
    (tmp_path / "b.json").write_text(json.dumps({**GOOD, "name": "b"}))
    (tmp_path / "a.json").write_text(json.dumps({**GOOD, "name": "a"}))
    assert [s.name for s in load_scenarios(tmp_path, registry)] == ["a", "b"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"no \*\.json scenario files"):
        load_scenarios(empty, registry)


def test_cli_exits_2_with_file_line_and_fix_for_broken_json(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "broken.json"
    bad.write_text('{"events": [\n  {"event": "x"\n}')
    monkeypatch.chdir(ROOT)
    assert main(["local", "--events", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err and "malformed JSON" in err and "fix:" in err and "Traceback" not in err


def test_cli_exits_2_with_pointer_for_a_malformed_scenario(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"events": [{"event": "checkout/CheckoutPlaced", "example": "v1#0", "repeat": -2}]}))
    monkeypatch.chdir(ROOT)
    assert main(["local", "--events", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad} at /events/0/repeat" in err and "fix:" in err


def test_cli_exits_2_for_a_missing_events_path(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["local", "--events", str(tmp_path / "nope.json")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
