"""The reviewed path for correcting a contract that never matched its producer.

Published versions never change, and a corrected type (an integer that was
really a string) is rarely compatible with the wrong version, so the ordinary
gate would block the fix. A team declares the new version as a correction in
event.json (`corrections: [{version, corrects, reason}]`). The gate allows it
only when committed evidence proves it: each corrected version rejects at least
one of the producer's real events and the correcting version accepts every one.
Then the corrected versions are left out of the new version's compatibility
check, and a CONTRACT_CORRECTED notice names the evidence, the differences and
every subscriber of a corrected version; never a silent override. Without such
evidence the correction is rejected (CORRECTION_WITHOUT_EVIDENCE) and the
ordinary compatibility findings stand.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from pathlib import Path

from registry.compat import check_compatibility
from registry.contract_layout import EVIDENCE_DIR
from registry.evidence import Evidence
from registry.findings import Finding
from registry.gate_rules import finding
from registry.model import Correction, EventContract, Registry

__all__ = ["Corrected", "judge_corrections"]

# (event key, correcting version) -> versions its compatibility check leaves out
Corrected = Mapping[tuple[str, int], frozenset[int]]


def judge_corrections(
    registry: Registry, evidence: Evidence, published: Set[str] = frozenset()
) -> tuple[list[Finding], dict[tuple[str, int], frozenset[int]]]:
    """Findings on every declared correction, and the proven ones (for the compatibility check).

    Every correction must stay proven by the evidence; the CONTRACT_CORRECTED notice is
    shown while the correcting version is unpublished (`published`: lock keys and the
    base branch's versions), i.e. in the change that introduces it.
    """
    findings: list[Finding] = []
    proven: dict[tuple[str, int], frozenset[int]] = {}
    for event in sorted(registry.events.values(), key=lambda e: e.key):
        for index, correction in enumerate(event.corrections):
            pointer = f"/corrections/{index}"
            problem = _invalid(event, correction)
            if problem:
                findings.append(finding("CORRECTION_INVALID", _event_file(event), pointer, problem))
                continue
            unproven = _unproven(event, correction, evidence, Path(registry.root) / EVIDENCE_DIR / event.key)
            if unproven:
                findings.append(finding("CORRECTION_WITHOUT_EVIDENCE", _event_file(event), pointer, unproven))
                continue
            proven[(event.key, correction.version)] = frozenset(correction.corrects)
            if f"{event.key}/v{correction.version}" not in published:
                findings.append(_notice(registry, event, correction, evidence, pointer))
    return findings, proven


def _event_file(event: EventContract) -> str:
    return str(Path(event.directory) / "event.json")


def _invalid(event: EventContract, correction: Correction) -> str:
    if correction.version > len(event.versions):
        return f"v{correction.version} does not exist (latest is v{event.latest.number})"
    later = [n for n in correction.corrects if n >= correction.version]
    if later:
        return f"v{correction.version} can only correct earlier versions, not {', '.join(f'v{n}' for n in later)}"
    return ""


def _unproven(event: EventContract, correction: Correction, evidence: Evidence, folder: Path) -> str:
    verdicts = evidence.verdicts.get(event.key, ())
    if not verdicts:
        return f"no committed evidence for {event.key} ({folder} is empty or missing): nothing shows v{_list(correction.corrects)} never matched the producer"
    refused = [v for v in verdicts if correction.version not in v.accepted]
    if refused:
        return f"v{correction.version} itself rejects {len(refused)} evidence event(s) (e.g. {refused[0].where})"
    for number in correction.corrects:
        if all(number in v.accepted for v in verdicts):
            return (
                f"v{number} accepts all {len(verdicts)} evidence event(s) of {event.key}: nothing shows it never "
                f"matched the producer, so v{correction.version} must be compatible with it"
            )
    return ""


def _list(numbers: tuple[int, ...]) -> str:
    return ", v".join(str(n) for n in numbers)


def _notice(
    registry: Registry, event: EventContract, correction: Correction, evidence: Evidence, pointer: str
) -> Finding:
    new = event.version(correction.version)
    verdicts = evidence.verdicts.get(event.key, ())
    parts: list[str] = []
    for number in correction.corrects:
        old = event.version(number)
        refused = [v for v in verdicts if number not in v.accepted]
        first = next(r for r in refused[0].rejected if r.version == number)
        changes = sorted(
            {
                f"{f.rule_id} at {f.pointer or '/'}"
                for f in check_compatibility(old.schema, new.schema, event.compatibility)
            }
        )
        readers = [s.id for s in registry.subscriptions_of(event.key) if number in s.versions]
        parts.append(
            f"v{number} rejected {len(refused)} of {len(verdicts)} real events (e.g. {refused[0].where} "
            f"{first.pointer}: {first.reason}); differences from v{number}: {', '.join(changes) or 'none'}; "
            f"subscribers reading v{number}: {', '.join(readers) or 'none'}"
        )
    return finding(
        "CONTRACT_CORRECTED",
        _event_file(event),
        pointer,
        f"v{correction.version} of {event.key} corrects v{_list(correction.corrects)} ({correction.reason}); "
        + "; ".join(parts)
        + f"; v{correction.version} accepts all {len(verdicts)}",
        old=[f"v{n}" for n in correction.corrects],
        new=f"v{correction.version}",
    )
