"""``make bench``: how fast the page boots and renders, as ratios against a floor.

    python tools/bench.py [--runs 5] [--skip-scale] [--skip-soak]
    python tools/bench.py --loopback-only [--runs 5]   # the page / its bare runtime alone

Every figure is measured in this run, next to a baseline measured in the same run on
the same machine, and printed with its goal. Absolute times on a shared machine are
noise; the ratios are the result.

The visits and what they read: ``tools/bench_visits.py``; the simulated links and the
live connection's round trips: ``tools/bench_links.py``.

- crowd: ten thousand tabs through the page's own refresh and reconnect rules (tools/crowd.py)
- floor: a bare Pyodide page (same self-hosted runtime, same server) that only boots
  and sets ``html[data-ready]``. Medians of cold runs (fresh browser context each).
- time to data-ready, mock and live: the real page, same conditions.
- what the page adds to its runtime on the CPU: the page (mock and live) against a bare
  boot of the site's own runtime (``/floor-site-runtime/``), over loopback.
- longest main-thread task during boot (PerformanceObserver ``longtask``).
- repeat visit in a persistent context: bytes transferred and time to data-ready.
- bytes of the first visit, raw and gzip-compressed (what a CDN sends at least).
- the first visit through simulated links: 40 Mbit/s (mock, against the floor), and
  the phone-grade link (live, against the wasm's own download and against a bare boot
  of the site's runtime; ``--phone-only``), the endpoints behind a delay proxy too.
- the live connection in round trips: Python's first call to data-ready, with the token
  endpoint and the Socket.IO server behind a proxy that delays each chunk by half the
  round trip (``tools/delay_proxy.py``), at 60 and 150 ms (``--connect-only``: these
  rows and the phone-grade link's).
- cumulative layout shift from navigation until two seconds after data-ready.
- returning visit, live: navigation to the last known status painted from storage
  (static/last-known.js), against first contentful paint and data-ready of the same visit.
- scale: 10,000 shards in 625 clusters, render times measured inside the page.
- soak: memory, DOM nodes and proxies early vs late over thousands of refreshes.
- per engine: time to data-ready in Chromium, Firefox ESR and WebKitGTK, each against
  the floor in the same engine (``tools/bench_engines.py``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from tests.support.backends import Backend  # noqa: E402
from tests.support.pages import chromium_path  # noqa: E402
from tests.support.site import live_env  # noqa: E402
from tools.bench_engines import engine_figures  # noqa: E402
from tools.bench_links import connect_figures, link_figures, phone_link_figures  # noqa: E402
from tools.bench_visits import (  # noqa: E402
    CHROMIUM_ARGS,
    PROBE,
    Site,
    build_site,
    cold_visit,
    compressed_size,
    line,
    median_of,
    visit,
    wait_ready,
)
from tools.crowd import report_lines as crowd_lines  # noqa: E402


def crowd_figures() -> None:
    """Ten thousand tabs through the page's own refresh and reconnect rules (simulated)."""
    for text in crowd_lines():
        print(text, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-soak", action="store_true")
    parser.add_argument("--skip-engines", action="store_true")
    parser.add_argument(
        "--phone-only", action="store_true", help="only the phone-grade link figures"
    )
    parser.add_argument(
        "--connect-only",
        action="store_true",
        help="only the live connection's round trips and the phone-grade link figures",
    )
    parser.add_argument(
        "--loopback-only",
        action="store_true",
        help="only what the page adds to its own runtime over loopback (mock and live)",
    )
    parser.add_argument(
        "--crowd-only", action="store_true", help="only the crowd simulation (tools/crowd.py)"
    )
    args = parser.parse_args()
    if args.crowd_only:
        crowd_figures()
        return
    if args.loopback_only:
        loopback_figures(args.runs)
        return
    if args.phone_only or args.connect_only:
        work = Path(tempfile.mkdtemp(prefix="statuspage-bench-"))
        try:
            with sync_playwright() as p:
                if args.connect_only:
                    connect_figures(p, work)
                phone_link_figures(p, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    crowd_figures()  # needs no browser
    print()
    runs = max(5, args.runs)
    work = Path(tempfile.mkdtemp(prefix="statuspage-bench-"))
    print(f"bench: {runs} cold runs each, Chromium at {chromium_path()}, 2 cores shared")
    with sync_playwright() as p, Backend("python", scenario="degraded") as backend:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        mock = build_site(work / "mock", {"STATUSPAGE_MOCK": "always"})
        live = build_site(work / "live", live_env(backend))
        try:
            # Interleave floor and page runs so machine noise hits both alike.
            floor_samples, mock_samples, live_samples, own_samples = [], [], [], []
            for _ in range(runs):
                floor_samples.append(cold_visit(p, mock, "/floor/"))
                own_samples.append(cold_visit(p, mock, "/floor-site-runtime/"))
                mock_samples.append(cold_visit(p, mock, "/?scenario=degraded"))
                live_samples.append(cold_visit(p, live, "/"))
            floor = median_of(len(floor_samples), iter(floor_samples).__next__)
            mock_run = median_of(len(mock_samples), iter(mock_samples).__next__)
            live_run = median_of(len(live_samples), iter(live_samples).__next__)
            own_floor = median_of(len(own_samples), iter(own_samples).__next__)

            print("\nfirst visit (median of cold runs)")
            line("bare Pyodide boot, npm as is (floor)", f"{floor['ready_ms']:.0f} ms", "baseline")
            line(
                "  bare boot of the site's runtime (bytecode)",
                f"{own_floor['ready_ms'] / floor['ready_ms']:.2f} x floor",
                f"reference  ({own_floor['ready_ms']:.0f} ms)",
            )
            for name, run in (("mock", mock_run), ("live", live_run)):
                ratio = run["ready_ms"] / floor["ready_ms"]
                line(
                    f"navigation -> data-ready, {name}",
                    f"{ratio:.2f} x floor",
                    f"goal <= 1.15 x  ({run['ready_ms']:.0f} ms)",
                )
            runtime_rows(own_floor["ready_ms"], mock_run["ready_ms"], live_run["ready_ms"])
            line(
                "longest main-thread task during boot, mock",
                f"{mock_run['longest_task_ms']:.0f} ms",
                "goal <= 200 ms",
            )
            line("  same, bare Pyodide floor", f"{floor['longest_task_ms']:.0f} ms", "reference")
            line("cumulative layout shift, mock", f"{mock_run['cls']:.3f}", "goal <= 0.05")
            raw, packed = compressed_size(work / "mock", mock_run["paths"])
            line("first visit bytes, raw", f"{raw / 1e6:.2f} MB", "")
            line(
                "first visit bytes, gzip -9 (CDN sends <= this)", f"{packed / 1e6:.2f} MB", "report"
            )

            if not args.skip_engines:
                engine_figures(mock.url, runs, chromium=(floor["ready_ms"], mock_run["ready_ms"]))

            link_figures(p, work / "mock", runs)
            connect_figures(p, work)
            phone_link_figures(p, work)

            print("\nrepeat visit (persistent context, warm HTTP cache)")
            profile = work / "profile"
            context = p.chromium.launch_persistent_context(
                profile, executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            try:
                cold = visit(context, mock, "/?scenario=degraded")
                warm = [visit(context, mock, "/?scenario=degraded") for _ in range(runs)]
            finally:
                context.close()
            warm_ready = statistics.median(w["ready_ms"] for w in warm)
            warm_bytes = statistics.median(w["transfer_bytes"] for w in warm)
            line("bytes transferred on repeat", f"{warm_bytes / 1e3:.1f} KB", "goal <= 100 KB")
            line(
                "repeat / cold time to data-ready",
                f"{warm_ready / cold['ready_ms']:.2f} x",
                f"goal <= 0.8 x  ({warm_ready:.0f} / {cold['ready_ms']:.0f} ms)",
            )

            cached_paint(p, live, work, runs)

            if not args.skip_scale:
                scale(browser, backend, work)
            if not args.skip_soak:
                soak(p, work)
        finally:
            browser.close()
            mock.close()
            live.close()
            shutil.rmtree(work, ignore_errors=True)


# What the page may add to a bare boot of its own runtime over loopback, where the CPU is
# all there is: PyScript's start, the app's imports, the first answer and the render.
RUNTIME_GOAL = 1.25


def runtime_rows(runtime_ms: float, mock_ms: float, live_ms: float) -> None:
    """The page against a bare boot of the site's own runtime, measured in the same run."""
    line("bare boot of the site's runtime (loopback)", f"{runtime_ms:.0f} ms", "baseline")
    for name, page_ms in (("mock", mock_ms), ("live", live_ms)):
        line(
            f"  the page, {name} / bare boot of its runtime",
            f"{page_ms / runtime_ms:.2f} x",
            f"goal <= {RUNTIME_GOAL:.2f} x  ({page_ms:.0f} ms)",
        )


def loopback_figures(runs: int) -> None:
    """``--loopback-only``: the page (mock and live) against a bare boot of its runtime.

    Cold visits over loopback, interleaved (runtime, mock, live) so machine noise hits
    each alike; medians. The live page talks to the python-socketio test backend.
    """
    work = Path(tempfile.mkdtemp(prefix="statuspage-bench-"))
    print(f"loopback: {runs} cold runs each, Chromium at {chromium_path()}, 2 cores shared")
    try:
        with sync_playwright() as p, Backend("python", scenario="degraded") as backend:
            mock = build_site(work / "mock", {"STATUSPAGE_MOCK": "always"})
            live = build_site(work / "live", live_env(backend))
            try:
                own, mock_ms, live_ms = [], [], []
                for _ in range(runs):
                    own.append(cold_visit(p, mock, "/floor-site-runtime/")["ready_ms"])
                    mock_ms.append(cold_visit(p, mock, "/?scenario=degraded")["ready_ms"])
                    live_ms.append(cold_visit(p, live, "/")["ready_ms"])
            finally:
                mock.close()
                live.close()
        for name, samples in (("runtime", own), ("mock", mock_ms), ("live", live_ms)):
            print(f"  {name} samples: " + ", ".join(f"{s:.0f}" for s in samples))
        runtime_rows(statistics.median(own), statistics.median(mock_ms), statistics.median(live_ms))
    finally:
        shutil.rmtree(work, ignore_errors=True)


# When static/last-known.js put the stored status on screen (<html data-source="cache">),
# when the first contentful paint happened, and PROBE's data-ready and layout shifts.
CACHED_PROBE = """
(() => {
  const probe = window.__cached = {cached: null, fcp: null};
  new MutationObserver((_, observer) => {
    if (document.documentElement.dataset.source === 'cache') {
      probe.cached = performance.now();
      observer.disconnect();
    }
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-source']});
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      if (e.name === 'first-contentful-paint') probe.fcp = e.startTime;
    }
  }).observe({type: 'paint', buffered: true});
})();
"""


def cached_paint(playwright: Any, site: Site, work: Path, runs: int) -> None:
    """Returning visits to the live page: when the last known status is on screen.

    A persistent profile (its HTTP cache keeps the runtime, its localStorage the status);
    one visit stores the status, then each repeat visit is timed from navigation to the
    painted status, to the first contentful paint and to live data-ready.
    """
    print("\nreturning visit, live: last known status at first paint (persistent profile)")
    context = playwright.chromium.launch_persistent_context(
        work / "profile-cached", executable_path=chromium_path(), args=CHROMIUM_ARGS
    )
    try:
        first = visit(context, site, "/")
        samples = []
        for _ in range(runs):
            page = context.new_page()
            page.add_init_script(PROBE)
            page.add_init_script(CACHED_PROBE)
            page.goto(site.url + "/")
            wait_ready(page)
            page.wait_for_timeout(2000)  # a fixed window after ready, for late layout shifts
            samples.append(page.evaluate("({...window.__cached, ...window.__bench})"))
            stored = page.evaluate("(localStorage.getItem('statuspage-last') || '').length")
            page.close()
    finally:
        context.close()
    missing = [s for s in samples if s["cached"] is None]
    if missing:
        line("navigation -> last known status", "NOT PAINTED", f"in {len(missing)} of {runs} runs")
        return
    cached = statistics.median(s["cached"] for s in samples)
    fcp = statistics.median(s["fcp"] for s in samples)
    ready = statistics.median(s["ready"] for s in samples)
    at_first_paint = sum(1 for s in samples if s["cached"] <= s["fcp"])
    line("navigation -> last known status painted", f"{cached:.0f} ms", "goal <= 1000 ms")
    line(
        "  before the first contentful paint",
        f"{at_first_paint} of {runs} runs",
        f"goal: all  (FCP {fcp:.0f} ms)",
    )
    line(
        "  vs live data-ready on the same visit",
        f"{cached / ready:.2f} x",
        f"reference  ({ready:.0f} ms; first visit {first['ready_ms']:.0f} ms)",
    )
    line(
        "cumulative layout shift, cached -> live",
        f"{max(s['cls'] for s in samples):.3f}",
        "goal <= 0.05 (worst run)",
    )
    line("stored status (4 clusters x 4 shards)", f"{stored / 1e3:.1f} K characters", "report")


# Answers rendered before the scale figures are read: the first, then enough refreshes
# for a median that one garbage collection cannot move (it can take 100 ms of a pass).
SCALE_DATA_RENDERS = 12


def scale(browser: Browser, backend: Backend, work: Path) -> None:
    """10,000 shards in 625 clusters: render times as the page itself measures them."""
    print("\nscale: 625 clusters x 16 shards = 10,000 shards (render times inside the page)")
    backend.set_scenario("degraded", clusters=625, shards_per_cluster=16)
    site = build_site(work / "scale", live_env(backend, refresh=1))
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(site.url + "/")
        page.wait_for_function(
            "() => window.statuspage.debug && window.statuspage.debug.renders"
            f".filter(r => r.kind === 'data').length >= {SCALE_DATA_RENDERS}",
            timeout=180_000,
        )
        renders = page.evaluate("window.statuspage.debug.renders")
    finally:
        context.close()
        site.close()
        backend.set_scenario("degraded", clusters=4, shards_per_cluster=4)
    first = next(r for r in renders if r["kind"] == "data")
    refreshes = [r["ms"] for r in renders if r["kind"] == "data"][1:]
    line("first render with data", f"{first['ms']:.0f} ms", "goal <= 300 ms")
    line("render per refresh (median)", f"{statistics.median(refreshes):.0f} ms", "goal <= 50 ms")
    line("render per refresh (max)", f"{max(refreshes):.0f} ms", "")


def soak(playwright: Any, work: Path) -> None:
    """The soak test's measurement (tests/support/soak.py), 5,000 refreshes at 50 ms."""
    from tests.support.soak import SOAK_BROWSER_ARGS, run_soak

    print("\nsoak: 5,000 refresh cycles against changing data (growth early -> late)")
    with Backend("python", scenario="degraded", tick=0.05) as backend:
        site = build_site(work / "soak", live_env(backend, refresh=0.05))
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=[*CHROMIUM_ARGS, *SOAK_BROWSER_ARGS]
        )
        try:
            page = browser.new_page()
            page.goto(site.url + "/")
            page.wait_for_selector("html[data-ready]", state="attached", timeout=120_000)
            result = run_soak(page, backend, progress=None)
        finally:
            browser.close()
            site.close()
    for name, growth in result.growth().items():
        line(f"{name} growth", f"{growth * 100:+.2f} %", "goal <= +5 %")
    print(result.report())


if __name__ == "__main__":
    main()
