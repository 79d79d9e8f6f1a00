"""Recorded traffic replayed through a routing change: what each subscription gains and loses.

"What would this filter change have delivered last week?" Every recorded
event (read by `registry.recorded`, the one reader) goes through the shared
routing machine of the working tree and, when a base git ref is given, of the
base's subscriptions; per subscription the report counts the events each side
delivers and lists samples of those gained and lost. Used by
`route --events` and by the PR report (over `contracts/evidence/` and any
recorded files given to `check`).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.contract_layout import EVIDENCE_DIR
from registry.errors import EventplaneError
from registry.model import Registry, Subscription
from registry.recorded import RECORDED_SUFFIXES, BadLine, RecordedEvent
from registry.routing.deliveries import SubscriptionRoutes

__all__ = [
    "SAMPLES",
    "Replay",
    "SubscriptionReplay",
    "evidence_paths",
    "registry_at",
    "replay",
    "routes_of",
]

SAMPLES = 3


@dataclass
class SubscriptionReplay:
    """One subscription over the recorded events: deliveries per side, and samples (`file:line id`) of the difference."""

    subscription: str
    head: int = 0
    base: int = 0
    gained: int = 0
    lost: int = 0
    gained_samples: list[str] = field(default_factory=list)
    lost_samples: list[str] = field(default_factory=list)
    in_head: bool = True
    in_base: bool = True

    @property
    def changed(self) -> bool:
        return bool(self.gained or self.lost)

    def to_json(self) -> dict[str, Any]:
        return {
            "subscription": self.subscription,
            "delivered": self.head if self.in_head else None,
            "delivered_base": self.base if self.in_base else None,
            "gained": self.gained,
            "lost": self.lost,
            "gained_samples": self.gained_samples,
            "lost_samples": self.lost_samples,
        }


@dataclass
class Replay:
    events: int
    unrouted: int  # events no subscription of either side receives
    bad: list[BadLine]
    subscriptions: list[SubscriptionReplay]
    compared: bool  # a base side was given

    @property
    def changed(self) -> list[SubscriptionReplay]:
        return [s for s in self.subscriptions if s.changed]

    def to_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "unrouted": self.unrouted,
            "unreadable": [{"where": b.where, "reason": b.reason} for b in self.bad],
            "subscriptions": [s.to_json() for s in self.subscriptions],
        }


def routes_of(registry: Registry, enabled: Iterable[str] | None = None) -> SubscriptionRoutes:
    """The routing machine of a registry's subscriptions (only `enabled` ids when given)."""
    keep = None if enabled is None else set(enabled)
    subs: list[Subscription] = [s for s in registry.subscriptions if keep is None or s.id in keep]
    return SubscriptionRoutes(subs, registry.events)


def replay(
    records: Iterable[RecordedEvent | BadLine], head: SubscriptionRoutes, base: SubscriptionRoutes | None = None
) -> Replay:
    """Route every recorded event through `head` (and `base`); per subscription, counts and samples."""
    order = list(dict.fromkeys(head.order + (base.order if base else [])))
    rows = {
        s: SubscriptionReplay(s, in_head=s in head.order, in_base=base is not None and s in base.order) for s in order
    }
    events = unrouted = 0
    bad: list[BadLine] = []
    for record in records:
        if isinstance(record, BadLine):
            bad.append(record)
            continue
        events += 1
        envelope = dict(record.envelope)
        now = set(head.delivered(envelope))
        before = set(base.delivered(envelope)) if base is not None else now
        if not now and not before:
            unrouted += 1
            continue
        sample = f"{record.where} {envelope.get('id', '')}".rstrip()
        for sid in now | before:
            row = rows[sid]
            if sid in now:
                row.head += 1
            if sid in before:
                row.base += 1
            if sid in now and sid not in before:
                row.gained += 1
                if len(row.gained_samples) < SAMPLES:
                    row.gained_samples.append(sample)
            elif sid in before and sid not in now:
                row.lost += 1
                if len(row.lost_samples) < SAMPLES:
                    row.lost_samples.append(sample)
    return Replay(events, unrouted, bad, list(rows.values()), base is not None)


def evidence_paths(contracts: Path) -> list[Path]:
    """The recorded-event files under the committed evidence folder (none when it is absent); its
    SOURCES.md / README.md files are provenance, not events."""
    folder = contracts / EVIDENCE_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in RECORDED_SUFFIXES)


@contextmanager
def registry_at(ref: str, contracts: Path, *, strict: bool = True) -> Iterator[tuple[Registry | None, Path | None]]:
    """(registry, contracts folder) as they are on git ref `ref`, extracted to a temp dir for the block's duration.

    The folder is None when the ref has none, the registry None when it does
    not load either (then everything in the head counts as new); UsageError
    when `ref` is no commit (`strict`)."""
    from registry.gate import checkout_to, verify_ref
    from registry.loader import load_registry

    if strict:
        verify_ref(ref, contracts)
    try:
        extracted: Path | None = checkout_to(ref, contracts)
    except subprocess.CalledProcessError:
        extracted = None
    directory = extracted
    try:
        registry = None
        if directory is not None and not (directory / "events").is_dir():
            directory = None
        if directory is not None:
            try:
                registry = load_registry(directory, display_root=directory.parent)
            except EventplaneError:
                registry = None
        yield registry, directory
    finally:
        if extracted is not None:
            top = next((p for p in extracted.parents if p.name.startswith("eventplane-base-")), None)
            if top is not None:
                shutil.rmtree(top, ignore_errors=True)


def render_text(result: Replay, against: str | None) -> str:
    """The terminal view: per subscription delivered counts and, against a base, gained and lost."""
    lines = [
        f"{result.events} recorded event(s)"
        + (f", {len(result.bad)} unreadable line(s)" if result.bad else "")
        + (f", {result.unrouted} reach no subscription" if result.unrouted else "")
    ]
    for b in result.bad[:SAMPLES]:
        lines.append(f"  unreadable {b.where}: {b.reason}")
    if not result.subscriptions:
        lines.append("no subscription to route to")
    for row in result.subscriptions:
        if not against:
            lines.append(f"  {row.subscription}: {row.head} delivered")
            continue
        if not row.in_base:
            state = f"new: {row.head} delivered"
        elif not row.in_head:
            state = f"removed: {row.base} delivered on {against}"
        else:
            state = f"{row.base} -> {row.head} delivered"
        lines.append(f"  {row.subscription}: {state}, +{row.gained} gained, -{row.lost} lost")
        for label, samples in (("gained", row.gained_samples), ("lost", row.lost_samples)):
            for s in samples:
                lines.append(f"      {label} {s}")
    if against:
        lines.append(f"{len(result.changed)} subscription(s) change what they receive compared with {against}")
    return "\n".join(lines)
