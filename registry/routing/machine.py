"""One compiled machine for every pattern of a bus (or every policy of a topic).

Testing each pattern against each event costs patterns x events; a busy
event type has hundreds of subscribers on the same source and detail-type,
so the index on those two fields no longer helps. The machine compiles all
patterns into one structure, as AWS's event-ruler does, so an event costs
about its number of fields plus its number of matches:

- `$or` is expanded: a pattern is a union of conjunctions ("conjs"), each a
  list of (field path, match array) slots. A conj is one bit of a Python int.
- Per field path (a trie of steps, walked once per event with the reference's
  descent rules), per slot position: hash maps for exact values, hash maps by
  length for prefixes, suffixes and their ignore-case forms, a table of
  regions between the numeric bounds, complements for anything-but, presence
  masks for exists. Each lookup yields a mask of the conjs it satisfies.
- AND across fields: a conj survives a slot position when it has no slot
  there or the slot is satisfied: `alive &= satisfied | ~member`, one big-int
  op per field; a field only dead conjs use is skipped, and an event of
  another source or detail-type stops after those two fields.
- What is not indexed (cidr, wildcard, IP literals, operand shapes this
  module does not know) is a per-condition predicate built by the reference
  (`leaf.LeafMatcher`); an operator it does not know at all sends the whole
  pattern to the reference matcher. Verdicts stay the reference's.
- Arrays of objects: values under an array with several objects are the union
  of the elements' values, a superset of event-ruler's array-consistent
  answer; a conj that used such a path is confirmed by the reference pattern.
  So the machine answers exactly what each pattern's own `matches` answers,
  which a property test asserts.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from registry.routing.dialects import EVENTBRIDGE, SNS, Dialect
from registry.routing.errors import PatternError, child
from registry.routing.eventbridge import EventPattern
from registry.routing.leaf import LeafMatcher, _ip_or_none
from registry.routing.operands import Condition, is_number, numeric_bounds, parse_leaf
from registry.routing.sns import FilterPolicy, policy_subject
from registry.routing.tree import _dotted, _objects, is_or, leaf_values

__all__ = ["MAX_CONJUNCTIONS", "Machine"]

K = TypeVar("K", bound=Hashable)
Compiled = EventPattern | FilterPolicy
Path = tuple[str, ...]
Slot = tuple[Path, tuple[Condition, ...]]

# A pattern whose `$or` branches multiply past this is matched by the reference
# (AWS caps EventBridge patterns at 1,000 combinations and SNS at 150): a few such patterns would
# otherwise cost more bits than all the others.
MAX_CONJUNCTIONS = 256
_MISSING: Any = object()
_CACHE_LIMIT = 4096


class _Unindexed(Exception):
    """An operator the machine does not know: the pattern stays with the reference."""


@dataclass
class _Entry(Generic[K]):
    key: K
    compiled: Compiled


class Machine(Generic[K]):
    """`add(key, compiled)` patterns (or policies of one scope), then `match(event)` -> keys in insertion order.

    All entries must be of one family: EventBridge patterns, or SNS policies of
    one scope. The machine is (re)built on the first `match` after an `add`.
    """

    def __init__(self) -> None:
        self._entries: list[_Entry[K]] = []
        self._family: tuple[str, str | None] | None = None
        self._built: _Built | None = None

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def family(self) -> tuple[str, str | None] | None:
        """("eventbridge", None) or ("sns", scope), None while empty."""
        return self._family

    def add(self, key: K, compiled: Compiled) -> None:
        family = _family_of(compiled)
        if self._family is not None and family != self._family:
            raise TypeError(f"a machine holds one family: {self._family}, not {family}")
        self._family = family
        self._entries.append(_Entry(key, compiled))
        self._built = None

    def match(self, event: Any) -> list[K]:
        """Keys of every entry whose pattern or policy matches `event`, in insertion order."""
        return [self._entries[i].key for i in self.match_indices(event)]

    def match_indices(self, event: Any) -> list[int]:
        if not self._entries:
            return []
        if self._built is None:
            self._built = _Built([e.compiled for e in self._entries], self._family or ("eventbridge", None))
        return self._built.match(event, self._entries)

    def stats(self) -> dict[str, int]:
        """Sizes of the compiled machine (patterns, conjunctions, fields, those left to the reference)."""
        if self._built is None and self._entries:
            self._built = _Built([e.compiled for e in self._entries], self._family or ("eventbridge", None))
        built = self._built
        return {
            "patterns": len(self._entries),
            "conjunctions": built.conj_count if built else 0,
            "fields": len(built.paths) if built else 0,
            "reference_only": len(built.fallback) if built else 0,
        }


def _family_of(compiled: Compiled) -> tuple[str, str | None]:
    if isinstance(compiled, EventPattern):
        return ("eventbridge", None)
    return ("sns", compiled.scope)


# -- expanding patterns into conjunctions -------------------------------------------


def _conjunctions(document: Mapping[str, Any], dialect: Dialect, nested: bool) -> list[list[Slot]]:
    """The pattern as a union of conjunctions of slots; raises _Unindexed past MAX_CONJUNCTIONS."""

    def expand(node: Mapping[str, Any], prefix: Path, pointer: str) -> list[list[Slot]]:
        conjs: list[list[Slot]] = [[]]
        for key, value in node.items():
            at = child(pointer, key)
            if is_or(key, value):
                options = [c for i, branch in enumerate(value) for c in expand(branch, prefix, child(at, i))]
            elif isinstance(value, dict):
                options = expand(value, prefix + _steps(key, nested), at)
            else:
                options = [[(prefix + _steps(key, nested), parse_leaf(value, at, dialect))]]
            if len(conjs) * len(options) > MAX_CONJUNCTIONS:
                raise _Unindexed("too many combinations")
            conjs = [c + o for c in conjs for o in options]
        return conjs

    return expand(document, (), "")


def _steps(key: str, nested: bool) -> Path:
    """As `tree._path` reads a key: event-ruler joins nested keys with dots."""
    parts = key.split(".")
    return tuple(parts) if nested and "." in key and all(parts) else (key,)


# -- one slot position of one field: every condition kind as a lookup -----------------


@dataclass
class _DimBuilder:
    """The conditions of every conj's k-th slot on one path, grouped by kind."""

    dialect: Dialect
    member: int = 0
    exists_true: int = 0
    exists_false: int = 0
    strings: dict[str, int] = field(default_factory=dict)
    numbers: dict[int, int] = field(default_factory=dict)
    big_numbers: dict[float, int] = field(default_factory=dict)
    true: int = 0
    false: int = 0
    null: int = 0
    prefixes: dict[str, int] = field(default_factory=dict)
    suffixes: dict[str, int] = field(default_factory=dict)
    iequals: dict[str, int] = field(default_factory=dict)
    iprefixes: dict[str, int] = field(default_factory=dict)
    isuffixes: dict[str, int] = field(default_factory=dict)
    ranges: dict[tuple[int | None, bool, int | None, bool], int] = field(default_factory=dict)
    but_all: int = 0  # conjs with an indexed anything-but in this slot
    but_strings: dict[str, int] = field(default_factory=dict)  # value -> conjs whose anything-but excludes it
    but_numbers: dict[int, int] = field(default_factory=dict)
    but_prefixes: dict[str, int] = field(default_factory=dict)
    but_suffixes: dict[str, int] = field(default_factory=dict)
    but_iequals: dict[str, int] = field(default_factory=dict)
    but_used: set[int] = field(default_factory=set)
    predicates: dict[str, tuple[int, Callable[[Any], bool]]] = field(default_factory=dict)

    def add(self, bit: int, conj: int, conditions: tuple[Condition, ...]) -> None:
        self.member |= bit
        for cond in conditions:
            if not self._index(bit, conj, cond):
                self._predicate(bit, cond)

    def _predicate(self, bit: int, cond: Condition) -> None:
        """The reference's own test for one condition (one value at a time), shared by identical conditions."""
        key = json.dumps([cond.operator, cond.operand], sort_keys=True)
        if key in self.predicates:
            mask, test = self.predicates[key]
            self.predicates[key] = (mask | bit, test)
            return
        matcher = LeafMatcher((cond,), self.dialect).match
        self.predicates[key] = (bit, lambda v: matcher((v,)))

    def _index(self, bit: int, conj: int, cond: Condition) -> bool:
        """Put `cond` in its lookup table; False when it needs a predicate instead."""
        op, x = cond.operator, cond.operand
        if op == "equals":
            if type(x) is str:
                if _ip_or_none(x) is not None:  # event-ruler compares IP literals as addresses
                    return False
                _or(self.strings, x, bit)
            elif is_number(x):
                n = self.dialect.canon(x)
                if n is None:
                    _or(self.big_numbers, x, bit)
                else:
                    _or(self.numbers, n, bit)
            elif x is True:
                self.true |= bit
            elif x is False:
                self.false |= bit
            elif x is None:
                self.null |= bit
            else:
                return False
        elif op in ("prefix", "suffix"):
            if type(x) is str:
                _or(self.prefixes if op == "prefix" else self.suffixes, x, bit)
            elif isinstance(x, dict) and set(x) == {"equals-ignore-case"} and type(x["equals-ignore-case"]) is str:
                _or(self.iprefixes if op == "prefix" else self.isuffixes, x["equals-ignore-case"].lower(), bit)
            else:
                return False
        elif op == "equals-ignore-case" and type(x) is str:
            _or(self.iequals, x.lower(), bit)
        elif op == "exists" and type(x) is bool:
            if x:
                self.exists_true |= bit
            else:
                self.exists_false |= bit
        elif op == "numeric":
            try:
                bounds = numeric_bounds(x, cond.pointer, self.dialect)
            except PatternError:  # a form this module does not know: the reference's own test decides
                return False
            _or(self.ranges, bounds, bit)
        elif op == "anything-but":
            return self._anything_but(bit, conj, x)
        elif op in ("cidr", "wildcard", "equals-ignore-case", "exists"):
            return False
        else:
            raise _Unindexed(op)
        return True

    def _anything_but(self, bit: int, conj: int, x: Any) -> bool:
        """A complement: satisfied by a value unless one of its exclusions matches it (one per slot)."""
        if conj in self.but_used:
            return False  # two anything-but in one slot OR together: leave the second to a predicate
        if isinstance(x, dict):
            if len(x) != 1:
                return False
            ((op, value),) = x.items()
            if op in ("prefix", "suffix") and type(value) is str:
                _or(self.but_prefixes if op == "prefix" else self.but_suffixes, value, bit)
            elif op == "equals-ignore-case" and (
                type(value) is str or (isinstance(value, list) and all(type(v) is str for v in value))
            ):
                for v in value if isinstance(value, list) else [value]:
                    _or(self.but_iequals, v.lower(), bit)
            else:
                return False
        else:
            values = x if isinstance(x, list) else [x]
            if not all(type(v) is str or (is_number(v) and self.dialect.canon(v) is not None) for v in values):
                return False
            for v in values:
                if type(v) is str:
                    _or(self.but_strings, v, bit)
                else:
                    n = self.dialect.canon(v)
                    assert n is not None
                    _or(self.but_numbers, n, bit)
        self.but_used.add(conj)
        self.but_all |= bit
        return True

    def compile(self) -> _Dim:
        return _Dim(self)


def _or(table: dict[Any, int], key: Any, bit: int) -> None:
    table[key] = table.get(key, 0) | bit


class _Dim:
    """A compiled slot position: `satisfied(values, crossed)` -> mask of the conjs it satisfies."""

    __slots__ = ("absent", "member", "outsiders", "satisfied")

    def __init__(self, b: _DimBuilder) -> None:
        self.member = b.member
        self.outsiders = ~b.member  # conjs without this slot: never failed by it
        # on an event without the field, only `exists: false` holds
        self.absent = b.member & ~b.exists_false
        self.satisfied = _satisfier(b)


def _satisfier(b: _DimBuilder) -> Callable[[tuple[Any, ...], bool], int]:
    exists_true, exists_false = b.exists_true, b.exists_false
    strings, numbers, big_numbers = b.strings, b.numbers, b.big_numbers
    true, false, null = b.true, b.false, b.null
    prefixes, prefix_lengths = b.prefixes, tuple(sorted({len(p) for p in b.prefixes}))
    suffixes, suffix_lengths = b.suffixes, tuple(sorted({len(s) for s in b.suffixes}))
    iequals = b.iequals
    iprefixes, iprefix_lengths = b.iprefixes, tuple(sorted({len(p) for p in b.iprefixes}))
    isuffixes, isuffix_lengths = b.isuffixes, tuple(sorted({len(s) for s in b.isuffixes}))
    lowered = bool(iequals or iprefixes or isuffixes or b.but_iequals)
    but_all, but_strings, but_numbers = b.but_all, b.but_strings, b.but_numbers
    but_prefixes, but_prefix_lengths = b.but_prefixes, tuple(sorted({len(p) for p in b.but_prefixes}))
    but_suffixes, but_suffix_lengths = b.but_suffixes, tuple(sorted({len(s) for s in b.but_suffixes}))
    but_iequals = b.but_iequals
    but_null = but_all if b.dialect.null_is_value else 0
    points, regions = _regions(b.ranges)
    predicates = tuple(b.predicates.values())
    null_is_value = b.dialect.null_is_value
    canon = b.dialect.canon
    literal_null = null | but_null

    def satisfied(values: tuple[Any, ...], crossed: bool) -> int:
        here = bool(values) if null_is_value else any(v is not None for v in values)
        sat = exists_true if here else exists_false
        if crossed:
            sat |= exists_false  # some element may lack it: the reference pattern decides
        for v in values:
            t = type(v)
            if t is str:
                m = strings.get(v)
                if m:
                    sat |= m
                n = len(v)
                for length in prefix_lengths:
                    if length > n:
                        break
                    m = prefixes.get(v[:length])
                    if m:
                        sat |= m
                for length in suffix_lengths:
                    if length > n:
                        break
                    m = suffixes.get(v[n - length :])
                    if m:
                        sat |= m
                if lowered:
                    low = v.lower()
                    m = iequals.get(low)
                    if m:
                        sat |= m
                    for length in iprefix_lengths:
                        if length > len(low):
                            break
                        m = iprefixes.get(low[:length])
                        if m:
                            sat |= m
                    for length in isuffix_lengths:
                        if length > len(low):
                            break
                        m = isuffixes.get(low[len(low) - length :])
                        if m:
                            sat |= m
                if but_all:
                    excluded = but_strings.get(v, 0)
                    for length in but_prefix_lengths:
                        if length > n:
                            break
                        excluded |= but_prefixes.get(v[:length], 0)
                    for length in but_suffix_lengths:
                        if length > n:
                            break
                        excluded |= but_suffixes.get(v[n - length :], 0)
                    if but_iequals:
                        excluded |= but_iequals.get(v.lower(), 0)
                    sat |= but_all & ~excluded
            elif t is int or t is float:
                c = canon(v)
                if c is None:
                    m = big_numbers.get(v)
                    if m:
                        sat |= m
                    sat |= but_all
                else:
                    m = numbers.get(c)
                    if m:
                        sat |= m
                    if points:
                        i = bisect.bisect_left(points, c)
                        sat |= regions[2 * i + 1 if i < len(points) and points[i] == c else 2 * i]
                    if but_all:
                        sat |= but_all & ~but_numbers.get(c, 0)
            elif v is None:
                sat |= literal_null
            elif v is True:
                sat |= true | but_all
            elif v is False:
                sat |= false | but_all
            for mask, test in predicates:
                if mask & ~sat and test(v):
                    sat |= mask
        return sat

    return satisfied


def _regions(
    ranges: Mapping[tuple[int | None, bool, int | None, bool], int],
) -> tuple[list[int], list[int]]:
    """Sorted bounds and the conjs satisfied in each region: region 2i+1 is the bound points[i] itself,
    region 2i the open gap below it (2n the gap above the last)."""
    if not ranges:
        return [], []
    points = sorted({p for low, _, high, _ in ranges for p in (low, high) if p is not None})
    at = {p: i for i, p in enumerate(points)}
    regions = [0] * (2 * len(points) + 1)
    for (low, low_incl, high, high_incl), mask in ranges.items():
        start = 0 if low is None else 2 * at[low] + (1 if low_incl else 2)
        end = 2 * len(points) if high is None else 2 * at[high] + (1 if high_incl else 0)
        for r in range(start, end + 1):
            regions[r] |= mask
    return points, regions


# -- the field trie: one walk per event with the reference's descent ----------------


class _Trie:
    __slots__ = ("children", "leaf", "risky")

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.leaf = -1  # path id when a slot ends here
        self.risky = 0  # conjs an array of several objects here makes uncertain


# (step, path id or -1, its slot positions, sub-trie, conjs to confirm when an array of objects is here,
#  conjs with a slot at or under this step)
_Child = tuple[str, int, tuple["_Dim", ...], tuple[Any, ...], int, int]


class _Pass:
    """One event's walk: the conjs still alive, the fields it has, the arrays of objects it crossed."""

    __slots__ = ("alive", "crossings", "present")

    def __init__(self, alive: int) -> None:
        self.alive = alive
        self.present: list[int] = []
        self.crossings: list[int] = []

    def field(self, leaf: int, dims: tuple[_Dim, ...], values: tuple[Any, ...], crossed: bool) -> None:
        self.present.append(leaf)
        alive = self.alive
        for d in dims:
            if alive & d.member:  # skip positions only dead conjs use
                alive &= d.satisfied(values, crossed) | d.outsiders
        self.alive = alive


def _walk(children: tuple[_Child, ...], nodes: list[Mapping[str, Any]], crossed: bool, run: _Pass) -> None:
    """Evaluate every field under `nodes` (several when an array of objects was crossed), leaves first;
    a subtree whose conjs are all dead (another source or detail-type) is not visited."""
    for step, leaf, dims, sub, risky, members in children:
        if not run.alive & members:
            continue
        if leaf >= 0:
            if len(nodes) == 1:
                value = nodes[0].get(step, _MISSING)
                if value is not _MISSING:
                    t = type(value)
                    if t is str or t is int or t is float or t is bool or value is None:
                        values = (value,)
                    else:
                        values = leaf_values(value)
                    if values:  # run.field inlined: this is the hot loop
                        run.present.append(leaf)
                        alive = run.alive
                        for d in dims:
                            if alive & d.member:
                                alive &= d.satisfied(values, crossed) | d.outsiders
                        run.alive = alive
            else:
                gathered: list[Any] = []
                for node in nodes:
                    value = node.get(step, _MISSING)
                    if value is not _MISSING:
                        gathered.extend(leaf_values(value))
                run.field(leaf, dims, tuple(gathered), True)
        if sub:
            below: list[Mapping[str, Any]] = []
            for node in nodes:
                value = node.get(step, _MISSING)
                if value is _MISSING:
                    if node:
                        dotted = _dotted(node, step)
                        if dotted:
                            below.append(dotted)
                elif type(value) is dict:
                    below.append(value)
                elif type(value) is list:
                    below.extend(_objects(value))  # empty objects count: `exists: false` holds in them
            if below:
                if len(below) > 1:
                    run.crossings.append(risky)
                _walk(sub, below, crossed or len(below) > 1, run)


def _freeze(trie: _Trie, dims: Mapping[int, tuple[_Dim, ...]]) -> tuple[tuple[_Child, ...], int]:
    """The trie as tuples, leaves before subtrees (source and detail-type decide most events), and its conjs."""
    out: list[_Child] = []
    everyone = 0
    for step, t in trie.children.items():
        sub, below = _freeze(t, dims)
        own = dims.get(t.leaf, ())
        members = below | _union(d.member for d in own)
        everyone |= members
        out.append((step, t.leaf, own, sub, t.risky, members))
    out.sort(key=lambda c: bool(c[3]))
    return tuple(out), everyone


def _mark_risky(trie: _Trie, bit: int, slots: list[Slot]) -> None:
    """Union of values across array elements is exact for a conj with one slot under the array and no
    `exists: false` there; else the conj must be confirmed by the reference when an array is crossed."""
    under: dict[Path, int] = {}
    negative: set[Path] = set()
    for path, conditions in slots:
        for n in range(1, len(path)):
            under[path[:n]] = under.get(path[:n], 0) + 1
            if any(c.operator == "exists" and c.operand is False for c in conditions):
                negative.add(path[:n])
    for prefix, count in under.items():
        if count > 1 or prefix in negative:
            node = trie
            for step in prefix:
                node = node.children[step]
            node.risky |= bit


# -- the built machine ----------------------------------------------------------------


class _Built:
    def __init__(self, compiled: list[Compiled], family: tuple[str, str | None]) -> None:
        self.kind, self.scope = family
        dialect = EVENTBRIDGE if self.kind == "eventbridge" else SNS
        nested = self.kind == "eventbridge" or self.scope == "MessageBody"
        self.paths: dict[Path, int] = {}
        builders: dict[tuple[int, int], _DimBuilder] = {}
        self.conj_entry: list[int] = []
        self.always: list[int] = []  # "{}" policies: every message
        self.fallback: list[int] = []  # left to the reference matcher
        trie = _Trie()
        for index, c in enumerate(compiled):
            document = c.pattern if isinstance(c, EventPattern) else c.policy
            if not document:
                self.always.append(index)
                continue
            try:
                conjs = _conjunctions(document, dialect, nested)
                staged = [self._stage(slots, dialect, trie, builders) for slots in conjs]
            except _Unindexed:
                self.fallback.append(index)
                continue
            for slots, slots_dims in zip(conjs, staged, strict=True):
                conj = len(self.conj_entry)
                self.conj_entry.append(index)
                _mark_risky(trie, 1 << conj, slots)
                for dim_key, conditions in slots_dims:
                    if dim_key not in builders:
                        builders[dim_key] = _DimBuilder(dialect)
                    builders[dim_key].add(1 << conj, conj, conditions)
        self.conj_count = len(self.conj_entry)
        self.all = (1 << self.conj_count) - 1
        dims_by_path: dict[int, list[_Dim]] = {}
        for (path_id, _), builder in sorted(builders.items()):
            dims_by_path.setdefault(path_id, []).append(builder.compile())
        self.dims = {p: tuple(ds) for p, ds in dims_by_path.items()}
        self.children, _ = _freeze(trie, self.dims)
        self._absent_cache: dict[tuple[int, ...], int] = {}

    def _stage(
        self, slots: list[Slot], dialect: Dialect, trie: _Trie, builders: Mapping[tuple[int, int], _DimBuilder]
    ) -> list[tuple[tuple[int, int], tuple[Condition, ...]]]:
        """Dimension (path id, k-th slot on that path) of each slot; raises _Unindexed before anything is added."""
        seen: dict[int, int] = {}
        out = []
        for path, conditions in slots:
            for cond in conditions:
                if cond.operator not in _KNOWN:
                    raise _Unindexed(cond.operator)
            path_id = self._path_id(path, trie)
            k = seen.get(path_id, 0)
            seen[path_id] = k + 1
            out.append(((path_id, k), conditions))
        return out

    def _path_id(self, path: Path, trie: _Trie) -> int:
        if path not in self.paths:
            self.paths[path] = len(self.paths)
            node = trie
            for step in path:
                node = node.children.setdefault(step, _Trie())
            node.leaf = self.paths[path]
        return self.paths[path]

    def _absent(self, present: tuple[int, ...]) -> int:
        """Conjs failed by the fields this event lacks; events of one shape share the answer."""
        found = self._absent_cache.get(present)
        if found is None:
            found = 0
            seen = set(present)
            for path_id, dims in self.dims.items():
                if path_id not in seen:
                    for d in dims:
                        found |= d.absent
            if len(self._absent_cache) >= _CACHE_LIMIT:
                self._absent_cache.clear()
            self._absent_cache[present] = found
        return found

    def _root(self, event: Any) -> Mapping[str, Any] | None:
        """What the compiled patterns see, prepared as the reference's `matches` prepares it."""
        if self.kind == "eventbridge":
            return event if type(event) is dict else None
        return policy_subject(event, self.scope or "MessageAttributes")

    def match(self, event: Any, entries: list[_Entry[Any]]) -> list[int]:
        root = self._root(event) if self.conj_count or self.fallback else None
        if root is None:
            return list(self.always)
        matched = crossed = 0
        if self.conj_count:
            run = _Pass(self.all)
            if root:
                _walk(self.children, [root], False, run)
            if run.alive:
                matched = run.alive & ~self._absent(tuple(run.present))
                crossed = _union(run.crossings) & matched
        conj_entry = self.conj_entry
        if not crossed and not self.always and not self.fallback:
            # conj ids grow with entry indices: entries come out sorted, equal neighbours are one entry
            out: list[int] = []
            last = -1
            while matched:
                low = matched & -matched
                matched ^= low
                entry = conj_entry[low.bit_length() - 1]
                if entry != last:
                    out.append(entry)
                    last = entry
            return out
        sure: set[int] = set(self.always)
        check: set[int] = set()
        while matched:
            low = matched & -matched
            matched ^= low
            (check if low & crossed else sure).add(conj_entry[low.bit_length() - 1])
        # an array of objects made `check` uncertain: the reference decides, unless another conj is sure
        sure.update(i for i in check - sure if entries[i].compiled.matches(event))
        sure.update(i for i in self.fallback if entries[i].compiled.matches(event))
        return sorted(sure)


_KNOWN = frozenset(
    {"equals", "prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists", "cidr"}
)


def _union(masks: Iterable[int]) -> int:
    out = 0
    for m in masks:
        out |= m
    return out
