"""Compatibility modes on top of the diff: which direction, against which versions.

BACKWARD compares (old, new): a reader of NEW reads data written with OLD.
FORWARD compares (new, old): a reader of OLD reads data written with NEW.
FULL is both, NONE nothing; `_TRANSITIVE` checks against every earlier
version instead of only the previous one. Findings always point into the
newer file, since that is the one its author can still change.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from registry.compat.engine import Change, diff_documents
from registry.compat.nodes import Document, SchemaError, load_document
from registry.compat.rules import MODES, RULES
from registry.errors import InputError, UsageError
from registry.findings import Finding, Severity

if TYPE_CHECKING:
    from registry.compat.semantic import Judgement, Semantic

__all__ = [
    "SEMANTIC_RULE_ID",
    "PairVerdict",
    "check_compatibility",
    "check_history",
    "compare_history",
    "compare_versions",
    "diff_schemas",
    "directions",
    "gc_paused",
    "load",
    "validate",
]

SEMANTIC_RULE_ID = "WRITER_EVENT_REJECTED_BY_READER"
_SEMANTIC_HINT = {
    "backward": "make the new version accept this event (it is valid under the older one), or publish the change "
    "as a new event type",
    "forward": "older readers reject this event: keep every event the new version allows valid under the older one",
}

_CACHE_LIMIT = 4096
_DIRECTIONS = {"NONE": (), "BACKWARD": ("backward",), "FORWARD": ("forward",), "FULL": ("backward", "forward")}
_DEPTH_PROBE = json.JSONEncoder(default=str)
_documents: dict[int, tuple[Any, Document]] = {}


def directions(mode: str) -> tuple[str, ...]:
    """The comparisons a mode needs: 'backward' (old, new) and/or 'forward' (new, old)."""
    if mode not in MODES:
        raise UsageError(f"unknown compatibility mode {mode!r}; valid modes: {', '.join(MODES)}")
    return _DIRECTIONS[mode.removesuffix("_TRANSITIVE")]


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


@dataclass(slots=True)  # not frozen: one is made per comparison, and frozen __init__ costs several times more
class PairVerdict:
    """One comparison's outcome: which file writes, which reads, and how sure the verdict is."""

    direction: str  # BACKWARD (reader = new) or FORWARD (reader = old)
    writer: str
    reader: str
    verdict: str  # "incompatible", "proved compatible", "compatible by rules, no counterexample in N tries"
    judgement: Judgement | None = None

    @property
    def compatible(self) -> bool:
        return self.verdict != "incompatible"

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "writer": self.writer,
            "reader": self.reader,
            "verdict": self.verdict,
            "compatible": self.compatible,
            "semantic": self.judgement.to_json() if self.judgement else None,
        }


def check_compatibility(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    mode: str,
    *,
    old_file: str = "old",
    new_file: str = "new",
    semantic: Semantic | None = None,
) -> list[Finding]:
    """Incompatible changes of NEW against OLD under `mode`, as error findings pointing into NEW's file."""
    return compare_versions(old, new, mode, old_file=old_file, new_file=new_file, semantic=semantic)[0]


def compare_versions(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    mode: str,
    *,
    old_file: str = "old",
    new_file: str = "new",
    semantic: Semantic | None = None,
) -> tuple[list[Finding], list[PairVerdict]]:
    """Findings and one verdict per direction; with `semantic`, counterexamples and subschema proofs too."""
    wanted = directions(mode)
    if not wanted:
        return [], []
    old_doc, new_doc = load(old, old_file), load(new, new_file)
    findings: list[Finding] = []
    verdicts: list[PairVerdict] = []
    for direction in wanted:
        swapped = direction == "forward"
        label = direction.upper()
        original, update = (new_doc, old_doc) if swapped else (old_doc, new_doc)
        files = (new_file, old_file) if swapped else (old_file, new_file)
        rule_findings = [
            _finding(change, label, old_file, new_file, swapped=swapped)
            for change in _diff(original, update, *files, incompatible_only=True)
            if not change.compatible
        ]
        writer, reader = (new, old) if swapped else (old, new)
        writer_file, reader_file = files
        if semantic is None:
            verdict = "compatible by rules" if not rule_findings else "incompatible"
            findings.extend(rule_findings)
            verdicts.append(PairVerdict(label, writer_file, reader_file, verdict))
            continue
        judgement = semantic.judge(writer, reader)
        example = _example(judgement, reader_file)
        if rule_findings and judgement.counterexample is None and judgement.proof == "proved":
            note = (
                f"; kept as a warning: a subschema proof shows every event {writer_file} accepts passes {reader_file}"
            )
            rule_findings = [replace(f, severity=Severity.WARNING, message=f.message + note) for f in rule_findings]
            verdict = "proved compatible"
        elif rule_findings:
            rule_findings = [replace(f, example=example) for f in rule_findings]
            verdict = "incompatible"
        elif judgement.counterexample is not None:
            rule_findings = [_semantic_finding(judgement, label, old_file, new_file, reader_file, example=example)]
            verdict = "incompatible"
        elif judgement.proof == "proved":
            verdict = "proved compatible"
        elif judgement.tries:
            verdict = f"compatible by rules, no counterexample in {judgement.tries} tries"
        else:
            verdict = f"compatible by rules, no counterexample searched: {judgement.note}"
        findings.extend(rule_findings)
        verdicts.append(PairVerdict(label, writer_file, reader_file, verdict, judgement))
    return findings, verdicts


def _example(judgement: Judgement, reader_file: str) -> dict[str, Any] | None:
    found = judgement.counterexample
    if found is None:
        return None
    return {
        "event": found.event,
        "instance_pointer": found.instance_pointer,
        "rejected_by": f"{reader_file}#{found.schema_pointer}",
        "message": found.message,
    }


def _semantic_finding(
    judgement: Judgement, label: str, old_file: str, new_file: str, reader_file: str, *, example: dict[str, Any] | None
) -> Finding:
    assert judgement.counterexample is not None
    found = judgement.counterexample
    writer_file = new_file if reader_file == old_file else old_file
    where = found.instance_pointer or "/"
    message = (
        f"{label}: an event {writer_file} accepts is rejected by {reader_file} at {where} "
        f"({found.message}); no Confluent rule names this change"
    )
    if reader_file != new_file:
        message += f" (the pointer is into {reader_file})"
    return Finding(
        file=new_file,
        pointer=found.schema_pointer,
        rule_id=SEMANTIC_RULE_ID,
        message=message,
        hint=_SEMANTIC_HINT["forward" if label == "FORWARD" else "backward"],
        severity=Severity.ERROR,
        pairs=(old_file,),
        example=example,
    )


def check_history(
    history: Sequence[tuple[str, Mapping[str, Any]]], mode: str, *, semantic: Semantic | None = None
) -> list[Finding]:
    """Check the last version against the previous one, or every earlier one when the mode is transitive."""
    return compare_history(history, mode, semantic=semantic)[0]


def compare_history(
    history: Sequence[tuple[str, Mapping[str, Any]]], mode: str, *, semantic: Semantic | None = None
) -> tuple[list[Finding], list[PairVerdict]]:
    """check_history's findings plus every pair's verdict."""
    directions(mode)
    if len(history) < 2:
        return [], []
    new_file, new = history[-1]
    earlier = history[:-1] if mode.endswith("_TRANSITIVE") else history[-2:-1]
    findings: list[Finding] = []
    verdicts: list[PairVerdict] = []
    with gc_paused():
        for old_file, old in earlier:
            found, judged = compare_versions(old, new, mode, old_file=old_file, new_file=new_file, semantic=semantic)
            findings.extend(found)
            verdicts.extend(judged)
    return findings, verdicts


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Comparisons allocate many small, short-lived objects while the loaded documents stay alive: the cyclic
    collector's passes over those documents cost 10-20% of a registry check and free nothing (reference
    counting frees the temporaries). Paused for one history, restored after, even on error. Nested pauses are
    free: a caller checking many histories pauses once around them all, so the collector runs once at the
    end instead of once per history (each of those passes rescans every document loaded so far)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _finding(change: Change, direction: str, old_file: str, new_file: str, *, swapped: bool) -> Finding:
    rule = RULES[change.rule_id]
    # compare(new, old) for FORWARD: the original side is the new file
    new_side, old_side = (
        (change.original_pointer, change.update_pointer)
        if swapped
        else (change.update_pointer, change.original_pointer)
    )
    old_value, new_value = (change.new, change.old) if swapped else (change.old, change.new)
    try:  # a finding carries schema JSON that reports encode: one too deep to encode is refused here, not there
        _DEPTH_PROBE.encode([old_value, new_value])
    except RecursionError as exc:
        raise _too_deep(new_file) from exc
    reader, writer = (old_file, new_file) if swapped else (new_file, old_file)
    message = (
        f"{direction}: {change.rule_id.replace('_', ' ').lower()} at {change.path}; "
        f"readers of {reader} cannot read data written with {writer}"
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
        pairs=(old_file,),
    )
