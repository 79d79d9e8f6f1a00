"""One `Finding` type for every check, rendered the same way everywhere.

Like Buf's file annotations: a rule id that reads as a claim, where (file and
JSON pointer), what changed (old -> new) and what to do. Reports are sorted
and deduplicated so output is stable across runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

__all__ = ["Finding", "Report", "Rule", "Severity", "grouped", "rule_table"]


class Severity:
    """An ERROR rejects the change; a WARNING is shown but lets it through."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    pointer: str
    rule_id: str
    message: str
    old: Any = None
    new: Any = None
    hint: str = ""
    severity: str = Severity.ERROR
    # The other versions a compatibility finding holds against (grouped: one finding per change, every
    # pair it breaks listed), and one concrete event that shows the break (the counterexample).
    pairs: tuple[str, ...] = ()
    example: Any = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["pairs"] = list(self.pairs)
        return out

    def render(self) -> str:
        where = self.file + (f"#{self.pointer}" if self.pointer else "")
        text = f"{self.severity.upper():7} {self.rule_id}  {where}\n        {self.message}"
        if self.old is not None or self.new is not None:
            text += f"\n        {_short(self.old)} -> {_short(self.new)}"
        if self.example is not None:
            example = self.example
            text += f"\n        counterexample: {_short(example.get('event'), 300)}"
            text += f"\n          rejected at {example.get('instance_pointer') or '/'} by {example.get('rejected_by')}"
        if self.hint:
            text += f"\n        fix: {self.hint}"
        return text


def _short(value: Any, limit: int = 120) -> str:
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _verdict_summary(verdicts: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for v in verdicts:
        kind = str(v["verdict"]).split(",")[0]
        counts[kind] = counts.get(kind, 0) + 1
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    return f"compatibility: {len(verdicts)} version pair(s) compared: {parts}"


def _joined(names: Iterable[str]) -> str:
    items = list(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def grouped(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per change: findings that differ only in the version pair they hold for (their `pairs`
    named in the message) merge into one listing every pair, e.g. "readers of v1.json and v2.json"."""
    groups: dict[str, list[Finding]] = {}
    order: list[str] = []
    for f in findings:
        template = f.message
        for name in f.pairs:
            template = template.replace(name, "\0")
        key = json.dumps(
            [f.file, f.pointer, f.rule_id, f.severity, f.hint, template, f.new, bool(f.pairs)],
            sort_keys=True,
            default=str,
        )
        if not f.pairs:
            key += str(len(order))  # nothing to group by: keep as is
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(f)
    out: list[Finding] = []
    for key in order:
        members = groups[key]
        first = members[0]
        if len(members) == 1:
            out.append(first)
            continue
        pairs = tuple(sorted({name for f in members for name in f.pairs}))
        template = first.message
        for name in first.pairs:
            template = template.replace(name, "\0")
        example = next((f.example for f in members if f.example is not None), None)
        out.append(replace(first, message=template.replace("\0", _joined(pairs)), pairs=pairs, example=example))
    return out


@dataclass
class Report:
    """The sorted, deduplicated findings of one run."""

    findings: list[Finding] = field(default_factory=list)
    # Compatibility verdict of every version pair compared (PairVerdict.to_json), shown by --json.
    verdicts: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, items: Iterable[Finding]) -> None:
        self.findings.extend(items)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted(self) -> list[Finding]:
        unique = {json.dumps(f.to_json(), sort_keys=True, default=str): f for f in self.findings}
        return sorted(grouped(unique.values()), key=lambda f: (f.file, f.pointer, f.rule_id, f.message))

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "findings": [f.to_json() for f in self.sorted()],
            **({"compatibility": self.verdicts} if self.verdicts else {}),
        }

    def render(self, title: str = "") -> str:
        items = self.sorted()
        lines = [title] if title else []
        lines += [f.render() for f in items]
        n_err = len(self.errors)
        n_warn = len(items) - n_err
        if self.verdicts:
            lines.append(_verdict_summary(self.verdicts))
        verdict = "REJECTED" if n_err else "OK"
        lines.append(f"{verdict}: {n_err} error(s), {n_warn} warning(s)")
        return "\n".join(lines)


@dataclass(frozen=True)
class Rule:
    """A declared check: an id that reads as a claim, its purpose, the fix, and its severity."""

    id: str
    purpose: str
    hint: str
    severity: str = Severity.ERROR

    def finding(
        self, file: str, pointer: str, message: str, *, old: Any = None, new: Any = None, hint: str = ""
    ) -> Finding:
        return Finding(
            file=file,
            pointer=pointer,
            rule_id=self.id,
            message=message,
            old=old,
            new=new,
            hint=hint or self.hint,
            severity=self.severity,
        )


def rule_table(rules: Iterable[Rule]) -> dict[str, Rule]:
    """Rules by id; an id declared twice is a bug in Eventplane, caught at import."""
    table: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in table:
            raise ValueError(f"rule id {rule.id} declared twice")
        table[rule.id] = rule
    return table
