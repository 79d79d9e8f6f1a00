"""EventBridge event patterns, with event-ruler's semantics and EventBridge's limits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.routing.dialects import EVENTBRIDGE
from registry.routing.errors import PatternError
from registry.routing.tree import NodeMatcher, compile_object, load_document

__all__ = ["PATTERN_MAX_CHARS", "EventPattern", "compile_pattern"]

# PutRule's default quota is 2048 characters (adjustable to 4096 on request).
PATTERN_MAX_CHARS = 2048


@dataclass(frozen=True)
class EventPattern:
    """A validated pattern compiled into closures; `matches` never re-reads `pattern`."""

    pattern: Mapping[str, Any]
    _match: NodeMatcher

    def matches(self, event: Any) -> bool:
        """Whether EventBridge would deliver `event` (the whole envelope) to this rule."""
        if type(event) is not dict:
            return False
        return self._match(event)


def compile_pattern(pattern: Any, max_chars: int = PATTERN_MAX_CHARS) -> EventPattern:
    """Validate `pattern` as PutRule does and compile it; raise PatternError otherwise."""
    pattern = load_document(pattern, "event pattern", '{"source": ["com.example"]}')
    size = len(json.dumps(pattern, separators=(",", ":"), ensure_ascii=False))
    if size > max_chars:
        raise PatternError(
            f"the pattern is {size} characters; EventBridge allows {max_chars} by default: split it into several rules",
            "",
        )
    return EventPattern(pattern, compile_object(pattern, "", EVENTBRIDGE))
