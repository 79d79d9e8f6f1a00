"""The semantic layer: each class the rules pass is caught with a counterexample, false alarms are proved safe.

Fixture pairs under tests/compat_semantic/<class>/ (our own), checked in both directions under FULL.
expected.json per direction: the verdict, the rule ids that must stay errors, and whether a
counterexample must be shown (null: not asserted). A shown counterexample must really be accepted by
the writer's schema and rejected by the reader's, at the pointer reported.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import fastjsonschema
import pytest

from registry.compat.check import SEMANTIC_RULE_ID, compare_history, compare_versions
from registry.compat.semantic import Budget, Cache, Judgement, Semantic, judge
from registry.drafts import compile_validator
from registry.findings import Report, Severity

FIXTURES = Path(__file__).parent / "compat_semantic"
CLASSES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
BUDGET = Budget(examples=12, seconds=60.0, proof_seconds=30.0)  # bounded by examples: no timing in tests


def _load(name: str) -> tuple[dict, dict, dict]:
    return tuple(json.loads((FIXTURES / name / f"{n}.json").read_text()) for n in ("old", "new", "expected"))  # type: ignore[return-value]


def _accepts(schema: dict, event: object) -> bool:
    try:
        compile_validator(schema)(event)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


@pytest.mark.parametrize("name", CLASSES)
def test_each_class_is_judged_in_both_directions_with_a_real_counterexample(name):
    old, new, expected = _load(name)
    findings, verdicts = compare_versions(
        old, new, "FULL", old_file="v1.json", new_file="v2.json", semantic=Semantic(BUDGET)
    )
    for verdict in verdicts:
        want = expected[verdict.direction.lower()]
        writer, reader = (old, new) if verdict.direction == "BACKWARD" else (new, old)
        mine = [f for f in findings if f.message.startswith(verdict.direction)]
        errors = sorted(f.rule_id for f in mine if f.severity == Severity.ERROR and f.rule_id != SEMANTIC_RULE_ID)
        assert errors == sorted(want["rule_errors"]), (name, verdict.direction, mine)
        if want["verdict"] == "compatible":
            assert verdict.compatible and verdict.verdict != "incompatible", (name, verdict)
        else:
            assert verdict.verdict == want["verdict"], (name, verdict)
        if want["counterexample"] is None:
            continue
        examples = [f.example for f in mine if f.example is not None]
        assert bool(examples) is want["counterexample"], (name, verdict.direction, mine)
        for example in examples:
            assert _accepts(writer, example["event"]) and not _accepts(reader, example["event"])
            assert example["rejected_by"].startswith(verdict.reader + "#/")


def test_classes_the_rules_pass_are_rejected_only_by_the_semantic_rule():
    old, new, _ = _load("if_then_else_changed")
    assert compare_versions(old, new, "FULL")[0] == []  # Confluent's rules see nothing
    findings, _ = compare_versions(old, new, "FULL", semantic=Semantic(BUDGET))
    assert {f.rule_id for f in findings} == {SEMANTIC_RULE_ID}
    assert all(f.pointer.endswith("/required") and f.example["event"]["kind"] == "card" for f in findings)


def test_false_alarms_stay_visible_as_warnings_only_where_a_proof_exists():
    old, new, _ = _load("const_versus_one_element_enum")
    assert {f.severity for f in compare_versions(old, new, "FULL")[0]} == {Severity.ERROR}  # rules alone
    findings, verdicts = compare_versions(old, new, "FULL", semantic=Semantic(BUDGET))
    assert {(f.rule_id, f.severity) for f in findings} == {("TYPE_CHANGED", Severity.WARNING)}
    assert all("subschema proof" in f.message for f in findings)
    assert [v.verdict for v in verdicts] == ["proved compatible", "proved compatible"]
    # one value more in the enum is not provably safe for an old reader: the rule stays an error
    wider = json.loads(json.dumps(new))
    wider["properties"]["currency"]["enum"].append("USD")
    findings, _ = compare_versions(old, wider, "FORWARD", semantic=Semantic(BUDGET))
    assert {f.severity for f in findings} == {Severity.ERROR}
    assert findings[0].example["event"] == {"currency": "USD"}


def test_judgements_are_cached_by_fingerprint_pair_and_survive_a_corrupt_or_racing_entry(tmp_path):
    cache = Cache(tmp_path / "cache")
    old, new, _ = _load("required_name_without_property")
    before = json.dumps([old, new], sort_keys=True)
    first = judge(old, new, BUDGET, cache)
    assert json.dumps([old, new], sort_keys=True) == before  # the generator and the prover work on copies
    files = list((tmp_path / "cache").rglob("*.json"))
    assert len(files) == 1 and first.counterexample is not None
    assert judge(json.loads(json.dumps(old)), new, BUDGET, cache) == first  # equal JSON, same entry
    files[0].write_text("{not json")
    assert judge(old, new, BUDGET, cache) == first  # unreadable entry: recomputed and rewritten
    results: list[Judgement] = []
    racers = [threading.Thread(target=lambda: results.append(judge(new, old, BUDGET, cache))) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert len(results) == 2 and results[0].proof == results[1].proof  # a time budget may cut tries
    assert not list((tmp_path / "cache").rglob("*.tmp"))
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 2


def test_an_unwritable_cache_directory_costs_only_the_speed_up(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    old, new, _ = _load("contains_tightened")
    assert judge(old, new, BUDGET, Cache(blocker / "sub")).counterexample is not None


def test_one_finding_per_change_across_version_pairs_keeps_every_pair():
    closed = {"type": "object", "additionalProperties": False, "required": ["status"]}
    v1 = {**closed, "properties": {"status": {"enum": ["NEW", "PAID"]}}}
    v2 = {**closed, "properties": {"status": {"enum": ["NEW", "PAID"]}, "note": {"type": "string"}}}
    v3 = {**closed, "properties": {"status": {"enum": ["NEW"]}, "note": {"type": "string"}}}
    history = [("v1.json", v1), ("v2.json", v2), ("v3.json", v3)]
    findings, verdicts = compare_history(history, "BACKWARD_TRANSITIVE", semantic=Semantic(BUDGET))
    assert len(findings) == 2 and len(verdicts) == 2  # one per version pair before grouping
    report = Report(findings)
    grouped = report.sorted()
    assert [(f.rule_id, f.pairs) for f in grouped] == [("ENUM_ARRAY_NARROWED", ("v1.json", "v2.json"))]
    assert "v1.json and v2.json" in grouped[0].message
    assert grouped[0].example["event"] == {"status": "PAID"}
    assert report.to_json()["findings"][0]["pairs"] == ["v1.json", "v2.json"]
    assert 'counterexample: {"status": "PAID"}' in report.render()
