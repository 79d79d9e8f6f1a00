"""Reading recorded events: EventBridge envelopes as real traffic leaves them on disk.

`conform`, `infer`, `route --events` and the evidence check in the gate all read
recorded events through this one reader, so they agree on what a file holds.

Accepted, one JSON value per line (JSON Lines), or one JSON document per file
(an envelope or an array of them, as producers' repositories keep samples):
- an EventBridge envelope (`source`, `detail-type`, `detail`), as an archive
  replay, a capture rule to SQS or a CloudWatch Logs target writes it;
- an SQS record (`body` holds the envelope, or an SNS notification of it), a
  Lambda SQS batch `{"Records": [...]}` or `aws sqs receive-message` output
  `{"Messages": [{"Body": ...}]}`;
- an SNS notification (`Type: Notification`, `Message` holds the envelope) or
  an SNS Lambda record (`Sns: {...}`);
- a CloudWatch Logs line: `{"timestamp", "message"}` as `filter-log-events`
  exports it (also its whole `{"events": [...]}` output), or `<timestamp> <json>`
  as an S3 export writes it.

A line that is none of these is a `BadLine` (file and line number), never an
exception, so one bad line does not hide the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.errors import InputError

__all__ = ["RECORDED_SUFFIXES", "BadLine", "RecordedEvent", "iter_recorded", "recorded_files"]

RECORDED_SUFFIXES = (".jsonl", ".ndjson", ".json", ".log")
_ENVELOPE_KEYS = ("source", "detail-type", "detail")
# Lists of records: a Lambda SQS/SNS batch, `aws sqs receive-message` output, `aws logs filter-log-events` output
_BATCH_KEYS = ("Records", "Messages", "events")


@dataclass(frozen=True)
class RecordedEvent:
    """One EventBridge envelope and where it was read."""

    file: str
    line: int  # 1-based; for a whole-file JSON document, the line it starts on (1)
    envelope: Mapping[str, Any]
    wrapper: str  # "eventbridge", "sqs", "sns" or "cloudwatch-logs": how it was recorded

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class BadLine:
    """A line (or file) that holds no readable envelope; the rest of the input is still read."""

    file: str
    line: int
    reason: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def recorded_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files named, and under each folder every file with a recorded-events suffix, sorted."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RECORDED_SUFFIXES)
            if not found:
                raise InputError(
                    str(path),
                    "no recorded events here",
                    hint=f"pass a file or a folder holding {', '.join(RECORDED_SUFFIXES)} files",
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise InputError(str(path), "not a regular file or folder", hint="pass a JSON Lines file or a folder")
        else:
            raise InputError(str(path), "file not found", hint="check the path")
    return files


def iter_recorded(paths: Iterable[Path | str]) -> Iterator[RecordedEvent | BadLine]:
    """Every envelope in the files (in file and line order), and every line that holds none."""
    for path in recorded_files(paths):
        yield from _read_file(path)


def _read_file(path: Path) -> Iterator[RecordedEvent | BadLine]:
    """Stream the file line by line (a million-event capture is never held in memory twice).

    Lines are split on newline bytes only: a JSON string may hold U+2028, which
    `str.splitlines` would wrongly treat as a line break. A file whose first
    non-blank line is an incomplete `{` or `[` is read whole as one document.
    """
    file = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(file, f"cannot read the file: {exc.strerror or exc}", hint="check its permissions") from exc
    with handle:
        lines = enumerate(handle, start=1)
        for number, raw in lines:
            stripped = raw.strip()
            if not stripped:
                continue
            value, wrapper = _parse_line(stripped)
            if value is _UNPARSABLE and stripped[:1] in (b"{", b"["):
                whole_bytes = raw + handle.read()
                whole, error = _whole_document(whole_bytes)
                if whole is not None:
                    yield from _unwrap(file, number, whole, "eventbridge")
                    return
                rest = whole_bytes.split(b"\n")[1:]
                if error is not None and error.lineno > 1 and not _next_line_is_json(rest):
                    # a multi-line document with a syntax error: one finding where it breaks, not one per line
                    where = number + error.lineno - 1
                    yield BadLine(file, where, f"not a JSON document: {error.msg} (column {error.colno})")
                    return
                lines = enumerate(rest, start=number + 1)
            yield from _line_events(file, number, value, wrapper)
            break
        for number, raw in lines:
            stripped = raw.strip()
            if stripped:
                value, wrapper = _parse_line(stripped)
                yield from _line_events(file, number, value, wrapper)


def _line_events(file: str, number: int, value: Any, wrapper: str) -> Iterator[RecordedEvent | BadLine]:
    if value is _NOT_UTF8:
        yield BadLine(file, number, "not UTF-8 text")
    elif value is _UNPARSABLE:
        yield BadLine(file, number, "not JSON, nor a CloudWatch Logs line holding JSON")
    elif type(value) is dict and "detail" in value and "source" in value and "detail-type" in value:
        yield RecordedEvent(file, number, value, wrapper)  # the common case, without the general unwrapping
    else:
        yield from _unwrap(file, number, value, wrapper)


_UNPARSABLE = object()
_NOT_UTF8 = object()


def _whole_document(data: bytes) -> tuple[Any, json.JSONDecodeError | None]:
    """A file that is one multi-line JSON document (an envelope or an array), else None and why."""
    try:
        value = json.loads(data.decode("utf-8"))
    except json.JSONDecodeError as exc:
        return None, exc
    except (UnicodeDecodeError, RecursionError):
        return None, None
    return (value, None) if isinstance(value, list | dict) else (None, None)


def _next_line_is_json(lines: list[bytes]) -> bool:
    """True when the next non-blank line parses on its own: JSON Lines whose first line is broken."""
    following = next((line.strip() for line in lines if line.strip()), b"")
    return bool(following) and _parse_line(following)[0] not in (_UNPARSABLE, _NOT_UTF8)


def _parse_line(line: bytes) -> tuple[Any, str]:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return _NOT_UTF8, ""
    try:
        return json.loads(text), "eventbridge"
    except (json.JSONDecodeError, RecursionError):
        pass
    # CloudWatch Logs S3 export: "<timestamp> <message>"
    stamp, _, rest = text.partition(" ")
    if stamp and rest.lstrip().startswith("{"):
        try:
            return json.loads(rest), "cloudwatch-logs"
        except (json.JSONDecodeError, RecursionError):
            pass
    return _UNPARSABLE, ""


def _unwrap(file: str, line: int, value: Any, wrapper: str) -> Iterator[RecordedEvent | BadLine]:
    if isinstance(value, list):
        for item in value:
            yield from _unwrap(file, line, item, wrapper)
        return
    if not isinstance(value, dict):
        yield BadLine(file, line, f"a JSON {type(value).__name__}, not an event envelope")
        return
    if all(key in value for key in _ENVELOPE_KEYS):
        yield RecordedEvent(file, line, value, wrapper)
        return
    batch = next((value[k] for k in _BATCH_KEYS if isinstance(value.get(k), list)), None)
    if batch is not None:
        for record in batch:
            yield from _unwrap(file, line, record, wrapper)
        return
    inner, inner_wrapper = _inner(value)
    if inner is None:
        yield BadLine(
            file,
            line,
            "not an EventBridge envelope (needs source, detail-type and detail) nor an SQS, SNS or "
            "CloudWatch Logs record wrapping one",
        )
        return
    try:
        parsed = json.loads(inner)
    except (json.JSONDecodeError, RecursionError, TypeError):
        yield BadLine(file, line, f"the {inner_wrapper} record's payload is not JSON")
        return
    yield from _unwrap(file, line, parsed, inner_wrapper)


def _inner(value: dict[str, Any]) -> tuple[Any, str]:
    """The JSON text a known wrapper carries, and the wrapper's name."""
    if isinstance(value.get("body"), str):  # SQS record (Lambda event shape or ReceiveMessage's Body lower-cased)
        return value["body"], "sqs"
    if isinstance(value.get("Body"), str):  # SQS ReceiveMessage
        return value["Body"], "sqs"
    if isinstance(value.get("Sns"), dict):  # SNS record in a Lambda event
        return value["Sns"].get("Message"), "sns"
    if value.get("Type") == "Notification" and isinstance(value.get("Message"), str):
        return value["Message"], "sns"
    if isinstance(value.get("message"), str) and "timestamp" in value:  # CloudWatch Logs filter-log-events
        return value["message"], "cloudwatch-logs"
    return None, ""
