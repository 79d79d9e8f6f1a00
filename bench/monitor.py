"""The contract monitor's cost per event in the embedded run, next to the metrics Lambda's.

Runs `local --stack dev --events tests/scenarios` in-process (the real plan,
moto, both Lambdas from their deployment bundles), repeats the delivery of
extra coffee-shop traffic so both functions see enough records to time, and
reads each invocation's handler time back from the run. The metrics Lambda
validates, dedupes and writes DynamoDB transactions (moto); the monitor
validates against every version and writes EMF log lines. Both use the same
build-time validators (`registry.bundle`).

Last line: BENCH monitor records=<n> monitor_ms_per_event=<x> metrics_records=<m> metrics_ms_per_event=<y> ratio=<y/x>
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDERS = 150  # WaitingCompletion events put on the coffee shop's bus, on top of the scenarios


def _scenario(directory: Path) -> None:
    events = [
        {
            "label": f"order-{i}",
            "event": "coffeeshop/WaitingCompletion",
            "detail": {
                "orderId": f"o-{i}",
                "userId": f"u-{i % 17}",
                "drinkOrder": json.dumps({"userId": f"u-{i % 17}", "drink": ["Latte", "Mocha", "Espresso"][i % 3]}),
                "orderNumber": i,
                "state": "CREATED",
                "TS": 1763630000000 + i,
            },
            "time": "2026-11-20T09:30:00Z",
        }
        for i in range(ORDERS)
    ]
    (directory / "traffic.json").write_text(json.dumps({"name": "bench traffic", "events": events}))
    for scenario in (ROOT / "tests" / "scenarios").glob("*.json"):
        (directory / scenario.name).write_text(scenario.read_text())


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from registry.cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        _scenario(Path(tmp))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = cli(["local", "--stack", "dev", "--events", tmp, "--json"])
    if code not in (0, 1):
        return code
    report = json.loads(out.getvalue())
    totals: dict[str, list[float]] = {}
    for scenario in report["scenarios"]:
        for call in scenario["lambda_invocations"]:
            entry = totals.setdefault(call["function"], [0, 0.0, 0])
            entry[0] += call["records"]
            entry[1] += call["seconds"]
            entry[2] += 1
    for name, (records, seconds, calls) in sorted(totals.items()):
        print(f"{name}: {records} records in {calls} invocations, {seconds * 1000:.1f} ms in the handler")
    mon_records, mon_seconds, _ = totals["monitor-function"]
    met_records, met_seconds, _ = totals["metrics-function"]
    mon_ms, met_ms = mon_seconds * 1000 / mon_records, met_seconds * 1000 / met_records
    print(
        f"BENCH monitor records={mon_records} monitor_ms_per_event={mon_ms:.3f} "
        f"metrics_records={met_records} metrics_ms_per_event={met_ms:.3f} ratio={met_ms / mon_ms:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
