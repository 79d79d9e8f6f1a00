"""Publish events through EventBridge PutEvents: validated, stamped, batched, retried, nothing lost.

Each event is validated against its contract's latest version (compiled
validators cached by schema fingerprint), external contracts are refused (we
never speak for a producer we do not run), and full-state events get
`metadata.idempotency-key` (uuid4) and `metadata.version` when absent. The key
is stamped once, before the first attempt, so a retried entry that had in fact
been delivered is dropped by consumers as a duplicate.

Each entry carries the caller's X-Ray context as `TraceHeader` (the active
X-Ray SDK segment when there is one, else Lambda's `_X_AMZN_TRACE_ID`), so
EventBridge passes it on to every target: SQS gets it as the `AWSTraceHeader`
system attribute, a Lambda target continues the trace. The header is not part
of the entry's size, and a header PutEvents would refuse (over 500
characters) is left off rather than failing the event.

Requests respect PutEvents' limits: at most 10 entries and 256 KB, an entry
sized as AWS sizes it (UTF-8 bytes of Source, DetailType, Detail, Resources).
Only failed entries are retried (per-entry ErrorCode, or the whole request
when the call itself was throttled), with bounded exponential backoff and full
jitter; whatever still fails is returned with its reason, never dropped.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import fastjsonschema
from botocore.exceptions import ClientError

from registry.loader import MAX_ENTRY_BYTES, entry_size, schema_validator
from registry.model import EventContract, Registry, SchemaVersion

if TYPE_CHECKING:
    from contracts_py._runtime import Binding

D = TypeVar("D")

__all__ = [
    "ENDPOINT_ENV",
    "MAX_ENTRIES_PER_REQUEST",
    "MAX_REQUEST_BYTES",
    "Event",
    "PublishResult",
    "Sent",
    "Unsent",
    "current_trace_header",
    "publish",
    "typed_event",
]

MAX_ENTRIES_PER_REQUEST = 10
MAX_REQUEST_BYTES = 256 * 1024
IDEMPOTENCY_PATH = "detail.metadata.idempotency-key"
TRACE_ENV = "_X_AMZN_TRACE_ID"  # where Lambda puts the invocation's trace header
ENDPOINT_ENV = "EVENTPLANE_ENDPOINT_ID"  # a global endpoint's id (stack output globalEndpointId)
MAX_TRACE_HEADER = 500  # PutEventsRequestEntry.TraceHeader length limit
# Per-entry and per-call codes that retrying cannot fix; every other failure is retried.
_PERMANENT = frozenset(
    {
        "ValidationException",
        "MalformedDetail",
        "InvalidArgument",
        "AccessDeniedException",
        "NotAuthorizedForSourceException",
        "ResourceNotFoundException",
        "UnrecognizedClientException",
    }
)
_VALIDATORS: dict[str, Callable[[Any], Any]] = {}  # schema fingerprint -> compiled validator


@dataclass(frozen=True)
class Event:
    """What to publish: `contract` is a contract key ("checkout/CheckoutPlaced"), a detail-type, or (source, detail-type)."""

    contract: str | tuple[str, str]
    detail: Any
    resources: tuple[str, ...] = ()
    # Set by `typed_event`: the version the detail was written for and that version's fingerprint
    # in the generated bindings; the detail is validated against that version, not the latest.
    version: int | None = None
    fingerprint: str = ""


def typed_event(binding: Binding[D], detail: D, resources: tuple[str, ...] = ()) -> Event:
    """An event from a generated model: mypy checks `detail` against the version's TypedDict.

    `publish` validates it against that very version (with `metadata` filled in for
    full-state events) and refuses it when the bindings are stale.
    """
    return Event(binding.key, detail, resources, version=binding.version, fingerprint=binding.fingerprint)


@dataclass(frozen=True)
class Sent:
    index: int  # position in the input
    event_id: str
    idempotency_key: str | None


@dataclass(frozen=True)
class Unsent:
    index: int
    event: Event  # as it would have been sent (stamped), so the caller can retry it later
    reason: str
    code: str = ""  # AWS ErrorCode when AWS refused it; empty when it never left (validation, size...)


@dataclass
class PublishResult:
    sent: list[Sent] = field(default_factory=list)
    unsent: list[Unsent] = field(default_factory=list)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return not self.unsent


@dataclass
class _Entry:
    index: int
    event: Event
    contract: EventContract
    detail_text: str
    size: int
    key: str | None
    last_error: tuple[str, str] = ("", "")  # (code, message)

    def request_entry(self, bus_name: str, trace_header: str = "") -> dict[str, Any]:
        entry: dict[str, Any] = {
            "Source": self.contract.source,
            "DetailType": self.contract.detail_type,
            "Detail": self.detail_text,
            "EventBusName": bus_name,
        }
        if self.event.resources:
            entry["Resources"] = list(self.event.resources)
        if trace_header:
            entry["TraceHeader"] = trace_header
        return entry


class _Refused(Exception):
    """Internal: an event that is never sent, and why."""


def _xray_sdk_header() -> str:
    """The active segment's header when the AWS X-Ray SDK is installed and recording (it is optional)."""
    try:
        from aws_xray_sdk.core import xray_recorder  # type: ignore[import-untyped, import-not-found, unused-ignore]
        from aws_xray_sdk.core.exceptions.exceptions import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
            SegmentNotFoundException,
        )
    except ImportError:
        return ""
    try:
        entity = xray_recorder.get_trace_entity()
    except SegmentNotFoundException:  # no segment open and context_missing=RUNTIME_ERROR
        return ""
    if entity is None or not getattr(entity, "trace_id", None):
        return ""
    return f"Root={entity.trace_id};Parent={entity.id};Sampled={1 if entity.sampled else 0}"


def current_trace_header() -> str:
    """The caller's X-Ray trace header: the active SDK segment's, else `_X_AMZN_TRACE_ID`, else ''."""
    header = _xray_sdk_header() or os.environ.get(TRACE_ENV, "").strip()
    return header if len(header) <= MAX_TRACE_HEADER else ""


def _as_event(item: Event | Sequence[Any]) -> Event:
    return item if isinstance(item, Event) else Event(item[0], item[1])


def _resolve(registry: Registry, ref: str | tuple[str, str]) -> EventContract:
    if isinstance(ref, tuple):
        found = [c for c in registry.events.values() if (c.source, c.detail_type) == tuple(ref)]
    elif ref in registry.events:
        found = [registry.events[ref]]
    else:
        found = [c for c in registry.events.values() if c.detail_type == ref]
    if len(found) != 1:
        what = "no contract" if not found else f"{len(found)} contracts ({', '.join(sorted(c.key for c in found))})"
        raise _Refused(f"{what} for {ref!r}: name it by contract key <domain>/<Event> or (source, detail-type)")
    return found[0]


def _validator(version: SchemaVersion) -> Callable[[Any], Any]:
    if version.fingerprint not in _VALIDATORS:
        _VALIDATORS[version.fingerprint] = schema_validator(dict(version.schema))
    return _VALIDATORS[version.fingerprint]


def _target_version(contract: EventContract, event: Event) -> SchemaVersion:
    """The latest version, or the one a typed event was written for, if its bindings are current."""
    if event.version is None:
        return contract.latest
    numbers = [v.number for v in contract.versions]
    if event.version not in numbers:
        raise _Refused(f"{contract.key} has no v{event.version} (it has v{', v'.join(map(str, numbers))})")
    version = contract.version(event.version)
    if event.fingerprint and event.fingerprint != version.fingerprint:
        raise _Refused(
            f"the bindings of {contract.key} v{event.version} are stale (the contract changed since they were "
            "generated): run `python -m registry codegen`"
        )
    return version


def _stamp(contract: EventContract, version: SchemaVersion, detail: Any) -> tuple[Any, str | None]:
    """Full-state events get an idempotency key and the version when absent; the input is not mutated."""
    if IDEMPOTENCY_PATH not in contract.dedupe_key or not isinstance(detail, dict):
        return detail, None
    metadata = detail.get("metadata", {})
    if not isinstance(metadata, dict):
        return detail, None  # validation reports it
    metadata = {**metadata}
    metadata.setdefault("idempotency-key", str(uuid.uuid4()))
    metadata.setdefault("version", str(version.number))
    return {**detail, "metadata": metadata}, metadata["idempotency-key"]


def _prepare(index: int, event: Event, registry: Registry) -> _Entry:
    contract = _resolve(registry, event.contract)
    if contract.external:
        raise _Refused(f"{contract.key} is an external contract: its producer is not ours, so we never publish it")
    version = _target_version(contract, event)
    detail, key = _stamp(contract, version, event.detail)
    try:
        _validator(version)(detail)
    except fastjsonschema.JsonSchemaValueException as exc:
        pointer = "/" + "/".join(str(p) for p in exc.path[1:])
        raise _Refused(f"detail does not match {version.path} at {pointer}: {exc.message}") from None
    text = json.dumps(detail, separators=(",", ":"), ensure_ascii=False)
    size = entry_size(contract.source, contract.detail_type, detail, event.resources)
    if size > MAX_ENTRY_BYTES:
        raise _Refused(
            f"entry is {size} bytes, over EventBridge's {MAX_ENTRY_BYTES}: send a reference (claim check) instead"
        )
    stamped = Event(contract.key, detail, event.resources, event.version, event.fingerprint)
    return _Entry(index, stamped, contract, text, size, key)


def _chunks(entries: list[_Entry]) -> Iterator[list[_Entry]]:
    chunk: list[_Entry] = []
    size = 0
    for entry in entries:
        if chunk and (len(chunk) == MAX_ENTRIES_PER_REQUEST or size + entry.size > MAX_REQUEST_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(entry)
        size += entry.size
    if chunk:
        yield chunk


def _send(
    chunk: list[_Entry],
    client: Any,
    bus_name: str,
    result: PublishResult,
    *,
    trace_header: str,
    endpoint_id: str,
) -> list[_Entry]:
    """One PutEvents call; returns the entries worth retrying, records the rest."""
    result.requests += 1
    extra = {"EndpointId": endpoint_id} if endpoint_id else {}
    try:
        response = client.put_events(Entries=[e.request_entry(bus_name, trace_header) for e in chunk], **extra)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "ClientError"), error.get("Message", str(exc))
        for entry in chunk:
            entry.last_error = (code, message)
        if code in _PERMANENT:
            result.unsent += [
                Unsent(e.index, e.event, f"PutEvents refused the request: {message}", code) for e in chunk
            ]
            return []
        return chunk
    retry = []
    for entry, answer in zip(chunk, response.get("Entries", []), strict=False):
        if answer.get("EventId") and not answer.get("ErrorCode"):
            result.sent.append(Sent(entry.index, answer["EventId"], entry.key))
            continue
        entry.last_error = (answer.get("ErrorCode", "Unknown"), answer.get("ErrorMessage", ""))
        if entry.last_error[0] in _PERMANENT:
            result.unsent.append(
                Unsent(entry.index, entry.event, f"EventBridge refused it: {entry.last_error[1]}", entry.last_error[0])
            )
        else:
            retry.append(entry)
    return retry


def publish(
    events: Iterable[Event | Sequence[Any]],
    *,
    registry: Registry,
    client: Any,
    bus_name: str,
    max_attempts: int = 5,
    base_delay: float = 0.1,
    max_delay: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    trace_header: str | None = None,
    endpoint_id: str | None = None,
) -> PublishResult:
    """Send every valid event once; `result.unsent` holds each one that could not be sent and why.

    `trace_header` overrides the caller's X-Ray context (`current_trace_header()`; "" sends none).
    `endpoint_id` publishes through a global endpoint (the stack output `globalEndpointId`; by default
    the `EVENTPLANE_ENDPOINT_ID` environment variable, so a producer's function is switched by its
    configuration; "" puts straight on the bus): PutEvents then goes to the endpoint, which routes to the
    healthy region's bus of the same name (boto3 signs such calls with SigV4a, which needs the AWS CRT:
    `pip install botocore[crt]`)."""
    result = PublishResult()
    header = current_trace_header() if trace_header is None else trace_header
    endpoint = os.environ.get(ENDPOINT_ENV, "").strip() if endpoint_id is None else endpoint_id
    pending: list[_Entry] = []
    for index, item in enumerate(events):
        event = _as_event(item)
        try:
            pending.append(_prepare(index, event, registry))
        except _Refused as exc:
            result.unsent.append(Unsent(index, event, str(exc)))
    rng = rng or random.Random()
    for attempt in range(1, max_attempts + 1):
        pending = [
            entry
            for chunk in _chunks(pending)
            for entry in _send(chunk, client, bus_name, result, trace_header=header, endpoint_id=endpoint)
        ]
        if not pending:
            break
        if attempt < max_attempts:
            sleep(rng.uniform(0, min(max_delay, base_delay * 2**attempt)))
    for entry in pending:
        code, message = entry.last_error
        result.unsent.append(
            Unsent(entry.index, entry.event, f"still failing after {max_attempts} attempts: {message}", code)
        )
    result.sent.sort(key=lambda s: s.index)
    result.unsent.sort(key=lambda u: u.index)
    return result
