"""A small directed graph of labelled nodes: what both diagram writers draw.

Mermaid and the SVG renderer take the same `Graph`, so the diagram in the
Markdown and the one in the HTML can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Edge", "Graph", "Node"]


@dataclass(frozen=True)
class Node:
    id: str  # unique within the graph; any characters (writers sanitise)
    label: str
    kind: str  # service, event, bus, rule, topic, queue, destination, function, table, team


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass
class Graph:
    """Nodes and edges in insertion order; adding a node twice is a no-op (stable output)."""

    title: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def node(self, id: str, label: str, kind: str) -> str:
        self.nodes.setdefault(id, Node(id, label, kind))
        return id

    def edge(self, source: str, target: str, label: str = "") -> None:
        """Parallel edges become one whose label lists each (labels would overlap otherwise)."""
        for i, existing in enumerate(self.edges):
            if (existing.source, existing.target) == (source, target):
                labels = [x for x in existing.label.split(", ") if x]
                if label and label not in labels:
                    self.edges[i] = Edge(source, target, ", ".join([*labels, label]))
                return
        self.edges.append(Edge(source, target, label))
