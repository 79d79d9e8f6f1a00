"""Reading a JSON file a user named on the command line: parsed, or one clear InputError.

`diff`, `route` and `local --events` all take such files; they share this so a
missing file, bad UTF-8, a syntax error (with line and column), absurd nesting,
a duplicate key or NaN (`registry.strict`) reads the same everywhere. Contract files are read by the loader instead, which
collects findings rather than stopping at the first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from registry import strict
from registry.errors import InputError

__all__ = ["read_json_file"]


def read_json_file(path: Path | str) -> Any:
    file = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise InputError(file, "file not found", hint="check the path") from exc
    except IsADirectoryError as exc:
        raise InputError(file, "this is a folder, not a JSON file", hint="pass a JSON file") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            file,
            f"not UTF-8 text (a binary file?): byte {exc.start} cannot be decoded",
            hint="pass a UTF-8 JSON file",
        ) from exc
    except OSError as exc:
        raise InputError(
            file, f"cannot read the file: {exc.strerror or exc}", hint="pass a readable UTF-8 JSON file"
        ) from exc
    try:
        return strict.loads(text)
    except strict.StrictJsonError as exc:
        raise InputError(
            file, exc.message, pointer=exc.pointer, line=exc.line, column=exc.column, hint=exc.hint
        ) from exc
