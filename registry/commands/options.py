"""What several subcommands share: the contracts folder option, and a registry only once the gate passes."""

from __future__ import annotations

import argparse
from pathlib import Path

from registry.gate import evaluate
from registry.model import Registry

__all__ = ["DEFAULT_CONTRACTS", "add_contracts_option", "gated_registry", "stack_root"]

DEFAULT_CONTRACTS = Path("contracts")


def add_contracts_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--contracts",
        type=Path,
        default=DEFAULT_CONTRACTS,
        metavar="DIR",
        help="contracts directory (default: contracts)",
    )


def gated_registry(contracts: Path, refusal: str) -> tuple[Registry | None, int]:
    """The registry when the gate passes; else prints the report under `refusal` and gives its exit code.

    Commands that write from the registry (lock, codegen) must never write from one the gate rejects.
    """
    result = evaluate(contracts, stack_root=stack_root(contracts))
    if result.registry is None or not result.report.ok:
        print(result.report.render(refusal))
        return None, result.exit_code
    return result.registry, 0


def stack_root(contracts: Path) -> Path:
    """Where the stack files of a contracts folder live: the project root above it (their contractsDir decides)."""
    return Path(contracts).resolve().parent
