"""`python -m registry local [--stack NAME] [--events FILE|DIR] [--json]`: the whole platform on one machine.

Plans the stack offline (the real Pulumi program under the mock engine), stands
the planned topology up on moto, publishes the contracts' examples (or the
scenario files' events) and prints where every event went. With `--events`,
exit 1 when any scenario expectation is not met, 0 when all are.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from registry.errors import InputError

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to plan (default dev)")
    parser.add_argument("--events", type=Path, help="a scenario file, or a directory of them, to run and check")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--root", type=Path, default=Path("."), help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from registry.loader import load_registry
    from registry.local.planner import start_plan
    from registry.local.scenario import examples_scenario, load_scenarios
    from registry.stack_config import load_stack_config

    root: Path = args.root
    if args.events is not None and not args.events.exists():
        raise InputError(
            file=str(args.events),
            message="no such file or directory",
            hint="point --events at a scenario file or a directory of them",
        )
    config = load_stack_config(root, args.stack)  # an unknown stack: UsageError listing the known ones
    pending = start_plan(args.stack, root)
    try:
        registry = load_registry(root / "contracts")
        scenarios = load_scenarios(args.events, registry) if args.events is not None else [examples_scenario(registry)]
        from registry.local.run import auth_hints, prepare, run_scenarios
        from registry.local.summary import mismatches, render_text, to_json

        prepare()
        resources = pending.resources()
    finally:
        if pending.process.poll() is None:
            pending.process.kill()
            pending.process.wait()
    result = run_scenarios(args.stack, resources, registry, scenarios, auth_hints(config))
    if any(r.monitor for r in result.runs):  # the catalog shows these with `catalog --monitor FILE`
        from registry.local.monitor import counts_file, save_counts, total_counts

        save_counts(counts_file(root, args.stack), args.stack, total_counts(r.monitor for r in result.runs))
    if args.json:
        sys.stdout.write(json.dumps(to_json(result), indent=2, sort_keys=True, default=str) + "\n")
    else:
        sys.stdout.write(render_text(result) + "\n")
    return 1 if any(mismatches(r) for r in result.runs) else 0
