"""Which JSON Schema draft a contract is written in, and which validator compiles it.

`$schema` decides. Draft-04/06/07 compile with fastjsonschema (generated
Python: what the metrics Lambda ships); 2019-09 and 2020-12 compile with
jsonschema-rs, because fastjsonschema stops at draft-07 (no `prefixItems`,
`dependentRequired`, `unevaluated*`, `$defs`...). jsonschema-rs was chosen over
the pure-Python jsonschema by measurement (about 100x faster per event on our
contracts, and it reports the schema path of each rejection, which the
compatibility counterexamples show). Both raise
`fastjsonschema.JsonSchemaValueException` here, so every caller (loader,
producer) keeps one exception channel. Nothing here fetches a remote `$ref`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema_rs

from registry.schema_refs import NO_REMOTE

__all__ = [
    "CONTRACT_DRAFTS",
    "FAST_DRAFTS",
    "Rejection",
    "UnsupportedDraft",
    "ValidationFailure",
    "compile_validator",
    "draft_of",
    "draft_of_or_none",
    "metaschema_errors",
    "rejection",
]

_DRAFT_URIS = {
    "draft-04": "json-schema.org/draft-04/schema",
    "draft-06": "json-schema.org/draft-06/schema",
    "draft-07": "json-schema.org/draft-07/schema",
    "2019-09": "json-schema.org/draft/2019-09/schema",
    "2020-12": "json-schema.org/draft/2020-12/schema",
}
_URIS = {
    f"{scheme}://{uri}{tail}": name
    for name, uri in _DRAFT_URIS.items()
    for scheme in ("http", "https")
    for tail in ("", "#")
}
FAST_DRAFTS = frozenset({"draft-04", "draft-06", "draft-07"})  # what fastjsonschema compiles
CONTRACT_DRAFTS = frozenset({"draft-07", "2019-09", "2020-12"})  # what a contract version may declare
_RS_CLASSES = {
    "draft-04": jsonschema_rs.Draft4Validator,
    "draft-06": jsonschema_rs.Draft6Validator,
    "draft-07": jsonschema_rs.Draft7Validator,
    "2019-09": jsonschema_rs.Draft201909Validator,
    "2020-12": jsonschema_rs.Draft202012Validator,
}


class UnsupportedDraft(ValueError):
    """`$schema` names no draft this platform validates."""

    def __init__(self, declared: Any) -> None:
        super().__init__(f"unsupported $schema {declared!r}")
        self.declared = declared


def draft_of(schema: Any) -> str:
    """The draft `schema` declares; draft-07 when it declares none (the contract default)."""
    declared = schema.get("$schema") if isinstance(schema, Mapping) else None
    if declared is None:
        return "draft-07"
    name = _URIS.get(declared) if isinstance(declared, str) else None
    if name is None:
        raise UnsupportedDraft(declared)
    return name


def draft_of_or_none(schema: Any) -> str | None:
    """draft_of, or None for a `$schema` naming no known draft."""
    try:
        return draft_of(schema)
    except UnsupportedDraft:
        return None


class ValidationFailure(fastjsonschema.JsonSchemaValueException):
    """A jsonschema-rs rejection in fastjsonschema's shape (`path` starts with "data", like fastjsonschema's)."""

    def __init__(self, message: str, value: Any, path: list[Any], rule: str) -> None:
        super().__init__(message, value=value, name="data", definition=None, rule=rule)
        self._path = ["data", *path]

    @property
    def path(self) -> list[Any]:
        return self._path


def compile_validator(schema: Any) -> Callable[[Any], Any]:
    """A validator raising JsonSchemaValueException, for the draft `schema` declares (UnsupportedDraft if none)."""
    draft = draft_of(schema)
    if draft in FAST_DRAFTS:
        # use_default=False: fastjsonschema would otherwise write each `default` into the data it checks
        return fastjsonschema.compile(schema, use_default=False, handlers=NO_REMOTE)
    validator = _rs_validator(schema, draft)

    def validate(data: Any) -> Any:
        for error in validator.iter_errors(data):
            rule = str(error.schema_path[-1]) if error.schema_path else ""
            raise ValidationFailure(error.message, error.instance, list(error.instance_path), rule)
        return data

    return validate


def _rs_validator(schema: Any, draft: str) -> Any:
    try:
        return _RS_CLASSES[draft](schema, validate_formats=True, offline=True)
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError) as exc:
        raise fastjsonschema.JsonSchemaDefinitionException(str(exc).splitlines()[0]) from exc


@dataclass(frozen=True)
class Rejection:
    """Where a schema rejects an instance: the spot in the instance and the keyword in the schema."""

    instance_pointer: str
    schema_pointer: str
    message: str


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def rejection(schema: Any, instance: Any) -> Rejection | None:
    """The first reason `schema` rejects `instance` (None when it accepts), located in both documents."""
    try:
        draft = draft_of(schema)
    except UnsupportedDraft:
        draft = "draft-07"
    try:
        validator = _RS_CLASSES[draft](schema, validate_formats=True, offline=True)
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        return None
    for error in validator.iter_errors(instance):
        return Rejection(_pointer(error.instance_path), _pointer(error.schema_path), error.message)
    return None


@cache
def _draft07_metaschema() -> Callable[[Any], Any]:
    path = Path(__file__).with_name("metaschemas") / "draft-07.json"
    return fastjsonschema.compile(json.loads(path.read_text()), use_default=False, handlers=NO_REMOTE)


def metaschema_errors(schema: Any) -> None:
    """Raise JsonSchemaValueException (path into the schema) when `schema` breaks its draft's metaschema."""
    if draft_of(schema) == "draft-07":
        _draft07_metaschema()(schema)
        return
    try:
        jsonschema_rs.meta.validate(schema)
    except jsonschema_rs.ValidationError as exc:
        raise ValidationFailure(exc.message, exc.instance, list(exc.instance_path), "metaschema") from None
