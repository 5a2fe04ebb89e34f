"""The runtime seam: the only module that imports ``js``, ``pyodide`` or ``pyscript``.

Everything else in ``app/`` receives what it needs from here, so it imports and tests
under plain CPython. Under CPython this module still imports: ``IN_BROWSER`` is False
and the browser-only functions are never called.

Public names:
    IN_BROWSER
    Browser                 the page's window/document, as the controller needs them
    Listener                one registered event listener (proxy destroyed on close)
    IntlFormatter           ``app.model.format.Formatter`` on the browser's ``Intl``
    live_proxy_count()      debug counter of proxies handed to JS and not yet destroyed
    make_bridge()           WebSocket capabilities for the engine.io transport
    fetch_json(url, timeout)

Quirks worth knowing (each cost someone an afternoon):
- JS ``null`` arrives as ``pyodide.ffi.jsnull``, not ``None``; compare with ``_is_null``.
- A Python callable handed to JS must be wrapped in ``create_proxy`` and the proxy
  destroyed when done, or it lives (and keeps its closure alive) as long as the tab.
- ``to_js`` on a dict gives a JS ``Map`` unless ``dict_converter=Object.fromEntries``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.controller import UiEvent
from app.model.format import DurationParts

try:  # Pyodide
    import js
    from pyodide.ffi import create_proxy, jsnull, to_js

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
    "fetch_json",
    "live_proxy_count",
    "make_bridge",
]

_live_proxies = 0
_THEME_KEY = "statuspage-theme"
# Formatting caches are cleared when they reach this size. Ids and pings repeat and are
# back after one pass; guild counts and young uptimes are always new, and a tab left
# open for a week must not keep every one it ever showed (the soak test counts them).
_CACHE_LIMIT = 2048
# Each cached duration is a DurationParts object the garbage collector tracks.
_DURATION_CACHE_LIMIT = 256


def live_proxy_count() -> int:
    """Proxies created through this seam and not yet destroyed (the soak test reads it)."""
    from app.transport import engineio_ws

    return _live_proxies + engineio_ws.live_proxy_count()


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


class Listener:
    """``addEventListener`` with a proxy that ``close()`` removes and destroys."""

    def __init__(self, target: Any, kind: str, handler: Callable[[Any], None], capture: bool):
        self._target, self._kind, self._capture = target, kind, capture
        self._proxy = _proxy(handler)
        target.addEventListener(kind, self._proxy, capture)

    def close(self) -> None:
        if self._proxy is not None:
            self._target.removeEventListener(self._kind, self._proxy, self._capture)
            _destroy(self._proxy)
            self._proxy = None


class Browser:
    """The page as the controller sees it: DOM batches, events, location, clock."""

    def __init__(self) -> None:
        self.window = js.window
        self.document = js.document
        self._apply = js.window.statuspage.apply
        self._listeners: list[Listener] = []

    # -- reading the page ---------------------------------------------------------------
    def json_script(self, element_id: str) -> Any:
        return json.loads(self.document.getElementById(element_id).textContent)

    @property
    def lang(self) -> str:
        return str(self.document.documentElement.lang or "en")

    def location(self) -> tuple[str, str, str, str]:
        loc = self.window.location
        return str(loc.protocol), str(loc.hostname), str(loc.search), str(loc.pathname)

    def visible(self) -> bool:
        return str(self.document.visibilityState) == "visible"

    def online(self) -> bool:
        return bool(self.window.navigator.onLine)

    def now_ms(self) -> float:
        return float(js.Date.now())

    # -- writing the page ---------------------------------------------------------------
    def apply(self, ops: list[Any]) -> None:
        """One call across the boundary for a whole render pass."""
        if ops:
            self._apply(json.dumps(ops, separators=(",", ":"), ensure_ascii=False))

    def record_render(self, kind: str, ms: float) -> None:
        """Publish a render's duration and the live proxy count on window.statuspage.debug."""
        self.window.statuspage.recordRender(kind, ms, live_proxy_count())

    def set_title(self, title: str) -> None:
        self.document.title = title

    def set_favicon(self, drawing: list[tuple[Any, ...]], size: int) -> None:
        """Replay ``app.render.favicon`` commands on a canvas; install it as a data: URL."""
        canvas = self.document.createElement("canvas")
        canvas.width = canvas.height = size
        ctx = canvas.getContext("2d")
        paint = "fill"
        for command in drawing:
            name, *args = command
            if name == "fill":
                ctx.fillStyle, paint = args[0], "fill"
            elif name == "stroke":
                ctx.strokeStyle, ctx.lineWidth, paint = args[0], args[1], "stroke"
            else:
                ctx.beginPath()
                if name == "circle":
                    ctx.arc(args[0], args[1], args[2], 0, 6.283185307179586)
                elif name == "rect":
                    ctx.rect(*args)
                elif name == "poly":
                    first, *rest = args[0]
                    ctx.moveTo(*first)
                    for point in rest:
                        ctx.lineTo(*point)
                    ctx.closePath()
                ctx.fill() if paint == "fill" else ctx.stroke()
        self.document.getElementById("favicon").href = canvas.toDataURL("image/png")

    def announce(self, text: str) -> None:
        self.document.getElementById("live-region").textContent = text

    def listen(
        self, target: Any, kind: str, handler: Callable[[Any], None], capture: bool = False
    ) -> Listener:
        listener = Listener(target, kind, handler, capture)
        self._listeners.append(listener)
        return listener

    def close(self) -> None:
        for listener in self._listeners:
            listener.close()
        self._listeners.clear()

    def mark_ready(self) -> None:
        self.document.documentElement.setAttribute("data-ready", "")

    # -- URL, focus, popover, clipboard, theme ------------------------------------------
    def query_param(self, name: str) -> str | None:
        value = js.URLSearchParams.new(self.window.location.search).get(name)
        return None if _is_null(value) else str(value)

    def replace_query_param(self, name: str, value: str | None) -> str:
        """Update the URL without a history entry; returns the new query string."""
        url = js.URL.new(self.window.location.href)
        if value is None:
            url.searchParams.delete(name)
        else:
            url.searchParams.set(name, value)
        self.window.history.replaceState(self.window.history.state, "", url.href)
        return str(url.search)

    def set_input_value(self, element_id: str, value: str) -> None:
        self.document.getElementById(element_id).value = value

    def _shard_element(self, shard_id: int) -> Any:
        return self.document.querySelector(f'[data-shard-id="{int(shard_id)}"]')

    def scroll_to_shard(self, shard_id: int) -> None:
        element = self._shard_element(shard_id)
        if not _is_null(element):
            reduce = self.window.matchMedia("(prefers-reduced-motion: reduce)").matches
            element.scrollIntoView(
                _js_object({"block": "center", "behavior": "auto" if reduce else "smooth"})
            )

    def focus_shard(self, shard_id: int) -> None:
        element = self._shard_element(shard_id)
        if not _is_null(element):
            element.focus()

    def show_details(self, shard_id: int) -> None:
        self.window.statuspage.showDetails(shard_id)

    def hide_details(self) -> None:
        self.window.statuspage.hideDetails()

    async def write_clipboard(self, text: str) -> bool:
        try:
            await self.window.navigator.clipboard.writeText(text)
        except Exception:  # permission denied, insecure context, no clipboard API
            return False
        return True

    def stored_theme(self) -> str | None:
        try:
            value = self.window.localStorage.getItem(_THEME_KEY)
        except Exception:  # storage disabled
            return None
        return str(value) if value in ("light", "dark") else None

    def store_theme(self, theme: str) -> None:
        # Storage disabled: the choice lasts for this visit only.
        with contextlib.suppress(Exception):
            self.window.localStorage.setItem(_THEME_KEY, theme)

    def prefers_dark(self) -> bool:
        return bool(self.window.matchMedia("(prefers-color-scheme: dark)").matches)

    def ui_event(self, event: Any) -> UiEvent:
        """Reduce a DOM event to plain values, with as few calls into JS as possible."""
        target = event.target
        if _is_null(target) or not hasattr(target, "closest"):
            return UiEvent(kind=str(event.type))
        action_el = target.closest("[data-action]")
        shard_el = target.closest("[data-shard-id]")
        related = getattr(event, "relatedTarget", None)
        related_shard = None
        if not _is_null(related) and hasattr(related, "closest"):
            related_el = related.closest("[data-shard-id]")
            if not _is_null(related_el):
                related_shard = int(related_el.dataset.shardId)
        value = None
        action = None
        cluster = None
        if not _is_null(action_el):
            action = str(action_el.dataset.action)
            # A missing dataset key raises AttributeError on a JsProxy; getAttribute
            # answers null instead.
            data_value = action_el.getAttribute("data-value")
            value = None if _is_null(data_value) else str(data_value)
            data_cluster = action_el.getAttribute("data-cluster")
            if not _is_null(data_cluster):
                cluster = int(data_cluster)
        if str(target.id) == "guild-input":
            action, value = "lookup", str(target.value)
        grid_cluster = None
        shard_id = None
        if not _is_null(shard_el):
            shard_id = int(shard_el.dataset.shardId)
            grid = shard_el.parentElement
            grid_attr = None if _is_null(grid) else grid.getAttribute("data-cluster")
            if not _is_null(grid_attr):
                grid_cluster = int(grid_attr)
        return UiEvent(
            kind=str(event.type),
            action=action,
            value=value,
            cluster=cluster,
            shard_id=shard_id,
            grid_cluster=grid_cluster,
            key=str(event.key) if hasattr(event, "key") else None,
            pointer=str(event.pointerType) if hasattr(event, "pointerType") else None,
            in_details=not _is_null(target.closest("#shard-details")),
            related_shard=related_shard,
        )

    async def fetch_text(self, url: str, timeout: float) -> str:
        from pyodide.http import pyfetch

        response = await asyncio.wait_for(pyfetch(url), timeout)
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

    from app.transport.live import FetchError

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
