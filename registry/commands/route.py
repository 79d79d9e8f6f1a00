"""`route EVENT.json`: where one event goes on a stack, and why, before it is ever sent.

`route --events FILE|DIR [--against REF]`: recorded traffic replayed through
the stack's subscriptions (and the base ref's), counting per subscription the
events gained and lost.

Uses the same pattern builders as the Pulumi program and the shared routing
machine, so the answer is what AWS would do with the deployed rules.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema

from registry.commands.options import add_contracts_option
from registry.errors import InputError, UsageError
from registry.jsonfile import read_json_file
from registry.loader import load_registry, schema_validator
from registry.model import EventContract, Registry, Subscription, envelope_defaults
from registry.patterns import fork_policy, rule_pattern
from registry.recorded import iter_recorded, recorded_files
from registry.replay import registry_at, render_text, replay, routes_of
from registry.routing.deliveries import SubscriptionRoutes
from registry.stack_config import load_stack_config

__all__ = ["Hop", "route_event"]


@dataclass(frozen=True)
class Hop:
    """One subscription's verdict on the event: delivered or not, and the reason."""

    subscription: str
    delivered: bool
    path: tuple[str, ...]  # rule -> [topic ->] target
    reason: str


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "event",
        type=Path,
        nargs="?",
        metavar="EVENT.json",
        help="an EventBridge event (envelope with detail), as producers send it",
    )
    parser.add_argument(
        "--events",
        type=Path,
        action="append",
        metavar="FILE|DIR",
        help="recorded events (JSON Lines, SQS/SNS/CloudWatch Logs records) to replay; repeatable",
    )
    parser.add_argument(
        "--against",
        metavar="REF",
        help="with --events: also route through the subscriptions on git ref REF and report gained / lost",
    )
    parser.add_argument("--stack", default="dev", help="stack whose enabled subscriptions count (default: dev)")
    add_contracts_option(parser)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if (args.event is None) == (args.events is None):
        raise UsageError("give one EVENT.json, or --events FILE|DIR with recorded events")
    if args.events is not None:
        return _run_replay(args)
    if args.against:
        raise UsageError("--against compares recorded traffic: use it with --events FILE|DIR")
    event = _read_event(args.event)
    registry = load_registry(args.contracts)
    config = load_stack_config(Path.cwd(), args.stack)
    enabled = [s for s in registry.subscriptions if config.subscription_enabled(s.id)]
    contract = _contract_of(registry, event)
    hops = route_event(event, contract, enabled)
    versions = _valid_versions(contract, event["detail"]) if contract else []
    if args.json:
        print(
            json.dumps(
                {
                    "stack": args.stack,
                    "event": contract.key if contract else None,
                    "valid_versions": versions,
                    "hops": [h.__dict__ for h in hops],
                },
                indent=2,
            )
        )
    else:
        print(_render(args.stack, event, contract, versions, hops))
    return 0


def _run_replay(args: argparse.Namespace) -> int:
    """Recorded events through the stack's subscriptions, and the base ref's with --against."""
    head = load_registry(args.contracts)
    config = load_stack_config(Path.cwd(), args.stack)
    enabled = [s.id for s in head.subscriptions if config.subscription_enabled(s.id)]
    recorded_files(args.events)  # a missing path is exit 2 before any git work; events are then streamed
    records = iter_recorded(args.events)
    if args.against:
        with registry_at(args.against, args.contracts) as (base, _):
            base_routes = SubscriptionRoutes([], {})  # no contracts on the ref: everything is gained
            if base is not None:
                base_routes = routes_of(base, [s.id for s in base.subscriptions if config.subscription_enabled(s.id)])
            result = replay(records, routes_of(head, enabled), base_routes)
    else:
        result = replay(records, routes_of(head, enabled))
    if args.json:
        print(json.dumps({"stack": args.stack, "against": args.against, **result.to_json()}, indent=2))
    else:
        print(f"Replay on stack {args.stack}" + (f", compared with {args.against}" if args.against else ""))
        print(render_text(result, args.against))
    return 0


def route_event(event: dict[str, Any], contract: EventContract | None, subscriptions: list[Subscription]) -> list[Hop]:
    """Every subscription of the event's contract, delivered or not, with the reason.

    A rule on a producer's bus (the contract's `bus`) is named with it: the event
    reaches it only when the producer puts it there, never on our bus."""
    if contract is None:
        return []
    mine = [s for s in subscriptions if s.event == contract.key]
    routes = SubscriptionRoutes(mine, {contract.key: contract})
    reached = set(routes.delivered(event))
    hops = []
    on_bus = f" on bus {contract.bus}" if contract.bus else ""  # a producer's bus; ours otherwise
    for sub in mine:
        rule = f"rule {sub.id}{on_bus}"
        error = routes.invalid.get(sub.id)
        if error is not None:
            hops.append(Hop(sub.id, False, (rule,), f"the filter is not valid ({error}): run check"))
            continue
        delivered = sub.id in reached
        if sub.delivery.type == "fork":
            topic = f"topic {contract.key}"
            target = f"queue {sub.id} ({sub.delivery.options.get('pipeline', 'plain')})"
            fanout = f"rule {contract.key}-fanout{on_bus}"
            if (event.get("source"), event.get("detail-type")) != (contract.source, contract.detail_type):
                hops.append(Hop(sub.id, False, (fanout,), "source / detail-type differ"))
                continue
            policy = fork_policy(sub)
            reason = (
                "no filter policy"
                if policy is None
                else ("filter policy matched" if delivered else f"filter policy {json.dumps(policy)} did not match")
            )
            hops.append(Hop(sub.id, delivered, (fanout, topic, target), reason))
        else:
            pattern = rule_pattern(sub, contract)
            reason = (
                "pattern matched"
                if delivered
                else f"pattern {json.dumps(pattern.get('detail', pattern))} did not match"
            )
            hops.append(Hop(sub.id, delivered, (rule, _target(sub)), reason))
    return hops


def _target(sub: Subscription) -> str:
    options = sub.delivery.options
    return {
        "queue": f"queue {sub.id}" + (" (FIFO)" if options.get("fifo") else ""),
        "api": f"API destination {options.get('destination')}",
        "metrics": "metrics queue -> metrics Lambda -> metrics table",
        "lambda": f"Lambda {options.get('function')}",
    }[sub.delivery.type]


def _read_event(path: Path) -> dict[str, Any]:
    event = read_json_file(path)
    if not isinstance(event, dict) or not all(k in event for k in ("source", "detail-type", "detail")):
        raise InputError(
            str(path), "not an EventBridge event", hint='give at least "source", "detail-type" and "detail"'
        )
    return {**envelope_defaults(), **event}


def _contract_of(registry: Registry, event: dict[str, Any]) -> EventContract | None:
    return next(
        (c for c in registry.events.values() if (c.source, c.detail_type) == (event["source"], event["detail-type"])),
        None,
    )


def _valid_versions(contract: EventContract, detail: Any) -> list[int]:
    valid = []
    for version in contract.versions:
        try:
            schema_validator(version.schema)(detail)
            valid.append(version.number)
        except fastjsonschema.JsonSchemaValueException:
            continue
    return valid


def _render(
    stack: str, event: dict[str, Any], contract: EventContract | None, versions: list[int], hops: list[Hop]
) -> str:
    head = f"{event['source']} / {event['detail-type']} on stack {stack}"
    if contract is None:
        return f"{head}\n  no contract has this source and detail-type: no rule receives it"
    lines = [
        f"{head}: contract {contract.key}",
        f"  valid under: {', '.join(f'v{n}' for n in versions) or 'NO version (producers must not send this)'}",
    ]
    if not hops:
        lines.append("  no subscription on this stack")
    for hop in hops:
        mark = "->" if hop.delivered else "x "
        lines.append(f"  {mark} {hop.subscription}: {' -> '.join(hop.path)}  ({hop.reason})")
    delivered = sum(h.delivered for h in hops)
    lines.append(f"{delivered} of {len(hops)} subscription(s) receive it")
    return "\n".join(lines)
