"""Property: whatever is done to a real input file, the commands answer with a message, never a traceback.

Starting from real files (two contracts, the checkout team's subscriptions, the
dev stack file, a scenario, a recorded event), one file is mutated (syntax,
types, sizes, names, encodings, duplicate keys, non-JSON numbers) and the
commands that read it run in-process. Each must exit 0, 1 or 2 (1 or 2 when
the mutation made the file invalid), name the file when it refuses, and
change no file except `lock` / `catalog` writing their own outputs on success.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.cli import main
from registry.errors import InputError
from registry.loader import load_registry
from registry.local.scenario import load_scenarios

REPO = Path(__file__).resolve().parents[1]
EVENTS = ("checkout/CheckoutPlaced", "orders/OrderCreated")

# target -> path inside the tree
TARGETS = {
    "event.json": "contracts/events/checkout/CheckoutPlaced/event.json",
    "version": "contracts/events/checkout/CheckoutPlaced/v2.json",
    "subscriptions": "contracts/subscriptions/checkout-pipelines.json",
    "lock": "contracts/registry.lock.json",
    "stack": "Pulumi.dev.yaml",
    "scenario": "scenario.json",
    "event": "event.json",
}
INVALIDATING = {"truncate", "binary", "latin1", "duplicate", "nan", "deep", "rename"}


@pytest.fixture(scope="module")
def base_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-base")
    for key in EVENTS:
        shutil.copytree(REPO / "contracts/events" / key, root / "contracts/events" / key)
    subs = json.loads((REPO / "contracts/subscriptions/checkout-pipelines.json").read_text())
    subs["subscriptions"] = [s for s in subs["subscriptions"] if s["event"] in EVENTS]
    (root / "contracts/subscriptions").mkdir()
    (root / TARGETS["subscriptions"]).write_text(json.dumps(subs, indent=2))
    shutil.copy(REPO / "Pulumi.dev.yaml", root / "Pulumi.dev.yaml")
    assert main(["lock", "--contracts", str(root / "contracts")]) == 0
    registry = load_registry(root / "contracts")
    example = registry.events["checkout/CheckoutPlaced"].versions[0].examples[0]
    scenario = {"name": "fuzz", "events": [{"event": "checkout/CheckoutPlaced", "example": "v1#0", "repeat": 2}]}
    (root / "scenario.json").write_text(json.dumps(scenario, indent=2))
    envelope = {
        "version": "0",
        "id": "1",
        "detail-type": "CheckoutPlaced",
        "source": registry.events["checkout/CheckoutPlaced"].source,
        "account": "123456789012",
        "time": "2026-11-23T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": example,
    }
    (root / "event.json").write_text(json.dumps(envelope, indent=2))
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    }


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.text(max_size=20)
    return st.recursive(
        scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=6
    )


def _retype(text: str, data: st.DataObject) -> str | None:
    """Replace one value of the parsed document (any depth) with another JSON value."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    nodes: list[tuple[Any, Any]] = []
    stack = [document]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            nodes.append((node, key))
            stack.append(value)
    if not nodes:
        return None
    parent, key = data.draw(st.sampled_from(nodes))
    parent[key] = data.draw(_json_values())
    return json.dumps(document)


def _mutate(path: Path, kind: str, data: st.DataObject) -> Path:
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    if kind == "truncate":
        path.write_bytes(raw[: data.draw(st.integers(0, max(len(raw) - 2, 0)))])
    elif kind == "binary":
        path.write_bytes(data.draw(st.binary(min_size=1, max_size=64)) + b"\xff\xfe\x00")
    elif kind == "latin1":
        path.write_bytes((text.replace('"', '"\u00fc', 1)).encode("latin-1", "replace"))
    elif kind == "duplicate":
        if path.suffix == ".yaml":
            path.write_text(text.replace("config:\n", "config:\n  aws:region: us-east-1\n", 1))
        else:
            path.write_text(text.replace("{", '{"dup": 1, "dup": 2,', 1))
    elif kind == "nan":
        literal = data.draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999"]))
        path.write_text(
            text.replace("{", '{"n": ' + literal + ",", 1) if path.suffix == ".json" else text + "x: .nan\n"
        )
    elif kind == "deep":
        depth = data.draw(st.sampled_from([200, 5000]))
        path.write_text(text.replace("{", '{"deep": ' + "[" * depth + "]" * depth + ",", 1))
    elif kind == "huge":
        path.write_text(text.replace("{", '{"huge": "' + "x" * 300_000 + '",', 1))
    elif kind == "retype":
        changed = _retype(text, data)
        if changed is not None:
            path.write_text(changed)
    elif kind == "rename":
        new = path.with_name(path.stem + data.draw(st.sampled_from([".JSON", ".jsn", " Ü.json", ".json.bak"])))
        path.rename(new)
        return new
    return path


@contextlib.contextmanager
def _tree(base: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "t"
        shutil.copytree(base, root)
        yield root


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)  # any exception other than SystemExit fails the test: a traceback
    return code, out.getvalue() + err.getvalue()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    target=st.sampled_from(sorted(TARGETS)),
    kind=st.sampled_from(sorted(INVALIDATING | {"retype", "huge"})),
    data=st.data(),
)
def test_a_mutated_input_gets_a_message_naming_it_and_changes_nothing(
    base_tree: Path, target: str, kind: str, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _tree(base_tree) as root:
        monkeypatch.chdir(root)
        original = (root / TARGETS[target]).read_bytes()
        mutated = _mutate(root / TARGETS[target], kind, data)
        name = mutated.name
        invalidating = kind in INVALIDATING and (mutated.name != name or mutated.read_bytes() != original)
        if target == "stack":
            invalidating = invalidating and kind in {"binary", "latin1", "duplicate"}
        before = _snapshot(root)
        contracts = str(root / "contracts")
        if target == "scenario":
            try:
                load_scenarios(mutated, load_registry(root / "contracts"))
            except InputError as exc:
                assert name in str(exc)
            return
        if target == "event":
            argv = data.draw(
                st.sampled_from(
                    [["route", str(mutated), "--contracts", contracts], ["diff", str(mutated), str(mutated)]]
                )
            )
        else:
            argv = data.draw(
                st.sampled_from(
                    [
                        ["check", "--contracts", contracts],
                        ["lock", "--contracts", contracts],
                        ["catalog", "--contracts", contracts, "--out", str(root.parent / "catalog")],
                    ][: 2 if target == "stack" else 3]  # catalog does not read stack files
                )
            )
        code, text = _run(argv)
        assert code in (0, 1, 2), (argv, text)
        if code:
            assert name in text or mutated.parent.name in text, (argv, text[-2000:])
        after = _snapshot(root)
        allowed = {"contracts/registry.lock.json"} if argv[0] == "lock" and code == 0 else set()
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert changed <= allowed, (argv, changed)
        if invalidating and target != "event":
            assert code in (1, 2), (argv, text)
