"""`parse(envelope)` of the generated bindings vs the compiled validators alone, on the contracts' own examples.

Both sides check the same events with fastjsonschema against the same schemas;
the bindings add the envelope checks (source, detail-type), the newest-first
version dispatch and the typed `Parsed` result. Events: every example of every
contract version, wrapped in its envelope, repeated to EVENTS.
- validators: for each event, the compiled validator of the version that
  accepts it, picked by hand in advance (the cheapest possible check);
- parse: `contracts_py.parse_any(envelope)` (index lookup, lazy module import,
  dispatch newest first).

Last line: BENCH parse ours_per_s=<parse> validators_per_s=<v> overhead=<v/parse>
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from contracts_py import parse_any  # noqa: E402
from registry.loader import load_registry, schema_validator  # noqa: E402

EVENTS = 100_000


def _accepting_validator(versions: list[Any], detail: Any) -> Any:
    for version in reversed(versions):
        validate = schema_validator(dict(version.schema))
        try:
            validate(detail)
        except Exception:  # noqa: BLE001 - rejected by this version: try the previous one
            continue
        return validate
    raise AssertionError("an example no version accepts")


def main() -> None:
    registry = load_registry(REPO / "contracts")
    base = [
        (contract.envelope(example), _accepting_validator(list(contract.versions), example))
        for contract in registry.events.values()
        for version in contract.versions
        for example in version.examples
    ]
    events = (base * (EVENTS // len(base) + 1))[:EVENTS]
    for envelope, _ in base:
        parse_any(envelope)  # warm: modules imported, validators compiled (as after a cold start)
    start = time.perf_counter()
    for envelope, validate in events:
        validate(envelope["detail"])
    validators_s = time.perf_counter() - start
    start = time.perf_counter()
    versions = [parse_any(envelope).version for envelope, _ in events]
    parse_s = time.perf_counter() - start
    assert len(versions) == EVENTS
    print(f"events={EVENTS} distinct={len(base)} validators={validators_s:.2f}s parse={parse_s:.2f}s")
    print(
        f"BENCH parse ours_per_s={EVENTS / parse_s:.0f} validators_per_s={EVENTS / validators_s:.0f} "
        f"overhead={parse_s / validators_s:.2f}"
    )


if __name__ == "__main__":
    main()
