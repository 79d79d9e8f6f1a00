"""`conform FILE|DIR [--contracts DIR] [--json]`: recorded events against the contracts.

Exit 0 when every event that has a contract is accepted by its latest version,
1 otherwise, 2 when a line (or the contracts) could not be read; a bad line is
named by file and line number and the rest is still checked.
"""

from __future__ import annotations

import argparse
import json

from registry.commands.options import add_contracts_option
from registry.conform import ConformReport, conform
from registry.loader import load_registry
from registry.recorded import iter_recorded

__all__ = ["register", "run"]

_MAX_LISTED = 50  # events listed one by one in text; --json lists every event


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", metavar="FILE|DIR", help="JSON Lines of EventBridge envelopes (SQS/SNS/Logs wrapped too)"
    )
    add_contracts_option(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable result, every event listed")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    registry = load_registry(args.contracts)
    # text lists only the failing events: a million accepted ones need not be held in memory
    report = conform(registry, iter_recorded([args.path]), keep="all" if args.json else "failing")
    print(json.dumps(report.to_json(), indent=2, sort_keys=True) if args.json else render_text(report))
    return report.exit_code


def render_text(report: ConformReport) -> str:
    """Events their latest version rejects (and events without a contract), then the summary."""
    lines: list[str] = []
    failing = [v for v in report.verdicts if not v.ok]
    for verdict in failing[:_MAX_LISTED]:
        why = "; ".join(f"v{r.version} rejects {r.pointer}: {r.reason}" for r in verdict.rejected)
        accepted = f" (accepted by {', '.join(f'v{n}' for n in verdict.accepted)})" if verdict.accepted else ""
        lines.append(f"REJECTED  {verdict.where}  {verdict.event}: {why}{accepted}")
    if len(failing) > _MAX_LISTED:
        lines.append(f"... and {len(failing) - _MAX_LISTED} more rejected events (--json lists every event)")
    lines.append(f"{report.total} events read")
    keys = sorted({k for k, *_ in report.failures} | set(report.accepted_by_latest))
    for key in keys:
        passed = report.accepted_by_latest.get(key)
        latest = report.latest.get(key, 0)
        lines.append(f"  {key}: v{latest} (latest) accepts {passed.count if passed else 0}")
        for (event, version, pointer, reason), group in sorted(report.failures.items()):
            if event == key:
                marker = "latest " if version == latest else ""
                lines.append(
                    f"    {marker}v{version} rejects {group.count} at {pointer}: {reason} (e.g. {group.sample})"
                )
    if report.unknown:
        lines.append("events with no contract (no contract has their source and detail-type):")
        for (source, detail_type), group in sorted(report.unknown.items()):
            lines.append(f"  {source} / {detail_type}: {group.count} (e.g. {group.sample})")
    if report.bad_lines:
        lines.append("unreadable lines (the rest was still checked):")
        lines += [f"  {bad.where}: {bad.reason}" for bad in report.bad_lines]
    outcome = {0: "OK", 1: "REJECTED", 2: "UNREADABLE INPUT"}[report.exit_code]
    lines.append(
        f"{outcome}: {report.rejected_by_latest} event(s) rejected by their latest version, "
        f"{sum(g.count for g in report.unknown.values())} without a contract, {len(report.bad_lines)} unreadable line(s)"
    )
    return "\n".join(lines)
