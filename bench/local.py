"""Time `python -m registry local` for the dev stack, in-process, end to end.

Planning the real program offline, standing the topology up on moto, putting
every contract example on the bus, delivering, running the metrics Lambda and
reading the figures back: the whole command, as a new user runs it. The
target is under 10 seconds. Last line:
`BENCH local events=<n> seconds=<s> per_event_ms=<x>`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    from registry.cli import main as cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli(["local", "--stack", "dev", "--json"])
    seconds = time.perf_counter() - started
    if code not in (0, 1):
        sys.stderr.write(out.getvalue()[-2000:])
        return code
    report = json.loads(out.getvalue())
    events = sum(len(s["events"]) for s in report["scenarios"])
    deliveries = sum(q["delivered"] for s in report["scenarios"] for q in s["queues"].values())
    print(f"local run: {events} events put on the bus, {deliveries} queue deliveries, exit {code}")
    print(f"BENCH local events={events} seconds={seconds:.2f} per_event_ms={seconds * 1000 / max(events, 1):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
