"""`infer`: drafts from recorded events that the gate accepts, next versions that accept what was sent."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.cli import main
from registry.infer.examples import choose_examples, redact, shape
from registry.infer.schema import infer_schema, widen
from registry.loader import load_registry
from tests.registry_builder import order_schema, write_event, write_lock

ROOT = Path(__file__).resolve().parent.parent


def envelope(source: str, detail_type: str, detail: Any, event_id: str = "e") -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "source": source,
        "detail-type": detail_type,
        "account": "123456789012",
        "time": "2026-11-20T09:30:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def write_jsonl(path: Path, items: list[Any], extra_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items) + "".join(x + "\n" for x in extra_lines))
    return path


def kitchen_samples(n: int = 40) -> list[dict[str, Any]]:
    return [
        envelope(
            "com.acme.kitchen",
            "Kitchen.OrderReady",
            {
                "orderId": f"o-{i}",
                "state": ["READY", "PICKED_UP"][i % 2],
                "readyAt": f"2026-11-20T09:{i % 60:02d}:00Z",
                "counter": str(100 + i),
                "customerEmail": f"c{i}@shop.example",
                **({"note": "extra hot"} if i % 3 else {}),
            },
            f"id-{i}",
        )
        for i in range(n)
    ]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- inference ------------------------------------------------------------------------------------


def test_inference_adds_formats_required_and_justified_enums_and_keeps_numeric_text() -> None:
    schema = infer_schema([s["detail"] for s in kitchen_samples()])
    props = schema["properties"]
    assert props["readyAt"] == {"type": "string", "format": "date-time"}
    assert props["customerEmail"]["format"] == "email"
    assert props["state"]["enum"] == ["PICKED_UP", "READY"]
    assert props["counter"] == {"type": "string"}  # numbers sent as text stay text, no enum
    assert "enum" not in props["orderId"]
    assert sorted(schema["required"]) == ["counter", "customerEmail", "orderId", "readyAt", "state"]


def test_a_few_samples_do_not_justify_an_enum_nor_does_a_value_seen_once() -> None:
    few = infer_schema([{"state": s} for s in ["A", "B"] * 3])
    assert "enum" not in few["properties"]["state"]
    once = infer_schema([{"state": s} for s in ["A"] * 30 + ["B"]])
    assert "enum" not in once["properties"]["state"]


def test_a_format_must_hold_for_every_sample() -> None:
    schema = infer_schema([{"at": "2026-11-20T09:30:00Z"}, {"at": "yesterday"}])
    assert "format" not in schema["properties"]["at"]
    assert "format" not in infer_schema([{"t": "12:30"}])["properties"]["t"]  # not a URI


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abcd"), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=30, deadline=None)
@given(st.lists(_json, min_size=1, max_size=6))
def test_the_inferred_schema_accepts_every_sample(samples: list[Any]) -> None:
    validate = fastjsonschema.compile(infer_schema(samples))
    for sample in samples:
        validate(sample)


@settings(max_examples=30, deadline=None)
@given(st.lists(_json, min_size=1, max_size=4), st.lists(_json, min_size=1, max_size=4))
def test_widening_accepts_the_new_samples_and_everything_the_old_schema_accepted(
    old: list[Any], new: list[Any]
) -> None:
    base = infer_schema(old)
    widened = widen(base, new)
    validate = fastjsonschema.compile(widened)
    for sample in old + new:
        validate(sample)


def test_widening_relaxes_only_what_a_sample_breaks() -> None:
    schema = order_schema(closed=True, extra={"state": {"enum": ["NEW"]}})
    widened = widen(schema, [{"orderId": "o", "amount": -1, "state": "PAID", "coupon": "X1"}])
    assert widened["properties"]["state"]["enum"] == ["NEW", "PAID"]
    assert "minimum" not in widened["properties"]["amount"]
    assert widened["properties"]["coupon"] == {"type": "string"}
    assert widened["additionalProperties"] is False and widened["required"] == ["orderId", "amount"]
    assert widened["properties"]["orderId"] == {"type": "string"}


# -- examples -------------------------------------------------------------------------------------


def test_examples_show_each_shape_first_and_hide_secrets_and_personal_data() -> None:
    samples = [{"a": 1}, {"a": 2}, {"a": 3, "b": "x"}, {"a": 4, "token": "abc", "email": "j@x.io"}]
    chosen = choose_examples(samples, lambda _: True, limit=4)
    assert [shape(c) for c in chosen] == [shape(samples[i]) for i in (0, 2, 3, 1)]  # shapes first
    assert chosen[2] == {"a": 4, "token": "REDACTED", "email": "user@example.com"}
    assert redact({"note": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"}) == {"note": "REDACTED"}
    assert redact({"card": "4111 1111 1111 1111", "n": "order 42"}) == {"card": "REDACTED", "n": "order 42"}
    assert redact({"phone": 5551234, "count": 3}) == {"phone": 0, "count": 3}


def test_examples_stay_under_the_size_limit_and_valid() -> None:
    big = [{"blob": "x" * 100_000, "i": i} for i in range(5)]
    assert len(choose_examples(big, lambda _: True)) == 2  # 3 would pass 256 KB
    assert choose_examples([{"a": 1}], lambda _: False) == []


# -- the command ----------------------------------------------------------------------------------


def test_a_new_type_is_drafted_and_check_accepts_the_draft(tmp_path, capsys) -> None:
    samples = write_jsonl(tmp_path / "s.jsonl", kitchen_samples(), ("not json",))
    out = tmp_path / "drafts"

    code, text, _ = run(capsys, "infer", str(samples), "--out", str(out))

    assert code == 0, text
    assert "1 line(s) skipped" in text and "s.jsonl:41" in text
    event = json.loads((out / "events/kitchen/OrderReady/event.json").read_text())
    assert event["external"] is True and event["dedupe-key"] == ["detail.orderId"]
    assert event["source"] == "com.acme.kitchen" and event["detail-type"] == "Kitchen.OrderReady"
    version = json.loads((out / "events/kitchen/OrderReady/v1.json").read_text())
    assert version["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert all(e["customerEmail"] == "user@example.com" for e in version["examples"])
    assert [("note" in e) for e in version["examples"][:2]] == [True, False]  # both shapes first
    assert run(capsys, "check", "--contracts", str(out))[0] == 0


def test_known_producers_get_their_domain_and_bus_and_aws_events_the_default_bus(tmp_path, capsys) -> None:
    samples = write_jsonl(
        tmp_path / "s.jsonl",
        [
            envelope("awsserverlessda.serverlesspresso", "OrderManager.OrderReady", {"orderId": "1"}),
            envelope("aws.ec2", "EC2 Instance State-change Notification", {"instance-id": "i-1", "state": "x"}),
            envelope("com.example.orders", "OrderShipped", {"orderId": "1"}),
        ],
    )
    code, text, _ = run(capsys, "infer", str(samples), "--json")
    assert code == 0, text
    events = {e["event"]: e for e in json.loads(text)["events"]}
    assert set(events) == {"coffeeshop/OrderReady", "aws/Ec2EC2InstanceStateChangeNotification", "orders/OrderShipped"}
    meta = events["coffeeshop/OrderReady"]["files"]["events/coffeeshop/OrderReady/event.json"]
    assert (meta["external"], meta["bus"]) == (True, "Serverlesspresso")
    meta = events["aws/Ec2EC2InstanceStateChangeNotification"]["files"][
        "events/aws/Ec2EC2InstanceStateChangeNotification/event.json"
    ]
    assert (meta["external"], meta["bus"]) == (True, "default")
    meta = events["orders/OrderShipped"]["files"]["events/orders/OrderShipped/event.json"]
    assert meta["external"] is False and "bus" not in meta


def test_samples_the_contract_rejects_get_a_next_version_and_the_report_says_why(tmp_path, capsys) -> None:
    samples = write_jsonl(
        tmp_path / "s.jsonl",
        [
            envelope("awsserverlessda.serverlesspresso", "OrderManager.WaitingCompletion", d)
            for d in [
                {"orderId": "o-1", "userId": "u", "drinkOrder": {"drink": "Latte"}},
                {"orderId": 1042, "userId": "u", "drinkOrder": {"drink": "Latte"}},
            ]
        ],
    )

    code, text, _ = run(capsys, "infer", str(samples), "--event", "coffeeshop/WaitingCompletion", "--json")

    assert code == 1  # whatever v1 rejects, v1's readers cannot read: not FORWARD compatible
    (draft,) = json.loads(text)["events"]
    assert draft["status"] == "next-version" and draft["compatible"] is False
    assert draft["rejected"] == [
        {"where": f"{samples}:2", "version": 2, "pointer": "/detail/orderId", "message": "must be string"}  # latest
    ]
    assert {f["rule_id"] for f in draft["findings"]} == {"TYPE_CHANGED"}
    v3 = draft["files"]["events/coffeeshop/WaitingCompletion/v3.json"]  # the next after the corrected v2
    validate = fastjsonschema.compile(v3)
    contract = load_registry(ROOT / "contracts").events["coffeeshop/WaitingCompletion"]
    for example in contract.latest.examples:
        validate(example)
    validate({"orderId": 1042, "userId": "u", "drinkOrder": {"drink": "Latte"}})


def test_a_next_version_compatible_under_backward_is_written_with_its_history(tmp_path, capsys) -> None:
    contracts = tmp_path / "contracts"
    write_event(contracts, "orders/OrderPlaced", [order_schema(closed=True)], compatibility="BACKWARD")
    write_lock(contracts, {})
    samples = write_jsonl(
        tmp_path / "s.jsonl",
        [envelope("com.example.orders", "OrderPlaced", {"orderId": "o", "amount": 3, "coupon": "X"})],
    )
    out = tmp_path / "out"

    code, text, _ = run(capsys, "infer", str(samples), "--contracts", str(contracts), "--out", str(out))

    assert code == 0, text
    assert "compatible under BACKWARD" in text
    assert sorted(p.name for p in (out / "events/orders/OrderPlaced").iterdir()) == ["event.json", "v1.json", "v2.json"]
    assert run(capsys, "check", "--contracts", str(out))[0] == 0


def test_samples_every_version_accepts_need_no_draft(tmp_path, capsys) -> None:
    contract = load_registry(ROOT / "contracts").events["checkout/CheckoutPlaced"]
    samples = write_jsonl(tmp_path / "s.jsonl", [contract.envelope(e) for e in contract.latest.examples])
    code, text, _ = run(capsys, "infer", str(samples))
    assert code == 0 and "already accepted" in text and "no new version needed" in text


def test_infer_never_overwrites_and_writes_nothing_when_one_file_exists(tmp_path, capsys) -> None:
    samples = write_jsonl(tmp_path / "s.jsonl", kitchen_samples(5))
    out = tmp_path / "out"
    (out / "events/kitchen/OrderReady").mkdir(parents=True)
    (out / "events/kitchen/OrderReady/v1.json").write_text("mine")

    code, _, err = run(capsys, "infer", str(samples), "--out", str(out))

    assert code == 1 and "never overwrites" in err and "v1.json" in err and "Traceback" not in err
    assert (out / "events/kitchen/OrderReady/v1.json").read_text() == "mine"
    assert not (out / "events/kitchen/OrderReady/event.json").exists()
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_infer_refuses_to_follow_a_link_out_of_the_contracts_root(tmp_path, capsys) -> None:
    samples = write_jsonl(tmp_path / "s.jsonl", kitchen_samples(5))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "events").symlink_to(elsewhere)

    code, _, err = run(capsys, "infer", str(samples), "--out", str(out))

    assert code == 1 and "outside" in err
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--event", "Kitchen/OrderReady"], "is not DOMAIN/Name"),
        (["--event", "kitchen/../x"], "is not DOMAIN/Name"),
        (["--event", "orders/OrderCreated"], "no samples of orders/OrderCreated"),
    ],
)
def test_bad_event_names_are_usage_errors(tmp_path, capsys, args: list[str], message: str) -> None:
    samples = write_jsonl(tmp_path / "s.jsonl", kitchen_samples(5))
    code, _, err = run(capsys, "infer", str(samples), *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_unreadable_input_exits_2_naming_the_file(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("nope\n[1]\n")
    code, _, err = run(capsys, "infer", str(bad))
    assert code == 2 and "no EventBridge events found" in err and "bad.jsonl:1" in err
    code, _, err = run(capsys, "infer", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "file not found" in err


def test_wrapped_records_are_unwrapped_as_conform_reads_them(tmp_path, capsys) -> None:
    inner = kitchen_samples(3)
    sqs = {"Records": [{"messageId": str(i), "body": json.dumps(e)} for i, e in enumerate(inner)]}
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(sqs, indent=2))
    code, text, _ = run(capsys, "infer", str(path), "--json")
    assert code == 0 and json.loads(text)["events"][0]["samples"] == 3


def test_samples_too_deep_to_infer_are_an_input_error_not_a_crash(tmp_path, capsys) -> None:
    detail: dict[str, Any] = {}
    node = detail
    for _ in range(600):
        node["a"] = {}
        node = node["a"]
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(envelope("x.y", "Deep", detail)) + "\n")
    code, _, err = run(capsys, "infer", str(path))
    assert code == 2 and "nested too deeply" in err and "Traceback" not in err
