"""Recorded events checked against the contracts: which versions accept what producers really sent.

A contract is only as true as the events it was checked against. `conform`
takes events as real traffic leaves them (read by `registry.recorded`, the one
reader) and says, per event, the contract it belongs to (by source and
detail-type, whatever bus carried it), which versions accept it and, for each
version that rejects it, the first failing JSON pointer and why. The gate runs
the same logic over committed evidence (`registry.evidence`), and `infer`
reuses `accepting_versions`.

Schemas are compiled once per version fingerprint with the loader's
`schema_validator` (fastjsonschema), so a million events cost one compile per
version, not one per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import fastjsonschema

from registry.loader import describe_value_error, schema_validator
from registry.model import EventContract, Registry, SchemaVersion
from registry.recorded import BadLine, RecordedEvent

__all__ = [
    "ConformReport",
    "ContractIndex",
    "Group",
    "Keep",
    "Verdict",
    "VersionRejection",
    "accepting_versions",
    "conform",
    "contract_index",
    "first_rejection",
    "judge",
]

Keep = Literal["all", "failing", "none"]
_VALIDATORS: dict[str, Callable[[Any], Any]] = {}  # version fingerprint -> compiled validator
_BY_CONTRACT: dict[tuple[str, ...], list[tuple[int, Callable[[Any], Any]]]] = {}  # fingerprints -> (number, validator)


@dataclass(frozen=True)
class VersionRejection:
    """Why one version rejects an event: the first failing pointer (into the envelope) and the reason."""

    version: int
    pointer: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    """One recorded event against its contract (or the lack of one)."""

    where: str  # file:line
    source: str
    detail_type: str
    event: str  # contract key, "" when no contract has this source and detail-type
    accepted: tuple[int, ...] = ()
    rejected: tuple[VersionRejection, ...] = ()
    latest: int = 0  # the contract's latest version number

    @property
    def ok(self) -> bool:
        """Accepted by the contract's latest version (an event without a contract is not judged here)."""
        return not self.event or self.latest in self.accepted

    def to_json(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "source": self.source,
            "detail-type": self.detail_type,
            "event": self.event or None,
            "accepted": list(self.accepted),
            "rejected": [{"version": r.version, "pointer": r.pointer, "reason": r.reason} for r in self.rejected],
            "ok": self.ok,
        }


@dataclass
class Group:
    """Events of one type failing one way (or not failing): a count and the first one seen."""

    count: int
    sample: str  # file:line of the first event in the group


def _version_validator(version: SchemaVersion) -> Callable[[Any], Any]:
    validate = _VALIDATORS.get(version.fingerprint)
    if validate is None:
        validate = _VALIDATORS[version.fingerprint] = schema_validator(version.schema)
    return validate


def first_rejection(version: SchemaVersion, detail: Any) -> VersionRejection | None:
    """None when `version` accepts `detail`, else its first failing pointer (as `/detail/...`) and why."""
    try:
        _version_validator(version)(detail)
    except fastjsonschema.JsonSchemaValueException as exc:
        pointer, reason = describe_value_error(exc)
        return VersionRejection(version.number, "/detail" + pointer, reason)
    return None


def _validators(contract: EventContract) -> list[tuple[int, Callable[[Any], Any]]]:
    """The contract's versions compiled, looked up once per contract (a hot path: once per event)."""
    key = tuple(v.fingerprint for v in contract.versions)
    found = _BY_CONTRACT.get(key)
    if found is None:
        found = _BY_CONTRACT[key] = [(v.number, _version_validator(v)) for v in contract.versions]
    return found


def accepting_versions(contract: EventContract, detail: Any) -> tuple[tuple[int, ...], tuple[VersionRejection, ...]]:
    """The versions of `contract` that accept `detail`, and for each other version its first failure."""
    accepted: list[int] = []
    rejected: list[VersionRejection] = []
    for number, validate in _validators(contract):
        try:
            validate(detail)
        except fastjsonschema.JsonSchemaValueException as exc:
            pointer, reason = describe_value_error(exc)
            rejected.append(VersionRejection(number, "/detail" + pointer, reason))
        else:
            accepted.append(number)
    return tuple(accepted), tuple(rejected)


ContractIndex = Mapping[tuple[str, str], EventContract]


def contract_index(registry: Registry) -> dict[tuple[str, str], EventContract]:
    """Contracts by (source, detail-type): how an envelope finds its contract on any bus."""
    return {(c.source, c.detail_type): c for c in registry.events.values()}


def judge(event: RecordedEvent, index: ContractIndex) -> Verdict:
    """One envelope against the contract its source and detail-type name."""
    envelope = event.envelope
    source, detail_type = str(envelope.get("source")), str(envelope.get("detail-type"))
    contract = index.get((source, detail_type))
    if contract is None:
        return Verdict(event.where, source, detail_type, "")
    accepted, rejected = accepting_versions(contract, envelope["detail"])
    return Verdict(event.where, source, detail_type, contract.key, accepted, rejected, contract.latest.number)


@dataclass
class ConformReport:
    """Every verdict's summary: counts by event type and by failing pointer, unknown types, bad lines."""

    latest: Mapping[str, int] = field(default_factory=dict)  # event key -> its latest version number
    keep: Keep = "all"  # which verdicts to keep: "all", "failing" (not accepted by the latest) or "none"
    verdicts: list[Verdict] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)
    total: int = 0
    accepted_by_latest: dict[str, Group] = field(default_factory=dict)  # event key -> group
    # (event key, version, pointer, reason) -> group; the latest version's failures decide the exit code
    failures: dict[tuple[str, int, str, str], Group] = field(default_factory=dict)
    unknown: dict[tuple[str, str], Group] = field(default_factory=dict)  # (source, detail-type) -> group

    def add(self, verdict: Verdict) -> None:
        self.total += 1
        if self.keep == "all" or (self.keep == "failing" and not verdict.ok):
            self.verdicts.append(verdict)
        if not verdict.event:
            _count(self.unknown, (verdict.source, verdict.detail_type), verdict.where)
            return
        if verdict.ok:
            _count(self.accepted_by_latest, verdict.event, verdict.where)
        for rejection in verdict.rejected:
            _count(
                self.failures, (verdict.event, rejection.version, rejection.pointer, rejection.reason), verdict.where
            )

    @property
    def rejected_by_latest(self) -> int:
        return sum(g.count for (key, version, _, _), g in self.failures.items() if version == self.latest.get(key))

    @property
    def exit_code(self) -> int:
        """2 when a line could not be read, 1 when an event with a contract fails its latest version, else 0."""
        if self.bad_lines:
            return 2
        return 1 if self.rejected_by_latest else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "events": self.total,
            "accepted_by_latest": {
                k: {"count": g.count, "sample": g.sample} for k, g in self.accepted_by_latest.items()
            },
            "failures": [
                {
                    "event": key,
                    "version": version,
                    "latest": version == self.latest.get(key),
                    "pointer": pointer,
                    "reason": reason,
                    "count": g.count,
                    "sample": g.sample,
                }
                for (key, version, pointer, reason), g in sorted(self.failures.items())
            ],
            "no_contract": [
                {"source": s, "detail-type": d, "count": g.count, "sample": g.sample}
                for (s, d), g in sorted(self.unknown.items())
            ],
            "bad_lines": [{"where": b.where, "reason": b.reason} for b in self.bad_lines],
            "verdicts": [v.to_json() for v in self.verdicts],
            "exit_code": self.exit_code,
        }


def _count(groups: dict[Any, Group], key: Any, where: str) -> None:
    group = groups.get(key)
    if group is None:
        groups[key] = Group(1, where)
    else:
        group.count += 1


def conform(registry: Registry, recorded: Iterable[RecordedEvent | BadLine], *, keep: Keep = "all") -> ConformReport:
    """Judge every recorded event; bad lines are collected, never fatal (the rest is still checked)."""
    index = contract_index(registry)
    latest = {key: contract.latest.number for key, contract in registry.events.items()}
    report = ConformReport(latest=latest, keep=keep)
    for item in recorded:
        if isinstance(item, BadLine):
            report.bad_lines.append(item)
        else:
            report.add(judge(item, index))
    return report
