"""The pull-request report: what a change does to events, subscribers and stacks, in Markdown.

A reviewer needs four answers in one comment: is it safe to merge; what
changed per event and subscription; who consumes what changed (teams and
subscription ids, with the reason); and what each stack's plan would add,
change or remove compared with the base branch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from registry.compat import diff_schemas
from registry.errors import EventplaneError
from registry.findings import Finding, Report, Severity
from registry.model import EventContract, Registry, Subscription
from registry.reads import reads_summary
from registry.recorded import iter_recorded
from registry.replay import SAMPLES, Replay, evidence_paths, registry_at, replay, routes_of
from registry.routing.deliveries import SubscriptionRoutes

__all__ = [
    "Affected",
    "EventChange",
    "ResourceChange",
    "SubscriptionChange",
    "affected_subscribers",
    "diff_plans",
    "event_changes",
    "filter_fields",
    "markdown_report",
    "render_pr_report",
    "stack_plans",
    "subscription_changes",
]


class _Resource(Protocol):
    @property
    def urn(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...


class _Plan(Protocol):
    """What `registry.offline_plan.Plan` carries that the report reads (read-only: plans are frozen)."""

    @property
    def stack(self) -> str: ...
    @property
    def resources(self) -> Sequence[_Resource]: ...


@dataclass(frozen=True)
class EventChange:
    key: str
    status: str  # "added", "removed", "changed"
    added: tuple[int, ...]
    edited: tuple[int, ...]
    removed: tuple[int, ...]
    facts: tuple[tuple[str, Any, Any], ...]  # event.json fields changed: (name, old, new)
    touched: tuple[str, ...]  # dotted detail fields whose schema changed (data.amount)


@dataclass(frozen=True)
class SubscriptionChange:
    id: str
    status: str  # "added", "removed", "changed"
    fields: tuple[str, ...]  # which parts changed: event, versions, filter, delivery, ...


@dataclass(frozen=True)
class Affected:
    subscription: str
    team: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    name: str
    action: str  # "add", "change", "remove"
    inputs: tuple[str, ...]  # the inputs that differ (change only)


_FACTS = (
    "source",
    "detail_type",
    "owner",
    "service",
    "action",
    "compatibility",
    "external",
    "dedupe_key",
    "description",
)


def event_changes(base: Registry | None, head: Registry) -> list[EventChange]:
    before = dict(base.events) if base else {}
    out: list[EventChange] = []
    for key in sorted(set(before) | set(head.events)):
        old, new = before.get(key), head.events.get(key)
        if new is None:  # the key came from the base, so the event was removed
            out.append(EventChange(key, "removed", (), (), tuple(v.number for v in before[key].versions), (), ()))
            continue
        if old is None:
            out.append(EventChange(key, "added", tuple(v.number for v in new.versions), (), (), (), ()))
            continue
        old_v = {v.number: v for v in old.versions}
        new_v = {v.number: v for v in new.versions}
        added = tuple(sorted(set(new_v) - set(old_v)))
        removed = tuple(sorted(set(old_v) - set(new_v)))
        edited = tuple(n for n in sorted(set(old_v) & set(new_v)) if old_v[n].fingerprint != new_v[n].fingerprint)
        facts = tuple((f, getattr(old, f), getattr(new, f)) for f in _FACTS if getattr(old, f) != getattr(new, f))
        if added or removed or edited or facts:
            touched = _touched_fields(old, new, added, edited)
            out.append(EventChange(key, "changed", added, edited, removed, facts, touched))
    return out


def _touched_fields(
    old: EventContract, new: EventContract, added: tuple[int, ...], edited: tuple[int, ...]
) -> tuple[str, ...]:
    """Fields whose schema differs: an edited version against itself on the base, a new one against its predecessor."""
    pairs = [(old.version(n).schema, new.version(n).schema) for n in edited]
    for n in added:
        previous = new.version(n - 1) if n > 1 else None
        if previous is not None:
            pairs.append((previous.schema, new.version(n).schema))
    fields: set[str] = set()
    for before, after in pairs:
        for change in diff_schemas(before, after):
            path = _dotted(change.path)
            if path:
                fields.add(path)
    return tuple(sorted(fields))


def _dotted(confluent_path: str) -> str:
    """`#/properties/data/properties/amount/type` -> `data.amount` (the property names along the path)."""
    parts = confluent_path.lstrip("#/").split("/")
    names = [parts[i + 1] for i in range(len(parts) - 1) if parts[i] == "properties"]
    return ".".join(names)


def filter_fields(pattern: Mapping[str, Any] | None, prefix: str = "") -> set[str]:
    """Dotted fields a pattern or filter policy (on `detail`) matches on; `$or` branches included."""
    fields: set[str] = set()
    for key, value in (pattern or {}).items():
        if key == "$or" and isinstance(value, list):
            for branch in value:
                if isinstance(branch, Mapping):
                    fields |= filter_fields(branch, prefix)
        elif isinstance(value, Mapping):
            fields |= filter_fields(value, f"{prefix}{key}.")
        else:
            fields.add(prefix + key)
    return fields


def subscription_changes(base: Registry | None, head: Registry) -> list[SubscriptionChange]:
    """By subscription id; a subscription reading every version (the default) does not change when one is added."""
    before = {s.id: s for s in base.subscriptions} if base else {}
    after = {s.id: s for s in head.subscriptions}
    reads_all = {s.id for s in before.values() if base and _reads_all(s, base)} & {
        s.id for s in after.values() if _reads_all(s, head)
    }
    out: list[SubscriptionChange] = []
    for sid in sorted(set(before) | set(after)):
        old, new = before.get(sid), after.get(sid)
        if old is None or new is None:
            out.append(SubscriptionChange(sid, "added" if old is None else "removed", ()))
            continue
        fields = tuple(
            f
            for f in ("event", "versions", "filter", "delivery", "description", "receives", "ignores")
            if _json(getattr(old, f)) != _json(getattr(new, f)) and not (f == "versions" and sid in reads_all)
        )
        if fields:
            out.append(SubscriptionChange(sid, "changed", fields))
    return out


def _reads_all(sub: Subscription, registry: Registry) -> bool:
    event = registry.events.get(sub.event)
    return event is not None and sub.versions == tuple(v.number for v in event.versions)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=lambda o: getattr(o, "__dict__", str(o)))


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def affected_subscribers(base: Registry | None, head: Registry, report: Report) -> list[Affected]:
    """Every subscription whose event, own definition or filter a change touches, or that a finding names."""
    events = {c.key: c for c in event_changes(base, head)}
    subs = {c.id: c for c in subscription_changes(base, head)}
    before = {s.id: s for s in (base.subscriptions if base else ())}
    everyone = {**before, **{s.id: s for s in head.subscriptions}}
    out: list[Affected] = []
    for sid in sorted(everyone):
        sub = everyone[sid]
        reasons: list[str] = []
        if sid in subs:
            change = subs[sid]
            reasons.append(
                f"subscription {change.status}" + (f" ({', '.join(change.fields)})" if change.fields else "")
            )
        event = events.get(sub.event)
        if event is not None:
            reasons += _event_reasons(sub, before.get(sid, sub), event)
            reasons += _correction_reasons(before.get(sid, sub), head, event)
        for f in _findings_of(sub, report):
            reasons.append(f"finding {f.rule_id}")
        if reasons:
            out.append(Affected(sid, sub.team, tuple(dict.fromkeys(reasons))))
    return out


def _event_reasons(sub: Subscription, was: Subscription, change: EventChange) -> list[str]:
    """`was` is the subscription on the base: edited or removed versions hurt what consumers read before."""
    reasons: list[str] = []
    if change.status != "changed":
        return [f"event {sub.event} {change.status}"]
    if change.added:
        reasons.append(f"{sub.event} gains {_versions(change.added)}")
    read = set(was.versions)
    for label, numbers in (("edited", change.edited), ("removed", change.removed)):
        hit = [n for n in numbers if n in read]
        if hit:
            reasons.append(f"reads {_versions(tuple(hit))} of {sub.event}, {label}")
    if change.facts:
        reasons.append(f"{sub.event} event.json changed ({', '.join(f for f, _, _ in change.facts)})")
    touched = sorted(f for f in filter_fields(sub.filter) if any(_overlaps(f, t) for t in change.touched))
    if touched:
        reasons.append(f"filter field(s) {', '.join(touched)} changed in the schema")
    read_fields = sorted(f for f in sub.reads if any(_overlaps(f, t) for t in change.touched))
    if read_fields:
        reasons.append(f"read field(s) {', '.join(read_fields)} changed in the schema (reads {reads_summary(sub)})")
    return reasons


def _correction_reasons(was: Subscription, head: Registry, change: EventChange) -> list[str]:
    """A version added as a correction (registry.correction) of a version this subscriber reads."""
    contract = head.events.get(was.event)
    if contract is None:
        return []
    return [
        f"reads {_versions(hit)} of {was.event}, which v{c.version} corrects: {c.reason}"
        for c in contract.corrections
        if c.version in change.added
        for hit in [tuple(n for n in c.corrects if n in was.versions)]
        if hit
    ]


def _findings_of(sub: Subscription, report: Report) -> list[Finding]:
    return [
        f
        for f in report.sorted()
        if f.file == sub.file and (f.pointer == sub.pointer or f.pointer.startswith(sub.pointer + "/"))
    ]


def _versions(numbers: Iterable[int]) -> str:
    return ", ".join(f"v{n}" for n in numbers)


def diff_plans(base: _Plan | None, head: _Plan | None) -> list[ResourceChange]:
    """Resources by URN: added, removed, or changed inputs (compared as JSON)."""
    old = {r.urn: r for r in (base.resources if base else ())}
    new = {r.urn: r for r in (head.resources if head else ())}
    out: list[ResourceChange] = []
    for urn in sorted(set(old) | set(new)):
        a, b = old.get(urn), new.get(urn)
        if a is None and b is not None:
            out.append(ResourceChange(urn, b.type, b.name, "add", ()))
        elif b is None and a is not None:
            out.append(ResourceChange(urn, a.type, a.name, "remove", ()))
        elif a is not None and b is not None:
            keys = sorted(k for k in set(a.inputs) | set(b.inputs) if _json(a.inputs.get(k)) != _json(b.inputs.get(k)))
            if keys:
                out.append(ResourceChange(urn, b.type, b.name, "change", tuple(keys)))
    return out


def stack_plans(
    root: Path,
    stacks: Sequence[str],
    base_contracts: Path | None,
    head_contracts: Path,
    planner: Callable[..., _Plan] | None = None,
) -> dict[str, tuple[_Plan | None, _Plan | None]]:
    """(base, head) plan per stack: the head's program run on each side's contracts.

    Running the head's program on the base contracts isolates what the
    contract change does to each stack (the base's own program would import
    modules clashing with the head's). A side that cannot be planned (its
    gate rejects, bad config) is None and the report says so.
    """
    if planner is None:
        from registry.offline_plan import plan_stack  # imports pulumi: only when plans are asked for

        planner = plan_stack

    def plan(stack: str, contracts: Path | None) -> _Plan | None:
        if contracts is None:
            return None
        try:
            return planner(stack, root, contracts=contracts)
        except EventplaneError:
            return None

    return {stack: (plan(stack, base_contracts), plan(stack, head_contracts)) for stack in stacks}


def markdown_report(
    head: Registry | None,
    report: Report,
    contracts: Path,
    against: str | None,
    root: Path,
    stacks: Sequence[str] | None = None,
    planner: Callable[..., _Plan] | None = None,
    *,
    recorded: Sequence[Path] | None = None,
) -> str:
    """`check --format markdown`: the gate's result as a PR comment, compared with git ref `against`.

    Recorded traffic (the committed `contracts/evidence/`, plus `recorded`
    files) is replayed through both sides' subscriptions when filters change.

    `head` is None when the contract files could not be loaded: the comment
    then lists the load findings, since nothing else can be compared.
    """
    if head is None:
        return "\n".join(
            [
                "## Eventplane contract report",
                "",
                "**Not safe to merge**: the contract files could not be loaded. Every finding is listed below.",
                "",
                *_findings_table(report.sorted()),
                "",
            ]
        )
    if stacks is None:
        from registry.stack_config import known_stacks

        stacks = known_stacks(root)
    if against is None:
        return render_pr_report(None, head, report, stack_plans(root, stacks, None, contracts, planner), None)
    with registry_at(against, contracts, strict=False) as (base, base_dir):
        plans = stack_plans(root, stacks, base_dir if base is not None else None, contracts, planner)
        traffic = None
        if _routing_changes(subscription_changes(base, head)):  # read recorded events only when they can differ
            paths = [*evidence_paths(contracts), *(recorded or ())]
            records = iter_recorded(paths) if paths else iter(())
            traffic = replay(records, routes_of(head), routes_of(base) if base else SubscriptionRoutes([], {}))
        return render_pr_report(base, head, report, plans, traffic)


def _routing_changes(subs: Sequence[SubscriptionChange]) -> list[SubscriptionChange]:
    """Subscriptions added, removed, or whose event, versions, filter or delivery changed: what they receive may differ."""
    return [c for c in subs if c.status != "changed" or {"event", "versions", "filter", "delivery"} & set(c.fields)]


def _findings_table(findings: Sequence[Finding]) -> list[str]:
    return _table(
        ["severity", "rule", "where", "what", "old -> new", "breaking event", "fix"],
        (
            [
                f.severity,
                f"`{f.rule_id}`",
                f.file + (f"#{f.pointer}" if f.pointer else ""),
                f.message,
                "-" if f.old is None and f.new is None else f"{_cell(f.old, 120)} -> {_cell(f.new, 120)}",
                _counterexample_cell(f.example),
                f.hint or "-",
            ]
            for f in findings
        ),
    )


def _counterexample_cell(example: Any) -> str:
    """The counterexample as a team reads it: the event, and where (and by which version) it is rejected."""
    if not isinstance(example, dict):
        return "-"
    event = _cell(example.get("event"), 200).replace("`", "'")
    where = example.get("instance_pointer") or "/"
    return f"`{event}` rejected at `{where}` by `{example.get('rejected_by')}`"


def _cell(value: Any, limit: int = 0) -> str:
    """A table cell on one line, HTML-escaped; `limit` shortens values (schemas) that would drown the table."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    if limit and len(text) > limit:
        text = text[: limit - 3] + "..."
    text = text.replace("&", "&amp;").replace("<", "&lt;")  # `<domain>/<Event>` is not a tag; a lone ">" opens none
    return text.replace("|", "\\|").replace("\n", " ") or " "


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def render_pr_report(
    base: Registry | None,
    head: Registry,
    gate_report: Report,
    plans: Mapping[str, tuple[_Plan | None, _Plan | None]] | None,
    traffic: Replay | None = None,
) -> str:
    """Markdown for a PR comment; `plans` maps a stack to its (base, head) plans, None when it could not run;
    `traffic` is recorded events replayed through the base's and the head's subscriptions."""
    events = event_changes(base, head)
    subs = subscription_changes(base, head)
    findings = sorted(gate_report.sorted(), key=lambda f: f.severity != Severity.ERROR)  # errors first, order kept
    errors = gate_report.errors
    out: list[str] = ["## Eventplane contract report", ""]
    if gate_report.ok:
        out += [
            "**Safe to merge**: every change is compatible and the gate found no errors"
            + (f" ({len(findings)} warning(s) below)." if findings else "."),
            "",
        ]
    else:
        out += [
            (
                f"**Not safe to merge**: the gate rejects this change with {len(errors)} error(s). "
                "Every finding is listed below with its fix."
            ),
            "",
        ]
    out += ["### Events", ""]
    if events:
        out += _table(
            [
                "event",
                "status",
                "versions added",
                "versions edited",
                "versions removed",
                "event.json changes",
                "schema fields touched",
            ],
            (
                [
                    c.key,
                    c.status,
                    _versions(c.added) or "-",
                    _versions(c.edited) or "-",
                    _versions(c.removed) or "-",
                    "; ".join(f"{f}: {_cell(o, 80)} -> {_cell(n, 80)}" for f, o, n in c.facts) or "-",
                    ", ".join(c.touched) or "-",
                ]
                for c in events
            ),
        )
    else:
        out.append("No event changed.")
    out += ["", "### Subscriptions", ""]
    if subs:
        out += _table(
            ["subscription", "status", "what changed"], ([c.id, c.status, ", ".join(c.fields) or "-"] for c in subs)
        )
    else:
        out.append("No subscription changed.")
    out += ["", "### Findings", ""]
    if findings:
        out += _findings_table(findings)
    else:
        out.append("None: every new version is compatible under its event's mode and every filter still fits.")
    affected = affected_subscribers(base, head, gate_report)
    out += ["", "### Affected subscribers", ""]
    if affected:
        out += _table(
            ["subscription", "team", "why"], ([a.subscription, a.team, "; ".join(a.reasons)] for a in affected)
        )
    else:
        out.append("No subscriber is affected.")
    routing = _routing_changes(subs)
    if routing and traffic is not None:
        out += ["", "### Recorded traffic through the changed routing", ""]
        out += _traffic(traffic, routing)
    out += ["", "### Plan versus the base branch", ""]
    out += _plans(plans)
    return "\n".join(out) + "\n"


def _traffic(traffic: Replay, routing: Sequence[SubscriptionChange]) -> list[str]:
    """Per subscription whose routing changed (and any other whose deliveries differ): gained and lost events."""
    if not traffic.events:
        return [
            (
                "No recorded events to replay: commit producers' events under `contracts/evidence/` "
                "or pass `check --events FILE|DIR`."
            )
        ]
    changed = {c.id for c in routing}
    rows = [r for r in traffic.subscriptions if r.subscription in changed or r.changed]
    head = [
        f"{traffic.events} recorded event(s) routed through the base and the head subscriptions"
        + (f" ({len(traffic.bad)} unreadable line(s) skipped)" if traffic.bad else "")
        + ".",
        "",
    ]
    return head + _table(
        ["subscription", "delivered (base -> head)", "gained", "lost", f"samples (first {SAMPLES})"],
        (
            [
                r.subscription,
                f"{r.base if r.in_base else '-'} -> {r.head if r.in_head else '-'}",
                f"+{r.gained}",
                f"-{r.lost}",
                "; ".join([*(f"+ {s}" for s in r.gained_samples), *(f"- {s}" for s in r.lost_samples)]) or "-",
            ]
            for r in rows
        ),
    )


def _plans(plans: Mapping[str, tuple[_Plan | None, _Plan | None]] | None) -> list[str]:
    if not plans:
        return ["No stack was planned."]
    out: list[str] = []
    for stack in sorted(plans):
        base, head = plans[stack]
        out.append(f"#### Stack `{stack}`")
        out.append("")
        if head is None:
            out += ["The head plan could not be computed (see the gate findings).", ""]
            continue
        changes = diff_plans(base, head)
        counts = {a: sum(1 for c in changes if c.action == a) for a in ("add", "change", "remove")}
        note = " (no base plan: everything is new)" if base is None else ""
        out.append(f"{counts['add']} to add, {counts['change']} to change, {counts['remove']} to remove{note}.")
        if changes:
            out += [
                "",
                *_table(
                    ["action", "type", "name", "inputs changed"],
                    ([c.action, c.type, c.name, ", ".join(c.inputs) or "-"] for c in changes),
                ),
            ]
        out.append("")
    return out
