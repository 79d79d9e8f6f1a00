"""`python -m registry match --batch FILE`: the fixed command-line contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from registry.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "routing"


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_batch_prints_one_verdict_per_line_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["match", "--batch", str(FIXTURES / "batch.jsonl")], capsys)
    assert code == 0
    assert out == (FIXTURES / "batch.expected").read_text()
    assert err == ""


def test_batch_as_a_subprocess_from_the_repo_root() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "registry", "match", "--batch", str(FIXTURES / "batch.jsonl")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout == (FIXTURES / "batch.expected").read_text()


@pytest.mark.parametrize(
    "content, expected",
    [
        ("not json\n", "line 1 is not JSON"),
        ('{"kind": "eventbridge", "pattern": {"a": ["b"]}, "event": {}}\n[1]\n', "line 2 is not a JSON object"),
        ('{"kind": "eventbridge", "event": {}}\n', "line 1 lacks 'pattern'"),
        ('{"pattern": {}, "event": {}}\n', "line 1 lacks 'kind'"),
        ('\n\n{"kind": "sqs", "pattern": {}, "event": {}}\n', "line 3: unknown kind 'sqs'"),
        ('{"kind": "sns", "scope": "Body", "pattern": {}, "event": {}}\n', "line 1: unknown scope 'Body'"),
    ],
)
def test_malformed_line_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    batch = tmp_path / "cases.jsonl"
    batch.write_text(content)
    code, out, err = run_cli(["match", "--batch", str(batch)], capsys)
    assert code == 2
    assert out == ""  # nothing is printed before the whole file is understood
    assert expected in err
    assert "Traceback" not in err


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(["match", "--batch", str(tmp_path / "missing.jsonl")], capsys)
    assert code == 2
    assert "cannot read the batch file" in err


def test_not_utf8_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "latin1.jsonl"
    batch.write_bytes(b'{"kind": "\xff"}\n')
    code, _, err = run_cli(["match", "--batch", str(batch)], capsys)
    assert code == 2
    assert "cannot read" in err


def test_empty_file_prints_nothing_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "empty.jsonl"
    batch.write_text("")
    assert run_cli(["match", "--batch", str(batch)], capsys) == (0, "", "")


def test_missing_scope_means_message_attributes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = {"kind": "sns", "pattern": {"a": ["x"]}, "event": {"a": {"Type": "String", "Value": "x"}}}
    batch = tmp_path / "scope.jsonl"
    batch.write_text(json.dumps(line) + "\n")
    assert run_cli(["match", "--batch", str(batch)], capsys) == (0, "true\n", "")


def test_pattern_given_as_text_as_aws_takes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = {
        "kind": "eventbridge",
        "scope": None,
        "pattern": json.dumps({"detail": {"a": [1]}}),
        "event": {"detail": {"a": 1}},
    }
    batch = tmp_path / "text.jsonl"
    batch.write_text(json.dumps(line) + "\n")
    assert run_cli(["match", "--batch", str(batch)], capsys) == (0, "true\n", "")
