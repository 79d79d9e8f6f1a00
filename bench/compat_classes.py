"""Each class of change Confluent's rules pass (or falsely reject), rules alone vs rules + semantic layer.

The fixture pairs are tests/compat_semantic/<class>/ (written by us, both directions under FULL). For
each direction: what Confluent's rules say, what the semantic layer says, and the counterexample event
it shows (writer accepts, reader rejects at the pointer given). Side by side in one run.

Last line: BENCH compat_classes directions=<n> breaking=<n> caught_by_rules=<n> caught_with_semantic=<n>
false_alarms=<n> false_alarms_proved=<n> seconds=<s>
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.compat.check import compare_versions
from registry.compat.semantic import Semantic
from registry.findings import Severity

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "compat_semantic"


def main() -> None:
    rows = []
    breaking = by_rules = with_semantic = alarms = proved = 0
    start = time.perf_counter()
    for directory in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        old, new, expected = (json.loads((directory / f"{n}.json").read_text()) for n in ("old", "new", "expected"))
        rules, _ = compare_versions(old, new, "FULL", old_file="v1", new_file="v2")
        findings, verdicts = compare_versions(old, new, "FULL", old_file="v1", new_file="v2", semantic=Semantic())
        for verdict in verdicts:
            direction = verdict.direction
            want = expected[direction.lower()]
            rule_errors = [f for f in rules if f.message.startswith(direction)]
            mine = [f for f in findings if f.message.startswith(direction)]
            example = next((f.example for f in mine if f.example), None)
            if want["verdict"] == "incompatible":
                breaking += 1
                by_rules += bool(rule_errors)
                with_semantic += not verdict.compatible
            if want["verdict"] == "proved compatible":
                alarms += bool(rule_errors)
                proved += verdict.verdict == "proved compatible" and all(f.severity == Severity.WARNING for f in mine)
            shown = "-"
            if example:
                shown = f"{json.dumps(example['event'], ensure_ascii=True)[:60]} at {example['rejected_by']}"
            rows.append(
                (directory.name, direction, "reject" if rule_errors else "pass", verdict.verdict.split(",")[0], shown)
            )
    seconds = time.perf_counter() - start
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    print(
        f"{'class':{widths[0]}}  {'dir':{widths[1]}}  {'rules':{widths[2]}}  {'with semantic':{widths[3]}}  counterexample"
    )
    for row in rows:
        print("  ".join(f"{c!s:{w}}" for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4])
    print(
        f"BENCH compat_classes directions={len(rows)} breaking={breaking} caught_by_rules={by_rules} "
        f"caught_with_semantic={with_semantic} false_alarms={alarms} false_alarms_proved={proved} seconds={seconds:.1f}"
    )


if __name__ == "__main__":
    main()
