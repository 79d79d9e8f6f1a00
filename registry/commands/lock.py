"""`lock`: record new versions as published, only once the gate passes.

Only new keys are added: an edited published version stays rejected,
because re-locking it would hide the edit. Each event's compatibility mode is
recorded too (the gate then refuses weakening it). The file is written
atomically while holding a lock beside it, so concurrent runs neither lose
entries nor let a reader see a half-written file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from registry import atomic
from registry.commands.options import add_contracts_option, gated_registry
from registry.errors import InputError
from registry.gate import versions_by_key
from registry.loader import LOCK_FILE_NAME, lock_format_problems


def register(parser: argparse.ArgumentParser) -> None:
    add_contracts_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.contracts) / LOCK_FILE_NAME
    if not Path(args.contracts).is_dir():
        raise InputError(str(args.contracts), "not a contracts directory", hint="pass --contracts DIR")
    with atomic.exclusive(path):  # a second `lock` waits, then sees this one's entries
        registry, refused = gated_registry(args.contracts, "Not locked: the gate rejects the registry")
        if registry is None:
            return refused
        published = dict(registry.lock)
        versions = versions_by_key(registry)
        added = [key for key in versions if key not in published]
        published.update((key, versions[key].fingerprint) for key in added)
        modes = {**registry.lock_modes, **{k: e.compatibility for k, e in registry.events.items()}}
        document = {
            "lockVersion": 1,
            "published": dict(sorted(published.items())),
            "modes": dict(sorted(modes.items())),
        }
        problems = lock_format_problems(document)
        if problems:  # never write a lock that its own format check would refuse
            raise InputError(str(path), f"refusing to write an invalid lock: {problems[0]}")
        atomic.write_text(path, json.dumps(document, indent=2) + "\n")
    print(f"locked {len(added)} new version(s) in {path}" + "".join(f"\n  + {key}" for key in added))
    return 0
