"""Every file of the catalog as {relative path: text}: one pure function, so tests compare it to disk."""

from __future__ import annotations

from registry.catalog.html import render_html
from registry.catalog.markdown import event_page_path, render_event_page, render_index
from registry.catalog.model import Catalog

__all__ = ["render_site"]


def render_site(catalog: Catalog) -> dict[str, str]:
    files = {"index.md": render_index(catalog), "index.html": render_html(catalog)}
    for event in catalog.events:
        files[event_page_path(event)] = render_event_page(catalog, event)
    return dict(sorted(files.items()))
