"""Every `$ref` of a contract stays inside its document, resolves, and never loops.

A `$ref` to a file or URL (`file:///tmp/ext.json`, `common.json`,
`https://...`) makes a published version depend on something the lock does
not hash: editing that outside file would change the contract without
tripping immutability, and resolving it means the gate reads the disk or the
network. So the gate never follows one: `ref_problems` reports it (with the
fix: inline it under `definitions`), and `NO_REMOTE` is handed to
fastjsonschema so that even a missed reference fails instead of fetching.
A chain of `$ref`s that comes back to itself names no schema at all; it is
reported as a cycle rather than left to a RecursionError.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from fastjsonschema import JsonSchemaDefinitionException

from registry.strict import escape_token

__all__ = ["NO_REMOTE", "RefProblem", "ref_problems", "without_examples"]

_NAME_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependencies", "dependentSchemas"})
_DATA_KEYWORDS = frozenset({"examples", "enum", "const", "default"})  # values, not schemas
_INLINE_HINT = 'inline the referenced schema under "definitions" and point "$ref" at "#/definitions/<Name>"'


@dataclass(frozen=True)
class RefProblem:
    """One `$ref` (or `$id`) the gate refuses: kind is 'external', 'dangling' or 'cycle'."""

    kind: str
    pointer: str  # of the `$ref` keyword
    ref: str
    message: str
    hint: str


def _refuse(uri: str) -> NoReturn:
    raise JsonSchemaDefinitionException(f"$ref {uri!r} points outside the document; the gate never fetches it")


class _NoRemote(Mapping[str, Any]):
    """fastjsonschema's `handlers`: claims every URI scheme and refuses it, so nothing is ever fetched."""

    def __getitem__(self, scheme: str) -> Any:
        return _refuse

    def __contains__(self, scheme: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


NO_REMOTE: Mapping[str, Any] = _NoRemote()


def _nodes(schema: Any) -> Iterator[tuple[str, Any]]:
    """(pointer, object) of every JSON object in the document, iteratively (depth is the caller's worry)."""
    stack: list[tuple[str, Any]] = [("", schema)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            yield pointer, node
            names = _is_property_name(pointer)
            stack.extend(
                (f"{pointer}/{escape_token(k)}", v) for k, v in node.items() if names or k not in _DATA_KEYWORDS
            )
        elif isinstance(node, list):
            stack.extend((f"{pointer}/{i}", v) for i, v in enumerate(node))


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _target(schema: Any, ref: str, anchors: Mapping[str, str]) -> str | None:
    """The pointer a local `$ref` names, or None when nothing is there."""
    if ref in ("#", "#/"):
        return ""
    if not ref.startswith("#/"):
        return anchors.get(ref[1:])
    node, pointer = schema, ""
    for raw in ref[2:].split("/"):
        token = _unescape(raw)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
        pointer += "/" + escape_token(token)
    return pointer


def ref_problems(schema: Any) -> list[RefProblem]:
    """Every `$ref` that leaves the document, names nothing, or only leads back to itself."""
    problems: list[RefProblem] = []
    anchors: dict[str, str] = {}
    refs: dict[str, str] = {}  # pointer of the object holding `$ref` -> the reference
    objects: dict[str, Any] = {}
    for pointer, node in _nodes(schema):
        objects[pointer] = node
        declared = node.get("$id")
        if isinstance(declared, str) and pointer and not _is_property_name(pointer):
            if declared.startswith("#"):
                anchors[declared[1:]] = pointer
            else:
                problems.append(
                    RefProblem(
                        "external",
                        f"{pointer}/$id",
                        declared,
                        f"nested $id {declared!r} makes the $refs below it resolve against another document",
                        'remove the nested "$id" (a plain-name anchor such as "#Address" is fine)',
                    )
                )
        for keyword in ("$anchor", "$dynamicAnchor"):  # 2019-09 / 2020-12 plain-name anchors
            if isinstance(node.get(keyword), str) and not _is_property_name(pointer):
                anchors[node[keyword]] = pointer
        ref = node.get("$ref")
        if isinstance(ref, str) and not _is_property_name(pointer):
            refs[pointer] = ref
    for pointer, ref in sorted(refs.items()):
        if not ref.startswith("#"):
            problems.append(
                RefProblem(
                    "external",
                    f"{pointer}/$ref",
                    ref,
                    f"$ref {ref!r} points outside this document (a file or URL the lock does not hash, "
                    "and that the gate never reads)",
                    _INLINE_HINT,
                )
            )
            continue
        if _target(schema, ref, anchors) is None:
            problems.append(
                RefProblem(
                    "dangling",
                    f"{pointer}/$ref",
                    ref,
                    f"$ref {ref!r} names nothing in this document",
                    'point it at an existing schema, e.g. "#/definitions/<Name>"',
                )
            )
    problems.extend(_cycles(schema, objects, refs, anchors))
    return problems


def _is_property_name(pointer: str) -> bool:
    """True for an object that is a map of names (e.g. `properties`), whose keys are not keywords."""
    return pointer.rsplit("/", 1)[-1] in _NAME_MAPS


_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("not", "if", "then", "else")


def _in_place(
    schema: Any, pointer: str, objects: Mapping[str, Any], refs: Mapping[str, str], anchors: Mapping[str, str]
) -> list[str]:
    """Schemas applied to the same value as the one at `pointer`: its `$ref` target, or its applicators."""
    if pointer in refs:
        target = _target(schema, refs[pointer], anchors) if refs[pointer].startswith("#") else None
        return [target] if target is not None else []
    node = objects.get(pointer)
    if not isinstance(node, dict):
        return []
    found = [
        f"{pointer}/{key}/{i}"
        for key in _IN_PLACE_LISTS
        if isinstance(node.get(key), list)
        for i, sub in enumerate(node[key])
        if isinstance(sub, dict)
    ]
    return found + [f"{pointer}/{key}" for key in _IN_PLACE_ONE if isinstance(node.get(key), dict)]


def _cycles(
    schema: Any, objects: Mapping[str, Any], refs: Mapping[str, str], anchors: Mapping[str, str]
) -> list[RefProblem]:
    """`$ref` loops that come back to the same value without passing through properties or items.

    A chain of bare `$ref`s names no schema at all; a `$ref` back through allOf/anyOf/oneOf/not/if
    applies the same schema to the same value forever. Either way validation cannot end (a
    RecursionError), so it is reported here, by an iterative search.
    """
    problems: list[RefProblem] = []
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(refs):
        if start in state:
            continue
        path = [start]
        todo = [iter(_in_place(schema, start, objects, refs, anchors))]
        state[start] = 1
        while todo:
            following = next(todo[-1], None)
            if following is None:
                state[path.pop()] = 2
                todo.pop()
            elif following not in state:
                state[following] = 1
                path.append(following)
                todo.append(iter(_in_place(schema, following, objects, refs, anchors)))
            elif state[following] == 1:
                loop = path[path.index(following) :]
                if frozenset(loop) not in reported:
                    reported.add(frozenset(loop))
                    problems.append(_cycle_problem(loop, refs))
    return problems


def _cycle_problem(loop: list[str], refs: Mapping[str, str]) -> RefProblem:
    names = " -> ".join(f"#{p}" for p in [*loop, loop[0]])
    at = min(p for p in loop if p in refs)
    if all(p in refs for p in loop):
        message = f"$ref cycle: {names} never reaches a schema"
    else:
        message = f"$ref cycle: {names} applies the same schema to the same value again, so validation never ends"
    return RefProblem(
        "cycle",
        f"{at}/$ref",
        refs[at],
        message,
        "make the recursion pass through properties or items (a value inside), not only $ref, allOf, anyOf, "
        "oneOf or not",
    )


def without_examples(schema: Any, pointer: str = "") -> Any:
    """The schema without `examples`, for compiling: fastjsonschema resolves every `$ref` key it finds,
    even one inside example data, so a producer's `{"$ref": ...}` field would otherwise be followed."""
    if isinstance(schema, list):
        return [without_examples(item, f"{pointer}/{i}") for i, item in enumerate(schema)]
    if not isinstance(schema, dict):
        return schema
    names = _is_property_name(pointer)
    return {
        key: value if not names and key in _DATA_KEYWORDS else without_examples(value, f"{pointer}/{escape_token(key)}")
        for key, value in schema.items()
        if names or key != "examples"
    }
