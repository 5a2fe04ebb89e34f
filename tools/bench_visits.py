"""How the bench visits a page, and what it reads there (``tools/bench.py``).

Every figure of ``make bench`` comes from visits made here: a built site served over
HTTP with its production headers (``Site``, optionally through a simulated ``Link``),
beside two bare-Pyodide pages under the same server and headers (``build_site``), each
visit in a browser with a fresh profile (``cold_visit``), timed by ``PROBE`` on the
page's own clock.
"""

from __future__ import annotations

import gzip
import shutil
import statistics
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.pages import CHROMIUM_ARGS as TEST_CHROMIUM_ARGS
from tests.support.pages import chromium_path
from tools.build import PYODIDE_FILES, build, npm_version
from tools.serve import Link, make_server

ROOT = Path(__file__).resolve().parent.parent

# Chromium 156 loads its omnibox popup (two WebUI pages, hundreds of modules) in a
# renderer of its own as it starts: ~1 s of CPU on 2 cores during a cold visit's first
# 700 ms, which a visitor's long-running browser has done long before. Measured with it
# (2026-12-07, 7 interleaved cold runs): bare runtime 1273 ms, the page 2049 ms; with the
# browser settled first: 1003 ms and 1670 ms. The bench switches it off rather than wait.
CHROMIUM_ARGS = [*TEST_CHROMIUM_ARGS, "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup"]

# Installed before any page script: records when data-ready appears, every long task
# and every layout shift, so the figures come from the page's own clock.
PROBE = """
(() => {
  let readied;
  const probe = window.__bench = {
    ready: null, longtasks: [], cls: 0, done: new Promise(resolve => { readied = resolve; }),
  };
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) probe.longtasks.push([e.startTime, e.duration]);
  }).observe({type: 'longtask', buffered: true});
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) probe.cls += e.value;
  }).observe({type: 'layout-shift', buffered: true});
  new MutationObserver((_, observer) => {
    if (document.documentElement.hasAttribute('data-ready')) {
      probe.ready = performance.now();
      readied();
      observer.disconnect();
    }
  // The document, not documentElement: init scripts run before <html> is parsed.
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-ready']});
})();
"""

# Awaited, never polled: Playwright's wait_for_function polls at every animation frame
# by default, which keeps the page drawing frames no visitor's browser would draw while
# Python runs in the worker beside it (a trace of a cold mock visit: 102 main-thread
# frames before data-ready, 14 with a slow timer's polling instead).
READY = """() => Promise.race([
  window.__bench.done,
  new Promise((_, fail) => setTimeout(() => fail(new Error("no data-ready in 120 s")), 120000)),
])"""


def wait_ready(page: Any) -> None:
    """Until PROBE saw data-ready (120 s at most), without polling the page."""
    page.evaluate(READY)


# An external module, so the floor runs under the same CSP as the page.
FLOOR_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>floor</title>
<script type="module" src="floor.mjs"></script></head><body></body></html>
"""
FLOOR_SCRIPT = """import { loadPyodide } from "{pyodide}/pyodide.mjs";
const py = await loadPyodide({indexURL: "{pyodide}/"});
py.runPython("1 + 1");
document.documentElement.setAttribute("data-ready", "");
"""


class Site:
    def __init__(self, directory: Path, link: Link | None = None) -> None:
        self.server = make_server(directory, "127.0.0.1", 0, link)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def build_site(out: Path, env: dict[str, str]) -> Site:
    """The site, plus two bare-Pyodide pages under the same server and headers.

    ``/floor/`` boots Pyodide exactly as npm ships it (its standard library as source):
    the baseline the goals are stated against. ``/floor-site-runtime/`` boots the site's
    own runtime directory (standard library with bytecode), to show what the app itself
    adds on top of the runtime it ships.
    """
    build(out, env)
    stock = out / "_r" / f"pyodide-{npm_version('pyodide')}-stock"
    stock.mkdir()
    for name in PYODIDE_FILES:
        shutil.copy2(ROOT / "node_modules" / "pyodide" / name, stock / name)
    (site_runtime,) = (p for p in (out / "_r").glob("pyodide-*") if p != stock)
    for page, runtime in (("floor", stock), ("floor-site-runtime", site_runtime)):
        (out / page).mkdir()
        (out / page / "index.html").write_text(FLOOR_PAGE)
        script = FLOOR_SCRIPT.replace("{pyodide}", f"/_r/{runtime.name}")
        (out / page / "floor.mjs").write_text(script)
    return Site(out)


def cold_visit(playwright: Any, site: Site, path: str) -> dict[str, Any]:
    """One visit with an empty cache, in a browser with a fresh profile on disk.

    Not a fresh in-memory context: its HTTP cache does not keep the 9.6 MB wasm, so a
    preloaded wasm would be downloaded twice (the page's preload, then the worker's own
    request), which no real browser does. A fresh profile has a real, empty disk cache.
    """
    with tempfile.TemporaryDirectory(prefix="statuspage-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium_path(), args=CHROMIUM_ARGS
        )
        try:
            return visit(context, site, path)
        finally:
            context.close()


def visit(context: Any, site: Site, path: str) -> dict[str, Any]:
    """Load ``path`` until data-ready (+2 s for late layout shifts); count what the site sent.

    Bytes are counted by the server (headers and bodies of every response, the worker's
    requests included), since a page's own resource timings do not see a worker's fetches.
    """
    sent = site.server.sent
    sent.clear()
    page = context.new_page()
    page.add_init_script(PROBE)
    page.goto(site.url + path)
    wait_ready(page)
    page.wait_for_timeout(2000)  # a fixed window after ready, to collect late layout shifts
    probe = page.evaluate("window.__bench")
    page.close()
    responses = list(sent)
    boot = [d for start, d in probe["longtasks"] if start < probe["ready"]]
    return {
        "ready_ms": probe["ready"],
        "longest_task_ms": max(boot, default=0.0),
        "cls": probe["cls"],
        "transfer_bytes": sum(count for _, count in responses),
        "paths": [request_path for request_path, _ in responses],
    }


def median_of(runs: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    samples = [measure() for _ in range(runs)]
    return {
        key: statistics.median(s[key] for s in samples)
        for key in ("ready_ms", "longest_task_ms", "cls", "transfer_bytes")
    } | {"paths": samples[-1]["paths"], "samples": [s["ready_ms"] for s in samples]}


def compressed_size(site_dir: Path, paths: list[str]) -> tuple[int, int]:
    """Bytes of the files behind ``paths``, raw and gzip -9 (a CDN sends at most that)."""
    raw = packed = 0
    for request_path in paths:
        path = request_path.split("?", 1)[0]
        file = site_dir / path.lstrip("/")
        if file.is_dir() or path.endswith("/"):
            file = file / "index.html"
        if not file.exists():
            continue
        data = file.read_bytes()
        raw += len(data)
        packed += len(gzip.compress(data, compresslevel=9))
    return raw, packed


def line(name: str, value: str, goal: str = "") -> None:
    print(f"  {name:<46} {value:>22}   {goal}")
