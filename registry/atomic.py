"""Every file the tools write is written whole or not at all, and only by one writer at a time.

A reader (a concurrent `check`, an editor, git) must never see a half-written
lock or catalog page: each file goes to a unique temp file beside its target,
is flushed to disk, then `os.replace`d over it (atomic on POSIX). Writers that
read-modify-write (`lock`) also hold `exclusive(path)`, an `fcntl.flock` on a
hidden lock file beside the target, so two concurrent runs cannot lose each
other's entries.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from registry.errors import InputError

__all__ = ["exclusive", "write_bytes", "write_text", "write_tree"]


def _unwritable(path: Path, exc: OSError, what: str) -> InputError:
    return InputError(
        str(path),
        f"cannot {what}: {exc.strerror or exc}",
        hint="check that the folder exists, is a folder and is writable (and that the path is not a broken link)",
    )


def write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically (a broken symlink at `path` is replaced by the file)."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise InputError(
            str(path),
            f"is a broken symbolic link (to {os.readlink(path)})",
            hint="remove the link, or restore the file it points to",
        )
    if path.exists() and not path.stat().st_mode & 0o222:
        raise InputError(str(path), "the file is read-only", hint="make it writable (chmod u+w) if it should change")
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _unwritable(path, exc, "write here") from exc
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(name, 0o644)
        os.replace(name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise _unwritable(path, exc, "write the file") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for writing `path` (blocks while another writer holds it)."""
    path = Path(path)
    lock_path = path.with_name(f".{path.name}.lock")
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _unwritable(path, exc, "lock the file for writing") from exc
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the flock


def write_tree(out: Path, files: Mapping[str, str], last: Sequence[str] = ()) -> None:
    """Write `files` (relative path -> text) under `out`: all staged first, then swapped in.

    Everything is written to a temp folder beside `out`; a failure while writing
    leaves `out` untouched. A new `out` is the staged folder renamed (one atomic
    step); an existing one gets each file by `os.replace`, `last` (e.g. the index
    pages) at the end, so no page links to one not yet there. Files under `out`
    that are not in `files` are left alone: callers remove only what they wrote.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "the output path is a file", hint="pass a folder (or a path that does not exist)")
    blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InputError(str(out), f"{blocking} is a file, not a folder", hint="pass an output folder under a folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    except OSError as exc:
        raise _unwritable(out, exc, "create the output folder") from exc
    try:
        for relative, text in files.items():
            target = stage / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if not out.exists():
            os.chmod(stage, 0o755)
            os.rename(stage, out)
            return
        ordered = sorted(files, key=lambda r: (r in last, last.index(r) if r in last else 0, r))
        for relative in ordered:
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / relative, out / relative)
    except OSError as exc:
        raise _unwritable(out, exc, "write the output") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
