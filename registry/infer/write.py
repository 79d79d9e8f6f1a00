"""Write drafts into a contracts root, atomically, never over a file that exists.

Every target is checked before anything is written, so a refused run writes
nothing. Each file is written to a temporary file in its own folder and then
hard-linked into place: the link fails if the name exists, even when another
process created it a moment ago (`os.replace` would silently overwrite it).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from registry.errors import EventplaneError, InputError
from registry.infer.draft import Draft
from registry.model import Registry

__all__ = ["WriteRefused", "planned_files", "render_document", "write_drafts"]


class WriteRefused(EventplaneError):
    """A draft would overwrite an existing file (or leave the contracts root): nothing was written."""

    exit_code = 1


def render_document(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def planned_files(drafts: Sequence[Draft], out: Path, registry: Registry) -> dict[Path, str]:
    """Every file the drafts put under `out`: the drafts, and for a next version of a contract that
    `out` does not hold yet, that contract's event.json and earlier versions (so `check --contracts
    out` sees the whole history the draft is checked against)."""
    files: dict[Path, str] = {}
    for draft in drafts:
        directory = out / "events" / draft.key
        if draft.status == "next-version" and not directory.exists():
            original = Path(registry.root) / "events" / draft.key
            for path in sorted(original.glob("*.json")):
                files[directory / path.name] = path.read_text(encoding="utf-8")
        for name, document in sorted(draft.files.items()):
            files[out / name] = render_document(document)
    return files


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def _existing_ancestor(path: Path) -> Path:
    """The nearest folder on the way to `path` that exists: where a link out of the root would show."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def write_drafts(drafts: Sequence[Draft], out: Path, registry: Registry) -> list[Path]:
    """Write every planned file; refuse (writing nothing) if any exists or would land outside `out`."""
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "--out must be a folder (a contracts root)", hint="pass a folder path")
    files = planned_files(drafts, out, registry)
    existing = sorted(str(p) for p in files if p.exists() or p.is_symlink())
    if existing:
        raise WriteRefused(
            "infer never overwrites a file; these exist already:\n  "
            + "\n  ".join(existing)
            + "\n  fix: pass another --out folder, or move those files away and run infer again"
        )
    fresh = _existing_ancestor(out)  # `out` itself when it exists; else nothing under it exists yet

    def stays_inside(path: Path) -> bool:
        ancestor = _existing_ancestor(path.parent)
        return _inside(ancestor, out) if out.exists() else ancestor == fresh

    outside = sorted(str(p) for p in files if not stays_inside(p))
    if outside:
        raise WriteRefused(f"refusing to write outside {out} (a symbolic link leads out): {', '.join(outside)}")
    written: list[Path] = []
    for path, text in files.items():
        _write_new(path, text)
        written.append(path)
    return written


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(name, path)  # atomic, and fails when `path` exists
        except FileExistsError:
            raise WriteRefused(f"{path} appeared while infer was writing; it was left as it is") from None
    finally:
        os.unlink(name)
