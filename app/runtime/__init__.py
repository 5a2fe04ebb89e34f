"""The runtime seam: the only package that imports ``js``, ``pyodide`` or ``pyscript``.

Everything else in ``app/`` receives what it needs from here, so it imports and tests
under plain CPython. Under CPython this module still imports: ``IN_BROWSER`` is False
and the browser-only functions are never called.

One module per part of the browser it speaks for; what the rest of the app and the tests
use is re-exported here:

    ffi          the Pyodide imports (CPython stand-ins), proxies and their count
    worker_host  ``window.statuspage`` reached from a worker, by messages
    browser      ``Browser`` (the page: DOM batches, events, location, storage), events
    intl         ``IntlFormatter``
    network      the WebSocket bridge for engine.io, ``fetch_json``
    head_start   ``HeadStart``: the connection's first requests, made before Python ran
    probes       figures read by tests and benchmarks (memory, proxies, compiled modules)

Quirks worth knowing (each cost someone an afternoon):
- JS ``null`` arrives as ``pyodide.ffi.jsnull``, not ``None``; compare with ``ffi.is_null``.
- A Python callable handed to JS must be wrapped in ``create_proxy`` and the proxy
  destroyed when done, or it lives (and keeps its closure alive) as long as the tab
  (``ffi.proxy`` and ``ffi.destroy`` do both and count the live ones).
- ``to_js`` on a dict gives a JS ``Map`` unless ``dict_converter=Object.fromEntries``.
- In a worker, ``js`` is the worker's global (no ``window``, ``document``, ``localStorage``
  or Clipboard API there). PyScript's ``pyscript.window`` would reach the page
  synchronously, but only where ``SharedArrayBuffer`` exists (not in WebKit, even when
  cross-origin isolated: the page then hung at "Connecting…"), so the worker talks to
  the page by messages only, and an event reaches Python after it was dispatched: it
  cannot ``preventDefault()`` (apply.js does).
- A worker started from a blob: URL resolves relative URLs against that blob: URL, so
  page-relative URLs go through ``Browser.resolve_url`` first.
"""

from app.runtime.browser import Browser, Listener, PageEvent
from app.runtime.ffi import IN_BROWSER
from app.runtime.head_start import HeadStart
from app.runtime.intl import IntlFormatter
from app.runtime.network import fetch_json, make_bridge
from app.runtime.probes import compiled_from_source, diagnostics, import_probe, live_proxy_count

__all__ = [
    "IN_BROWSER",
    "Browser",
    "HeadStart",
    "IntlFormatter",
    "Listener",
    "PageEvent",
    "compiled_from_source",
    "diagnostics",
    "fetch_json",
    "import_probe",
    "live_proxy_count",
    "make_bridge",
]
