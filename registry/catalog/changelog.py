"""What changed between consecutive versions of an event, and whether each reading still works.

`diff_schemas(old, new)` lists what a reader of the new schema meets in old
data (Confluent's BACKWARD reading); `diff_schemas(new, old)` what an old
reader meets in new data (FORWARD). The catalog shows both verdicts and the
changes behind them, so an author sees why a mode accepted or refused a step.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from registry.compat import diff_schemas
from registry.model import EventContract

__all__ = ["ChangeRow", "Step", "changelog"]


@dataclass(frozen=True)
class ChangeRow:
    reading: str  # "backward" (new reader, old data) or "forward" (old reader, new data)
    rule_id: str
    path: str  # Confluent's logical path, e.g. "#/properties/data/properties/couponCode"
    old: Any
    new: Any
    compatible: bool


@dataclass(frozen=True)
class Step:
    """From version `old` to version `new`."""

    old: int
    new: int
    backward: bool
    forward: bool
    rows: tuple[ChangeRow, ...]


def changelog(event: EventContract) -> list[Step]:
    steps: list[Step] = []
    for before, after in itertools.pairwise(event.versions):
        backward = diff_schemas(before.schema, after.schema)
        forward = diff_schemas(after.schema, before.schema)
        rows = [ChangeRow("backward", c.rule_id, c.path, c.old, c.new, c.compatible) for c in backward]
        # The reverse reading repeats every compatible change mirrored; keep only what it refuses.
        rows += [ChangeRow("forward", c.rule_id, c.path, c.new, c.old, False) for c in forward if not c.compatible]
        steps.append(
            Step(
                before.number,
                after.number,
                all(c.compatible for c in backward),
                all(c.compatible for c in forward),
                tuple(rows),
            )
        )
    return steps
