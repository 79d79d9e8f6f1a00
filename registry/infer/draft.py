"""From recorded events to draft contract files: a new contract, or the next version of one.

Pure apart from one temporary directory: each draft is run through the real
loader and gate (`load_with_findings` + `run_gate`) laid out as a contracts
root, so what `infer` proposes is what `check` will say of it.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema

from registry.contract_layout import EVIDENCE_DIR
from registry.errors import InputError, UsageError
from registry.findings import Finding, Report, Severity
from registry.gate import run_gate, version_key
from registry.infer.accept import Rejection, first_error
from registry.infer.examples import choose_examples
from registry.infer.schema import DRAFT_07, ID_NAME, infer_schema, widen
from registry.loader import LOCK_FILE_NAME, entry_size, load_with_findings, schema_validator
from registry.model import EventContract, Registry
from registry.recorded import RecordedEvent

__all__ = [
    "DOMAIN_RE",
    "EVENT_RE",
    "Draft",
    "SampleRejection",
    "draft_for",
    "group_samples",
    "infer_drafts",
    "suggest_key",
]

DOMAIN_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
EVENT_RE = re.compile(r"^[A-Z][A-Za-z0-9]{0,79}$")
# a draft is new by definition (`lock` comes after review); its samples are the evidence to commit next
_IGNORED_RULES = {"VERSION_UNLOCKED", "EVIDENCE_MISSING"}


@dataclass(frozen=True)
class SampleRejection:
    """A sample the contract's latest version rejects: where it was recorded, and why."""

    where: str
    version: int
    pointer: str
    message: str


@dataclass(frozen=True)
class Draft:
    key: str  # <domain>/<Event>
    source: str
    detail_type: str
    status: str  # "new" (no contract), "next-version", or "accepted" (the latest version takes every sample)
    samples: int
    files: Mapping[str, Any]  # path under the contracts root (events/<domain>/<Event>/...) -> JSON document
    mode: str  # the compatibility mode the draft was checked under
    rejected: tuple[SampleRejection, ...] = ()
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def compatible(self) -> bool:
        return not any(f.severity == Severity.ERROR for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.key,
            "source": self.source,
            "detail-type": self.detail_type,
            "status": self.status,
            "samples": self.samples,
            "mode": self.mode,
            "compatible": self.compatible,
            "rejected": [r.__dict__ for r in self.rejected],
            "findings": [f.to_json() for f in self.findings],
            "notes": list(self.notes),
            "files": dict(self.files),
        }


def group_samples(records: Iterable[RecordedEvent]) -> dict[tuple[str, str], list[RecordedEvent]]:
    """Samples by (source, detail-type), in input order; envelopes without string types are skipped."""
    groups: dict[tuple[str, str], list[RecordedEvent]] = {}
    for record in records:
        source, detail_type = record.envelope.get("source"), record.envelope.get("detail-type")
        if isinstance(source, str) and isinstance(detail_type, str) and source and detail_type:
            groups.setdefault((source, detail_type), []).append(record)
    return groups


def _pascal(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "".join(w[:1].upper() + w[1:] for w in words)


def _name_for(source: str, detail_type: str, registry: Registry, taken: set[str]) -> tuple[str, str]:
    """A (domain, Event) for a new type: the domain of contracts sharing its source, else from the source."""
    domains = sorted({c.domain for c in registry.events.values() if c.source == source})
    if source.startswith("aws."):
        domain, name = "aws", _pascal(source[4:]) + _pascal(detail_type)
    else:
        tail = re.sub(r"[^a-z0-9-]+", "-", source.rsplit(".", 1)[-1].lower()).strip("-")
        domain, name = tail, _pascal(detail_type.rsplit(".", 1)[-1])
    domain = domains[0] if domains else domain
    if not DOMAIN_RE.match(domain):
        domain = "events"
    if not EVENT_RE.match(name):
        name = "Event" + name
    base, n = name[:70], 2
    while f"{domain}/{name}" in taken:
        name, n = f"{base}{n}", n + 1
    return domain, name


def _owned_sources(registry: Registry) -> set[str]:
    return {c.source for c in registry.events.values() if not c.external}


def _is_ours(source: str, registry: Registry) -> bool:
    """Ours when one of our own contracts has this source or its organisation prefix (`com.example`)."""
    if source.startswith("aws."):
        return False
    owned = _owned_sources(registry)
    prefix = ".".join(source.split(".")[:2])
    return source in owned or any(".".join(s.split(".")[:2]) == prefix and "." in s for s in owned)


def _bus_for(source: str, registry: Registry) -> str:
    if source.startswith("aws."):
        return "default"  # AWS service events are delivered only to the default bus
    return next((c.bus for c in registry.events.values() if c.source == source and c.bus), "")


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and value != ""


def suggest_key(details: Sequence[Any]) -> list[str]:
    """A dedupe key: the idempotency key if every sample has one, else the most distinct id-like field
    that every sample carries (top level or one object down), else the envelope id."""
    if details and all(
        isinstance(d, dict) and isinstance(d.get("metadata"), dict) and _scalar(d["metadata"].get("idempotency-key"))
        for d in details
    ):
        return ["detail.metadata.idempotency-key"]
    candidates: dict[str, set[Any]] = {}
    first = details[0] if details and isinstance(details[0], dict) else {}
    paths = [(k,) for k in first] + [(k, k2) for k, v in first.items() if isinstance(v, dict) for k2 in v]
    for path in paths:
        if not ID_NAME.search(path[-1]):
            continue
        values = [_get(d, path) for d in details]
        if all(_scalar(v) for v in values):
            candidates[".".join(path)] = {json.dumps(v) for v in values}
    usable = {p: len(v) for p, v in candidates.items() if len(v) > 1 or len(details) == 1}
    if not usable:
        return ["id"]
    best = max(usable, key=lambda p: (usable[p], -p.count("."), -len(p)))
    return [f"detail.{best}"]


def _get(value: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _version_file(schema: Mapping[str, Any], examples: list[Any]) -> dict[str, Any]:
    """Keys in reading order: $schema, title, description, the schema, examples last."""
    head = {k: schema[k] for k in ("$schema", "title", "description") if k in schema}
    body = {k: v for k, v in schema.items() if k not in head and k != "examples"}
    return {**head, **body, "examples": examples}


def _examples(schema: Mapping[str, Any], details: Sequence[Any], source: str, detail_type: str) -> list[Any]:
    validate = schema_validator(dict(schema))

    def accepts(detail: Any) -> bool:
        try:
            validate(detail)
            return True
        except fastjsonschema.JsonSchemaValueException:  # the redacted form broke a format
            return False

    return choose_examples(details, accepts, size_of=lambda d: entry_size(source, detail_type, d))


def _where(records: Sequence[RecordedEvent]) -> str:
    files = sorted({r.file for r in records})
    return files[0] if len(files) == 1 else f"{len(files)} files"


def _new_draft(key: str, source: str, detail_type: str, records: Sequence[RecordedEvent], registry: Registry) -> Draft:
    details = [r.envelope["detail"] for r in records]
    schema = infer_schema(details)
    schema = {
        "$schema": DRAFT_07,
        "title": f"{detail_type} v1",
        "description": f"Drafted by `infer` from {len(details)} recorded event(s) ({_where(records)}); review "
        "every field, then describe it.",
        **{k: v for k, v in schema.items() if k != "$schema"},
    }
    external = not _is_ours(source, registry)
    bus = _bus_for(source, registry) if external else ""
    domain = key.partition("/")[0]
    meta: dict[str, Any] = {
        "source": source,
        "detail-type": detail_type,
        "owner": domain,
        "description": f"Drafted by `infer` from recorded {detail_type} events of {source}: "
        "replace with what the event means, who produces it and when.",
        "compatibility": "FORWARD_TRANSITIVE",
        "external": external,
        "dedupe-key": suggest_key(details),
    }
    if bus:
        meta["bus"] = bus
    notes = ["owner, description and dedupe-key are suggestions: review them before `lock`"]
    if external and not bus:
        notes.append(
            f"{source} is not one of our producers and its bus is unknown: add `bus` to event.json when the "
            "producer puts on its own bus (a rule only sees the bus it is on)"
        )
    directory = f"events/{key}"
    files = {
        f"{directory}/event.json": meta,
        f"{directory}/v1.json": _version_file(schema, _examples(schema, details, source, detail_type)),
    }
    return Draft(key, source, detail_type, "new", len(details), files, meta["compatibility"], notes=tuple(notes))


def _rejections(contract: EventContract, records: Sequence[RecordedEvent]) -> list[tuple[Any, SampleRejection]]:
    """(detail, why) of every sample the latest version rejects."""
    found: list[tuple[Any, SampleRejection]] = []
    for record in records:
        error: Rejection | None = first_error(contract.latest, record.envelope["detail"])
        if error is not None:
            found.append(
                (record.envelope["detail"], SampleRejection(record.where, error.version, error.pointer, error.message))
            )
    return found


def _next_draft(contract: EventContract, records: Sequence[RecordedEvent]) -> Draft:
    rejected = _rejections(contract, records)
    if not rejected:
        return Draft(
            contract.key,
            contract.source,
            contract.detail_type,
            "accepted",
            len(records),
            {},
            contract.compatibility,
            notes=(f"v{contract.latest.number} accepts every sample: no new version needed",),
        )
    failing = [detail for detail, _ in rejected]
    number = contract.latest.number + 1
    schema = widen(contract.latest.schema, failing)
    schema["title"] = f"{contract.detail_type} v{number}"
    schema["$schema"] = schema.get("$schema", DRAFT_07)
    examples = list(contract.latest.examples)
    new_examples = _examples(schema, failing, *_types(contract))
    document = _version_file(schema, examples + [e for e in new_examples if e not in examples])
    path = f"events/{contract.key}/v{number}.json"
    notes = (
        f"v{number} keeps everything v{contract.latest.number} accepts and adds what {len(failing)} sample(s) sent",
    )
    return Draft(
        contract.key,
        contract.source,
        contract.detail_type,
        "next-version",
        len(records),
        {path: document},
        contract.compatibility,
        rejected=tuple(why for _, why in rejected),
        notes=notes,
    )


def _types(contract: EventContract) -> tuple[str, str]:
    return contract.source, contract.detail_type


def _gate(draft: Draft, contract: EventContract | None, registry: Registry) -> tuple[Finding, ...]:
    """The draft laid out as a contracts root (with the contract's history and lock entries) and gated."""
    with tempfile.TemporaryDirectory(prefix="eventplane-infer-") as tmp:
        root = Path(tmp)
        files: dict[str, Any] = dict(draft.files)
        lock: dict[str, str] = {}
        if contract is not None:
            files[f"events/{contract.key}/event.json"] = _event_file(contract, registry)
            for version in contract.versions:
                files[f"events/{contract.key}/v{version.number}.json"] = version.schema
                key = version_key(contract.key, version.number)
                if key in registry.lock:
                    lock[key] = registry.lock[key]
        for name, document in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (root / LOCK_FILE_NAME).write_text(json.dumps({"lockVersion": 1, "published": lock}), encoding="utf-8")
        evidence = Path(registry.root) / EVIDENCE_DIR / (contract.key if contract else draft.key)
        if evidence.is_dir():  # the producer's real events: the draft must accept them, and they prove corrections
            shutil.copytree(evidence, root / EVIDENCE_DIR / evidence.parent.name / evidence.name)
        loaded, findings = load_with_findings(root, display_root=root)
        report = Report(list(findings))
        if Report(list(findings)).ok:
            report.extend(run_gate(loaded).findings)
    return tuple(f for f in report.sorted() if f.rule_id not in _IGNORED_RULES)


def _event_file(contract: EventContract, registry: Registry) -> Any:
    path = Path(registry.root) / "events" / contract.key / "event.json"
    return json.loads(path.read_text(encoding="utf-8"))


def draft_for(key: str, source: str, detail_type: str, records: Sequence[RecordedEvent], registry: Registry) -> Draft:
    """The draft for one event type, gated."""
    contract = registry.events.get(key)
    try:
        if contract is not None:
            draft = _next_draft(contract, records)
        else:
            draft = _new_draft(key, source, detail_type, records, registry)
    except RecursionError:
        raise InputError(
            records[0].file,
            f"the {detail_type} samples are nested too deeply to infer a schema from",
            hint="check the recorded events; real EventBridge details are far shallower",
        ) from None
    if not draft.files:
        return draft
    findings = _gate(draft, contract, registry)
    return Draft(**{**draft.__dict__, "findings": findings})


def _check_event_name(event: str) -> tuple[str, str]:
    domain, _, name = event.partition("/")
    if not DOMAIN_RE.match(domain) or not EVENT_RE.match(name):
        raise UsageError(
            f"--event {event!r} is not DOMAIN/Name (domain: lowercase letters, digits and '-'; "
            "Name: a capital letter then letters and digits, e.g. coffeeshop/OrderReady)"
        )
    return domain, name


def infer_drafts(records: Iterable[RecordedEvent], registry: Registry, event: str | None = None) -> list[Draft]:
    """One draft per event type in the samples (or only `event`), sorted by key."""
    groups = group_samples(records)
    if not groups:
        raise InputError(
            "input", "no EventBridge events with a string source and detail-type", hint="pass recorded events"
        )
    by_type = {(c.source, c.detail_type): c for c in registry.events.values()}
    chosen: dict[str, tuple[str, str]] = {}
    if event is not None:
        _check_event_name(event)
        contract = registry.events.get(event)
        if contract is not None:
            if (contract.source, contract.detail_type) not in groups:
                raise UsageError(
                    f"no samples of {event} ({contract.source} / {contract.detail_type}) in the input; it holds "
                    + ", ".join(f"{s} / {d}" for s, d in sorted(groups))
                )
            chosen[event] = (contract.source, contract.detail_type)
        else:
            if len(groups) != 1:
                raise UsageError(
                    f"--event {event} names a new contract but the input holds {len(groups)} event types ("
                    + ", ".join(f"{s} / {d}" for s, d in sorted(groups))
                    + "); pass samples of one type, or leave --event out to draft them all"
                )
            (pair,) = groups
            if pair in by_type:
                raise UsageError(
                    f"{pair[0]} / {pair[1]} already has the contract {by_type[pair].key}; use --event {by_type[pair].key}"
                )
            chosen[event] = pair
    else:
        for pair in sorted(groups):
            existing = by_type.get(pair)
            if existing is not None:
                chosen[existing.key] = pair
            else:
                domain, name = _name_for(*pair, registry, set(registry.events) | set(chosen))
                chosen[f"{domain}/{name}"] = pair
    return [draft_for(key, *pair, groups[pair], registry) for key, pair in sorted(chosen.items())]
