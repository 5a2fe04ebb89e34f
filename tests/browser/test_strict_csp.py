"""The page under its production Content-Security-Policy, as tools/serve.py sends it from
dist/_headers: no 'unsafe-eval', and Trusted Types required (Chromium enforces them).

Every flow runs (the preview, live data from a real Socket.IO server, find-my-shard, the
watch control, the last known status on a second visit, the main-thread fallback, the
service worker) and the page counts zero ``securitypolicyviolation`` events, its own and
its Python worker's (static/boot-status.js; the worker reports its own from its first
line, see tools/runtime_patches.py). A test first proves that a violation on either side
would be counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend
from tests.support.pages import (
    BOOT_TIMEOUT_MS,
    NO_MODULE_WORKERS,
    READY,
    VIOLATIONS,
    Watched,
    notifying_page,
    watch,
)
from tests.support.site import Served, serve_live

pytestmark = pytest.mark.browser

LIVE = "html[data-ready][data-source='live']"
CACHED = "html[data-source='cache']"
WATCHING = "html[data-watching]"
GUILD = 1174109841002598546  # (guild >> 22) % 16 == 1: shard 1, Reconnecting (degraded)
# eval() from a task of the page's (or worker's) own: code that Playwright evaluates
# directly is exempt from the policy, what it schedules is not.
EVAL_LATER = """() => new Promise(done => setTimeout(() => {
    try { done(eval("1 + 1")); } catch (error) { done(error.name); }
}))"""
HTML_SINK = """() => {
    try { document.getElementById("lookup-result").innerHTML = "<b>x</b>"; return "set"; }
    catch (error) { return error.name; }
}"""
SERVICE_WORKER_ACTIVE = """wait => Promise.race([
    navigator.serviceWorker.ready.then(registration => registration.active.scriptURL),
    new Promise(done => setTimeout(() => done(null), wait)),
])"""


@pytest.fixture(scope="module")
def node_backend() -> Iterator[Backend]:
    with Backend("node", scenario="degraded") as backend:
        yield backend


@pytest.fixture(scope="module")
def live_site(node_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(node_backend, sites_dir, refresh=3) as served:
        yield served


@pytest.fixture
def backend(node_backend: Backend) -> Backend:
    node_backend.reset()
    return node_backend


def open_strict(watched: Watched, url: str) -> Any:
    """Opens ``url``, checks that its document came with the strict policy, and waits
    for data (as ``open_page``)."""
    response = watched.page.goto(url)
    policy = str(response.headers["content-security-policy"])
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-eval'" not in script_src and "'unsafe-inline'" not in script_src
    assert "require-trusted-types-for 'script'" in policy
    watched.page.wait_for_selector(READY, state="attached", timeout=BOOT_TIMEOUT_MS)
    return watched.page


def find_shard(page: Any) -> None:
    page.fill("#guild-input", str(GUILD))
    page.wait_for_selector('[data-shard-id="1"][data-found]', state="attached")
    assert page.eval_on_selector_all("[data-found]", "els => els.length") == 1


def start_watching(page: Any) -> None:
    page.click("#watch")
    page.wait_for_selector(WATCHING, state="attached")
    assert page.get_attribute("#watch", "aria-pressed") == "true"


def assert_no_violation(watched: Watched) -> None:
    assert watched.page.evaluate(VIOLATIONS) == []
    watched.assert_clean()


def test_a_violation_in_the_page_or_in_its_worker_is_counted(
    mock_site: Served, watched: Watched
) -> None:
    """What the zero counts below rest on: eval() in the page and in Python's worker is
    blocked, and each side's violation reaches window.statuspageBoot().violations."""
    page = open_strict(watched, f"{mock_site.url}/?scenario=degraded")
    assert page.evaluate("window.statuspage.debug.python") == "worker"
    assert page.evaluate(VIOLATIONS) == []
    [worker] = [w for w in page.workers if w.url.startswith("blob:")]
    assert worker.evaluate(EVAL_LATER) == "EvalError"
    page.wait_for_function(f"() => {VIOLATIONS}.length === 1")
    assert page.evaluate(EVAL_LATER) == "EvalError"
    assert page.evaluate(HTML_SINK) == "TypeError"  # Trusted Types: no HTML from a string
    page.wait_for_function(f"() => {VIOLATIONS}.length === 3")
    worker_eval, page_eval, html = page.evaluate(VIOLATIONS)
    assert worker_eval == page_eval and " eval" in page_eval
    assert "innerHTML" in html


def test_preview_lookup_and_watch_under_the_strict_policy(context: Any, mock_site: Served) -> None:
    """The preview boots in PyScript's worker, finds a shard and starts watching, with
    Trusted Types enforced and not one violation, page or worker."""
    watched = notifying_page(context, mock_site.url, "")
    page = open_strict(watched, f"{mock_site.url}/?scenario=degraded")
    assert page.evaluate("typeof window.trustedTypes") == "object"  # enforced here
    assert page.get_attribute("html", "data-source") == "mock"
    assert page.evaluate("window.statuspage.debug.python") == "worker"
    find_shard(page)
    start_watching(page)
    assert_no_violation(watched)


def test_live_data_and_the_last_known_status_under_the_strict_policy(
    context: Any, backend: Backend, live_site: Served
) -> None:
    """Live data from Node's socket.io (token, connection, ask), the lookup and the watch
    control; then a second visit paints the stored status before Python starts and live
    data replaces it. No violation on either visit, and the service worker registers
    (a Trusted Types sink) under the page's policy."""
    first = notifying_page(context, live_site.url, "")
    page = open_strict(first, live_site.url + "/")
    page.wait_for_selector(LIVE, state="attached")
    assert backend.stats()["emits"] >= 1
    find_shard(page)
    start_watching(page)
    page.wait_for_function("() => localStorage.getItem('statuspage-last') !== null")
    assert page.evaluate(SERVICE_WORKER_ACTIVE, 45_000) == live_site.url + "/sw.js"
    assert_no_violation(first)
    page.close()

    backend.set_fault(token="hang")  # the stored status stays on screen until released
    second = watch(context.new_page())
    second.page.goto(live_site.url + "/")
    assert second.page.locator(CACHED).count() == 1
    backend.set_fault(token=None)
    second.page.wait_for_selector(LIVE, state="attached", timeout=60_000)
    assert_no_violation(second)


def test_python_on_the_main_thread_under_the_strict_policy(
    mock_site: Served, watched: Watched
) -> None:
    """An engine without module workers: PyScript runs Python on the main thread, and the
    policy still holds (no eval, no HTML made from strings)."""
    watched.page.add_init_script(NO_MODULE_WORKERS)
    page = open_strict(watched, f"{mock_site.url}/?scenario=degraded")
    assert page.evaluate("window.statuspage.debug.python") == "main"
    find_shard(page)
    assert_no_violation(watched)


def test_every_request_stays_on_the_site_and_its_endpoints(
    backend: Backend, live_site: Served, watched: Watched
) -> None:
    """A live boot asks nothing of any other origin (no CDN, no font, no analytics)."""
    open_strict(watched, live_site.url + "/").wait_for_selector(LIVE, state="attached")
    assert watched.foreign_requests(live_site.url, backend.token_url, backend.ws_url) == []
    assert any(url.startswith(backend.token_url) for url in watched.requests)
