"""The event catalog: tables, flows and routing derived from the registry, rendered as Markdown and HTML.

`build_catalog` turns a `Registry` into plain data (`model`); the renderers
(`markdown`, `html`) and diagram writers (`mermaid`, `svg`) only format it,
so every output shows the same facts in the same order.
"""

from __future__ import annotations

from registry.catalog.model import Catalog, build_catalog
from registry.catalog.site import render_site

__all__ = ["Catalog", "build_catalog", "render_site"]
