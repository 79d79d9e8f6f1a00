"""What the contract monitor watches: which buses, which contracts on each, and the rules' patterns.

Pure (no pulumi), so the program, the tests and the catalog agree. A rule only
sees its own bus, so the monitor gets a rule on each bus contracted events are
put on: ours, and each producer's bus that an external contract names
(`EventContract.bus`, where we already add subscription rules). Patterns list
the exact (source, detail-type) pairs, grouped by source, and are split so
each stays within PutRule's 2048-character limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from registry.errors import InputError
from registry.model import EventContract, Registry
from registry.patterns import to_aws_json
from registry.routing.eventbridge import PATTERN_MAX_CHARS

__all__ = ["OUR_BUS", "MonitoredBus", "contract_patterns", "monitored_buses"]

OUR_BUS = "ours"  # the stack's own bus, in `eventplane:monitor.buses`


@dataclass(frozen=True)
class MonitoredBus:
    name: str  # OUR_BUS or the producer's bus name
    contracts: tuple[EventContract, ...]
    patterns: tuple[str, ...]  # event patterns as AWS takes them (JSON strings)


def _bus_of(contract: EventContract) -> str:
    return contract.bus or OUR_BUS


def _render(pairs: Sequence[tuple[str, str]]) -> str:
    """One pattern for these (source, detail-type) pairs: a branch per source, `$or` across sources."""
    groups: dict[str, list[str]] = {}
    for source, detail_type in pairs:
        groups.setdefault(source, []).append(detail_type)
    branches = [{"source": [s], "detail-type": sorted(set(d))} for s, d in sorted(groups.items())]
    return to_aws_json(dict(branches[0]) if len(branches) == 1 else {"$or": branches})


def contract_patterns(contracts: Iterable[EventContract], max_chars: int = PATTERN_MAX_CHARS) -> list[str]:
    """Patterns matching exactly these contracts' (source, detail-type) pairs, each within `max_chars`.

    Pairs are packed in sorted order and a pattern is closed when the next pair would
    overflow it, so one source with hundreds of detail-types is split too."""
    patterns: list[str] = []
    chunk: list[tuple[str, str]] = []
    for pair in sorted({(c.source, c.detail_type) for c in contracts}):
        if chunk and len(_render([*chunk, pair])) > max_chars:
            patterns.append(_render(chunk))
            chunk = []
        chunk.append(pair)
    if chunk:
        patterns.append(_render(chunk))
    return patterns


def monitored_buses(registry: Registry, buses: tuple[str, ...] | None, *, source: str) -> list[MonitoredBus]:
    """The buses to watch (all with contracted events when `buses` is None), sorted, ours first.

    `source` names the stack file for the error when `buses` names a bus no contract is put on."""
    contracts = sorted(registry.events.values(), key=lambda c: c.key)
    known = sorted({_bus_of(c) for c in contracts}, key=lambda b: (b != OUR_BUS, b))
    wanted = list(buses) if buses is not None else known
    for index, name in enumerate(wanted):
        if name not in known:
            raise InputError(
                source,
                f"no contracted event is put on bus {name!r}",
                pointer=f"/config/eventplane:monitor/buses/{index}",
                hint=f"use `{OUR_BUS}` for this stack's bus or one a contract names: {', '.join(known)}",
            )
    found = []
    for name in sorted(set(wanted), key=lambda b: (b != OUR_BUS, b)):
        on_bus = tuple(c for c in contracts if _bus_of(c) == name)
        found.append(MonitoredBus(name, on_bus, tuple(contract_patterns(on_bus))))
    return found
