"""The catalog's evidence and contract-monitor columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.catalog import build_catalog, render_site
from registry.errors import InputError
from registry.loader import load_registry
from registry.local.monitor import read_counts, save_counts
from tests.registry_builder import order_schema, write_event


@pytest.fixture
def root(tmp_path: Path) -> Path:
    contracts = tmp_path / "contracts"
    write_event(contracts, "orders/OrderPlaced", [order_schema()])
    write_event(contracts, "orders/OrderShipped", [order_schema()])
    evidence = contracts / "evidence" / "orders" / "OrderPlaced"
    evidence.mkdir(parents=True)
    (evidence / "2026-11-20.jsonl").write_text("{}\n")
    (evidence / "2026-11-21.jsonl").write_text("{}\n")
    return contracts


def test_each_event_says_whether_it_has_evidence(root: Path) -> None:
    registry = load_registry(root, display_root=root.parent)
    catalog = build_catalog(registry)
    assert catalog.evidence == {"orders/OrderPlaced": 2, "orders/OrderShipped": 0}
    files = render_site(catalog)
    assert "| evidence |" in files["index.md"] and "monitor (last local run)" not in files["index.md"]
    assert "| evidence | 2 file(s) |" in files["events/orders/OrderPlaced.md"]
    assert "| evidence | none |" in files["events/orders/OrderShipped.md"]


def test_the_monitors_last_counts_show_when_given(root: Path, tmp_path: Path) -> None:
    saved = tmp_path / "build" / "monitor" / "dev.json"
    save_counts(saved, "dev", {"orders/OrderPlaced": {"accepted": 12, "rejected": 1}})
    registry = load_registry(root, display_root=root.parent)
    files = render_site(build_catalog(registry, read_counts(saved)))
    assert "12 accepted, 1 rejected" in files["events/orders/OrderPlaced.md"]
    assert "| monitor (last local run) | - |" in files["events/orders/OrderShipped.md"]
    assert "12 accepted, 1 rejected" in files["index.html"]


def test_counts_are_read_from_local_json_output_summed_over_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    scenarios = [{"monitor": {"e/A": {"accepted": 2, "rejected": 0, "versions": {"v1": 2}}}}] * 2
    path.write_text(json.dumps({"scenarios": scenarios}))
    assert read_counts(path) == {"e/A": {"accepted": 4, "rejected": 0}}


@pytest.mark.parametrize("document", [[1], {"counts": {"e/A": {"accepted": "3"}}}, {"other": 1}])
def test_counts_that_are_not_counts_are_an_input_error(tmp_path: Path, document: object) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError) as info:
        read_counts(path)
    assert info.value.file == str(path) and info.value.hint
