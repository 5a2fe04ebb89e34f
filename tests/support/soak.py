"""Soak measurements of a running status page: does anything grow while the tab stays open?

Reusable by the soak test (``tests/browser/test_soak.py``) and by benchmarks: no pytest here.

    browser = playwright.chromium.launch(args=[*CHROMIUM_ARGS, *SOAK_BROWSER_ARGS])
    ...open the page against a Backend with a fast refresh...
    result = run_soak(page, backend, early_cycles=500, late_cycles=5000)
    print(result.report())
    assert not result.grown(0.05)

What one :class:`Sample` holds, each read after a forced garbage collection (Python's
``gc.collect()`` in the page's interpreter, then V8's ``gc()`` when the browser was started with
``--js-flags=--expose-gc``):

``wasm_bytes``     Pyodide's WebAssembly memory (``_module.HEAPU8.length``), read by
                   ``app.runtime.diagnostics()`` inside the interpreter: in the worker
                   through PyScript's ``xworker.sync``, on the main thread through
                   ``whenDefined('py')``.
``js_heap_bytes``  ``performance.memory.usedJSHeapSize`` (Chromium; precise only with
                   ``--enable-precise-memory-info``, otherwise quantized).
``dom_nodes``      ``document.getElementsByTagName('*').length``.
``proxies``        ``app.runtime.live_proxy_count()``: event-listener proxies handed to JS and
                   not destroyed.
``applied_nodes``  elements the DOM applier (``static/apply.js``) still has in its key map.
``py_objects``     objects tracked by Python's garbage collector.

A *cycle* is one refresh: one ``get-cluster-status`` emit counted by the backend.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from tests.support.pages import python_diagnostics

__all__ = [
    "SOAK_BROWSER_ARGS",
    "Sample",
    "SoakResult",
    "run_soak",
    "sample",
    "wait_for_cycles",
]

#: Chromium flags for meaningful figures: precise JS heap numbers and a callable ``gc()``.
SOAK_BROWSER_ARGS = ["--enable-precise-memory-info", "--js-flags=--expose-gc"]

_SAMPLE_JS = """() => {
    if (typeof globalThis.gc === 'function') { globalThis.gc(); globalThis.gc(); }
    return {
        js_heap_bytes: performance.memory ? performance.memory.usedJSHeapSize : -1,
        dom_nodes: document.getElementsByTagName('*').length,
        applied_nodes: window.statuspage.liveNodeCount(),
    };
}"""


@dataclass(frozen=True)
class Sample:
    cycles: int
    wasm_bytes: int
    js_heap_bytes: int
    dom_nodes: int
    proxies: int
    applied_nodes: int
    py_objects: int

    METRICS = (
        "wasm_bytes",
        "js_heap_bytes",
        "dom_nodes",
        "proxies",
        "applied_nodes",
        "py_objects",
    )


def sample(page: Any, cycles: int) -> Sample:
    """One set of figures from ``page`` (after forced GC), labelled with ``cycles``."""
    figures = python_diagnostics(page) | page.evaluate(_SAMPLE_JS)
    return Sample(cycles=cycles, **{k: int(figures[k]) for k in Sample.METRICS})


#: Refresh cycles the page gets to render pinned data before it is sampled: the emit
#: after next is only sent once the previous ack was handled (one request in flight).
SETTLE_CYCLES = 3


def _steady_sample(page: Any, backend: Any, repeats: int, pinned: list[Any]) -> Sample:
    """Several samples in a row, per metric the lowest: what survives garbage collection.

    The backend serves ``pinned`` (and stops evolving) while the page is sampled, so the
    early and the late sample count the DOM of the same data: the evolving scenario moves
    shards between states, and a legend entry or a problem line that exists at one moment
    and not at the other is not a leak. Evolution resumes from ``pinned`` afterwards.
    """
    backend.set_clusters(pinned)
    settled = int(backend.stats()["emits"]) + SETTLE_CYCLES
    wait_for_cycles(backend, settled, timeout=60, poll=0.1)
    samples = [sample(page, backend.stats()["emits"]) for _ in range(repeats)]
    backend.set_clusters(pinned, evolve=True)
    low = {k: min(getattr(s, k) for s in samples) for k in Sample.METRICS}
    return Sample(cycles=int(statistics.median(s.cycles for s in samples)), **low)


def wait_for_cycles(
    backend: Any,
    cycles: int,
    *,
    timeout: float,
    poll: float = 1.0,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Wait until the backend has counted ``cycles`` emits; return the count."""
    deadline = time.monotonic() + timeout
    last_report = time.monotonic()
    while True:
        emits = int(backend.stats()["emits"])
        if emits >= cycles:
            return emits
        now = time.monotonic()
        if now > deadline:
            raise TimeoutError(f"only {emits} of {cycles} refresh cycles within {timeout:g} s")
        if progress is not None and now - last_report >= 30:
            progress(f"  … {emits} cycles")
            last_report = now
        time.sleep(poll)


@dataclass(frozen=True)
class SoakResult:
    early: Sample
    late: Sample
    seconds: float  # wall time from the early to the late sample

    def growth(self) -> dict[str, float]:
        """Relative growth per metric, late over early (0.03 = +3 %)."""
        out = {}
        for name in Sample.METRICS:
            before, after = getattr(self.early, name), getattr(self.late, name)
            out[name] = (after - before) / before if before else float(after > 0)
        return out

    def grown(self, limit: float) -> dict[str, float]:
        """The metrics that grew by more than ``limit`` (a fraction)."""
        return {k: v for k, v in self.growth().items() if v > limit}

    def cycles_per_second(self) -> float:
        return (self.late.cycles - self.early.cycles) / self.seconds if self.seconds else 0.0

    def report(self) -> str:
        lines = [
            f"soak: {self.early.cycles} -> {self.late.cycles} refresh cycles in "
            f"{self.seconds:.0f} s ({self.cycles_per_second():.1f}/s)",
            f"  {'metric':<14}{'early':>14}{'late':>14}{'growth':>10}",
        ]
        growth = self.growth()
        for name in Sample.METRICS:
            lines.append(
                f"  {name:<14}{getattr(self.early, name):>14,}{getattr(self.late, name):>14,}"
                f"{growth[name]:>+10.2%}"
            )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "early": asdict(self.early),
            "late": asdict(self.late),
            "seconds": self.seconds,
            "growth": self.growth(),
        }


def run_soak(
    page: Any,
    backend: Any,
    *,
    early_cycles: int = 500,
    late_cycles: int = 5000,
    repeats: int = 3,
    cycle_rate_floor: float = 5.0,
    progress: Callable[[str], None] | None = print,
) -> SoakResult:
    """Let ``page`` refresh against ``backend`` and sample it after the early and late cycles.

    ``backend`` is a :class:`tests.support.backends.Backend` (``stats()["emits"]`` and the cluster
    control calls) whose counters started with the page. Timeouts assume at least
    ``cycle_rate_floor`` cycles per second.
    """
    pinned = backend.get_clusters()
    wait_for_cycles(
        backend, early_cycles, timeout=early_cycles / cycle_rate_floor + 60, progress=progress
    )
    early = _steady_sample(page, backend, repeats, pinned)
    started = time.monotonic()
    if progress is not None:
        progress(f"  early sample at {early.cycles} cycles")
    wait_for_cycles(
        backend,
        late_cycles,
        timeout=(late_cycles - early.cycles) / cycle_rate_floor + 60,
        progress=progress,
    )
    late = _steady_sample(page, backend, repeats, pinned)
    return SoakResult(early, late, time.monotonic() - started)
