"""The metrics bundle: deterministic bytes, generated validators, what it carries, bad contracts."""

from __future__ import annotations

import base64
import importlib.util
import json
import runpy
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import fastjsonschema
import pytest

from registry.bundle import (
    BUNDLE_NAME,
    LAMBDA_RUNTIME,
    build_bundle_from_registry,
    build_metrics_bundle,
    sha256_hex,
    source_code_hash,
    validator_sources,
)
from registry.errors import InputError
from registry.model import Delivery, Subscription
from tests.test_metrics_support import CANCELLED_V1, TEST_REGISTRY, WAITING, WAITING_V1, contract, registry

REPO = Path(__file__).resolve().parent.parent


def names(path: Path) -> list[str]:
    return zipfile.ZipFile(path).namelist()


def test_same_inputs_give_the_same_bytes_and_hash(tmp_path):
    first = build_bundle_from_registry(TEST_REGISTRY, tmp_path / "a")
    second = build_bundle_from_registry(TEST_REGISTRY, tmp_path / "b")
    assert first.name == second.name == BUNDLE_NAME
    assert first.read_bytes() == second.read_bytes()
    assert source_code_hash(first) == source_code_hash(second)
    assert base64.b64decode(source_code_hash(first)).hex() == sha256_hex(first)


def test_entries_are_sorted_with_fixed_time_and_permissions(tmp_path):
    infos = zipfile.ZipFile(build_bundle_from_registry(TEST_REGISTRY, tmp_path)).infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_bundle_carries_handler_one_validator_per_version_and_fastjsonschema(tmp_path):
    entries = names(build_bundle_from_registry(TEST_REGISTRY, tmp_path))
    assert {"metrics/handler.py", "metrics/events.py", "metrics/plan.py", "metrics/store.py"} <= set(entries)
    assert sorted(e for e in entries if e.startswith("metrics/validators/") and e.endswith(".py")) == [
        "metrics/validators/__init__.py",
        "metrics/validators/coffeeshop_ordercancelled_v1.py",
        "metrics/validators/coffeeshop_waitingcompletion_v1.py",
        "metrics/validators/coffeeshop_waitingcompletion_v2.py",
    ]
    assert {"fastjsonschema/__init__.py", "fastjsonschema/exceptions.py", "fastjsonschema/LICENSE"} <= set(entries)


def test_every_module_ships_unchecked_hash_bytecode_for_this_python(tmp_path):
    archive = zipfile.ZipFile(build_bundle_from_registry(TEST_REGISTRY, tmp_path))
    entries = archive.namelist()
    tag = sys.implementation.cache_tag
    sources = [e for e in entries if e.endswith(".py")]
    pycs = [e for e in entries if e.endswith(".pyc")]
    assert sorted(pycs) == sorted(
        f"{e.rsplit('/', 1)[0]}/__pycache__/{e.rsplit('/', 1)[1][:-3]}.{tag}.pyc" for e in sources
    )
    assert tag == "cpython-" + LAMBDA_RUNTIME.removeprefix("python").replace(".", "")
    header = archive.read(f"metrics/__pycache__/handler.{tag}.pyc")[:8]
    assert (
        header[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(header[4:8], "little") == 0b01
    )  # hash, unchecked


def test_events_the_handler_does_not_count_are_left_out(tmp_path):
    other = contract("checkout/CheckoutPlaced", "CheckoutPlaced", CANCELLED_V1, source="com.example.checkout")
    entries = names(build_bundle_from_registry(registry(*TEST_REGISTRY.events.values(), other), tmp_path))
    assert not [e for e in entries if "checkout" in e]


def test_a_changed_schema_changes_the_hash(tmp_path):
    before = source_code_hash(build_bundle_from_registry(TEST_REGISTRY, tmp_path / "a"))
    stricter = {**WAITING_V1, "properties": {**WAITING_V1["properties"], "userId": {"type": "string", "minLength": 3}}}
    changed = registry(contract("coffeeshop/WaitingCompletion", WAITING, stricter))
    assert source_code_hash(build_bundle_from_registry(changed, tmp_path / "b")) != before


def test_generated_validator_runs_without_compiling_anything(tmp_path, monkeypatch):
    sources = validator_sources([contract("coffeeshop/WaitingCompletion", WAITING, WAITING_V1)])
    module = tmp_path / "v.py"
    module.write_text(sources["coffeeshop_waitingcompletion_v1.py"])

    def refuse(*args, **kwargs):
        raise AssertionError("a cold start must not compile schemas")

    monkeypatch.setattr(fastjsonschema, "compile", refuse)
    monkeypatch.setattr(fastjsonschema, "compile_to_code", refuse)
    validate = runpy.run_path(str(module))["validate"]
    assert validate({"orderId": "1", "userId": "u", "drinkOrder": "{}"})
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        validate({"orderId": "1", "userId": "u"})
    assert "examples" not in sources["coffeeshop_waitingcompletion_v1.py"]


def test_index_maps_source_and_detail_type_to_dedupe_key_and_modules():
    namespace: dict = {}
    exec(validator_sources(TEST_REGISTRY.events.values())["__init__.py"], namespace)
    assert namespace["CONTRACTS"][("awsserverlessda.serverlesspresso", WAITING)] == {
        "key": "coffeeshop/WaitingCompletion",
        "dedupe_key": ["detail.orderId", "detail-type"],
        "versions": {1: "coffeeshop_waitingcompletion_v1", 2: "coffeeshop_waitingcompletion_v2"},
    }


def test_schema_fastjsonschema_cannot_compile_is_an_input_error_naming_the_file(tmp_path):
    broken = registry(contract("coffeeshop/WaitingCompletion", WAITING, {"type": "nope"}))
    with pytest.raises(InputError) as caught:
        build_bundle_from_registry(broken, tmp_path)
    assert caught.value.file == "contracts/events/coffeeshop/WaitingCompletion/v1.json"
    assert "Unknown type" in caught.value.message


def test_a_2020_12_version_the_metrics_handler_reads_is_refused_naming_file_and_draft(tmp_path):
    newer = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}
    with pytest.raises(InputError) as caught:
        build_bundle_from_registry(registry(contract("coffeeshop/WaitingCompletion", WAITING, newer)), tmp_path)
    assert caught.value.file == "contracts/events/coffeeshop/WaitingCompletion/v1.json"
    assert caught.value.pointer == "/$schema"
    assert "2020-12" in caught.value.message and "draft-07" in caught.value.hint


def test_metrics_subscription_to_an_event_the_handler_cannot_count_is_an_input_error(tmp_path):
    other = contract("checkout/CheckoutPlaced", "CheckoutPlaced", CANCELLED_V1, source="com.example.checkout")
    sub = Subscription(
        team="ops",
        name="m",
        file="contracts/subscriptions/ops.json",
        pointer="/subscriptions/0",
        event=other.key,
        versions=(1,),
        filter=None,
        delivery=Delivery("metrics"),
    )
    with pytest.raises(InputError) as caught:
        build_bundle_from_registry(registry(other, subscriptions=(sub,)), tmp_path)
    assert (caught.value.file, caught.value.pointer) == ("contracts/subscriptions/ops.json", "/subscriptions/0/event")
    allowed = replace(sub, event="coffeeshop/WaitingCompletion")
    assert build_bundle_from_registry(replace(TEST_REGISTRY, subscriptions=(allowed,)), tmp_path).exists()


def write_contracts(root: Path) -> None:
    event = root / "events" / "coffeeshop" / "WaitingCompletion"
    event.mkdir(parents=True)
    (root / "subscriptions").mkdir()
    (event / "event.json").write_text(
        json.dumps(
            {
                "source": "awsserverlessda.serverlesspresso",
                "detail-type": WAITING,
                "owner": "o",
                "service": "s",
                "action": "a",
                "description": "d",
                "external": True,
                "dedupe-key": ["detail.orderId", "detail-type"],
            }
        )
    )
    (event / "v1.json").write_text(json.dumps(WAITING_V1))


def test_build_metrics_bundle_loads_a_contracts_directory(tmp_path):
    write_contracts(tmp_path / "contracts")
    path = build_metrics_bundle(tmp_path / "contracts", tmp_path / "out")
    assert path == tmp_path / "out" / BUNDLE_NAME
    assert "metrics/validators/coffeeshop_waitingcompletion_v1.py" in names(path)


def test_build_metrics_bundle_on_a_missing_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        build_metrics_bundle(tmp_path / "nowhere", tmp_path / "out")
