"""Which versions of a contract accept a detail: the one acceptance check `infer` uses.

Kept in one small function so the conformance module (`registry/conform.py`,
"which versions accept this envelope") can replace it: `infer` calls only
`accepting_versions` and `first_error`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fastjsonschema

from registry.loader import schema_validator
from registry.model import EventContract, SchemaVersion

__all__ = ["Rejection", "accepting_versions", "first_error"]

_VALIDATORS: dict[str, Callable[[Any], Any]] = {}


@dataclass(frozen=True)
class Rejection:
    """Why a version rejects a detail: the first failing JSON pointer (into the envelope) and the message."""

    version: int
    pointer: str
    message: str


def _validator(version: SchemaVersion) -> Callable[[Any], Any]:
    found = _VALIDATORS.get(version.fingerprint)
    if found is None:
        found = _VALIDATORS[version.fingerprint] = schema_validator(dict(version.schema))
    return found


def _pointer(path: list[Any]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path[1:]]  # path[0] is "data"
    return "/detail" + ("/" + "/".join(parts) if parts else "")


def first_error(version: SchemaVersion, detail: Any) -> Rejection | None:
    """None when `version` accepts `detail`, else where and why it does not."""
    try:
        _validator(version)(detail)
        return None
    except fastjsonschema.JsonSchemaValueException as exc:
        return Rejection(version.number, _pointer(list(exc.path)), exc.message.removeprefix(exc.name or "").strip())


def accepting_versions(contract: EventContract, detail: Any) -> list[int]:
    """The version numbers of `contract` whose schema accepts `detail` (compiled validators, cached)."""
    return [v.number for v in contract.versions if first_error(v, detail) is None]
