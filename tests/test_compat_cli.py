"""`python -m registry diff`: exit codes, output, bad input (never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from registry.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "compat"


def _pair(rule: str) -> tuple[str, str]:
    return str(FIXTURES / rule / "old.json"), str(FIXTURES / rule / "new.json")


def test_compatible_pair_exits_0_with_verdict(capsys):
    assert main(["diff", *_pair("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("COMPATIBLE under BACKWARD")


def test_incompatible_pair_exits_1_and_lists_the_finding(capsys):
    old, new = _pair("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
    assert main(["diff", old, new]) == 1
    out = capsys.readouterr().out
    assert "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL" in out and f"{new}#/properties/note" in out
    assert "fix: add the field as an optional property" in out
    assert out.rstrip().endswith("INCOMPATIBLE under BACKWARD")


@pytest.mark.parametrize(
    "mode, code",
    [("BACKWARD", 0), ("FORWARD", 1), ("FULL", 1), ("NONE", 0), ("forward_transitive", 1), ("BACKWARD_TRANSITIVE", 0)],
)
def test_mode_decides_direction(mode, code, capsys):
    assert main(["diff", *_pair("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"), "--mode", mode]) == code


def test_json_output_has_verdict_findings_and_changes(capsys):
    assert main(["diff", *_pair("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"), "--json", "--mode", "FULL"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["compatible"] is False and result["mode"] == "FULL"
    assert [f["rule_id"] for f in result["findings"]] == ["PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"]
    assert {(c["direction"], c["rule_id"]) for c in result["changes"]} == {
        ("backward", "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"),
        ("forward", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"),
    }


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "registry", "diff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_bad_inputs_exit_2_with_one_clear_message(tmp_path):
    good = tmp_path / "good.json"
    good.write_text('{"type": "object"}')
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "object",\n  "properties": {,}}')
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"type": "object", "properties": {"a": {"type": "strng"}}}')
    cases = {
        (str(good), str(tmp_path / "missing.json")): "missing.json: file not found",
        (str(good), str(broken)): "broken.json:2:18: malformed JSON",
        (str(listed), str(good)): "must be a JSON object or boolean",
        (str(good), str(wrong)): "wrong.json at /properties/a/type: unknown type 'strng'",
        (str(good), str(good), "--mode", "SIDEWAYS"): "unknown compatibility mode 'SIDEWAYS'",
    }
    for args, message in cases.items():
        result = _run(tmp_path, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""


SEMANTIC = Path(__file__).parent / "compat_semantic"


def test_diff_reports_the_semantic_verdict_and_no_semantic_gives_the_rules_alone(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTPLANE_COMPAT_CACHE", str(tmp_path / "cache"))
    old, new = (str(SEMANTIC / "if_then_else_changed" / n) for n in ("old.json", "new.json"))
    assert main(["diff", old, new, "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["compatible"] is False and result["changes"] == []
    [finding] = result["findings"]
    assert finding["rule_id"] == "WRITER_EVENT_REJECTED_BY_READER" and finding["pointer"] == "/then/required"
    assert finding["example"]["rejected_by"] == f"{new}#/then/required"
    [verdict] = result["verdicts"]
    assert verdict["verdict"] == "incompatible" and verdict["semantic"]["counterexample"]["event"]["kind"] == "card"
    assert list((tmp_path / "cache").rglob("*.json"))  # cached by fingerprint pair
    assert main(["diff", old, new, "--no-semantic"]) == 0
    out = capsys.readouterr().out
    assert "BACKWARD: " in out and "compatible by rules" in out and out.rstrip().endswith("COMPATIBLE under BACKWARD")


def test_diff_text_shows_the_counterexample_and_the_pair_verdicts(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTPLANE_COMPAT_CACHE", str(tmp_path / "cache"))
    old, new = (str(SEMANTIC / "const_versus_one_element_enum" / n) for n in ("old.json", "new.json"))
    assert main(["diff", old, new, "--mode", "FULL"]) == 0  # a proved false alarm passes ...
    out = capsys.readouterr().out
    assert "WARNING TYPE_CHANGED" in out and "proved compatible" in out  # ... and stays visible
    assert main(["diff", old, new, "--mode", "FULL", "--no-semantic"]) == 1
