"""The gate's own rules (loading, immutability, deployment), declared once.

Like Buf's rule table: an UPPER_SNAKE id that reads as a claim, its purpose
and the fix a product team needs. Ids are never recycled. Compatibility
rules live in `registry.compat.RULES`, filter rules in `registry.routing.FILTER_RULES`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.findings import Finding, Severity

__all__ = ["GateRule", "GATE_RULES", "finding"]


@dataclass(frozen=True)
class GateRule:
    id: str
    purpose: str
    hint: str
    severity: str = Severity.ERROR


_RULES = [
    GateRule("JSON_SYNTAX_ERROR", "Checks that every contract file is well-formed JSON.", "fix the JSON syntax at the line and column shown"),
    GateRule("FILE_FORMAT_INVALID", "Checks that event.json, subscription and lock files follow their documented format.", "see the formats in docs/ARCHITECTURE.md"),
    GateRule("UNEXPECTED_FILE", "Checks that an event folder holds only event.json and v<N>.json files.", "rename the file to v<N>.json or move it out of contracts/events"),
    GateRule("EVENT_FILE_MISSING", "Checks that every event folder has an event.json.", "add event.json with source, detail-type, owner and description"),
    GateRule("VERSION_MISSING", "Checks that every event has at least v1.json.", "add v1.json: a draft-07 JSON Schema of the event's detail"),
    GateRule("VERSION_GAP", "Checks that versions are numbered v1, v2, ... without gaps.", "number the versions consecutively; a published version is never deleted"),
    GateRule("SCHEMA_DRAFT_UNSUPPORTED", "Checks that schemas declare draft-07 (or no $schema).", 'set "$schema": "http://json-schema.org/draft-07/schema#"'),
    GateRule("SCHEMA_INVALID", "Checks that every schema is valid against the draft-07 metaschema and compiles.", "correct the keyword at the pointer shown"),
    GateRule("EXAMPLES_MISSING", "Checks that every version has at least one example.", 'add an "examples" array with a realistic detail'),
    GateRule("EXAMPLE_INVALID", "Checks that every example validates against its own schema.", "fix the example, or the schema if the example is what producers really send"),
    GateRule("EXAMPLE_TOO_LARGE", "Checks that every example fits EventBridge's 256 KB entry limit.", "send large payloads by reference (an S3 key) instead of inline"),
    GateRule("EVENT_TYPE_DUPLICATED", "Checks that no two contracts share a source and detail-type.", "give one of the events its own detail-type"),
    GateRule("DEDUPE_KEY_UNRESOLVED", "Checks that every dedupe-key path exists in every version (or in the envelope).", "name fields that every version carries, or use [\"id\"] (the envelope id)"),
    GateRule("SUBSCRIPTION_TEAM_MISMATCH", "Checks that a subscription file is named after its team.", "rename the file to <team>.json or fix the team field"),
    GateRule("SUBSCRIPTION_DUPLICATED", "Checks that subscription names are unique within a team.", "rename one of the subscriptions"),
    GateRule("SUBSCRIPTION_EVENT_UNKNOWN", "Checks that every subscription names an existing event.", "use <domain>/<Event> as it appears under contracts/events"),
    GateRule("SUBSCRIPTION_VERSION_UNKNOWN", "Checks that every version a subscription reads exists.", "list only existing versions, or keep the version the subscriber still reads"),
    GateRule("SUBSCRIPTION_FIFO_GROUP_MISSING", "Checks that FIFO queue deliveries name a message group id.", 'add "message_group_id" to the delivery'),
    GateRule("EXPECTED_EXAMPLE_UNKNOWN", "Checks that expect references name existing examples.", 'use "v<N>#<index>" of an existing example, or an inline detail object'),
    GateRule("PUBLISHED_VERSION_EDITED", "Checks that a published version is never edited in place.", "revert the edit and publish the change as a new version v<N+1>"),
    GateRule("PUBLISHED_VERSION_DELETED", "Checks that a published version is never deleted.", "restore the file; retire an event by removing its subscriptions first"),
    GateRule("LOCK_ENTRY_REMOVED", "Checks that the lock only ever grows.", "restore the removed entries in contracts/registry.lock.json"),
    GateRule("DEPLOYED_VERSION_CHANGED", "Checks that what the stack last deployed is not changed.", "restore the deployed version and publish the change as a new version"),
    GateRule("DEPLOYED_VERSION_REMOVED", "Checks that what the stack last deployed is not removed.", "restore the version; subscribers on this stack still receive it"),
    GateRule("VERSION_UNLOCKED", "Notes versions that are new in this change and not yet in the lock.", "run `python -m registry lock` once the gate passes, and commit the lock", Severity.WARNING),
]

GATE_RULES: dict[str, GateRule] = {rule.id: rule for rule in _RULES}


def finding(rule_id: str, file: str, pointer: str, message: str, *, old: Any = None, new: Any = None, hint: str = "") -> Finding:
    rule = GATE_RULES[rule_id]
    return Finding(file=file, pointer=pointer, rule_id=rule_id, message=message, old=old, new=new, hint=hint or rule.hint, severity=rule.severity)
