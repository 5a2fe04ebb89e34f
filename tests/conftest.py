"""Shared fixtures: the repository root on sys.path, built sites, a static server, Chromium.

Browser tests build the real site (``tools/build.py``) with the environment they need,
serve it over HTTP with ``tools/serve.py`` and drive Debian's Chromium through
Playwright. Every browser test requests the ``served`` / ``browser`` fixtures itself;
nothing depends on test order.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import build as site_build  # noqa: E402
from tools.serve import make_server  # noqa: E402

# A name that is not a local host, for proving what the page does on the real domain.
PUBLIC_HOST = "status.test"
# The real domain is HTTPS, a secure context, where the page can be cross-origin isolated
# and runs Python in a worker. Plain-HTTP status.test stands in for it on these ports,
# which Chromium is told to treat as secure (it takes exact origins only). A site served
# on PUBLIC_HOST with ``secure=False`` gets another port: an insecure context.
PUBLIC_PORTS = range(47810, 47840)

CHROMIUM_ARGS = [
    f"--host-resolver-rules=MAP {PUBLIC_HOST} 127.0.0.1",
    "--unsafely-treat-insecure-origin-as-secure="
    + ",".join(f"http://{PUBLIC_HOST}:{port}" for port in PUBLIC_PORTS),
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """$CHROMIUM_PATH, else Debian's /usr/bin/chromium, else Playwright's own browser."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return None


_built: dict[tuple[tuple[str, str], ...], Path] = {}


def built_site(tmp_root: Path, **env: str) -> Path:
    """Build dist/ once per distinct environment for the whole session."""
    key = tuple(sorted(env.items()))
    if key not in _built:
        out = tmp_root / f"site{len(_built)}"
        site_build.build(out, {k: v for k, v in env.items()})
        _built[key] = out
    return _built[key]


@dataclass
class Served:
    """A built site behind a real HTTP server."""

    root: Path
    url: str
    server: Any

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(
    directory: Path,
    host: str = "127.0.0.1",
    secure: bool = True,
    faults: list[tuple[str, str]] | None = None,
) -> Served:
    """Serve on 127.0.0.1; ``host`` is the name the page is opened under.

    On PUBLIC_HOST the page is a secure context (one of PUBLIC_PORTS) unless ``secure``
    is false. Local hosts are always secure contexts. ``faults``: see tools/serve.py.
    """
    ports = PUBLIC_PORTS if host == PUBLIC_HOST and secure else [0]
    for port in ports:
        try:
            server = make_server(directory, "127.0.0.1", port, faults=faults)
            break
        except OSError:  # taken by another test's server
            continue
    else:
        raise RuntimeError(f"no free port in {ports}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Served(directory, f"http://{host}:{server.server_address[1]}", server)


@contextlib.contextmanager
def serve_live(
    backend: Any, sites_dir: Path, host: str = "127.0.0.1", **env: Any
) -> Iterator[Served]:
    """A site built against ``backend`` (``live_env`` options in ``env``), served."""
    served = serve(built_site(sites_dir, **live_env(backend, **env)), host)
    try:
        yield served
    finally:
        served.close()


def live_env(backend: Any, mock: str = "never", refresh: float = 15) -> dict[str, str]:
    """Build environment for a site that talks to ``backend``."""
    return {
        "STATUSPAGE_TOKEN_URL": backend.token_url,
        "STATUSPAGE_WS_URL": backend.ws_url,
        "STATUSPAGE_MOCK": mock,
        "STATUSPAGE_REFRESH_SECONDS": str(refresh),
    }


# `make browser` runs the browser tests in parallel processes (pytest-xdist, --dist
# loadgroup): one test at a time to whichever worker is free, except groups that share
# something expensive to start, which stay on one worker (each engine's class in
# tests/engines/ is grouped there). The soak, the longest single test, goes first so that
# it does not run alone at the end.
_GROUPS = {"test_cloudflare.py": "workerd"}  # one `wrangler dev` for the module
_FIRST = ("test_soak.py",)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = _GROUPS.get(item.path.name)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: item.path.name not in _FIRST)


@pytest.fixture(scope="session")
def sites_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("sites")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def mock_site(sites_dir: Path) -> Iterator[Served]:
    """The site built with STATUSPAGE_MOCK=always, served on 127.0.0.1."""
    served = serve(built_site(sites_dir, STATUSPAGE_MOCK="always"))
    yield served
    served.close()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


# ``app.runtime.diagnostics()``, called from the page wherever Python runs: in PyScript's
# worker through its ``xworker.sync`` bridge, on the main thread through ``whenDefined``.
_DIAGNOSTICS_JS = """async () => {
    const script = document.querySelector('script[type="py"]');
    if (script.xworker) return JSON.parse(await script.xworker.sync.diagnostics());
    const core = document.querySelector('script[type="module"][src*="/pyscript-"]');
    const { whenDefined } = await import(core.src);
    const { interpreter } = await whenDefined('py');
    return JSON.parse(interpreter.runPython('from app.runtime import diagnostics\\ndiagnostics()'));
}"""


def python_diagnostics(page: Any) -> dict[str, Any]:
    """Memory figures and compiled modules from the page's interpreter (after a GC)."""
    return dict(page.evaluate(_DIAGNOSTICS_JS))


@dataclass
class Watched:
    """A page plus everything it logged and requested, for assertions."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.page_errors == [], self.page_errors
        assert self.console_errors == [], self.console_errors


def watch(page: Any) -> Watched:
    watched = Watched(page)
    page.on(
        "console",
        lambda m: watched.console_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: watched.page_errors.append(str(e)))
    page.on("request", lambda r: watched.requests.append(r.url))
    return watched


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def watched(context: Any) -> Watched:
    """A fresh page in a fresh context, recording console errors and requests."""
    return watch(context.new_page())


# discord.js Status names by number, as discord.js documents them (a literal on purpose:
# the app's own table in app/model/vocabulary.py is what these tests check).
JS_STATE_NAMES = [
    "Ready",
    "Connecting",
    "Reconnecting",
    "Idle",
    "Nearly",
    "Disconnected",
    "WaitingForGuilds",
    "Identifying",
    "Resuming",
]

READY = "html[data-ready]"

# An engine whose Worker ignores the `type` option (no module workers): it never reads it.
NO_MODULE_WORKERS = """(() => {
    const Native = Worker;
    window.Worker = function Worker(url) { return new Native(url); };
})();"""
BOOT_TIMEOUT_MS = 60_000


def open_page(watched: Watched, url: str) -> Any:
    watched.page.goto(url)
    watched.page.wait_for_selector(READY, state="attached", timeout=BOOT_TIMEOUT_MS)
    return watched.page


def cold_visit_paths(site: Served, playwright_instance: Any, path: str) -> list[str]:
    """Request paths the server answered for one cold visit (fresh profile, disk cache)."""
    sent = site.server.sent
    with tempfile.TemporaryDirectory() as profile:
        context = playwright_instance.chromium.launch_persistent_context(
            profile, executable_path=chromium_path(), args=CHROMIUM_ARGS
        )
        try:
            sent.clear()
            page = context.new_page()
            page.goto(site.url + path)
            page.wait_for_selector("html[data-ready]", state="attached")
            return [request_path for request_path, _ in sent]
        finally:
            context.close()
