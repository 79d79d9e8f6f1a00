"""`conform` over 1,000,000 recorded events vs `json.loads` alone on the same lines, side by side.

The file holds EventBridge envelopes of every contract's examples (ids varied),
one in ten wrapped as an SQS record and one in twenty with a wrong type, so the
unwrapping and the error path are timed too. `json.loads` alone is the floor:
any reader must at least parse each line. Ours reads the file through
`registry.recorded` (the one reader), finds each event's contract and checks it
against every version of it, keeping the summary (not every verdict) in memory.

Last line: BENCH conform events=<n> ours_per_s=<n> json_loads_per_s=<n> ratio=<x>
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.conform import conform
from registry.loader import load_registry
from registry.recorded import iter_recorded

EVENTS = 1_000_000


def write_corpus(path: Path) -> None:
    registry = load_registry(Path(__file__).resolve().parents[1] / "contracts")
    pool = [
        contract.envelope(example)
        for contract in registry.events.values()
        for version in contract.versions
        for example in version.examples
    ]
    # Serialised once per (pool entry, variant); each line then only gets its own id (fast to write).
    templates: dict[tuple[int, bool], str] = {}
    with path.open("w", encoding="utf-8") as out:
        for n in range(EVENTS):
            slot, broken = n % len(pool), n % 20 == 0
            template = templates.get((slot, broken))
            if template is None:
                envelope = {**pool[slot], "id": "@ID@"}
                if broken and isinstance(envelope["detail"], dict) and envelope["detail"]:
                    envelope["detail"] = {**envelope["detail"], next(iter(envelope["detail"])): 0.5}
                template = templates[(slot, broken)] = json.dumps(envelope, separators=(",", ":"))
            line = template.replace("@ID@", f"00000000-0000-0000-0000-{n:012d}")
            if n % 10 == 0:
                line = json.dumps({"messageId": str(n), "body": line}, separators=(",", ":"))
            out.write(line + "\n")


def time_json_loads(path: Path) -> float:
    start = time.perf_counter()
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
    return time.perf_counter() - start


def time_conform(path: Path) -> tuple[float, int]:
    registry = load_registry(Path(__file__).resolve().parents[1] / "contracts")
    start = time.perf_counter()
    report = conform(registry, iter_recorded([path]), keep="none")
    return time.perf_counter() - start, report.total


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="eventplane-bench-conform-") as tmp:
        path = Path(tmp) / "events.jsonl"
        write_corpus(path)
        size_mb = path.stat().st_size / 1e6
        loads_seconds = time_json_loads(path)
        ours_seconds, total = time_conform(path)
    assert total == EVENTS, total
    ours = EVENTS / ours_seconds
    loads = EVENTS / loads_seconds
    print(f"{EVENTS} events ({size_mb:.0f} MB): json.loads alone {loads_seconds:.2f} s, conform {ours_seconds:.2f} s")
    print(f"BENCH conform events={EVENTS} ours_per_s={ours:.0f} json_loads_per_s={loads:.0f} ratio={ours / loads:.2f}")


if __name__ == "__main__":
    main()
