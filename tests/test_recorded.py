"""The one reader of recorded events: every wrapped form unwrapped, every bad line reported, none fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.errors import InputError
from registry.recorded import BadLine, RecordedEvent, iter_recorded

ENVELOPE = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "OrderManager.WaitingCompletion",
    "source": "awsserverlessda.serverlesspresso",
    "account": "123456789012",
    "time": "2021-11-26T14:08:27Z",
    "region": "us-west-2",
    "resources": [],
    "detail": {"orderId": "1", "orderNumber": "112", "userId": "u"},
}


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_wrapped_form_yields_the_same_envelope(tmp_path: Path) -> None:
    body = json.dumps(ENVELOPE)
    sns_note = {"Type": "Notification", "MessageId": "m", "Message": body}
    lines = [
        body,
        json.dumps({"messageId": "1", "body": body, "eventSource": "aws:sqs"}),
        json.dumps({"Records": [{"messageId": "2", "body": body}, {"messageId": "3", "body": json.dumps(sns_note)}]}),
        json.dumps(sns_note),
        json.dumps({"EventSource": "aws:sns", "Sns": {"Message": body}}),
        json.dumps({"timestamp": 1637935707000, "message": body}),
        f"2021-11-26T14:08:27.000Z {body}",
    ]
    read = list(iter_recorded([_write(tmp_path, "events.jsonl", lines)]))
    assert all(isinstance(r, RecordedEvent) for r in read)
    assert [r.envelope for r in read] == [ENVELOPE] * 8  # type: ignore[union-attr]
    assert [r.line for r in read] == [1, 2, 3, 3, 4, 5, 6, 7]
    assert [r.wrapper for r in read] == [  # type: ignore[union-attr]
        "eventbridge", "sqs", "sqs", "sns", "sns", "sns", "cloudwatch-logs", "cloudwatch-logs",
    ]  # fmt: skip


def test_bad_lines_are_reported_with_their_number_and_the_rest_still_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "mixed.jsonl", [json.dumps(ENVELOPE), "{not json", "[1]", '{"body": "nope"}', "", "7"])
    read = list(iter_recorded([path]))
    bad = [r for r in read if isinstance(r, BadLine)]
    assert [r.line for r in read if isinstance(r, RecordedEvent)] == [1]
    assert [(b.line, b.reason.split(" ")[0]) for b in bad] == [(2, "not"), (3, "a"), (4, "the"), (6, "a")]
    assert all(b.where.startswith(str(path)) for b in bad)


def test_a_pretty_printed_file_is_one_document(tmp_path: Path) -> None:
    path = tmp_path / "sample.json"
    path.write_text(json.dumps([ENVELOPE, ENVELOPE], indent=2), encoding="utf-8")
    assert [r.envelope for r in iter_recorded([path])] == [ENVELOPE, ENVELOPE]  # type: ignore[union-attr]


def test_a_folder_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    _write(tmp_path / "b", "x.jsonl", [json.dumps(ENVELOPE)])
    _write(tmp_path, "a.ndjson", [json.dumps(ENVELOPE)])
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    assert [Path(r.file).name for r in iter_recorded([tmp_path])] == ["a.ndjson", "x.jsonl"]


def test_binary_file_is_a_bad_line_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "blob.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage")
    (bad,) = list(iter_recorded([path]))
    assert isinstance(bad, BadLine) and "not UTF-8" in bad.reason


@pytest.mark.parametrize("name", ["missing.jsonl", "empty_dir"])
def test_missing_path_or_empty_folder_is_an_input_error(tmp_path: Path, name: str) -> None:
    if name == "empty_dir":
        (tmp_path / name).mkdir()
    with pytest.raises(InputError) as err:
        list(iter_recorded([tmp_path / name]))
    assert name in str(err.value)


def test_a_broken_pretty_printed_document_is_one_bad_line_where_it_breaks(tmp_path: Path) -> None:
    path = tmp_path / "sample.json"
    text = json.dumps(ENVELOPE, indent=2).splitlines()
    text.insert(3, '  "oops": ,')  # line 4: a key without a value
    path.write_text("\n".join(text), encoding="utf-8")
    (bad,) = list(iter_recorded([path]))
    assert isinstance(bad, BadLine) and bad.line == 4 and bad.reason.startswith("not a JSON document")


def test_json_lines_whose_first_line_is_broken_still_read_the_rest(tmp_path: Path) -> None:
    path = _write(tmp_path, "e.jsonl", ['{"source": "x"', json.dumps(ENVELOPE), json.dumps(ENVELOPE)])
    read = list(iter_recorded([path]))
    assert [type(r).__name__ for r in read] == ["BadLine", "RecordedEvent", "RecordedEvent"]


def test_cli_outputs_of_sqs_receive_message_and_logs_filter_log_events_are_unwrapped(tmp_path: Path) -> None:
    body = json.dumps(ENVELOPE)
    sqs = {"Messages": [{"MessageId": "m", "ReceiptHandle": "r", "MD5OfBody": "x", "Body": body}]}
    logs = {
        "events": [{"logStreamName": "s", "timestamp": 1, "message": body, "ingestionTime": 2}],
        "searchedLogStreams": [],
    }
    path = _write(tmp_path, "cli.jsonl", [json.dumps(sqs), json.dumps(logs)])
    read = list(iter_recorded([path]))
    assert [(r.wrapper, r.envelope) for r in read] == [("sqs", ENVELOPE), ("cloudwatch-logs", ENVELOPE)]  # type: ignore[union-attr]
