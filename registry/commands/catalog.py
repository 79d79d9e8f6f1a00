"""`catalog`: generate the static event catalog (Markdown pages and one self-contained HTML page).

The output is deterministic (sorted, no timestamps), so it is committed under
docs/catalog and a test fails when it is stale.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from registry.catalog import build_catalog, render_site
from registry.commands.options import add_contracts_option
from registry.errors import InputError
from registry.loader import load_registry

__all__ = ["DEFAULT_OUT", "register", "run", "write_site"]

DEFAULT_OUT = Path("docs/catalog")


def register(parser: argparse.ArgumentParser) -> None:
    add_contracts_option(parser)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output directory (default: docs/catalog)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    registry = load_registry(args.contracts)  # RegistryInvalid (exit 1/2) carries every finding
    files = render_site(build_catalog(registry))
    removed = write_site(files, args.out)
    print(
        f"catalog: wrote {len(files)} files to {args.out}"
        + (f", removed {len(removed)} stale page(s)" if removed else "")
    )
    return 0


def write_site(files: dict[str, str], out: Path) -> list[Path]:
    """Write every file; delete event pages no longer generated (a removed event leaves no page behind)."""
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "the catalog output path is a file", hint="pass --out DIR naming a directory")
    for relative, text in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    wanted = {out / relative for relative in files}
    stale = sorted(p for p in (out / "events").rglob("*.md") if p not in wanted) if (out / "events").is_dir() else []
    for path in stale:
        path.unlink()
    return stale
