"""`python -m registry match --batch FILE`: AWS matching semantics, one verdict per line.

Each input line is `{"kind": "eventbridge"|"sns", "scope": "MessageBody"|
"MessageAttributes"|null, "pattern": ..., "event": ...}`; the output line is
`true`, `false` or `error: <why>` (the pattern or policy is invalid). A file
that cannot be read, or a line that is not such an object, is bad input:
exit 2 naming the line, before anything is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

from registry.errors import InputError
from registry.routing import PatternError, compile_pattern, compile_policy

__all__ = ["MatchCase", "parse_batch", "register", "run", "verdict"]

_KINDS = ("eventbridge", "sns")
_SCOPES = (None, "MessageAttributes", "MessageBody")


@dataclass(frozen=True)
class MatchCase:
    line: int
    kind: str
    scope: str | None
    pattern: Any
    event: Any


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--batch", metavar="FILE", required=True, help="JSON Lines of {kind, scope, pattern, event}; - for stdin"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cases = parse_batch(_read(args.batch), args.batch)
    cache: dict[str, Any] = {}
    out = sys.stdout
    for case in cases:
        out.write(verdict(case, cache) + "\n")
    out.flush()
    return 0


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            path, f"cannot read the batch file: {exc}", hint="pass a readable UTF-8 JSON Lines file"
        ) from None


def parse_batch(text: str, file: str) -> list[MatchCase]:
    """Every non-blank line as a MatchCase; InputError (exit 2) for the first malformed one."""
    cases: list[MatchCase] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise InputError(
                file,
                f"line {number} is not JSON: {exc.args[0] if exc.args else exc}",
                line=number,
                column=getattr(exc, "colno", 0) or 1,
                hint='write one object per line: {"kind": "eventbridge", "scope": null, "pattern": {...}, "event": {...}}',
            ) from None
        if not isinstance(item, dict):
            raise InputError(
                file,
                f"line {number} is not a JSON object",
                line=number,
                column=1,
                hint='write one object per line with "kind", "scope", "pattern" and "event"',
            )
        missing = [k for k in ("kind", "pattern", "event") if k not in item]
        if missing:
            raise InputError(
                file,
                f"line {number} lacks {', '.join(repr(m) for m in missing)}",
                line=number,
                column=1,
                hint='every line needs "kind", "pattern" and "event" ("scope" defaults to MessageAttributes for sns)',
            )
        kind, scope = item["kind"], item.get("scope")
        if kind not in _KINDS:
            raise InputError(
                file,
                f"line {number}: unknown kind {kind!r}",
                pointer="/kind",
                line=number,
                column=1,
                hint='use "eventbridge" or "sns"',
            )
        if kind == "sns" and scope not in _SCOPES:
            raise InputError(
                file,
                f"line {number}: unknown scope {scope!r}",
                pointer="/scope",
                line=number,
                column=1,
                hint='use "MessageAttributes", "MessageBody" or null',
            )
        cases.append(MatchCase(number, kind, scope, item["pattern"], item["event"]))
    return cases


def verdict(case: MatchCase, cache: dict[str, Any] | None = None) -> str:
    """`true`, `false` or `error: <why>` for one case; compiled patterns are reused through `cache`."""
    cache = {} if cache is None else cache
    key = json.dumps([case.kind, case.scope if case.kind == "sns" else None, case.pattern], sort_keys=True)
    compiled = cache.get(key)
    if compiled is None:
        try:
            if case.kind == "eventbridge":
                compiled = compile_pattern(case.pattern)
            else:
                compiled = compile_policy(case.pattern, case.scope)
        except PatternError as exc:
            compiled = exc
        cache[key] = compiled
    if isinstance(compiled, PatternError):
        return f"error: {compiled}"
    return "true" if compiled.matches(case.event) else "false"
