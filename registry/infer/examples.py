"""`examples` for a drafted version, chosen from the samples.

Distinct shapes first (which keys, which types: one sample per shape, the
most frequent shape first), so a reader sees every variant a producer sends
before seeing a second sample of one. Values that look like secrets or
personal data are replaced by same-typed placeholders before they can be
committed; an example that the draft would then reject is skipped. The
examples together stay under the PutEvents entry limit (256 KB), as each one does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["MAX_EXAMPLES", "MAX_EXAMPLES_BYTES", "choose_examples", "redact", "shape"]

MAX_EXAMPLES = 5
MAX_EXAMPLES_BYTES = 256 * 1024

# Keys whose values are secrets or personal data whatever they look like (matched on the
# key lower-cased with `_`/`-` removed).
_SENSITIVE_KEY = re.compile(
    r"(password|passwd|secret|token|apikey|accesskey|authorization|credential|privatekey|signature|cookie|session"
    r"|ssn|socialsecurity|taxid|passport|iban|cardnumber|creditcard|cvv|pan$|email|phone|mobile|firstname|lastname"
    r"|fullname|^name$|surname|birth|dob$|street|address|postcode|zipcode|ipaddress|^ip$|sourceip|latitude|longitude)"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CARD = re.compile(r"^(?:\d[ -]?){13,19}$")
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_AWS_KEY = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{16}$")
_PHONE = re.compile(r"^\+\d[\d ()-]{7,}$")
_IPV4 = re.compile(r"^(\d{1,3}\.){3}\d{1,3}$")
_LONG_RANDOM = re.compile(r"^[A-Za-z0-9+/_=-]{32,}$")


_SCALAR_SHAPES = {bool: "boolean", int: "number", float: "number", str: "string", type(None): "null"}


def shape(value: Any) -> Any:
    """The structure of a value (keys and types, not values): samples of one shape differ only in data.

    Hashable and order-free (frozensets), so grouping 100,000 samples costs no sorting."""
    kind = type(value)
    if kind is dict:
        return frozenset((k, shape(v)) for k, v in value.items())
    if kind is list:
        return ("array", frozenset(shape(v) for v in value))
    return _SCALAR_SHAPES.get(kind, "other")


def _placeholder(text: str) -> str:
    if _EMAIL.match(text):
        return "user@example.com"
    if _IPV4.match(text):
        return "192.0.2.1"  # TEST-NET-1 (RFC 5737)
    if _PHONE.match(text):
        return "+15555550100"
    return "REDACTED"


def _looks_secret(text: str) -> bool:
    if _JWT.match(text) or _AWS_KEY.match(text) or _EMAIL.match(text) or _PHONE.match(text):
        return True
    if _CARD.match(text) and _luhn(re.sub(r"\D", "", text)):
        return True
    # long random-looking text with digits and both cases: a key or token, not a word or an id we show
    return bool(_LONG_RANDOM.match(text)) and any(c.isdigit() for c in text) and text.lower() != text != text.upper()


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def redact(value: Any, key: str = "") -> Any:
    """`value` with secrets and personal data replaced by placeholders of the same JSON type."""
    sensitive = bool(key) and bool(_SENSITIVE_KEY.search(key.lower().replace("_", "").replace("-", "")))
    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    if isinstance(value, str):
        return _placeholder(value) if sensitive or _looks_secret(value) else value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) and sensitive:
        return 0
    return value


def choose_examples(
    samples: Iterable[Any],
    accepts: Callable[[Any], bool],
    *,
    limit: int = MAX_EXAMPLES,
    max_bytes: int = MAX_EXAMPLES_BYTES,
    size_of: Callable[[Any], int] | None = None,
) -> list[Any]:
    """Up to `limit` distinct redacted samples accepted by the draft: one per shape (most frequent shape
    first), then further samples while there is room."""
    by_shape: dict[Any, list[Any]] = {}
    for sample in samples:
        by_shape.setdefault(shape(sample), []).append(sample)
    ordered: Sequence[list[Any]] = sorted(by_shape.values(), key=len, reverse=True)
    measure = size_of or (lambda v: len(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()))
    chosen: list[Any] = []
    total = 0
    # one per shape first (a few tries each: a redaction can break a sample's format), then more
    # samples of the most frequent shapes while there is room
    rounds = [[group[:3] for group in ordered], [[c] for group in ordered for c in group[1:]]]
    for candidates_per_slot in rounds:
        for candidates in candidates_per_slot:
            for candidate in candidates:
                example = redact(candidate)
                size = measure(example)
                if example in chosen or total + size > max_bytes or not accepts(example):
                    continue
                chosen.append(example)
                total += size
                break
            if len(chosen) >= limit:
                return chosen
    return chosen
