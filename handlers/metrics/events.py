"""Turn one SQS record into a countable `MetricEvent` or a `Rejection` with its reason.

Each SQS record body is the EventBridge envelope a rule delivered. It is
validated against the contract versions the bundle carries (validators
generated at build time by `registry.bundle`, imported lazily per contract
version so a cold start compiles nothing), then reduced to the counters it
bumps and the idempotency key that makes it count once.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from fastjsonschema import JsonSchemaValueException

if TYPE_CHECKING:  # the generated models type what this handler reads; nothing is imported at run time
    from contracts_py.subscriptions.metrics import waiting_completion  # the fields its subscription reads

__all__ = [
    "MAX_DRINK_BYTES",
    "TOTAL_SK",
    "ContractIndex",
    "Increment",
    "MetricEvent",
    "Rejection",
    "bundled_contracts",
    "day_pk",
    "drink_sk",
    "parse_record",
    "record_trace_id",
    "trace_id",
]

TOTAL_SK = "TOTAL"
MAX_DRINK_BYTES = 200
_VALIDATORS = f"{__package__}.validators"

Validate = Callable[[Any], Any]
# (source, detail-type) -> {"key", "dedupe_key": [...], "versions": {n: module name}}
ContractIndex = Mapping[tuple[str, str], Mapping[str, Any]]


@dataclass(frozen=True, order=True)
class Increment:
    """Add 1 to `attribute` of the item (pk, sk)."""

    pk: str
    sk: str
    attribute: str


@dataclass(frozen=True)
class MetricEvent:
    message_id: str
    key: str  # the idempotency record's pk: IDEMPOTENCY#<sha256 of source, detail-type, dedupe values>
    day: str  # YYYY-MM-DD of the envelope's `time` (UTC)
    increments: tuple[Increment, ...]
    trace_id: str = ""  # the producer's X-Ray trace (the record's AWSTraceHeader Root), for the logs


@dataclass(frozen=True)
class Rejection:
    """A record that can never be counted: reported so it reaches the DLQ."""

    message_id: str
    reason: str
    trace_id: str = ""


def trace_id(header: str) -> str:
    """The `Root=` of an X-Ray trace header (`Root=1-...;Parent=...;Sampled=1`), or '' when it has none."""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "Root":
            return value
    return ""


def record_trace_id(record: Mapping[str, Any], fallback: str = "") -> str:
    """The trace the record's producer started: SQS keeps it as the AWSTraceHeader system attribute
    (EventBridge and SNS set it from PutEvents' TraceHeader); else `fallback` (the invocation's own)."""
    attributes = record.get("attributes")
    header = attributes.get("AWSTraceHeader") if isinstance(attributes, Mapping) else None
    return trace_id(header) if isinstance(header, str) and trace_id(header) else trace_id(fallback)


def day_pk(day: str) -> str:
    return f"DAY#{day}"


def drink_sk(drink: str) -> str:
    return f"DRINK#{drink}"


class _Invalid(Exception):
    """Internal: why a record was rejected."""


def _drink(detail: Mapping[str, Any]) -> str:
    """The drink of a Serverlesspresso order: `drinkOrder` is an object or JSON text of one.

    `detail` was validated against the contract, so it is typed by the contract's model:
    a field renamed in the contract fails mypy here, not the Lambda in production.
    """
    typed = cast("waiting_completion.Detail", detail)
    # subscripted, not .get(): mypy checks a subscript key against the model, and .get() keys it does not
    order: Any = typed["drinkOrder"] if "drinkOrder" in typed else None  # noqa: SIM401
    if isinstance(order, str):  # JSON text of the object (the order manager's stored string)
        try:
            order = json.loads(order)
        except json.JSONDecodeError as exc:
            raise _Invalid(f"/detail/drinkOrder is a string but not JSON ({exc.msg})") from None
    drink = order.get("drink") if isinstance(order, dict) else None
    if not isinstance(drink, str) or not drink.strip():
        raise _Invalid("/detail/drinkOrder/drink is missing or not a non-empty string")
    if len(drink.encode()) > MAX_DRINK_BYTES:  # it becomes part of a sort key (at most 1024 bytes)
        raise _Invalid(f"/detail/drinkOrder/drink is longer than {MAX_DRINK_BYTES} bytes")
    return drink.strip()


def _orders(detail: Mapping[str, Any], day: str) -> tuple[Increment, ...]:
    return (Increment(day_pk(day), TOTAL_SK, "orders"), Increment(day_pk(day), drink_sk(_drink(detail)), "count"))


def _cancelled(detail: Mapping[str, Any], day: str) -> tuple[Increment, ...]:
    return (Increment(day_pk(day), TOTAL_SK, "cancelled"),)


def _completed(detail: Mapping[str, Any], day: str) -> tuple[Increment, ...]:
    return (Increment(day_pk(day), TOTAL_SK, "completed"),)


# detail-type -> the counters one event bumps. An event type is counted only when
# its contract is also in the bundle (OrderCompleted waits for its contract).
RULES: dict[str, Callable[[Mapping[str, Any], str], tuple[Increment, ...]]] = {
    "OrderManager.WaitingCompletion": _orders,
    "OrderManager.OrderCancelled": _cancelled,
    "OrderManager.OrderCompleted": _completed,
}


def bundled_contracts() -> ContractIndex:
    """The contract index the bundle generated (cheap: no schema code is imported)."""
    contracts: ContractIndex = importlib.import_module(_VALIDATORS).CONTRACTS
    return contracts


def _validator(module: str) -> Validate:
    mod: ModuleType = importlib.import_module(f"{_VALIDATORS}.{module}")
    validate: Validate = mod.validate
    return validate


def _pointer(name: str) -> str:
    """fastjsonschema's `data.a[0].b` as a JSON pointer into the envelope: `/detail/a/0/b`."""
    rest = name.removeprefix("data")
    return "/detail" + rest.replace("[", ".").replace("]", "").replace(".", "/")


def _validate(detail: Any, contract: Mapping[str, Any], load: Callable[[str], Validate]) -> None:
    """Valid when any bundled version accepts it; otherwise every version's first error is reported.

    Where the bundle projected the contract onto the fields this Lambda reads, only
    those are validated (unread fields may drift) and the reason says so.
    """
    errors = []
    read = f", fields read: {', '.join(contract['reads'])}" if contract.get("reads") else ""
    for number, module in sorted(contract["versions"].items(), reverse=True):
        try:
            load(module)(detail)
            return
        except JsonSchemaValueException as exc:
            errors.append(f"{_pointer(exc.name or 'data')}: {exc.message} (contract {contract['key']} v{number}{read})")
    raise _Invalid("; ".join(errors))


def _path(envelope: Mapping[str, Any], dotted: str) -> Any:
    value: Any = envelope
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise _Invalid(f"dedupe key path {dotted!r} is missing from the event")
        value = value[part]
    if value is None or value == "" or isinstance(value, (dict, list)):
        raise _Invalid(f"dedupe key path {dotted!r} must be a non-empty scalar, got {json.dumps(value)[:60]}")
    return value


def _idempotency_key(envelope: Mapping[str, Any], contract: Mapping[str, Any]) -> str:
    """Scoped by source and detail-type so two events sharing an order id never collide."""
    values = [envelope["source"], envelope["detail-type"]] + [_path(envelope, p) for p in contract["dedupe_key"]]
    digest = hashlib.sha256(json.dumps(values, separators=(",", ":"), sort_keys=True).encode()).hexdigest()
    return f"IDEMPOTENCY#{digest}"


def _day(envelope: Mapping[str, Any]) -> str:
    text = envelope.get("time")
    try:
        return datetime.fromisoformat(str(text)).date().isoformat()
    except ValueError:
        raise _Invalid(f"/time must be an ISO 8601 timestamp, got {json.dumps(text)[:60]}") from None


def _envelope(body: Any) -> dict[str, Any]:
    try:
        envelope = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise _Invalid(f"body is not JSON ({exc})") from None
    if not isinstance(envelope, dict):
        raise _Invalid("body is not an EventBridge event (a JSON object)")
    for name in ("source", "detail-type", "detail", "time"):
        if name not in envelope:
            raise _Invalid(f"/{name} is missing: the body must be the EventBridge event envelope")
    if not isinstance(envelope["source"], str) or not isinstance(envelope["detail-type"], str):
        raise _Invalid("/source and /detail-type must be strings")
    return envelope


def parse_record(
    record: Mapping[str, Any],
    contracts: ContractIndex,
    load: Callable[[str], Validate] = _validator,
    invocation_trace: str = "",
) -> MetricEvent | Rejection:
    """Never raises for bad input: every problem becomes a `Rejection` with its reason."""
    message_id = str(record.get("messageId", ""))
    trace = record_trace_id(record, invocation_trace)
    try:
        envelope = _envelope(record.get("body"))
        source, detail_type = envelope["source"], envelope["detail-type"]
        contract = contracts.get((source, detail_type))
        rule = RULES.get(detail_type)
        if contract is None or rule is None:
            raise _Invalid(f"no metrics contract for source {source!r} detail-type {detail_type!r}")
        _validate(envelope["detail"], contract, load)
        day = _day(envelope)
        key = _idempotency_key(envelope, contract)
        return MetricEvent(message_id, key, day, rule(envelope["detail"], day), trace)
    except _Invalid as exc:
        return Rejection(message_id, str(exc), trace)
