"""A layered left-to-right layout (Sugiyama style, simplified) for the SVG diagrams.

Layers by longest path from the sources, order within a layer by a few
barycenter sweeps (fewer crossings), then coordinates from text widths.
Pure and deterministic: ties keep insertion order.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.catalog.graph import Graph

__all__ = ["BACK_LABEL_HEIGHT", "Box", "Layout", "layout", "text_width"]

NODE_HEIGHT = 34
ROW_GAP = 18
LAYER_GAP = 70
PADDING = 12
BACK_EDGE_ROOM = 34
BACK_LABEL_HEIGHT = 12
CHAR_WIDTH = 7.0  # 12 px sans-serif, averaged; generous so labels never overflow


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Box]
    width: float
    height: float
    back: frozenset[tuple[str, str]] = frozenset()  # edges drawn right to left, under the boxes


def text_width(label: str) -> float:
    return len(label) * CHAR_WIDTH + 2 * PADDING


def layout(graph: Graph) -> Layout:
    layers, back = _layers(graph)
    order = _order(graph, layers)
    widths = [max(text_width(graph.nodes[n].label) for n in column) for column in order]
    tallest = max((len(column) for column in order), default=0)
    content = _content_height(tallest)
    # back edges (a saga returning to its start) loop under the boxes, labels stacked per target
    per_target = [sum(1 for _, t in back if t == target) for target in {t for _, t in back}]
    height = content + (BACK_EDGE_ROOM + BACK_LABEL_HEIGHT * (max(per_target) - 1) if per_target else 0)
    gaps = _gaps(graph, layers, len(order))
    boxes: dict[str, Box] = {}
    x: float = PADDING
    for column, width, gap in zip(order, widths, gaps, strict=True):
        column_height = len(column) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP
        y = (content - column_height) / 2
        for node_id in column:
            boxes[node_id] = Box(x, y, width, NODE_HEIGHT)
            y += NODE_HEIGHT + ROW_GAP
        x += width + gap
    total_width = max(x - (gaps[-1] if gaps else 0) + PADDING, 2 * PADDING)
    return Layout(boxes, total_width, height, frozenset(back))


def _content_height(tallest: int) -> float:
    return max(tallest * (NODE_HEIGHT + ROW_GAP) - ROW_GAP, NODE_HEIGHT) + 2 * PADDING


def _gaps(graph: Graph, layers: dict[str, int], count: int) -> list[float]:
    """Room after each layer for the labels of the edges leaving it."""
    gaps = [float(LAYER_GAP)] * count
    for edge in graph.edges:
        if edge.label:
            i = layers[edge.source]
            gaps[i] = max(gaps[i], len(edge.label) * CHAR_WIDTH * 0.9 + 2 * PADDING)
    return gaps


def _layers(graph: Graph) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Longest path from the sources once cycles are broken.

    A depth-first walk from the sources (then from the first-inserted node
    left) marks edges back to a node still on the walk as back edges: a saga
    returning to its start is drawn from its first step, left to right.
    """
    outgoing: dict[str, list[str]] = {n: [] for n in graph.nodes}
    has_incoming = {e.target for e in graph.edges}
    for edge in graph.edges:
        outgoing[edge.source].append(edge.target)
    state: dict[str, int] = {}  # 1 on the walk, 2 done
    back: set[tuple[str, str]] = set()

    def walk(node: str) -> None:
        state[node] = 1
        for target in outgoing[node]:
            if state.get(target) == 1:
                back.add((node, target))
            elif target not in state:
                walk(target)
        state[node] = 2

    for node in [n for n in graph.nodes if n not in has_incoming] + list(graph.nodes):
        if node not in state:
            walk(node)
    incoming: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for edge in graph.edges:
        if (edge.source, edge.target) not in back:
            incoming[edge.target].append(edge.source)
    layer: dict[str, int] = {}

    def depth(node: str) -> int:
        if node not in layer:
            layer[node] = 1 + max((depth(p) for p in incoming[node]), default=-1)
        return layer[node]

    for node in graph.nodes:
        depth(node)
    return layer, back


def _order(graph: Graph, layers: dict[str, int]) -> list[list[str]]:
    count = max(layers.values(), default=-1) + 1
    order: list[list[str]] = [[n for n in graph.nodes if layers[n] == i] for i in range(count)]
    neighbours: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for edge in graph.edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    for sweep in range(4):
        indices = range(1, count) if sweep % 2 == 0 else range(count - 2, -1, -1)
        for i in indices:
            fixed = order[i - 1] if sweep % 2 == 0 else order[i + 1]
            position = {n: p for p, n in enumerate(fixed)}

            def barycenter(node: str, current: int, position: dict[str, int] = position) -> float:
                linked = [position[m] for m in neighbours[node] if m in position]
                return sum(linked) / len(linked) if linked else float(current)

            order[i] = [n for _, _, n in sorted((barycenter(n, p), p, n) for p, n in enumerate(order[i]))]
    return order
