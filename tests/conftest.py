"""Shared fixtures: built sites, a static server, Chromium, watched pages.

Browser tests build the real site (``tools/build.py``) with the environment they need,
serve it over HTTP with ``tools/serve.py`` and drive Debian's Chromium through
Playwright. Every browser test requests the ``served`` / ``browser`` fixtures itself;
nothing depends on test order. Only fixtures and hooks live here: the helpers they use
are in ``tests/support/`` (``site``, ``pages``), where test modules import them from.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.pages import (
    CHROMIUM_ARGS,
    Watched,
    chromium_path,
    watch,
)
from tests.support.site import Served, built_site, serve

# `make browser` runs the browser tests in parallel processes (pytest-xdist, --dist
# loadgroup): one test at a time to whichever worker is free, except groups that share
# something expensive to start, which stay on one worker (each engine's class in
# tests/engines/ is grouped there). The soak, the longest single test, goes first so that
# it does not run alone at the end.
_GROUPS = {"test_cloudflare.py": "workerd"}  # one `wrangler dev` for the module
_FIRST = ("test_soak.py",)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = _GROUPS.get(item.path.name)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: item.path.name not in _FIRST)


@pytest.fixture(scope="session")
def sites_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("sites")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def mock_site(sites_dir: Path) -> Iterator[Served]:
    """The site built with STATUSPAGE_MOCK=always, served on 127.0.0.1."""
    served = serve(built_site(sites_dir, STATUSPAGE_MOCK="always"))
    yield served
    served.close()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def watched(context: Any) -> Watched:
    """A fresh page in a fresh context, recording console errors and requests."""
    return watch(context.new_page())
