"""The adversarial sweep (issue 18): no gate bypass, no traceback, nothing lost or half-written.

Each test reproduces one input from the sweep and asserts the promise: a clear
finding or input error naming the file, exit 1 or 2, and files left whole.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry import atomic, aws_limits
from registry.cli import main
from registry.errors import InputError
from registry.gate import evaluate
from registry.loader import load_registry, load_with_findings
from registry.stack_config import parse_stack_config, read_stack_file
from tests.registry_builder import order_schema, write_event, write_lock, write_subscriptions

KEY = "shop/OrderPlaced"


def rules(root: Path) -> list[tuple[str, str, str]]:
    _, findings = load_with_findings(root, display_root=root)
    return sorted((f.rule_id, f.file, f.pointer) for f in findings)


def gate_errors(root: Path, **kw: Any) -> list[str]:
    return sorted({f.rule_id for f in evaluate(root, **kw).report.errors})


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    return code, text


def locked(root: Path, versions: list[Any], mode: str = "FULL_TRANSITIVE") -> Path:
    write_event(root, KEY, versions, compatibility=mode)
    code = main(["lock", "--contracts", str(root)])
    assert code == 0
    return root


# --- gate bypasses --------------------------------------------------------------------------------


def test_a_duplicate_compatibility_key_is_a_finding_not_last_one_wins(tmp_path: Path) -> None:
    directory = write_event(tmp_path, KEY, [order_schema()])
    text = (directory / "event.json").read_text()
    (directory / "event.json").write_text(
        text.replace('"owner"', '"compatibility": "FULL_TRANSITIVE", "compatibility": "NONE", "owner"')
    )
    assert ("JSON_KEY_DUPLICATED", "events/shop/OrderPlaced/event.json", "/compatibility") in rules(tmp_path)
    assert evaluate(tmp_path).exit_code == 1


def test_duplicate_keys_in_subscription_lock_and_schema_files_are_findings(tmp_path: Path) -> None:
    directory = write_event(tmp_path, KEY, ['{"type": "object", "type": "string", "examples": ["x"]}'])
    sub = write_subscriptions(tmp_path, "team", [])
    sub.write_text('{"team": "team", "team": "other", "subscriptions": []}')
    (tmp_path / "registry.lock.json").write_text('{"lockVersion": 1, "published": {}, "published": {}}')
    found = rules(tmp_path)
    assert ("JSON_KEY_DUPLICATED", "events/shop/OrderPlaced/v1.json", "/type") in found
    assert ("JSON_KEY_DUPLICATED", "subscriptions/team.json", "/team") in found
    assert ("JSON_KEY_DUPLICATED", "registry.lock.json", "/published") in found
    assert directory.is_dir()


def test_a_duplicate_key_in_a_stack_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  aws:region: us-east-1\n  aws:region: eu-west-1\n")
    with pytest.raises(InputError) as caught:
        read_stack_file(path)
    assert caught.value.line == 3 and "duplicate key 'aws:region'" in caught.value.message


def test_a_duplicate_key_inside_a_json_config_value_is_refused() -> None:
    with pytest.raises(InputError, match="duplicate key"):
        parse_stack_config(
            {"aws:region": "us-east-1", "eventplane:namePrefix": "ep", "eventplane:archiveRetentionDays": 1,
             "eventplane:functions": '{"a": "x", "a": "y"}'},
            stack="dev",
            source="Pulumi.dev.yaml",
        )  # fmt: skip


def test_weakening_the_mode_is_rejected_and_shows_the_breaking_change_it_would_hide(tmp_path: Path) -> None:
    locked(tmp_path, [order_schema(closed=True)])
    breaking = order_schema(closed=True, required=["orderId"])
    breaking["properties"]["amount"] = {"type": "string"}
    breaking["examples"] = [{"orderId": "o-1", "amount": "12"}]
    write_event(tmp_path, KEY, [order_schema(closed=True), breaking], compatibility="NONE")
    report = evaluate(tmp_path).report
    weakened = [f for f in report.errors if f.rule_id == "COMPATIBILITY_MODE_WEAKENED"]
    assert weakened and weakened[0].file.endswith("event.json") and weakened[0].pointer == "/compatibility"
    assert (weakened[0].old, weakened[0].new) == ("FULL_TRANSITIVE", "NONE")
    assert "backward" not in weakened[0].message.lower() or "would allow" in weakened[0].message
    assert any(f.rule_id == "TYPE_CHANGED" for f in report.errors)  # what NONE would have let through


def test_weakening_is_rejected_against_the_base_branch_even_without_lock_modes(tmp_path: Path) -> None:
    write_event(tmp_path, KEY, [order_schema()], compatibility="FULL_TRANSITIVE")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "base"], check=True
    )
    write_event(tmp_path, KEY, [order_schema()], compatibility="FORWARD")
    assert "COMPATIBILITY_MODE_WEAKENED" in gate_errors(tmp_path, against="HEAD")
    assert "COMPATIBILITY_MODE_WEAKENED" not in gate_errors(tmp_path)  # no lock: nothing recorded to compare


def test_strengthening_the_mode_is_checked_against_the_whole_history(tmp_path: Path) -> None:
    open_v2 = order_schema(extra={"note": {"type": "string"}})
    locked(tmp_path, [order_schema(), open_v2], mode="FORWARD_TRANSITIVE")
    write_event(tmp_path, KEY, [order_schema(), open_v2], compatibility="FULL_TRANSITIVE")
    assert "COMPATIBILITY_MODE_HISTORY_INCOMPATIBLE" in gate_errors(tmp_path)
    write_event(tmp_path, KEY, [order_schema(), open_v2], compatibility="FORWARD")  # weaker: refused too
    assert "COMPATIBILITY_MODE_WEAKENED" in gate_errors(tmp_path)


def test_strengthening_that_the_history_satisfies_passes_and_lock_records_it(tmp_path: Path) -> None:
    locked(tmp_path, [order_schema()], mode="FORWARD")
    write_event(tmp_path, KEY, [order_schema()], compatibility="FULL_TRANSITIVE")
    assert gate_errors(tmp_path) == []
    assert main(["lock", "--contracts", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "registry.lock.json").read_text())["modes"] == {KEY: "FULL_TRANSITIVE"}


@pytest.mark.parametrize("ref", ["file:///tmp/ext.json", "common.json", "https://example.invalid/s.json"])
def test_a_ref_outside_the_document_is_a_finding_and_never_fetched(
    tmp_path: Path, ref: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: Any, **kw: Any) -> Any:
        raise AssertionError("the gate must never fetch")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    schema = order_schema(extra={"ext": {"$ref": ref}})
    write_event(tmp_path, KEY, [schema])
    found = rules(tmp_path)
    assert ("SCHEMA_REF_EXTERNAL", "events/shop/OrderPlaced/v1.json", "/properties/ext/$ref") in found
    finding = next(f for f in evaluate(tmp_path).report.errors if f.rule_id == "SCHEMA_REF_EXTERNAL")
    assert "definitions" in finding.hint


def test_a_nested_id_that_changes_the_base_uri_is_a_finding(tmp_path: Path) -> None:
    schema = order_schema(extra={"sub": {"$id": "https://example.invalid/x.json", "type": "string"}})
    write_event(tmp_path, KEY, [schema])
    assert ("SCHEMA_REF_EXTERNAL", "events/shop/OrderPlaced/v1.json", "/properties/sub/$id") in rules(tmp_path)


def test_a_dangling_ref_and_a_ref_cycle_are_named(tmp_path: Path) -> None:
    schema = order_schema(extra={"a": {"$ref": "#/definitions/A"}, "z": {"$ref": "#/definitions/Nope"}})
    schema["definitions"] = {"A": {"$ref": "#/definitions/B"}, "B": {"$ref": "#/definitions/A"}}
    write_event(tmp_path, KEY, [schema])
    found = rules(tmp_path)
    assert ("SCHEMA_REF_DANGLING", "events/shop/OrderPlaced/v1.json", "/properties/z/$ref") in found
    assert ("SCHEMA_REF_CYCLE", "events/shop/OrderPlaced/v1.json", "/definitions/A/$ref") in found


@pytest.mark.parametrize("applicator", ["allOf", "anyOf", "oneOf"])
def test_a_ref_back_to_the_same_value_through_an_applicator_is_a_cycle_not_a_recursion_error(
    tmp_path: Path, applicator: str
) -> None:
    schema = {**order_schema(), applicator: [{"$ref": "#"}, {"type": "object"}]}
    write_event(tmp_path, KEY, [schema])
    found = load_with_findings(tmp_path, display_root=tmp_path)[1]
    assert [(f.rule_id, f.pointer) for f in found] == [("SCHEMA_REF_CYCLE", f"/{applicator}/0/$ref")]
    assert "validation never ends" in found[0].message


def test_local_refs_anchors_and_recursive_types_are_not_findings(tmp_path: Path) -> None:
    from registry.schema_refs import ref_problems

    schema = order_schema(extra={"tree": {"$ref": "#/definitions/node"}, "tag": {"$ref": "#Tag"}})
    schema["definitions"] = {
        "node": {
            "type": "object",
            "properties": {"children": {"type": "array", "items": {"$ref": "#/definitions/node"}}},
        },
        "tag": {"$id": "#Tag", "type": "string"},
    }
    schema["examples"] = [{"orderId": "o", "amount": 1, "tree": {"children": [{"children": []}]}, "$ref": "x"}]  # data
    write_event(tmp_path, KEY, [schema])
    assert rules(tmp_path) == []
    assert ref_problems({"$defs": {"a": {"$anchor": "A"}}, "properties": {"x": {"$ref": "#A"}}}) == []


@pytest.mark.parametrize(
    "relative",
    ["subscriptions/x.JSON", "subscriptions/x.jsn", "events/OrderPlaced/event.json", "events/shop/notes.txt", "x.md"],
)
def test_files_the_loader_would_never_read_are_findings_naming_the_layout(tmp_path: Path, relative: str) -> None:
    write_event(tmp_path, KEY, [order_schema()])
    (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / relative).write_text("{}")
    found = [f for f in load_with_findings(tmp_path, display_root=tmp_path)[1] if f.rule_id == "FILE_MISPLACED"]
    assert [f.file for f in found] == [relative]
    assert "events/<domain>/<Event>" in found[0].hint


def test_an_invalid_event_folder_name_is_refused_before_lock_writes_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked(tmp_path, [order_schema()])
    before = (tmp_path / "registry.lock.json").read_bytes()
    write_event(tmp_path, "shop/Order Created Ü", [order_schema()], **{"detail-type": "OrderCreatedU"})
    assert ("EVENT_NAME_INVALID", "events/shop/Order Created Ü", "") in rules(tmp_path)
    code, text = run_cli(capsys, "lock", "--contracts", str(tmp_path))
    assert code == 1 and "letters, digits" in text
    assert (tmp_path / "registry.lock.json").read_bytes() == before


# --- tracebacks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_json_numbers_in_a_schema_or_example_are_unreadable_input(tmp_path: Path, literal: str) -> None:
    text = json.dumps(order_schema()).replace('"minimum": 0', f'"minimum": {literal}')
    write_event(tmp_path, KEY, [text])
    assert ("JSON_NUMBER_INVALID", "events/shop/OrderPlaced/v1.json", "/properties/amount/minimum") in rules(tmp_path)
    assert evaluate(tmp_path).exit_code == 2
    example = json.dumps(order_schema()).replace('"amount": 150', f'"amount": {literal}')
    write_event(tmp_path, KEY, [example])
    assert ("JSON_NUMBER_INVALID", "events/shop/OrderPlaced/v1.json", "/examples/1/amount") in rules(tmp_path)


def test_ten_thousand_levels_of_nesting_are_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_event(tmp_path, KEY, ['{"type": "object", "examples": [{}], "x": ' + "[" * 10000 + "]" * 10000 + "}"])
    code, text = run_cli(capsys, "check", "--contracts", str(tmp_path))
    assert code == 2 and "JSON_TOO_DEEP" in text and "v1.json" in text


def test_a_schema_too_deep_for_the_validator_is_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(60):
        schema = {"not": schema}
    write_event(tmp_path, KEY, [{**schema, "examples": [1]}])
    code, text = run_cli(capsys, "check", "--contracts", str(tmp_path))
    assert code == 1 and "SCHEMA_TOO_DEEP" in text


def test_diff_refuses_a_remote_ref_and_names_a_cycle_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps(order_schema()))
    remote = tmp_path / "remote.json"
    remote.write_text(json.dumps(order_schema(extra={"r": {"$ref": "https://example.invalid/x.json"}})))
    code, text = run_cli(capsys, "diff", str(old), str(remote))
    assert code == 2 and "remote.json" in text and "outside this document" in text and "INCOMPATIBLE" not in text
    cyclic = order_schema(extra={"c": {"$ref": "#/definitions/A"}})
    cyclic["definitions"] = {"A": {"$ref": "#/definitions/B"}, "B": {"$ref": "#/definitions/A"}}
    cycle = tmp_path / "cycle.json"
    cycle.write_text(json.dumps(cyclic))
    code, text = run_cli(capsys, "diff", str(old), str(cycle))
    assert code == 2 and "$ref cycle" in text and "unresolved" not in text


def test_catalog_under_a_file_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_event(tmp_path / "c", KEY, [order_schema()])
    (tmp_path / "file").write_text("x")
    code, text = run_cli(capsys, "catalog", "--contracts", str(tmp_path / "c"), "--out", str(tmp_path / "file/cat"))
    assert code == 2 and "file/cat" in text and "is a file, not a folder" in text


def test_lock_on_a_dangling_symlink_is_an_input_error_and_leaves_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_event(tmp_path, KEY, [order_schema()])
    (tmp_path / "registry.lock.json").symlink_to(tmp_path / "missing.json")
    code, text = run_cli(capsys, "lock", "--contracts", str(tmp_path))
    assert code == 2 and "broken symbolic link" in text
    assert (tmp_path / "registry.lock.json").is_symlink()


def test_lock_refuses_a_read_only_lock_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_event(tmp_path, KEY, [order_schema()])
    write_lock(tmp_path, {})
    (tmp_path / "registry.lock.json").chmod(0o444)
    code, text = run_cli(capsys, "lock", "--contracts", str(tmp_path))
    assert code == 2 and "read-only" in text
    assert json.loads((tmp_path / "registry.lock.json").read_text())["published"] == {}


def test_a_schema_keyword_of_the_wrong_type_is_a_finding_not_a_type_error(tmp_path: Path) -> None:
    write_event(tmp_path, KEY, [{**order_schema(), "$schema": ["http://json-schema.org/draft-07/schema#"]}])
    assert ("SCHEMA_DRAFT_UNSUPPORTED", "events/shop/OrderPlaced/v1.json", "/$schema") in rules(tmp_path)


# --- data safety ---------------------------------------------------------------------------------


def test_a_failed_atomic_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "registry.lock.json"
    target.write_text("old")

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(InputError, match="No space left"):
        atomic.write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["registry.lock.json"]  # no temp file left behind


def test_exclusive_serialises_writers(tmp_path: Path) -> None:
    target = tmp_path / "registry.lock.json"
    with atomic.exclusive(target):
        other = os.open(tmp_path / ".registry.lock.json.lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)


def test_concurrent_locks_never_show_a_reader_an_empty_or_partial_lock(tmp_path: Path) -> None:
    write_event(tmp_path, KEY, [order_schema()])
    write_lock(tmp_path, {})
    script = "from registry.cli import main; import sys; sys.exit(main(['lock', '--contracts', sys.argv[1]]))"
    root = Path(__file__).resolve().parents[1]
    writers = [
        subprocess.Popen([os.sys.executable, "-c", script, str(tmp_path)], cwd=root, stdout=subprocess.DEVNULL)
        for _ in range(2)
    ]
    seen = []
    while any(w.poll() is None for w in writers):
        seen.append(json.loads((tmp_path / "registry.lock.json").read_text())["lockVersion"])
        time.sleep(0.002)
    assert all(w.wait() == 0 for w in writers)
    assert set(seen) <= {1}
    assert list(json.loads((tmp_path / "registry.lock.json").read_text())["published"]) == [f"{KEY}/v1"]


def test_catalog_stages_its_pages_and_a_failed_write_leaves_the_old_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.commands.catalog import write_site

    out = tmp_path / "out"
    write_site({"index.md": "old index", "events/a/B.md": "old page"}, out)
    calls = {"n": 0}
    real = Path.write_text

    def fail_second(self: Path, *args: Any, **kw: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kw)

    monkeypatch.setattr(Path, "write_text", fail_second)
    with pytest.raises(InputError):
        write_site({"index.md": "new index", "events/a/B.md": "new page"}, out)
    assert (out / "index.md").read_text() == "old index" and (out / "events/a/B.md").read_text() == "old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # the staging folder is gone


# --- accepted offline, rejected by AWS -----------------------------------------------------------


def _subscription(root: Path, delivery: dict[str, Any]) -> None:
    write_event(root, KEY, [order_schema()])
    write_subscriptions(root, "team", [{"name": "s", "event": KEY, "delivery": delivery}])


@pytest.mark.parametrize(
    "expression, reason",
    [
        ("cron(99 99 * * ? *)", "minutes value '99' is outside 0-59"),
        ("cron(0 2 * * * *)", "exactly one of day-of-month and day-of-week must be ?"),
        ("cron(0 2 * * ?)", "cron needs 6 fields"),
        ("rate(1 minutes)", "singular only for 1"),
        ("rate(0 hours)", "positive"),
        ("cron(0 2 ? * 9 *)", "day-of-week value '9'"),
    ],
)
def test_schedules_eventbridge_would_refuse_are_refused_offline(expression: str, reason: str) -> None:
    assert reason in aws_limits.schedule_problem(expression)
    with pytest.raises(InputError, match="EventBridge would refuse"):
        parse_stack_config(
            {"aws:region": "us-east-1", "eventplane:namePrefix": "ep", "eventplane:archiveRetentionDays": 1,
             "eventplane:schedule": {"name": "s", "expression": expression}},
            stack="dev",
            source="Pulumi.dev.yaml",
        )  # fmt: skip


@pytest.mark.parametrize("expression", ["cron(0 2 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0/15 * ? * 6L *)"])
def test_schedules_from_the_eventbridge_docs_are_accepted(expression: str) -> None:
    assert aws_limits.schedule_problem(expression) == ""


@pytest.mark.parametrize(
    "endpoint", ["https://api.example.com/a b", "https://api.example.com/{id}", "https://ü.example"]
)
def test_api_destination_endpoints_eventbridge_would_refuse_are_refused_offline(endpoint: str) -> None:
    assert aws_limits.api_endpoint_problem("https://api.example.com/v1/events?x=1") == ""
    assert "percent-encode" in aws_limits.api_endpoint_problem(endpoint)


def test_a_metrics_batch_above_ten_needs_a_batching_window(tmp_path: Path) -> None:
    _subscription(tmp_path, {"type": "metrics", "batch_size": 100, "batching_window_seconds": 0})
    assert "DELIVERY_BATCHING_INVALID" in gate_errors(tmp_path)
    _subscription(tmp_path, {"type": "metrics", "batch_size": 100, "batching_window_seconds": 1})
    assert "DELIVERY_BATCHING_INVALID" not in gate_errors(tmp_path)


def test_a_fifo_queue_without_content_based_deduplication_is_refused(tmp_path: Path) -> None:
    delivery = {"type": "queue", "fifo": True, "message_group_id": "g", "content_based_deduplication": False}
    _subscription(tmp_path, delivery)
    assert "FIFO_DEDUPLICATION_MISSING" in gate_errors(tmp_path)


def test_input_paths_must_be_json_paths_eventbridge_takes(tmp_path: Path) -> None:
    transformer = {"input_paths": {"id": "detail.orderId", "ok": "$.detail.orderId"}, "input_template": "<ok>"}
    _subscription(tmp_path, {"type": "api", "destination": "d", "input_transformer": transformer})
    report = evaluate(tmp_path).report
    (bad,) = [f for f in report.errors if f.rule_id == "INPUT_PATH_INVALID"]
    assert bad.pointer == "/subscriptions/0/delivery/input_transformer/input_paths/id"


def _stack(root: Path, **extra: Any) -> None:
    config = {"aws:region": "us-east-1", "eventplane:namePrefix": "ep", "eventplane:archiveRetentionDays": 1}
    config.update(extra)
    (root / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))


def test_check_refuses_an_unknown_api_destination_or_function_before_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contracts = tmp_path / "contracts"
    _subscription(contracts, {"type": "lambda", "function": "nope"})
    _stack(tmp_path)
    code, text = run_cli(capsys, "check", "--contracts", str(contracts))
    assert code == 1 and "SUBSCRIPTION_TARGET_UNKNOWN" in text and "'nope' is not configured for stack dev" in text
    _stack(tmp_path, **{"eventplane:subscriptions": {"disabled": ["team.s", "team.ghost"]}})
    code, text = run_cli(capsys, "check", "--contracts", str(contracts))
    assert "STACK_SUBSCRIPTION_UNKNOWN" in text and "SUBSCRIPTION_TARGET_UNKNOWN" not in text
    _stack(tmp_path, **{"eventplane:schedule": {"name": "s", "expression": "cron(99 99 * * ? *)"}})
    code, text = run_cli(capsys, "check", "--contracts", str(contracts))
    assert code == 1 and "STACK_CONFIG_INVALID" in text and "Pulumi.dev.yaml" in text


# --- messages ------------------------------------------------------------------------------------


def test_an_unreadable_version_does_not_make_subscriptions_claim_the_event_is_missing(tmp_path: Path) -> None:
    write_event(tmp_path, KEY, ["{not json"])
    write_subscriptions(tmp_path, "team", [{"name": "s", "event": KEY, "delivery": {"type": "queue"}}])
    assert [r for r, _, _ in rules(tmp_path)] == ["JSON_SYNTAX_ERROR"]


@pytest.mark.parametrize("kind", ["binary", "folder", "loop"])
def test_unreadable_files_say_why_not_json_syntax(tmp_path: Path, kind: str) -> None:
    directory = write_event(tmp_path, KEY, [order_schema()])
    target = directory / "v2.json"
    if kind == "binary":
        target.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    elif kind == "folder":
        target.mkdir()
    else:
        target.symlink_to(target)
    found = load_with_findings(tmp_path, display_root=tmp_path)[1]
    (unreadable,) = [f for f in found if f.file.endswith("v2.json")]
    assert unreadable.rule_id == "FILE_UNREADABLE" and "line and column" not in unreadable.hint


def test_a_bad_lock_hash_is_explained_in_plain_words(tmp_path: Path) -> None:
    write_event(tmp_path, KEY, [order_schema()])
    write_lock(tmp_path, {f"{KEY}/v1": "not-a-hash"})
    ((rule, message),) = [(f.rule_id, f.message) for f in load_with_findings(tmp_path)[1]]
    assert rule == "FILE_FORMAT_INVALID" and "not a sha256" in message and "data." not in message


def test_route_and_catalog_print_the_report_without_a_doubled_error_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_event(tmp_path, KEY, ["{not json"])
    code, text = run_cli(capsys, "catalog", "--contracts", str(tmp_path), "--out", str(tmp_path / "out"))
    assert code == 2 and "error: ERROR" not in text and "JSON_SYNTAX_ERROR" in text


def test_the_pr_report_escapes_angle_brackets() -> None:
    from registry.pr_report import _cell

    assert _cell("use <domain>/<Event>") == "use &lt;domain>/&lt;Event>"


def test_a_secret_with_an_extra_key_is_not_called_plain_text() -> None:
    values = {
        "aws:region": "us-east-1",
        "eventplane:namePrefix": "ep",
        "eventplane:archiveRetentionDays": 1,
        "eventplane:apiDestinations": {
            "d": {
                "endpoint": "https://x.example.com",
                "rateLimitPerSecond": 1,
                "auth": {"type": "API_KEY", "headerName": "k", "secretKey": "apiKey"},
            }
        },
        "eventplane:apiKey": {"secure": "v1:abc", "extra": 1},
    }
    with pytest.raises(InputError) as caught:
        parse_stack_config(values, stack="dev", source="Pulumi.dev.yaml")
    assert "extra key(s): extra" in caught.value.message and "plain text" not in caught.value.message


def test_scenario_statuses_and_repeats_are_bounded() -> None:
    from registry.local.scenario import MAX_REPEAT, parse_scenario

    registry = load_registry(Path(__file__).resolve().parents[1] / "contracts")
    event = {"event": "orders/OrderCreated", "example": "v1#0"}
    with pytest.raises(InputError, match="100 to 599"):
        parse_scenario({"events": [event], "api": {"d": {"status": 700}}}, "s.json", registry)
    with pytest.raises(InputError, match=f"limit of {MAX_REPEAT}"):
        parse_scenario({"events": [{**event, "repeat": 10**9}]}, "s.json", registry)


def test_the_program_refuses_what_aws_would_refuse_before_declaring_anything(tmp_path: Path) -> None:
    from registry.offline_plan import PlanRejected, plan_stack
    from tests.test_program_gate import ROOT, write_registry

    metrics = {"type": "metrics", "batch_size": 100, "batching_window_seconds": 0}
    write_registry(tmp_path / "contracts", [{"name": "m", "event": "tiny/ThingHappened", "delivery": metrics}])
    with pytest.raises(PlanRejected) as caught:
        plan_stack("dev", ROOT, contracts=tmp_path / "contracts")
    assert caught.value.declared == []
    assert {f.rule_id for f in caught.value.report.errors} == {"DELIVERY_BATCHING_INVALID"}
