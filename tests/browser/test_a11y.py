"""Readable at a glance, usable by everyone: axe, keyboard, popover, live region, themes.

The built site is driven the way visitors drive it: keys are pressed, shards hovered,
tapped and clicked, themes toggled, and the results read back from the DOM and from
axe-core. Screenshots of the degraded page land in /tmp/shots/ for a human to look at.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT
from tests.support.backends import Backend
from tests.support.pages import Watched, open_page, watch
from tests.support.site import Served, serve_live

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path("/tmp/shots")
# Every locale with a message file gets its page checked, so the test grows with them.
LOCALES = sorted(p.stem for p in (ROOT / "locales").glob("*.json"))
EN = json.loads((ROOT / "locales" / "en.json").read_text(encoding="utf-8"))
OPEN = "#shard-details:popover-open"


def locale_url(base: str, locale: str, query: str = "?scenario=degraded") -> str:
    return f"{base}/{'' if locale == 'en' else locale + '/'}{query}"


def new_page(browser: Any, **context_options: Any) -> Iterator[Watched]:
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
    try:
        yield watch(context.new_page())
    finally:
        context.close()


@pytest.fixture
def dark_page(browser: Any) -> Iterator[Watched]:
    yield from new_page(browser, color_scheme="dark")


@pytest.fixture
def light_page(browser: Any) -> Iterator[Watched]:
    yield from new_page(browser, color_scheme="light")


@pytest.fixture
def touch_page(browser: Any) -> Iterator[Watched]:
    yield from new_page(browser, has_touch=True, viewport={"width": 390, "height": 844})


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def active_shard(page: Any) -> str | None:
    return page.evaluate("document.activeElement?.dataset?.shardId ?? null")


def grid_ids(page: Any, cluster: int) -> list[str]:
    return page.eval_on_selector_all(
        f"#grid-{cluster} [data-shard-id]", "els => els.map(e => e.dataset.shardId)"
    )


def tab_stops(page: Any, cluster: int) -> list[str]:
    return page.eval_on_selector_all(
        f"#grid-{cluster} [data-shard-id][tabindex='0']", "els => els.map(e => e.dataset.shardId)"
    )


def details_for(page: Any, shard_id: str) -> str:
    """Wait for the popover to be open on ``shard_id``; return its text."""
    page.wait_for_selector(f"{OPEN}[data-shard='{shard_id}']")
    return page.inner_text("#shard-details")


def assert_details_describe(page: Any, shard_id: str, text: str) -> None:
    """The popover names the shard, its state and health, its ping and its cluster."""
    shard = page.locator(f"[data-shard-id='{shard_id}']")
    state = shard.locator(".shard-state").inner_text().strip()
    ping = shard.locator(".shard-ping").inner_text().strip()
    health = EN[f"health.{shard.get_attribute('data-health')}"]
    cluster = page.eval_on_selector(
        f"[data-shard-id='{shard_id}']", "e => e.closest('[data-cluster-id]').dataset.clusterId"
    )
    assert EN["details.title"].format(id=shard_id) in text
    for expected in (state, health, ping, EN["cluster.name"].format(id=cluster)):
        assert expected in text, (expected, text)


# -- axe-core ------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["dark", "light"])
@pytest.mark.parametrize("locale", LOCALES)
def test_axe_finds_no_serious_or_critical_violations(
    mock_site: Served, browser: Any, locale: str, scheme: str
) -> None:
    """Each locale page passes axe in the system theme, after the toggle, with the popover."""
    # The site's CSP forbids inline scripts, axe's script tag included.
    for watched in new_page(browser, color_scheme=scheme, bypass_csp=True):
        page = open_page(watched, locale_url(mock_site.url, locale))
        assert axe_violations(page) == [], f"{locale} {scheme} (system theme)"

        other = "light" if scheme == "dark" else "dark"
        page.click("#theme-toggle")
        page.wait_for_selector(f"html[data-theme='{other}']", state="attached")
        assert axe_violations(page) == [], f"{locale} {other} (toggled)"

        shard = page.locator(".shard[data-health='transitional']").first
        shard.hover()
        details_for(page, shard.get_attribute("data-shard-id"))
        assert axe_violations(page) == [], f"{locale} {other} (popover open)"
        watched.assert_clean()


# -- structure ------------------------------------------------------------------------


def test_landmarks_and_heading_order(mock_site: Served, watched: Watched) -> None:
    """Banner, main, contentinfo and a language nav exist; headings go h1 → h2 → h3."""
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    for role in ("banner", "main", "contentinfo"):
        assert page.get_by_role(role).count() == 1, role
    assert page.get_by_role("navigation", name=EN["nav.language"]).count() == 1
    levels = page.eval_on_selector_all("h1, h2, h3, h4, h5, h6", "hs => hs.map(h => +h.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1, levels
    for previous, level in itertools.pairwise(levels):
        assert level <= previous + 1, levels
    assert 3 in levels  # cluster names sit under the clusters heading
    dangling = page.eval_on_selector_all(
        "[aria-labelledby], [aria-describedby]",
        """els => els.flatMap(e => ['aria-labelledby', 'aria-describedby']
            .flatMap(a => (e.getAttribute(a) || '').split(/\\s+/).filter(Boolean))
            .filter(id => !document.getElementById(id)))""",
    )
    assert dangling == []  # every cluster card is named by its heading


def test_every_shard_has_a_spoken_name(mock_site: Served, watched: Watched) -> None:
    """Each shard's accessible name says its id, state label and ping."""
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    shard = page.locator("[data-shard-id='3']")
    assert shard.get_attribute("aria-label") == EN["shard.accessible_name"].format(
        id=3, state=EN["shard.state.resuming"], ping=EN["shard.ping_ms"].format(ping=228)
    )
    unnamed = page.eval_on_selector_all(
        "[data-shard-id]", "els => els.filter(e => !e.getAttribute('aria-label')).length"
    )
    assert unnamed == 0


# -- keyboard -------------------------------------------------------------------------


def test_each_shard_grid_is_one_tab_stop_with_arrow_keys_inside(
    mock_site: Served, watched: Watched
) -> None:
    """Tab enters a grid once and leaves it; arrows, Home and End move a roving tab stop."""
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    first_grid = page.eval_on_selector(".shard-grid", "g => +g.dataset.cluster")
    ids = grid_ids(page, first_grid)
    assert len(ids) >= 3
    assert tab_stops(page, first_grid) == [ids[0]]

    page.focus(f"[data-cluster-id='{first_grid}'] .fold-button")
    page.keyboard.press("Tab")
    assert active_shard(page) == ids[0]
    assert_details_describe(page, ids[0], details_for(page, ids[0]))

    page.keyboard.press("Tab")  # leaves the grid at once: one tab stop per grid
    assert active_shard(page) is None
    page.keyboard.press("Shift+Tab")
    assert active_shard(page) == ids[0]

    def moved_to(key: str, expected: str) -> None:
        page.keyboard.press(key)
        page.wait_for_function(
            "id => document.activeElement?.dataset?.shardId === id", arg=expected
        )
        assert tab_stops(page, first_grid) == [expected]
        assert_details_describe(page, expected, details_for(page, expected))

    moved_to("ArrowRight", ids[1])
    moved_to("ArrowRight", ids[2])
    moved_to("ArrowLeft", ids[1])
    moved_to("End", ids[-1])
    moved_to("ArrowRight", ids[-1])  # stays at the end
    moved_to("Home", ids[0])

    page.keyboard.press("Escape")
    page.wait_for_selector(OPEN, state="detached")
    assert active_shard(page) == ids[0]  # Esc closes the details, focus stays put

    # Leaving and coming back lands on the shard last focused, not the first one.
    moved_to("End", ids[-1])
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert active_shard(page) == ids[-1]
    watched.assert_clean()


# -- the shard details popover ------------------------------------------------------------


def test_details_open_on_hover_and_close_when_the_mouse_leaves(
    mock_site: Served, dark_page: Watched
) -> None:
    """Hovering a shard shows its details next to it; moving away hides them."""
    page = open_page(dark_page, f"{mock_site.url}/?scenario=degraded")
    assert page.locator(OPEN).count() == 0
    page.hover("[data-shard-id='1']")
    assert_details_describe(page, "1", details_for(page, "1"))
    assert page.get_attribute("[data-shard-id='1']", "aria-expanded") == "true"

    page.hover("[data-shard-id='3']")
    assert_details_describe(page, "3", details_for(page, "3"))

    page.hover("h1")
    page.wait_for_selector(OPEN, state="detached")
    assert page.get_attribute("[data-shard-id='3']", "aria-expanded") == "false"
    dark_page.assert_clean()


def test_details_popover_sits_beside_its_shard_inside_the_viewport(
    mock_site: Served, dark_page: Watched
) -> None:
    """The popover is placed next to the shard (below or above) and never off screen."""
    page = open_page(dark_page, f"{mock_site.url}/?scenario=degraded")
    page.hover("[data-shard-id='5']")
    details_for(page, "5")
    box = page.locator("#shard-details").bounding_box()
    anchor = page.locator("[data-shard-id='5']").bounding_box()
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    below = box["y"] >= anchor["y"] + anchor["height"]
    above = box["y"] + box["height"] <= anchor["y"]
    assert below or above, (box, anchor)


def test_details_open_on_click_and_a_click_outside_closes_them(
    mock_site: Served, dark_page: Watched
) -> None:
    """A click pins the details open; a click elsewhere on the page closes them."""
    page = open_page(dark_page, f"{mock_site.url}/?scenario=degraded")
    page.click("[data-shard-id='7']")
    assert_details_describe(page, "7", details_for(page, "7"))
    page.mouse.move(1, 1)  # a pinned popover does not close when the mouse leaves
    page.hover("h1")
    assert page.locator(OPEN).count() == 1
    page.click("#clusters-heading")
    page.wait_for_selector(OPEN, state="detached")
    dark_page.assert_clean()


def test_details_open_on_tap_and_close_on_a_tap_outside(
    mock_site: Served, touch_page: Watched
) -> None:
    """On a phone a tap opens the details of the tapped shard; a tap elsewhere closes them."""
    page = open_page(touch_page, f"{mock_site.url}/?scenario=degraded")
    page.tap("[data-shard-id='1']")
    assert_details_describe(page, "1", details_for(page, "1"))
    page.tap("[data-shard-id='2']")
    assert_details_describe(page, "2", details_for(page, "2"))
    page.tap("#clusters-heading")
    page.wait_for_selector(OPEN, state="detached")
    touch_page.assert_clean()


def test_escape_closes_details_opened_by_hover_or_click(
    mock_site: Served, dark_page: Watched
) -> None:
    """Esc closes the popover whatever opened it."""
    page = open_page(dark_page, f"{mock_site.url}/?scenario=degraded")
    page.hover("[data-shard-id='0']")
    details_for(page, "0")
    page.keyboard.press("Escape")
    page.wait_for_selector(OPEN, state="detached")
    page.click("[data-shard-id='6']")
    details_for(page, "6")
    page.keyboard.press("Escape")
    page.wait_for_selector(OPEN, state="detached")
    dark_page.assert_clean()


# -- themes and motion --------------------------------------------------------------------


def test_theme_toggle_switches_and_is_remembered_across_reloads(
    mock_site: Served, light_page: Watched
) -> None:
    """The toggle flips html[data-theme] and the colours; the choice survives a reload."""
    page = open_page(light_page, f"{mock_site.url}/?scenario=degraded")
    assert page.get_attribute("html", "data-theme") is None
    light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert page.get_attribute("#theme-toggle", "aria-pressed") == "false"

    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme='dark']", state="attached")
    assert page.get_attribute("#theme-toggle", "aria-pressed") == "true"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light_bg
    assert page.evaluate("localStorage.getItem('statuspage-theme')") == "dark"

    page.reload()
    # theme.js applies the choice before first paint, long before Python is ready.
    page.wait_for_selector("html[data-theme='dark']", state="attached")
    page.wait_for_selector("html[data-ready]", state="attached", timeout=60_000)
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light_bg

    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme='light']", state="attached")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == light_bg
    assert page.evaluate("localStorage.getItem('statuspage-theme')") == "light"
    light_page.assert_clean()


ANIMATION = (
    "s => { const st = getComputedStyle(s, '::before'); return [st.animationName, st.clipPath]; }"
)


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_reduced_motion_stops_the_pulse_but_keeps_the_shape(
    mock_site: Served, browser: Any, motion: str
) -> None:
    """With reduced motion, transitional shards do not pulse; their triangle stays."""
    for watched in new_page(browser, reduced_motion=motion):
        page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
        name, clip = page.eval_on_selector(".shard[data-health='transitional']", ANIMATION)
        assert name == ("none" if motion == "reduce" else "pulse")
        assert clip.startswith("polygon(")


CONTRAST = """() => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, bottom) => {
    const a = top.length > 3 ? top[3] : 1;
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a));
  };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) layers.push(c);
      if (c.length < 4 || c[3] === 1) break;
    }
    return layers.reduceRight((acc, layer) => over(layer, acc), [255, 255, 255]);
  };
  const ratio = el => {
    const fg = over(rgb(getComputedStyle(el).color), background(el));
    const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  };
  const seen = {};
  for (const el of document.querySelectorAll(
      'body *:not(script):not(style):not(.visually-hidden)')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const r = ratio(el);
    const key = el.className || el.tagName;
    if (!(key in seen) || r < seen[key]) seen[key] = Math.round(r * 100) / 100;
  }
  return seen;
}"""


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_text_contrast_is_at_least_aa_in_both_themes(
    mock_site: Served, browser: Any, scheme: str
) -> None:
    """Every visible text run has a computed contrast of at least 4.5:1 on its surface."""
    for watched in new_page(browser, color_scheme=scheme, reduced_motion="reduce"):
        page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
        page.hover("[data-shard-id='3']")
        details_for(page, "3")
        ratios = page.evaluate(CONTRAST)
        low = {k: v for k, v in ratios.items() if v < 4.5}
        assert ratios and low == {}, low


# -- layouts --------------------------------------------------------------------------


@pytest.mark.parametrize("width", [320, 375, 1440, 3840])
def test_no_horizontal_scroll_from_phone_to_wall_display(
    mock_site: Served, browser: Any, width: int
) -> None:
    """The page fits the viewport at 320 px, a phone, a laptop and a 4K wall display."""
    for watched in new_page(browser, viewport={"width": width, "height": 900}):
        page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # Nothing is clipped inside the cards either.
        overflowing = page.eval_on_selector_all(
            ".cluster, .shard, .legend-item, .tool-button",
            "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length",
        )
        assert overflowing == 0


@pytest.mark.parametrize("scheme", ["dark", "light"])
@pytest.mark.parametrize("width", [375, 1440])
def test_screenshots_for_review(mock_site: Served, browser: Any, width: int, scheme: str) -> None:
    """Full-page screenshots of the degraded page, one with the popover, in /tmp/shots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    options = {"viewport": {"width": width, "height": 900}, "color_scheme": scheme}
    for watched in new_page(browser, reduced_motion="reduce", **options):
        page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
        page.screenshot(path=str(SHOTS / f"degraded-{width}-{scheme}.png"), full_page=True)
        page.hover("[data-shard-id='1']")
        details_for(page, "1")
        page.screenshot(path=str(SHOTS / f"popover-{width}-{scheme}.png"))
        watched.assert_clean()


# -- live data: the live region and a big bot ---------------------------------------------


@pytest.fixture(scope="module")
def live_backend() -> Iterator[Backend]:
    with Backend("python", scenario="degraded") as backend:
        yield backend


@pytest.fixture(scope="module")
def live_site(live_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(live_backend, sites_dir, refresh=2) as served:
        yield served


def test_live_region_announces_only_a_change_of_overall_status(
    live_backend: Backend, live_site: Served, watched: Watched
) -> None:
    """#live-region starts empty, stays silent on routine refreshes, speaks on a change."""
    live_backend.reset()
    page = watched.page
    page.goto(live_site.url)
    region = page.locator("#live-region")
    assert region.get_attribute("role") == "status"
    assert region.inner_text() == ""  # present and empty before any data
    page.wait_for_selector("html[data-ready]", state="attached", timeout=60_000)
    assert page.get_attribute("html", "data-status") == "degraded"
    assert region.inner_text() == ""  # the first answer is not announced

    emits = live_backend.stats()["emits"]
    live_backend.wait_for(lambda s: s["emits"] >= emits + 2)
    # The second refresh's answer is rendered by the time a third request goes out.
    live_backend.wait_for(lambda s: s["emits"] >= emits + 3)
    assert region.inner_text() == ""  # unchanged data: nothing said

    stopped = [{**c, "status": "stopped"} for c in live_backend.get_clusters()]
    live_backend.set_clusters(stopped)
    page.wait_for_selector("html[data-status='outage']", state="attached")
    page.wait_for_function(
        "text => document.getElementById('live-region').textContent === text",
        arg=EN["overall.outage"],
    )
    watched.assert_clean()


@pytest.fixture(scope="module")
def big_backend() -> Iterator[Backend]:
    with Backend("python", scenario="degraded", clusters=100, shards_per_cluster=16) as backend:
        yield backend


@pytest.fixture(scope="module")
def big_site(big_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(big_backend, sites_dir, refresh=15) as served:
        yield served


@pytest.mark.parametrize("width", [375, 1440])
def test_a_hundred_clusters_start_with_healthy_ones_folded(
    big_site: Served, browser: Any, width: int
) -> None:
    """With 100 clusters and 1,600 shards healthy clusters start folded and can be unfolded."""
    for watched in new_page(browser, viewport={"width": width, "height": 900}):
        page = open_page(watched, big_site.url)
        assert page.locator(".cluster").count() == 100
        folded = "[data-cluster-id]:has(.fold-button[aria-expanded='false'])"
        healthy_folded = page.locator(folded).count()
        assert healthy_folded > 50
        assert page.locator(f"{folded} .shard-grid").count() == 0
        # Every cluster with a problem is open, with its shards on screen.
        open_grids = page.locator(".shard-grid").count()
        assert open_grids >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width == 1440:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "clusters-100-1440.png"))

        # The button's label says what a press will do.
        assert page.inner_text("#fold-healthy") == "Unfold healthy clusters"
        page.click("#fold-healthy")  # all folded already: unfolds them
        page.wait_for_function(
            "n => document.querySelectorAll('.shard-grid').length === n",
            arg=open_grids + healthy_folded,
        )
        assert page.inner_text("#fold-healthy") == "Fold healthy clusters"
        page.click("#fold-healthy")
        page.wait_for_function(
            "n => document.querySelectorAll('.shard-grid').length === n", arg=open_grids
        )
        assert page.inner_text("#fold-healthy") == "Unfold healthy clusters"

        cluster = page.locator(f"{folded} .fold-button").first.get_attribute("data-cluster")
        fold = page.locator(f"[data-cluster-id='{cluster}'] .fold-button")
        fold.click()
        page.wait_for_selector(f"#grid-{cluster}")
        assert fold.get_attribute("aria-expanded") == "true"
        assert fold.get_attribute("aria-controls") == f"grid-{cluster}"
        watched.assert_clean()
