"""Inline SVG for a `Graph`, laid out by `registry.catalog.layout`: no scripts, no fonts to fetch."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from registry.catalog.graph import Graph
from registry.catalog.layout import BACK_LABEL_HEIGHT, Box, layout

__all__ = ["KIND_COLOURS", "to_svg"]

# Fill colours per node kind, readable with dark text; the legend in the HTML uses the same table.
KIND_COLOURS = {
    "service": "#dbeafe",
    "team": "#e0e7ff",
    "event": "#fef3c7",
    "bus": "#fde68a",
    "rule": "#fce7f3",
    "topic": "#dcfce7",
    "queue": "#d1fae5",
    "destination": "#ede9fe",
    "function": "#ffedd5",
    "table": "#e5e7eb",
}


def to_svg(graph: Graph, element_id: str) -> str:
    placed = layout(graph)
    marker = f"{element_id}-arrow"
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" id={quoteattr(element_id)} class="diagram" role="img" '
            f'width="{placed.width:.0f}" height="{placed.height:.0f}" viewBox="0 0 {placed.width:.0f} {placed.height:.0f}">'
        ),
        f"<title>{escape(graph.title)}</title>",
        (
            f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#475569"/></marker></defs>'
        ),
    ]
    stacked: dict[str, int] = {}  # back-edge labels already placed under each target
    for edge in graph.edges:
        a, b = placed.boxes[edge.source], placed.boxes[edge.target]
        if (edge.source, edge.target) in placed.back:
            level = stacked[edge.target] = stacked.get(edge.target, -1) + 1
            parts.append(_back_edge(a, b, edge.label, marker, placed.height, level))
        else:
            parts.append(_edge(a, b, edge.label, marker))
    for node_id, node in graph.nodes.items():
        box = placed.boxes[node_id]
        fill = KIND_COLOURS.get(node.kind, "#f1f5f9")
        radius = 17 if node.kind in ("event", "bus") else 4
        parts.append(
            f'<g class="node {escape(node.kind)}"><title>{escape(node.kind)}: {escape(node.label)}</title>'
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" rx="{radius}" '
            f'fill="{fill}" stroke="#475569"/>'
            f'<text x="{box.x + box.width / 2:.1f}" y="{box.y + box.height / 2 + 4:.1f}" text-anchor="middle">{escape(node.label)}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(a: Box, b: Box, label: str, marker: str) -> str:
    x1, y1 = a.x + a.width, a.y + a.height / 2
    x2, y2 = b.x, b.y + b.height / 2
    bend = max((x2 - x1) / 2, 20)
    return _path(
        f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}",
        label,
        (x1 + x2) / 2,
        (y1 + y2) / 2 - 4,
        "middle",
        marker,
    )


def _back_edge(a: Box, b: Box, label: str, marker: str, bottom: float, level: int) -> str:
    """Leave from the bottom, run under everything, enter the target from below; labels stack by `level`."""
    x1, y1 = a.x + a.width / 2, a.y + a.height
    x2, y2 = b.x + b.width / 2, b.y + b.height
    low = bottom - 6
    return _path(
        f"M{x1:.1f},{y1:.1f} C{x1:.1f},{low:.1f} {x2:.1f},{low:.1f} {x2:.1f},{y2:.1f}",
        label,
        x2 + 6,
        low - 8 - level * BACK_LABEL_HEIGHT,
        "start",
        marker,
    )


def _path(d: str, label: str, x: float, y: float, anchor: str, marker: str) -> str:
    path = f'<path d="{d}" fill="none" stroke="#475569" marker-end="url(#{marker})"/>'
    if not label:
        return path
    return f'<g class="edge">{path}<text class="edge-label" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(label)}</text></g>'
