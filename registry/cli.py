"""`python -m registry`: one subcommand per module in `registry/commands/`.

Exit codes are the command-line contract: 0 ok, 1 rejected / incompatible,
2 bad usage or unreadable input. Errors become one clear message; a traceback
only ever means a bug in Eventplane itself.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from registry.errors import EventplaneError

__all__ = ["main"]

# name -> (module, one-line help). Modules are imported only when their command
# runs, so `check` does not pay for importing pulumi.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("registry.commands.check", "the gate: validate contracts and subscriptions, reject breaking changes"),
    "lock": ("registry.commands.lock", "record new versions in registry.lock.json once they pass the gate"),
    "diff": ("registry.commands.diff", "compatibility of two plain JSON Schema files"),
    "match": ("registry.commands.match", "match events against EventBridge patterns / SNS filter policies"),
    "route": ("registry.commands.route", "which rules, topics, subscriptions and targets receive an event"),
    "plan": ("registry.commands.plan", "run the Pulumi program offline and list what it would create"),
    "local": ("registry.commands.local", "run the whole platform end to end on an embedded AWS"),
    "infer": ("registry.commands.infer", "draft contracts, or a contract's next version, from recorded events"),
    "catalog": ("registry.commands.catalog", "generate the event catalog (Markdown and HTML)"),
    "codegen": ("registry.commands.codegen", "typed Python bindings of the contracts (TypedDict models, parse)"),
    "conform": ("registry.commands.conform", "check recorded events against the contracts: which versions accept them"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep its usage line
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(2)


def _prog() -> str:
    """Usage lines name the command the user typed: the `eventplane` script or `python -m registry`."""
    return "eventplane" if Path(sys.argv[0]).name == "eventplane" else "python -m registry"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _Parser(prog=_prog(), description="Eventplane contract registry")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    name = next((a for a in argv if not a.startswith("-")), None)
    for command, (module, help_text) in COMMANDS.items():
        if command == name:
            importlib.import_module(module).register(sub.add_parser(command, help=help_text, description=help_text))
        else:
            sub.add_parser(command, help=help_text)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except EventplaneError as exc:
        sys.stderr.write(f"{exc.prefix}{exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
