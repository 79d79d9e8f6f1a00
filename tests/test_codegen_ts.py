"""TypeScript declarations for Node.js producers and consumers: fresh, and they type-check a consumer.

Node is needed only for these declarations; where `npm` is missing the tests are
skipped with that reason (the Python setup never needs Node).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "contracts_ts"
pytestmark = pytest.mark.skipif(
    shutil.which("npm") is None, reason="npm is not installed: TypeScript bindings not checked"
)


@pytest.fixture(scope="module")
def node_modules() -> Path:
    if not (TS / "node_modules" / ".bin" / "tsc").exists():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=TS, check=True, timeout=300)
    return TS / "node_modules"


def _check(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", "run", "--silent", "check"], cwd=cwd, capture_output=True, text=True, check=False)


def test_the_committed_declarations_are_fresh_and_type_check_the_example_consumer(node_modules: Path) -> None:
    done = _check(TS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fresh" in done.stdout


def test_a_contract_change_makes_the_declarations_stale_and_a_typo_fails_type_checking(
    tmp_path: Path, node_modules: Path
) -> None:
    shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    copy = tmp_path / "contracts_ts"
    shutil.copytree(TS, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "node_modules").symlink_to(node_modules)
    schema_path = tmp_path / "contracts" / "events" / "orders" / "OrderCreated" / "v1.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["properties"]["data"]["properties"]["total"]["description"] = "changed"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    stale = _check(copy)
    assert stale.returncode == 1 and "orders/OrderCreated/v1.d.ts" in stale.stdout
    subprocess.run(["node", "generate.mjs"], cwd=copy, check=True, capture_output=True)
    consumer = copy / "examples" / "consumer.ts"
    consumer.write_text(consumer.read_text(encoding="utf-8").replace("data.total", "data.totl"), encoding="utf-8")
    typo = _check(copy)
    assert typo.returncode != 0 and "consumer.ts(6," in typo.stdout
