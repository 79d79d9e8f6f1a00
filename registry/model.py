"""The contract model: what `contracts/` says, as frozen dataclasses.

Everything downstream (gate, routing, Pulumi components, catalog, embedded
run) reads these objects, never the JSON files, so a format change touches
only `registry/loader.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COMPATIBILITY_MODES",
    "DELIVERY_TYPES",
    "FORK_PIPELINES",
    "Correction",
    "Delivery",
    "EventContract",
    "ExampleRef",
    "Registry",
    "Retry",
    "SchemaVersion",
    "Subscription",
    "envelope_defaults",
]

COMPATIBILITY_MODES = (
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
)
DELIVERY_TYPES = ("queue", "fork", "api", "metrics", "lambda")
FORK_PIPELINES = ("backup", "analytics", "replay", "plain")


def envelope_defaults() -> dict[str, Any]:
    """The envelope fields an offline check fills in when only source, detail-type and detail matter (fresh each call)."""
    return {
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000000",
        "account": "123456789012",
        "time": "2026-11-23T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
    }


@dataclass(frozen=True)
class SchemaVersion:
    """One published (or proposed) version: a draft-07 schema of `detail`."""

    number: int
    path: str  # repo-relative, e.g. contracts/events/orders/OrderCreated/v1.json
    schema: Mapping[str, Any]
    fingerprint: str  # sha256 of the canonical JSON (sorted keys, no whitespace)

    @property
    def examples(self) -> list[Any]:
        return list(self.schema.get("examples", []))


@dataclass(frozen=True)
class Correction:
    """`version` corrects earlier versions that never matched what the producer really sends.

    Declared in event.json; the gate allows the correction (skips the corrected
    versions in `version`'s compatibility check) only when committed evidence
    shows each corrected version rejected real events and `version` accepts them
    all, and then reports it to every subscriber of a corrected version.
    """

    version: int
    corrects: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class EventContract:
    key: str  # "<domain>/<Event>", unique
    domain: str
    name: str
    source: str
    detail_type: str
    owner: str
    service: str  # the producing service
    action: str  # what happened, in the producer's words
    description: str
    compatibility: str
    external: bool  # produced by a system we do not change: subscribable, never published by us
    dedupe_key: tuple[str, ...]  # dotted paths into the envelope, e.g. ("detail.metadata.idempotency-key",)
    directory: str
    versions: tuple[SchemaVersion, ...]
    # The bus the producer puts the event on, when it is not ours ("default" for AWS
    # service events, "Serverlesspresso" for the coffee shop); each subscription's
    # rule is created on that bus (we only add a rule and target there).
    # Empty: producers put it on our bus.
    bus: str = ""
    corrections: tuple[Correction, ...] = ()

    @property
    def latest(self) -> SchemaVersion:
        return self.versions[-1]

    def version(self, number: int) -> SchemaVersion:
        return self.versions[number - 1]

    def envelope(self, detail: Any) -> dict[str, Any]:
        """A well-formed EventBridge event carrying `detail`, as a rule sees it."""
        return {**envelope_defaults(), "detail-type": self.detail_type, "source": self.source, "detail": detail}


@dataclass(frozen=True)
class Retry:
    """EventBridge target retry policy (AWS defaults: 24 h, 185 attempts)."""

    maximum_event_age_seconds: int = 86400
    maximum_retry_attempts: int = 185


@dataclass(frozen=True)
class Delivery:
    """Where a subscription's events go; `options` are validated per type by the loader."""

    type: str  # one of DELIVERY_TYPES
    retry: Retry = field(default_factory=Retry)
    # queue: fifo, message_group_id, content_based_deduplication, max_receive_count,
    #        visibility_timeout_seconds, retention_seconds
    # fork: pipeline, max_receive_count
    # api: destination (stack config name), input_transformer {input_paths, input_template}
    # metrics: batch_size, batching_window_seconds, max_receive_count
    # lambda: function (stack config name)
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExampleRef:
    """An event a subscription must (or must not) receive: a contract example or an inline detail."""

    label: str  # "v1#0" for the first example of v1, or "inline#<n>"
    detail: Any


@dataclass(frozen=True)
class Subscription:
    team: str
    name: str  # unique within the team
    file: str
    pointer: str  # JSON pointer of this subscription in its file
    event: str  # EventContract.key
    versions: tuple[int, ...]  # the versions the consumer's code reads
    filter: Mapping[str, Any] | None  # pattern (EventBridge) or policy (fork: SNS MessageBody) on `detail`
    delivery: Delivery
    description: str = ""
    receives: tuple[ExampleRef, ...] = ()
    ignores: tuple[ExampleRef, ...] = ()
    # Tolerant reader (registry.reads): dotted path into `detail` -> the JSON types the consumer
    # accepts there ({"type": ...}; {} any). Empty: the consumer reads the whole detail.
    reads: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.team}.{self.name}"


@dataclass(frozen=True)
class Registry:
    root: str  # the contracts directory
    events: Mapping[str, EventContract]
    subscriptions: tuple[Subscription, ...]
    lock: Mapping[str, str]  # "<domain>/<Event>/v<N>" -> fingerprint of the published version
    lock_modes: Mapping[str, str] = field(default_factory=dict)  # "<domain>/<Event>" -> mode the lock recorded

    def subscriptions_of(self, event_key: str) -> list[Subscription]:
        return [s for s in self.subscriptions if s.event == event_key]
