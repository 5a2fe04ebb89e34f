"""Never an endless wait: what the page says until Python runs, and when it cannot start.

static/boot-status.js shows the runtime's download (with progress), then Python
starting; Python's first render replaces it. A start that fails is named on the page
(``<html data-boot="failed" data-boot-reason="…">``, a plain message in the page's
language and a Reload button), and never as a problem with the bot. The failing servers
are ``tools/serve.py`` faults, so the same cases can run in any engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT
from tests.support.pages import Watched, open_page
from tests.support.site import FAST_FAIL, Served, built_site, serve

pytestmark = pytest.mark.browser

LOCALE_PATHS = {"en": "/", "de": "/de/", "fr": "/fr/", "es": "/es/"}
FAILED = "html[data-boot=failed]"
WAIT_MS = 60_000

# Records every value data-boot takes and every overall title shown, from the start.
RECORD_PHASES = """(() => {
    window.bootLog = { phases: [], titles: [], details: [] };
    const note = (list, value) => { if (value && list.at(-1) !== value) list.push(value); };
    new MutationObserver(() => {
        note(bootLog.phases, document.documentElement.getAttribute("data-boot"));
        note(bootLog.titles, document.getElementById("overall-title")?.textContent);
        note(bootLog.details, document.getElementById("overall-detail")?.textContent);
    }).observe(document, { subtree: true, childList: true, attributes: true,
                           characterData: true });
})();"""


def messages(locale: str) -> dict[str, str]:
    return dict(json.loads((ROOT / "locales" / f"{locale}.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def fast_fail_site(sites_dir: Path) -> Path:
    return built_site(sites_dir, **FAST_FAIL)


@pytest.fixture
def faulty(fast_fail_site: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    """The fast-failing site behind a server with the test's faults (parametrized)."""
    served = serve(fast_fail_site, faults=[request.param])
    yield served
    served.close()


def failure(page: Any) -> tuple[str | None, str | None]:
    page.wait_for_selector(FAILED, state="attached", timeout=WAIT_MS)
    return page.get_attribute("html", "data-boot-reason"), page.get_attribute("html", "data-status")


def test_progress_is_shown_by_phases_then_replaced_by_data(
    mock_site: Served, watched: Watched
) -> None:
    """Downloading (with a percentage), then starting, then Python's own render: the
    boot texts are gone once data shows, and data-boot ends at "running"."""
    en = messages("en")
    watched.page.add_init_script(RECORD_PHASES)
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    log = page.evaluate("bootLog")
    assert log["phases"] == ["loading", "starting", "running"], log
    assert en["boot.downloading"] in log["titles"]
    assert en["boot.starting"] in log["titles"]
    assert any("%" in detail for detail in log["details"]), log["details"]
    assert page.text_content("#overall-title") == en["overall.degraded"]
    detail = page.text_content("#overall-detail")
    assert "%" not in detail and en["boot.noscript"] not in detail
    stats = page.evaluate("window.statuspageBoot()")
    assert stats["bytes"] >= stats["total"] > 1_000_000
    assert page.locator("#boot-reload").count() == 0
    watched.assert_clean()


@pytest.mark.parametrize("locale", sorted(LOCALE_PATHS))
@pytest.mark.parametrize("faulty", [("*/pyodide.asm.wasm", "stall")], indirect=True)
def test_a_stalled_download_is_named_as_the_visitors_link_not_the_bot(
    faulty: Served, watched: Watched, locale: str
) -> None:
    """The wasm never finishes: after the stall limit the page says so in the visitor's
    language, offers Reload, and the bot's status stays unknown (never an outage)."""
    t = messages(locale)
    page = watched.page
    page.goto(faulty.url + LOCALE_PATHS[locale])
    assert failure(page) == ("download-stalled", "unknown")
    assert page.text_content("#overall-title") == t["boot.failed"]
    assert page.text_content("#overall-detail") == t["boot.reason.download-stalled"]
    assert page.text_content("#connection") == t["boot.not_started"]
    assert page.locator("#boot-reload").inner_text() == t["boot.reload"]
    assert page.get_attribute("html", "data-ready") is None
    assert watched.foreign_requests(*faulty.origins) == []


@pytest.mark.parametrize(
    "faulty",
    [
        ("*/python_stdlib.zip", "404"),
        ("*/pyodide.asm.wasm", "500"),
        ("/_r/pyscript-*/core.js", "404"),
        ("/_a/app.*.zip", "503"),
    ],
    indirect=True,
)
def test_a_runtime_file_that_fails_to_load_is_a_load_error(
    faulty: Served, watched: Watched
) -> None:
    """A 404 or 5xx on any file Python needs to start is named at once."""
    page = watched.page
    page.goto(faulty.url + "/")
    assert failure(page) == ("load-error", "unknown")
    assert page.text_content("#overall-detail") == messages("en")["boot.reason.load-error"]
    assert watched.foreign_requests(*faulty.origins) == []


# Every worker the page starts runs an empty script: the downloads all complete, but
# Python never makes its first call (as when an extension or a crash kills the worker).
# (Stalling boot.py no longer does this: it is preloaded and small, so it arrives whole.)
# The empty script's URL goes through the page's Trusted Types policy, as every worker's.
DEAD_WORKERS = """
const RealWorker = window.Worker;
window.Worker = class extends RealWorker {
  constructor(url, options) {
    super(window.statuspageBlobURL(new Blob([""], { type: "text/javascript" })), options);
  }
};
"""


def test_a_start_that_never_completes_is_a_start_timeout(
    fast_fail_site: Path, watched: Watched
) -> None:
    """Everything downloaded, but Python never makes its first call (its worker runs
    nothing): after the start limit, start-timeout."""
    served = serve(fast_fail_site)
    try:
        page = watched.page
        page.add_init_script(DEAD_WORKERS)
        page.goto(served.url + "/")
        assert failure(page) == ("start-timeout", "unknown")
        assert page.evaluate("window.statuspageBoot().downloadedMs") is not None
        assert watched.foreign_requests(*served.origins) == []
    finally:
        served.close()


# Every worker the page starts throws at construction (an engine or extension that
# refuses the worker's URL). polyscript then quietly runs the script on the main thread
# with PyScript's default interpreter, which is a public CDN's Pyodide; the build's patch
# (tools/runtime_patches.py) makes that a load error instead.
REFUSED_WORKERS = """
window.Worker = class extends window.Worker {
  constructor(url, options) {
    if (String(url).startsWith("blob:")) {
      try {
        options?.type;  // static/apply.js's probe for module workers throws here: it passes
      } catch (asked) {
        window.probed = true;
        throw asked;
      }
      throw new DOMException("refused", "SecurityError");
    }
    super(url, options);
  }
};
"""


def test_a_worker_that_cannot_start_fails_without_asking_another_origin(
    fast_fail_site: Path, watched: Watched
) -> None:
    """PyScript's worker refused: a load error, and not one request (not even a blocked
    one) to a public CDN or anywhere but the site and its endpoints."""
    served = serve(fast_fail_site)
    try:
        page = watched.page
        page.add_init_script(REFUSED_WORKERS)
        page.goto(served.url + "/")
        assert failure(page) == ("load-error", "unknown")
        assert page.evaluate("window.probed") is True
        assert watched.foreign_requests(*served.origins) == []
        assert page.evaluate("window.statuspageBoot().violations") == []
    finally:
        served.close()


def test_an_engine_without_webassembly_is_unsupported(mock_site: Served, watched: Watched) -> None:
    """No WebAssembly: nothing can start; the page says which browsers to try."""
    page = watched.page
    page.add_init_script("delete globalThis.WebAssembly;")
    page.goto(mock_site.url + "/de/")
    assert failure(page) == ("unsupported", "unknown")
    assert page.text_content("#overall-detail") == messages("de")["boot.reason.unsupported"]
    assert watched.foreign_requests(*mock_site.origins) == []


@pytest.mark.parametrize("faulty", [("*/pyodide.asm.wasm", "stall")], indirect=True)
def test_the_reload_button_reloads_the_page(faulty: Served, watched: Watched) -> None:
    """Reload is a real navigation: the page starts over (and, here, stalls again)."""
    page = watched.page
    page.goto(faulty.url + "/")
    failure(page)
    page.evaluate("window.beforeReload = true")
    with page.expect_navigation():
        page.click("#boot-reload")
    assert page.evaluate("window.beforeReload === undefined")
    assert failure(page)[0] == "download-stalled"


@pytest.mark.parametrize("locale", sorted(LOCALE_PATHS))
def test_without_javascript_the_page_says_the_live_status_needs_it(
    mock_site: Served, browser: Any, locale: str
) -> None:
    """With scripts disabled, the <noscript> message shows under the overall status."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(mock_site.url + LOCALE_PATHS[locale])
        assert page.inner_text("#overall-detail") == messages(locale)["boot.noscript"]
    finally:
        context.close()
