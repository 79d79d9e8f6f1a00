"""The loader turns every bad file into a finding that names file, pointer and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.loader import RegistryInvalid, fingerprint, load_registry, load_with_findings
from tests.registry_builder import order_schema, write_event, write_subscriptions


def rules(root: Path) -> list[tuple[str, str, str]]:
    _, findings = load_with_findings(root, display_root=root)
    return sorted((f.rule_id, f.file, f.pointer) for f in findings)


def test_a_valid_tree_loads_into_the_model(tmp_path: Path) -> None:
    write_event(
        tmp_path,
        "shop/OrderPlaced",
        [order_schema(), order_schema(extra={"note": {"type": "string"}})],
        compatibility="BACKWARD",
    )
    write_subscriptions(
        tmp_path,
        "analytics",
        [
            {
                "name": "big",
                "event": "shop/OrderPlaced",
                "versions": [2],
                "filter": {"amount": [{"numeric": [">=", 100]}]},
                "delivery": {"type": "queue"},
                "expect": {"receives": ["v1#1"], "ignores": ["v1#0", {"orderId": "x", "amount": 1}]},
            }
        ],
    )
    registry = load_registry(tmp_path, display_root=tmp_path)
    event = registry.events["shop/OrderPlaced"]
    assert (event.source, event.detail_type, event.compatibility) == ("com.example.shop", "OrderPlaced", "BACKWARD")
    assert [v.number for v in event.versions] == [1, 2]
    assert event.latest.path == "events/shop/OrderPlaced/v2.json"
    assert event.dedupe_key == ("id",)  # no idempotency key in the schema: the envelope id
    (sub,) = registry.subscriptions
    assert (sub.id, sub.versions, sub.pointer) == ("analytics.big", (2,), "/subscriptions/0")
    assert [r.label for r in sub.receives] == ["v1#1"]
    assert sub.receives[0].detail == {"orderId": "o-2", "amount": 150}
    assert [r.label for r in sub.ignores] == ["v1#0", "inline#1"]


def test_defaults_forward_transitive_and_the_idempotency_key(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "required": ["metadata"],
        "properties": {
            "metadata": {
                "type": "object",
                "required": ["idempotency-key"],
                "properties": {"idempotency-key": {"type": "string"}},
            }
        },
        "examples": [{"metadata": {"idempotency-key": "k"}}],
    }
    write_event(tmp_path, "shop/Saga", [schema])
    event = load_registry(tmp_path).events["shop/Saga"]
    assert event.compatibility == "FORWARD_TRANSITIVE"
    assert event.dedupe_key == ("detail.metadata.idempotency-key",)


def test_malformed_json_names_line_and_column_and_is_unreadable(tmp_path: Path) -> None:
    write_event(tmp_path, "shop/OrderPlaced", ['{\n  "type": "object",\n  "properties": {,}\n}'])
    with pytest.raises(RegistryInvalid) as caught:
        load_registry(tmp_path, display_root=tmp_path)
    (only,) = caught.value.report.findings
    assert only.rule_id == "JSON_SYNTAX_ERROR"
    assert only.file == "events/shop/OrderPlaced/v1.json"
    assert "line 3, column 18" in only.message
    assert caught.value.exit_code == 2


def test_invalid_schema_points_at_the_keyword(tmp_path: Path) -> None:
    bad = order_schema()
    bad["properties"]["amount"]["minimum"] = "zero"
    write_event(tmp_path, "shop/OrderPlaced", [bad])
    assert rules(tmp_path) == [("SCHEMA_INVALID", "events/shop/OrderPlaced/v1.json", "/properties/amount/minimum")]


def test_drafts_other_than_07_2019_09_and_2020_12_are_refused(tmp_path: Path) -> None:
    write_event(tmp_path, "shop/Old", [order_schema() | {"$schema": "http://json-schema.org/draft-04/schema#"}])
    write_event(tmp_path, "shop/Odd", [order_schema() | {"$schema": "https://example.com/my-draft"}])
    assert rules(tmp_path) == [
        ("SCHEMA_DRAFT_UNSUPPORTED", "events/shop/Odd/v1.json", "/$schema"),
        ("SCHEMA_DRAFT_UNSUPPORTED", "events/shop/Old/v1.json", "/$schema"),
    ]


def test_2020_12_contracts_load_and_their_examples_are_validated_with_2020_12_keywords(tmp_path: Path) -> None:
    good = order_schema(extra={"pair": {"type": "array", "prefixItems": [{"type": "string"}], "items": False}})
    good["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    bad = dict(good, examples=[{"orderId": "o", "amount": 1, "pair": ["a", "extra"]}])
    broken = dict(good, type="objekt")
    write_event(tmp_path, "shop/Good", [good])
    write_event(tmp_path, "shop/Bad", [bad])
    write_event(tmp_path, "shop/Broken", [broken])
    assert rules(tmp_path) == [
        ("EXAMPLE_INVALID", "events/shop/Bad/v1.json", "/examples/0/pair/1"),
        ("SCHEMA_INVALID", "events/shop/Broken/v1.json", "/type"),
    ]


def test_examples_must_exist_validate_and_fit_256_kb(tmp_path: Path) -> None:
    no_examples = order_schema()
    del no_examples["examples"]
    wrong = order_schema()
    wrong["examples"] = [{"orderId": "o", "amount": -1}]
    big = order_schema(extra={"blob": {"type": "string"}})
    big["examples"] = [{"orderId": "o", "amount": 1, "blob": "x" * (256 * 1024)}]
    write_event(tmp_path, "shop/A", [no_examples])
    write_event(tmp_path, "shop/B", [wrong])
    write_event(tmp_path, "shop/C", [big])
    assert rules(tmp_path) == [
        ("EXAMPLES_MISSING", "events/shop/A/v1.json", "/examples"),
        ("EXAMPLE_INVALID", "events/shop/B/v1.json", "/examples/0/amount"),
        ("EXAMPLE_TOO_LARGE", "events/shop/C/v1.json", "/examples/0"),
    ]


def test_version_gaps_and_stray_files(tmp_path: Path) -> None:
    directory = write_event(tmp_path, "shop/OrderPlaced", [order_schema()])
    (directory / "v3.json").write_text(json.dumps(order_schema()))
    (directory / "notes.txt").write_text("hi")
    assert rules(tmp_path) == [
        ("UNEXPECTED_FILE", "events/shop/OrderPlaced/notes.txt", ""),
        ("VERSION_GAP", "events/shop/OrderPlaced", ""),
    ]


def test_event_json_fields_are_checked(tmp_path: Path) -> None:
    write_event(tmp_path, "shop/A", [order_schema()], compatibility="SIDEWAYS")
    write_event(tmp_path, "shop/B", [order_schema()], colour="blue")
    directory = write_event(tmp_path, "shop/C", [order_schema()])
    (directory / "event.json").write_text(json.dumps({"source": "x", "owner": "y", "description": "z"}))
    _, findings = load_with_findings(tmp_path, display_root=tmp_path)
    by_file = {f.file: f for f in findings}
    assert by_file["events/shop/A/event.json"].pointer == "/compatibility"
    assert (
        "FULL_TRANSITIVE" in by_file["events/shop/A/event.json"].message
        or "SIDEWAYS" in by_file["events/shop/A/event.json"].message
    )
    assert "allowed:" in by_file["events/shop/B/event.json"].message
    assert "detail-type" in by_file["events/shop/C/event.json"].message


def test_duplicate_event_types_and_unresolved_dedupe_keys(tmp_path: Path) -> None:
    write_event(tmp_path, "shop/A", [order_schema()], **{"detail-type": "Same", "source": "s"})
    write_event(
        tmp_path, "shop/B", [order_schema()], **{"detail-type": "Same", "source": "s", "dedupe-key": ["detail.nope"]}
    )
    assert [r[0] for r in rules(tmp_path)] == ["DEDUPE_KEY_UNRESOLVED", "EVENT_TYPE_DUPLICATED"]


def test_subscription_mistakes_are_each_reported(tmp_path: Path) -> None:
    write_event(tmp_path, "shop/OrderPlaced", [order_schema()])
    write_subscriptions(
        tmp_path,
        "ops",
        [
            {"name": "a", "event": "shop/OrderPlacd", "delivery": {"type": "queue"}},
            {"name": "b", "event": "shop/OrderPlaced", "versions": [2], "delivery": {"type": "queue"}},
            {"name": "c", "event": "shop/OrderPlaced", "delivery": {"type": "queue", "fifo": True}},
            {"name": "c", "event": "shop/OrderPlaced", "delivery": {"type": "queue"}, "expect": {"receives": ["v1#7"]}},
        ],
    )
    write_subscriptions(tmp_path, "wrong-name", [], team="other")
    write_subscriptions(tmp_path, "bad", [{"name": "x", "event": "shop/OrderPlaced", "delivery": {"type": "fork"}}])
    assert rules(tmp_path) == [
        ("EXPECTED_EXAMPLE_UNKNOWN", "subscriptions/ops.json", "/subscriptions/3/expect/receives/0"),
        ("FILE_FORMAT_INVALID", "subscriptions/bad.json", "/subscriptions/0/delivery"),
        ("SUBSCRIPTION_DUPLICATED", "subscriptions/ops.json", "/subscriptions/3/name"),
        ("SUBSCRIPTION_EVENT_UNKNOWN", "subscriptions/ops.json", "/subscriptions/0/event"),
        ("SUBSCRIPTION_FIFO_GROUP_MISSING", "subscriptions/ops.json", "/subscriptions/2/delivery"),
        ("SUBSCRIPTION_TEAM_MISMATCH", "subscriptions/wrong-name.json", "/team"),
        ("SUBSCRIPTION_VERSION_UNKNOWN", "subscriptions/ops.json", "/subscriptions/1/versions"),
    ]
    _, findings = load_with_findings(tmp_path, display_root=tmp_path)
    unknown = next(f for f in findings if f.rule_id == "SUBSCRIPTION_EVENT_UNKNOWN")
    assert "shop/OrderPlaced" in unknown.hint


def test_delivery_options_are_checked_per_type(tmp_path: Path) -> None:
    write_event(tmp_path, "shop/OrderPlaced", [order_schema()])
    write_subscriptions(
        tmp_path,
        "ops",
        [{"name": "a", "event": "shop/OrderPlaced", "delivery": {"type": "queue", "pipeline": "backup"}}],
    )
    (finding,) = load_with_findings(tmp_path, display_root=tmp_path)[1]
    assert finding.rule_id == "FILE_FORMAT_INVALID"
    assert "pipeline" in finding.message and "allowed:" in finding.message


def test_fingerprint_ignores_formatting_but_not_values() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint(json.loads('{ "b": [1,2],\n "a": 1 }'))
    assert fingerprint({"a": 1}) != fingerprint({"a": 1.5})


def test_a_folder_that_is_not_a_registry_is_bad_input(tmp_path: Path) -> None:
    from registry.errors import InputError

    with pytest.raises(InputError, match="not a contracts directory"):
        load_registry(tmp_path / "missing")


def test_an_external_event_names_the_bus_its_producer_uses(tmp_path: Path) -> None:
    write_event(tmp_path, "coffee/Waiting", [order_schema()], external=True, bus="Serverlesspresso")
    write_event(tmp_path, "shop/Ours", [order_schema()])
    write_event(tmp_path, "shop/Bad", [order_schema()], bus="no spaces allowed")
    registry, findings = load_with_findings(tmp_path, display_root=tmp_path)
    assert registry.events["coffee/Waiting"].bus == "Serverlesspresso"
    assert registry.events["shop/Ours"].bus == ""  # producers put it on our bus
    assert [(f.rule_id, f.file, f.pointer) for f in findings] == [
        ("FILE_FORMAT_INVALID", "events/shop/Bad/event.json", "/bus")
    ]


def test_loading_never_changes_a_schema_so_fingerprints_match_the_file(tmp_path: Path) -> None:
    schema = order_schema(extra={"tags": {"type": "array", "items": {"type": "string", "default": "x"}}})
    write_event(tmp_path, "shop/OrderPlaced", [schema])
    version = load_registry(tmp_path).events["shop/OrderPlaced"].versions[0]
    assert version.schema == schema  # no metaschema defaults ("definitions": {}, "items": true...) written in
    assert version.fingerprint == fingerprint(json.loads((tmp_path / "events/shop/OrderPlaced/v1.json").read_text()))


def test_an_event_folder_needs_event_json_and_a_first_version(tmp_path: Path) -> None:
    (tmp_path / "events" / "shop" / "Bare").mkdir(parents=True)
    (tmp_path / "events" / "shop" / "Bare" / "v1.json").write_text(json.dumps(order_schema()))
    directory = write_event(tmp_path, "shop/NoVersions", [])
    assert rules(tmp_path) == [
        ("EVENT_FILE_MISSING", "events/shop/Bare", ""),
        ("VERSION_MISSING", "events/shop/NoVersions", ""),
    ]
    assert directory.exists()


def test_a_finding_renders_where_what_changed_and_the_fix() -> None:
    from registry.findings import Finding

    text = Finding(
        "contracts/x.json", "/a", "RULE_ID", "it broke", old=None, new="data.amount", hint="do this"
    ).render()
    assert text.splitlines() == [
        "ERROR   RULE_ID  contracts/x.json#/a",
        "        it broke",
        "        (absent) -> data.amount",
        "        fix: do this",
    ]
