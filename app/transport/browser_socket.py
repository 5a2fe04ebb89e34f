"""One browser ``WebSocket`` as asyncio sees it, for the engine.io client in Pyodide.

``BrowserWebSocket`` is the asyncio face of one browser socket: what engineio's write
loop and ``disconnect()`` see as ``client.ws`` (``app.transport.engineio_ws``). This
module never imports ``js``, ``pyodide`` or ``pyscript``: the browser is reached only
through a ``BrowserBridge`` that ``app.runtime`` builds, so everything here runs under
CPython with fakes. ``live_proxy_count`` counts the event-listener proxies created and
not yet destroyed, for the soak tests.

Quirks:
- ``binaryType`` is set to ``'arraybuffer'`` so binary frames arrive as ``ArrayBuffer`` and the
  bridge's ``message_data`` can turn them into ``bytes`` synchronously (a ``Blob`` would need an
  await inside the event listener).
- Listeners run synchronously on the JS event loop; they only enqueue into an ``asyncio.Queue``
  or resolve a future, never await. Each is a ``create_proxy`` proxy, removed with
  ``removeEventListener`` and ``destroy()``-ed exactly once: on the ``close`` event, on our own
  ``close()``, or when opening fails or times out.
- ``send_str``/``send_bytes`` never raise. engineio 4.15.1's write loop names
  ``aiohttp.client_exceptions`` in an ``except`` clause, which would itself raise
  ``AttributeError`` when aiohttp is missing; a failed send instead tears the socket down so the
  read loop ends and engineio reports the disconnect the normal way.
- A socket opened before Python ran (the connection's head start, ``app.model.head_start``)
  is taken over instead of opening one, when the bridge offers one for the same URL
  (``BrowserBridge.claim_websocket``, once): with the events it received until then,
  replayed in order, in the same step as the listeners are added, so none is lost. One
  that is closing or closed by then is dropped, and a socket of its own is opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = [
    "CLOSED",
    "CLOSING",
    "CONNECTING",
    "OPEN",
    "SOCKET_EVENTS",
    "BrowserBridge",
    "BrowserWebSocket",
    "Claimed",
    "JsWebSocketLike",
    "ProxyLike",
    "WebSocketOpenError",
    "WsMessage",
    "live_proxy_count",
]

CLOSE_NORMAL = 1000
"""WebSocket close code sent when we close the socket ourselves."""

# WebSocket.readyState values (HTML standard).
CONNECTING, OPEN, CLOSING, CLOSED = 0, 1, 2, 3

SOCKET_EVENTS = ("open", "message", "error", "close")
"""The socket's events this module handles, and so the ones static/head-start.js keeps
for it until the socket is claimed (the build hands it this list)."""

_live_proxies = 0


def live_proxy_count() -> int:
    """Return how many listener proxies exist that were not destroyed yet (all sockets)."""
    return _live_proxies


class JsWebSocketLike(Protocol):
    """The members of a browser ``WebSocket`` (``js.WebSocket.new(url)``) used here."""

    binaryType: str
    readyState: int

    def send(self, data: object) -> None: ...

    def close(self, code: int = ..., reason: str = ...) -> None: ...

    def addEventListener(self, type: str, listener: object) -> None: ...

    def removeEventListener(self, type: str, listener: object) -> None: ...


Claimed = tuple[JsWebSocketLike, list[Any]]
"""A socket opened before Python ran, and the events it received since (JS ``Event``s)."""


def _none_claimed(url: str) -> Claimed | None:
    return None


class ProxyLike(Protocol):
    """What ``pyodide.ffi.create_proxy`` returns: a JS callable that must be destroyed."""

    def destroy(self) -> None: ...


@dataclass(frozen=True)
class BrowserBridge:
    """Browser capabilities injected into the transport (built for real in ``app.runtime``).

    ``open_websocket(url)`` is ``js.WebSocket.new(url)`` and may raise (bad URL, blocked port).
    ``create_proxy(fn)`` is ``pyodide.ffi.create_proxy(fn)``; the result has ``.destroy()``.
    ``message_data(event)`` returns a ``MessageEvent``'s ``data`` as ``str`` (text frame) or
    ``bytes`` (``ArrayBuffer``). ``to_js_bytes(b)`` makes the ``Uint8Array`` given to ``send``.
    ``claim_websocket(url)`` hands over the socket opened for ``url`` (``websocket_url``)
    before Python ran, once, with its events so far; None when there is none.
    """

    open_websocket: Callable[[str], JsWebSocketLike]
    create_proxy: Callable[[Callable[..., object]], Any]
    message_data: Callable[[object], str | bytes]
    to_js_bytes: Callable[[bytes], object]
    claim_websocket: Callable[[str], Claimed | None] = _none_claimed


@dataclass(frozen=True)
class WsMessage:
    """One received frame; ``kind == 'close'`` (with ``data is None``) marks the end."""

    kind: Literal["text", "binary", "close"]
    data: str | bytes | None = None
    close_code: int | None = None


class WebSocketOpenError(Exception):
    """The browser socket did not reach the OPEN state.

    ``kind`` is ``'timeout'`` (no open event in time), ``'error'`` (constructor raised or an
    ``error`` event arrived) or ``'closed'`` (a ``close`` event arrived first).
    """

    def __init__(self, kind: Literal["timeout", "error", "closed"], detail: str = "") -> None:
        super().__init__(f"WebSocket open failed ({kind}){': ' + detail if detail else ''}")
        self.kind = kind
        self.detail = detail


class BrowserWebSocket:
    """asyncio wrapper around one browser ``WebSocket``.

    It offers what engineio's write loop and ``disconnect()`` call on ``client.ws``
    (``send_str``, ``send_bytes``, ``close``) plus ``receive()`` for the read loop. Incoming
    frames are queued by the JS ``message`` listener; the ``close`` event (or our own close)
    queues a sticky close marker, so a pending or later ``receive()`` returns it at once.
    """

    def __init__(
        self,
        bridge: BrowserBridge,
        url: str,
        *,
        logger: logging.Logger | None = None,
        before_close: Callable[[], Awaitable[None]] | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        self.url = url
        self._bridge = bridge
        self._logger = logger or logging.getLogger(__name__)
        self._before_close = before_close
        self._on_sent = on_sent  # called after each frame the browser took
        self._incoming: asyncio.Queue[WsMessage] = asyncio.Queue()
        self._js: JsWebSocketLike | None = None
        self._listeners: list[tuple[str, Any]] = []
        self._opened: asyncio.Future[None] | None = None
        self._torn_down = False
        self.close_code: int | None = None

    @property
    def closed(self) -> bool:
        """True once the socket was closed by either side (listeners are gone by then)."""
        return self._torn_down

    async def open(self, timeout: float, claimed: Claimed | None = None) -> None:
        """Create the browser socket and wait up to ``timeout`` s for its ``open`` event.

        ``claimed``: a socket opened before Python ran, taken over instead (its events so
        far replayed) unless it is closing or closed already.

        On any failure (constructor error, ``error``/``close`` event, timeout, cancellation)
        the socket is closed, every listener proxy destroyed, and ``WebSocketOpenError``
        raised (``CancelledError`` is re-raised as is).
        """
        self._opened = asyncio.get_running_loop().create_future()
        backlog: list[Any] = []
        if claimed is not None and claimed[0].readyState in (CONNECTING, OPEN):
            js_ws, backlog = claimed
        else:
            try:
                js_ws = self._bridge.open_websocket(self.url)
            except Exception as exc:
                self._teardown(close_socket=False)
                raise WebSocketOpenError("error", f"cannot create WebSocket: {exc}") from exc
        self._js = js_ws
        own = (self._on_open, self._on_message, self._on_error, self._on_close)
        handlers = dict(zip(SOCKET_EVENTS, own, strict=True))
        try:
            js_ws.binaryType = "arraybuffer"
            for kind, handler in handlers.items():
                self._listen(kind, handler)
            for event in backlog:
                handlers[str(event.type)](event)
            if claimed is not None and js_ws.readyState == OPEN:
                self._on_open()  # (its open event was in the backlog: a no-op then)
        except BaseException:
            self._teardown(close_socket=True)
            raise
        try:
            await asyncio.wait_for(self._opened, timeout)
        except TimeoutError:
            self._teardown(close_socket=True)
            raise WebSocketOpenError("timeout", f"no open event within {timeout:g} s") from None
        except BaseException:
            self._teardown(close_socket=True)
            raise

    async def receive(self) -> WsMessage:
        """Return the next received frame, or the close marker once the socket is closed."""
        if self._torn_down and self._incoming.empty():
            return WsMessage("close", None, self.close_code)
        msg = await self._incoming.get()
        if msg.kind == "close":
            self._incoming.put_nowait(msg)  # keep the marker for any later receive()
        return msg

    async def send_str(self, data: str) -> None:
        """Send a text frame; never raises (see the module's quirks); a failure closes it."""
        self._send(data)

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary frame as a ``Uint8Array``; never raises, like ``send_str``."""
        self._send(data, binary=True)

    async def close(self) -> None:
        """Close the socket (normal closure) and destroy the listeners; idempotent."""
        if self._torn_down:
            return
        if self._before_close is not None:
            try:
                await self._before_close()
            except Exception:  # pragma: no cover - defensive, the hook is ours
                self._logger.exception("before_close hook failed")
        self._teardown(close_socket=True)

    # -- internals -----------------------------------------------------------------------

    def _send(self, data: str | bytes, *, binary: bool = False) -> None:
        js_ws = self._js
        if self._torn_down or js_ws is None or js_ws.readyState != OPEN:
            self._logger.info("WebSocket not open, dropping outgoing frame")
            return
        try:
            js_ws.send(self._bridge.to_js_bytes(data) if binary else data)  # type: ignore[arg-type]
        except Exception as exc:
            self._logger.info("WebSocket send failed (%s), closing", exc)
            self._teardown(close_socket=True)
            return
        if self._on_sent is not None:
            self._on_sent()

    def _listen(self, event_type: str, handler: Callable[[object], None]) -> None:
        global _live_proxies
        proxy = self._bridge.create_proxy(handler)
        _live_proxies += 1
        self._listeners.append((event_type, proxy))
        assert self._js is not None
        self._js.addEventListener(event_type, proxy)

    def _teardown(self, *, close_socket: bool) -> None:
        """Remove and destroy every listener proxy, queue the close marker, maybe close."""
        global _live_proxies
        if self._torn_down:
            return
        self._torn_down = True
        js_ws = self._js
        if close_socket and js_ws is not None:
            try:
                if js_ws.readyState in (CONNECTING, OPEN):
                    js_ws.close(CLOSE_NORMAL, "client close")
            except Exception as exc:  # the JS socket may be in a state that refuses close()
                self._logger.info("WebSocket close() failed: %s", exc)
        listeners, self._listeners = self._listeners, []
        for event_type, proxy in listeners:
            if js_ws is not None:
                with contextlib.suppress(Exception):
                    js_ws.removeEventListener(event_type, proxy)
            try:
                proxy.destroy()
            finally:
                _live_proxies -= 1
        if self._opened is not None and not self._opened.done():
            self._opened.set_exception(WebSocketOpenError("closed", "closed while opening"))
            self._opened.exception()  # mark retrieved: open() may already have given up
        self._incoming.put_nowait(WsMessage("close", None, self.close_code))

    def _on_open(self, event: object = None) -> None:
        if self._opened is not None and not self._opened.done():
            self._opened.set_result(None)

    def _on_message(self, event: object) -> None:
        try:
            data = self._bridge.message_data(event)
        except Exception as exc:
            self._logger.warning("unreadable WebSocket message dropped: %s", exc)
            return
        kind: Literal["text", "binary"] = "text" if isinstance(data, str) else "binary"
        self._incoming.put_nowait(WsMessage(kind, data))

    def _on_error(self, event: object = None) -> None:
        # A browser never says why; an error before open fails the open, otherwise a close
        # event always follows and ends the connection.
        if self._opened is not None and not self._opened.done():
            self._opened.set_exception(WebSocketOpenError("error", "error event"))
        else:
            self._logger.info("WebSocket error event")

    def _on_close(self, event: object = None) -> None:
        code = getattr(event, "code", None)
        self.close_code = code if isinstance(code, int) else None
        if self._opened is not None and not self._opened.done():
            self._opened.set_exception(
                WebSocketOpenError("closed", f"close event (code {self.close_code})")
            )
        self._logger.info("WebSocket closed by the browser (code %s)", self.close_code)
        self._teardown(close_socket=False)
