"""Tolerant reader: a subscription declares the `detail` fields it reads and the types it accepts.

`"reads": {"orderId": {"type": "string"}, "drinkOrder": {"type": ["object", "string"]}}`
(dotted paths into `detail`, each with the JSON types the consumer's code
handles; `{}` accepts any type). The gate checks that every version the
subscription reads declares each field with types the consumer accepts
(a per-consumer compatibility check), and the metrics Lambda validates only a
projection of each version onto the fields it reads (generated at build time),
so drift in a field nobody reads no longer dead-letters an event while a bad
value in a read field is still rejected with its reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from registry.findings import Finding, Severity
from registry.gate_rules import finding
from registry.model import EventContract, Subscription
from registry.routing.schema_paths import resolve_field

__all__ = [
    "JSON_TYPES",
    "check_reads",
    "project",
    "reads_summary",
    "spare_unread",
]

JSON_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})


def _accepted(expectation: Mapping[str, Any]) -> frozenset[str]:
    declared = expectation.get("type")
    if declared is None:
        return JSON_TYPES
    types = {declared} if isinstance(declared, str) else set(declared)
    return frozenset(types | ({"integer"} if "number" in types else set()))


def check_reads(sub: Subscription, contract: EventContract) -> list[Finding]:
    """Every version the subscription reads declares each read field with types the consumer accepts.

    Fields are resolved like filter fields (`registry.routing.schema_paths`: properties,
    local $ref, allOf/anyOf/oneOf branches). A field holding an array needs "array" among
    the accepted types (its elements are the consumer's business); a field whose types the
    schema leaves open is not judged, as filter checks do.
    """
    findings: list[Finding] = []
    for dotted, expectation in sorted(sub.reads.items()):
        pointer = f"{sub.pointer}/reads/{dotted.replace('~', '~0').replace('/', '~1')}"
        accepted = _accepted(expectation)
        for number in sub.versions:
            field = resolve_field(contract.version(number).schema, dotted.split("."))
            if not field.declared or field.never_present:
                findings.append(
                    finding(
                        "READ_FIELD_MISSING",
                        sub.file,
                        pointer,
                        f"{sub.id} reads detail.{dotted}, which v{number} of {contract.key} does not declare",
                        old=dotted,
                        new=None,
                    )
                )
                continue
            types = frozenset({"array"}) if field.is_array else field.types
            extra = (types or frozenset()) - accepted
            if extra:
                findings.append(
                    finding(
                        "READ_FIELD_TYPE_MISMATCH",
                        sub.file,
                        pointer,
                        f"v{number} of {contract.key} allows detail.{dotted} to be {', '.join(sorted(extra))}, "
                        f"which {sub.id} does not accept",
                        old=sorted(accepted),
                        new=sorted(types or ()),
                    )
                )
    return findings


def project(schema: Mapping[str, Any], reads: Iterable[str]) -> dict[str, Any]:
    """`schema` narrowed to the read fields: their own subschemas, required where the version requires them.

    Fields nobody reads are not validated at all (open model), so their drift
    passes; each read field keeps its full subschema (oneOf branches included).
    """
    projected: dict[str, Any] = {"type": "object"}
    if "$schema" in schema:
        projected["$schema"] = schema["$schema"]
    if "definitions" in schema:
        projected["definitions"] = schema["definitions"]  # $refs in read fields still resolve
    whole: list[str] = []  # fields projected with their full subschema: deeper reads add nothing
    for dotted in sorted(set(reads)):
        if not any(dotted.startswith(w + ".") for w in whole):
            _add_path(projected, schema, dotted.split("."))
            whole.append(dotted)
    return projected


def _add_path(target: dict[str, Any], source: Mapping[str, Any], parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    sub = source.get("properties", {}).get(head)
    if not isinstance(sub, dict):
        return  # declared only inside a oneOf branch, or not at all: the gate reports it; nothing to project
    if head in source.get("required", []):
        required = target.setdefault("required", [])
        if head not in required:
            required.append(head)
    properties = target.setdefault("properties", {})
    if not rest:
        properties[head] = dict(sub)
        return
    child = properties.setdefault(head, {"type": "object"} if sub.get("type") == "object" else {})
    _add_path(child, sub, rest)


def reads_summary(sub: Subscription) -> str:
    """Who reads what, for the catalog and the PR report: `drinkOrder: object or string; orderId: string`."""
    if not sub.reads:
        return "the whole detail"
    parts = []
    for dotted, expectation in sorted(sub.reads.items()):
        declared = expectation.get("type")
        types = [declared] if isinstance(declared, str) else list(declared or [])
        parts.append(f"{dotted}: {' or '.join(types) if types else 'any type'}")
    return "; ".join(parts)


def _schema_field(pointer: str) -> str:
    """The dotted `detail` field a schema pointer is about (`#/properties/a/properties/b/type` -> `a.b`), or ""."""
    parts = pointer.lstrip("#").strip("/").split("/") if pointer.strip("#/") else []
    names: list[str] = []
    for index in range(0, len(parts) - 1, 2):
        if parts[index] != "properties":
            break
        names.append(parts[index + 1].replace("~1", "/").replace("~0", "~"))
    return ".".join(names)


def spare_unread(subscriptions: Sequence[Subscription], findings: Iterable[Finding]) -> list[Finding]:
    """Compatibility findings about a field no subscriber reads become warnings (the consumer-driven view).

    Only when the event has subscribers and every one declares `reads`: a consumer
    reading the whole detail, or an event nobody declared anything for, keeps the
    ordinary errors. A change at the root (required list, content model) stays an error.
    """
    findings = list(findings)
    if not subscriptions or not all(s.reads for s in subscriptions):
        return findings
    read = {f for s in subscriptions for f in s.reads}
    out: list[Finding] = []
    for found in findings:
        name = _schema_field(found.pointer)
        untouched = name and not any(r == name or r.startswith(name + ".") or name.startswith(r + ".") for r in read)
        if found.severity == Severity.ERROR and untouched:
            found = dataclasses.replace(
                found,
                severity=Severity.WARNING,
                message=f"no subscriber reads detail.{name} (every subscriber declares reads): {found.message}",
            )
        out.append(found)
    return out
