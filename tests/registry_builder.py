"""Writes small contract trees into a temp dir, so tests can break things freely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def order_schema(
    *, extra: dict[str, Any] | None = None, required: list[str] | None = None, closed: bool = False
) -> dict[str, Any]:
    properties: dict[str, Any] = {"orderId": {"type": "string"}, "amount": {"type": "number", "minimum": 0}}
    properties.update(extra or {})
    schema: dict[str, Any] = {
        "$schema": DRAFT_07,
        "type": "object",
        "properties": properties,
        "required": required if required is not None else ["orderId", "amount"],
        "examples": [{"orderId": "o-1", "amount": 12.5}, {"orderId": "o-2", "amount": 150}],
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


def write_event(root: Path, key: str, versions: list[Any], **meta: Any) -> Path:
    directory = root / "events" / key
    directory.mkdir(parents=True, exist_ok=True)
    event = {
        "source": f"com.example.{key.split('/', maxsplit=1)[0]}",
        "detail-type": key.split("/")[1],
        "owner": "team-a",
        "description": "test event",
    }
    event.update(meta)
    (directory / "event.json").write_text(json.dumps(event, indent=2))
    for number, schema in enumerate(versions, start=1):
        text = schema if isinstance(schema, str) else json.dumps(schema, indent=2)
        (directory / f"v{number}.json").write_text(text)
    return directory


def write_subscriptions(
    root: Path, file_stem: str, subscriptions: list[dict[str, Any]], team: str | None = None
) -> Path:
    path = root / "subscriptions" / f"{file_stem}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"team": team or file_stem, "subscriptions": subscriptions}, indent=2))
    return path


def write_lock(root: Path, published: dict[str, str]) -> None:
    (root / "registry.lock.json").write_text(json.dumps({"lockVersion": 1, "published": published}, indent=2))
