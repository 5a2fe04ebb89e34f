"""The built site in mock mode: every scenario renders truthfully, labelled as a preview."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.support import ROOT
from tests.support.pages import JS_STATE_NAMES, Watched, open_page
from tests.support.site import Served

pytestmark = pytest.mark.browser

EXPECTED_STATUS = {
    "operational": "operational",
    "degraded": "degraded",
    "outage": "outage",
    "empty": "unknown",
}


def mock_clusters(scenario: str) -> list[dict]:
    return json.loads((ROOT / "mock" / f"{scenario}.json").read_text())


@pytest.mark.parametrize("scenario", sorted(EXPECTED_STATUS))
def test_each_scenario_renders_its_clusters_shards_and_status(
    mock_site: Served, watched: Watched, scenario: str
) -> None:
    """Every cluster and shard of the mock file appears with the right hooks and states."""
    page = open_page(watched, f"{mock_site.url}/?scenario={scenario}")
    html = page.locator("html")
    assert html.get_attribute("data-status") == EXPECTED_STATUS[scenario]
    assert html.get_attribute("data-source") == "mock"

    clusters = mock_clusters(scenario)
    rendered_clusters = page.eval_on_selector_all(
        "[data-cluster-id]", "els => els.map(e => e.dataset.clusterId)"
    )
    assert rendered_clusters == [str(c["id"]) for c in sorted(clusters, key=lambda c: c["id"])]

    expected_shards = {
        str(s["id"]): JS_STATE_NAMES[s["status"]]
        for c in clusters
        if c["status"] == "running"
        for s in c.get("shards", [])
    }
    rendered_shards = dict(
        page.eval_on_selector_all(
            "[data-shard-id]", "els => els.map(e => [e.dataset.shardId, e.dataset.state])"
        )
    )
    assert rendered_shards == expected_shards
    watched.assert_clean()


def test_preview_banner_is_shown_with_mock_data(mock_site: Served, watched: Watched) -> None:
    page = open_page(watched, f"{mock_site.url}/?scenario=operational")
    banner = page.locator("#preview-banner")
    assert banner.is_visible()
    assert banner.inner_text() == "Preview data — not live"


def test_title_and_favicon_follow_the_overall_status(mock_site: Served, watched: Watched) -> None:
    """The favicon is a painted data: URL and differs between statuses; the title names it."""
    page = open_page(watched, f"{mock_site.url}/?scenario=operational")
    operational_icon = page.get_attribute("#favicon", "href")
    assert operational_icon.startswith("data:image/png")
    assert page.title().startswith("All systems operational")

    open_page(watched, f"{mock_site.url}/?scenario=outage")
    outage_icon = page.get_attribute("#favicon", "href")
    assert outage_icon.startswith("data:image/png")
    assert outage_icon != operational_icon
    assert page.title().startswith("Major outage")
    watched.assert_clean()


def test_page_requests_nothing_from_foreign_origins(mock_site: Served, watched: Watched) -> None:
    """Runtime, wheels and app are self-hosted: every request goes to the page's own origin."""
    open_page(watched, f"{mock_site.url}/?scenario=degraded")
    # PyScript's worker starts from a blob: URL, whose origin is the page's own.
    inner = [u.removeprefix("blob:") for u in watched.requests if not u.startswith("data:")]
    origins = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in inner}
    assert origins == {mock_site.url}
    assert any(u.endswith("pyodide.asm.wasm") for u in watched.requests)
    watched.assert_clean()


def test_cluster_card_shows_uptime_guilds_and_members(mock_site: Served, watched: Watched) -> None:
    """A running cluster's facts are formatted numbers; a stopped one shows dashes."""
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    running = next(c for c in mock_clusters("degraded") if c["status"] == "running")
    card = page.locator(f'[data-cluster-id="{running["id"]}"]')
    text = card.inner_text()
    assert f"{running['guilds']:,}" in text
    assert f"{running['members']:,}" in text
    assert "hour" in text or "day" in text or "minute" in text
    stopped = next(c for c in mock_clusters("degraded") if c["status"] == "stopped")
    stopped_text = page.locator(f'[data-cluster-id="{stopped["id"]}"]').inner_text()
    assert "Stopped" in stopped_text
    assert "—" in stopped_text
