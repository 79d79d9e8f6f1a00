"""EventBridge input transformers, applied as the service applies them.

`inputPathsMap` values are JSON paths into the event (`$.detail.data.orderId`,
`$.detail.items[0]`, `$.detail['odd-key']`); the template names them `<var>`.
In a JSON template a placeholder inside a string literal receives the bare text
and one outside the JSON value (strings quoted); in a text template every value
is inserted as text. A path the event lacks yields null (JSON) or nothing (text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["TransformError", "apply_input_transformer", "json_path"]

_TOKEN = re.compile(r"\.([A-Za-z0-9_$@-]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.-]+)>")
_MISSING = object()


class TransformError(ValueError):
    """An input path is not a JSON path this run understands."""


def json_path(event: Any, path: str) -> Any:
    """The value at `path` ($-rooted), or `_MISSING` when the event does not have it."""
    if not path.startswith("$"):
        raise TransformError(f"input path {path!r} must start with '$'")
    rest, value, pos = path[1:], event, 0
    while pos < len(rest):
        match = _TOKEN.match(rest, pos)
        if match is None:
            raise TransformError(f"input path {path!r}: cannot read {rest[pos:]!r}")
        pos = match.end()
        key, index = match.group(1) or match.group(3) or match.group(4), match.group(2)
        if index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return _MISSING
    return value


def _as_text(value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def apply_input_transformer(
    event: Mapping[str, Any], input_paths: Mapping[str, str] | None, template: str, rule_name: str = ""
) -> str:
    """The payload a target receives for `event` (a string; JSON when the template is JSON)."""
    values: dict[str, Any] = {name: json_path(event, path) for name, path in (input_paths or {}).items()}
    values.setdefault("aws.events.event.json", event)
    values.setdefault("aws.events.event", event)
    values.setdefault("aws.events.rule-name", rule_name)
    values.setdefault("aws.events.event.ingestion-time", event.get("time", ""))
    is_json = template.lstrip()[:1] in ("{", "[")
    inside = _string_spans(template) if is_json else []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if not is_json:
            return _as_text(value)
        if any(start < match.start() < end for start, end in inside):
            return json.dumps(_as_text(value))[1:-1]
        return "null" if value is _MISSING else json.dumps(value, separators=(",", ":"))

    return _PLACEHOLDER.sub(fill, template)


def _string_spans(template: str) -> list[tuple[int, int]]:
    """(open quote, close quote) positions of the JSON string literals in a template."""
    spans, start, escaped = [], -1, False
    for pos, char in enumerate(template):
        if start >= 0 and escaped:
            escaped = False
        elif start >= 0 and char == "\\":
            escaped = True
        elif char == '"':
            if start < 0:
                start = pos
            else:
                spans.append((start, pos))
                start = -1
    return spans
