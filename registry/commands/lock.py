"""`lock`: record new versions as published, only once the gate passes.

Only new keys are added: an edited published version stays rejected,
because re-locking it would hide the edit.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from registry.commands.options import add_contracts_option, gated_registry
from registry.gate import versions_by_key
from registry.loader import LOCK_FILE_NAME


def register(parser: argparse.ArgumentParser) -> None:
    add_contracts_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    registry, refused = gated_registry(args.contracts, "Not locked: the gate rejects the registry")
    if registry is None:
        return refused
    published = dict(registry.lock)
    versions = versions_by_key(registry)
    added = [key for key in versions if key not in published]
    published.update((key, versions[key].fingerprint) for key in added)
    path = Path(args.contracts) / LOCK_FILE_NAME
    path.write_text(json.dumps({"lockVersion": 1, "published": dict(sorted(published.items()))}, indent=2) + "\n")
    print(f"locked {len(added)} new version(s) in {path}" + "".join(f"\n  + {key}" for key in added))
    return 0
