"""The contract monitor's counts in an embedded run, read from its log lines as CloudWatch would.

The monitor Lambda writes its metrics in CloudWatch's embedded metric format;
this reads the same lines back (every JSON line with an `_aws` block and an
`Events` value), so what the run shows is what CloudWatch would extract, not a
second count kept on the side.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["is_monitor", "monitor_counts", "violations"]


def is_monitor(handler: str) -> bool:
    from registry.bundle import MONITOR_HANDLER

    return handler == MONITOR_HANDLER


def _documents(lines: Iterable[str]) -> Iterable[dict[str, Any]]:
    for line in lines:
        if not line.startswith("{"):
            continue
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict):
            yield document


def monitor_counts(logs: Mapping[str, list[str]], functions: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per event type: `accepted`, `rejected` (no version accepts) and events per version label."""
    counts: dict[str, dict[str, Any]] = {}
    for name in functions:
        for document in _documents(logs.get(name, [])):
            if "_aws" not in document or "Events" not in document:
                continue
            entry = counts.setdefault(document["EventType"], {"accepted": 0, "rejected": 0, "versions": {}})
            outcome = document["Outcome"]
            if outcome in ("accepted", "rejected"):
                entry[outcome] += int(document["Events"])
            if outcome == "accepted":
                versions = entry["versions"]
                versions[document["Version"]] = versions.get(document["Version"], 0) + int(document["Events"])
    return dict(sorted(counts.items()))


def violations(logs: Mapping[str, list[str]], functions: Iterable[str]) -> list[dict[str, Any]]:
    """The violation lines the monitor logged (event, id, first failing pointer, error)."""
    return [
        {k: d.get(k) for k in ("event", "id", "pointer", "error")}
        for name in functions
        for d in _documents(logs.get(name, []))
        if d.get("message") == "contract violation"
    ]
