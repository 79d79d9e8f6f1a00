"""Reads `contracts/` into the model, collecting every problem before giving up.

A product team fixing a PR wants all of its mistakes in one run, so loading
never stops at the first bad file: each problem becomes a Finding, and
`load_registry` raises `RegistryInvalid` carrying them all.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastjsonschema

from registry import drafts, file_schemas, strict
from registry.contract_layout import layout_findings, valid_name
from registry.errors import EventplaneError, InputError
from registry.findings import Finding, Report
from registry.gate_rules import finding
from registry.model import (
    Correction,
    Delivery,
    EventContract,
    ExampleRef,
    Registry,
    Retry,
    SchemaVersion,
    Subscription,
)
from registry.schema_refs import ref_problems, without_examples

__all__ = [
    "LOCK_FILE_NAME",
    "MAX_ENTRY_BYTES",
    "RegistryInvalid",
    "canonical_json",
    "describe_value_error",
    "entry_size",
    "fingerprint",
    "load_registry",
    "load_with_findings",
    "lock_format_problems",
    "schema_validator",
]

MAX_ENTRY_BYTES = 256 * 1024
LOCK_FILE_NAME = "registry.lock.json"
_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.json$")
_ENVELOPE_FIELDS = {"version", "id", "detail-type", "source", "account", "time", "region", "resources"}
_UNREADABLE = {"JSON_SYNTAX_ERROR", "FILE_UNREADABLE", "JSON_NUMBER_INVALID", "JSON_TOO_DEEP"}
MAX_DEPTH = 128  # JSON nesting the tools read; real contracts stay far below, recursion limits far above
_STRICT_RULES = {"number": "JSON_NUMBER_INVALID", "depth": "JSON_TOO_DEEP"}
_REF_RULES = {"external": "SCHEMA_REF_EXTERNAL", "dangling": "SCHEMA_REF_DANGLING", "cycle": "SCHEMA_REF_CYCLE"}


class RegistryInvalid(EventplaneError):
    """The contracts could be read but are not valid; carries every finding."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.prefix = ""
        unreadable = any(f.rule_id in _UNREADABLE for f in report.errors)
        self.exit_code = 2 if unreadable else 1
        super().__init__(report.render())


def canonical_json(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(document: Any) -> str:
    """sha256 of the canonical JSON: re-indenting a file is not an edit, changing a value is."""
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def entry_size(source: str, detail_type: str, detail: Any, resources: tuple[str, ...] = ()) -> int:
    """PutEvents entry size as AWS counts it: UTF-8 bytes of Source, DetailType, Detail and Resources."""
    parts = [source, detail_type, json.dumps(detail, separators=(",", ":"), ensure_ascii=False), *resources]
    return sum(len(p.encode()) for p in parts)


def schema_validator(schema: Any) -> Callable[[Any], Any]:
    """Compiled validator of a schema (raises JsonSchemaValueException) that never changes its input.

    fastjsonschema's default `use_default=True` writes each `default` into the
    data it validates: checked against the metaschema, a contract would gain
    `"definitions": {}` and the like before its fingerprint is taken.
    """
    # fastjsonschema up to draft-07 (never fetching a remote $ref), jsonschema-rs (offline) for 2019-09 / 2020-12
    return drafts.compile_validator(without_examples(schema))


_FORMAT_VALIDATORS = {
    "event": schema_validator(file_schemas.EVENT_FILE),
    "subscription": schema_validator(file_schemas.SUBSCRIPTION_FILE),
    "lock": schema_validator(file_schemas.LOCK_FILE),
}


def _pointer(path: list[Any]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path[1:]]  # path[0] is "data"
    return "/" + "/".join(parts) if parts else ""


def _value_error_message(exc: fastjsonschema.JsonSchemaValueException) -> str:
    name = exc.name or ""
    message = exc.message[len(name) :].lstrip() if name and exc.message.startswith(name) else exc.message
    message = re.sub(r"^data[\w.\[\]-]*\s", "", message)
    if exc.rule == "additionalProperties":
        allowed = sorted((exc.definition or {}).get("properties", {}))
        if allowed:
            message += f" (allowed: {', '.join(allowed)})"
    elif exc.rule == "enum":
        message += f" (got {json.dumps(exc.value)})"
    return message


def describe_value_error(exc: fastjsonschema.JsonSchemaValueException) -> tuple[str, str]:
    """The JSON pointer (into the validated value) and a readable reason of a validation failure."""
    return _pointer(exc.path), _value_error_message(exc)


@dataclass
class _Loader:
    root: Path
    display_root: Path
    findings: list[Finding] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # events found on disk that could not be loaded
    lock_modes: dict[str, str] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.display_root))
        except ValueError:
            return str(path)

    def add(self, rule_id: str, path: Path | str, pointer: str, message: str, **kw: Any) -> None:
        file = path if isinstance(path, str) else self.rel(path)
        self.findings.append(finding(rule_id, file, pointer, message, **kw))

    def read_json(self, path: Path) -> Any:
        """Parsed strict JSON, or None after recording why it could not be read."""
        try:
            text = path.read_bytes().decode("utf-8")
        except IsADirectoryError:
            self.add("FILE_UNREADABLE", path, "", f"{path.name} is a folder, not a JSON file")
            return None
        except UnicodeDecodeError as exc:
            self.add(
                "FILE_UNREADABLE", path, "", f"not UTF-8 text (a binary file?): byte {exc.start} cannot be decoded"
            )
            return None
        except OSError as exc:
            self.add("FILE_UNREADABLE", path, "", f"cannot read the file: {exc.strerror or exc}")
            return None
        try:
            document = strict.loads(text)
        except strict.DuplicateKeys as exc:
            for pointer in exc.pointers:
                self.add("JSON_KEY_DUPLICATED", path, pointer, f"the key {pointer.rsplit('/', 1)[-1]!r} appears twice")
            return None
        except strict.StrictJsonError as exc:
            if exc.kind == "syntax":
                self.add("JSON_SYNTAX_ERROR", path, "", f"line {exc.line}, column {exc.column}: {exc.message}")
            else:
                self.add(_STRICT_RULES[exc.kind], path, exc.pointer, exc.message)
            return None
        too_deep = strict.deeper_than(document, MAX_DEPTH)
        if too_deep is not None:
            self.add("JSON_TOO_DEEP", path, too_deep.pointer[:200], too_deep.message)
            return None
        return document

    def check_format(self, kind: str, document: Any, path: Path) -> bool:
        try:
            _FORMAT_VALIDATORS[kind](document)
            return True
        except fastjsonschema.JsonSchemaValueException as exc:
            self.add("FILE_FORMAT_INVALID", path, _pointer(exc.path), _value_error_message(exc))
            return False

    # -- events ---------------------------------------------------------------
    def events(self) -> dict[str, EventContract]:
        events: dict[str, EventContract] = {}
        seen_types: dict[tuple[str, str], str] = {}
        base = self.root / "events"
        for event_dir in _subdirs(base, depth=2):
            if not (valid_name(event_dir.name) and valid_name(event_dir.parent.name)):
                continue  # an EVENT_NAME_INVALID finding: never loaded, so never locked
            contract = self.event(event_dir)
            if contract is None:
                self.broken.add(f"{event_dir.parent.name}/{event_dir.name}")
                continue
            other = seen_types.setdefault((contract.source, contract.detail_type), contract.key)
            if other != contract.key:
                self.add(
                    "EVENT_TYPE_DUPLICATED",
                    event_dir / "event.json",
                    "/detail-type",
                    f"{contract.source} / {contract.detail_type} is already the event {other}",
                )
                continue
            events[contract.key] = contract
        return events

    def event(self, directory: Path) -> EventContract | None:
        key = f"{directory.parent.name}/{directory.name}"
        meta_path = directory / "event.json"
        version_files: dict[int, Path] = {}
        for path in sorted(directory.iterdir()):
            match = _VERSION_FILE.match(path.name)
            if match:
                version_files[int(match.group(1))] = path
            elif path.name != "event.json":
                self.add("UNEXPECTED_FILE", path, "", f"{path.name} is not event.json or v<N>.json")
        if not meta_path.exists():
            self.add("EVENT_FILE_MISSING", directory, "", f"event {key} has no event.json")
            return None
        meta = self.read_json(meta_path)
        if meta is None or not self.check_format("event", meta, meta_path):
            return None
        if not version_files:
            self.add("VERSION_MISSING", directory, "", f"event {key} has no versions")
            return None
        expected = list(range(1, max(version_files) + 1))
        missing = [n for n in expected if n not in version_files]
        if missing:
            self.add(
                "VERSION_GAP",
                directory,
                "",
                f"event {key} is missing " + ", ".join(f"v{n}.json" for n in missing),
                old=[f"v{n}" for n in expected],
                new=[f"v{n}" for n in sorted(version_files)],
            )
            return None
        versions = [self.version(n, version_files[n], meta) for n in expected]
        if any(v is None for v in versions):
            return None
        loaded = tuple(v for v in versions if v is not None)
        dedupe = tuple(meta.get("dedupe-key") or _default_dedupe_key(loaded))
        self.check_dedupe_key(dedupe, loaded, meta_path)
        return EventContract(
            key=key,
            domain=directory.parent.name,
            name=directory.name,
            source=meta["source"],
            detail_type=meta["detail-type"],
            owner=meta["owner"],
            service=meta.get("service", meta["owner"]),
            action=meta.get("action", meta["description"]),
            description=meta["description"],
            compatibility=meta.get("compatibility", "FORWARD_TRANSITIVE"),
            external=bool(meta.get("external", False)),
            dedupe_key=dedupe,
            directory=self.rel(directory),
            versions=loaded,
            bus=meta.get("bus", ""),
            corrections=tuple(
                Correction(c["version"], tuple(c["corrects"]), c["reason"]) for c in meta.get("corrections", [])
            ),
        )

    def version(self, number: int, path: Path, meta: dict[str, Any]) -> SchemaVersion | None:
        schema = self.read_json(path)
        if schema is None:
            return None
        if not isinstance(schema, dict):
            self.add("SCHEMA_INVALID", path, "", "a version file must be a JSON Schema object")
            return None
        declared = schema.get("$schema")
        problems = ref_problems(schema)
        for problem in problems:
            self.add(_REF_RULES[problem.kind], path, problem.pointer, problem.message, hint=problem.hint)
        if problems:
            return None
        if declared is not None and drafts.draft_of_or_none(schema) not in drafts.CONTRACT_DRAFTS:
            self.add(
                "SCHEMA_DRAFT_UNSUPPORTED",
                path,
                "/$schema",
                f"unsupported $schema {declared!r} (contracts are draft-07, 2019-09 or 2020-12)",
                old=declared,
                new="http://json-schema.org/draft-07/schema#",
            )
            return None
        try:
            drafts.metaschema_errors(schema)
            validate = schema_validator(schema)
        except fastjsonschema.JsonSchemaValueException as exc:
            self.add("SCHEMA_INVALID", path, _pointer(exc.path), _value_error_message(exc))
            return None
        except fastjsonschema.JsonSchemaDefinitionException as exc:
            self.add("SCHEMA_INVALID", path, "", f"schema does not compile: {exc}")
            return None
        except (SyntaxError, RecursionError, MemoryError):  # generated code nests once per schema level
            self.add("SCHEMA_TOO_DEEP", path, "", "the schema nests too deeply for the validator to compile it")
            return None
        examples = schema.get("examples")
        if not examples:
            self.add("EXAMPLES_MISSING", path, "/examples", "no examples")
        for index, example in enumerate(examples or []):
            try:
                validate(example)
            except fastjsonschema.JsonSchemaValueException as exc:
                self.add("EXAMPLE_INVALID", path, f"/examples/{index}{_pointer(exc.path)}", _value_error_message(exc))
            except RecursionError:
                self.add("SCHEMA_TOO_DEEP", path, f"/examples/{index}", "validating this example recurses too deeply")
            size = entry_size(meta["source"], meta["detail-type"], example)
            if size > MAX_ENTRY_BYTES:
                self.add(
                    "EXAMPLE_TOO_LARGE",
                    path,
                    f"/examples/{index}",
                    f"entry is {size} bytes, over the {MAX_ENTRY_BYTES} byte limit",
                    old=size,
                    new=MAX_ENTRY_BYTES,
                )
        return SchemaVersion(number=number, path=self.rel(path), schema=schema, fingerprint=fingerprint(schema))

    def check_dedupe_key(self, dedupe: tuple[str, ...], versions: tuple[SchemaVersion, ...], path: Path) -> None:
        for index, dotted in enumerate(dedupe):
            head, _, rest = dotted.partition(".")
            if head in _ENVELOPE_FIELDS and not rest:
                continue
            for version in versions:
                if head != "detail" or not _schema_has_path(version.schema, rest.split(".") if rest else []):
                    self.add(
                        "DEDUPE_KEY_UNRESOLVED",
                        path,
                        f"/dedupe-key/{index}",
                        f"{dotted} is not a field of v{version.number}",
                    )
                    break

    # -- subscriptions --------------------------------------------------------
    def subscriptions(self, events: dict[str, EventContract]) -> tuple[Subscription, ...]:
        result: list[Subscription] = []
        directory = self.root / "subscriptions"
        for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
            document = self.read_json(path)
            if document is None or not self.check_format("subscription", document, path):
                continue
            team = document["team"]
            if path.stem != team:
                self.add(
                    "SUBSCRIPTION_TEAM_MISMATCH",
                    path,
                    "/team",
                    f"file {path.name} declares team {team!r}",
                    old=path.stem,
                    new=team,
                )
            names: set[str] = set()
            for index, raw in enumerate(document["subscriptions"]):
                sub = self.subscription(team, index, raw, path, events)
                if raw["name"] in names:
                    self.add(
                        "SUBSCRIPTION_DUPLICATED",
                        path,
                        f"/subscriptions/{index}/name",
                        f"{raw['name']!r} appears twice in team {team}",
                    )
                names.add(raw["name"])
                if sub is not None:
                    result.append(sub)
        return tuple(result)

    def subscription(
        self, team: str, index: int, raw: dict[str, Any], path: Path, events: dict[str, EventContract]
    ) -> Subscription | None:
        pointer = f"/subscriptions/{index}"
        contract = events.get(raw["event"])
        if contract is None and raw["event"] in self.broken:
            return None  # the event exists but its own files are wrong: those findings say why
        if contract is None:
            close = difflib.get_close_matches(raw["event"], list(events), n=1)
            self.add(
                "SUBSCRIPTION_EVENT_UNKNOWN",
                path,
                f"{pointer}/event",
                f"no event {raw['event']!r}",
                hint=f"did you mean {close[0]!r}?" if close else "",
            )
            return None
        numbers = tuple(raw.get("versions") or range(1, len(contract.versions) + 1))
        unknown = [n for n in numbers if n > len(contract.versions)]
        if unknown:
            self.add(
                "SUBSCRIPTION_VERSION_UNKNOWN",
                path,
                f"{pointer}/versions",
                f"{contract.key} has no version {', '.join(f'v{n}' for n in unknown)}",
                old=list(numbers),
                new=[v.number for v in contract.versions],
            )
            return None
        delivery_raw = dict(raw["delivery"])
        kind = delivery_raw.pop("type")
        if kind == "queue" and delivery_raw.get("fifo") and not delivery_raw.get("message_group_id"):
            self.add(
                "SUBSCRIPTION_FIFO_GROUP_MISSING",
                path,
                f"{pointer}/delivery",
                "a FIFO queue delivery needs a message group id",
            )
        expect = raw.get("expect", {})
        receives = self.expected(contract, expect.get("receives", []), path, f"{pointer}/expect/receives")
        ignores = self.expected(contract, expect.get("ignores", []), path, f"{pointer}/expect/ignores")
        return Subscription(
            team=team,
            name=raw["name"],
            file=self.rel(path),
            pointer=pointer,
            event=contract.key,
            versions=numbers,
            filter=raw.get("filter"),
            delivery=Delivery(type=kind, retry=Retry(**raw.get("retry", {})), options=delivery_raw),
            description=raw.get("description", ""),
            receives=receives,
            ignores=ignores,
            reads=raw.get("reads", {}),
        )

    def expected(self, contract: EventContract, items: list[Any], path: Path, pointer: str) -> tuple[ExampleRef, ...]:
        refs: list[ExampleRef] = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                refs.append(ExampleRef(label=f"inline#{index}", detail=item))
                continue
            version_text, _, example_text = item.partition("#")
            number, example = int(version_text[1:]), int(example_text)
            if number > len(contract.versions) or example >= len(contract.version(number).examples):
                self.add(
                    "EXPECTED_EXAMPLE_UNKNOWN", path, f"{pointer}/{index}", f"{contract.key} has no example {item}"
                )
                continue
            refs.append(ExampleRef(label=item, detail=contract.version(number).examples[example]))
        return tuple(refs)

    # -- lock -----------------------------------------------------------------
    def lock(self) -> dict[str, str]:
        path = self.root / LOCK_FILE_NAME
        if path.is_symlink() and not path.exists():
            self.add("FILE_UNREADABLE", path, "", "the lock is a broken symbolic link")
            return {}
        if not path.exists():
            return {}
        document = self.read_json(path)
        if document is None or not self.check_lock(document, path):
            return {}
        self.lock_modes = dict(document.get("modes", {}))
        return dict(document["published"])

    def check_lock(self, document: Any, path: Path) -> bool:
        """The lock's format, with messages about entries rather than validator wording."""
        published = document.get("published") if isinstance(document, dict) else None
        if isinstance(published, dict):
            bad = False
            for key, value in sorted(published.items()):
                pointer = f"/published/{strict.escape_token(key)}"
                if not _LOCK_KEY.match(key):
                    self.add(
                        "FILE_FORMAT_INVALID",
                        path,
                        pointer,
                        f"{key!r} is not a version key <domain>/<Event>/v<N>",
                        hint="restore the entry as `python -m registry lock` wrote it (git checkout the lock)",
                    )
                    bad = True
                elif not (isinstance(value, str) and _SHA256.match(value)):
                    self.add(
                        "FILE_FORMAT_INVALID",
                        path,
                        pointer,
                        f"the entry for {key} is not a sha256 (64 lowercase hex digits): {json.dumps(value)[:80]}",
                        hint="restore the entry as `python -m registry lock` wrote it (git checkout the lock)",
                    )
                    bad = True
            if bad:
                return False
        return self.check_format("lock", document, path)


_LOCK_KEY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/v[1-9][0-9]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _subdirs(base: Path, depth: int) -> Iterator[Path]:
    if not base.is_dir():
        return
    for child in sorted(p for p in base.iterdir() if p.is_dir()):
        if depth == 1:
            yield child
        else:
            yield from _subdirs(child, depth - 1)


def _schema_has_path(schema: Any, parts: list[str]) -> bool:
    node = schema
    for part in parts:
        if not isinstance(node, dict) or part not in node.get("properties", {}):
            return False
        node = node["properties"][part]
    return True


def _default_dedupe_key(versions: tuple[SchemaVersion, ...]) -> list[str]:
    """The idempotency key where every version requires it, else the envelope id."""

    def requires_key(schema: Any) -> bool:
        metadata = schema.get("properties", {}).get("metadata", {})
        return "metadata" in schema.get("required", []) and "idempotency-key" in metadata.get("required", [])

    return ["detail.metadata.idempotency-key"] if all(requires_key(v.schema) for v in versions) else ["id"]


def lock_format_problems(document: Any) -> list[str]:
    """What the gate's own check of a lock would refuse in `document`: `lock` writes only what it accepts."""
    loader = _Loader(root=Path(), display_root=Path())
    loader.check_lock(document, Path(LOCK_FILE_NAME))
    return [f"{f.pointer}: {f.message}" for f in loader.findings]


def load_with_findings(root: Path, display_root: Path | None = None) -> tuple[Registry, list[Finding]]:
    """The registry built from every valid piece, and the findings about the rest."""
    root = Path(root)
    if not (root / "events").is_dir():
        raise InputError(
            str(root),
            "not a contracts directory (no events/ folder)",
            hint="pass --contracts DIR pointing at the folder that holds events/ and subscriptions/",
        )
    loader = _Loader(root=root, display_root=display_root or Path.cwd())
    loader.findings.extend(layout_findings(root, loader.rel))
    events = loader.events()
    lock = loader.lock()
    registry = Registry(
        root=str(root),
        events=events,
        subscriptions=loader.subscriptions(events),
        lock=lock,
        lock_modes=loader.lock_modes,
    )
    return registry, loader.findings


def load_registry(root: Path, display_root: Path | None = None) -> Registry:
    """The registry, or `RegistryInvalid` with every finding when any file is wrong."""
    registry, findings = load_with_findings(root, display_root)
    report = Report(findings)
    if not report.ok:
        raise RegistryInvalid(report)
    return registry
