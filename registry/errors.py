"""Errors named for the condition that raised them.

A `Finding` is data (a rejected change); an `EventplaneError` is input the
tools cannot read at all (exit 2). Callers catch exactly what they handle.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EventplaneError", "InputError", "UsageError"]


class EventplaneError(Exception):
    """Base of every error the command line turns into a clear message."""

    exit_code = 2
    prefix = "error: "  # a report of findings sets "" : its lines already say ERROR / WARNING


@dataclass
class InputError(EventplaneError):
    """A file cannot be read, parsed or understood; names where and how to fix it."""

    file: str
    message: str
    pointer: str = ""
    hint: str = ""
    line: int = 0
    column: int = 0

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def render(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        if self.pointer:
            where += f" at {self.pointer}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f"\n  fix: {self.hint}"
        return text


class UsageError(EventplaneError):
    """The command line was called wrongly (unknown stack, mode, missing file)."""
