"""Strict parsing of every JSON and YAML file the tools read: one place, one set of rules.

Python's `json` and PyYAML accept what AWS and other readers do not, and do it
silently: a duplicate key keeps its last value (so `"compatibility":
"FULL_TRANSITIVE", ..., "compatibility": "NONE"` reads as NONE while a reviewer
sees the first), `NaN`/`Infinity` parse although they are not JSON and
PutEvents cannot carry them, and `1e400` becomes infinity. Here each of these
is a `StrictJsonError` naming the JSON pointer, so no reader can be fooled in
a way another reader (or a reviewer) is not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

__all__ = ["DuplicateKeys", "StrictJsonError", "deeper_than", "escape_token", "loads", "safe_load_yaml"]

_FLATTEN = "flatten it (in a schema: move nested schemas under `definitions` and `$ref` them)"


@dataclass
class StrictJsonError(ValueError):
    """Text that is not strict JSON: a syntax error, a non-JSON number or absurd nesting."""

    message: str
    hint: str
    line: int = 0
    column: int = 0
    pointer: str = ""
    kind: str = "syntax"  # syntax, number, depth, duplicate

    def __post_init__(self) -> None:
        super().__init__(self.message)


@dataclass
class DuplicateKeys(StrictJsonError):
    """A JSON object (or YAML mapping) names the same key twice: readers disagree on which wins."""

    pointers: tuple[str, ...] = ()


class _NotJson:
    """Stands in for NaN, Infinity or an overflowing number until its pointer is known."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Pairs(dict):  # type: ignore[type-arg]
    """An object whose source named some keys twice (they are kept in `duplicated`)."""

    duplicated: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    duplicated: list[str] = []
    for key, value in pairs:
        if key in result and key not in duplicated:
            duplicated.append(key)
        result[key] = value
    if not duplicated:
        return result
    marked = _Pairs(result)
    marked.duplicated = duplicated
    return marked


def _float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else _NotJson(text)


def escape_token(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _walk(document: Any) -> Iterator[tuple[str, Any]]:
    """(pointer, value) of every node, iteratively: the document may be deeper than Python's stack."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        pointer, node = stack.pop()
        yield pointer, node
        if isinstance(node, dict):
            stack.extend((f"{pointer}/{escape_token(k)}", v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{pointer}/{i}", v) for i, v in enumerate(node))


def deeper_than(document: Any, limit: int) -> StrictJsonError | None:
    """A depth error pointing at the first container nested deeper than `limit`, else None (iterative)."""
    stack: list[tuple[int, str, Any]] = [(0, "", document)]
    while stack:
        depth, pointer, node = stack.pop()
        if isinstance(node, (dict, list)):
            if depth >= limit:
                return StrictJsonError(
                    f"nested more than {limit} levels deep (the tools read at most {limit})",
                    _FLATTEN,
                    pointer=pointer,
                    kind="depth",
                )
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((depth + 1, f"{pointer}/{escape_token(k)}", v) for k, v in items)
    return None


def loads(text: str) -> Any:
    """The parsed document, or StrictJsonError (DuplicateKeys for a key named twice)."""
    try:
        document = json.loads(text, object_pairs_hook=_object, parse_constant=_NotJson, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise StrictJsonError(
            f"malformed JSON: {exc.msg}",
            "fix the JSON syntax at that line and column",
            line=exc.lineno,
            column=exc.colno,
        ) from exc
    except RecursionError as exc:
        raise StrictJsonError(
            "the JSON is nested too deeply to read",
            _FLATTEN,
            kind="depth",
        ) from exc
    duplicates: list[str] = []
    for pointer, node in _walk(document):
        if isinstance(node, _NotJson):
            raise StrictJsonError(
                f"{node.text} is not a JSON number (JSON has no NaN or Infinity, and PutEvents cannot carry them)",
                "write a finite number, or leave the value out",
                pointer=pointer,
                kind="number",
            )
        if isinstance(node, _Pairs):
            duplicates += [f"{pointer}/{escape_token(key)}" for key in node.duplicated]
    if duplicates:
        raise DuplicateKeys(
            f"duplicate key{'s' if len(duplicates) > 1 else ''} {', '.join(sorted(duplicates))}: "
            "JSON readers disagree on which value wins",
            "keep exactly one of each key",
            pointer=min(duplicates),
            kind="duplicate",
            pointers=tuple(sorted(duplicates)),
        )
    return document


class _StrictYamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that names a key twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                mark = key_node.start_mark
                raise DuplicateKeys(
                    f"duplicate key {key!r}: YAML readers disagree on which value wins",
                    "keep exactly one of each key",
                    line=mark.line + 1,
                    column=mark.column + 1,
                    kind="duplicate",
                    pointers=(str(key),),
                )
            if isinstance(key, (str, int, float, bool)):
                seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def safe_load_yaml(text: str) -> Any:
    """`yaml.safe_load`, except that a key named twice in a mapping is DuplicateKeys (yaml.YAMLError otherwise)."""
    return yaml.load(text, Loader=_StrictYamlLoader)
