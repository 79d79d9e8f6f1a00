"""A layered left-to-right layout (Sugiyama style, simplified) for the SVG diagrams.

Layers by longest path from the sources, order within a layer by a few
barycenter sweeps (fewer crossings), then coordinates from text widths.
Pure and deterministic: ties keep insertion order.
"""
from __future__ import annotations

from dataclasses import dataclass

from registry.catalog.graph import Graph

__all__ = ["Box", "Layout", "layout", "text_width"]

NODE_HEIGHT = 34
ROW_GAP = 18
LAYER_GAP = 70
PADDING = 12
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


def text_width(label: str) -> float:
    return len(label) * CHAR_WIDTH + 2 * PADDING


def layout(graph: Graph) -> Layout:
    layers = _layers(graph)
    order = _order(graph, layers)
    widths = [max(text_width(graph.nodes[n].label) for n in column) for column in order]
    tallest = max((len(column) for column in order), default=0)
    height = max(tallest * (NODE_HEIGHT + ROW_GAP) - ROW_GAP, NODE_HEIGHT) + 2 * PADDING
    gaps = _gaps(graph, layers, len(order))
    boxes: dict[str, Box] = {}
    x = PADDING
    for column, width, gap in zip(order, widths, gaps):
        column_height = len(column) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP
        y = (height - column_height) / 2
        for node_id in column:
            boxes[node_id] = Box(x, y, width, NODE_HEIGHT)
            y += NODE_HEIGHT + ROW_GAP
        x += width + gap
    total_width = max(x - (gaps[-1] if gaps else 0) + PADDING, 2 * PADDING)
    return Layout(boxes, total_width, height)


def _gaps(graph: Graph, layers: dict[str, int], count: int) -> list[float]:
    """Room after each layer for the labels of the edges leaving it."""
    gaps = [float(LAYER_GAP)] * count
    for edge in graph.edges:
        if edge.label:
            i = layers[edge.source]
            gaps[i] = max(gaps[i], len(edge.label) * CHAR_WIDTH * 0.9 + 2 * PADDING)
    return gaps


def _layers(graph: Graph) -> dict[str, int]:
    """Longest path from a source; a back edge (a cycle) is ignored rather than looping."""
    incoming: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for edge in graph.edges:
        incoming[edge.target].append(edge.source)
    layer: dict[str, int] = {}
    visiting: set[str] = set()

    def depth(node: str) -> int:
        if node in layer:
            return layer[node]
        visiting.add(node)
        parents = [p for p in incoming[node] if p not in visiting]
        layer[node] = 1 + max((depth(p) for p in parents), default=-1)
        visiting.discard(node)
        return layer[node]

    for node in graph.nodes:
        depth(node)
    return layer


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

            def barycenter(node: str, current: int) -> float:
                linked = [position[m] for m in neighbours[node] if m in position]
                return sum(linked) / len(linked) if linked else float(current)

            order[i] = [n for _, _, n in sorted((barycenter(n, p), p, n) for p, n in enumerate(order[i]))]
    return order
