"""Python names for contracts: module paths and class names that are valid, stable and collision-free."""

from __future__ import annotations

import keyword
import re

__all__ = ["class_name", "module_name"]

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def module_name(name: str) -> str:
    """`WaitingCompletion` -> `waiting_completion`, `S3ObjectCreated` -> `s3_object_created`, `order-saga` -> `order_saga`."""
    snake = _WORD_BOUNDARY.sub("_", name)
    snake = re.sub(r"[^0-9a-zA-Z_]+", "_", snake).strip("_").lower()
    if not snake or snake[0].isdigit():
        snake = f"e_{snake}"
    return f"{snake}_" if keyword.iskeyword(snake) else snake


def class_name(event: str, version: int) -> str:
    """The detail model of one version: `WaitingCompletionV2`."""
    base = re.sub(r"[^0-9a-zA-Z]+", "", event[:1].upper() + event[1:]) or "Event"
    return f"{'E' if base[0].isdigit() else ''}{base}V{version}"
