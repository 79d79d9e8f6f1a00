"""Draft-07 -> draft-4 down-conversion for the EventBridge schema registry.

`aws.schemas.Schema` accepts only `OpenApi3` or `JSONSchemaDraft4`. The
contract stays the draft-07 source of truth; this faithful copy rewrites what
draft-4 can say the same way and lists, as JSON pointers, what it cannot say
(the catalog and the schema's description show that list). Pure: no pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DRAFT4_URI", "DROPPED_KEYWORDS", "Draft4", "to_draft4"]

DRAFT4_URI = "http://json-schema.org/draft-04/schema#"
# Keywords draft-4 lacks; `examples` is documentation only, the rest are constraints.
DROPPED_KEYWORDS = (
    "examples",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "$comment",
    "readOnly",
    "writeOnly",
    "contentMediaType",
    "contentEncoding",
)
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("not", "additionalItems", "additionalProperties")


@dataclass(frozen=True)
class Draft4:
    schema: dict[str, Any]
    dropped: tuple[str, ...]  # JSON pointers of dropped constraints (`examples` excluded: not a constraint)

    def note(self) -> str:
        """One line for the registry schema's description."""
        if not self.dropped:
            return "Down-converted from draft-07 without loss (examples omitted)."
        return "Down-converted from draft-07; not enforced here: " + ", ".join(self.dropped)


def to_draft4(schema: Any) -> Draft4:
    dropped: list[str] = []
    converted = _convert(schema, "", dropped, top=True)
    if not isinstance(converted, dict):
        converted = {} if converted is True else {"not": {}}
    return Draft4(schema=converted, dropped=tuple(dropped))


def _convert(node: Any, pointer: str, dropped: list[str], *, top: bool = False) -> Any:
    if isinstance(node, bool):
        return {} if node else {"not": {}}  # draft-4 has no boolean schemas
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        here = f"{pointer}/{_escape(key)}"
        if key in DROPPED_KEYWORDS:
            if key != "examples":
                dropped.append(here)
        elif key == "$schema":
            out[key] = DRAFT4_URI
        elif key == "$id":
            out["id"] = value
        elif key == "const":
            out["enum"] = [value]
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _convert(v, f"{here}/{_escape(k)}", dropped) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_convert(v, f"{here}/{i}", dropped) for i, v in enumerate(value)]
        elif key == "items":
            out[key] = (
                [_convert(v, f"{here}/{i}", dropped) for i, v in enumerate(value)]
                if isinstance(value, list)
                else _convert(value, here, dropped)
            )
        elif key in _SCHEMA_ONE:
            # draft-4 allows booleans for additionalProperties/additionalItems, not for `not`.
            out[key] = value if isinstance(value, bool) and key != "not" else _convert(value, here, dropped)
        elif key == "dependencies" and isinstance(value, dict):
            out[key] = {
                k: v if isinstance(v, list) else _convert(v, f"{here}/{_escape(k)}", dropped) for k, v in value.items()
            }
        elif key not in ("exclusiveMinimum", "exclusiveMaximum") or isinstance(value, bool):
            out[key] = value
    _bound(node, out, "exclusiveMinimum", "minimum", stricter=max)
    _bound(node, out, "exclusiveMaximum", "maximum", stricter=min)
    if top:
        out.setdefault("$schema", DRAFT4_URI)
    return out


def _bound(node: dict[str, Any], out: dict[str, Any], exclusive: str, inclusive: str, *, stricter: Any) -> None:
    """draft-07's numeric exclusive bound -> draft-4's inclusive number + boolean flag, keeping the stricter one."""
    limit = node.get(exclusive)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)):
        return
    current = node.get(inclusive)
    if (
        isinstance(current, (int, float))
        and not isinstance(current, bool)
        and stricter(current, limit) == current
        and current != limit
    ):
        return  # the inclusive bound is already stricter
    out[inclusive] = limit
    out[exclusive] = True


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
