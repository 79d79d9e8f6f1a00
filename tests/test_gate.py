"""The gate rejects what would break a consumer: edits, deletions, incompatible versions, live contracts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from registry.gate import baseline_from_git, evaluate, run_gate
from registry.loader import load_registry
from tests.registry_builder import order_schema, write_event, write_lock, write_subscriptions

ROOT = Path(__file__).resolve().parents[1]
KEY = "shop/OrderPlaced"


def errors(report) -> list[str]:
    return [f.rule_id for f in report.errors]


def locked_registry(tmp_path: Path, versions: list[dict]) -> Path:
    write_event(tmp_path, KEY, versions, compatibility="FULL_TRANSITIVE")
    registry = load_registry(tmp_path)
    write_lock(tmp_path, {f"{KEY}/v{v.number}": v.fingerprint for v in registry.events[KEY].versions})
    return tmp_path


def test_an_unchanged_locked_registry_passes(tmp_path: Path) -> None:
    root = locked_registry(tmp_path, [order_schema()])
    assert run_gate(load_registry(root)).findings == []


def test_editing_a_published_version_in_place_is_rejected(tmp_path: Path) -> None:
    root = locked_registry(tmp_path, [order_schema()])
    edited = order_schema()
    edited["properties"]["amount"]["minimum"] = 1
    (root / "events" / KEY / "v1.json").write_text(json.dumps(edited))
    (finding,) = run_gate(load_registry(root, display_root=root)).errors
    assert finding.rule_id == "PUBLISHED_VERSION_EDITED"
    assert finding.file == "events/shop/OrderPlaced/v1.json"
    assert "new version" in finding.hint


def test_reformatting_a_published_version_is_not_an_edit(tmp_path: Path) -> None:
    root = locked_registry(tmp_path, [order_schema()])
    (root / "events" / KEY / "v1.json").write_text(json.dumps(order_schema(), indent=8, sort_keys=True))
    assert run_gate(load_registry(root)).ok


def test_deleting_a_published_version_is_rejected(tmp_path: Path) -> None:
    root = locked_registry(tmp_path, [order_schema(), order_schema(extra={"note": {"type": "string"}}, closed=False)])
    (root / "events" / KEY / "v2.json").unlink()
    assert errors(run_gate(load_registry(root))) == ["PUBLISHED_VERSION_DELETED"]


def test_an_incompatible_new_version_is_rejected_under_the_event_mode(tmp_path: Path) -> None:
    from registry.compat import RULES

    root = locked_registry(tmp_path, [order_schema(closed=True)])
    removed = order_schema(closed=True, required=["orderId"])
    del removed["properties"]["amount"]
    removed["examples"] = [{"orderId": "o-1"}]
    (root / "events" / KEY / "v2.json").write_text(json.dumps(removed))
    report = run_gate(load_registry(root))
    assert not report.ok
    assert all(rule in RULES for rule in errors(report))
    assert {f.file for f in report.errors} == {str(root / "events" / KEY / "v2.json")} or {
        f.file for f in report.errors
    } == {"events/shop/OrderPlaced/v2.json"}


def test_a_compatible_new_version_passes_and_asks_to_be_locked(tmp_path: Path) -> None:
    root = locked_registry(tmp_path, [order_schema(closed=True)])
    (root / "events" / KEY / "v2.json").write_text(
        json.dumps(order_schema(closed=True, extra={"note": {"type": "string"}}))
    )
    write_event(
        root,
        KEY,
        [order_schema(closed=True), order_schema(closed=True, extra={"note": {"type": "string"}})],
        compatibility="BACKWARD_TRANSITIVE",
    )
    report = run_gate(load_registry(root))
    assert report.ok, report.render()
    assert [f.rule_id for f in report.findings] == ["VERSION_UNLOCKED"]


def test_what_the_stack_deployed_cannot_change_or_vanish(tmp_path: Path) -> None:
    root = locked_registry(tmp_path, [order_schema()])
    registry = load_registry(root)
    live = registry.events[KEY].versions[0].fingerprint
    assert run_gate(registry, deployed={f"{KEY}/v1": live}).ok
    assert errors(run_gate(registry, deployed={f"{KEY}/v1": "0" * 64})) == ["DEPLOYED_VERSION_CHANGED"]
    assert errors(run_gate(registry, deployed={"shop/Gone/v1": live})) == ["DEPLOYED_VERSION_REMOVED"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd, check=True, capture_output=True
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    contracts = tmp_path / "contracts"
    write_event(contracts, KEY, [order_schema()])  # on main but never locked: still published for a PR
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    return contracts


def test_against_a_base_ref_an_unlocked_version_on_main_is_published(repo: Path) -> None:
    edited = order_schema()
    edited["required"] = ["orderId"]
    (repo / "events" / KEY / "v1.json").write_text(json.dumps(edited))
    result = evaluate(repo, against="main")
    assert errors(result.report) == ["PUBLISHED_VERSION_EDITED"]
    assert result.exit_code == 1
    assert evaluate(repo).exit_code == 0  # without --against, only the lock counts


def test_against_a_base_ref_removing_lock_entries_is_rejected(repo: Path) -> None:
    registry = load_registry(repo)
    write_lock(repo, {f"{KEY}/v1": registry.events[KEY].versions[0].fingerprint})
    git(repo.parent, "add", "-A")
    git(repo.parent, "commit", "-qm", "lock")
    write_lock(repo, {})
    assert errors(evaluate(repo, against="main").report) == ["LOCK_ENTRY_REMOVED"]


def test_an_unknown_base_ref_is_bad_usage(repo: Path) -> None:
    from registry.errors import UsageError

    with pytest.raises(UsageError, match="no-such-branch"):
        baseline_from_git("no-such-branch", repo)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_check_cli_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    root = locked_registry(tmp_path, [order_schema()])
    ok = run_cli("check", "--contracts", str(root))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK: 0 error(s)" in ok.stdout
    (root / "events" / KEY / "v1.json").write_text('{"type": ')
    broken = run_cli("check", "--contracts", str(root), "--json")
    assert broken.returncode == 2
    report = json.loads(broken.stdout)
    assert report["findings"][0]["rule_id"] == "JSON_SYNTAX_ERROR"
    missing = run_cli("check", "--contracts", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "not a contracts directory" in missing.stderr
    for result in (ok, broken, missing):
        assert "Traceback" not in result.stdout + result.stderr


def test_lock_records_new_versions_only_after_the_gate_passes(tmp_path: Path) -> None:
    root = locked_registry(tmp_path, [order_schema(closed=True)])
    write_event(
        root,
        KEY,
        [order_schema(closed=True), order_schema(closed=True, extra={"note": {"type": "string"}})],
        compatibility="BACKWARD",
    )
    added = run_cli("lock", "--contracts", str(root))
    assert added.returncode == 0 and f"+ {KEY}/v2" in added.stdout
    lock = json.loads((root / "registry.lock.json").read_text())["published"]
    assert sorted(lock) == [f"{KEY}/v1", f"{KEY}/v2"]
    (root / "events" / KEY / "v1.json").write_text(json.dumps(order_schema(closed=True, required=["orderId"])))
    refused = run_cli("lock", "--contracts", str(root))
    assert refused.returncode == 1 and "PUBLISHED_VERSION_EDITED" in refused.stdout
    assert json.loads((root / "registry.lock.json").read_text())["published"] == lock


def test_subscriptions_reach_the_filter_checks(tmp_path: Path) -> None:
    root = locked_registry(tmp_path, [order_schema()])
    write_subscriptions(
        root, "ops", [{"name": "a", "event": KEY, "filter": {"nope": ["x"]}, "delivery": {"type": "queue"}}]
    )
    assert "FILTER_FIELD_MISSING" in errors(run_gate(load_registry(root)))


def test_the_repository_contracts_pass_the_gate_and_are_all_locked() -> None:
    result = evaluate(ROOT / "contracts")
    assert result.exit_code == 0, result.report.render()
    assert result.report.findings == [], "new versions must be locked: run `python -m registry lock`"


def test_check_finds_a_break_no_rule_names_and_no_semantic_turns_the_layer_off(tmp_path: Path) -> None:
    v1 = order_schema(closed=False)
    v2 = order_schema(closed=False)
    v2["required"] = [*v2["required"], "tenant"]  # a required name without a property entry
    v2["examples"] = [{**v2["examples"][0], "tenant": "t-1"}]
    root = locked_registry(tmp_path, [v1])
    write_event(root, KEY, [v1, v2], compatibility="FULL_TRANSITIVE")
    env_cache = ["--contracts", str(root), "--json"]
    semantic = subprocess.run(
        [sys.executable, "-m", "registry", "check", *env_cache],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "EVENTPLANE_COMPAT_CACHE": str(tmp_path / "c")},
        check=False,
    )
    assert semantic.returncode == 1, semantic.stdout + semantic.stderr
    report = json.loads(semantic.stdout)
    rejected = [f for f in report["findings"] if f["rule_id"] == "WRITER_EVENT_REJECTED_BY_READER"]
    assert [(f["file"], f["pointer"], f["pairs"]) for f in rejected] == [
        (str(root / "events" / KEY / "v2.json"), "/required", [str(root / "events" / KEY / "v1.json")])
    ]
    assert "tenant" not in json.dumps(rejected[0]["example"]["event"])
    assert {v["direction"] for v in report["compatibility"]} == {"BACKWARD", "FORWARD"}
    rules_only = run_cli("check", "--contracts", str(root), "--no-semantic")
    assert "WRITER_EVENT_REJECTED_BY_READER" not in rules_only.stdout
