"""The runtime seam: the only module that imports ``js``, ``pyodide`` or ``pyscript``.

Everything else in ``app/`` receives what it needs from here, so it imports and tests
under plain CPython. Under CPython this module still imports: ``IN_BROWSER`` is False
and the browser-only functions are never called.

Public names:
    IN_BROWSER
    Browser                 the page, through ``window.statuspage`` (static/apply.js)
    PageEvent               one DOM event as the main thread described it
    Listener                one registered event listener (removed on close)
    IntlFormatter           ``app.model.format.Formatter`` on the browser's ``Intl``
    live_proxy_count()      debug counter of proxies handed to JS and not yet destroyed
    make_bridge()           WebSocket capabilities for the engine.io transport
    fetch_json(url, timeout)

Quirks worth knowing (each cost someone an afternoon):
- JS ``null`` arrives as ``pyodide.ffi.jsnull``, not ``None``; compare with ``_is_null``.
- A Python callable handed to JS must be wrapped in ``create_proxy`` and the proxy
  destroyed when done, or it lives (and keeps its closure alive) as long as the tab.
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

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.model.format import DurationParts
from app.ports import UiEvent

# js, pyodide, pyodide_js and pyscript exist only inside Pyodide, and no typed stubs of
# them are published (JS proxies are dynamic): each import of them is Any to mypy, one
# ignore per import, and this module is the only one that has them.
try:  # Pyodide
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import create_proxy, jsnull, to_js  # type: ignore[import-not-found]

    IN_BROWSER = True
except ImportError:  # CPython: tests import the rest of app/ without a browser
    js = None
    jsnull = None
    IN_BROWSER = False

    def create_proxy(fn: Any) -> Any:
        return fn

    def to_js(value: Any, **_: Any) -> Any:
        return value


if TYPE_CHECKING:
    from app.transport.engineio_ws import BrowserBridge

__all__ = [
    "IN_BROWSER",
    "Browser",
    "IntlFormatter",
    "Listener",
    "PageEvent",
    "diagnostics",
    "fetch_json",
    "import_probe",
    "live_proxy_count",
    "make_bridge",
]

_live_proxies = 0
# Formatting caches are cleared when they reach this size. Ids and pings repeat and are
# back after one pass; guild counts and young uptimes are always new, and a tab left
# open for a week must not keep every one it ever showed (the soak test counts them).
_CACHE_LIMIT = 2048
# Each cached duration is a DurationParts object the garbage collector tracks.
_DURATION_CACHE_LIMIT = 256
# The page's inline JSON scripts, by element id, as keys of static/apply.js ``boot()``.
_JSON_SCRIPTS = {"statuspage-config": "config", "statuspage-messages": "messages"}


def live_proxy_count() -> int:
    """Proxies created through this seam and not yet destroyed (the soak test reads it)."""
    # Not imported here: in mock mode the transport (and engineio) is never loaded at all.
    engineio_ws = sys.modules.get("app.transport.engineio_ws")
    return _live_proxies + (engineio_ws.live_proxy_count() if engineio_ws else 0)


def diagnostics() -> str:
    """Memory figures from inside the interpreter, as JSON (read by the soak test and bench).

    Python objects are counted after a full collection; ``wasm_bytes`` is the size of
    Pyodide's WebAssembly memory, which only ever grows.
    """
    import gc

    import pyodide_js  # type: ignore[import-not-found]

    gc.collect()
    return json.dumps(
        {
            "proxies": live_proxy_count(),
            "py_objects": len(gc.get_objects()),
            "wasm_bytes": int(pyodide_js._module.HEAPU8.length),
            "compiled_from_source": compiled_from_source(),
        }
    )


def import_probe(name: str) -> str:
    """Import ``name`` in the page's interpreter; where it came from, as JSON.

    For tests: a standard library module outside the boot archive is fetched on demand
    (static/sitecustomize.py) and is the only thing compiled from source.
    """
    import importlib

    module = importlib.import_module(name)
    return json.dumps(
        {"file": getattr(module, "__file__", None), "compiled_from_source": compiled_from_source()}
    )


def compiled_from_source() -> list[str]:
    """Modules this interpreter compiled from source instead of loading bytecode.

    The build ships bytecode for everything the page imports at boot (tools/precompile.py);
    a module listed here was compiled in the visitor's browser. Loaded as bytecode means:
    from a ``.pyc`` (in the standard library zip, or sourceless), or from a source file
    with a hash-based ``__pycache__`` entry that is unchecked or matches the source.
    """
    import importlib.util

    compiled = []
    for name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None)
        spec = getattr(module, "__spec__", None)
        if not isinstance(source, str) or not source.endswith(".py"):
            continue  # built in, or loaded from bytecode
        if getattr(spec, "origin", None) == "frozen":
            continue  # frozen into the interpreter (its __file__ names the source)
        cached = getattr(spec, "cached", None)
        try:
            with open(cached, "rb") as cached_file:  # type: ignore[arg-type]
                header = cached_file.read(16)
            with open(source, "rb") as source_file:
                source_hash = importlib.util.source_hash(source_file.read())
        except (TypeError, OSError):  # no cache entry (e.g. a source file in a zip)
            compiled.append(name)
            continue
        flags = int.from_bytes(header[4:8], "little")
        hash_based, check_source = flags & 1, flags & 2
        if not hash_based:
            # Timestamp-based: nothing the build ships; written after compiling the source.
            compiled.append(name)
        elif check_source and header[8:16] != source_hash:
            compiled.append(name)  # checked and stale: the source was compiled instead
    return sorted(compiled)


def _proxy(fn: Callable[..., Any]) -> Any:
    global _live_proxies
    _live_proxies += 1
    return create_proxy(fn)


def _destroy(proxy: Any) -> None:
    global _live_proxies
    _live_proxies -= 1
    proxy.destroy()


def _is_null(value: Any) -> bool:
    return value is None or value is jsnull


class PageEvent:
    """A DOM event as the main thread described it (``describe`` in static/apply.js)."""

    __slots__ = ("kind", "persisted", "target", "ui")

    def __init__(self, description: dict[str, Any]) -> None:
        self.kind: str = description["kind"]
        self.target: str = description["target"]
        self.persisted: bool = bool(description.get("persisted"))
        self.ui: dict[str, Any] | None = description.get("ui")


class Listener:
    """One main-thread listener registered through the host; ``close()`` removes it."""

    def __init__(self, browser: Browser, listener_id: int) -> None:
        self._browser, self.id = browser, listener_id

    def close(self) -> None:
        self._browser._unlisten(self.id)


async def _maybe_await(value: Any) -> Any:
    """A JS promise or a Python awaitable is awaited; anything else is returned as is."""
    if hasattr(value, "then") or asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


class _WorkerHost:
    """``window.statuspage`` (static/apply.js) reached from a worker by messages.

    Every message is a JS array ``["statuspage", name, ...args]`` on the worker's own
    ``postMessage``; apply.js answers on the same channel (``attachWorker``). Nothing
    here blocks, so PyScript's synchronous proxies, and with them ``SharedArrayBuffer``
    and cross-origin isolation, are not needed. ``boot``, ``copy`` and
    ``requestNotifications`` resolve when the answer arrives; ``run`` and ``connect`` need
    none. Events arrive as ``["statuspage", "event", description]``.
    """

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._next = 1
        self._sink: Any = None
        self._listener = _proxy(self._on_message)
        # PyScript's worker already listens to "message" and hands every message to
        # ``xworker.onmessage``, looked up by name in ``__main__``'s globals (it logs an
        # error for each message when there is none): so that is where we listen.
        from polyscript import xworker  # type: ignore[import-not-found]

        import __main__

        xworker.onmessage = self._listener
        __main__.xworker = xworker

    def _post(self, *message: Any) -> None:
        js.postMessage(to_js(["statuspage", *message]))

    def _ask(self, name: str, *args: Any) -> asyncio.Future[Any]:
        call_id, self._next = self._next, self._next + 1
        future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
        self._waiting[call_id] = future
        self._post(name, call_id, *args)
        return future

    def _on_message(self, event: Any) -> None:
        data = event.data
        if not hasattr(data, "to_py"):
            return  # not ours (a string, or PyScript's own traffic)
        message = data.to_py()
        if len(message) < 2 or message[0] != "statuspage":
            return
        if message[1] == "event":
            if self._sink is not None:
                self._sink(message[2])
        elif message[1] == "answer":
            future = self._waiting.pop(int(message[2]), None)
            if future is not None and not future.done():
                future.set_result(message[3])

    def boot(self) -> asyncio.Future[Any]:
        return self._ask("boot")

    def copy(self, text: str) -> asyncio.Future[Any]:
        return self._ask("copy", text)

    def requestNotifications(self) -> asyncio.Future[Any]:  # apply.js names it
        return self._ask("requestNotifications")

    def run(self, commands: str) -> None:
        self._post("run", commands)

    def connect(self, sink: Any) -> None:
        self._sink = None if _is_null(sink) else sink
        self._post("connect", self._sink is not None)


class Browser:
    """The page as the controller sees it: DOM batches, events, location, clock.

    Python may run in a Web Worker (``<script type="py" worker>``) or on the main thread;
    the code is the same. The page is reached only through ``window.statuspage``
    (static/apply.js): directly on the main thread, by messages from a worker
    (``_WorkerHost``). So: everything Python reads is fetched once at boot (``boot()``,
    one JSON string) and kept current from event descriptions; writes are queued and
    sent as one ``run(json)`` call per render pass (``flush``, or soon after any write
    outside a render pass); events arrive as one JSON string each. ``js`` stays this
    thread's own global: Intl, Date, URL, fetch and WebSocket are used natively, in the
    worker when there is one. Made by ``await Browser.start()``.
    """

    def __init__(self, host: Any, page: dict[str, Any], in_worker: bool) -> None:
        self.in_worker = in_worker
        self._host = host
        self._page = page
        self._href: str = page["href"]
        self._search: str = page["search"]
        self._visible: bool = page["visible"]
        self._online: bool = page["online"]
        self._theme: str | None = page["theme"]
        self._title: str | None = None
        self._queue: list[list[Any]] = []
        self._flush_soon: Any = None
        self._handlers: dict[int, Callable[[PageEvent], None]] = {}
        self._next_id = 1
        self._sink: Any = None
        self._send("reportRuntime", "worker" if self.in_worker else "main")
        if self.in_worker:
            from pyscript import sync  # type: ignore[import-not-found]

            # Callable from the main thread as ``<script type=py>.xworker.sync.diagnostics()``.
            sync.diagnostics = diagnostics
            sync.import_probe = import_probe

    @classmethod
    async def start(cls) -> Browser:
        """The page host for wherever this interpreter runs, and the page read at boot.

        On the main thread, ``window.statuspage`` itself. In a worker, ``_WorkerHost``:
        the same four calls as messages, so no ``SharedArrayBuffer`` is needed (WebKit has
        none, even when cross-origin isolated) and the only wait is for ``boot()``.
        """
        in_worker = hasattr(js, "WorkerGlobalScope")
        host: Any = _WorkerHost() if in_worker else js.window.statuspage
        page = json.loads(str(await _maybe_await(host.boot())))
        return cls(host, page, in_worker)

    def _send(self, *command: Any) -> None:
        """Queue one command for ``run``; sent by ``flush``, or soon after at the latest."""
        self._queue.append(list(command))
        if self._flush_soon is None:
            self._flush_soon = asyncio.get_event_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Send every queued write to the main thread in one call."""
        if self._flush_soon is not None:
            self._flush_soon.cancel()
            self._flush_soon = None
        if self._queue:
            commands, self._queue = self._queue, []
            self._host.run(json.dumps(commands, separators=(",", ":"), ensure_ascii=False))

    # -- reading the page ---------------------------------------------------------------
    def json_script(self, element_id: str) -> Any:
        return self._page[_JSON_SCRIPTS[element_id]]

    @property
    def lang(self) -> str:
        return str(self._page["lang"])

    def location(self) -> tuple[str, str, str, str]:
        page = self._page
        return page["protocol"], page["hostname"], self._search, page["pathname"]

    def visible(self) -> bool:
        return self._visible

    def online(self) -> bool:
        return self._online

    def now_ms(self) -> float:
        return float(js.Date.now())

    # -- writing the page ---------------------------------------------------------------
    def apply(self, ops: list[Any]) -> None:
        """A whole render pass's DOM operations, as one command."""
        if ops:
            self._send("apply", ops)

    def record_render(self, kind: str, ms: float) -> None:
        """Publish a render's duration and the live proxy count on window.statuspage.debug.

        ``ms`` is Python's share (view and diff); queued last in the pass, the main
        thread adds the time it spent applying the batch before it.
        """
        self._send("recordRender", kind, ms, live_proxy_count())

    def set_title(self, title: str) -> None:
        if title != self._title:
            self._title = title
            self._send("setTitle", title)

    def set_favicon(self, drawing: list[tuple[Any, ...]], size: int) -> None:
        """``app.render.favicon`` commands, replayed on a canvas by the main thread."""
        self._send("setFavicon", drawing, size)

    def announce(self, text: str) -> None:
        self.apply([["t", "#live-region", text]])

    def listen(
        self, target: str, kind: str, handler: Callable[[Any], None], capture: bool = False
    ) -> Listener:
        """``handler(PageEvent)`` for ``kind`` events on ``"window"`` or ``"document"``."""
        if self._sink is None:
            self._sink = _proxy(self._dispatch)
            self._host.connect(self._sink)
        listener_id, self._next_id = self._next_id, self._next_id + 1
        self._handlers[listener_id] = handler
        self._send("listen", listener_id, target, kind)
        return Listener(self, listener_id)

    def _dispatch(self, description: str) -> None:
        event = json.loads(str(description))
        self._visible, self._online = event["visible"], event["online"]
        handler = self._handlers.get(event["id"])
        if handler is not None:
            handler(PageEvent(event))

    def _unlisten(self, listener_id: int) -> None:
        if self._handlers.pop(listener_id, None) is not None:
            self._send("unlisten", listener_id)

    def close(self) -> None:
        for listener_id in list(self._handlers):
            self._unlisten(listener_id)
        self.flush()
        if self._sink is not None:
            self._host.connect(None)
            _destroy(self._sink)
            self._sink = None

    def mark_ready(self) -> None:
        self.apply([["a", "#html", {"data-ready": ""}]])

    # -- URL, focus, popover, clipboard, theme ------------------------------------------
    def query_param(self, name: str) -> str | None:
        value = js.URLSearchParams.new(self._search).get(name)
        return None if _is_null(value) else str(value)

    def replace_query_param(self, name: str, value: str | None) -> str:
        """Update the URL without a history entry; returns the new query string."""
        url = js.URL.new(self._href)
        if value is None:
            url.searchParams.delete(name)
        else:
            url.searchParams.set(name, value)
        self._href, self._search = str(url.href), str(url.search)
        self._send("replaceUrl", self._href)
        return self._search

    def set_input_value(self, element_id: str, value: str) -> None:
        self._send("setValue", element_id, value)

    def scroll_to_shard(self, shard_id: int) -> None:
        self._send("scrollToShard", int(shard_id))

    def focus_shard(self, shard_id: int) -> None:
        self._send("focusShard", int(shard_id))

    def show_details(self, shard_id: int) -> None:
        self._send("showDetails", int(shard_id))

    def hide_details(self) -> None:
        self._send("hideDetails")

    async def write_clipboard(self, text: str) -> bool:
        # The Clipboard API exists only on the main thread; its promise never rejects.
        self.flush()
        return bool(await _maybe_await(self._host.copy(text)))

    # -- issue 14: the last known status (static/cached-paint.js) ----------------------
    def cached_shown(self) -> bool:
        """Whether the paint script put a stored last known status on screen."""
        return bool(self._page["cached"])

    def drop_cached(self) -> None:
        """Remove the painted view; queued ahead of the ops that replace it."""
        self._send("dropCached")

    def store_snapshot(self, payload: str | None) -> None:
        """Keep ``payload`` for the next visit's first paint (None: keep nothing)."""
        self._send("storeSnapshot", payload)

    def stored_theme(self) -> str | None:
        return self._theme

    def store_theme(self, theme: str) -> None:
        self._theme = theme
        self._send("storeTheme", theme)

    def prefers_dark(self) -> bool:
        return bool(self._page["prefersDark"])

    # -- watching for changes (issue 15) --------------------------------------------------
    def stored_watch(self) -> bool:
        return bool(self._page.get("watch"))

    def store_watch(self, on: bool) -> None:
        self._page["watch"] = on
        self._send("storeWatch", on)

    def notification_permission(self) -> str:
        """As the page said at boot: granted, denied, default or unsupported."""
        return str(self._page.get("notifications", "unsupported"))

    async def request_notifications(self) -> str:
        """The answer to the permission request made by the last press of #watch.

        The request itself was made on the main thread, inside the click (apply.js), so
        the browser sees the visitor's gesture; this only awaits its outcome.
        """
        self.flush()
        answer = str(await self._host.requestNotifications())
        self._page["notifications"] = answer
        return answer

    def notify(self, title: str, body: str) -> None:
        self._send("notify", title, body)

    def ui_event(self, event: PageEvent) -> UiEvent:
        """The event as the main thread reduced it (``describeUi`` in static/apply.js)."""
        if not event.ui:
            return UiEvent(kind=event.kind)
        return UiEvent(**event.ui)

    def resolve_url(self, url: str) -> str:
        """``url`` relative to the page (a worker's own base URL is a blob: URL)."""
        return str(js.URL.new(url, self._href).href)

    async def fetch_text(self, url: str, timeout: float) -> str:
        from pyodide.http import pyfetch  # type: ignore[import-not-found]

        response = await asyncio.wait_for(pyfetch(self.resolve_url(url)), timeout)
        if not response.ok:
            raise OSError(f"HTTP {response.status}")
        return str(await response.text())


class IntlFormatter:
    """``Formatter`` on the browser's ``Intl``; formatters are built once and reused."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        intl = js.Intl
        opts = _js_object
        self._int = intl.NumberFormat.new(locale, opts({"maximumFractionDigits": 0}))
        self._dec: dict[int, Any] = {0: self._int}
        self._ints: dict[int, str] = {}
        self._durations: dict[DurationParts, str] = {}
        self._plural = intl.PluralRules.new(locale)
        self._relative = intl.RelativeTimeFormat.new(locale, opts({"numeric": "auto"}))
        self._clock = intl.DateTimeFormat.new(locale, opts({"timeStyle": "medium"}))
        self._duration = (
            intl.DurationFormat.new(locale, opts({"style": "long"}))
            if hasattr(intl, "DurationFormat")
            else None
        )
        self._units = {
            unit: intl.NumberFormat.new(
                locale, opts({"style": "unit", "unit": unit, "unitDisplay": "long"})
            )
            for unit in ("day", "hour", "minute", "second")
        }
        self._list = intl.ListFormat.new(locale, opts({"type": "unit", "style": "long"}))

    def number(self, value: float, max_fraction_digits: int = 0) -> str:
        # Shard ids and pings repeat every render: one JS call each per visit, not per pass.
        if max_fraction_digits == 0 and type(value) is int:
            text = self._ints.get(value)
            if text is None:
                if len(self._ints) >= _CACHE_LIMIT:
                    self._ints.clear()
                text = self._ints[value] = str(self._int.format(value))
            return text
        fmt = self._dec.get(max_fraction_digits)
        if fmt is None:
            fmt = js.Intl.NumberFormat.new(
                self.locale, _js_object({"maximumFractionDigits": max_fraction_digits})
            )
            self._dec[max_fraction_digits] = fmt
        return str(fmt.format(value))

    def plural(self, count: float) -> str:
        return str(self._plural.select(count))

    def duration(self, parts: DurationParts) -> str:
        text = self._durations.get(parts)
        if text is None:
            if len(self._durations) >= _DURATION_CACHE_LIMIT:
                self._durations.clear()
            text = self._durations[parts] = self._format_duration(parts)
        return text

    def _format_duration(self, parts: DurationParts) -> str:
        values = {
            "days": parts.days,
            "hours": parts.hours,
            "minutes": parts.minutes,
            "seconds": parts.seconds,
        }
        shown = {k: v for k, v in values.items() if v}
        if not shown:
            shown = {"seconds": 0}
        if self._duration is not None:
            return str(self._duration.format(_js_object(shown)))
        pieces = [self._units[k[:-1]].format(v) for k, v in shown.items()]
        return str(self._list.format(to_js(pieces)))

    def relative_seconds(self, seconds: float) -> str:
        # numeric "auto" says "now" for zero; -0.0 keeps it in the past tense.
        return str(self._relative.format(-float(abs(seconds)), "second"))

    def clock(self, epoch_ms: float) -> str:
        return str(self._clock.format(js.Date.new(epoch_ms)))


def _js_object(mapping: dict[str, Any]) -> Any:
    return to_js(mapping, dict_converter=js.Object.fromEntries)


def make_bridge() -> BrowserBridge:
    """The real browser capabilities for ``app.transport.engineio_ws``."""
    from app.transport.engineio_ws import BrowserBridge

    def open_websocket(url: str) -> Any:
        return js.WebSocket.new(url)

    def message_data(event: Any) -> str | bytes:
        data = event.data
        if isinstance(data, str):  # text frame: Pyodide converts JS strings to str
            return data
        return bytes(data.to_bytes())  # binaryType "arraybuffer": a copy as bytes

    def to_js_bytes(data: bytes) -> Any:
        array = js.Uint8Array.new(len(data))
        array.assign(data)  # copied into JS memory: ws.send keeps no view of wasm memory
        return array

    return BrowserBridge(
        open_websocket=open_websocket,
        create_proxy=create_proxy,
        message_data=message_data,
        to_js_bytes=to_js_bytes,
    )


async def fetch_json(url: str, timeout_s: float) -> object:
    """GET ``url`` and parse its JSON body; raise ``FetchError(kind)`` on any failure."""
    from pyodide.ffi import JsException
    from pyodide.http import pyfetch

    from app.transport.retry_client import FetchError

    async def get() -> object:
        try:
            response = await pyfetch(url, method="GET", cache="no-store")
        except (OSError, JsException) as exc:  # network failure, CORS refusal, abort
            raise FetchError("network", str(exc)) from exc
        if not response.ok:
            raise FetchError("http", f"HTTP {response.status}")
        try:
            text = await response.string()
        except (OSError, JsException) as exc:
            raise FetchError("network", str(exc)) from exc
        try:
            return json.loads(text)
        except ValueError as exc:
            raise FetchError("bad-json", str(exc)) from exc

    try:
        # Cancelling pyfetch aborts the request through its AbortController.
        return await asyncio.wait_for(get(), timeout_s)
    except TimeoutError as exc:
        raise FetchError("timeout", f"no answer within {timeout_s:g} s") from exc
