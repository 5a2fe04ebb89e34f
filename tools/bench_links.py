"""The first visit through simulated links, and the live connection in round trips
(``tools/bench.py``).

Over loopback the downloads and the endpoints' round trips cost nothing; here they do.
``link_figures``: the mock page and the floor through a 40 Mbit/s link.
``phone_link_figures``: live data through the phone-grade link, the token endpoint and
the Socket.IO server behind a delay proxy with the link's round trip
(``endpoints_behind_link``). ``connect_figures``: Python's first call to data-ready, in
round trips to the endpoints.
"""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser

from tests.support.backends import Backend
from tests.support.pages import chromium_path
from tests.support.site import live_env
from tools.bench_visits import (
    CHROMIUM_ARGS,
    FLOOR_PAGE,
    PROBE,
    Site,
    build_site,
    cold_visit,
    compressed_size,
    line,
    wait_ready,
)
from tools.delay_proxy import DelayProxy
from tools.serve import Link

# A visitor's connection, roughly: 40 Mbit/s shared by all requests, 40 ms per response.
LINK = Link(bytes_per_second=5_000_000, latency_s=0.04)


def link_figures(playwright: Any, site_dir: Path, runs: int) -> None:
    """The mock page and the floor again, served through a simulated link.

    Over loopback the downloads cost almost nothing; through a link they dominate, and
    what the page does about them (preload hints, bytes) shows.
    """
    print(
        f"\nfirst visit through a simulated link ({LINK.bytes_per_second * 8 / 1e6:.0f} Mbit/s"
        f" shared, +{LINK.latency_s * 1000:.0f} ms per response; median of cold runs)"
    )
    site = Site(site_dir, LINK)
    try:
        floor, page = [], []
        for _ in range(runs):
            floor.append(cold_visit(playwright, site, "/floor/")["ready_ms"])
            page.append(cold_visit(playwright, site, "/?scenario=degraded")["ready_ms"])
    finally:
        site.close()
    floor_ms, page_ms = statistics.median(floor), statistics.median(page)
    line("bare Pyodide boot, npm as is (floor)", f"{floor_ms:.0f} ms", "baseline")
    line(
        "navigation -> data-ready, mock",
        f"{page_ms / floor_ms:.2f} x floor",
        f"goal <= 1.15 x  ({page_ms:.0f} ms)",
    )


# The phone-grade link: 10 Mbit/s shared by all downloads, 60 ms before each
# response, every body paced at its gzip size (what a compressing CDN sends).
PHONE_LINK = Link(bytes_per_second=1_250_000, latency_s=0.06, gzip_paced=True)
PHONE_RUNS = 5
# Downloads the wasm alone, as the page's runtime does, then sets data-ready.
WASM_ONLY_PAGE = FLOOR_PAGE.replace("floor.mjs", "wasm.mjs")
WASM_ONLY_SCRIPT = """const response = await fetch("{wasm}");
await response.arrayBuffer();
document.documentElement.setAttribute("data-ready", "");
"""


def phone_link_figures(playwright: Any, work: Path) -> None:
    """The first visit: live data against a Node socket.io server, through the
    phone-grade link, against the time the wasm alone takes on the same link, and
    against a bare boot of the site's own runtime (``/floor-site-runtime/``: Pyodide with
    the boot archive, main thread, nothing else): what the runtime alone costs there.

    The site's own server is behind the link, and the token endpoint and the Socket.IO
    server behind a delay proxy with the link's round trip (``PHONE_LINK.latency_s``), as
    other hosts across the same network. Cold profile per visit, medians of
    ``PHONE_RUNS``, interleaved.
    """
    print(
        f"\nfirst visit through a phone-grade link ({PHONE_LINK.bytes_per_second * 8 / 1e6:.0f}"
        f" Mbit/s shared, +{PHONE_LINK.latency_s * 1000:.0f} ms per response, bodies paced at"
        f" their gzip size; live, Node socket.io behind a {PHONE_LINK.latency_s * 1000:.0f} ms"
        f" round trip; median of {PHONE_RUNS} cold runs)"
    )
    with (
        Backend("node", scenario="degraded") as backend,
        endpoints_behind_link(backend, PHONE_LINK.latency_s) as (env, _),
    ):
        out = work / "phone"
        build_site(out, env).close()  # with the bare-Pyodide pages; its loopback server unused
        (runtime,) = (r for r in (out / "_r").glob("pyodide-*") if not r.name.endswith("-stock"))
        (out / "wasm-only").mkdir()
        (out / "wasm-only" / "index.html").write_text(WASM_ONLY_PAGE)
        wasm_url = f"/_r/{runtime.name}/pyodide.asm.wasm"
        (out / "wasm-only" / "wasm.mjs").write_text(WASM_ONLY_SCRIPT.replace("{wasm}", wasm_url))
        for file in out.rglob("*"):
            if file.is_file():
                PHONE_LINK.ratio(file)  # gzip every file once, before the clock runs
        site = Site(out, PHONE_LINK)
        try:
            wasm, runtime_boot, page = [], [], []
            for _ in range(PHONE_RUNS):
                wasm.append(cold_visit(playwright, site, "/wasm-only/"))
                runtime_boot.append(cold_visit(playwright, site, "/floor-site-runtime/"))
                page.append(cold_visit(playwright, site, "/"))
        finally:
            site.close()
    wasm_ms = statistics.median(v["ready_ms"] for v in wasm)
    page_ms = statistics.median(v["ready_ms"] for v in page)
    beyond = [p for p in page[-1]["paths"] if not p.split("?", 1)[0].endswith(".wasm")]
    _, beyond_gzip = compressed_size(out, beyond)
    samples = ", ".join(f"{v['ready_ms']:.0f}" for v in page)
    runtime_ms = statistics.median(v["ready_ms"] for v in runtime_boot)
    line("the wasm alone (download)", f"{wasm_ms:.0f} ms", "baseline")
    line(
        "  bare boot of the site's runtime (no app, no PyScript)",
        f"{runtime_ms / wasm_ms:.2f} x the wasm",
        f"reference  ({runtime_ms:.0f} ms)",
    )
    line(
        "navigation -> live data",
        f"{page_ms / wasm_ms:.2f} x the wasm",
        f"goal <= 1.6 x  ({page_ms:.0f} ms; runs {samples})",
    )
    line(
        "  the same, against the bare boot of the site's runtime",
        f"{page_ms / runtime_ms:.2f} x",
        "goal <= 1.10 x",
    )
    line(
        "first visit bytes beyond the wasm, gzip -9",
        f"{beyond_gzip / 1e6:.2f} MB",
        "goal <= 1.3 MB",
    )


@dataclass(frozen=True)
class Endpoints:
    """Where a site finds the bot (what ``live_env`` reads from a backend)."""

    token_url: str
    ws_url: str


def at_port(url: str, port: int) -> str:
    """``url`` with its port replaced (same host, path and scheme)."""
    parts = urlsplit(url)
    return parts._replace(netloc=f"{parts.hostname}:{port}").geturl()


@contextlib.contextmanager
def endpoints_behind_link(
    backend: Backend, rtt_s: float
) -> Iterator[tuple[dict[str, str], tuple[DelayProxy, DelayProxy]]]:
    """The backend's token endpoint and Socket.IO server, each behind a ``DelayProxy``:
    the build environment that points the site at the proxies, and the two proxies
    (whose ``rtt_s`` may change between visits)."""
    with (
        DelayProxy("127.0.0.1", backend.api_port, rtt_s) as api,
        DelayProxy("127.0.0.1", backend.ws_port, rtt_s) as ws,
    ):
        behind = Endpoints(at_port(backend.token_url, api.port), at_port(backend.ws_url, ws.port))
        yield live_env(behind), (api, ws)


# The round trips the connection is timed at, and the runs at each (interleaved).
CONNECT_RTTS_S = (0.0, 0.06, 0.15)
CONNECT_RUNS = 7
# Installed beside PROBE: when Python made its first call (boot() in static/apply.js
# dispatches "statuspage:python-started"), and the page's own render times up to
# data-ready (window.statuspage.debug, read in the batch that set it).
CONNECT_PROBE = """
(() => {
  const probe = window.__connect = {started: null, renders: null};
  document.addEventListener('statuspage:python-started', () => {
    if (probe.started === null) probe.started = performance.now();
  });
  new MutationObserver((_, observer) => {
    if (document.documentElement.hasAttribute('data-ready')) {
      probe.renders = (window.statuspage?.debug.renders ?? []).map(r => r.ms);
      observer.disconnect();
    }
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-ready']});
})();
"""


def connect_figures(playwright: Any, work: Path) -> None:
    """Python's first call to live data, in round trips to the endpoints.

    The token endpoint and the Socket.IO server (Node socket.io) are behind a
    ``DelayProxy`` each; the site itself is served over loopback. Each visit is a fresh
    browser context; each run visits once with no delay, then once at each round trip.

    The round trips are (time from Python's first call to data-ready - the page's own
    time) ÷ the round trip, the median over the runs. The page's own time is that of the
    same run's visit with no delay: the renders, and the imports and the rest of the work
    the renders do not include. (The renders alone, which the page measures itself, leave
    that other work in, hundreds of milliseconds on a loaded machine; the printed "less
    the renders only" figure shows it.)
    """
    print(
        "\nthe live connection: Python's first call -> data-ready, the token endpoint and"
        " the Socket.IO server behind a delay proxy (Node socket.io; median of"
        f" {CONNECT_RUNS} runs)"
    )
    with (
        Backend("node", scenario="degraded") as backend,
        endpoints_behind_link(backend, 0.0) as (env, proxies),
    ):
        site = build_site(work / "connect", env)
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        samples: dict[float, list[tuple[float, float]]] = {rtt: [] for rtt in CONNECT_RTTS_S}
        try:
            for _ in range(CONNECT_RUNS):
                for rtt in CONNECT_RTTS_S:
                    for proxy in proxies:
                        proxy.rtt_s = rtt
                    samples[rtt].append(python_to_live(browser, site))
        finally:
            browser.close()
            site.close()
    base = samples[0.0]
    line(
        "no delay: first call -> data-ready",
        f"{statistics.median(total for total, _ in base):.0f} ms",
        f"reference  ({statistics.median(total - renders for total, renders in base):.0f} ms"
        " of it outside the renders)",
    )
    for rtt in CONNECT_RTTS_S[1:]:
        runs = samples[rtt]
        ms = rtt * 1000
        trips = statistics.median((t - t0) / ms for (t, _), (t0, _) in zip(runs, base, strict=True))
        renders_only = statistics.median((t - r) / ms for t, r in runs)
        line(
            f"round trips at {ms:.0f} ms: first call -> data-ready",
            f"{trips:.2f}",
            f"goal <= 3.5  ({statistics.median(t for t, _ in runs):.0f} ms;"
            f" less the renders only: {renders_only:.2f})",
        )


def python_to_live(browser: Browser, site: Site) -> tuple[float, float]:
    """One visit: ms from Python's first call to data-ready, and the ms of renders in it."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(PROBE)
        page.add_init_script(CONNECT_PROBE)
        page.goto(site.url + "/")
        wait_ready(page)
        probe = page.evaluate("({ready: window.__bench.ready, ...window.__connect})")
    finally:
        context.close()
    return probe["ready"] - probe["started"], sum(probe["renders"])
