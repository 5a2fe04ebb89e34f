"""How Python starts in the page: in a worker wherever the engine has module workers
(isolated or not: the worker talks to the page by messages), on the main thread
otherwise, and from bytecode the build made rather than from source."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend
from tests.support.pages import (
    NO_MODULE_WORKERS,
    Watched,
    cold_visit_paths,
    open_page,
    python_diagnostics,
)
from tests.support.site import PUBLIC_HOST, Served, built_site, serve, serve_live

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def insecure_mock_site(sites_dir: Path) -> Iterator[Served]:
    """The mock site over plain HTTP on a public name: not a secure context."""
    served = serve(built_site(sites_dir, STATUSPAGE_MOCK="always"), PUBLIC_HOST, secure=False)
    yield served
    served.close()


def test_python_runs_in_a_worker_when_the_page_is_cross_origin_isolated(
    mock_site: Served, watched: Watched
) -> None:
    """The served headers isolate the page; PyScript starts Python in a Web Worker."""
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    assert page.evaluate("crossOriginIsolated") is True
    assert page.evaluate("window.statuspage.debug.python") == "worker"
    assert page.locator("[data-shard-id]").count() > 0
    watched.assert_clean()


def test_without_isolation_or_shared_memory_python_still_runs_in_a_worker(
    insecure_mock_site: Served, watched: Watched
) -> None:
    """Plain HTTP on a public host cannot be isolated, so there is no SharedArrayBuffer
    (as in WebKit, isolated or not): the worker talks to the page by messages only, and
    the page works, controls included."""
    page = open_page(watched, f"{insecure_mock_site.url}/?scenario=degraded")
    assert page.evaluate("crossOriginIsolated") is False
    assert page.evaluate("typeof SharedArrayBuffer") == "undefined"
    assert page.evaluate("window.statuspage.debug.python") == "worker"
    assert page.get_attribute("html", "data-status") == "degraded"
    assert page.locator("[data-shard-id]").count() > 0
    # Events reach Python and its commands come back (the theme toggle is a round trip).
    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme]", state="attached")
    # A described event whose default action apply.js prevents, answered by a re-render.
    page.click("#problems-only")
    page.wait_for_selector("#problems-only[aria-pressed=true]", state="attached")
    assert watched.page_errors == []
    # Chromium's own note that it ignores COOP on an untrustworthy origin, and nothing else.
    assert all(
        error.startswith("The Cross-Origin-Opener-Policy header has been ignored")
        for error in watched.console_errors
    ), watched.console_errors


def test_without_module_workers_python_runs_on_the_main_thread(
    mock_site: Served, watched: Watched
) -> None:
    """Where module workers are missing, apply.js makes the script a main-thread one."""
    watched.page.add_init_script(NO_MODULE_WORKERS)
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    assert page.evaluate("window.statuspage.debug.python") == "main"
    assert page.get_attribute("html", "data-status") == "degraded"
    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme]", state="attached")
    watched.assert_clean()


# Counts the workers the page's scripts start (their constructor returned).
COUNT_WORKERS = """(() => {
    const Native = Worker;
    window.__workersStarted = 0;
    window.Worker = class extends Native {
        constructor(...args) { super(...args); window.__workersStarted += 1; }
    };
})();"""


def test_finding_out_where_python_runs_starts_no_worker_of_its_own(
    mock_site: Served, watched: Watched
) -> None:
    """apply.js asks the engine whether it has module workers without starting one: the
    only worker started is PyScript's, where Python runs."""
    watched.page.add_init_script(COUNT_WORKERS)
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    assert page.evaluate("window.statuspage.debug.python") == "worker"
    assert page.evaluate("window.__workersStarted") == 1
    watched.assert_clean()


# Records the events PyScript dispatches for its scripts as they reach the page's window.
RECORD_PYSCRIPT_EVENTS = """(() => {
    window.__pyscriptEvents = [];
    for (const type of ["py:progress", "py:ready", "py:done", "py:all-done"]) {
        addEventListener(type, () => window.__pyscriptEvents.push(type), true);
    }
})();"""


def test_the_worker_waits_on_the_page_for_nothing_while_it_boots(
    mock_site: Served, watched: Watched
) -> None:
    """PyScript's worker would call the page synchronously while it boots, each call
    waiting for the page's busy main thread: to forward its progress events, and to
    dispatch py:ready and py:done on its script element. The page listens to none of
    them, so the build leaves those calls out (tools/runtime_patches.py): none of the
    events reaches the page, no IndexedDB package cache is made for a page that installs
    no packages, and Python still boots in the worker to the page's data."""
    watched.page.add_init_script(RECORD_PYSCRIPT_EVENTS)
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    assert page.evaluate("window.statuspage.debug.python") == "worker"
    assert page.get_attribute("html", "data-status") == "degraded"
    assert page.evaluate("window.__pyscriptEvents") == []
    databases = page.evaluate("indexedDB.databases().then(all => all.map(d => d.name))")
    assert [name for name in databases if "/_r/pyodide-" in name] == []
    watched.assert_clean()


def test_mock_boot_compiles_no_python_source(mock_site: Served, watched: Watched) -> None:
    """Every module imported until data-ready (Pyodide's, PyScript's, the app's, the
    standard library's) is loaded from the bytecode the build made, and so is every
    method that @dataclass and namedtuple generate (static/_bytecode_cache.py)."""
    page = open_page(watched, f"{mock_site.url}/?scenario=operational")
    diagnostics = python_diagnostics(page)
    assert diagnostics["compiled_from_source"] == []
    assert diagnostics["generated_compiled"] == []


def test_pyscript_runs_no_python_of_its_own_before_the_page(
    mock_site: Served, watched: Watched
) -> None:
    """PyScript writes and imports its own package (and pathlib) before every script; the
    page uses none of it, so the build leaves that prelude out (tools/runtime_patches.py):
    none of the package is imported, and the page still works, its worker's test hooks
    (``xworker.sync``) included."""
    page = open_page(watched, f"{mock_site.url}/?scenario=degraded")
    modules = python_diagnostics(page)["modules"]
    assert [name for name in modules if name.split(".")[0] == "pyscript"] == []
    assert "app.main" in modules  # the list is the page's own interpreter's
    assert page.get_attribute("html", "data-status") == "degraded"
    watched.assert_clean()


def test_live_boot_compiles_no_python_source(sites_dir: Path, watched: Watched) -> None:
    """Going live imports python-socketio and engineio: bytecode too, and
    their generated methods come from the build's table."""
    with Backend("python") as backend, serve_live(backend, sites_dir, PUBLIC_HOST) as served:
        page = open_page(watched, served.url + "/")
        assert page.get_attribute("html", "data-source") == "live"
        diagnostics = python_diagnostics(page)
        assert diagnostics["compiled_from_source"] == []
        assert diagnostics["generated_compiled"] == []


def test_preloaded_runtime_files_are_downloaded_once(
    mock_site: Served, playwright_instance: Any
) -> None:
    """The head preloads the wasm and the standard library for the worker, and the page
    fetches the bundle after them; on a cold visit with a disk cache (a fresh browser
    profile) the worker's own requests find them there: the server sends every file
    once."""
    html = (mock_site.root / "index.html").read_text()
    assert 'rel="preload" href="/_r/pyodide-' in html
    paths = cold_visit_paths(mock_site, playwright_instance, "/?scenario=operational")
    assert any(path.endswith("/pyodide.asm.wasm") for path in paths)
    assert any(path.endswith("/python_stdlib.zip") for path in paths)
    assert any(path.startswith("/_a/app.") for path in paths)
    twice = [path for path, n in collections.Counter(paths).items() if n > 1]
    assert twice == []


def test_the_app_bundle_is_fetched_once_the_wasm_has_arrived(
    mock_site: Served, watched: Watched
) -> None:
    """The worker needs the bundle only after the interpreter has booted: the page asks
    for it once the wasm is in, so the two never share the visitor's link (tools/build.py,
    ``bundle_fetch``)."""
    page = open_page(watched, f"{mock_site.url}/?scenario=operational")
    entries = page.evaluate(
        """() => performance.getEntriesByType('resource').map(
            e => [new URL(e.name).pathname, e.startTime, e.responseEnd])"""
    )
    wasm_in = min(end for path, _, end in entries if path.endswith(".wasm") and end > 0)
    bundle_asked = [start for path, start, _ in entries if path.startswith("/_a/app.")]
    assert bundle_asked, entries
    assert min(bundle_asked) >= wasm_in
