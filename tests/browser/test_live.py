"""The live path against real Socket.IO servers: python-socketio and Node's socket.io@4."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend
from tests.support.pages import BOOT_TIMEOUT_MS, HIDE, SHOW, Watched, open_page
from tests.support.site import PUBLIC_HOST, Served, built_site, live_env, serve, serve_live

pytestmark = pytest.mark.browser

# Chromium logs a failed WebSocket handshake itself while a server is down on purpose;
# no page code can silence it, so only that line is tolerated in the outage tests.
REFUSED = "net::ERR_CONNECTION_REFUSED"


@pytest.fixture(scope="module")
def python_backend() -> Iterator[Backend]:
    with Backend("python", scenario="degraded") as backend:
        yield backend


@pytest.fixture(scope="module")
def python_site(python_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(python_backend, sites_dir, PUBLIC_HOST, refresh=2) as served:
        yield served


@pytest.fixture
def backend(python_backend: Backend) -> Backend:
    python_backend.reset()
    return python_backend


def rendered_states(page: Any) -> dict[str, str]:
    return dict(
        page.eval_on_selector_all(
            "[data-shard-id]", "els => els.map(e => [e.dataset.shardId, e.dataset.state])"
        )
    )


def test_live_data_renders_with_source_live(
    backend: Backend, python_site: Served, watched: Watched
) -> None:
    """The page fetches a token, connects, emits once and renders the ack's clusters."""
    page = open_page(watched, python_site.url)
    assert page.get_attribute("html", "data-source") == "live"
    stats = backend.stats()
    assert stats["emits"] >= 1
    assert stats["last_auth"]["token"]
    clusters = backend.get_clusters()
    ids = page.eval_on_selector_all("[data-cluster-id]", "els => els.map(e => e.dataset.clusterId)")
    assert ids == [str(c["id"]) for c in sorted(clusters, key=lambda c: c["id"])]
    assert page.locator("#preview-banner").is_hidden()
    watched.assert_clean()


def test_a_change_on_the_server_shows_within_one_refresh(
    backend: Backend, python_site: Served, watched: Watched
) -> None:
    """A shard state changed server-side is on screen after the next emit (2 s cadence)."""
    page = open_page(watched, python_site.url)
    clusters = backend.get_clusters()
    running = next(c for c in clusters if c["status"] == "running")
    shard = running["shards"][0]
    shard["status"] = 5  # Disconnected
    backend.set_clusters(clusters)
    page.wait_for_selector(
        f'[data-shard-id="{shard["id"]}"][data-state="Disconnected"]', timeout=2 * 2000 + 3000
    )
    watched.assert_clean()


def test_hidden_tab_sends_no_emits_and_return_sends_exactly_one(
    backend: Backend, python_site: Served, watched: Watched
) -> None:
    """No emit reaches the server while hidden; becoming visible triggers one at once."""
    page = open_page(watched, python_site.url)
    backend.wait_for(lambda s: s["emits"] >= 1)
    page.evaluate(HIDE)
    hidden_from = backend.stats()["emits"]
    # Three refresh intervals pass while hidden; the server counts what arrives.
    page.wait_for_timeout(3 * 2000)
    assert backend.stats()["emits"] == hidden_from
    page.evaluate(SHOW)  # visibilitychange and focus together: still one request
    backend.wait_for(lambda s: s["emits"] == hidden_from + 1, timeout=1.5)
    stats = backend.stats()
    assert stats["emits"] == hidden_from + 1
    assert stats["max_in_flight"] <= 1
    watched.assert_clean()


def test_never_policy_without_backend_shows_unavailable_not_mock(
    sites_dir: Path, watched: Watched
) -> None:
    """STATUSPAGE_MOCK=never and nothing listening: no mock data, the unavailable notice."""

    class Nowhere:
        token_url = "http://localhost:9/ws-token"
        ws_url = "http://localhost:9"

    served = serve(built_site(sites_dir, **live_env(Nowhere())))
    try:
        page = watched.page
        page.goto(served.url)
        page.wait_for_selector("#notice:not([hidden])", timeout=BOOT_TIMEOUT_MS)
        assert "Live status unavailable" in page.inner_text("#notice")
        assert page.get_attribute("html", "data-source") is None
        assert page.locator("[data-cluster-id]").count() == 0
        assert page.locator("#preview-banner").is_hidden()
        # The first attempt may still be in flight when the first refresh gives up (a
        # loaded machine): the link must then move on to retrying by itself.
        page.wait_for_function(
            "() => ['reconnecting', 'offline']"
            ".includes(document.documentElement.dataset.connection)",
            timeout=20_000,
        )
    finally:
        served.close()
    assert watched.page_errors == []


@pytest.fixture(scope="module")
def node_backend() -> Iterator[Backend]:
    with Backend("node", scenario="degraded") as backend:
        yield backend


@pytest.fixture(scope="module")
def node_site(node_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(node_backend, sites_dir, PUBLIC_HOST, refresh=2) as served:
        yield served


@pytest.fixture
def node(node_backend: Backend) -> Backend:
    node_backend.reset()
    return node_backend


def test_node_server_sees_token_in_handshake_auth_and_ack_round_trips(
    node: Backend, node_site: Served, watched: Watched
) -> None:
    """Interop with socket.io@4: auth carries the fetched token; the ack renders."""
    page = open_page(watched, node_site.url)
    stats = node.stats()
    assert set(stats["last_auth"]) == {"token"}
    assert stats["tokens_issued"] >= 1
    assert page.get_attribute("html", "data-source") == "live"
    expected = {
        str(s["id"]) for c in node.get_clusters() if c["status"] == "running" for s in c["shards"]
    }
    assert set(rendered_states(page)) == expected
    watched.assert_clean()


def test_rejected_token_leads_to_a_fresh_token_and_a_successful_retry(
    node: Backend, node_site: Served, watched: Watched
) -> None:
    """connect_error for a refused token: the page fetches a new token and gets in."""
    node.set_fault(socket="reject-token")
    page = watched.page
    page.goto(node_site.url)
    node.wait_for(lambda s: s["connect_rejected"] >= 1, timeout=BOOT_TIMEOUT_MS / 1000)
    rejected_tokens = node.stats()["tokens_issued"]
    node.set_fault(socket=None)
    page.wait_for_selector("html[data-source='live']", state="attached", timeout=40_000)
    stats = node.stats()
    assert stats["connects"] >= 1
    assert stats["tokens_issued"] > rejected_tokens  # the successful attempt had a new token
    assert watched.page_errors == []


def test_server_killed_and_restarted_page_reconnects_with_fresh_data(
    node: Backend, node_site: Served, watched: Watched
) -> None:
    """Kill the socket.io process, restart it: the page reconnects by itself, no reload."""
    page = open_page(watched, node_site.url)
    node.kill()
    page.wait_for_selector(
        "html[data-connection='offline'], html[data-connection='reconnecting']",
        state="attached",
        timeout=15_000,
    )
    node.restart()
    clusters = node.get_clusters()
    running = next(c for c in clusters if c["status"] == "running")
    running["shards"][0]["status"] = 3  # Idle: data only the restarted server has
    node.set_clusters(clusters)
    page.wait_for_selector(
        f'[data-shard-id="{running["shards"][0]["id"]}"][data-state="Idle"]', timeout=40_000
    )
    assert page.get_attribute("html", "data-connection") == "connected"
    assert node.stats()["connects"] >= 1
    assert watched.page_errors == []
    assert all(REFUSED in e or "WebSocket" in e for e in watched.console_errors)


class _Nowhere:
    """Endpoints where nothing listens (port 9, discard)."""

    token_url = "http://localhost:9/ws-token"
    ws_url = "http://localhost:9"


def test_auto_policy_on_localhost_without_backend_falls_back_to_labelled_mock(
    sites_dir: Path, watched: Watched
) -> None:
    """Local preview: the token fetch fails, so auto shows mock data with the banner."""
    served = serve(built_site(sites_dir, **live_env(_Nowhere(), mock="auto")))
    try:
        page = open_page(watched, served.url + "/?scenario=operational")
        assert page.get_attribute("html", "data-source") == "mock"
        assert page.locator("#preview-banner").is_visible()
        assert page.locator("[data-cluster-id]").count() > 0
    finally:
        served.close()
    assert watched.page_errors == []


def test_auto_policy_on_a_public_host_never_shows_mock(sites_dir: Path, watched: Watched) -> None:
    """The same build opened under a non-local host name shows no made-up data at all."""
    served = serve(built_site(sites_dir, **live_env(_Nowhere(), mock="auto")), PUBLIC_HOST)
    try:
        page = watched.page
        page.goto(served.url + "/?scenario=operational")
        page.wait_for_selector("#notice:not([hidden])", timeout=BOOT_TIMEOUT_MS)
        assert page.get_attribute("html", "data-source") is None
        assert page.locator("[data-cluster-id]").count() == 0
        assert page.locator("#preview-banner").is_hidden()
    finally:
        served.close()
    assert watched.page_errors == []


def test_once_live_data_was_shown_a_failure_never_swaps_in_mock_data(
    sites_dir: Path, watched: Watched
) -> None:
    """On localhost with auto: live first, then the backend dies; the page stays live, stale."""
    with Backend("python", scenario="degraded") as backend:
        served = serve(built_site(sites_dir, **live_env(backend, mock="auto", refresh=1)))
        try:
            page = open_page(watched, served.url + "/")
            assert page.get_attribute("html", "data-source") == "live"
            shown = page.locator("[data-cluster-id]").count()
            backend.kill()
            page.wait_for_selector("html[data-stale]", state="attached", timeout=15_000)
            assert page.get_attribute("html", "data-source") == "live"
            assert page.locator("#preview-banner").is_hidden()
            assert page.locator("[data-cluster-id]").count() == shown  # last good data kept
        finally:
            served.close()
    assert watched.page_errors == []
