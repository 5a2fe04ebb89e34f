"""At a glance, live: freshness, the connection indicator, what changed, sparklines, title.

Driven against ``Backend("python")`` (``mock/server.py``) with a 2 s refresh. The connection
to the status server is not the bot's health: losing the server must mark the data stale and
change the connection indicator, never turn the overall status into an outage.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend
from tests.support.pages import Watched, open_page
from tests.support.site import Served, serve_live

pytestmark = pytest.mark.browser

REFRESH_S = 2
# Stale once no refresh succeeded for 2 intervals; the page redraws once a second and the
# last success may be up to one interval before the kill, plus slack for a loaded machine.
STALE_WITHIN_MS = (2 * REFRESH_S + REFRESH_S + 1 + 3) * 1000
RECONNECT_MS = 40_000
# Chromium logs refused WebSocket handshakes while the server is down on purpose.
REFUSED = "net::ERR_CONNECTION_REFUSED"

READY, RECONNECTING, DISCONNECTED = 0, 2, 5
CLOCK = r"\d{1,2}:\d{2}:\d{2}(?:\s?[AP]M)?"


@pytest.fixture(scope="module")
def glance_backend() -> Iterator[Backend]:
    with Backend("python", scenario="degraded") as backend:
        yield backend


@pytest.fixture(scope="module")
def glance_site(glance_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    # STATUSPAGE_MOCK=never: no preview data even on 127.0.0.1. Served on 127.0.0.1 (a
    # trustworthy origin), so Chromium does not log that it ignores the COOP header.
    with serve_live(glance_backend, sites_dir, refresh=REFRESH_S) as served:
        yield served


def _revive(backend: Backend) -> None:
    if backend.frozen:
        backend.resume()
    if not backend.alive():
        backend.restart()


@pytest.fixture
def backend(glance_backend: Backend) -> Iterator[Backend]:
    _revive(glance_backend)
    glance_backend.reset()
    yield glance_backend
    _revive(glance_backend)


def open_live(watched: Watched, site: Served) -> Any:
    page = open_page(watched, site.url)
    page.wait_for_selector("html[data-connection='connected']", state="attached")
    assert page.get_attribute("html", "data-source") == "live"
    return page


def ready_shards(clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        s
        for c in clusters
        if c["status"] == "running"
        for s in c.get("shards", [])
        if s["status"] == READY
    ]


def details(page: Any) -> dict[str, str]:
    """The shard details popover as {label: value}."""
    return dict(
        page.eval_on_selector_all(
            "#shard-details dt",
            "els => els.map(e => [e.textContent, e.nextElementSibling.textContent])",
        )
    )


def test_backend_dies_data_turns_stale_and_connection_changes_but_status_is_not_outage(
    backend: Backend, glance_site: Served, watched: Watched
) -> None:
    """Kill the status server: within 2 intervals (+ slack) html[data-stale] and a
    'may be out of date' note appear and html[data-connection] leaves 'connected', while
    data-status and the overall title keep saying what the bot last reported. A restart
    makes the data fresh again."""
    page = open_live(watched, glance_site)
    status = page.get_attribute("html", "data-status")
    title = page.inner_text("#overall-title")
    assert status == "degraded" and title == "Partially degraded"
    assert page.get_attribute("html", "data-stale") is None
    assert page.inner_text("#connection") == "Live"

    backend.kill()
    page.wait_for_selector("html[data-stale]", state="attached", timeout=STALE_WITHIN_MS)
    page.wait_for_function(
        "() => document.documentElement.dataset.connection !== 'connected'", timeout=5000
    )
    assert page.get_attribute("html", "data-connection") in ("reconnecting", "offline")
    assert page.inner_text("#connection") != "Live"
    assert page.get_attribute("#updated", "data-stale") == ""
    assert "may be out of date" in page.inner_text("#updated")
    # The bot's health is unchanged: only the link to the status server is gone.
    assert page.get_attribute("html", "data-status") == status
    assert page.inner_text("#overall-title") == title
    assert page.title().startswith(title)
    assert page.locator("[data-shard-id]").count() > 0  # last good data stays on screen

    backend.restart()
    page.wait_for_selector(
        "html[data-connection='connected']:not([data-stale])",
        state="attached",
        timeout=RECONNECT_MS,
    )
    assert "may be out of date" not in page.inner_text("#updated")
    assert page.get_attribute("html", "data-status") == status
    assert watched.page_errors == []
    assert all(REFUSED in e or "WebSocket" in e for e in watched.console_errors)


def test_state_changes_are_listed_newest_first_and_counted_in_the_shard_details(
    backend: Backend, glance_site: Served, watched: Watched
) -> None:
    """Two shards change on the server one after the other: the list shows
    'HH:MM:SS Shard N: Ready → …' for both, the later one first; the first shard's details
    popover says 1 change and when."""
    page = open_live(watched, glance_site)
    assert page.locator("#changes-list li").count() == 0
    assert page.locator("#changes-empty").is_visible()
    clusters = backend.get_clusters()
    first, second = ready_shards(clusters)[:2]

    first["status"] = DISCONNECTED
    backend.set_clusters(clusters)
    page.wait_for_selector(f'[data-shard-id="{first["id"]}"][data-state="Disconnected"]')
    page.wait_for_function("() => document.querySelectorAll('#changes-list li').length === 1")
    second["status"] = RECONNECTING
    backend.set_clusters(clusters)
    page.wait_for_function("() => document.querySelectorAll('#changes-list li').length === 2")

    lines = page.eval_on_selector_all("#changes-list li", "els => els.map(e => e.textContent)")
    assert re.fullmatch(rf"{CLOCK} Shard {second['id']}: Ready → Reconnecting", lines[0]), lines
    assert re.fullmatch(rf"{CLOCK} Shard {first['id']}: Ready → Disconnected", lines[1]), lines
    assert page.locator("#changes-empty").is_hidden()

    page.click(f'[data-shard-id="{first["id"]}"]')
    page.wait_for_selector(f'#shard-details[data-shard="{first["id"]}"]', state="attached")
    shown = details(page)
    assert shown["Changes seen"] == "1"
    assert shown["State"] == "Disconnected"
    assert re.fullmatch(CLOCK, shown["Last change"]), shown
    watched.assert_clean()


def test_an_unchanged_shard_shows_no_transitions_in_its_details(
    backend: Backend, glance_site: Served, watched: Watched
) -> None:
    page = open_live(watched, glance_site)
    shard = ready_shards(backend.get_clusters())[0]
    page.click(f'[data-shard-id="{shard["id"]}"]')
    page.wait_for_selector(f'#shard-details[data-shard="{shard["id"]}"]', state="attached")
    shown = details(page)
    assert shown["Changes seen"] == "0"
    assert shown["Last change"] == "none since you opened the page"
    watched.assert_clean()


def test_ping_sparkline_appears_once_a_cluster_has_two_samples(
    backend: Backend, glance_site: Served, watched: Watched
) -> None:
    """Each refresh adds a ping sample per cluster; from the second one on, running
    clusters show svg.sparkline. Clusters with no pings (starting, stopped) never do."""
    page = open_live(watched, glance_site)
    clusters = backend.get_clusters()
    running = [c for c in clusters if c["status"] == "running"]
    idle = [c for c in clusters if c["status"] != "running"]
    assert running and idle
    emits_at_open = backend.stats()["emits"]
    for cluster in running:
        page.wait_for_selector(
            f'[data-cluster-id="{cluster["id"]}"] svg.sparkline polyline',
            state="attached",
            timeout=3 * REFRESH_S * 1000 + 3000,
        )
    assert backend.stats()["emits"] >= 2
    assert backend.stats()["emits"] >= emits_at_open
    points = page.get_attribute(f'[data-cluster-id="{running[0]["id"]}"] polyline', "points")
    assert len(points.split()) >= 2
    for cluster in idle:
        assert page.locator(f'[data-cluster-id="{cluster["id"]}"] svg.sparkline').count() == 0
    watched.assert_clean()


def test_updated_ago_ticks_between_refreshes(
    backend: Backend, glance_site: Served, watched: Watched
) -> None:
    """With the server frozen (SIGSTOP) no answer can arrive for the 10 s ack timeout, so
    no refresh renders anything; 'Updated … ago' still counts up, twice, while the time of
    the last update it names stays put."""
    page = open_live(watched, glance_site)
    page.wait_for_function("() => document.getElementById('updated').textContent !== ''")
    emits = backend.stats()["emits"]
    backend.wait_for(lambda s: s["emits"] > emits, timeout=3 * REFRESH_S + 3)
    backend.freeze()
    changed = "before => document.getElementById('updated').textContent !== before"
    texts = [page.inner_text("#updated")]
    for _ in range(2):
        page.wait_for_function(changed, arg=texts[-1], timeout=(REFRESH_S + 1) * 1000)
        texts.append(page.inner_text("#updated"))
    clock = re.compile(rf"\(({CLOCK})\)")
    names = [m.group(1) for m in map(clock.search, texts) if m]
    assert len(names) == 3, texts
    # The first change may still be an answer that was on its way; the next one is a tick.
    assert names[1] == names[2], texts
    assert texts[1] != texts[2]
    assert page.get_attribute("html", "data-status") == "degraded"
    watched.assert_clean()


def test_document_title_leads_with_the_overall_status_and_follows_it(
    backend: Backend, glance_site: Served, watched: Watched
) -> None:
    page = open_live(watched, glance_site)
    assert page.title().startswith("Partially degraded")
    assert page.title().startswith(page.inner_text("#overall-title"))
    clusters = backend.get_clusters()
    for cluster in clusters:
        cluster["status"] = "stopped"
        cluster.pop("shards", None)
    backend.set_clusters(clusters)
    page.wait_for_selector("html[data-status='outage']", state="attached")
    page.wait_for_function("() => document.title.startsWith('Major outage')")
    watched.assert_clean()


def test_summary_row_counts_ready_shards_running_clusters_totals_and_average_ping(
    backend: Backend, glance_site: Served, watched: Watched
) -> None:
    """Ready out of all shards, running out of all clusters, guild and member totals, and
    the mean ping over shards whose ping is known (-1 left out)."""
    page = open_live(watched, glance_site)
    clusters = backend.get_clusters()
    shards = [s for c in clusters if c["status"] == "running" for s in c.get("shards", [])]
    pings = [s["ping"] for s in shards if s["ping"] >= 0]
    assert len(pings) < len(shards), "the scenario should have a shard with ping -1"
    ready = sum(1 for s in shards if s["status"] == READY)
    running = sum(1 for c in clusters if c["status"] == "running")
    guilds = sum(c.get("guilds", 0) for c in clusters if c["status"] == "running")
    members = sum(c.get("members", 0) for c in clusters if c["status"] == "running")
    facts = dict(
        page.eval_on_selector_all(
            "#summary-facts dt",
            "els => els.map(e => [e.textContent, e.nextElementSibling.textContent])",
        )
    )
    assert facts == {
        "Shards ready": f"{ready} / {len(shards)}",
        "Clusters running": f"{running} / {len(clusters)}",
        "Servers": f"{guilds:,}",
        "Members": f"{members:,}",
        "Average ping": f"{round(sum(pings) / len(pings))} ms",
    }
    watched.assert_clean()


def test_a_growing_shard_list_updates_the_cluster_card_count(
    backend: Backend, glance_site: Served, watched: Watched
) -> None:
    """A reshard in progress: one cluster's shardList grows while its shards, guilds,
    members and uptime stay exactly the same. Within a refresh or two its card says
    "N of M+1 ready". (The card used to keep "N of M": its facts were reused under a
    hand-written key that left the shard-id count out.)"""
    clusters = backend.get_clusters()
    cluster = next(c for c in clusters if c["status"] == "running" and c.get("shards"))
    # Uptime in days and hours: its text cannot change while the test runs.
    cluster["createdAt"] = int(time.time() * 1000) - 3 * 86_400_000
    backend.set_clusters(clusters)  # and stop evolving: nothing else moves
    ready = sum(1 for s in cluster["shards"] if s["status"] == READY)
    total = len(cluster["shardList"])
    page = open_live(watched, glance_site)
    count = f"article[data-cluster-id='{cluster['id']}'] .facts > div:last-child dd"
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.textContent === text",
        arg=[count, f"{ready} of {total} ready"],
        timeout=10_000,
    )
    cluster["shardList"] = [*cluster["shardList"], max(cluster["shardList"]) + 1000]
    backend.set_clusters(clusters)
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.textContent === text",
        arg=[count, f"{ready} of {total + 1} ready"],
        timeout=(3 * REFRESH_S + 5) * 1000,
    )
