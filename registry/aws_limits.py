"""AWS's deploy-time validation of what we generate, checked offline.

Each function returns the reason AWS would refuse a value (or "" when it would
accept it), citing the API reference it follows, so `check`, the stack config
parser and the Pulumi program refuse the same things before `pulumi up`
reaches AWS. Pure: no AWS or pulumi import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "FIFO_DEDUP_REASON",
    "api_endpoint_problem",
    "batching_problem",
    "fifo_dedup_problem",
    "input_paths_problems",
    "schedule_problem",
]

# --- schedule expressions ---------------------------------------------------------------------
# EventBridge rules, ScheduleExpression (PutRule), "Using cron and rate expressions":
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
# cron(Minutes Hours Day-of-month Month Day-of-week Year): six required fields;
# Minutes 0-59 (, - * /), Hours 0-23 (, - * /), Day-of-month 1-31 (, - * ? / L W),
# Month 1-12 or JAN-DEC (, - * /), Day-of-week 1-7 or SUN-SAT (, - * ? L #), Year 1970-2199 (, - * /).
# One of Day-of-month and Day-of-week must be `?`. rate(value unit): a positive whole
# number and minute(s) | hour(s) | day(s), singular exactly when the value is 1.
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...], str], ...] = (
    ("minutes", 0, 59, (), ",-*/"),
    ("hours", 0, 23, (), ",-*/"),
    ("day-of-month", 1, 31, (), ",-*?/LW"),
    ("month", 1, 12, _MONTHS, ",-*/"),
    ("day-of-week", 1, 7, _DAYS, ",-*?L#"),
    ("year", 1970, 2199, (), ",-*/"),
)
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


def schedule_problem(expression: str) -> str:
    """Why EventBridge would refuse this ScheduleExpression, or ""."""
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            return "a rate must be a positive whole number"
        if (value == 1) != (not unit.endswith("s")):
            return f"write rate({value} {unit.rstrip('s') if value == 1 else unit + 's'}): singular only for 1"
        return ""
    if expression.startswith("rate("):
        return "a rate is rate(<positive whole number> minute(s)|hour(s)|day(s))"
    if not (expression.startswith("cron(") and expression.endswith(")")):
        return "expected cron(...) or rate(...)"
    fields = expression[5:-1].split()
    if len(fields) != 6:
        return f"cron needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
    for text, spec in zip(fields, _FIELDS, strict=True):
        problem = _cron_field(text, spec)
        if problem:
            return problem
    if (fields[2] == "?") == (fields[4] == "?"):
        return "exactly one of day-of-month and day-of-week must be ? (the other names the days)"
    return ""


def _cron_field(text: str, spec: tuple[str, int, int, tuple[str, ...], str]) -> str:
    name, low, high, names, wildcards = spec
    if text in ("*", "?"):
        return "" if text in wildcards else f"{name} does not take {text}"
    if "#" in text:
        if "#" not in wildcards or "," in text:
            return f"{name} does not take # here"
        day, _, nth = text.partition("#")
        if not (nth.isdigit() and 1 <= int(nth) <= 5):
            return f"{name}: the instance after # must be 1-5"
        return _cron_value(day, name, low, high, names)
    for part in text.split(","):
        base, slash, step = part.partition("/")
        if slash:
            if "/" not in wildcards:
                return f"{name} does not take /"
            if not (step.isdigit() and int(step) >= 1):
                return f"{name}: the increment after / must be a positive whole number"
        if base in ("*", "?") and base in wildcards:
            continue
        if base in ("L", "LW") and "L" in wildcards:
            continue
        if (base.endswith("W") and "W" in wildcards) or (base.endswith("L") and name == "day-of-week"):
            base = base[:-1]
        start, dash, end = base.partition("-")
        if dash and "-" not in wildcards:
            return f"{name} does not take -"
        for value in (start, end) if dash else (start,):
            problem = _cron_value(value, name, low, high, names)
            if problem:
                return problem
    return ""


def _cron_value(value: str, name: str, low: int, high: int, names: tuple[str, ...]) -> str:
    if value.upper() in names:
        return ""
    if not value.isdigit() or not low <= int(value) <= high:
        allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
        return f"{name} value {value!r} is outside {allowed}"
    return ""


# --- SQS event source mappings ----------------------------------------------------------------
# Lambda CreateEventSourceMapping, BatchSize and MaximumBatchingWindowInSeconds:
# https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html
# SQS: BatchSize up to 10,000 for standard queues (10 for FIFO); "when you set BatchSize to a
# value greater than 10, you must set MaximumBatchingWindowInSeconds to at least 1" (0-300).
SQS_STANDARD_MAX_BATCH = 10_000


def batching_problem(batch_size: int, window_seconds: int) -> str:
    """Why Lambda would refuse this SQS event source mapping, or ""."""
    if not 1 <= batch_size <= SQS_STANDARD_MAX_BATCH:
        return f"batch_size {batch_size} is outside 1-{SQS_STANDARD_MAX_BATCH} (standard queue)"
    if not 0 <= window_seconds <= 300:
        return f"batching_window_seconds {window_seconds} is outside 0-300"
    if batch_size > 10 and window_seconds < 1:
        return (
            f"batch_size {batch_size} is above 10, so Lambda requires batching_window_seconds of at least 1 "
            f"(got {window_seconds})"
        )
    return ""


# --- FIFO queue targets -----------------------------------------------------------------------
# EventBridge PutTargets, Target.SqsParameters:
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_SqsParameters.html
# "If you specify an SQS FIFO queue as a target, the queue must have content-based
# deduplication enabled." (EventBridge passes no MessageDeduplicationId.)
FIFO_DEDUP_REASON = (
    "EventBridge sets no deduplication id on a FIFO queue target, so the queue must have "
    "content-based deduplication enabled"
)


def fifo_dedup_problem(options: Mapping[str, Any]) -> str:
    """Why EventBridge would refuse a `queue` delivery's FIFO target, or ""."""
    if options.get("fifo") and options.get("content_based_deduplication") is False:
        return FIFO_DEDUP_REASON
    return ""


# --- input transformers -----------------------------------------------------------------------
# EventBridge PutTargets, Target.InputTransformer:
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html
# InputPathsMap: at most 100 pairs; each value a JSON path in dot notation (not bracket
# notation), e.g. $.detail.status; keys up to 256 characters of [A-Za-z0-9_-] (so never the
# reserved "AWS." prefix). Paths take alphanumerics, '-', '_', array indices and wildcards
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
MAX_INPUT_PATHS = 100
_PATH_KEY = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_JSON_PATH = re.compile(r"^\$(\.([A-Za-z0-9_-]+|\*)|\[([0-9]+|\*)\])*$")


def input_paths_problems(paths: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, why) for every InputPathsMap entry EventBridge would refuse ('' key: the map itself)."""
    problems: list[tuple[str, str]] = []
    if len(paths) > MAX_INPUT_PATHS:
        problems.append(("", f"{len(paths)} input paths, over EventBridge's limit of {MAX_INPUT_PATHS}"))
    for key, value in paths.items():
        if not _PATH_KEY.match(key):
            problems.append((key, f"key {key!r} must be 1-256 characters of A-Z a-z 0-9 _ -"))
        if not isinstance(value, str) or len(value) > 256 or not _JSON_PATH.match(value):
            problems.append(
                (key, f"{value!r} is not a JSON path EventBridge takes (dot notation from $, e.g. $.detail.status)")
            )
    return problems


# --- API destinations -------------------------------------------------------------------------
# EventBridge CreateApiDestination, InvocationEndpoint:
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateApiDestination.html
# 1-2048 characters matching ^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$
# (so no spaces, braces or raw non-ASCII: percent-encode them); HTTPS only (EventBridge User Guide,
# "API destinations"). HttpMethod and InvocationRateLimitPerSecond are checked in registry.stack_config.
_ENDPOINT = re.compile(r"^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@&=+$,A-Za-z0-9])+)([).!';/?:,])?$")


def api_endpoint_problem(endpoint: str) -> str:
    """Why CreateApiDestination would refuse this InvocationEndpoint, or ""."""
    if not endpoint.startswith("https://"):
        return "API destinations accept only https:// endpoints"
    if len(endpoint) > 2048:
        return f"the endpoint is {len(endpoint)} characters, over 2048"
    if not _ENDPOINT.match(endpoint):
        return "the endpoint has characters EventBridge refuses (spaces, braces, raw non-ASCII): percent-encode them"
    return ""
