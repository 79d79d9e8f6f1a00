"""JSON Schemas of our own file formats (event.json, subscription files, the lock).

Declared as data so the formats are checked by the same validator as the
contracts, and so docs/ARCHITECTURE.md has one thing to describe.
"""

from __future__ import annotations

from typing import Any

from registry.model import COMPATIBILITY_MODES, DELIVERY_TYPES, FORK_PIPELINES

__all__ = ["EVENT_FILE", "LOCK_FILE", "SUBSCRIPTION_FILE"]

_NAME = {"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "maxLength": 40}

EVENT_FILE: dict[str, Any] = {
    "type": "object",
    "required": ["source", "detail-type", "owner", "description"],
    "additionalProperties": False,
    "properties": {
        "source": {"type": "string", "minLength": 1, "maxLength": 256},
        "detail-type": {"type": "string", "minLength": 1, "maxLength": 128},
        "owner": {"type": "string", "minLength": 1},
        "service": {"type": "string", "minLength": 1},
        "action": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1},
        "compatibility": {"enum": list(COMPATIBILITY_MODES)},
        "external": {"type": "boolean"},
        "bus": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,256}$"},
        "dedupe-key": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": r"^[A-Za-z0-9_@.:-]+$"},
        },
        "corrections": {  # registry.correction: a version that corrects contracts which never matched the producer
            "type": "array",
            "items": {
                "type": "object",
                "required": ["version", "corrects", "reason"],
                "additionalProperties": False,
                "properties": {
                    "version": {"type": "integer", "minimum": 2},
                    "corrects": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}},
                    "reason": {"type": "string", "minLength": 10},
                },
            },
        },
    },
}

_RETRY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "maximum_event_age_seconds": {"type": "integer", "minimum": 60, "maximum": 86400},
        "maximum_retry_attempts": {"type": "integer", "minimum": 0, "maximum": 185},
    },
}

_MAX_RECEIVE = {"type": "integer", "minimum": 1, "maximum": 1000}

_DELIVERIES: dict[str, dict[str, Any]] = {
    "queue": {
        "fifo": {"type": "boolean"},
        "message_group_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "content_based_deduplication": {"type": "boolean"},
        "max_receive_count": _MAX_RECEIVE,
        "visibility_timeout_seconds": {"type": "integer", "minimum": 0, "maximum": 43200},
        "retention_seconds": {"type": "integer", "minimum": 60, "maximum": 1209600},
    },
    "fork": {"pipeline": {"enum": list(FORK_PIPELINES)}, "max_receive_count": _MAX_RECEIVE},
    "api": {
        "destination": {"type": "string", "minLength": 1},
        "input_transformer": {
            "type": "object",
            "required": ["input_template"],
            "additionalProperties": False,
            "properties": {
                "input_paths": {"type": "object", "maxProperties": 100, "additionalProperties": {"type": "string"}},
                "input_template": {"type": "string", "minLength": 1, "maxLength": 8192},
            },
        },
    },
    "metrics": {
        "batch_size": {"type": "integer", "minimum": 1, "maximum": 10000},
        "batching_window_seconds": {"type": "integer", "minimum": 0, "maximum": 300},
        "max_receive_count": _MAX_RECEIVE,
    },
    "lambda": {"function": {"type": "string", "minLength": 1}},
}

_REQUIRED_OPTIONS = {"fork": ["pipeline"], "api": ["destination"], "lambda": ["function"]}


def _delivery_branch(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    return {
        "if": {"properties": {"type": {"const": kind}}},
        "then": {
            "required": ["type", *_REQUIRED_OPTIONS.get(kind, [])],
            "additionalProperties": False,
            "properties": {"type": {"const": kind}, **options},
        },
    }


_EXPECTED = {
    "type": "array",
    "items": {"anyOf": [{"type": "string", "pattern": r"^v[1-9][0-9]*#[0-9]+$"}, {"type": "object"}]},
}

_JSON_TYPE = {"enum": ["null", "boolean", "object", "array", "number", "integer", "string"]}
_READS = {  # registry.reads: dotted paths into `detail` -> the types the consumer accepts there
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": r"^[A-Za-z0-9_@:-]+(\.[A-Za-z0-9_@:-]+)*$", "maxLength": 256},
    "additionalProperties": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "type": {"anyOf": [_JSON_TYPE, {"type": "array", "minItems": 1, "uniqueItems": True, "items": _JSON_TYPE}]}
        },
    },
}

SUBSCRIPTION_FILE: dict[str, Any] = {
    "type": "object",
    "required": ["team", "subscriptions"],
    "additionalProperties": False,
    "properties": {
        "team": _NAME,
        "description": {"type": "string"},
        "subscriptions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "event", "delivery"],
                "additionalProperties": False,
                "properties": {
                    "name": _NAME,
                    "description": {"type": "string"},
                    "event": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"},
                    "versions": {
                        "type": "array",
                        "minItems": 1,
                        "uniqueItems": True,
                        "items": {"type": "integer", "minimum": 1},
                    },
                    "filter": {"type": "object"},
                    "reads": _READS,
                    "retry": _RETRY,
                    "delivery": {
                        "type": "object",
                        "required": ["type"],
                        "properties": {"type": {"enum": list(DELIVERY_TYPES)}},
                        "allOf": [_delivery_branch(kind, opts) for kind, opts in _DELIVERIES.items()],
                    },
                    "expect": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"receives": _EXPECTED, "ignores": _EXPECTED},
                    },
                },
            },
        },
    },
}

LOCK_FILE: dict[str, Any] = {
    "type": "object",
    "required": ["lockVersion", "published"],
    "additionalProperties": False,
    "properties": {
        "lockVersion": {"const": 1},
        "published": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/v[1-9][0-9]*$"},
            "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
        "modes": {  # the compatibility mode each event was locked under: weakening it is a finding
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"},
            "additionalProperties": {"enum": list(COMPATIBILITY_MODES)},
        },
    },
}
