"""Which version of its contract accepts an event, or where the newest version rejects it.

Validators are the build-time generated modules the bundle carries (the same
generator as the metrics Lambda's), imported lazily per contract version.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastjsonschema import JsonSchemaValueException

__all__ = ["ContractIndex", "Verdict", "bundled_contracts", "judge", "load_validator", "pointer"]

_VALIDATORS = f"{__package__}.validators"
Validate = Callable[[Any], Any]
# (source, detail-type) -> {"key", "dedupe_key": [...], "versions": {n: module name}}
ContractIndex = Mapping[tuple[str, str], Mapping[str, Any]]


@dataclass(frozen=True)
class Verdict:
    """One event judged: its contract key ('' when it has none), the newest version accepting it
    (0: none does), and for a rejected event the newest version's first failing pointer and message."""

    key: str
    source: str
    detail_type: str
    version: int
    pointer: str = ""
    error: str = ""

    @property
    def outcome(self) -> str:
        if not self.key:
            return "uncontracted"
        return "accepted" if self.version else "rejected"


def bundled_contracts() -> ContractIndex:
    """The contract index the bundle generated (cheap: no schema code is imported)."""
    index: ContractIndex = importlib.import_module(_VALIDATORS).CONTRACTS
    return index


def load_validator(module: str) -> Validate:
    validate: Validate = importlib.import_module(f"{_VALIDATORS}.{module}").validate
    return validate


def pointer(name: str) -> str:
    """fastjsonschema's `data.a[0].b` as a JSON pointer into the envelope: `/detail/a/0/b`."""
    rest = name.removeprefix("data")
    return "/detail" + rest.replace("[", ".").replace("]", "").replace(".", "/")


def judge(envelope: Mapping[str, Any], contracts: ContractIndex, load: Callable[[str], Validate]) -> Verdict:
    """Newest version first: most live traffic should match the latest contract."""
    source, detail_type = str(envelope.get("source")), str(envelope.get("detail-type"))
    contract = contracts.get((source, detail_type))
    if contract is None:
        return Verdict("", source, detail_type, 0)
    first: JsonSchemaValueException | None = None
    for number, module in sorted(contract["versions"].items(), reverse=True):
        try:
            load(module)(envelope.get("detail"))
            return Verdict(contract["key"], source, detail_type, int(number))
        except JsonSchemaValueException as exc:
            first = first or exc
    where = pointer(first.name or "data") if first else "/detail"
    message = (first.message if first else "no version").removeprefix(first.name if first and first.name else "")
    return Verdict(contract["key"], source, detail_type, 0, where, json.dumps(message.strip())[1:-1][:300])
