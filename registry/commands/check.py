"""`check`: the PR gate. Exit 0 ok, 1 rejected, 2 unreadable input."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from registry.commands.options import add_contracts_option, stack_root
from registry.errors import UsageError
from registry.gate import GateResult, evaluate


def register(parser: argparse.ArgumentParser) -> None:
    add_contracts_option(parser)
    parser.add_argument("--against", metavar="REF", help="git ref of the base branch: its versions count as published")
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    parser.add_argument(
        "--no-semantic",
        action="store_true",
        help="compatibility by Confluent's rules only: no counterexample search, no subschema proof",
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="markdown: the pull-request comment (changes, findings, affected subscribers, plan per stack versus --against)",
    )
    parser.add_argument(
        "--events",
        type=Path,
        action="append",
        metavar="FILE|DIR",
        help="with --format markdown: recorded events replayed through changed filters (besides contracts/evidence/)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.json and args.format == "markdown":
        raise UsageError("choose one of --json and --format markdown")
    if args.events and args.format != "markdown":
        raise UsageError("--events feeds the PR report: use it with --format markdown")
    result = evaluate(
        args.contracts, against=args.against, stack_root=stack_root(args.contracts), semantic=not args.no_semantic
    )
    if args.format == "markdown":
        from registry.pr_report import markdown_report  # plans import pulumi: only when asked

        print(
            markdown_report(
                result.registry, result.report, args.contracts, args.against, Path.cwd(), recorded=args.events
            )
        )
        return result.exit_code
    print(json.dumps(_as_json(result), indent=2, sort_keys=True) if args.json else _as_text(result, args.against))
    return result.exit_code


def _as_json(result: GateResult) -> dict[str, object]:
    return {"exit_code": result.exit_code, **result.report.to_json()}


def _as_text(result: GateResult, against: str | None) -> str:
    registry = result.registry
    if registry is None:
        title = "Eventplane gate: the contract files could not be loaded"
    else:
        versions = sum(len(e.versions) for e in registry.events.values())
        base = f", compared with {against}" if against else ""
        title = f"Eventplane gate: {len(registry.events)} events, {versions} versions, {len(registry.subscriptions)} subscriptions{base}"
    return result.report.render(title)
