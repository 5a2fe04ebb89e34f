"""The last known status at first paint: static/last-known.js and its takeover.

A returning visitor sees what the page last showed with live data, painted from
localStorage before Python starts, marked ``<html data-source="cache" data-stale>`` with
"Last known status, <time> — connecting…"; Python's first data replaces it in one batch.
The live backend's token endpoint hangs ("hang" fault) while the cached view is
observed, so nothing but the cache can be on screen; clearing the fault lets live data in.
A payload is captured once from a real live visit and seeded into later contexts with an
init script, so each test controls exactly what storage holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT
from tests.support.backends import Backend
from tests.support.pages import READY, open_page, watch
from tests.support.site import PUBLIC_HOST, Served, serve_live

pytestmark = pytest.mark.browser

KEY = "statuspage-last"
CACHED = "html[data-source='cache'][data-stale]"
LIVE = "html[data-ready][data-source='live']:not([data-stale])"
BOOTED = "html[data-boot='running']"
HOUR_MS = 3_600_000
EN = json.loads((ROOT / "locales" / "en.json").read_text())
DE = json.loads((ROOT / "locales" / "de.json").read_text())
IMG = "<img src=x onerror=\"window.__pwned='img'\">"
SCRIPT = "<script>window.__pwned='script'</script>"
SVG = "<svg onload=\"window.__pwned='svg'\"></svg>"

# Layout shifts (as tools/bench.py counts them), and whether #clusters was ever seen empty
# after the cached paint: a MutationObserver runs after each task, so an empty grid
# between the removal of the painted nodes and Python's own would be recorded.
PROBE = """
window.__pwned = undefined;
window.__probe = {cls: 0, emptied: false};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__probe.cls += e.value;
}).observe({type: 'layout-shift', buffered: true});
document.addEventListener('DOMContentLoaded', () => {
  const clusters = document.getElementById('clusters');
  new MutationObserver(() => {
    if (clusters.childElementCount === 0) window.__probe.emptied = true;
  }).observe(clusters, {childList: true});
});
"""


def seed(payload: str) -> str:
    return f"localStorage.setItem({json.dumps(KEY)}, {json.dumps(payload)});"


def tiles(page: Any) -> list[tuple[str, str]]:
    return [
        tuple(x)
        for x in page.eval_on_selector_all(
            "#clusters [data-shard-id]", "els => els.map(e => [e.dataset.shardId, e.dataset.state])"
        )
    ]


def cache_reason(page: Any) -> str:
    return str(page.evaluate("window.statuspageLastKnown.reason"))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server() -> Iterator[Backend]:
    with Backend("python", scenario="degraded") as backend:
        yield backend


@pytest.fixture(scope="module")
def site(server: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(server, sites_dir, PUBLIC_HOST, refresh=2) as served:
        yield served


@pytest.fixture
def backend(server: Backend) -> Iterator[Backend]:
    server.reset()
    yield server
    server.set_fault(token=None)


@pytest.fixture(scope="module")
def live_visit(browser: Any, server: Backend, site: Served) -> dict[str, Any]:
    """One real live visit: what it showed and the payload it stored."""
    server.reset()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = open_page(watch(context.new_page()), site.url)
        page.wait_for_function(f"() => localStorage.getItem({json.dumps(KEY)}) !== null")
        return {
            "payload": page.evaluate(f"localStorage.getItem({json.dumps(KEY)})"),
            "tiles": tiles(page),
            "title": page.text_content("#overall-title"),
            "status": page.get_attribute("html", "data-status"),
        }
    finally:
        context.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(PROBE)
    yield context
    context.close()


def edited(payload: str, **changes: Any) -> str:
    data = json.loads(payload)
    data.update(changes)
    return json.dumps(data)


# --------------------------------------------------------------------------- tests


def test_second_visit_shows_the_last_live_status_marked_then_live_data_takes_over(
    context: Any, backend: Backend, site: Served
) -> None:
    """Visit 1 stores; visit 2 paints it at load (token hanging), marked as cache and stale
    and without data-ready, keeps it while Python runs, then live data replaces it in one
    batch: no empty grid in between, no duplicate tiles, no layout shift."""
    first = watch(context.new_page())
    open_page(first, site.url)
    first.page.wait_for_function(f"() => localStorage.getItem({json.dumps(KEY)}) !== null")
    shown = tiles(first.page)
    title = first.page.text_content("#overall-title")
    first.page.close()

    backend.set_fault(token="hang")
    second = watch(context.new_page())
    page = second.page
    page.goto(site.url)  # returns after "load": the paint script has run
    assert page.locator(CACHED).count() == 1
    assert page.get_attribute("html", "data-ready") is None
    assert page.evaluate("window.statuspageLastKnown.shown") is True
    assert tiles(page) == shown
    assert page.text_content("#overall-title") == title
    marker = page.text_content("#updated") or ""
    assert marker.startswith("Last known status, ") and marker.endswith(" — connecting…")
    assert page.get_attribute("#updated", "data-stale") == ""
    assert page.locator("#placeholders").count() == 0
    assert page.locator("#summary-facts dd").count() == 5

    # Python is running (it reports where) and still leaves the cached view alone.
    page.wait_for_function("() => window.statuspage.debug.python !== null", timeout=60_000)
    assert page.locator(CACHED).count() == 1
    assert tiles(page) == shown

    backend.set_fault(token=None)
    page.wait_for_selector(LIVE, state="attached", timeout=60_000)
    assert page.evaluate("window.statuspageLastKnown.shown") is False
    live = tiles(page)
    expected = {str(s["id"]) for c in backend.get_clusters() for s in c.get("shards", [])}
    assert len(live) == len(set(live)) and {sid for sid, _ in live} == expected
    assert "Last known status" not in (page.text_content("#updated") or "")
    probe = page.evaluate("window.__probe")
    assert probe["emptied"] is False
    assert probe["cls"] <= 0.05, probe
    assert page.evaluate("window.__pwned") is None
    second.assert_clean()


def test_preview_data_is_never_stored_nor_painted(context: Any, mock_site: Served) -> None:
    """A page showing mock data keeps nothing, so the next visit paints nothing."""
    page = open_page(watch(context.new_page()), mock_site.url)
    assert page.get_attribute("html", "data-source") == "mock"
    page.wait_for_function("() => window.statuspage.debug.renders.length >= 2")
    assert page.evaluate(f"localStorage.getItem({json.dumps(KEY)})") is None
    page.reload()
    assert cache_reason(page) == "none"
    page.wait_for_selector(READY, state="attached", timeout=60_000)
    assert page.get_attribute("html", "data-source") == "mock"


@pytest.mark.parametrize(
    ("hours", "reason"),
    [(23, "shown"), (25, "expired")],
)
def test_nothing_older_than_24_hours_is_shown(
    context: Any,
    backend: Backend,
    site: Served,
    live_visit: dict[str, Any],
    hours: int,
    reason: str,
) -> None:
    """With the page's clock moved on (Playwright's clock), 23 h old is shown and says
    so; 25 h old is not shown at all."""
    backend.set_fault(token="hang")
    saved_at = json.loads(live_visit["payload"])["saved_at"]
    context.add_init_script(seed(live_visit["payload"]))
    page = context.new_page()
    page.clock.set_fixed_time((saved_at + hours * HOUR_MS) / 1000)  # seconds
    page.goto(site.url)
    assert cache_reason(page) == reason
    if reason == "shown":
        assert page.locator(CACHED).count() == 1
        assert "23 hours ago" in (page.text_content("#updated") or "")
    else:
        assert page.get_attribute("html", "data-source") is None
        assert tiles(page) == []
        assert page.locator("#placeholders").count() == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"version": "0.0.1+older"}, "version"),
        ({"format": 999}, "format"),
        ({"locale": "de"}, "locale"),
        ({"regions": "not a list"}, "invalid"),
    ],
)
def test_another_version_format_or_locale_is_dropped(
    context: Any,
    backend: Backend,
    site: Served,
    live_visit: dict[str, Any],
    change: dict[str, Any],
    reason: str,
) -> None:
    """A payload the page cannot trust to look right is not painted: the page starts as
    it does on a first visit."""
    backend.set_fault(token="hang")
    context.add_init_script(seed(edited(live_visit["payload"], **change)))
    page = context.new_page()
    page.goto(site.url)
    assert cache_reason(page) == reason
    assert page.get_attribute("html", "data-source") is None
    assert tiles(page) == []
    # static/boot-status.js says what the boot does until Python runs, then "Connecting…".
    page.wait_for_selector(BOOTED, state="attached", timeout=60_000)
    assert page.text_content("#overall-title") == EN["overall.connecting"]


def test_an_english_payload_is_not_painted_on_the_german_page(
    context: Any, backend: Backend, site: Served, live_visit: dict[str, Any]
) -> None:
    backend.set_fault(token="hang")
    context.add_init_script(seed(live_visit["payload"]))
    page = context.new_page()
    page.goto(site.url + "/de/")
    assert cache_reason(page) == "locale"
    page.wait_for_selector(BOOTED, state="attached", timeout=60_000)
    assert page.text_content("#overall-title") == DE["overall.connecting"]


def hostile_payload(base: str) -> str:
    """The live payload with #8's hostile strings in every text and attribute value of
    the first cluster card, and in every value of the templates its tiles are built from
    (but their class names, which the assertions select by): the tiles' state is SVG,
    their texts IMG."""
    data = json.loads(base)
    clusters = next(r for r in data["regions"] if r[0] == "clusters")
    card = clusters[3][0]

    def slots(template: list[Any]) -> list[str]:
        """What each of a row's values fills: an attribute's name, or "#text"."""
        names = [name for name, fixed in template[1] if fixed is None]
        if template[2] == 0:
            names.append("#text")
        for child in template[3]:
            names += slots(child)
        return names

    def poison_template(template: list[Any]) -> None:
        for attr in template[1]:
            if attr[1] is not None and attr[0] != "class":
                attr[1] = SVG if attr[0] == "data-state" else IMG
        if isinstance(template[2], str):
            template[2] = IMG
        for child in template[3]:
            poison_template(child)

    def poison(node: list[Any]) -> None:
        if isinstance(node[0], str):
            for name in node[1]:
                node[1][name] = IMG
            if node[2] is not None:
                node[2] = SCRIPT
            for child in node[3]:
                poison(child)
        else:
            filled = slots(data["templates"][node[0]])
            node[1:] = [SVG if name == "data-state" else IMG for name in filled]

    poison(card)
    for template in data["templates"]:
        poison_template(template)
    return json.dumps(data)


def test_hostile_strings_in_storage_stay_text(
    context: Any, backend: Backend, site: Served, live_visit: dict[str, Any]
) -> None:
    """Markup in stored values is painted as text and attribute values, never parsed."""
    backend.set_fault(token="hang")
    context.add_init_script(seed(hostile_payload(live_visit["payload"])))
    page = context.new_page()
    page.goto(site.url)
    assert cache_reason(page) == "shown"
    assert page.locator("#clusters img, #clusters script, #clusters svg svg").count() == 0
    texts = page.eval_on_selector_all(
        "#clusters .shard-state", "els => els.map(e => e.textContent)"
    )
    assert IMG in texts
    assert page.get_attribute("#clusters .shard", "data-state") == SVG
    assert page.evaluate("window.__pwned") is None


@pytest.mark.parametrize(
    "node",
    [
        ["div", {"onclick": "window.__pwned='attr'"}, None, []],
        ["a", {"href": "javascript:window.__pwned='href'"}, "x", []],
        ["img", {"src": "x"}, None, []],
        ["script", {}, "window.__pwned='script'", []],
        ["div", {"style": "position:fixed"}, None, []],
        ["div", {}, {"not": "text"}, []],
    ],
)
def test_a_payload_with_forbidden_tags_or_attributes_is_not_painted_at_all(
    context: Any, backend: Backend, site: Served, live_visit: dict[str, Any], node: list[Any]
) -> None:
    """Handlers, links, sources, styles and unknown tags are refused, and the whole
    payload with them: nothing half-painted."""
    backend.set_fault(token="hang")
    data = json.loads(live_visit["payload"])
    clusters = next(r for r in data["regions"] if r[0] == "clusters")
    clusters[3].append(node)
    context.add_init_script(seed(json.dumps(data)))
    page = context.new_page()
    page.goto(site.url)
    assert cache_reason(page) == "invalid"
    assert page.get_attribute("html", "data-source") is None
    assert page.get_attribute("html", "data-status") == "unknown"
    assert tiles(page) == []
    assert page.locator("#clusters > *").count() == 0
    assert page.evaluate("window.__pwned") is None


@pytest.mark.parametrize("locale", ["de", "fr", "es"])
def test_the_marker_speaks_the_pages_language(
    context: Any, backend: Backend, site: Served, locale: str
) -> None:
    """A status stored by the German (French, Spanish) page is painted there, with the
    marker from that locale's catalogue and the relative time in its language."""
    t = json.loads((ROOT / "locales" / f"{locale}.json").read_text())
    url = f"{site.url}/{locale}/"
    first = context.new_page()
    first.goto(url)
    first.wait_for_selector(READY, state="attached", timeout=60_000)
    first.wait_for_function(f"() => localStorage.getItem({json.dumps(KEY)}) !== null")
    title = first.text_content("#overall-title")
    first.close()
    backend.set_fault(token="hang")
    page = context.new_page()
    page.goto(url)
    assert cache_reason(page) == "shown"
    assert page.text_content("#overall-title") == title
    before, after = t["last_known.marker"].split("{ago}")
    marker = page.text_content("#updated") or ""
    assert marker.startswith(before) and marker.endswith(after)
    ago = marker[len(before) : len(marker) - len(after)]
    wordings = page.evaluate(
        """lang => {
          const rtf = new Intl.RelativeTimeFormat(lang, {numeric: 'auto'});
          const out = [];
          for (let s = 0; s < 60; s++) out.push(rtf.format(-s, 'second'));
          for (let m = 1; m < 60; m++) out.push(rtf.format(-m, 'minute'));
          return out;
        }""",
        locale,
    )
    assert ago in wordings, ago  # seconds or minutes ago, worded in the page's language
