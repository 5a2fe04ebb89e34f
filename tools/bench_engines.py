"""``make bench``, per engine: time to ``data-ready`` in Firefox ESR and WebKitGTK.

    from tools.bench_engines import engine_figures
    engine_figures(site_url, runs=5, chromium=(floor_ms, page_ms))

Each engine is measured against its own floor, the bare Pyodide page ``/floor/`` that
``tools/bench.py`` builds next to the site (Pyodide as npm ships it, same server, same
headers), in the same run, floor and page visits interleaved. Every visit starts the
engine afresh (``tests/support/engines.py``): an empty profile, so a cold cache.

The time is the page's own clock (``performance.now()``, from navigation start) when
``data-ready`` appears, recorded by a MutationObserver installed as soon as the driver
hands the page back (Firefox: DOMContentLoaded; WebKitGTK: the load event). Chromium's
figures use an init script instead; these drivers have none that works in both, and a
visit whose page was ready before the observer was installed is reported, not counted.
"""

from __future__ import annotations

import statistics
from typing import Any

from tests.support.engines import ENGINES, EngineName, missing, start_engine

# Resolves with performance.now() when data-ready appears; null if it was already there.
_READY_AT = """const html = document.documentElement;
if (html.hasAttribute('data-ready')) return null;
return await new Promise((resolve) => {
  new MutationObserver((_, observer) => {
    if (html.hasAttribute('data-ready')) { observer.disconnect(); resolve(performance.now()); }
  }).observe(html, {attributes: true, attributeFilter: ['data-ready']});
});"""

VISIT_TIMEOUT_S = 180


def cold_ready_ms(name: EngineName, url: str) -> float | None:
    """Navigation -> data-ready in a freshly started ``name``; None if not measurable."""
    with start_engine(name) as engine:
        engine.open(url)
        value = engine.eval(_READY_AT, timeout=VISIT_TIMEOUT_S)
    return None if value is None else float(value)


def engine_figures(
    site_url: str,
    runs: int,
    chromium: tuple[float, float] | None = None,
    page_path: str = "/?scenario=degraded",
) -> dict[str, dict[str, Any]]:
    """Print and return per engine: floor and page medians (ms) and their ratio.

    ``chromium`` is ``(floor_ms, page_ms)`` already measured by ``tools/bench.py`` in this
    run; it is printed in the same table.
    """
    print("\nper engine: navigation -> data-ready, mock, vs a bare Pyodide page in that engine")
    results: dict[str, dict[str, Any]] = {}
    if chromium is not None:
        results["chromium"] = {"floor_ms": chromium[0], "page_ms": chromium[1]}
    for name in ENGINES:
        reason = missing(name)
        if reason is not None:
            print(f"  {name}: not measured: {reason}")
            continue
        floor: list[float] = []
        page: list[float] = []
        late = 0
        for _ in range(runs):
            for samples, path in ((floor, "/floor/"), (page, page_path)):
                value = cold_ready_ms(name, site_url + path)
                if value is None:
                    late += 1
                else:
                    samples.append(value)
        if not floor or not page:
            print(f"  {name}: not measured: data-ready came before the probe in every run")
            continue
        results[name] = {
            "floor_ms": statistics.median(floor),
            "page_ms": statistics.median(page),
            "late_visits": late,
        }
    for engine, figures in results.items():
        ratio = figures["page_ms"] / figures["floor_ms"]
        figures["ratio"] = ratio
        note = f", {figures['late_visits']} visits uncounted" if figures.get("late_visits") else ""
        print(
            f"  {engine:<10} {ratio:>5.2f} x floor   ({figures['page_ms']:.0f} ms vs"
            f" {figures['floor_ms']:.0f} ms, median of cold runs{note})"
        )
    return results
