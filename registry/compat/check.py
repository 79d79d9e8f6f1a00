"""Compatibility modes on top of the diff: which direction, against which versions.

BACKWARD compares (old, new): a reader of NEW reads data written with OLD.
FORWARD compares (new, old): a reader of OLD reads data written with NEW.
FULL is both, NONE nothing; `_TRANSITIVE` checks against every earlier
version instead of only the previous one. Findings always point into the
newer file, since that is the one its author can still change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from registry.compat.engine import Change, diff_documents
from registry.compat.nodes import Document, SchemaError, load_document
from registry.compat.rules import MODES, RULES
from registry.errors import InputError, UsageError
from registry.findings import Finding, Severity

__all__ = ["check_compatibility", "check_history", "diff_schemas", "directions", "load", "validate"]

_CACHE_LIMIT = 4096
_documents: dict[int, tuple[Any, Document]] = {}


def directions(mode: str) -> tuple[str, ...]:
    """The comparisons a mode needs: 'backward' (old, new) and/or 'forward' (new, old)."""
    if mode not in MODES:
        raise UsageError(f"unknown compatibility mode {mode!r}; valid modes: {', '.join(MODES)}")
    base = mode.removesuffix("_TRANSITIVE")
    return {"NONE": (), "BACKWARD": ("backward",), "FORWARD": ("forward",), "FULL": ("backward", "forward")}[base]


def load(schema: Any, file: str) -> Document:
    """Load (once per schema object, which is treated as immutable) or raise InputError naming the file."""
    hit = _documents.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    try:
        document = load_document(schema)
    except SchemaError as exc:
        raise InputError(file, exc.message, pointer=exc.pointer, hint=exc.hint) from exc
    except RecursionError as exc:
        raise _too_deep(file) from exc
    if len(_documents) >= _CACHE_LIMIT:
        _documents.clear()
    _documents[id(schema)] = (schema, document)  # holding the schema keeps its id from being reused
    return document


def diff_schemas(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference Confluent's compare(old, new) reports, compatible or not."""
    return _diff(load(old, "old"), load(new, "new"), "old", "new")


def _diff(
    original: Document, update: Document, original_file: str, update_file: str, incompatible_only: bool = False
) -> list[Change]:
    """diff_documents, turning a keyword found unreadable on the way into an InputError naming its file."""
    try:
        return diff_documents(original.root, update.root, incompatible_only=incompatible_only)
    except SchemaError as exc:
        validate(original, original_file)
        validate(update, update_file)
        raise InputError(update_file, exc.message, pointer=exc.pointer, hint=exc.hint) from exc
    except RecursionError as exc:
        raise _too_deep(f"{original_file} / {update_file}") from exc


def _too_deep(file: str) -> InputError:
    return InputError(
        file,
        "the schema is nested too deeply to compare",
        hint="flatten it: move nested object schemas under `definitions` and `$ref` them",
    )


def validate(document: Document, file: str) -> None:
    """Read every subschema of `document`; InputError naming the file and pointer of the first bad one."""
    try:
        document.load_all()
    except SchemaError as exc:
        raise InputError(file, exc.message, pointer=exc.pointer, hint=exc.hint) from exc


def check_compatibility(
    old: Mapping[str, Any], new: Mapping[str, Any], mode: str, *, old_file: str = "old", new_file: str = "new"
) -> list[Finding]:
    """Incompatible changes of NEW against OLD under `mode`, as error findings pointing into NEW's file."""
    wanted = directions(mode)
    if not wanted:
        return []
    old_doc, new_doc = load(old, old_file), load(new, new_file)
    findings = []
    if "backward" in wanted:
        for change in _diff(old_doc, new_doc, old_file, new_file, incompatible_only=True):
            if not change.compatible:
                findings.append(_finding(change, "BACKWARD", old_file, new_file, swapped=False))
    if "forward" in wanted:
        for change in _diff(new_doc, old_doc, new_file, old_file, incompatible_only=True):
            if not change.compatible:
                findings.append(_finding(change, "FORWARD", old_file, new_file, swapped=True))
    return findings


def check_history(history: Sequence[tuple[str, Mapping[str, Any]]], mode: str) -> list[Finding]:
    """Check the last version against the previous one, or every earlier one when the mode is transitive."""
    directions(mode)
    if len(history) < 2:
        return []
    new_file, new = history[-1]
    earlier = history[:-1] if mode.endswith("_TRANSITIVE") else history[-2:-1]
    findings: list[Finding] = []
    for old_file, old in earlier:
        findings.extend(check_compatibility(old, new, mode, old_file=old_file, new_file=new_file))
    return findings


def _finding(change: Change, direction: str, old_file: str, new_file: str, *, swapped: bool) -> Finding:
    rule = RULES[change.rule_id]
    # compare(new, old) for FORWARD: the original side is the new file
    new_side, old_side = (
        (change.original_pointer, change.update_pointer)
        if swapped
        else (change.update_pointer, change.original_pointer)
    )
    old_value, new_value = (change.new, change.old) if swapped else (change.old, change.new)
    reader, writer = (old_file, new_file) if swapped else (new_file, old_file)
    message = (
        f"{direction}: {change.rule_id.replace('_', ' ').lower()} at {change.path}; "
        f"a reader of {reader} cannot read data written with {writer}"
    )
    if new_side is None and old_side is not None:
        message += f" (gone from {new_file}; the pointer is into {old_file})"
    return Finding(
        file=new_file,
        pointer=new_side or old_side or "",
        rule_id=change.rule_id,
        message=message,
        old=old_value,
        new=new_value,
        hint=rule.hint_for("forward" if swapped else "backward"),
        severity=Severity.ERROR,
    )
