"""The one error an invalid event pattern or filter policy raises."""

from __future__ import annotations

__all__ = ["PatternError"]


class PatternError(ValueError):
    """A pattern or policy AWS would reject; `pointer` is a JSON pointer into it."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(f"{pointer or '/'}: {message}")
        self.message = message
        self.pointer = pointer


def child(pointer: str, key: str | int) -> str:
    """JSON pointer of `key` under `pointer` (RFC 6901 escaping)."""
    token = str(key).replace("~", "~0").replace("/", "~1")
    return f"{pointer}/{token}"
