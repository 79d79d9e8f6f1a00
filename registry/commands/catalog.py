"""`catalog`: generate the static event catalog (Markdown pages and one self-contained HTML page).

The output is deterministic (sorted, no timestamps), so it is committed under
docs/catalog and a test fails when it is stale.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from registry import atomic
from registry.catalog import build_catalog, render_site
from registry.catalog.markdown import GENERATED_HEADER
from registry.commands.options import add_contracts_option
from registry.loader import load_registry

__all__ = ["DEFAULT_OUT", "register", "run", "write_site"]

DEFAULT_OUT = Path("docs/catalog")


def register(parser: argparse.ArgumentParser) -> None:
    add_contracts_option(parser)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output directory (default: docs/catalog)"
    )
    parser.add_argument(
        "--monitor",
        type=Path,
        metavar="FILE",
        help="show the contract monitor's counts from an embedded run (build/monitor/<stack>.json, or `local --json`)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    registry = load_registry(args.contracts)  # RegistryInvalid (exit 1/2) carries every finding
    monitor = None
    if args.monitor is not None:
        from registry.local.monitor import read_counts

        monitor = read_counts(args.monitor)
    files = render_site(build_catalog(registry, monitor))
    removed = write_site(files, args.out)
    print(
        f"catalog: wrote {len(files)} files to {args.out}"
        + (f", removed {len(removed)} stale page(s)" if removed else "")
    )
    return 0


def write_site(files: dict[str, str], out: Path) -> list[Path]:
    """Write every file (staged, then swapped in); delete only event pages an earlier run generated.

    A page is ours when it starts with the catalog's generated-by header, so a
    hand-written file under --out is never removed.
    """
    atomic.write_tree(out, files, last=[name for name in ("index.md", "index.html") if name in files])
    wanted = {out / relative for relative in files}
    events = out / "events"
    pages = sorted(p for p in events.rglob("*.md") if p not in wanted) if events.is_dir() else []
    stale = [p for p in pages if _generated(p)]
    for path in stale:
        path.unlink()
    return stale


def _generated(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().rstrip("\n") == GENERATED_HEADER
    except (OSError, UnicodeDecodeError):
        return False
