"""The service worker (static/sw.js) in Chromium, against the built site and its headers.

It raises notifications where the page may not (Chrome on Android refuses
``new Notification``), brings the page forward when one is clicked, opens the page
without a network from what it kept, and replaces what it kept when a new build is
deployed. The page registers it once data is on screen (static/apply.js).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend
from tests.support.pages import (
    BOOT_TIMEOUT_MS,
    HIDE,
    READY,
    Watched,
    notifying_page,
    open_page,
    watch,
)
from tests.support.site import Served, built_site, live_env, serve
from tools import build as site_build

pytestmark = pytest.mark.browser

HIDDEN_S = 5
REFRESH_S = 2
NOTIFY_TAG = "statuspage-status"
# Chrome on Android: the permission can be granted, yet the constructor always throws
# (window.__refused counts the page's attempts).
ANDROID_RULE = """
const RealNotification = window.Notification;
window.__refused = 0;
window.Notification = class {
  static get permission() { return RealNotification.permission; }
  static requestPermission(callback) { return RealNotification.requestPermission(callback); }
  constructor() {
    window.__refused += 1;
    throw new TypeError("Failed to construct 'Notification': Illegal constructor. "
                        + "Use ServiceWorkerRegistration.showNotification() instead.");
  }
};
window.__focused = 0;
const realFocus = window.focus.bind(window);
window.focus = () => { window.__focused += 1; realFocus(); };
"""
WORKER_SCOPE = "navigator.serviceWorker.ready.then(r => r.scope)"
SHOWN = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
  .map(n => ({title: n.title, tag: n.tag, body: n.body, lang: n.lang, data: n.data}))"""
# True once the worker keeps the runtime this page loaded (the wasm is the last to land).
KEPT_RUNTIME = """async () => {
  for (const name of await caches.keys()) {
    const keys = await (await caches.open(name)).keys();
    if (keys.some(k => k.url.endsWith('/pyodide.asm.wasm'))) return true;
  }
  return false;
}"""
KEPT = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    out[name] = (await (await caches.open(name)).keys()).map(k => new URL(k.url).pathname);
  }
  return out;
}"""
# The worker, asked to handle a click on the page's notification. A real click carries
# the user activation that focus() and openWindow() need; a dispatched one does not, so
# the worker's calls of those two are recorded here instead of failing.
CLICK = """async () => {
  self.__opened = [];
  self.clients.openWindow = url => { self.__opened.push(url); return Promise.resolve(null); };
  const [note] = await self.registration.getNotifications();
  // What the handler hands to waitUntil (which refuses a dispatched event) is awaited here.
  const pending = [];
  const realWaitUntil = ExtendableEvent.prototype.waitUntil;
  ExtendableEvent.prototype.waitUntil = function (promise) {
    pending.push(promise);
    return realWaitUntil.call(this, promise);
  };
  try {
    self.dispatchEvent(new NotificationEvent('notificationclick', {notification: note}));
  } finally {
    ExtendableEvent.prototype.waitUntil = realWaitUntil;
  }
  await Promise.allSettled(pending);
  return [note.title, pending.length];
}"""


@pytest.fixture(scope="module")
def python_backend() -> Iterator[Backend]:
    with Backend("python", scenario="operational") as backend:
        yield backend


@pytest.fixture
def backend(python_backend: Backend) -> Backend:
    python_backend.reset()
    return python_backend


@pytest.fixture(scope="module")
def live_dist(python_backend: Backend, sites_dir: Path) -> Path:
    env = live_env(python_backend, refresh=REFRESH_S)
    return built_site(sites_dir, **env, STATUSPAGE_HIDDEN_REFRESH_SECONDS=str(HIDDEN_S))


@pytest.fixture
def site(live_dist: Path) -> Iterator[Served]:
    """The live site behind a server of its own, which a test may stop (no network)."""
    served = serve(live_dist)
    yield served
    with contextlib.suppress(OSError):
        served.close()


@pytest.fixture
def android(context: Any, site: Served) -> Watched:
    """A page with the notification permission granted and Android's constructor rule."""
    return notifying_page(context, site.url, ANDROID_RULE)


def wait_until(page: Any, check: str, timeout_ms: float = 30_000) -> None:
    """Wait until the async function ``check`` resolves truthy in the page (Playwright's
    wait_for_function does not await a promise)."""
    met = page.evaluate(
        f"""async ms => {{
            const check = {check};
            const deadline = performance.now() + ms;
            while (!(await check())) {{
                if (performance.now() > deadline) return false;
                await new Promise(resolve => setTimeout(resolve, 100));
            }}
            return true;
        }}""",
        timeout_ms,
    )
    assert met, f"not true within {timeout_ms:.0f} ms: {check}"


def worker_of(page: Any) -> Any:
    """The service worker controlling ``page`` (registered once data is on screen)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    (worker,) = page.context.service_workers
    return worker


def test_android_notifications_go_through_the_service_worker(
    backend: Backend, site: Served, android: Watched
) -> None:
    """Permission granted, `new Notification` throwing as on Chrome for Android: watching,
    hidden, the bot goes down, and one notification is shown through the registration,
    with its title, its single tag and the page to open; no page error."""
    page = open_page(android, site.url + "/")
    assert page.evaluate(WORKER_SCOPE) == site.url + "/"
    page.click("#watch")
    page.wait_for_selector("html[data-watching]", state="attached")
    page.evaluate(HIDE)
    backend.set_scenario("outage")
    wait_until(page, f"async () => (await ({SHOWN})()).length === 1")
    (shown,) = page.evaluate(SHOWN)
    assert shown["title"] == "SupportMail status: Major outage"
    assert shown["tag"] == NOTIFY_TAG
    assert shown["lang"] == "en" and shown["data"] == {"url": "/"}
    assert android.page_errors == []


def test_a_notification_waits_for_a_service_worker_that_activates_late(
    backend: Backend, live_dist: Path, context: Any
) -> None:
    """Android's rule, and a service worker whose install cannot finish (one of the pages
    it keeps does not arrive) for longer than the page waits for it: the page tries to
    show the outage itself, is refused, and the notification is shown through the
    worker as soon as it is active, not lost with every later one."""
    site = serve(live_dist, faults=[("/es/", "hold")])
    try:
        android = notifying_page(context, site.url, ANDROID_RULE)
        page = open_page(android, site.url + "/")
        page.click("#watch")
        page.wait_for_selector("html[data-watching]", state="attached")
        page.evaluate(HIDE)
        backend.set_scenario("outage")
        # The page's wait for the worker (10 s) is over: it tried the constructor itself.
        page.wait_for_function("() => window.__refused === 1", timeout=60_000)
        assert page.evaluate("navigator.serviceWorker.controller") is None
        site.release_held()
        wait_until(page, f"async () => (await ({SHOWN})()).length === 1")
        (shown,) = page.evaluate(SHOWN)
        assert shown["title"] == "SupportMail status: Major outage"
        assert page.evaluate("window.__refused") == 1
        assert android.page_errors == []
    finally:
        site.close()


def test_a_notification_click_focuses_the_open_tab_or_opens_the_page(
    backend: Backend, site: Served, android: Watched
) -> None:
    """Dispatched in the worker: with the tab open, the tab comes forward; with no tab
    open, the worker opens the page the notification came from, in its locale."""
    page = open_page(android, site.url + "/de/")
    page.click("#watch")
    page.wait_for_selector("html[data-watching]", state="attached")
    page.evaluate(HIDE)
    backend.set_scenario("outage")
    wait_until(page, f"async () => (await ({SHOWN})()).length === 1")
    worker = worker_of(page)
    title, handled = worker.evaluate(CLICK)
    assert title == "SupportMail-Status: Schwerer Ausfall" and handled == 1
    page.wait_for_function("() => window.__focused === 1")
    assert worker.evaluate("self.__opened") == []
    # The tab is gone: the click opens the page (the notification stays until then).
    page.evaluate(
        "(async () => (await navigator.serviceWorker.ready).showNotification("
        "'again', {tag: 'statuspage-status', data: {url: '/de/?guild=1'}}))()"
    )
    page.close()
    assert worker.evaluate(CLICK) == ["again", 1]
    assert worker.evaluate("self.__opened") == [f"{site.url}/de/?guild=1"]


def test_the_page_opens_offline_with_the_last_known_status_and_recovers(
    backend: Backend, site: Served, context: Any, watched: Watched
) -> None:
    """Live visit; then no network at all (offline, and the site's server gone): a reload
    comes from the service worker, paints the last known status at once, says the
    visitor is offline once Python runs; back online, live data returns by itself."""
    page = open_page(watched, site.url + "/")
    assert page.get_attribute("html", "data-source") == "live"
    worker_of(page)
    wait_until(page, KEPT_RUNTIME, 60_000)
    context.set_offline(True)
    site.close()
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_selector("html[data-source='cache']", state="attached", timeout=10_000)
    page.wait_for_selector("html[data-connection='offline']", state="attached",
                           timeout=BOOT_TIMEOUT_MS)  # fmt: skip
    assert page.get_attribute("html", "data-boot") == "running"
    assert "offline" in page.inner_text("#notice").lower()
    context.set_offline(False)
    page.wait_for_selector("html[data-source='live']", state="attached", timeout=60_000)
    assert page.get_attribute("html", "data-connection") == "connected"
    assert watched.page_errors == []


def next_build(first: Path, out: Path) -> Path:
    """Build B: build A with one asset changed (the stylesheet, content-hashed anew, and
    the pages pointing at it), and its service worker written by the build's own code."""
    shutil.copytree(first, out)
    (old,) = (out / "_a").glob("style.*.css")
    content = old.read_bytes() + b"\n/* build B */\n"
    new_name = site_build.hashed_name("style.css", content)
    (out / "_a" / new_name).write_bytes(content)
    old.unlink()
    # Deployed later: a rewritten file's Last-Modified must move on (tools/serve.py answers
    # If-Modified-Since to the second, and build A may be less than a second old).
    later = time.time() + 60
    for page in out.rglob("index.html"):
        page.write_text(page.read_text().replace(old.name, new_name))
        os.utime(page, (later, later))
    (out / "sw.js").unlink()
    (out / "sw.js").write_text(site_build.service_worker(out))
    os.utime(out / "sw.js", (later, later))
    return out


def test_a_new_build_replaces_what_the_worker_kept(
    sites_dir: Path, context: Any, tmp_path: Path
) -> None:
    """Build A, visit; build B (a changed asset) on the same origin, visit twice: the page
    runs B's files only, and A's cache is gone."""
    first = built_site(sites_dir, STATUSPAGE_MOCK="always")
    second = next_build(first, tmp_path / "b")
    version = re.compile(r'"version": "(\w+)"')
    a_cache = "statuspage-" + version.findall((first / "sw.js").read_text())[0]
    b_cache = "statuspage-" + version.findall((second / "sw.js").read_text())[0]
    assert a_cache != b_cache
    a = serve(first)
    page = open_page(watch(context.new_page()), a.url + "/")
    worker_of(page)
    wait_until(page, f"async () => await caches.has('{a_cache}')")
    a.close()
    b = serve(second, port=a.port)
    try:
        for _ in range(2):
            page.goto(b.url + "/")
            page.wait_for_selector(READY, state="attached", timeout=BOOT_TIMEOUT_MS)
        wait_until(page, f"async () => (await caches.keys()).join() === '{b_cache}'")
        (b_style,) = (second / "_a").glob("style.*.css")
        loaded = page.evaluate(
            "performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"
        )
        styles = [path for path in loaded if "/style." in path]
        assert styles == [f"/_a/{b_style.name}"], styles
        assert page.get_attribute('link[rel="stylesheet"]', "href") == f"/_a/{b_style.name}"
        kept = page.evaluate(KEPT)
        assert list(kept) == [b_cache]
        assert not any(path.startswith("/_a/style.") and b_style.name not in path
                       for path in kept[b_cache])  # fmt: skip
    finally:
        b.close()
