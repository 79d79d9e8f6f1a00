"""The contract monitor's counts in an embedded run, read from its log lines as CloudWatch would.

The monitor Lambda writes its metrics in CloudWatch's embedded metric format;
this reads the same lines back (every JSON line with an `_aws` block and an
`Events` value), so what the run shows is what CloudWatch would extract, not a
second count kept on the side.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from registry.errors import InputError
from registry.jsonfile import read_json_file

__all__ = [
    "counts_file",
    "is_monitor",
    "monitor_counts",
    "read_counts",
    "save_counts",
    "total_counts",
    "violations",
]


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


def counts_file(root: Path, stack: str) -> Path:
    """Where `local` leaves the monitor's last counts for the catalog (`catalog --monitor FILE`)."""
    return root / "build" / "monitor" / f"{stack}.json"


def total_counts(per_run: Iterable[Mapping[str, Mapping[str, Any]]]) -> dict[str, dict[str, int]]:
    """Accepted and rejected per event key, summed over scenario runs."""
    total: dict[str, dict[str, int]] = {}
    for counts in per_run:
        for key, figures in counts.items():
            entry = total.setdefault(key, {"accepted": 0, "rejected": 0})
            for outcome in ("accepted", "rejected"):
                entry[outcome] += int(figures.get(outcome, 0))
    return dict(sorted(total.items()))


def save_counts(path: Path, stack: str, counts: Mapping[str, Mapping[str, int]]) -> None:
    """Written atomically (temp file + os.replace): a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump({"stack": stack, "counts": counts}, stream, indent=2, sort_keys=True)
        stream.write("\n")
    os.replace(name, path)


def read_counts(path: Path) -> dict[str, dict[str, int]]:
    """Counts from a file `local` saved, or from `local --json` output (summed over its scenarios)."""
    document = read_json_file(path)
    if isinstance(document, dict) and isinstance(document.get("counts"), dict):
        runs: list[Any] = [document["counts"]]
    elif isinstance(document, dict) and isinstance(document.get("scenarios"), list):
        runs = [s.get("monitor") or {} for s in document["scenarios"] if isinstance(s, dict)]
    else:
        raise InputError(
            str(path),
            "not monitor counts",
            hint=f"pass the file `local` writes ({counts_file(Path('.'), '<stack>')}) or `local --json` output",
        )
    for run in runs:
        for key, figures in run.items() if isinstance(run, dict) else [("", None)]:
            if not isinstance(figures, dict) or not all(
                isinstance(figures.get(k, 0), int) and not isinstance(figures.get(k, 0), bool)
                for k in ("accepted", "rejected")
            ):
                raise InputError(
                    str(path),
                    f"counts of {key!r} are not {{accepted, rejected}} whole numbers",
                    pointer=f"/counts/{key.replace('~', '~0').replace('/', '~1')}",
                    hint="regenerate the file with `python -m registry local`",
                )
    return total_counts(runs)
