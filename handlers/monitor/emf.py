"""CloudWatch embedded metric format (EMF): metrics written as log lines, no PutMetricData calls.

CloudWatch Logs extracts the metrics from each JSON line carrying an `_aws`
block. One line per (event type, version, outcome) seen in a batch, with the
batch's count, so the cost is per batch, not per event. A line for rejected
events also carries `Violations` without dimensions: the one metric the
stack's alarm watches.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = ["NAMESPACE", "documents"]

NAMESPACE = "Eventplane/Contracts"
_DIMENSIONS = ["EventType", "Version", "Outcome"]


def documents(
    counts: Counter[tuple[str, str, str]], timestamp_ms: int, namespace: str = NAMESPACE
) -> list[dict[str, Any]]:
    """EMF documents for `counts` of (event type, version label, outcome)."""
    out: list[dict[str, Any]] = []
    for (event_type, version, outcome), count in sorted(counts.items()):
        directives: list[dict[str, Any]] = [
            {"Namespace": namespace, "Dimensions": [_DIMENSIONS], "Metrics": [{"Name": "Events", "Unit": "Count"}]}
        ]
        document: dict[str, Any] = {
            "EventType": event_type,
            "Version": version,
            "Outcome": outcome,
            "Events": count,
        }
        if outcome == "rejected":
            directives.append(
                {"Namespace": namespace, "Dimensions": [[]], "Metrics": [{"Name": "Violations", "Unit": "Count"}]}
            )
            document["Violations"] = count
        out.append({"_aws": {"Timestamp": timestamp_ms, "CloudWatchMetrics": directives}, **document})
    return out
