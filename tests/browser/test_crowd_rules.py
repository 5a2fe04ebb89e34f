"""The crowd rules in the real page, counted at a real socket.io@4 server.

A status page's visitors come in crowds, so the page obeys a token endpoint's
``Retry-After`` and spreads its asks (``app/model/reconnect.py``, ``app/model/scheduler.py``).
These tests check both from the server's side: when token requests and asks arrived.
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend
from tests.support.pages import BOOT_TIMEOUT_MS, READY, Watched, open_page
from tests.support.paths import ROOT
from tests.support.site import PUBLIC_HOST, Served, serve_live

pytestmark = pytest.mark.browser

EN = json.loads((ROOT / "locales" / "en.json").read_text())
REFRESH_S = 1.0
HOLD_S = 4
# Clock readings on one machine, by the same server: only their resolution differs.
CLOCK_SLACK_S = 0.02


@pytest.fixture(scope="module")
def node_backend() -> Iterator[Backend]:
    with Backend("node", scenario="degraded") as backend:
        yield backend


@pytest.fixture(scope="module")
def site(node_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(node_backend, sites_dir, PUBLIC_HOST, refresh=REFRESH_S) as served:
        yield served


@pytest.fixture
def node(node_backend: Backend) -> Backend:
    node_backend.reset()
    return node_backend


def notice(page: Any, text: str) -> str:
    """Wait until ``#notice`` shows ``text``; return the whole notice."""
    page.wait_for_function(
        "t => { const n = document.getElementById('notice'); "
        "return !n.hidden && n.textContent.includes(t); }",
        arg=text,
        timeout=BOOT_TIMEOUT_MS,
    )
    return str(page.inner_text("#notice"))


def test_a_busy_token_endpoint_holds_the_page_until_its_retry_after(
    node: Backend, site: Served, watched: Watched
) -> None:
    """503 with Retry-After: 4 on the first token request. The page says the status server
    asked it to wait and when it tries again, sends no token request before those 4 s
    (not even when the device comes back online meanwhile), then reaches live data by itself."""
    node.set_fault(token="busy", retry_after=str(HOLD_S), status=503)
    page = watched.page
    page.goto(site.url)
    text = notice(page, EN["error.token-busy"])
    assert EN["notice.retry_at"].split("{", 1)[0] in text, text
    first = node.stats()["token_times"]
    assert len(first) == 1
    node.set_fault(token=None)
    # The visitor's device reports it is online again: that cuts a normal wait short,
    # never a hold the server asked for.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(READY, state="attached", timeout=BOOT_TIMEOUT_MS)
    times = node.stats()["token_times"]
    assert len(times) == 2, times
    assert times[1] - times[0] >= HOLD_S - CLOCK_SLACK_S, times
    assert page.get_attribute("html", "data-source") == "live"
    page.wait_for_selector("#notice", state="hidden", timeout=10_000)
    assert watched.page_errors == []


def test_a_malformed_retry_after_falls_back_to_the_normal_wait(
    node: Backend, site: Served, watched: Watched
) -> None:
    """Retry-After: soon is garbage: the page reports a plain refusal (no promised time)
    and retries on its own rule, reaching live data once the endpoint answers."""
    node.set_fault(token="busy", retry_after="soon", status=429)
    page = watched.page
    page.goto(site.url)
    text = notice(page, EN["error.token-http"])
    assert EN["notice.retry_at"].split("{", 1)[0] not in text, text
    node.set_fault(token=None)
    page.wait_for_selector(READY, state="attached", timeout=BOOT_TIMEOUT_MS)
    assert watched.page_errors == []


def test_the_waits_between_one_tabs_asks_vary_around_the_interval(
    node: Backend, site: Served, watched: Watched
) -> None:
    """Read from the server's receive times: with a 1 s interval the gaps between asks
    spread over 0.75-1.25 s. Without the spread every gap would be the interval plus the
    ack's round trip, never shorter than the interval."""
    page = open_page(watched, site.url)
    asks = 22
    node.wait_for(lambda s: len(s["emit_times"]) >= asks, timeout=asks * 2 * REFRESH_S + 10)
    times = node.stats()["emit_times"][1:asks]  # the first ask is the boot's, at once
    gaps = [b - a for a, b in itertools.pairwise(times)]
    print("gaps between asks:", [round(g, 3) for g in gaps])
    assert min(gaps) >= 0.75 * REFRESH_S - CLOCK_SLACK_S, gaps
    assert min(gaps) < 0.97 * REFRESH_S, gaps  # shorter than the interval: only the spread
    assert max(gaps) - min(gaps) > 0.15 * REFRESH_S, gaps
    assert 0.9 * REFRESH_S < statistics.mean(gaps) < 1.3 * REFRESH_S, gaps
    assert page.get_attribute("html", "data-source") == "live"
    assert watched.page_errors == []
