"""The committed catalog under docs/catalog: never stale, and the HTML renders cleanly in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from registry.catalog import build_catalog, render_site
from registry.loader import load_registry

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "docs" / "catalog"
REGENERATE = "cd <repo> && .venv/bin/python -m registry catalog && git add docs/catalog"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _committed() -> dict[str, str]:
    return {
        p.relative_to(CATALOG).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(CATALOG.rglob("*"))
        if p.is_file()
    }


def test_committed_catalog_matches_what_the_contracts_generate() -> None:
    expected = render_site(build_catalog(load_registry(REPO / "contracts", display_root=REPO)))
    committed = _committed()
    missing = sorted(set(expected) - set(committed))
    extra = sorted(set(committed) - set(expected))
    different = sorted(k for k in set(expected) & set(committed) if expected[k] != committed[k])
    assert not (missing or extra or different), (
        f"docs/catalog is stale (missing {missing}, extra {extra}, different {different}); regenerate it: {REGENERATE}"
    )


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _render(page: Path) -> tuple[str, list[str]]:
    """The DOM after load and every console message the page produced (Chromium logs them as CONSOLE)."""
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium not found (install the Debian package `chromium`); the catalog HTML was not rendered")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                browser,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=90,
            env={**os.environ, "HOME": profile},
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def rendered() -> tuple[str, list[str]]:
    return _render(CATALOG / "index.html")


def test_html_catalog_renders_its_tables_and_diagrams_in_chromium(rendered: tuple[str, list[str]]) -> None:
    dom, _ = rendered
    catalog = build_catalog(load_registry(REPO / "contracts", display_root=REPO))
    assert '<table class="events">' in dom
    assert dom.count('<table class="design">') == len(catalog.flows)
    for event in catalog.events:
        assert f'id="event-{event.key.replace("/", "-")}"' in dom
    for flow in catalog.flows:
        assert re.search(rf'<svg [^>]*id="svg-flow-{re.escape(flow.slug)}"', dom)
    routing = re.search(r'<svg [^>]*id="svg-routing".*?</svg>', dom, re.DOTALL)
    assert routing and routing.group(0).count("<rect") == len(catalog.routing.nodes)


def test_html_catalog_logs_nothing_to_the_console(rendered: tuple[str, list[str]]) -> None:
    _, console = rendered
    assert console == []


def test_console_check_does_catch_a_page_that_errors(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="missing.png"><script>throw new Error("boom")</script></body></html>'
    )
    _, console = _render(page)
    assert any("Uncaught Error: boom" in line for line in console)
