"""Compatibility gate at registry scale: 1,000 events x 5 versions under FULL_TRANSITIVE.

Each version is a FULL-compatible evolution of the one before (fields added
under partially open content models, descriptions reworded), so every
check must come back clean; the gate checks every version against all
earlier ones in both directions, as `check` does for a whole registry.
Side by side: the same checks with every schema a fresh object per check
(as a gate re-reading files would see them), so no loaded document is
reused, on a subset scaled to the full count.

Then the semantic layer (counterexample search + subschema proof per version pair and direction,
default budget) on a subset of events, cold (empty cache) and cached (the same run again, as a CI rerun
of an unchanged registry sees it), scaled per judged pair.

Last line: BENCH compat events=1000 versions=5000 seconds=<s> cpu_seconds=<s> semantic_pairs=<n>
semantic_cold_s_per_pair=<s> semantic_cached_s_per_pair=<s>
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.compat import check_history
from registry.compat.check import compare_history, gc_paused
from registry.compat.semantic import Cache, Semantic

EVENTS = 1000
VERSIONS = 5
MODE = "FULL_TRANSITIVE"
SUBSET = 100
SEMANTIC_EVENTS = 1  # cold judgements take up to the per-pair budget (2 s): a small subset keeps the bench short


def _version(event: int, number: int) -> dict[str, Any]:
    """Version `number` of event `event`: realistic full-state shape, growing by one field per version."""
    extra = {f"attr{k}": {"type": "string", "description": f"added in v{k}"} for k in range(2, number + 1)}
    customer_extra = {f"c{k}": {"type": "string"} for k in range(2, number + 1)}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"Event{event}",
        "description": f"Event {event}, version {number}",
        "type": "object",
        "required": ["metadata", "data"],
        "additionalProperties": False,
        "properties": {
            "metadata": {
                "type": "object",
                "required": ["idempotency-key", "version"],
                "additionalProperties": {"type": "string"},
                "properties": {
                    "idempotency-key": {"type": "string", "minLength": 8, "maxLength": 64},
                    "version": {"type": "integer", "minimum": 1},
                    "correlation-id": {"type": "string"},
                    "occurred-at": {"type": "string", "format": "date-time"},
                },
            },
            "data": {
                "type": "object",
                "required": ["id", "amount", "status"],
                "additionalProperties": {"type": "string"},
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Z0-9-]{6,40}$"},
                    "amount": {"type": "number", "minimum": 0, "multipleOf": 0.01},
                    "currency": {"enum": ["EUR", "USD", "GBP"]},
                    "status": {"type": "string", "enum": ["NEW", "PAID", "SHIPPED", "CANCELLED"]},
                    "customer": {"$ref": "#/definitions/Customer"},
                    "lines": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 100,
                        "items": {
                            "type": "object",
                            "required": ["sku", "qty"],
                            "additionalProperties": False,
                            "properties": {
                                "sku": {"type": "string"},
                                "qty": {"type": "integer", "minimum": 1},
                                "price": {"type": "number", "minimum": 0},
                            },
                        },
                    },
                    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                    "note": {"oneOf": [{"type": "string", "maxLength": 500}, {"type": "null"}]},
                    **extra,
                },
            },
        },
        "definitions": {
            "Customer": {
                "type": "object",
                "required": ["id"],
                "additionalProperties": {"type": "string"},
                "properties": {
                    "id": {"type": "string"},
                    "email": {"type": "string", "format": "email"},
                    "tier": {"enum": ["gold", "silver", "bronze"]},
                    **customer_extra,
                },
            },
        },
    }


def _registry() -> list[list[tuple[str, dict[str, Any]]]]:
    return [[(f"events/e{e}/v{n}.json", _version(e, n)) for n in range(1, VERSIONS + 1)] for e in range(EVENTS)]


def _gate(histories: list[list[tuple[str, dict[str, Any]]]]) -> int:
    """Check every version of every event against the earlier ones, as the gate does (one collector pause
    around the whole registry); returns the findings (must be 0)."""
    with gc_paused():
        return sum(len(check_history(history[:k], MODE)) for history in histories for k in range(2, len(history) + 1))


def _fresh_copies(registry: list[list[tuple[str, dict[str, Any]]]]) -> list[list[tuple[str, dict[str, Any]]]]:
    """One history per check whose schemas are new objects, so nothing loaded earlier can be reused."""
    return [
        [(name, copy.deepcopy(schema)) for name, schema in history[:k]]
        for history in registry
        for k in range(2, len(history) + 1)
    ]


def _gate_fresh(prefixes: list[list[tuple[str, dict[str, Any]]]]) -> int:
    return sum(len(check_history(prefix, MODE)) for prefix in prefixes)


def _semantic(histories: list[list[tuple[str, dict[str, Any]]]], semantic: Semantic) -> tuple[float, int]:
    """Seconds and judged pairs for the semantic gate over every version of `histories`."""
    pairs = 0
    start = time.perf_counter()
    for history in histories:
        for k in range(2, len(history) + 1):
            findings, verdicts = compare_history(history[:k], MODE, semantic=semantic)
            if any(f.severity == "error" for f in findings):
                raise SystemExit(f"semantic layer rejects a {MODE}-compatible evolution: {findings[0].render()}")
            pairs += len(verdicts)
    return time.perf_counter() - start, pairs


def main() -> None:
    registry = _registry()
    start, cpu = time.perf_counter(), time.process_time()
    findings = _gate(registry)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    if findings:
        raise SystemExit(f"bench registry is not {MODE}-compatible: {findings} finding(s)")
    prefixes = _fresh_copies(_registry()[:SUBSET])  # copied before timing: only loading is measured
    start = time.perf_counter()
    _gate_fresh(prefixes)
    fresh_seconds = (time.perf_counter() - start) * EVENTS / SUBSET
    comparisons = EVENTS * sum(2 * (k - 1) for k in range(2, VERSIONS + 1))
    print(
        f"{comparisons} schema comparisons under {MODE}: {seconds:.3f} s with the load cache, "
        f"{fresh_seconds:.3f} s re-loading every schema per check (scaled from {SUBSET} events), "
        f"ratio {fresh_seconds / seconds:.1f}x"
    )
    with tempfile.TemporaryDirectory() as cache_dir:
        semantic = Semantic(cache=Cache(Path(cache_dir)))
        subset = _registry()[:SEMANTIC_EVENTS]
        cold, pairs = _semantic(subset, semantic)
        cached, _ = _semantic(_registry()[:SEMANTIC_EVENTS], semantic)
    print(
        f"semantic layer, {pairs} pair judgements over {SEMANTIC_EVENTS} events: cold {cold:.2f} s "
        f"({cold / pairs:.3f} s a pair), cached {cached:.3f} s ({cached / pairs * 1000:.2f} ms a pair)"
    )
    print(
        f"BENCH compat events={EVENTS} versions={EVENTS * VERSIONS} seconds={seconds:.3f} cpu_seconds={cpu_seconds:.3f} "
        f"semantic_pairs={pairs} semantic_cold_s_per_pair={cold / pairs:.3f} "
        f"semantic_cached_s_per_pair={cached / pairs:.5f}"
    )


if __name__ == "__main__":
    main()
