"""Writing the bindings: only what changed, atomically, and never a file codegen did not write."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from registry import atomic
from registry.codegen.render import GENERATED_MARKER, GeneratedFile
from registry.errors import InputError

__all__ = ["RUNTIME_FILES", "stale_files", "write_bindings"]

# Hand-written files the package needs beside the generated ones: copied into a new
# output folder, never overwritten (a team may vendor and pin them).
RUNTIME_FILES = ("_runtime.py", "py.typed")
_RUNTIME_SOURCE = Path(__file__).resolve().parents[2] / "contracts_py"


def stale_files(files: Sequence[GeneratedFile], out: Path) -> list[str]:
    """Paths (relative to `out`) that are missing, differ, or are generated leftovers: empty when fresh."""
    wanted = {f.path: f.text for f in files}
    stale = [path for path, text in wanted.items() if _read(out / path) != text]
    stale += [path for path in _generated_on_disk(out) if path not in wanted]
    stale += [name for name in RUNTIME_FILES if not (out / name).is_file()]
    return sorted(stale)


def write_bindings(files: Sequence[GeneratedFile], out: Path) -> tuple[list[str], list[str]]:
    """Write what changed (each file atomically) and remove generated files no contract produces any more.

    Returns (written, removed). Files without the generated marker are never touched.
    """
    changed = {f.path: f.text for f in files if _read(out / f.path) != f.text}
    runtime = {
        name: (_RUNTIME_SOURCE / name).read_text(encoding="utf-8")
        for name in RUNTIME_FILES
        if not (out / name).exists() and (_RUNTIME_SOURCE / name).resolve() != (out / name).resolve()
    }
    if changed or runtime:  # staged beside `out`, then swapped in: a clear error, never half a package
        atomic.write_tree(out, {**runtime, **changed})
    written = sorted(changed)
    wanted = {f.path for f in files}
    removed = [path for path in _generated_on_disk(out) if path not in wanted]
    for path in removed:
        try:
            (out / path).unlink()
        except OSError as exc:
            raise InputError(str(out / path), f"cannot remove a stale generated file: {exc.strerror or exc}") from exc
    for folder in sorted({(out / p).parent for p in removed}, key=lambda d: -len(d.parts)):
        if folder != out and folder.is_dir() and not any(p for p in folder.iterdir() if p.name != "__pycache__"):
            shutil.rmtree(folder)
    return written, removed


def _generated_on_disk(out: Path) -> list[str]:
    if not out.is_dir():
        return []
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*.py")
        if "__pycache__" not in p.parts and GENERATED_MARKER in (_read(p) or "")[:400]
    )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
