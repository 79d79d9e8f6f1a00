"""The gate's own rules (loading, immutability, deployment), declared once.

Like Buf's rule table: an UPPER_SNAKE id that reads as a claim, its purpose
and the fix a product team needs. Ids are never recycled. Compatibility
rules live in `registry.compat.RULES`, filter rules in `registry.routing.FILTER_RULES`.
"""

from __future__ import annotations

from typing import Any

from registry.findings import Finding, Rule, Severity, rule_table

__all__ = ["GATE_RULES", "finding"]

_RULES = [
    Rule(
        "JSON_SYNTAX_ERROR",
        "Checks that every contract file is well-formed JSON.",
        "fix the JSON syntax at the line and column shown",
    ),
    Rule(
        "FILE_FORMAT_INVALID",
        "Checks that event.json, subscription and lock files follow their documented format.",
        "see the formats in docs/ARCHITECTURE.md",
    ),
    Rule(
        "UNEXPECTED_FILE",
        "Checks that an event folder holds only event.json and v<N>.json files.",
        "rename the file to v<N>.json or move it out of contracts/events",
    ),
    Rule(
        "EVENT_FILE_MISSING",
        "Checks that every event folder has an event.json.",
        "add event.json with source, detail-type, owner and description",
    ),
    Rule(
        "VERSION_MISSING",
        "Checks that every event has at least v1.json.",
        "add v1.json: a draft-07 JSON Schema of the event's detail",
    ),
    Rule(
        "VERSION_GAP",
        "Checks that versions are numbered v1, v2, ... without gaps.",
        "number the versions consecutively; a published version is never deleted",
    ),
    Rule(
        "FILE_UNREADABLE",
        "Checks that every contract file can be read as UTF-8 text (not a folder, binary file or broken link).",
        "replace it with a UTF-8 JSON file, or remove it",
    ),
    Rule(
        "JSON_KEY_DUPLICATED",
        "Checks that no object in a contract, subscription, lock or stack file names a key twice.",
        "keep exactly one of each key: readers disagree on which value wins",
    ),
    Rule(
        "JSON_NUMBER_INVALID",
        "Checks that every number is a finite JSON number (no NaN, Infinity or overflow).",
        "write a finite number: JSON has no NaN or Infinity and PutEvents cannot carry them",
    ),
    Rule(
        "JSON_TOO_DEEP",
        "Checks that a contract file is not nested deeper than the tools read.",
        "flatten it: move nested schemas under `definitions` and `$ref` them",
    ),
    Rule(
        "FILE_MISPLACED",
        "Checks that every file under contracts/ sits where the layout says and is read by the gate.",
        "move or rename it to events/<domain>/<Event>/{event.json,v<N>.json} or subscriptions/<team>.json",
    ),
    Rule(
        "EVENT_NAME_INVALID",
        "Checks that domain and event folder names are safe for lock keys, AWS names and documents.",
        "rename the folder using letters, digits, '.', '_' and '-', starting with a letter or digit",
    ),
    Rule(
        "SCHEMA_REF_EXTERNAL",
        "Checks that every $ref stays inside its document, so the lock hashes the whole contract.",
        'inline the referenced schema under "definitions" and point "$ref" at "#/definitions/<Name>"',
    ),
    Rule(
        "SCHEMA_REF_DANGLING",
        "Checks that every local $ref names a schema of the document.",
        'point it at an existing schema, e.g. "#/definitions/<Name>"',
    ),
    Rule(
        "SCHEMA_REF_CYCLE",
        "Checks that no chain of $refs leads only back to itself.",
        "make one of them a real schema (recursion must pass through properties or items)",
    ),
    Rule(
        "SCHEMA_TOO_DEEP",
        "Checks that every schema compiles within the validator's nesting limits.",
        "flatten it: move nested schemas under `definitions` and `$ref` them",
    ),
    Rule(
        "COMPATIBILITY_MODE_WEAKENED",
        "Checks that an event's compatibility mode is never weakened: that is a breaking change to the contract.",
        "restore the previous mode; to evolve without it, publish a new event (its own detail-type)",
    ),
    Rule(
        "COMPATIBILITY_MODE_HISTORY_INCOMPATIBLE",
        "Checks that a strengthened compatibility mode holds for every published version, not only new ones.",
        "keep the previous mode, or choose the strongest mode the published versions already satisfy",
    ),
    Rule(
        "SCHEMA_DRAFT_UNSUPPORTED",
        "Checks that schemas declare draft-07 (or no $schema).",
        'set "$schema": "http://json-schema.org/draft-07/schema#"',
    ),
    Rule(
        "SCHEMA_INVALID",
        "Checks that every schema is valid against the draft-07 metaschema and compiles.",
        "correct the keyword at the pointer shown",
    ),
    Rule(
        "EXAMPLES_MISSING",
        "Checks that every version has at least one example.",
        'add an "examples" array with a realistic detail',
    ),
    Rule(
        "EXAMPLE_INVALID",
        "Checks that every example validates against its own schema.",
        "fix the example, or the schema if the example is what producers really send",
    ),
    Rule(
        "EXAMPLE_TOO_LARGE",
        "Checks that every example fits EventBridge's 256 KB entry limit.",
        "send large payloads by reference (an S3 key) instead of inline",
    ),
    Rule(
        "EVENT_TYPE_DUPLICATED",
        "Checks that no two contracts share a source and detail-type.",
        "give one of the events its own detail-type",
    ),
    Rule(
        "DEDUPE_KEY_UNRESOLVED",
        "Checks that every dedupe-key path exists in every version (or in the envelope).",
        'name fields that every version carries, or use ["id"] (the envelope id)',
    ),
    Rule(
        "SUBSCRIPTION_TEAM_MISMATCH",
        "Checks that a subscription file is named after its team.",
        "rename the file to <team>.json or fix the team field",
    ),
    Rule(
        "SUBSCRIPTION_DUPLICATED",
        "Checks that subscription names are unique within a team.",
        "rename one of the subscriptions",
    ),
    Rule(
        "SUBSCRIPTION_EVENT_UNKNOWN",
        "Checks that every subscription names an existing event.",
        "use <domain>/<Event> as it appears under contracts/events",
    ),
    Rule(
        "SUBSCRIPTION_VERSION_UNKNOWN",
        "Checks that every version a subscription reads exists.",
        "list only existing versions, or keep the version the subscriber still reads",
    ),
    Rule(
        "SUBSCRIPTION_FIFO_GROUP_MISSING",
        "Checks that FIFO queue deliveries name a message group id.",
        'add "message_group_id" to the delivery',
    ),
    Rule(
        "EXPECTED_EXAMPLE_UNKNOWN",
        "Checks that expect references name existing examples.",
        'use "v<N>#<index>" of an existing example, or an inline detail object',
    ),
    Rule(
        "PUBLISHED_VERSION_EDITED",
        "Checks that a published version is never edited in place.",
        "revert the edit and publish the change as a new version v<N+1>",
    ),
    Rule(
        "PUBLISHED_VERSION_DELETED",
        "Checks that a published version is never deleted.",
        "restore the file; retire an event by removing its subscriptions first",
    ),
    Rule(
        "LOCK_ENTRY_REMOVED",
        "Checks that the lock only ever grows.",
        "restore the removed entries in contracts/registry.lock.json",
    ),
    Rule(
        "DEPLOYED_VERSION_CHANGED",
        "Checks that what the stack last deployed is not changed.",
        "restore the deployed version and publish the change as a new version",
    ),
    Rule(
        "DEPLOYED_VERSION_REMOVED",
        "Checks that what the stack last deployed is not removed.",
        "restore the version; subscribers on this stack still receive it",
    ),
    Rule(
        "EVIDENCE_REJECTED",
        "Checks that a contract's latest version accepts every committed evidence event of its producer.",
        "publish a version that accepts what the producer really sends (a correction when the old one never matched)",
    ),
    Rule(
        "EVIDENCE_MISSING",
        "Notes external contracts with no committed evidence: only checked against examples we wrote.",
        "commit what the producer really sends under contracts/evidence/<domain>/<Event>/ with a SOURCES.md",
        Severity.WARNING,
    ),
    Rule(
        "EVIDENCE_UNREADABLE",
        "Checks that every evidence file under contracts/evidence is readable JSON Lines of envelopes.",
        "fix the line shown: one EventBridge envelope (source, detail-type, detail) per line",
    ),
    Rule(
        "EVIDENCE_EVENT_UNKNOWN",
        "Checks that evidence is filed under the contract its source and detail-type belong to.",
        "move the file to contracts/evidence/<domain>/<Event>/ of its contract, or add that contract",
    ),
    Rule(
        "CORRECTION_INVALID",
        "Checks that a correction names an existing version and only earlier versions as corrected.",
        'declare {"version": N, "corrects": [earlier versions], "reason": "..."} in event.json',
    ),
    Rule(
        "CORRECTION_WITHOUT_EVIDENCE",
        "Checks that a correction is proven: evidence the corrected version rejects, all accepted by the new one.",
        "commit the producer's real events under contracts/evidence/<domain>/<Event>/ (with SOURCES.md), "
        "or publish an ordinary compatible version",
    ),
    Rule(
        "CONTRACT_CORRECTED",
        "Notes a version that corrects a contract which never matched its producer, and who is affected.",
        "subscribers of the corrected version: check your code accepts the corrected shape, then read the new version",
        Severity.WARNING,
    ),
    Rule(
        "READ_FIELD_MISSING",
        "Checks that every field a subscription reads is declared by every version it reads.",
        "read only fields every version declares, or stop reading the version that lacks it",
    ),
    Rule(
        "READ_FIELD_TYPE_MISMATCH",
        "Checks that every version a subscription reads gives each read field only types the consumer accepts.",
        "accept the version's types in `reads` (and in the consumer's code), or stop reading that version",
    ),
    Rule(
        "DELIVERY_BATCHING_INVALID",
        "Checks that a metrics delivery's batching is one Lambda's CreateEventSourceMapping accepts.",
        "keep batch_size at most 10, or set batching_window_seconds to at least 1",
    ),
    Rule(
        "FIFO_DEDUPLICATION_MISSING",
        "Checks that a FIFO queue delivery has a deduplication strategy EventBridge can use.",
        'remove "content_based_deduplication": false (EventBridge needs content-based deduplication)',
    ),
    Rule(
        "INPUT_PATH_INVALID",
        "Checks that an input transformer's paths are JSON paths EventBridge's PutTargets accepts.",
        'use dot notation from $, e.g. "$.detail.orderId" (at most 100 paths)',
    ),
    Rule(
        "STACK_SUBSCRIPTION_UNKNOWN",
        "Checks that a stack's enabled or disabled list names existing subscriptions.",
        "use ids of the form team.name from contracts/subscriptions",
    ),
    Rule(
        "SUBSCRIPTION_TARGET_UNKNOWN",
        "Checks that every API destination or function an enabled subscription names is configured on the stack.",
        "add it to the stack's config, or disable the subscription on that stack",
    ),
    Rule(
        "STACK_CONFIG_INVALID",
        "Checks that every stack file deploying these contracts is valid.",
        "fix the key named, as its message says",
    ),
    Rule(
        "VERSION_UNLOCKED",
        "Notes versions that are new in this change and not yet in the lock.",
        "run `python -m registry lock` once the gate passes, and commit the lock",
        Severity.WARNING,
    ),
]

GATE_RULES: dict[str, Rule] = rule_table(_RULES)


def finding(
    rule_id: str, file: str, pointer: str, message: str, *, old: Any = None, new: Any = None, hint: str = ""
) -> Finding:
    return GATE_RULES[rule_id].finding(file, pointer, message, old=old, new=new, hint=hint)
