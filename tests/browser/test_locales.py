"""The four locale pages of the built site (mock mode): /, /de/, /fr/, /es/.

Each page speaks its own language before and after Python boots, formats numbers the
way its locale does, links to the same view in the other locales, and an unknown
prefix gets the 404 page.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.model.i18n import LOCALES, locale_path
from tests.support import ROOT
from tests.support.pages import Watched, open_page, watch
from tests.support.site import Served

pytestmark = pytest.mark.browser

NNBSP = "\u202f"
GUILD = "81384788765712384"
# The members count of cluster 0 in mock/degraded.json, as each locale writes it.
MEMBERS = {"en": "357,629", "de": "357.629", "fr": f"357{NNBSP}629", "es": "357.629"}
# Words Intl puts in a duration in days and in a relative time in the past.
DAY_WORD = {"en": "day", "de": "Tag", "fr": "jour", "es": "día"}
AGO_WORDS = {
    "en": ("ago", "now"),
    "de": ("vor", "jetzt"),
    "fr": ("il y a", "maintenant"),
    "es": ("hace", "ahora"),
}
JS_STATE_KEYS = {
    "Ready": "ready",
    "Connecting": "connecting",
    "Reconnecting": "reconnecting",
    "Idle": "idle",
    "Nearly": "nearly",
    "Disconnected": "disconnected",
    "WaitingForGuilds": "waiting_for_guilds",
    "Identifying": "identifying",
    "Resuming": "resuming",
}


@cache
def messages(locale: str) -> dict[str, str]:
    data = json.loads((ROOT / "locales" / f"{locale}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def fill(template: str, **params: str) -> str:
    for name, value in params.items():
        template = template.replace("{" + name + "}", value)
    return template


def degraded_cluster(cluster_id: int) -> dict[str, Any]:
    clusters = json.loads((ROOT / "mock" / "degraded.json").read_text())
    return next(c for c in clusters if c["id"] == cluster_id)


def texts(page: Any, selector: str) -> list[str]:
    return list(page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)"))


@pytest.mark.parametrize("locale", LOCALES)
def test_each_locale_page_shows_its_own_translation(
    mock_site: Served, watched: Watched, locale: str
) -> None:
    """lang, title, overall status, cluster and shard labels all come from <locale>.json."""
    t = messages(locale)
    page = open_page(watched, f"{mock_site.url}{locale_path(locale)}?scenario=degraded")
    assert page.get_attribute("html", "lang") == locale
    assert page.locator("#overall-title").text_content() == t["overall.degraded"]
    assert page.title() == fill(t["title.status"], status=t["overall.degraded"])

    card = '[data-cluster-id="0"]'
    assert page.locator(f"{card} h3").text_content() == fill(t["cluster.name"], id="0")
    assert page.locator(f"{card} .badge").text_content() == t["cluster.state.running"]
    assert texts(page, f"{card} .facts dt") == [
        t["cluster.uptime"],
        t["cluster.guilds"],
        t["cluster.members"],
        t["cluster.shards"],
    ]
    stopped = '[data-cluster-id="3"] .badge'
    assert page.locator(stopped).text_content() == t["cluster.state.stopped"]
    shards = page.eval_on_selector_all(
        "[data-shard-id]",
        "els => els.map(e => [e.dataset.state, e.querySelector('.shard-state').textContent])",
    )
    assert shards
    for js_name, label in shards:
        assert label == t[f"shard.state.{JS_STATE_KEYS[js_name]}"]
    watched.assert_clean()


@pytest.mark.parametrize("locale", LOCALES)
def test_numbers_durations_and_times_follow_the_locale(
    mock_site: Served, watched: Watched, locale: str
) -> None:
    """357629 members: 357,629 / 357.629 / 357 629 (narrow no-break space) / 357.629."""
    assert degraded_cluster(0)["members"] == 357629
    page = open_page(watched, f"{mock_site.url}{locale_path(locale)}?scenario=degraded")
    uptime, _guilds, members, _shards = texts(page, '[data-cluster-id="0"] .facts dd')
    assert members == MEMBERS[locale]
    assert DAY_WORD[locale] in uptime, uptime
    updated = page.locator("#updated").text_content()
    prefix = messages(locale)["updated.ago"].split("{", 1)[0]
    assert updated.startswith(prefix), updated
    assert any(word in updated for word in AGO_WORDS[locale]), updated
    watched.assert_clean()


def test_locale_switcher_keeps_the_view_and_the_query(mock_site: Served, watched: Watched) -> None:
    """Each language link points at the same view; following one keeps ?guild=…"""
    query = f"?scenario=degraded&guild={GUILD}"
    page = open_page(watched, f"{mock_site.url}/de/{query}")
    hrefs = {loc: page.get_attribute(f"#locale-{loc}", "href") for loc in LOCALES}
    assert hrefs == {loc: f"{locale_path(loc)}{query}" for loc in LOCALES}
    assert page.get_attribute("#locale-de", "aria-current") == "page"
    assert page.locator("#locale-fr").text_content() == "Français"

    page.click("#locale-fr")
    page.wait_for_url(f"{mock_site.url}/fr/{query}")
    page.wait_for_selector("html[data-ready]", state="attached", timeout=60_000)
    assert page.get_attribute("html", "lang") == "fr"
    assert page.input_value("#guild-input") == GUILD
    assert page.get_attribute("#locale-es", "href") == f"/es/{query}"
    assert page.get_attribute("#locale-fr", "aria-current") == "page"

    page.click("#locale-en")
    page.wait_for_url(f"{mock_site.url}/{query}")
    page.wait_for_selector("html[data-ready]", state="attached", timeout=60_000)
    assert page.get_attribute("html", "lang") == "en"
    watched.assert_clean()


def test_locale_links_keep_the_query_before_python_boots(mock_site: Served, context: Any) -> None:
    """With PyScript held back, the static links already carry the query string."""
    page = context.new_page()
    page.route("**/core.js", lambda route: route.abort())
    page.goto(f"{mock_site.url}/es/?guild={GUILD}")
    page.wait_for_load_state("domcontentloaded")
    assert page.get_attribute("#locale-de", "href") == f"/de/?guild={GUILD}"
    assert page.get_attribute("#locale-en", "href") == f"/?guild={GUILD}"
    assert page.get_attribute("html", "data-ready") is None


def test_unknown_prefix_is_a_404_linking_to_every_locale(
    mock_site: Served, watched: Watched
) -> None:
    page = watched.page
    response = page.goto(f"{mock_site.url}/xx/")
    assert response is not None and response.status == 404
    assert page.title() == messages("en")["notfound.title"]
    links = page.eval_on_selector_all(
        ".not-found-links a",
        "els => els.map(e => [e.getAttribute('href'), e.lang, e.textContent])",
    )
    assert links == [[locale_path(loc), loc, messages(loc)["locale.name"]] for loc in LOCALES]
    # Chromium logs the document's own 404 status; its stylesheet and icon must load fine.
    assert len(watched.console_errors) == 1 and "404" in watched.console_errors[0]
    watched.console_errors.clear()
    page.click("a[hreflang=de]")
    page.wait_for_url(f"{mock_site.url}/de/")
    assert page.get_attribute("html", "lang") == "de"
    watched.assert_clean()


@pytest.mark.parametrize("locale", LOCALES)
def test_without_javascript_each_page_speaks_its_language(
    mock_site: Served, browser: Any, locale: str
) -> None:
    """The static skeleton: localized header, "Connecting…", placeholders and head links."""
    t = messages(locale)
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        watched = watch(context.new_page())
        page = watched.page
        response = page.goto(f"{mock_site.url}{locale_path(locale)}")
        assert response is not None and response.status == 200
        assert page.get_attribute("html", "lang") == locale
        assert page.title() == t["meta.title"]
        description = page.get_attribute('meta[name="description"]', "content")
        assert description == t["meta.description"]
        assert page.locator(".site-name").inner_text() == t["site.name"]
        assert page.locator(".tagline").inner_text() == t["site.tagline"]
        assert page.locator("#overall-title").inner_text() == t["overall.connecting"]
        assert page.locator("#connection").inner_text() == t["connection.connecting"]
        assert page.locator("#overall-title").is_visible()
        placeholders = texts(page, "#placeholders .ph-line")
        assert placeholders and set(placeholders) == {t["clusters.placeholder"]}
        assert page.locator("#lookup-heading").inner_text() == t["lookup.heading"]

        alternates = dict(
            page.eval_on_selector_all(
                'link[rel="alternate"][hreflang]',
                "els => els.map(e => [e.hreflang, new URL(e.href).pathname])",
            )
        )
        assert alternates == {**{loc: locale_path(loc) for loc in LOCALES}, "x-default": "/"}
        canonical = page.get_attribute('link[rel="canonical"]', "href")
        assert canonical is not None and urlsplit(canonical).path == locale_path(locale)
        names = texts(page, ".locale-nav a")
        assert names == [messages(loc)["locale.name"] for loc in LOCALES]

        page.screenshot(path=f"/tmp/nojs-{locale}.png")
        watched.assert_clean()
    finally:
        context.close()
