"""Watching for changes (issue 15) in Chromium, against the python-socketio backend.

Notifications are captured by wrapping both ways the page can raise one in an init
script: the service worker registration's ``showNotification`` (where the page has a
service worker, as here) and ``window.Notification``; the permission is granted with
Playwright, or emulated as denied or missing by replacing ``window.Notification``. The
tab is hidden by overriding ``document.visibilityState`` and dispatching
``visibilitychange`` (as in test_live.py).
The site is built with STATUSPAGE_HIDDEN_REFRESH_SECONDS=5 and a 2 s visible cadence;
how often a hidden tab asks is read from the backend's own emit counter and timestamps.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.model.scheduler import SPREAD
from tests.support.backends import Backend
from tests.support.pages import HIDE, SHOW, Watched, notifying_page, open_page
from tests.support.site import PUBLIC_HOST, Served, built_site, live_env, serve

pytestmark = pytest.mark.browser

HIDDEN_S = 5
REFRESH_S = 2
# Records every notification the page raises (title, options, and how), whichever way
# it goes, and counts window.focus() calls.
RECORD = """
window.__notes = [];
window.__focused = 0;
const RealNotification = window.Notification;
if (typeof RealNotification === 'function') {
  window.Notification = class extends RealNotification {
    constructor(title, options = {}) {
      window.__notes.push({title, body: options.body, tag: options.tag, via: 'page'});
      super(title, options);
      window.__lastNote = this;
    }
  };
}
if (typeof ServiceWorkerRegistration === 'function') {
  const realShow = ServiceWorkerRegistration.prototype.showNotification;
  ServiceWorkerRegistration.prototype.showNotification = function (title, options = {}) {
    window.__notes.push({title, body: options.body, tag: options.tag, via: 'worker'});
    return realShow.call(this, title, options);
  };
}
const realFocus = window.focus.bind(window);
window.focus = () => { window.__focused += 1; realFocus(); };
"""
# Dispatched in the service worker: a click on the page's latest notification. (A real
# click carries a user activation that lets the worker focus the tab itself; a
# dispatched one does not, so the page is asked to come forward, and does.)
CLICK_IN_WORKER = """async () => {
  const [note] = await self.registration.getNotifications();
  self.dispatchEvent(new NotificationEvent('notificationclick', {notification: note}));
  return note.title;
}"""
# A browser whose answer is "denied" (already, or at the prompt): counts the prompts.
DENIED = """
window.__prompts = 0;
window.Notification = class {
  static get permission() { return window.__permission; }
  static requestPermission() { window.__prompts += 1; window.__permission = 'denied';
                               return Promise.resolve('denied'); }
  constructor() { throw new Error('no notification may be raised'); }
};
window.__permission = '%s';
"""
UNSUPPORTED = "delete window.Notification; window.Notification = undefined;"
WATCHING = "html[data-watching]"


@pytest.fixture(scope="module")
def python_backend() -> Iterator[Backend]:
    with Backend("python", scenario="operational") as backend:
        yield backend


@pytest.fixture(scope="module")
def site(python_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    env = live_env(python_backend, refresh=REFRESH_S)
    served = serve(
        built_site(sites_dir, **env, STATUSPAGE_HIDDEN_REFRESH_SECONDS=str(HIDDEN_S)),
        PUBLIC_HOST,
    )
    yield served
    served.close()


@pytest.fixture
def backend(python_backend: Backend) -> Backend:
    python_backend.reset()
    return python_backend


@pytest.fixture
def granted(context: Any, site: Served) -> Watched:
    """A page whose origin may show notifications, with notifications recorded."""
    return notifying_page(context, site.url, RECORD)


def notes(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("window.__notes"))


def start_watching(page: Any) -> None:
    page.click("#watch")
    page.wait_for_selector(WATCHING, state="attached")
    assert page.get_attribute("#watch", "aria-pressed") == "true"


def wait_notes(page: Any, count: int, timeout_s: float) -> list[dict[str, Any]]:
    page.wait_for_function(f"() => window.__notes.length >= {count}", timeout=timeout_s * 1000)
    return notes(page)


def hidden_heartbeat_timeout() -> float:
    """One hidden interval, one visible one for the ack, and room for a loaded machine."""
    return HIDDEN_S + REFRESH_S + 10


def test_notifies_when_the_bot_goes_down_and_again_when_it_recovers(
    backend: Backend, site: Served, granted: Watched
) -> None:
    """Hidden and watching: one notification for the outage, one for the recovery, each
    naming the new state, all with one tag; the title keeps up; a click focuses the tab."""
    page = open_page(granted, site.url)
    start_watching(page)
    assert page.evaluate("localStorage.getItem('statuspage-watch')") == "on"
    page.evaluate(HIDE)
    backend.set_scenario("outage")
    down = wait_notes(page, 1, hidden_heartbeat_timeout())
    assert down[0]["title"] == "SupportMail status: Major outage"
    assert down[0]["body"] == "Before: All systems operational"
    page.wait_for_selector('html[data-status="outage"]', state="attached")
    assert page.title().startswith("Major outage")
    backend.set_scenario("operational")
    both = wait_notes(page, 2, hidden_heartbeat_timeout())
    assert both[1]["title"] == "SupportMail is back: all systems operational"
    assert len({n["tag"] for n in both}) == 1 and both[0]["tag"]
    assert {n["via"] for n in both} == {"worker"}
    (worker,) = page.context.service_workers
    assert worker.evaluate(CLICK_IN_WORKER) == both[1]["title"]
    page.wait_for_function("() => window.__focused === 1")
    assert len(notes(page)) == 2
    granted.assert_clean()


def test_nothing_is_notified_while_nothing_changes(
    backend: Backend, site: Served, granted: Watched
) -> None:
    """Several hidden heartbeats with the same answer raise no notification."""
    page = open_page(granted, site.url)
    start_watching(page)
    page.evaluate(HIDE)
    hidden_from = backend.stats()["emits"]
    backend.wait_for(lambda s: s["emits"] >= hidden_from + 2, timeout=3 * HIDDEN_S + 10)
    page.evaluate(SHOW)
    backend.wait_for(lambda s: s["emits"] >= hidden_from + 3, timeout=10)
    assert notes(page) == []
    granted.assert_clean()


def test_hidden_heartbeat_spacing_read_from_the_backend(
    backend: Backend, site: Served, granted: Watched
) -> None:
    """While hidden and watching, asks come STATUSPAGE_HIDDEN_REFRESH_SECONDS (+/- the
    scheduler's spread) apart, not at the 2 s visible cadence, one at a time."""
    page = open_page(granted, site.url)
    start_watching(page)
    page.evaluate(HIDE)
    hidden_from = backend.stats()["emits"]
    stats = backend.wait_for(lambda s: s["emits"] >= hidden_from + 3, timeout=4 * HIDDEN_S + 15)
    times = stats["emit_times"][-3:]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Measured from the end of one ask to the start of the next: never less than the
    # shortest wait the spread allows (still well above the visible cadence's longest,
    # 2.5 s); well under two intervals even on a loaded machine.
    shortest = (1 - SPREAD) * HIDDEN_S
    assert shortest > (1 + SPREAD) * REFRESH_S
    assert all(shortest - 0.5 <= gap < 2 * HIDDEN_S for gap in gaps), gaps
    assert stats["max_in_flight"] <= 1
    granted.assert_clean()


def test_not_watching_a_hidden_tab_asks_nothing(
    backend: Backend, site: Served, granted: Watched
) -> None:
    """Without the toggle, the seed's rule holds: a hidden tab sends no emit at all."""
    page = open_page(granted, site.url)
    backend.wait_for(lambda s: s["emits"] >= 1)
    assert page.get_attribute("#watch", "aria-pressed") == "false"
    assert page.locator(WATCHING).count() == 0
    page.evaluate(HIDE)
    hidden_from = backend.stats()["emits"]
    backend.set_scenario("outage")
    # Two hidden intervals pass; the server counts what arrives (nothing may).
    page.wait_for_timeout(2 * HIDDEN_S * 1000 + 1000)
    assert backend.stats()["emits"] == hidden_from
    assert notes(page) == []
    granted.assert_clean()


def test_the_looked_up_shard_changing_state_notifies_in_the_page_language(
    backend: Backend, site: Served, granted: Watched
) -> None:
    """On /de/ with ?guild=…: the server's shard going Reconnecting raises a German
    notification naming the shard and its state."""
    page = open_page(granted, f"{site.url}/de/?guild=81384788765712384")
    found = page.wait_for_selector("[data-found]", state="attached")
    shard_id = int(found.get_attribute("data-shard-id"))
    start_watching(page)
    clusters = backend.get_clusters()
    for cluster in clusters:
        for shard in cluster.get("shards", []):
            if shard["id"] == shard_id:
                shard["status"] = 2  # Reconnecting
    backend.set_clusters(clusters)
    note = wait_notes(page, 1, REFRESH_S + 10)[0]
    assert note["title"] == f"Shard {shard_id} deines Servers: Verbindet neu"
    granted.assert_clean()


def test_the_choice_is_remembered_and_needs_no_second_prompt(
    backend: Backend, site: Served, granted: Watched
) -> None:
    """A later visit (here in French) is watching from the start, without a press."""
    page = open_page(granted, site.url)
    start_watching(page)
    page.goto(f"{site.url}/fr/")
    page.wait_for_selector(WATCHING, state="attached", timeout=60_000)
    assert page.get_attribute("#watch", "aria-pressed") == "true"
    assert page.inner_text("#watch") == "M\u2019avertir quand le statut change"
    page.click("#watch")  # and it can be turned off again
    page.wait_for_selector(WATCHING, state="detached")
    assert page.evaluate("localStorage.getItem('statuspage-watch')") is None
    granted.assert_clean()


def test_a_denied_prompt_turns_nothing_on_and_is_never_repeated(
    backend: Backend, site: Served, watched: Watched
) -> None:
    """The visitor refuses: the control says notifications are blocked and, pressed again,
    asks nothing more."""
    watched.page.add_init_script(DENIED % "default")
    page = open_page(watched, site.url)
    page.click("#watch")
    page.wait_for_selector('#watch[aria-disabled="true"]', state="attached")
    assert page.evaluate("window.__prompts") == 1
    assert "blocked" in page.inner_text("#watch-status")
    assert page.locator(WATCHING).count() == 0
    # aria-disabled keeps it focusable (the reason can be found); a press does nothing.
    page.click("#watch", force=True)
    page.click("#watch", force=True)
    assert page.evaluate("window.__prompts") == 1
    assert page.evaluate("localStorage.getItem('statuspage-watch')") is None
    watched.assert_clean()


def test_already_denied_says_so_on_load_and_never_prompts(
    backend: Backend, site: Served, watched: Watched
) -> None:
    """Denied on an earlier visit, and remembered as wanted: not watching, no prompt."""
    watched.page.add_init_script(DENIED % "denied")
    watched.page.add_init_script("localStorage.setItem('statuspage-watch', 'on')")
    page = open_page(watched, site.url)
    assert page.get_attribute("#watch", "aria-disabled") == "true"
    assert page.get_attribute("#watch", "aria-pressed") == "false"
    assert page.locator(WATCHING).count() == 0
    page.click("#watch", force=True)
    assert page.evaluate("window.__prompts") == 0
    watched.assert_clean()


def test_unsupported_notifications_are_explained_and_the_page_is_unharmed(
    backend: Backend, site: Served, watched: Watched
) -> None:
    """No Notification at all (as in some embedded browsers): the control says so."""
    watched.page.add_init_script(UNSUPPORTED)
    page = open_page(watched, site.url)
    assert page.get_attribute("#watch", "aria-disabled") == "true"
    assert page.inner_text("#watch-status") == "This browser can't show notifications."
    page.click("#watch", force=True)
    assert page.locator(WATCHING).count() == 0
    assert page.get_attribute("html", "data-source") == "live"
    watched.assert_clean()
