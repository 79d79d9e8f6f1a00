"""Scenario files for `python -m registry local --events FILE|DIR`: events in, expectations out.

A scenario is one JSON object:

```json
{
  "name": "big checkouts reach analytics",
  "description": "free text",
  "api": {"delivery-service": {"status": 500}},
  "events": [
    {"label": "small", "event": "checkout/CheckoutPlaced", "example": "v1#0"},
    {"label": "big", "event": "checkout/CheckoutPlaced", "detail": {"...": "..."},
     "repeat": 1, "redeliver": 0, "time": "2026-11-23T10:00:00Z"}
  ],
  "expect": {
    "deliveries": {"<queue>": 2, "<other queue>": ["small", "big"]},
    "dlq": {"<queue>": 1},
    "api_calls": {"<destination>": 11, "<other>": {"calls": 2, "statuses": [500, 200]}},
    "metrics": {"2026-11-23": {"orders": 2, "completed": 1, "cancelled": 1, "drinks": {"Latte": 2}}},
    "monitor": {"coffeeshop/WaitingCompletion": {"accepted": 12, "rejected": 0}}
  }
}
```

- `events[]`: `event` is a contract key `<domain>/<Event>`; the detail is `detail` or
  the contract example `example` (`"vN#i"`). `repeat` (default 1): the producer puts
  the same detail that many times (at most 1000), as a producer retry does (new envelope ids; a
  full-state detail that carries its idempotency key keeps it). `redeliver`
  (default 0): EventBridge delivers the same envelope that many extra times to each
  target (at-least-once). `time`: the envelope's time (ISO 8601; default now). `label`
  (default `<event>#<index>`) names the event in expectations and output.
- `api`: how the local endpoint answers, per API destination (the plan's logical or
  physical name): `{"status": 500}` or a sequence `{"status": [500, 200]}` whose last
  value repeats; HTTP statuses 100-599. Default 200.
- `expect` (every key optional; only what is named is checked):
  `deliveries` queue -> how many messages the engine put on it, or the exact labels
  (order ignored); `dlq` queue -> its depth after the run (any queue, usually a DLQ);
  `api_calls` destination -> number of HTTP calls, or `{"calls", "statuses"}`;
  `metrics` day -> the metrics table's figures for that day; `monitor` contract key ->
  how many of its events the contract monitor judged accepted (some version takes them)
  and rejected (none does), as its embedded-metric-format log lines report them.
Queues are named as the summary prints them (the plan's logical name; the physical
name works too). A DIR runs every `*.json` in it, sorted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from registry.errors import InputError
from registry.jsonfile import read_json_file
from registry.model import Registry

__all__ = ["Expectations", "Scenario", "ScenarioEvent", "examples_scenario", "load_scenarios", "parse_scenario"]

_TOP_KEYS = {"name", "description", "api", "events", "expect"}
_EVENT_KEYS = {"label", "event", "detail", "example", "repeat", "redeliver", "time"}
_EXPECT_KEYS = {"deliveries", "dlq", "api_calls", "metrics", "monitor"}
_MONITOR_KEYS = {"accepted", "rejected"}
_METRIC_KEYS = {"orders", "completed", "cancelled", "drinks"}
MAX_REPEAT = 1000  # puts (or extra deliveries) of one scenario event: a run must stay interactive


@dataclass(frozen=True)
class ScenarioEvent:
    label: str
    event: str  # contract key
    detail: Any
    repeat: int = 1
    redeliver: int = 0
    time: str | None = None


@dataclass(frozen=True)
class Expectations:
    deliveries: Mapping[str, int | tuple[str, ...]] = field(default_factory=dict)
    dlq: Mapping[str, int] = field(default_factory=dict)
    api_calls: Mapping[str, tuple[int, tuple[int, ...] | None]] = field(default_factory=dict)
    metrics: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    monitor: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # event key -> accepted / rejected


@dataclass(frozen=True)
class Scenario:
    name: str
    file: str
    events: tuple[ScenarioEvent, ...]
    api: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    expect: Expectations | None = None  # None: just run and show (the examples run)


class _Reader:
    """Raises `InputError` naming the file, the JSON pointer and the fix."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, pointer: str, message: str, hint: str) -> InputError:
        return InputError(file=self.file, pointer=pointer or "/", message=message, hint=hint)

    def obj(self, value: Any, pointer: str, allowed: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(pointer, f"expected an object, got {type(value).__name__}", "write a JSON object here")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(
                f"{pointer}/{unknown[0]}", f"unknown key {unknown[0]!r}", f"use only {', '.join(sorted(allowed))}"
            )
        return value

    def count(self, value: Any, pointer: str, minimum: int = 0, maximum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(
                pointer, f"expected an integer >= {minimum}, got {json.dumps(value)}", "write a whole number"
            )
        if maximum is not None and value > maximum:
            raise self.fail(
                pointer,
                f"{value} is above the limit of {maximum}",
                f"write a whole number from {minimum} to {maximum}",
            )
        return value

    def text(self, value: Any, pointer: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(pointer, f"expected a non-empty string, got {json.dumps(value)}", "write a string")
        return value


def _example(reader: _Reader, registry: Registry, key: str, ref: Any, pointer: str) -> Any:
    contract = registry.events[key]
    text = reader.text(ref, pointer)
    version, _, index = text.partition("#")
    if not (version.startswith("v") and version[1:].isdigit() and index.isdigit()):
        raise reader.fail(
            pointer, f"example reference {text!r} is not 'vN#i'", 'write e.g. "v1#0" (first example of v1)'
        )
    number, i = int(version[1:]), int(index)
    if not 1 <= number <= len(contract.versions) or i >= len(contract.version(number).examples):
        raise reader.fail(pointer, f"{key} has no example {text}", f"{key} has versions 1..{len(contract.versions)}")
    return contract.version(number).examples[i]


def _event(reader: _Reader, registry: Registry, raw: Any, pointer: str, index: int) -> ScenarioEvent:
    item = reader.obj(raw, pointer, _EVENT_KEYS)
    key = reader.text(item.get("event"), f"{pointer}/event")
    if key not in registry.events:
        raise reader.fail(
            f"{pointer}/event", f"no contract {key!r}", f"use one of {', '.join(sorted(registry.events))}"
        )
    if ("detail" in item) == ("example" in item):
        raise reader.fail(
            pointer,
            "an event needs exactly one of 'detail' and 'example'",
            'give the detail inline or name an example like "v1#0"',
        )
    detail = (
        item["detail"] if "detail" in item else _example(reader, registry, key, item["example"], f"{pointer}/example")
    )
    time = item.get("time")
    if time is not None:
        try:
            datetime.fromisoformat(reader.text(time, f"{pointer}/time"))
        except ValueError:
            raise reader.fail(
                f"{pointer}/time", f"{time!r} is not an ISO 8601 time", 'write e.g. "2026-11-23T10:00:00Z"'
            ) from None
    return ScenarioEvent(
        label=reader.text(item.get("label", f"{key}#{index}"), f"{pointer}/label"),
        event=key,
        detail=detail,
        repeat=reader.count(item.get("repeat", 1), f"{pointer}/repeat", 1, MAX_REPEAT),
        redeliver=reader.count(item.get("redeliver", 0), f"{pointer}/redeliver", 0, MAX_REPEAT),
        time=time,
    )


def _api_calls(reader: _Reader, raw: Any, pointer: str) -> tuple[int, tuple[int, ...] | None]:
    if isinstance(raw, dict):
        item = reader.obj(raw, pointer, {"calls", "statuses"})
        statuses = item.get("statuses")
        if statuses is not None:
            if not isinstance(statuses, list):
                raise reader.fail(f"{pointer}/statuses", "expected a list of HTTP statuses", "write e.g. [500, 200]")
            statuses = tuple(reader.count(s, f"{pointer}/statuses/{i}", 100, 599) for i, s in enumerate(statuses))
        calls = reader.count(item.get("calls", len(statuses or ())), f"{pointer}/calls")
        return calls, statuses
    return reader.count(raw, pointer), None


def _expect(reader: _Reader, raw: Any, labels: set[str], events: Mapping[str, Any]) -> Expectations:
    item = reader.obj(raw, "/expect", _EXPECT_KEYS)
    deliveries: dict[str, int | tuple[str, ...]] = {}
    for queue, value in reader.obj(
        item.get("deliveries", {}), "/expect/deliveries", set(item.get("deliveries", {}) or ())
    ).items():
        pointer = f"/expect/deliveries/{queue}"
        if isinstance(value, list):
            for i, label in enumerate(value):
                if reader.text(label, f"{pointer}/{i}") not in labels:
                    raise reader.fail(
                        f"{pointer}/{i}", f"no event labelled {label!r}", f"use one of {', '.join(sorted(labels))}"
                    )
            deliveries[queue] = tuple(value)
        else:
            deliveries[queue] = reader.count(value, pointer)
    dlq_raw = item.get("dlq", {})
    dlq = {
        q: reader.count(v, f"/expect/dlq/{q}")
        for q, v in reader.obj(dlq_raw, "/expect/dlq", set(dlq_raw or ())).items()
    }
    api_raw = item.get("api_calls", {})
    api = {
        d: _api_calls(reader, v, f"/expect/api_calls/{d}")
        for d, v in reader.obj(api_raw, "/expect/api_calls", set(api_raw or ())).items()
    }
    metrics: dict[str, Mapping[str, Any]] = {}
    metrics_raw = item.get("metrics", {})
    for day, value in reader.obj(metrics_raw, "/expect/metrics", set(metrics_raw or ())).items():
        pointer = f"/expect/metrics/{day}"
        fig = reader.obj(value, pointer, _METRIC_KEYS)
        checked: dict[str, Any] = {
            k: reader.count(fig[k], f"{pointer}/{k}") for k in ("orders", "completed", "cancelled") if k in fig
        }
        if "drinks" in fig:
            drinks = reader.obj(
                fig["drinks"],
                f"{pointer}/drinks",
                set(fig["drinks"] or ()) if isinstance(fig["drinks"], dict) else set(),
            )
            checked["drinks"] = {d: reader.count(n, f"{pointer}/drinks/{d}") for d, n in drinks.items()}
        metrics[day] = checked
    monitor_raw = item.get("monitor", {})
    monitor: dict[str, Mapping[str, int]] = {}
    for key, value in reader.obj(monitor_raw, "/expect/monitor", set(monitor_raw or ())).items():
        pointer = f"/expect/monitor/{key.replace('~', '~0').replace('/', '~1')}"
        if key not in events:
            raise reader.fail(pointer, f"no contract {key!r}", f"use one of {', '.join(sorted(events))}")
        figures = reader.obj(value, pointer, _MONITOR_KEYS)
        monitor[key] = {k: reader.count(figures[k], f"{pointer}/{k}") for k in sorted(figures)}
    return Expectations(deliveries, dlq, api, metrics, monitor)


def parse_scenario(data: Any, file: str, registry: Registry) -> Scenario:
    """A validated scenario; every mistake is an `InputError` with file, pointer and fix."""
    reader = _Reader(file)
    top = reader.obj(data, "", _TOP_KEYS)
    raw_events = top.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise reader.fail(
            "/events", "a scenario needs a non-empty list 'events'", 'add at least one {"event": ..., "detail": ...}'
        )
    events = tuple(_event(reader, registry, e, f"/events/{i}", i) for i, e in enumerate(raw_events))
    labels = [e.label for e in events]
    duplicate = next((label for label in labels if labels.count(label) > 1), None)
    if duplicate is not None:
        raise reader.fail("/events", f"label {duplicate!r} is used twice", "give every event its own label")
    api_raw = top.get("api", {})
    api = reader.obj(api_raw, "/api", set(api_raw or ()))
    for name, spec in api.items():
        status = reader.obj(spec, f"/api/{name}", {"status"}).get("status", 200)
        for i, value in enumerate(status if isinstance(status, list) else [status]):
            reader.count(value, f"/api/{name}/status" + (f"/{i}" if isinstance(status, list) else ""), 100, 599)
    return Scenario(
        name=str(top.get("name") or Path(file).stem),
        file=file,
        events=events,
        api=api,
        expect=_expect(reader, top.get("expect", {}), set(labels), registry.events),
    )


def load_scenarios(path: Path, registry: Registry) -> list[Scenario]:
    """The scenario in FILE, or every `*.json` scenario in DIR (sorted)."""
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise InputError(
                file=str(path),
                message="no *.json scenario files here",
                hint="point --events at a scenario file or a directory of them",
            )
    elif path.is_file():
        files = [path]
    else:
        raise InputError(
            file=str(path),
            message="no such file or directory",
            hint="point --events at a scenario file or a directory of them",
        )
    scenarios = []
    for file in files:
        scenarios.append(parse_scenario(read_json_file(file), str(file), registry))
    return scenarios


def examples_scenario(registry: Registry) -> Scenario:
    """Every example of every version of every contract, each put once (the default run)."""
    events = tuple(
        ScenarioEvent(label=f"{key} v{v.number}#{i}", event=key, detail=example)
        for key, contract in sorted(registry.events.items())
        for v in contract.versions
        for i, example in enumerate(v.examples)
    )
    return Scenario(name="contract examples", file="", events=events)
