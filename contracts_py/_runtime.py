"""What the generated bindings share at run time: version bindings, validation, dispatch.

Hand-written and imported by every generated module (relatively, so the package
can be vendored under another name). It needs only the standard library and
fastjsonschema, which the metrics Lambda's bundle already carries: models are
TypedDicts, so a consumer pays nothing at import time, tolerates the unknown
fields an external producer adds, and the contract's own JSON Schema stays the
one judge of what is valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

import fastjsonschema

__all__ = ["Binding", "ContractMismatch", "Failure", "ParsedEvent", "first_accepting"]

D = TypeVar("D")


@dataclass(frozen=True)
class Failure:
    """Why one version rejected a detail: the JSON pointer into the envelope and the validator's reason."""

    version: int
    pointer: str
    reason: str

    def __str__(self) -> str:
        return f"v{self.version} at {self.pointer or '/'}: {self.reason}"


class ContractMismatch(ValueError):
    """A detail (or envelope) that no version of its contract accepts; `failures` says where each one stops."""

    def __init__(self, key: str, failures: Sequence[Failure], what: str = "detail") -> None:
        self.key = key
        self.failures = tuple(failures)
        reasons = "; ".join(str(f) for f in self.failures)
        super().__init__(f"{what} matches no version of {key}: {reasons}")


class ParsedEvent(Protocol):
    """What every generated `Parsed` offers, whatever its event and version."""

    @property
    def version(self) -> int: ...
    @property
    def envelope(self) -> Mapping[str, object]: ...
    @property
    def detail(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class Binding(Generic[D]):
    """One contract version as generated code carries it; `D` is the version's detail TypedDict.

    `fingerprint` is the registry's sha256 of the version's canonical JSON: the
    producer helper refuses a binding whose fingerprint is not the registry's
    (stale bindings), so a model can never drift from its contract unnoticed.
    """

    key: str  # "<domain>/<Event>"
    source: str
    detail_type: str
    version: int
    fingerprint: str
    schema_json: str  # the version's schema without its examples, canonical JSON
    _compiled: list[Callable[[Any], Any]] = field(default_factory=list, compare=False, repr=False)

    def validate(self, detail: Any) -> D:
        """The detail, typed, when this version accepts it; else ContractMismatch naming the pointer."""
        failure = self.failure(detail)
        if failure is not None:
            raise ContractMismatch(self.key, [failure])
        return cast(D, detail)

    def failure(self, detail: Any) -> Failure | None:
        if not self._compiled:  # compiled on first use: importing bindings costs nothing
            self._compiled.append(fastjsonschema.compile(json.loads(self.schema_json), use_default=False))
        try:
            self._compiled[0](detail)
        except fastjsonschema.JsonSchemaValueException as exc:
            pointer = "".join(f"/{_escape(str(part))}" for part in exc.path[1:])
            return Failure(self.version, "/detail" + pointer, exc.message.removeprefix(exc.name or "").strip() or exc.message)
        return None


def first_accepting(bindings: Sequence[Binding[Any]], envelope: Mapping[str, Any]) -> int:
    """The newest version (bindings are newest first) whose schema accepts the envelope's detail.

    The envelope must be this contract's (source and detail-type); otherwise, and
    when no version accepts the detail, ContractMismatch names every version's pointer.
    """
    newest = bindings[0]
    if not isinstance(envelope, dict | Mapping) or "detail" not in envelope:
        raise ContractMismatch(newest.key, [Failure(newest.version, "/detail", "missing")], "envelope")
    for field_name, expected in (("source", newest.source), ("detail-type", newest.detail_type)):
        if envelope.get(field_name) != expected:
            reason = f"is {envelope.get(field_name)!r}, not {expected!r}"
            raise ContractMismatch(newest.key, [Failure(newest.version, f"/{field_name}", reason)], "envelope")
    failures = []
    for binding in bindings:
        failure = binding.failure(envelope["detail"])
        if failure is None:
            return binding.version
        failures.append(failure)
    raise ContractMismatch(newest.key, failures)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
