"""The built page in Chromium (Playwright): launch arguments, a watched page, boot
waits, the page's interpreter's diagnostics, and scripts the tests run in the page.

No pytest here: the fixtures that use these live in ``tests/conftest.py``, and the
bench (``tools/bench.py``) launches Chromium with the same arguments.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.site import PUBLIC_HOST, PUBLIC_PORTS, Served

__all__ = [
    "BOOT_TIMEOUT_MS",
    "CHROMIUM_ARGS",
    "HIDE",
    "JS_STATE_NAMES",
    "NO_MODULE_WORKERS",
    "READY",
    "SHOW",
    "VIOLATIONS",
    "Watched",
    "chromium_path",
    "cold_visit_paths",
    "notifying_page",
    "open_page",
    "python_diagnostics",
    "watch",
]

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
    # "status url" of each 5xx answer: a console error names no URL, this does.
    server_errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.page_errors == [], self.page_errors
        assert self.console_errors == [], (self.console_errors, self.server_errors)

    def foreign_requests(self, *origins: str) -> list[str]:
        """Requests to any origin but ``origins`` (the site's and its configured
        endpoints'); blob: and data: URLs are the page's own. Requests blocked by the
        CSP are listed too: the page tried."""

        def origin(url: str) -> str:
            parts = urlsplit(url)
            return f"{parts.scheme}://{parts.netloc}"

        allowed = {origin(o) for o in origins}
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("blob", "data") and origin(url) not in allowed
        ]


def watch(page: Any) -> Watched:
    watched = Watched(page)
    page.on(
        "console",
        lambda m: watched.console_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: watched.page_errors.append(str(e)))
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on(
        "response",
        lambda r: watched.server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None,
    )
    return watched


def notifying_page(context: Any, origin: str, init_script: str) -> Watched:
    """A fresh page whose origin may show notifications, ``init_script`` run before the
    page's own (to record notifications, or to play a browser's rules)."""
    context.grant_permissions(["notifications"], origin=origin)
    page = context.new_page()
    page.add_init_script(init_script)
    return watch(page)


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

# The Content-Security-Policy violations the page counted, its own and its worker's
# (static/boot-status.js), for page.evaluate; every engine can read it.
VIOLATIONS = "window.statuspageBoot().violations"

# An engine whose Worker ignores the `type` option (no module workers): it never reads it.
NO_MODULE_WORKERS = """(() => {
    const Native = Worker;
    window.Worker = function Worker(url) { return new Native(url); };
})();"""
BOOT_TIMEOUT_MS = 60_000

# The tab hidden, then shown again (with the focus that comes with it), for page.evaluate.
HIDE = """() => {
  Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
  Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""
SHOW = """() => {
  Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});
  Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
  document.dispatchEvent(new Event('visibilitychange'));
  window.dispatchEvent(new Event('focus'));
}"""


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
