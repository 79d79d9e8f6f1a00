"""Stack config for operations: the central event log and the optional global endpoint.

Pure (no pulumi import), parsed with the stack config's own reader so every
wrong value names the file, `/config/eventplane:<key>/...` and the fix.
`stack_regions` is the one answer to "which regions does this stack deploy
to", for the gate, the quotas check and the plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from registry.model import EventContract

__all__ = [
    "EVERY_EVENT",
    "LOG_RETENTION_DAYS",
    "TREAT_MISSING_DATA",
    "EventLogConfig",
    "GlobalEndpointConfig",
    "HealthCheckConfig",
    "event_log_patterns",
    "log_group_name",
    "parse_event_log",
    "parse_global_endpoint",
    "producer_buses",
    "producer_pattern",
    "stack_regions",
]

# The values CloudWatch Logs accepts for a log group's retention (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
TREAT_MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_FUNCTION_ARN_RE = re.compile(r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$")

Fail = Callable[[str, str, str], NoReturn]
# Matches every event: every event has a `source`, and every string starts with "".
EVERY_EVENT = {"source": [{"prefix": ""}]}


@dataclass(frozen=True)
class EventLogConfig:
    """One rule per bus delivering every event to one KMS-encrypted log group."""

    retention_days: int = 30
    producer_buses: bool = False  # also log, on each producer's bus, the events we subscribe to there


@dataclass(frozen=True)
class HealthCheckConfig:
    """The CloudWatch alarm behind the Route 53 health check; defaults are AWS's global endpoint guide's
    (average IngestionToInvocationStartLatency above 30 s for 5 one-minute periods, missing data breaching)."""

    latency_threshold_ms: int = 30000
    period_seconds: int = 60
    evaluation_periods: int = 5
    treat_missing_data: str = "breaching"


@dataclass(frozen=True)
class GlobalEndpointConfig:
    secondary_region: str
    health_check: HealthCheckConfig = field(default_factory=HealthCheckConfig)
    replication: bool = True  # AWS recommends it: the secondary is exercised all the time, and recovery is automatic
    functions: Mapping[str, str] = field(default_factory=dict)  # function name -> its ARN in the secondary region


def stack_regions(primary: str, global_endpoint: GlobalEndpointConfig | None) -> tuple[str, ...]:
    """Every region the stack deploys to, primary first: quotas and checks apply to each."""
    if global_endpoint is None:
        return (primary,)
    return (primary, global_endpoint.secondary_region)


def _int(fail: Fail, key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(key, f"expected a whole number in {low}..{high}, got {value!r}", f"set a number between {low} and {high}")
    return value


def _keys(fail: Fail, key: str, spec: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(spec) - allowed)
    if unknown:
        fail(f"{key}/{unknown[0]}", "unknown key", f"use only {', '.join(sorted(allowed))}")


def parse_event_log(fail: Fail, spec: Any) -> EventLogConfig | None:
    """`eventplane:eventLog: {retentionDays: 30, producerBuses: false}`; absent = no event log."""
    if spec is None:
        return None
    if not isinstance(spec, dict):
        fail("eventLog", f"expected a mapping, got {type(spec).__name__}", "write `eventLog: {retentionDays: 30}`")
    _keys(fail, "eventLog", spec, {"retentionDays", "producerBuses"})
    days = spec.get("retentionDays", 30)
    if isinstance(days, bool) or days not in LOG_RETENTION_DAYS:
        fail(
            "eventLog/retentionDays",
            f"CloudWatch Logs does not accept a retention of {days!r} days",
            f"use one of {', '.join(map(str, LOG_RETENTION_DAYS))}",
        )
    producers = spec.get("producerBuses", False)
    if not isinstance(producers, bool):
        fail("eventLog/producerBuses", f"expected true or false, got {producers!r}", "write `producerBuses: true`")
    return EventLogConfig(retention_days=days, producer_buses=producers)


def parse_global_endpoint(
    fail: Fail, spec: Any, primary_region: str, functions: Mapping[str, str]
) -> GlobalEndpointConfig | None:
    """`eventplane:globalEndpoint: {secondaryRegion, healthCheck: {...}, replication, functions: {...}}`."""
    if spec is None:
        return None
    key = "globalEndpoint"
    if not isinstance(spec, dict):
        fail(
            key,
            f"expected a mapping, got {type(spec).__name__}",
            "write `globalEndpoint: {secondaryRegion: us-west-2}`",
        )
    _keys(fail, key, spec, {"secondaryRegion", "healthCheck", "replication", "functions"})
    region = spec.get("secondaryRegion")
    if not isinstance(region, str) or not _REGION_RE.match(region):
        fail(
            f"{key}/secondaryRegion",
            f"invalid region {region!r}",
            "name an AWS region, e.g. `secondaryRegion: us-west-2`",
        )
    if region == primary_region:
        fail(
            f"{key}/secondaryRegion",
            f"the secondary region is the stack's own region {primary_region}",
            "a global endpoint fails over to another region: pick a different one",
        )
    replication = spec.get("replication", True)
    if not isinstance(replication, bool):
        fail(f"{key}/replication", f"expected true or false, got {replication!r}", "write `replication: true`")
    health = spec.get("healthCheck") or {}
    if not isinstance(health, dict):
        fail(f"{key}/healthCheck", "expected a mapping", "give latencyThresholdMs, periodSeconds, evaluationPeriods")
    _keys(
        fail,
        f"{key}/healthCheck",
        health,
        {"latencyThresholdMs", "periodSeconds", "evaluationPeriods", "treatMissingData"},
    )
    period = _int(fail, f"{key}/healthCheck/periodSeconds", health.get("periodSeconds", 60), 10, 86400)
    if period not in (10, 30) and period % 60:
        fail(f"{key}/healthCheck/periodSeconds", f"invalid alarm period {period}", "use 10, 30, 60 or a multiple of 60")
    missing = health.get("treatMissingData", "breaching")
    if missing not in TREAT_MISSING_DATA:
        fail(
            f"{key}/healthCheck/treatMissingData",
            f"unknown value {missing!r}",
            f"use one of {', '.join(TREAT_MISSING_DATA)}",
        )
    copies = spec.get("functions") or {}
    if not isinstance(copies, dict):
        fail(f"{key}/functions", "expected a mapping", "map each function name to its ARN in the secondary region")
    for name, arn in copies.items():
        match = _FUNCTION_ARN_RE.match(arn) if isinstance(arn, str) else None
        if name not in functions:
            fail(
                f"{key}/functions/{name}",
                f"unknown function {name!r}",
                "name a function listed under `eventplane:functions`",
            )
        if match is None or match.group(1) != region:
            fail(
                f"{key}/functions/{name}",
                f"not a Lambda function ARN in {region}: {arn!r}",
                f"write arn:aws:lambda:{region}:<account>:function:<name> (a rule can only target a function in its own region)",
            )
    return GlobalEndpointConfig(
        secondary_region=region,
        health_check=HealthCheckConfig(
            latency_threshold_ms=_int(
                fail, f"{key}/healthCheck/latencyThresholdMs", health.get("latencyThresholdMs", 30000), 100, 3600000
            ),
            period_seconds=period,
            evaluation_periods=_int(
                fail, f"{key}/healthCheck/evaluationPeriods", health.get("evaluationPeriods", 5), 1, 100
            ),
            treat_missing_data=missing,
        ),
        replication=replication,
        functions=dict(sorted(copies.items())),
    )


# -- the event log's rules (the component declares them; a quotas check counts them) --------------------


def log_group_name(prefix: str) -> str:
    """EventBridge only targets log groups named under `/aws/events/`."""
    return f"/aws/events/{prefix}/event-log"


def producer_pattern(contracts: tuple[EventContract, ...]) -> dict[str, object]:
    """Exactly the (source, detail-type) pairs we subscribe to on one producer's bus, sorted."""
    pairs = sorted({(c.source, c.detail_type) for c in contracts})
    if len(pairs) == 1:
        return {"source": [pairs[0][0]], "detail-type": [pairs[0][1]]}
    return {"$or": [{"source": [s], "detail-type": [d]} for s, d in pairs]}


def producer_buses(contracts: Iterable[EventContract]) -> dict[str, tuple[EventContract, ...]]:
    """Producer bus -> the contracts put there that we subscribe to (ours excluded), each once, sorted by key."""
    found: dict[str, dict[str, EventContract]] = {}
    for contract in contracts:
        if contract.bus:
            found.setdefault(contract.bus, {})[contract.key] = contract
    return {bus: tuple(c for _, c in sorted(by_key.items())) for bus, by_key in sorted(found.items())}


def event_log_patterns(
    event_log: EventLogConfig | None, our_bus: str, subscribed: Iterable[EventContract]
) -> dict[str, dict[str, Any]]:
    """Bus -> the pattern of the one event-log rule on it: one rule on our bus, and one on each producer's
    bus we subscribe on when `producerBuses` is set; none without an event log. A rules-per-bus quota
    check adds these to the subscriptions' rules."""
    if event_log is None:
        return {}
    patterns: dict[str, dict[str, Any]] = {our_bus: dict(EVERY_EVENT)}
    if event_log.producer_buses:
        patterns.update({bus: producer_pattern(c) for bus, c in producer_buses(subscribed).items()})
    return patterns
