"""Where files may sit under `contracts/`, and what event and domain folders may be called.

The loader reads `events/<domain>/<Event>/{event.json,vN.json}` and
`subscriptions/<team>.json`; anything else was skipped in silence, so a
subscription saved as `x.JSON` or an event folder missing its domain level
passed the gate without ever being checked. Each such file is a finding
naming the layout. Folder names become lock keys, AWS resource names and
Markdown; a name outside the rule below is refused before `lock` can write it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from registry.findings import Finding
from registry.gate_rules import finding

__all__ = ["EVIDENCE_DIR", "LAYOUT", "NAME_RULE", "layout_findings", "valid_name"]

LAYOUT = (
    "contracts/events/<domain>/<Event>/event.json and v<N>.json, "
    "contracts/subscriptions/<team>.json, contracts/registry.lock.json, "
    "contracts/evidence/<domain>/<Event>/*.jsonl (recorded events)"
)
NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EVIDENCE_DIR = "evidence"  # under the contracts folder: recorded events of each contract's producers
_TOP = {"events", "subscriptions", "registry.lock.json", EVIDENCE_DIR}
_VERSION_OR_EVENT = re.compile(r"^(event|v[0-9]+)\.json$", re.IGNORECASE)


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


def _visible(directory: Path) -> list[Path]:
    """Entries that are not hidden (editors' and tools' dotfiles, our own temp and lock files)."""
    try:
        return sorted(p for p in directory.iterdir() if not p.name.startswith("."))
    except OSError:
        return []


def layout_findings(root: Path, rel: Callable[[Path], str]) -> list[Finding]:
    """Every file or folder under `root` that the loader would not read, and every invalid folder name."""
    found: list[Finding] = []

    def misplaced(path: Path, message: str, hint: str = "") -> None:
        found.append(finding("FILE_MISPLACED", rel(path), "", message, hint=hint or f"the layout is {LAYOUT}"))

    for entry in _visible(root):
        if entry.name not in _TOP and not entry.name.lower().startswith("readme"):
            misplaced(entry, f"{entry.name} is not part of the contracts layout and is never read")
    events = root / "events"
    for entry in _visible(events) if events.is_dir() else []:
        if not entry.is_dir():
            misplaced(entry, f"{entry.name} sits directly in events/; it is never read")
            continue
        _check_name(found, entry, "domain", rel)
        for item in _visible(entry):
            if item.is_dir():
                _check_name(found, item, "event", rel)
            elif _VERSION_OR_EVENT.match(item.name):
                misplaced(
                    item,
                    f"{item.name} sits directly in events/{entry.name}/, where only event folders belong, so it is "
                    f"never read (is {entry.name} an event missing its domain folder?)",
                    hint=f"move it to events/<domain>/{entry.name}/{item.name} (the layout is {LAYOUT})",
                )
            else:
                misplaced(item, f"{item.name} is a stray file at the domain level; it is never read")
    subscriptions = root / "subscriptions"
    if subscriptions.exists() and not subscriptions.is_dir():
        misplaced(subscriptions, "subscriptions is not a folder")
    for entry in _visible(subscriptions) if subscriptions.is_dir() else []:
        if entry.suffix != ".json" or entry.is_dir():
            kind = "folder" if entry.is_dir() else "file"
            misplaced(
                entry,
                f"the {kind} {entry.name} is not a subscription file (<team>.json, lowercase .json); it is never read",
                hint=f"rename it to subscriptions/<team>.json (the layout is {LAYOUT})",
            )
    return found


def _check_name(found: list[Finding], folder: Path, kind: str, rel: Callable[[Path], str]) -> None:
    if not valid_name(folder.name):
        found.append(
            finding(
                "EVENT_NAME_INVALID",
                rel(folder),
                "",
                f"{kind} folder name {folder.name!r} is not allowed: use {NAME_RULE}",
            )
        )
