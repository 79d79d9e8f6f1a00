"""`codegen`: typed bindings from the contracts; `--check` exits 1 when the committed ones are stale."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from registry.codegen import render_bindings, stale_files, write_bindings
from registry.commands.options import add_contracts_option, gated_registry

DEFAULT_OUT = Path("contracts_py")


def register(parser: argparse.ArgumentParser) -> None:
    add_contracts_option(parser)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="the bindings package (default: contracts_py)"
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the bindings are stale")
    parser.add_argument("--json", action="store_true", help="machine-readable summary")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    registry, refused = gated_registry(args.contracts, "No bindings generated: the gate rejects the registry")
    if registry is None:
        return refused
    files = render_bindings(registry)
    if args.check:
        stale = stale_files(files, args.out)
        summary: dict[str, object] = {"out": str(args.out), "files": len(files), "stale": stale}
        if args.json:
            print(json.dumps(summary, indent=2))
        elif stale:
            print(f"{args.out}: {len(stale)} of the bindings are stale: run `python -m registry codegen`")
            print("".join(f"  ~ {path}\n" for path in stale), end="")
        else:
            print(f"{args.out}: {len(files)} generated files, all fresh")
        return 1 if stale else 0
    written, removed = write_bindings(files, args.out)
    if args.json:
        print(json.dumps({"out": str(args.out), "files": len(files), "written": written, "removed": removed}, indent=2))
    else:
        print(f"{args.out}: {len(files)} generated files, {len(written)} written, {len(removed)} removed")
        print("".join(f"  + {p}\n" for p in written) + "".join(f"  - {p}\n" for p in removed), end="")
    return 0
