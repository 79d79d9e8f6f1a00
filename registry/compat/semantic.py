"""The semantic layer over Confluent's rules: a counterexample event, or a subschema proof.

Confluent's diff only sees what its rules name, so it passes changes it has
no rule for (`if`/`then`/`else`, `contains`, a `patternProperties` schema, a
required name without a property...). For a (writer, reader) pair this module
searches for a `detail` the writer's schema accepts and the reader's rejects:
hypothesis-jsonschema generates events from the writer (seeded and bounded by
an example count and a time budget), each is checked with the validators the
platform really uses (`registry.drafts`), and Hypothesis shrinks the first hit
to a minimal event. jsonsubschema then tries to prove the reader accepts all
the writer accepts; it implements draft-04 and silently ignores keywords it
does not know (`contains`, `if`, `propertyNames`, `format`...), so it is only
asked when both schemas stay inside the fragment it decides (`_PROVABLE`).

Results are cached by the pair's fingerprints under `build/` (one file per
pair, written atomically), so re-checking an unchanged registry is free.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import signal
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from registry import drafts

__all__ = ["Budget", "Cache", "Counterexample", "Judgement", "Semantic", "default_cache_dir", "judge"]

_VERSION = "2"  # part of every cache key: bump when the search or the proof changes


@dataclass(frozen=True)
class Budget:
    """How hard to look for a counterexample per pair (and direction)."""

    examples: int = 100
    seconds: float = 2.0  # generating from open content models is slow: most clean pairs end on this budget
    proof_seconds: float = 2.0


@dataclass(frozen=True)
class Counterexample:
    """A minimised `detail` the writer accepts and the reader rejects, and where the reader rejects it."""

    event: Any
    instance_pointer: str  # where in the event
    schema_pointer: str  # which keyword of the reader's schema
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Judgement:
    """proof: "proved" (reader accepts all the writer accepts), "disproved" or "undecided" (`note` says why)."""

    proof: str
    note: str
    tries: int
    counterexample: Counterexample | None

    def to_json(self) -> dict[str, Any]:
        return {
            "proof": self.proof,
            "note": self.note,
            "tries": self.tries,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Judgement:
        example = data.get("counterexample")
        return Judgement(
            str(data["proof"]),
            str(data["note"]),
            int(data["tries"]),
            Counterexample(**example) if isinstance(example, dict) else None,
        )


def default_cache_dir() -> Path:
    """`build/compat-semantic` of this checkout (git-ignored), or $EVENTPLANE_COMPAT_CACHE."""
    configured = os.environ.get("EVENTPLANE_COMPAT_CACHE")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "build" / "compat-semantic"


class Cache:
    """One JSON file per (writer, reader, budget): written to a temp file then os.replace'd, so two runs
    racing on one pair each write a whole file and a reader never sees half of one. Unreadable entries
    are misses; a cache directory that cannot be created or written only costs the speed-up."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Judgement | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            return Judgement.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, judgement: Judgement) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(judgement.to_json(), out, sort_keys=True, default=str)
            os.replace(name, path)
        except OSError:
            return


@dataclass(frozen=True)
class Semantic:
    """The semantic layer's settings as `check` / `diff` pass them down."""

    budget: Budget = Budget()
    cache: Cache | None = None

    def judge(self, writer: Any, reader: Any) -> Judgement:
        return judge(writer, reader, self.budget, self.cache)


def _fingerprint(schema: Any) -> str:
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def judge(writer: Any, reader: Any, budget: Budget = Budget(), cache: Cache | None = None) -> Judgement:
    """Does every `detail` the writer's schema accepts pass the reader's? Proof, counterexample, or neither."""
    try:
        pair = f"{_fingerprint(writer)}|{_fingerprint(reader)}"
    except RecursionError:
        return Judgement("undecided", "the schemas are nested too deeply to search", 0, None)
    key = hashlib.sha256(f"{_VERSION}|{budget.examples}|{budget.seconds}|{pair}".encode()).hexdigest()
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            return hit
    example, tries, search_note = _search(writer, reader, budget)
    if example is not None:
        judgement = Judgement("disproved", "a counterexample event was found", tries, example)
    else:
        proved, proof_note = _prove(writer, reader, budget.proof_seconds)
        note = proof_note if not search_note else f"{proof_note}; {search_note}"
        judgement = Judgement("proved" if proved else "undecided", note, tries, None)
    if cache is not None:
        cache.put(key, judgement)
    return judgement


# --- counterexample search ------------------------------------------------------------------------


class _OutOfTime(BaseException):
    """The pair's time budget is spent (a BaseException, so Hypothesis stops at once instead of shrinking it)."""


def _acceptor(schema: Any) -> Callable[[Any], bool] | None:
    import fastjsonschema

    try:
        validate = drafts.compile_validator(schema)
    except (drafts.UnsupportedDraft, fastjsonschema.JsonSchemaDefinitionException, RecursionError):
        return None

    def accepts(instance: Any) -> bool:
        try:
            validate(instance)
        except fastjsonschema.JsonSchemaValueException:
            return False
        except (RecursionError, TypeError, ValueError):
            return False
        return True

    return accepts


def _search(writer: Any, reader: Any, budget: Budget) -> tuple[Counterexample | None, int, str]:
    """(minimised counterexample or None, events tried, why the search was cut short or impossible)."""
    from hypothesis import HealthCheck, Phase, Verbosity, find, settings
    from hypothesis.errors import HypothesisException, NoSuchExample
    from hypothesis_jsonschema import from_schema

    writer_accepts, reader_accepts = _acceptor(writer), _acceptor(reader)
    if writer_accepts is None or reader_accepts is None:
        return None, 0, "a schema does not compile, so no event was generated"
    if writer is False:
        return None, 0, "the writer accepts nothing"
    for tries, event in enumerate(_probes(reader), start=1):
        if writer_accepts(event) and not reader_accepts(event):
            return _counterexample(event, reader, writer_accepts, reader_accepts), tries, ""
    try:
        with _quiet():
            # deep copies: hypothesis-jsonschema and jsonsubschema rewrite the schemas they are given in place
            strategy = from_schema(copy.deepcopy(_generation_schema(writer)), codec="utf-8")
    except Exception as exc:  # noqa: BLE001 - hypothesis-jsonschema raises many kinds for schemas it cannot generate from
        return None, 0, f"events cannot be generated from the writer's schema ({type(exc).__name__})"
    deadline = time.monotonic() + budget.seconds
    tries = 0
    found: list[Any] = []

    def rejected_by_reader(event: Any) -> bool:
        nonlocal tries, deadline
        if time.monotonic() > deadline:
            raise _OutOfTime
        tries += 1
        if writer_accepts(event) and not reader_accepts(event):
            if not found:  # shrinking the first hit gets a budget of its own: a minimal event is the point
                deadline = time.monotonic() + budget.seconds
            found.append(event)
            return True
        return False

    config = settings(
        max_examples=budget.examples,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        phases=[Phase.generate, Phase.shrink],
    )
    note = ""
    try:
        with _quiet():
            found.append(find(strategy, rejected_by_reader, settings=config))
    except NoSuchExample:
        pass
    except _OutOfTime:
        note = f"time budget of {budget.seconds:g} s spent"
    except (HypothesisException, RecursionError) as exc:
        note = f"generation stopped ({type(exc).__name__})"
    except Exception as exc:  # noqa: BLE001 - a generator bug must not fail the gate: the rules' verdict still stands
        note = f"generation failed ({type(exc).__name__})"
    if not found:
        return None, tries, note
    return _counterexample(found[-1], reader, writer_accepts, reader_accepts), tries, note


_PROBE_VALUES: tuple[Any, ...] = (None, True, 0, 1.5, "", "x", [], {})


def _probes(reader: Any) -> Iterator[dict[str, Any]]:
    """One-property events with a value of every JSON type under each property the reader declares.

    An open (or pattern-named) writer accepts a property it never declared with any value, and
    random generation almost never hits the reader's exact name: these probes find that break at once.
    """
    properties = reader.get("properties") if isinstance(reader, dict) else None
    for name in sorted(properties) if isinstance(properties, dict) else ():
        for value in _PROBE_VALUES:
            yield {name: value}


def _counterexample(
    found: Any, reader: Any, writer_accepts: Callable[[Any], bool], reader_accepts: Callable[[Any], bool]
) -> Counterexample:
    def breaks(event: Any) -> bool:
        return writer_accepts(event) and not reader_accepts(event)

    event = _minimise(found, breaks)
    where = drafts.rejection(reader, event)
    if where is None:  # the reader's own validator rejected it; jsonschema-rs could not say where
        where = drafts.Rejection("", "", "rejected by the reader's validator")
    return Counterexample(event, where.instance_pointer, where.schema_pointer, where.message)


def _minimise(event: Any, breaks: Callable[[Any], bool], budget: int = 2000) -> Any:
    """Greedy JSON minimisation after Hypothesis's own shrinking (which a time budget may cut short): drop
    keys and items, then simplify leaves, keeping only steps after which the event still breaks the pair."""
    checks = 0

    def attempt(candidate: Any) -> bool:
        nonlocal checks
        if checks >= budget:
            return False
        checks += 1
        return breaks(candidate)

    def simpler(value: Any, rebuild: Callable[[Any], Any]) -> Any:
        if isinstance(value, dict):
            return simpler_object(value, rebuild)
        if isinstance(value, list):
            return simpler_array(value, rebuild)
        for candidate in _leaf_candidates(value):
            if attempt(rebuild(candidate)):
                return candidate
        return value

    def simpler_object(value: dict[str, Any], rebuild: Callable[[Any], Any]) -> dict[str, Any]:
        current = dict(value)
        for key in sorted(current, key=lambda k: (-len(json.dumps(current[k], default=str)), k)):
            trial = {k: v for k, v in current.items() if k != key}
            if attempt(rebuild(trial)):
                current = trial
        for key in sorted(current):

            def put(v: Any, k: str = key, c: dict[str, Any] = current) -> Any:
                return rebuild({**c, k: v})

            current[key] = simpler(current[key], put)
        return current

    def simpler_array(value: list[Any], rebuild: Callable[[Any], Any]) -> list[Any]:
        items = list(value)
        for index in range(len(items) - 1, -1, -1):
            trial = items[:index] + items[index + 1 :]
            if attempt(rebuild(trial)):
                items = trial
        for index in range(len(items)):

            def put(v: Any, i: int = index, c: list[Any] = items) -> Any:
                return rebuild([*c[:i], v, *c[i + 1 :]])

            items[index] = simpler(items[index], put)
        return items

    def identity(v: Any) -> Any:
        return v

    return simpler(event, identity) if breaks(event) else event


def _leaf_candidates(value: Any) -> list[Any]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str):
        return [c for c in ("", "a", value[:8]) if c != value and len(c) < len(value)]
    if isinstance(value, (int, float)):
        return [c for c in (0, 1, -1, int(value) if abs(value) < 1e15 else 0) if c != value]
    return []


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Libraries that print or warn while generating must not reach a report."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield


_DROPPED_FOR_GENERATION = ("unevaluatedProperties", "unevaluatedItems", "minContains", "maxContains", "$anchor")


def _generation_schema(schema: Any) -> Any:
    """A draft-07 schema accepting at least what `schema` accepts (hypothesis-jsonschema knows draft-04 to 07).

    2019-09 / 2020-12 keywords with a draft-07 spelling are translated (`prefixItems` -> `items` array,
    `items` after them -> `additionalItems`, `dependentRequired` / `dependentSchemas` -> `dependencies`);
    the few without one are dropped, which only widens what is generated: every event is still checked
    against the writer's real validator before it can count as a counterexample."""
    try:
        draft = drafts.draft_of(schema)
    except drafts.UnsupportedDraft:
        draft = "draft-07"
    if draft in drafts.FAST_DRAFTS:
        return schema
    out = _translate(schema, draft == "2020-12")
    if isinstance(out, dict):
        out["$schema"] = "http://json-schema.org/draft-07/schema#"
    return out


_ONE = ("additionalProperties", "additionalItems", "contains", "propertyNames", "not", "if", "then", "else")
_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependencies", "dependentSchemas")
_LISTS = ("allOf", "anyOf", "oneOf")


def _translate(schema: Any, is_2020: bool) -> Any:
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED_FOR_GENERATION or key == "$schema":
            continue
        if key in _ONE:
            out[key] = _translate(value, is_2020)
        elif key in _MAPS and isinstance(value, dict):
            out[key] = {k: _translate(v, is_2020) for k, v in value.items()}
        elif key in _LISTS and isinstance(value, list):
            out[key] = [_translate(v, is_2020) for v in value]
        elif key == "items":
            if isinstance(value, list):
                out[key] = [_translate(v, is_2020) for v in value]
            elif is_2020 and "prefixItems" in schema:
                out["additionalItems"] = _translate(value, is_2020)
            else:
                out[key] = _translate(value, is_2020)
        elif key == "prefixItems" and isinstance(value, list):
            out["items"] = [_translate(v, is_2020) for v in value]
        else:
            out[key] = value
    dependencies: dict[str, Any] = dict(out.pop("dependencies", {}) or {})
    dependencies.update(out.pop("dependentRequired", {}) or {})
    dependencies.update(out.pop("dependentSchemas", {}) or {})
    if dependencies:
        out["dependencies"] = dependencies
    return out


# --- subschema proof ---------------------------------------------------------------------------------

# Keywords jsonsubschema decides soundly (everything else makes the pair "undecided"): it implements
# draft-04 and ignores unknown keywords, which would turn e.g. a tightened `contains` into a false proof.
_PROVABLE = frozenset(
    {
        "$schema",
        "$id",
        "id",
        "title",
        "description",
        "default",
        "examples",
        "$comment",
        "definitions",
        "$ref",
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
        "items",
        "additionalItems",
        "minItems",
        "maxItems",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
    }
)
_ANNOTATIONS = frozenset({"$schema", "$id", "id", "title", "description", "default", "examples", "$comment"})


def _outside_fragment(schema: Any) -> str | None:
    """The first keyword jsonsubschema would not decide, or None when the whole schema is inside its fragment."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, bool):
            continue
        if not isinstance(node, dict):
            return "a non-schema value"
        for key, value in node.items():
            if key not in _PROVABLE:
                return str(key)
            if key in ("properties", "definitions") and isinstance(value, dict):
                stack.extend(value.values())
            elif (key in ("allOf", "anyOf", "oneOf") and isinstance(value, list)) or (
                key == "items" and isinstance(value, list)
            ):
                stack.extend(value)
            elif key in ("items", "additionalItems", "additionalProperties", "not") and isinstance(value, dict):
                stack.append(value)
    return None


def _as_draft04(schema: Any, numeric_exclusive: bool) -> Any:
    """Annotations dropped, and draft-06+ numeric `exclusiveMinimum`/`exclusiveMaximum` spelled as draft-04."""
    if isinstance(schema, list):
        return [_as_draft04(s, numeric_exclusive) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        k: (v if k in ("enum", "const", "required", "type") else _as_draft04(v, numeric_exclusive))
        for k, v in schema.items()
        if k not in _ANNOTATIONS
    }
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: _as_draft04(v, numeric_exclusive) for k, v in schema["properties"].items()}
    if isinstance(schema.get("definitions"), dict):
        out["definitions"] = {k: _as_draft04(v, numeric_exclusive) for k, v in schema["definitions"].items()}
    if numeric_exclusive:
        for exclusive, inclusive, sign in (("exclusiveMinimum", "minimum", 1), ("exclusiveMaximum", "maximum", -1)):
            limit = out.pop(exclusive, None)
            if not isinstance(limit, (int, float)) or isinstance(limit, bool):
                continue
            bound = out.get(inclusive)
            if not isinstance(bound, (int, float)) or sign * (limit - bound) >= 0:
                out[inclusive], out[exclusive] = limit, True  # the one bound that binds, in draft-04 spelling
    return out


def _prove(writer: Any, reader: Any, seconds: float) -> tuple[bool, str]:
    for side, schema in (("writer", writer), ("reader", reader)):
        keyword = _outside_fragment(schema)
        if keyword is not None:
            return False, f"no subschema proof: the {side}'s `{keyword}` is outside what jsonsubschema decides"
    try:
        from jsonsubschema import isSubschema
    except ImportError:
        return False, "no subschema proof: jsonsubschema is not installed"
    pair = []
    for schema in (writer, reader):
        try:
            draft = drafts.draft_of(schema)
        except drafts.UnsupportedDraft:
            return False, "no subschema proof: unknown $schema"
        pair.append(_as_draft04(schema, numeric_exclusive=draft != "draft-04"))
    try:
        with _quiet(), _time_limit(seconds):
            proved = bool(isSubschema(copy.deepcopy(pair[0]), copy.deepcopy(pair[1])))
    except _OutOfTime:
        return False, f"no subschema proof within {seconds:g} s"
    except Exception as exc:  # noqa: BLE001 - jsonsubschema raises plain exceptions for what it does not handle
        return False, f"no subschema proof: jsonsubschema could not decide ({type(exc).__name__})"
    return proved, "proved: the reader accepts every event the writer accepts" if proved else "not a subschema"


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt a runaway proof (jsonsubschema's regex algebra can blow up); only possible on the main thread."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def _expire(signum: int, frame: Any) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
