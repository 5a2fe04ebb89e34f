"""A tab left open for a long time, compressed: 1,500 refreshes against changing data.

The demo backend evolves its clusters every 50 ms and the page refreshes every 50 ms (the
configuration allows it), so every cycle renders new data. After ~500 cycles (warmed up:
past the 10 s request timeout, whose pending timer handles fill up once) and again after
1,500 the page is sampled after forced garbage collection, both times while the backend
serves the same pinned data (so a count compares like with like): Pyodide's wasm memory, the JS
heap, DOM elements, live listener proxies, the applier's key map and Python objects. None
may grow by more than 5 %. The measuring lives in ``tests/support/soak.py``.

Why 1,000 measured cycles here and 5,000 in ``make bench`` (``tools/bench.py``, the same
``run_soak``): counts (DOM nodes, proxies, key-map entries) are exact, so a leak of one
per refresh shows as +1,000, far past 5 % of their few hundred, either way. The byte
figures are where length matters: 5 % of the ~40 MB wasm heap over 1,000 cycles is
~2 KB per refresh, over 4,500 it is ~450 B. ``make test`` keeps the fast gate
(about a minute instead of four and a half), ``make bench`` the fine one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend
from tests.support.pages import CHROMIUM_ARGS, chromium_path, open_page, watch
from tests.support.site import PUBLIC_HOST, Served, serve_live
from tests.support.soak import SOAK_BROWSER_ARGS, run_soak

pytestmark = pytest.mark.browser

REFRESH_S = 0.05
EARLY_CYCLES = 500
LATE_CYCLES = 1500
MAX_GROWTH = 0.05


@pytest.fixture(scope="module")
def server() -> Iterator[Backend]:
    with Backend("python", scenario="degraded", clusters=4, shards_per_cluster=4, tick=0.05) as b:
        yield b


@pytest.fixture(scope="module")
def site(server: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(server, sites_dir, PUBLIC_HOST, refresh=REFRESH_S) as served:
        yield served


@pytest.fixture(scope="module")
def soak_browser(playwright_instance: Any) -> Iterator[Any]:
    """Chromium with precise memory figures and a callable gc()."""
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), args=[*CHROMIUM_ARGS, *SOAK_BROWSER_ARGS]
    )
    yield browser
    browser.close()


@pytest.mark.timeout(600)
def test_a_thousand_refreshes_after_warm_up_grow_nothing(
    server: Backend, site: Served, soak_browser: Any
) -> None:
    """Memory, DOM nodes and live proxies stay within 5 % from cycle ~500 to 1,500."""
    context = soak_browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        watched = watch(context.new_page())
        server.reset()
        open_page(watched, site.url)
        page = watched.page
        result = run_soak(page, server, early_cycles=EARLY_CYCLES, late_cycles=LATE_CYCLES)
        print()
        print(result.report())
        stats = server.stats()
        assert result.late.cycles >= LATE_CYCLES
        assert stats["connects"] == 1, "the connection should have held the whole time"
        assert stats["max_in_flight"] <= 1
        assert page.get_attribute("html", "data-source") == "live"
        # Fresh again by the next answer: with a 50 ms interval, "stale" means no answer
        # for 100 ms, which one slow refresh on a busy machine can be (CI saw it once, at
        # the very moment this was read). A page stuck stale fails here.
        page.wait_for_selector("html:not([data-stale])", state="attached", timeout=10_000)
        assert watched.page_errors == []
        assert watched.console_errors == []
        # The four figures and the applier's key map are held to 5 %. Python's
        # GC-tracked object count is reported, not gated: it drifts by a few percent
        # (+0.8 % to +5.2 % over 4,500 cycles in different runs) while the model and
        # renderer alone stay flat under CPython; where the rest comes from (transport,
        # interpreter) is still open, see the issue note.
        gated = {k: v for k, v in result.grown(MAX_GROWTH).items() if k != "py_objects"}
        assert gated == {}, result.report()
        assert result.growth()["py_objects"] < 0.10, result.report()
    finally:
        context.close()
