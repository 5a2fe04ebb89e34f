"""Find my shard, focus filters and "Copy diagnostics" on the built site with preview data.

The site is built with STATUSPAGE_MOCK=always and opened with ``?scenario=degraded``, whose
data is ``mock/degraded.json``. Expected shards are computed here from that file's
``shardList``s with Discord's formula, never read back from the page.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support import ROOT
from tests.support.pages import JS_STATE_NAMES, Watched, open_page
from tests.support.site import Served

pytestmark = pytest.mark.browser

DEGRADED: list[dict[str, Any]] = json.loads((ROOT / "mock" / "degraded.json").read_text())
ALL_IDS = sorted({i for c in DEGRADED for i in c["shardList"]})
TOTAL = len(ALL_IDS)

# (guild >> 22) % 16, worked out in tests/unit/test_lookup.py and checked below.
DISCORD_API = 81384788765712384  # shard 2: cluster 0, Ready
RECONNECTING_GUILD = 1174109841002598546  # shard 1: cluster 0, Reconnecting
DEVELOPERS = 613425648685547541  # shard 8: cluster 2, starting
STOPPED_GUILD = 1174109841048735890  # shard 12: cluster 3, stopped
CHANNEL, MESSAGE = 381887113391505410, 1234567890123456789


def expected(guild_id: int) -> tuple[int, dict[str, Any]]:
    """The shard the guild is on and the mock cluster whose shardList holds it."""
    assert list(range(TOTAL)) == ALL_IDS, "the mock shard IDs must be exactly 0..N-1"
    shard = (guild_id >> 22) % TOTAL
    cluster = next(c for c in DEGRADED if shard in c["shardList"])
    return shard, cluster


def mock_state(shard_id: int) -> str | None:
    for cluster in DEGRADED:
        for shard in cluster.get("shards", []):
            if shard["id"] == shard_id:
                return JS_STATE_NAMES[shard["status"]]
    return None


def found_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("[data-found]", "els => els.map(e => e.dataset.shardId)")


def open_degraded(watched: Watched, site: Served, query: str = "") -> Any:
    return open_page(watched, f"{site.url}/?scenario=degraded{query}")


def test_the_chosen_guilds_cover_ready_transitional_starting_and_stopped() -> None:
    """Guard for the cases below: each snowflake lands where its comment says."""
    assert expected(DISCORD_API)[0] == 2 and mock_state(2) == "Ready"
    assert expected(RECONNECTING_GUILD)[0] == 1 and mock_state(1) == "Reconnecting"
    assert expected(DEVELOPERS)[1]["status"] == "starting"
    assert expected(STOPPED_GUILD)[1]["status"] == "stopped"


@pytest.mark.parametrize(
    ("guild_id", "state_label"),
    [(DISCORD_API, "Ready"), (RECONNECTING_GUILD, "Reconnecting")],
    ids=["ready", "transitional"],
)
def test_guild_deep_link_highlights_exactly_the_right_shard_and_names_it(
    mock_site: Served, watched: Watched, guild_id: int, state_label: str
) -> None:
    """?guild=<id> on load: one [data-found], on the computed shard; the answer names
    shard, cluster and state in words."""
    shard, cluster = expected(guild_id)
    page = open_degraded(watched, mock_site, f"&guild={guild_id}")
    page.wait_for_selector("[data-found]", state="attached")
    assert found_ids(page) == [str(shard)]
    found = page.locator("[data-found]")
    assert found.get_attribute("data-state") == mock_state(shard)
    assert found.evaluate("e => e.closest('[data-cluster-id]').dataset.clusterId") == str(
        cluster["id"]
    )
    assert page.input_value("#guild-input") == str(guild_id)
    answer = page.inner_text("#lookup-result")
    assert f"Your server is on shard {shard} (cluster {cluster['id']}): {state_label}" in answer
    watched.assert_clean()


@pytest.mark.parametrize(
    ("guild_id", "cluster_label"),
    [(DEVELOPERS, "Starting"), (STOPPED_GUILD, "Stopped")],
    ids=["starting", "stopped"],
)
def test_guild_on_a_cluster_that_is_not_running_names_the_cluster_and_its_state(
    mock_site: Served, watched: Watched, guild_id: int, cluster_label: str
) -> None:
    """The shard has no element (its cluster reports none), so nothing carries data-found,
    and the answer says which cluster it is and that it is not running."""
    shard, cluster = expected(guild_id)
    page = open_degraded(watched, mock_site, f"&guild={guild_id}")
    page.wait_for_selector("#lookup-result[data-kind]", state="attached")
    assert page.get_attribute("#lookup-result", "data-kind") == "down"
    answer = page.inner_text("#lookup-result")
    assert f"shard {shard} (cluster {cluster['id']})" in answer
    assert cluster_label in answer
    assert found_ids(page) == []
    watched.assert_clean()


def test_found_shard_is_scrolled_into_view(mock_site: Served, watched: Watched) -> None:
    """On a small screen the found shard starts below the fold and is scrolled to."""
    page = watched.page
    page.set_viewport_size({"width": 400, "height": 420})
    shard, _ = expected(RECONNECTING_GUILD)
    open_degraded(watched, mock_site, f"&guild={RECONNECTING_GUILD}")
    selector = f'[data-shard-id="{shard}"][data-found]'
    page.wait_for_selector(selector, state="attached")
    page.wait_for_function(
        """sel => {
          const r = document.querySelector(sel).getBoundingClientRect();
          return r.top >= 0 && r.bottom <= innerHeight;
        }""",
        arg=selector,
    )
    top = page.eval_on_selector(selector, "e => e.getBoundingClientRect().top + scrollY")
    assert top > page.evaluate("innerHeight"), "the shard was above the fold anyway"
    watched.assert_clean()


def test_typing_a_valid_id_updates_the_url_in_place_and_finds_the_shard(
    mock_site: Served, watched: Watched
) -> None:
    """Typing the ID, character by character: the URL gains ?guild= via replaceState."""
    page = open_degraded(watched, mock_site)
    history_length = page.evaluate("history.length")
    assert found_ids(page) == []
    page.type("#guild-input", str(RECONNECTING_GUILD))
    page.wait_for_function(
        "id => new URLSearchParams(location.search).get('guild') === id",
        arg=str(RECONNECTING_GUILD),
    )
    assert page.evaluate("history.length") == history_length  # replaced, not pushed
    assert "scenario=degraded" in page.url
    shard, cluster = expected(RECONNECTING_GUILD)
    page.wait_for_selector(f'[data-shard-id="{shard}"][data-found]', state="attached")
    assert found_ids(page) == [str(shard)]
    assert f"shard {shard} (cluster {cluster['id']})" in page.inner_text("#lookup-result")
    watched.assert_clean()


@pytest.mark.parametrize(
    "link",
    [
        f"https://discord.com/channels/{DISCORD_API}/{CHANNEL}/{MESSAGE}",
        f"https://ptb.discord.com/channels/{DISCORD_API}/{CHANNEL}",
        f"https://canary.discordapp.com/channels/{DISCORD_API}/{CHANNEL}/{MESSAGE}",
    ],
    ids=["message", "ptb-channel", "canary-discordapp"],
)
def test_a_message_link_finds_the_guild_in_it(
    mock_site: Served, watched: Watched, link: str
) -> None:
    """A pasted link is read for its guild ID; the URL then carries the ID, not the link."""
    page = open_degraded(watched, mock_site)
    page.fill("#guild-input", link)
    shard, cluster = expected(DISCORD_API)
    page.wait_for_selector(f'[data-shard-id="{shard}"][data-found]', state="attached")
    assert found_ids(page) == [str(shard)]
    assert f"shard {shard} (cluster {cluster['id']})" in page.inner_text("#lookup-result")
    page.wait_for_function(
        "id => new URLSearchParams(location.search).get('guild') === id", arg=str(DISCORD_API)
    )
    watched.assert_clean()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12345", "A server ID is a number of 17 to 20 digits."),
        ("9223372036854775808", "That number is too large to be a Discord server ID."),
        ("https://discord.com/channels/@me/381887113391505410", "direct-message link"),
        ("https://discord.gg/abcdef", "Invite links do not contain the server ID."),
    ],
    ids=["short", "too-large", "dm-link", "invite"],
)
def test_invalid_input_shows_the_inline_error_and_highlights_nothing(
    mock_site: Served, watched: Watched, text: str, message: str
) -> None:
    """After a valid lookup, invalid input replaces the answer with an error, clears the
    highlight, and takes ?guild= out of the URL (a shared link must not name the server
    typed before); the other parameters stay."""
    page = open_degraded(watched, mock_site, f"&guild={DISCORD_API}")
    page.wait_for_selector("[data-found]", state="attached")
    page.fill("#guild-input", text)
    page.wait_for_selector("#lookup-result[data-kind='error']", state="attached")
    assert message in page.inner_text("#lookup-result")
    assert page.locator("#lookup-result").is_visible()
    assert found_ids(page) == []
    page.wait_for_function("() => !new URLSearchParams(location.search).has('guild')")
    assert "scenario=degraded" in page.url
    watched.assert_clean()


def test_invalid_guild_deep_link_shows_the_error_on_load(
    mock_site: Served, watched: Watched
) -> None:
    page = open_degraded(watched, mock_site, "&guild=not-a-server")
    page.wait_for_selector("#lookup-result[data-kind='error']", state="attached")
    assert "A server ID is a number" in page.inner_text("#lookup-result")
    assert found_ids(page) == []
    watched.assert_clean()


def shard_healths(page: Any) -> dict[str, str]:
    return dict(
        page.eval_on_selector_all(
            "[data-shard-id]", "els => els.map(e => [e.dataset.shardId, e.dataset.health])"
        )
    )


def cluster_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "[data-cluster-id]", "els => els.map(e => e.dataset.clusterId)"
    )


def test_problems_only_hides_healthy_shards_and_all_healthy_clusters(
    mock_site: Served, watched: Watched
) -> None:
    """Degraded data: only non-healthy shards stay; an added all-Ready cluster would be gone,
    so the operational scenario (all healthy) shows no cluster at all."""
    page = open_degraded(watched, mock_site)
    before = shard_healths(page)
    problems = {sid for sid, health in before.items() if health != "healthy"}
    assert problems and len(problems) < len(before)
    page.click("#problems-only")
    page.wait_for_selector("#problems-only[aria-pressed='true']", state="attached")
    page.wait_for_function("() => !document.querySelector('[data-shard-id][data-health=healthy]')")
    assert set(shard_healths(page)) == problems
    assert page.locator("#filter-status").is_visible()
    # Clusters that are not running are problems in themselves and stay listed.
    assert cluster_ids(page) == [str(c["id"]) for c in DEGRADED]

    page.click("#problems-only")
    page.wait_for_selector("#problems-only[aria-pressed='false']", state="attached")
    assert shard_healths(page) == before
    watched.assert_clean()


def test_problems_only_removes_clusters_whose_shards_are_all_healthy(
    mock_site: Served, watched: Watched
) -> None:
    page = open_page(watched, f"{mock_site.url}/?scenario=operational")
    assert cluster_ids(page) and set(shard_healths(page).values()) == {"healthy"}
    page.click("#problems-only")
    page.wait_for_function("() => !document.querySelector('[data-cluster-id]')")
    assert page.locator("[data-shard-id]").count() == 0
    watched.assert_clean()


def test_legend_state_button_filters_to_that_state_and_toggles_back(
    mock_site: Served, watched: Watched
) -> None:
    """Clicking the Reconnecting count shows only Reconnecting shards; clicking again
    shows everything."""
    page = open_degraded(watched, mock_site)
    everything = shard_healths(page)
    reconnecting = {str(s["id"]) for c in DEGRADED for s in c.get("shards", []) if s["status"] == 2}
    assert reconnecting
    button = page.locator("#legend button[data-action='filter-state'][data-value='Reconnecting']")
    assert button.get_attribute("data-count") == str(len(reconnecting))
    assert button.inner_text().endswith(str(len(reconnecting)))
    button.click()
    page.wait_for_selector(
        "#legend button[data-value='Reconnecting'][aria-pressed='true']", state="attached"
    )
    states = page.eval_on_selector_all("[data-shard-id]", "els => els.map(e => e.dataset.state)")
    assert set(states) == {"Reconnecting"}
    assert set(shard_healths(page)) == reconnecting
    holding = {str(c["id"]) for c in DEGRADED for s in c.get("shards", []) if s["status"] == 2}
    assert set(cluster_ids(page)) == holding

    button.click()
    page.wait_for_selector(
        "#legend button[data-value='Reconnecting'][aria-pressed='false']", state="attached"
    )
    assert shard_healths(page) == everything
    assert cluster_ids(page) == [str(c["id"]) for c in DEGRADED]
    watched.assert_clean()


def test_copy_diagnostics_puts_the_lookup_status_utc_time_locale_and_version_on_the_clipboard(
    mock_site: Served, context: Any, watched: Watched
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=mock_site.url)
    page = open_degraded(watched, mock_site, f"&guild={RECONNECTING_GUILD}")
    page.wait_for_selector("[data-found]", state="attached")
    footer = page.inner_text(".site-footer")
    version = re.search(r"Version (\S+)", footer)
    assert version, footer
    overall = page.inner_text("#overall-title")
    assert overall == "Partially degraded"

    page.click("#copy-diagnostics")
    page.wait_for_function("() => document.getElementById('copy-status').textContent !== ''")
    assert page.inner_text("#copy-status").startswith("Copied")
    text = page.evaluate("navigator.clipboard.readText()")
    lines = text.splitlines()

    shard, cluster = expected(RECONNECTING_GUILD)
    lookup = next(line for line in lines if line.startswith("Lookup: "))
    assert f"shard {shard} (cluster {cluster['id']}): Reconnecting" in lookup
    assert "ping" in lookup
    assert f"Overall status: {overall}" in lines
    assert "Locale: en" in lines
    assert f"Page version: {version.group(1)}" in lines
    stamp = next(line for line in lines if line.startswith("Time (UTC): "))
    at = datetime.strptime(stamp.removeprefix("Time (UTC): "), "%Y-%m-%d %H:%M:%S")
    assert abs(at.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=2)
    watched.assert_clean()
