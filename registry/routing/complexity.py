"""How non-deterministic a rule's wildcards are: event-ruler's machine complexity, reproduced.

EventBridge matches with event-ruler, whose `MachineComplexityEvaluator`
scores a machine by the largest number of wildcard rule prefixes one input
value can keep alive at once (read at aws/event-ruler@337e8d9:
MachineComplexityEvaluator.evaluate, ByteMachine.evaluateComplexity,
NameState.evaluateComplexity; README "Matching with a Machine"). A PutRule
whose single-rule machine scores above the threshold is rejected with
"Rule is too complex". This module rebuilds that score from the patterns:

- A field's wildcard patterns (`wildcard` and `anything-but` `wildcard`,
  the two match types event-ruler counts) are compiled, as event-ruler's
  ByteMachine does, into one trie over UTF-8 bytes whose patterns share
  states while their prefixes agree; a `*` state loops on every byte and is
  entered without consuming one. Values are quoted (`"text"`), as
  JsonRuleCompiler quotes them before they reach the machine.
- A state is worth the number of distinct counted patterns reachable from it.
- The evaluator walks every set of states some byte string can reach (the
  start set itself excluded, as event-ruler starts from the start state's
  transitions) and scores a set by the sum of its states' worth; the field's
  complexity is the highest score, capped at `cap`.
- A rule's complexity is the highest of its fields' (event-ruler takes the
  maximum over the byte machines reachable through its name states).

Other match types (exact, prefix, suffix, equals-ignore-case, numeric, ...)
share the machine in event-ruler but are worth nothing there, so they are
left out here; a field path reached through different `$or` branches is
scored as one machine, which can only over-count.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Any

from registry.routing.errors import child
from registry.routing.tree import is_or

__all__ = ["field_wildcard_patterns", "pattern_complexity", "wildcard_complexity"]

_STAR = -1  # the token of an unescaped `*`; literal tokens are byte values 0..255
# Distinct state sets explored before the evaluation gives up and reports the cap: a
# set scoring under the cap has fewer than `cap` states, so real patterns stay far below.
_MAX_SETS = 100_000


def _tokens(text: str, quoted: bool) -> list[int]:
    """Bytes and stars of a wildcard pattern; `\\*` and `\\\\` are literal (event-ruler's WildcardParser)."""
    out: list[int] = [ord('"')] if quoted else []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.extend(text[i + 1].encode())
            i += 2
            continue
        if c == "*":
            out.append(_STAR)
        else:
            out.extend(c.encode())
        i += 1
    if quoted:
        out.append(ord('"'))
    return out


class _Trie:
    """The shared states of one field's wildcard patterns."""

    def __init__(self, patterns: Iterable[str], quoted: bool) -> None:
        self.children: list[dict[int, int]] = [{}]
        self.star = [False]
        terminals: list[set[int]] = [set()]
        for pid, text in enumerate(dict.fromkeys(patterns)):  # a duplicate pattern is one pattern
            node = 0
            for token in _tokens(text, quoted):
                nxt = self.children[node].get(token)
                if nxt is None:
                    nxt = len(self.children)
                    self.children[node][token] = nxt
                    self.children.append({})
                    self.star.append(token == _STAR)
                    terminals.append(set())
                node = nxt
            terminals[node].add(pid)
        self.worth = [len(s) for s in self._reachable(terminals)]

    def _reachable(self, terminals: list[set[int]]) -> list[set[int]]:
        """Patterns whose end is reachable from each state (children are always created after parents)."""
        reach = [set(t) for t in terminals]
        for node in range(len(self.children) - 1, -1, -1):
            for nxt in self.children[node].values():
                reach[node] |= reach[nxt]
        return reach

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        """Add the `*` states entered without consuming a byte (a star matches the empty string)."""
        out = set(states)
        todo = list(out)
        while todo:
            star = self.children[todo.pop()].get(_STAR)
            if star is not None and star not in out:
                out.add(star)
                todo.append(star)
        return frozenset(out)

    def step(self, states: frozenset[int], byte: int | None) -> frozenset[int]:
        """States after one byte (`None`: a byte no pattern names, which only stars accept)."""
        nxt = [n for n in states if self.star[n]]
        if byte is not None:
            nxt += [c for n in states if (c := self.children[n].get(byte)) is not None]
        return self.closure(nxt)


def wildcard_complexity(patterns: Iterable[str], cap: int, quoted: bool = True, budget: int = _MAX_SETS) -> int:
    """event-ruler's complexity of one byte machine holding these wildcard patterns, capped at `cap`.

    State sets are explored highest score first, so a machine over the cap is found
    after a few sets; one under it is explored whole. Past `budget` distinct sets the
    machine counts as reaching the cap.
    """
    trie = _Trie(patterns, quoted)
    if len(trie.children) == 1:
        return 0
    alphabet: list[int | None] = [*sorted({t for row in trie.children for t in row if t != _STAR}), None]
    start = trie.closure([0])
    seen = {start}
    heap: list[tuple[int, int, frozenset[int]]] = [(0, 0, start)]
    best = 0
    while heap:
        current = heapq.heappop(heap)[2]
        for byte in alphabet:
            states = trie.step(current, byte)
            if not states or states in seen:
                continue
            seen.add(states)
            if len(seen) > budget:
                return cap
            score = sum(trie.worth[n] for n in states)
            if score >= cap:
                return cap
            best = max(best, score)
            heapq.heappush(heap, (-score, len(seen), states))
    return best


def field_wildcard_patterns(pattern: Mapping[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Per dotted field path: (JSON pointer of its first leaf, the wildcard patterns event-ruler counts there).

    A field named in several `$or` branches is merged into one machine.
    """
    out: dict[str, tuple[str, list[str]]] = {}

    def walk(node: Mapping[str, Any], path: tuple[str, ...], pointer: str) -> None:
        for key, value in node.items():
            at = child(pointer, key)
            if is_or(key, value):
                for i, branch in enumerate(value):
                    walk(branch, path, child(at, i))
            elif isinstance(value, dict):
                walk(value, (*path, key), at)
            elif isinstance(value, list):
                found = [text for rule in value for text in _counted(rule)]
                if found:
                    out.setdefault(".".join((*path, key)), (at, []))[1].extend(found)

    walk(pattern, (), "")
    return out


def _counted(rule: Any) -> list[str]:
    if not isinstance(rule, dict) or len(rule) != 1:
        return []
    ((op, operand),) = rule.items()
    if op == "wildcard" and isinstance(operand, str):
        return [operand]
    if op == "anything-but" and isinstance(operand, dict) and "wildcard" in operand:
        nested = operand["wildcard"]
        return [nested] if isinstance(nested, str) else [v for v in nested if isinstance(v, str)]
    return []


def pattern_complexity(pattern: Mapping[str, Any], cap: int) -> tuple[int, str, str]:
    """(complexity, field path, its pointer) of a validated event pattern; (0, "", "") without wildcards."""
    best, where, pointer = 0, "", ""
    for path, (at, patterns) in field_wildcard_patterns(pattern).items():
        score = wildcard_complexity(patterns, cap)
        if score > best:
            best, where, pointer = score, path, at
        if best >= cap:
            break
    return best, where, pointer
