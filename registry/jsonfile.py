"""Reading a JSON file a user named on the command line: parsed, or one clear InputError.

`diff`, `route` and `local --events` all take such files; they share this so a
missing file, bad UTF-8, a syntax error (with line and column) or absurd nesting
reads the same everywhere. Contract files are read by the loader instead, which
collects findings rather than stopping at the first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry.errors import InputError

__all__ = ["read_json_file"]


def read_json_file(path: Path | str) -> Any:
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(file, "file not found", hint="check the path") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(file, f"cannot read the file: {exc}", hint="pass a readable UTF-8 JSON file") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            file,
            f"malformed JSON: {exc.msg}",
            line=exc.lineno,
            column=exc.colno,
            hint="fix the JSON syntax at that line and column",
        ) from exc
    except RecursionError as exc:
        raise InputError(
            file,
            "the JSON is nested too deeply to read",
            hint="flatten it (in a schema: move nested schemas under `definitions` and `$ref` them)",
        ) from exc
