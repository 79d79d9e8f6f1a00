"""Which versions of a contract accept a detail: the one acceptance check `infer` uses.

A thin adapter over `registry.conform` (the "which versions accept this
envelope" that `conform` and the gate's evidence check use), so `infer`,
`conform` and the gate judge samples with the same compiled validators and
report the same pointer and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry import conform
from registry.model import EventContract, SchemaVersion

__all__ = ["Rejection", "accepting_versions", "first_error"]


@dataclass(frozen=True)
class Rejection:
    """Why a version rejects a detail: the first failing JSON pointer (into the envelope) and the message."""

    version: int
    pointer: str
    message: str


def first_error(version: SchemaVersion, detail: Any) -> Rejection | None:
    """None when `version` accepts `detail`, else where and why it does not."""
    found = conform.first_rejection(version, detail)
    return None if found is None else Rejection(found.version, found.pointer, found.reason)


def accepting_versions(contract: EventContract, detail: Any) -> list[int]:
    """The version numbers of `contract` whose schema accepts `detail` (compiled validators, cached)."""
    return list(conform.accepting_versions(contract, detail)[0])
