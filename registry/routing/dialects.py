"""What differs between EventBridge (event-ruler) and SNS filter policies.

Both services take the same JSON shape but document different limits and
operators; matching code is shared and reads these facts instead of
branching on the service name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["EVENTBRIDGE", "SNS", "Dialect"]


@dataclass(frozen=True)
class Dialect:
    name: str
    # Numbers are compared after scaling by 10**decimals and rounding, as
    # event-ruler's ComparableNumber does; values outside +-limit never match
    # numerically and are rejected in patterns.
    numeric_limit: float
    decimals: int
    operators: frozenset[str]
    # EventBridge: JSON null is a value (exists:true matches it, anything-but
    # can match it). SNS: exists:true needs "a non-null and non-empty value".
    null_is_value: bool
    # Forms only EventBridge documents.
    prefix_ignore_case: bool
    # What may nest in {"anything-but": {...}}, and whether those nested
    # operators take a list of strings as well as one string.
    anything_but_operators: frozenset[str]
    anything_but_lists: bool
    # SNS's wildcard usage guidelines (None: no such limit, as EventBridge,
    # whose wildcard limit is event-ruler's complexity evaluator instead).
    max_wildcards_per_pattern: int | None
    max_wildcard_field_complexity: int | None
    # event-ruler keeps an exact number it cannot compare numerically (an
    # account id) as text; SNS rejects any policy number outside its range.
    exact_numbers_limited: bool

    def canon(self, number: float) -> int | None:
        """The comparable form of a JSON number, None when outside the service's range.

        event-ruler's ComparableNumber: shift by the limit, scale, truncate, in
        double arithmetic, so 1.0000001 and 1.0000002 compare equal as on AWS.
        """
        if math.isnan(number) or number < -self.numeric_limit or number > self.numeric_limit:
            return None
        return int(10.0**self.decimals * (self.numeric_limit + number))


EVENTBRIDGE = Dialect(
    name="EventBridge",
    numeric_limit=5.0e9,
    decimals=6,
    operators=frozenset(
        {"prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists", "cidr"}
    ),
    null_is_value=True,
    prefix_ignore_case=True,
    # event-ruler's JsonRuleCompiler: each of these takes a string or a list
    # of strings (tests AnythingButPrefix/Suffix "list" cases).
    anything_but_operators=frozenset({"prefix", "suffix", "equals-ignore-case", "wildcard"}),
    anything_but_lists=True,
    max_wildcards_per_pattern=None,
    max_wildcard_field_complexity=None,
    exact_numbers_limited=False,
)

SNS = Dialect(
    name="SNS",
    numeric_limit=1.0e9,
    decimals=5,
    operators=frozenset(
        {"prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists", "cidr"}
    ),
    null_is_value=False,
    prefix_ignore_case=False,
    # SNS "String value matching": anything-but with a prefix, a suffix or a
    # wildcard, each shown with one string; no equals-ignore-case inside it.
    anything_but_operators=frozenset({"prefix", "suffix", "wildcard"}),
    anything_but_lists=False,
    # SNS wildcard usage guidelines: at most 3 `*` in a pattern, and a field
    # complexity (sum of pattern points x number of patterns) of at most 100.
    max_wildcards_per_pattern=3,
    max_wildcard_field_complexity=100,
    exact_numbers_limited=True,
)
