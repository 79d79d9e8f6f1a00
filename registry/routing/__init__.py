"""Routing semantics: AWS-exact EventBridge event patterns and SNS filter policies.

Validate once (`PatternError` with a JSON pointer; the services' limits
included, event-ruler's wildcard complexity in `complexity`), compile into
closures, match many events; `Router` matches one event against many subscriptions;
`pattern_fields` lists what a pattern names for the contract-aware checks
in `registry.routing.contract_checks`, whose rule ids are `FILTER_RULES`.
"""

from registry.routing.errors import PatternError
from registry.routing.eventbridge import EventPattern, compile_pattern
from registry.routing.fields import FieldCondition, pattern_fields
from registry.routing.router import Router
from registry.routing.rules import FILTER_RULES
from registry.routing.sns import FilterPolicy, compile_policy

__all__ = [
    "FILTER_RULES",
    "EventPattern",
    "FieldCondition",
    "FilterPolicy",
    "PatternError",
    "Router",
    "compile_pattern",
    "compile_policy",
    "pattern_fields",
]
