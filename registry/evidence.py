"""Committed evidence: producers' real events, checked against their contracts in the gate.

`contracts/evidence/<domain>/<Event>/*.jsonl` holds envelopes reproducing what a
producer's code really emits (provenance in each folder's SOURCES.md). The gate
runs `conform` over them, so a contract whose latest version rejects its own
producer's events never passes again; the correction path
(`registry.correction`) reads the same verdicts as its proof.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from registry.conform import Verdict, contract_index, judge
from registry.contract_layout import EVIDENCE_DIR
from registry.errors import InputError
from registry.findings import Finding
from registry.gate_rules import finding
from registry.model import Registry
from registry.recorded import BadLine, iter_recorded

__all__ = ["Evidence", "check_evidence", "read_evidence"]


@dataclass(frozen=True)
class Evidence:
    """Every verdict on the evidence, by the contract folder it was filed under, and what could not be read."""

    verdicts: Mapping[str, tuple[Verdict, ...]]  # "<domain>/<Event>" folder -> verdicts of its events
    findings: tuple[Finding, ...]  # unreadable lines, unknown folders, events of no or another contract


def read_evidence(registry: Registry) -> Evidence:
    """Judge every evidence file against the registry (no evidence folder: nothing to judge)."""
    base = Path(registry.root) / EVIDENCE_DIR
    if not base.is_dir():
        return Evidence({}, ())
    index = contract_index(registry)
    verdicts: dict[str, tuple[Verdict, ...]] = {}
    findings: list[Finding] = []
    for folder in sorted(p for p in base.glob("*/*") if p.is_dir()):
        key = f"{folder.parent.name}/{folder.name}"
        if key not in registry.events:
            findings.append(
                finding(
                    "EVIDENCE_EVENT_UNKNOWN",
                    str(folder),
                    "",
                    f"evidence folder {key} names no contract",
                    hint="file evidence under contracts/evidence/<domain>/<Event>/ of an existing contract",
                )
            )
            continue
        judged: list[Verdict] = []
        try:
            items = list(iter_recorded([folder]))
        except InputError as exc:
            findings.append(finding("EVIDENCE_UNREADABLE", str(folder), "", exc.message, hint=exc.hint))
            continue
        for item in items:
            if isinstance(item, BadLine):
                findings.append(finding("EVIDENCE_UNREADABLE", item.file, "", f"line {item.line}: {item.reason}"))
                continue
            verdict = judge(item, index)
            if verdict.event != key:
                belongs = f"the contract {verdict.event}" if verdict.event else "no contract"
                findings.append(
                    finding(
                        "EVIDENCE_EVENT_UNKNOWN",
                        item.file,
                        "",
                        f"line {item.line}: {verdict.source} / {verdict.detail_type} belongs to {belongs}, "
                        f"not to {key}",
                    )
                )
                continue
            judged.append(verdict)
        verdicts[key] = tuple(judged)
    return Evidence(verdicts, tuple(findings))


def check_evidence(registry: Registry, evidence: Evidence) -> list[Finding]:
    """The evidence's own findings, and one per way the latest version rejects its producer's events."""
    findings = list(evidence.findings)
    for contract in sorted(registry.events.values(), key=lambda c: c.key):
        if contract.external and not evidence.verdicts.get(contract.key):
            findings.append(
                finding(
                    "EVIDENCE_MISSING",
                    str(Path(contract.directory) / "event.json"),
                    "/external",
                    f"{contract.key} is produced by a system we do not own and no evidence of what it really "
                    "sends is committed",
                )
            )
    for key, verdicts in sorted(evidence.verdicts.items()):
        latest = registry.events[key].latest
        groups: dict[tuple[str, str], list[Verdict]] = {}
        for verdict in verdicts:
            for rejection in verdict.rejected:
                if rejection.version == latest.number:
                    groups.setdefault((rejection.pointer, rejection.reason), []).append(verdict)
        for (pointer, reason), failing in sorted(groups.items()):
            findings.append(
                finding(
                    "EVIDENCE_REJECTED",
                    latest.path,
                    "",
                    f"v{latest.number} of {key} rejects {len(failing)} of its producer's real events at {pointer}: "
                    f"{reason} (e.g. {failing[0].where})",
                )
            )
    return findings
