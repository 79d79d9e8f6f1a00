"""Typed bindings: generated from the contracts, fresh, dispatching to the right version, typing producers."""

from __future__ import annotations

import importlib
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts_py import parse_any
from contracts_py._runtime import ContractMismatch
from contracts_py.orders.order_created import v1 as order_created_v1
from registry.cli import main
from registry.codegen import GENERATED_MARKER, GeneratedFile, render_bindings, stale_files, write_bindings
from registry.codegen.naming import module_name
from registry.loader import load_registry, schema_validator
from registry.model import EventContract, Registry
from registry.producer import publish, typed_event
from tests.test_producer import FakeEvents

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "contracts")


@pytest.fixture(scope="module")
def rendered(registry: Registry) -> list[GeneratedFile]:
    return render_bindings(registry)


def _module(contract: EventContract) -> Any:
    return importlib.import_module(f"contracts_py.{module_name(contract.domain)}.{module_name(contract.name)}")


def _examples(registry: Registry) -> Iterator[tuple[EventContract, int, Any]]:
    for contract in registry.events.values():
        for version in contract.versions:
            for example in version.examples:
                yield contract, version.number, example


def test_the_committed_bindings_are_fresh(rendered: list[GeneratedFile]) -> None:
    assert stale_files(rendered, ROOT / "contracts_py") == [], "run `python -m registry codegen` and commit"


def test_every_version_has_a_module_and_every_file_is_marked_generated(registry: Registry, rendered) -> None:
    paths = {f.path for f in rendered}
    for contract in registry.events.values():
        base = f"{module_name(contract.domain)}/{module_name(contract.name)}"
        assert {f"{base}/v{v.number}.py" for v in contract.versions} | {f"{base}/__init__.py"} <= paths
    assert all(GENERATED_MARKER in f.text.splitlines()[0] for f in rendered)


def test_parse_returns_the_newest_version_that_accepts_each_example(registry: Registry) -> None:
    checked = 0
    for contract, _, example in _examples(registry):
        envelope = contract.envelope(example)
        accepting = [v.number for v in contract.versions if _accepts(v.schema, example)]
        parsed = _module(contract).parse(envelope)
        assert parsed.version == max(accepting)
        assert parsed.detail is example and parsed.envelope is envelope
        assert parse_any(envelope).version == parsed.version
        checked += 1
    assert checked >= 20


def _accepts(schema: Any, detail: Any) -> bool:
    try:
        schema_validator(dict(schema))(detail)
    except Exception:  # noqa: BLE001 - any validation failure means "rejects"
        return False
    return True


def test_a_detail_no_version_accepts_names_the_pointer_of_every_version(registry: Registry) -> None:
    contract = registry.events["checkout/CheckoutPlaced"]
    example = dict(contract.latest.examples[0])
    example["data"] = {**example["data"], "amount": "a lot"}
    with pytest.raises(ContractMismatch) as caught:
        _module(contract).parse(contract.envelope(example))
    assert [f.version for f in caught.value.failures] == [v.number for v in reversed(contract.versions)]
    assert all(f.pointer == "/detail/data/amount" for f in caught.value.failures)
    assert "matches no version of checkout/CheckoutPlaced" in str(caught.value)


def test_an_envelope_of_another_event_or_without_detail_is_refused_with_its_pointer(registry: Registry) -> None:
    created = registry.events["orders/OrderCreated"]
    envelope = created.envelope(created.latest.examples[0])
    with pytest.raises(ContractMismatch, match="/source"):
        _module(registry.events["checkout/CheckoutPlaced"]).parse(envelope)
    with pytest.raises(ContractMismatch, match="/detail: missing"):
        _module(created).parse({"source": created.source})
    with pytest.raises(ContractMismatch, match="no contract has this source"):
        parse_any({**envelope, "detail-type": "Nope"})


def test_stale_missing_and_leftover_files_are_reported_and_only_generated_files_are_touched(tmp_path, rendered) -> None:
    out = tmp_path / "bindings"
    written, removed = write_bindings(rendered, out)
    assert len(written) == len(rendered) and removed == [] and stale_files(rendered, out) == []
    assert (out / "_runtime.py").is_file() and (out / "py.typed").is_file()
    first = rendered[1].path
    (out / first).write_text("tampered\n", encoding="utf-8")
    (out / rendered[2].path).unlink()
    (out / "old").mkdir()
    (out / "old" / "gone.py").write_text(f'"""{GENERATED_MARKER}"""\n', encoding="utf-8")
    (out / "mine.py").write_text("# a team's own helper\n", encoding="utf-8")
    assert stale_files(rendered, out) == sorted([first, rendered[2].path, "old/gone.py"])
    written, removed = write_bindings(rendered, out)
    assert sorted(written) == sorted([first, rendered[2].path]) and removed == ["old/gone.py"]
    assert stale_files(rendered, out) == [] and not (out / "old").exists()
    assert (out / "mine.py").read_text(encoding="utf-8") == "# a team's own helper\n"


def test_codegen_check_exits_1_on_stale_bindings_and_codegen_makes_them_fresh(tmp_path, capsys) -> None:
    out = tmp_path / "py"
    assert main(["codegen", "--contracts", str(ROOT / "contracts"), "--out", str(out), "--check"]) == 1
    assert "stale: run `python -m registry codegen`" in capsys.readouterr().out
    assert main(["codegen", "--contracts", str(ROOT / "contracts"), "--out", str(out)]) == 0
    assert main(["codegen", "--contracts", str(ROOT / "contracts"), "--out", str(out), "--check"]) == 0
    assert "all fresh" in capsys.readouterr().out


def test_codegen_refuses_a_registry_the_gate_rejects(tmp_path, capsys) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "subscriptions").mkdir()
    (tmp_path / "registry.lock.json").write_text("{not json", encoding="utf-8")
    code = main(["codegen", "--contracts", str(tmp_path), "--out", str(tmp_path / "py")])
    assert code in (1, 2) and "No bindings generated" in capsys.readouterr().out
    assert not (tmp_path / "py").exists()


def _publish(registry: Registry, *events: Any):
    return publish(
        list(events), registry=registry, client=FakeEvents(), bus_name="b", sleep=lambda s: None, rng=random.Random(1)
    )


def test_a_producer_publishes_a_typed_model_with_metadata_filled_in(registry: Registry) -> None:
    example = registry.events["orders/OrderCreated"].version(1).examples[0]
    detail: order_created_v1.OrderCreatedV1 = {
        "metadata": {"idempotency-key": "", "version": 1},
        "data": example["data"],
    }
    del detail["metadata"]["idempotency-key"]  # type: ignore[misc]  # the helper fills it in
    result = _publish(registry, typed_event(order_created_v1.BINDING, detail))
    assert result.ok, result.unsent
    assert result.sent[0].idempotency_key


def test_a_model_its_version_rejects_or_stale_bindings_are_never_sent(registry: Registry) -> None:
    example = registry.events["orders/OrderCreated"].version(1).examples[0]
    bad = typed_event(order_created_v1.BINDING, {**example, "data": {**example["data"], "items": "none"}})
    stale = typed_event(
        type(order_created_v1.BINDING)(**{**order_created_v1.BINDING.__dict__, "fingerprint": "0" * 64}), example
    )
    result = _publish(registry, bad, stale)
    assert [u.index for u in result.unsent] == [0, 1] and not result.sent
    assert "at /data/items" in result.unsent[0].reason
    assert "are stale" in result.unsent[1].reason and "python -m registry codegen" in result.unsent[1].reason


def test_mypy_catches_a_consumer_reading_a_field_its_contract_does_not_have(tmp_path) -> None:
    """The point of bindings: a typo in `detail["data"]["amout"]` fails type checking, not production."""
    consumer = tmp_path / "consumer.py"
    consumer.write_text(
        "from contracts_py.checkout import checkout_placed\n"
        "def amount(envelope: dict[str, object]) -> float:\n"
        "    parsed = checkout_placed.parse(envelope)\n"
        "    if parsed.version == 2:\n"
        "        return parsed.detail['data']['amout']\n"
        "    return parsed.detail['data']['amount']\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "c"),
            str(consumer),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert 'has no key "amout"' in done.stdout
    assert errors and all("consumer.py:5:" in line for line in errors)  # the typo's line only; v1's read is fine


def test_a_reader_model_carries_only_the_fields_its_subscription_reads(registry: Registry) -> None:
    from contracts_py.subscriptions.metrics import waiting_completion as reads

    sub = next(s for s in registry.subscriptions if (s.team, s.name) == ("metrics", "waiting-completion"))
    contract = registry.events[sub.event]
    assert [b.version for b in reads.VERSIONS] == sorted(sub.versions, reverse=True)
    for binding in reads.VERSIONS:
        model = getattr(
            importlib.import_module(f"{reads.__name__}.v{binding.version}"), f"WaitingCompletionReadV{binding.version}"
        )
        assert set(model.__annotations__) == set(sub.reads)
    example = dict(contract.latest.examples[0])
    drifted = {**example, "orderNumber": {"unexpected": "shape"}}  # a field the subscription never reads
    assert reads.parse(contract.envelope(drifted)).detail["drinkOrder"] == example["drinkOrder"]
    with pytest.raises(ContractMismatch, match="/detail/drinkOrder"):
        reads.parse(contract.envelope({**example, "drinkOrder": 7}))
    with pytest.raises(ContractMismatch):
        _module(contract).parse(contract.envelope(drifted))  # the whole contract does reject the drift


def test_an_output_folder_under_a_file_is_a_clear_error_and_nothing_is_written(tmp_path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert main(["codegen", "--contracts", str(ROOT / "contracts"), "--out", str(blocker / "py")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert blocker.read_text(encoding="utf-8") == "not a folder"
