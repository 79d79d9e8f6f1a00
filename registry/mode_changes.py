"""A change of an event's compatibility mode is a contract change, judged like one.

Weakening (FULL_TRANSITIVE -> NONE) removes checks that consumers rely on:
the next version could then break them without a finding. It is an error
that spells out what the weaker mode would let through, and any version not
yet published is still checked under the recorded (stronger) mode, so the
breaking change it would hide is shown too. Strengthening is allowed only
when every published version already satisfies the new mode, checked over
the whole history. The recorded mode comes from the lock (`modes`, written
by `lock`) and, in a PR, from the base branch's event.json.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from registry.compat import MODES, check_history
from registry.compat.check import directions
from registry.findings import Finding
from registry.gate_rules import finding
from registry.model import EventContract, Registry

__all__ = ["mode_findings"]

_ALLOWS = {
    "backward": "a new version that cannot read data written with earlier versions "
    "(e.g. a new required field, a narrowed type), which breaks replaying archived events",
    "forward": "a new version whose data consumers on earlier versions cannot read "
    "(e.g. a removed or retyped field they read)",
}


def _scope(mode: str) -> tuple[frozenset[str], bool]:
    return frozenset(directions(mode)), mode.endswith("_TRANSITIVE")


def mode_findings(
    registry: Registry, recorded: Mapping[str, str], where: str, published: Collection[str]
) -> list[Finding]:
    """Findings for every event whose mode differs from the one recorded in `where` (the lock or a git ref)."""
    findings: list[Finding] = []
    for key, event in sorted(registry.events.items()):
        before = recorded.get(key)
        if before is None or before == event.compatibility or before not in MODES:
            continue
        old_dirs, old_transitive = _scope(before)
        new_dirs, new_transitive = _scope(event.compatibility)
        dropped = sorted(old_dirs - new_dirs)
        loses_history = old_transitive and not new_transitive and bool(new_dirs)
        if dropped or loses_history:
            findings.append(_weakened(event, before, dropped, loses_history, where))
            findings.extend(_unpublished_under(event, before, published))
        if (new_dirs - old_dirs) or (new_transitive and not old_transitive):
            findings.extend(_history_under(event, before))
    return findings


def _event_file(event: EventContract) -> str:
    return f"{event.directory}/event.json"


def _weakened(event: EventContract, before: str, dropped: list[str], loses_history: bool, where: str) -> Finding:
    allowed = [_ALLOWS[d] for d in dropped]
    if loses_history:
        last = len(event.versions)
        allowed.append(
            f"a new version checked only against v{last}, not against v1..v{max(last - 1, 1)} "
            "that consumers may still read"
        )
    return finding(
        "COMPATIBILITY_MODE_WEAKENED",
        _event_file(event),
        "/compatibility",
        f"{event.key}: compatibility weakened from {before} (recorded in {where}) to {event.compatibility}; "
        "it would allow " + "; and ".join(allowed),
        old=before,
        new=event.compatibility,
    )


def _unpublished_under(event: EventContract, mode: str, published: Collection[str]) -> list[Finding]:
    """New versions checked under the recorded mode: the breaking change the weakening would let through."""
    findings: list[Finding] = []
    for version in event.versions[1:]:
        if f"{event.key}/v{version.number}" in published:
            continue
        history = [(v.path, v.schema) for v in event.versions[: version.number]]
        findings.extend(check_history(history, mode))
    return findings


def _history_under(event: EventContract, before: str) -> list[Finding]:
    """Every version against its history under the new, stronger mode."""
    broken: list[Finding] = []
    for version in event.versions[1:]:
        history = [(v.path, v.schema) for v in event.versions[: version.number]]
        broken.extend(check_history(history, event.compatibility))
    if not broken:
        return []
    pairs = sorted({f"{f.file}: {f.rule_id}" for f in broken})
    summary = finding(
        "COMPATIBILITY_MODE_HISTORY_INCOMPATIBLE",
        _event_file(event),
        "/compatibility",
        f"{event.key}: {event.compatibility} (was {before}) does not hold for the published history: "
        + "; ".join(pairs[:5])
        + (f"; and {len(pairs) - 5} more" if len(pairs) > 5 else ""),
        old=before,
        new=event.compatibility,
    )
    return [summary, *broken]
