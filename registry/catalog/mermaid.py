"""Mermaid `flowchart LR` text for a `Graph`, for the Markdown pages (GitHub renders it)."""

from __future__ import annotations

import re

from registry.catalog.graph import Graph

__all__ = ["to_mermaid"]

# Node shapes by kind: a bus is a wide pill, events are stadiums, queues and topics cylinders.
_SHAPES = {
    "bus": ("([", "])"),
    "event": ("([", "])"),
    "queue": ("[(", ")]"),
    "topic": ("[(", ")]"),
    "table": ("[(", ")]"),
    "rule": ("{{", "}}"),
    "function": ("[[", "]]"),
}


def to_mermaid(graph: Graph) -> str:
    ids = {node_id: f"n{i}" for i, node_id in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node_id, node in graph.nodes.items():
        left, right = _SHAPES.get(node.kind, ("[", "]"))
        lines.append(f'  {ids[node_id]}{left}"{_text(node.label)}"{right}')
    for edge in graph.edges:
        arrow = f'-->|"{_text(edge.label)}"|' if edge.label else "-->"
        lines.append(f"  {ids[edge.source]} {arrow} {ids[edge.target]}")
    return "\n".join(lines)


def _text(label: str) -> str:
    """Mermaid labels in quotes accept anything but a double quote; use its entity."""
    return re.sub(r'"', "#quot;", label)
