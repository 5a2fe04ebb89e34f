"""Engine.IO v4 over the browser's own ``WebSocket``, for python-engineio running in Pyodide.

python-engineio's asyncio client talks to the network through aiohttp, which Pyodide does not
have. This module keeps engineio's protocol logic (packets, pings, queues, the write loop, the
disconnect bookkeeping) and swaps only the transport: it subclasses ``engineio.AsyncClient`` and
overrides the private seams ``_connect_polling``, ``_connect_websocket`` and
``_read_loop_websocket`` of python-engineio *4.15.1* (pinned exactly in pyproject.toml; a new
release must be re-read before the pin moves).

This module never imports ``js``, ``pyodide`` or ``pyscript``: the browser is reached only through
a ``BrowserBridge`` that ``app.runtime`` builds, so everything here runs under CPython
with fakes. ``BrowserEngineIOClient`` is the subclass; each connection it opens is a
``BrowserWebSocket``, the asyncio face of one browser socket, which is what engineio's write
loop and ``disconnect()`` see as ``client.ws``. ``live_proxy_count`` counts the event-listener
proxies created and not yet destroyed, for the soak tests.

Runtime quirks:
- WebSocket only. A browser ``WebSocket`` cannot do long-polling and Pyodide has no aiohttp, so
  ``_connect_polling`` goes straight to the WebSocket and ``transports`` is forced to
  ``['websocket']``; the polling-to-websocket upgrade path is never taken.
- Browsers cannot set headers on a WebSocket handshake: ``headers`` given to ``connect()`` are
  ignored (with a warning). Authentication must travel in the Socket.IO ``auth`` payload.
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
- After the read loop ends for any reason (close event, ping timeout, decode error) the browser
  socket is closed before engineio fires ``disconnect``, so a half-dead socket never lingers.
- On a client-initiated ``disconnect()`` the socket is closed only after engineio's write loop
  has flushed the queued Socket.IO DISCONNECT and engine.io CLOSE packets (bounded wait), so the
  server sees a clean "client namespace disconnect" rather than a transport close.
- There are no threads and no signals in the browser: ``handle_sigint`` is always ``False`` and
  background tasks are plain asyncio tasks (engineio uses ``asyncio.ensure_future``).
- A failed or timed-out open raises ``engineio.exceptions.ConnectionError('Connection error')``
  exactly like the aiohttp transport does; the underlying ``WebSocketOpenError`` is kept in
  ``client.last_open_error`` so callers can tell a timeout from a refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import engineio
from engineio import base_client, exceptions, packet

__all__ = [
    "DEFAULT_OPEN_TIMEOUT",
    "BrowserBridge",
    "BrowserEngineIOClient",
    "BrowserWebSocket",
    "JsWebSocketLike",
    "ProxyLike",
    "WebSocketOpenError",
    "WsMessage",
    "live_proxy_count",
]

DEFAULT_OPEN_TIMEOUT = 10.0
"""Seconds allowed for the socket to open, and again for the server's OPEN packet."""

FLUSH_BEFORE_CLOSE_TIMEOUT = 1.0
"""Seconds a client-initiated close waits for engineio's write loop to flush queued packets."""

CLOSE_NORMAL = 1000
"""WebSocket close code sent when we close the socket ourselves."""

# WebSocket.readyState values (HTML standard).
CONNECTING, OPEN, CLOSING, CLOSED = 0, 1, 2, 3

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
    """

    open_websocket: Callable[[str], JsWebSocketLike]
    create_proxy: Callable[[Callable[..., object]], Any]
    message_data: Callable[[object], str | bytes]
    to_js_bytes: Callable[[bytes], object]


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
    ) -> None:
        self.url = url
        self._bridge = bridge
        self._logger = logger or logging.getLogger(__name__)
        self._before_close = before_close
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

    async def open(self, timeout: float) -> None:
        """Create the browser socket and wait up to ``timeout`` s for its ``open`` event.

        On any failure (constructor error, ``error``/``close`` event, timeout, cancellation)
        the socket is closed, every listener proxy destroyed, and ``WebSocketOpenError``
        raised (``CancelledError`` is re-raised as is).
        """
        self._opened = asyncio.get_running_loop().create_future()
        try:
            js_ws = self._bridge.open_websocket(self.url)
        except Exception as exc:
            self._teardown(close_socket=False)
            raise WebSocketOpenError("error", f"cannot create WebSocket: {exc}") from exc
        self._js = js_ws
        try:
            js_ws.binaryType = "arraybuffer"
            self._listen("open", self._on_open)
            self._listen("message", self._on_message)
            self._listen("error", self._on_error)
            self._listen("close", self._on_close)
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


class BrowserEngineIOClient(engineio.AsyncClient):  # type: ignore[misc]
    """``engineio.AsyncClient`` that carries engine.io v4 over the browser ``WebSocket`` only.

    Extra keyword-only arguments: ``bridge`` (required) and ``open_timeout``. All others go to
    ``engineio.AsyncClient``; ``handle_sigint`` is forced to ``False``.
    """

    # engineio is unannotated: the attributes this class reads and sets, as it uses them.
    sid: str | None

    def __init__(
        self,
        *args: Any,
        bridge: BrowserBridge,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        on_opening: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs["handle_sigint"] = False
        super().__init__(*args, **kwargs)
        self.bridge = bridge
        self.open_timeout = open_timeout
        # Called as each browser WebSocket is about to be created (before any await).
        self.on_opening = on_opening
        # Why the last ``_connect_websocket`` failed before engine.io was open (else None).
        self.last_open_error: WebSocketOpenError | None = None

    async def _connect_polling(self, url: str, headers: dict[str, str], engineio_path: str) -> Any:
        """Polling is impossible here: go straight to the WebSocket, with no upgrade."""
        self.transports = ["websocket"]
        return await self._connect_websocket(url, headers, engineio_path)

    async def _connect_websocket(
        self, url: str, headers: dict[str, str], engineio_path: str
    ) -> bool:
        """Open the browser WebSocket and do the engine.io v4 handshake (mirrors engineio)."""
        self.transports = ["websocket"]
        websocket_url = self._get_engineio_url(url, engineio_path, "websocket")
        if self.sid:
            # engineio only gets here with a sid when upgrading from polling, never done here.
            self.logger.warning("WebSocket upgrade is not supported by the browser transport")
            return False
        self.base_url = websocket_url
        self.logger.info("Attempting WebSocket connection to " + websocket_url)
        if headers:
            self.logger.warning(
                "browser WebSockets cannot send headers; ignoring %s", sorted(headers)
            )
        self.last_open_error = None

        ws = BrowserWebSocket(
            self.bridge,
            websocket_url + self._get_url_timestamp(),
            logger=self.logger,
            before_close=self._flush_before_close,
        )
        if self.on_opening is not None:
            self.on_opening()
        try:
            await ws.open(self.open_timeout)
        except WebSocketOpenError as exc:
            self.last_open_error = exc
            self.logger.info("%s", exc)
            raise exceptions.ConnectionError("Connection error") from exc

        try:
            msg = await asyncio.wait_for(ws.receive(), self.open_timeout)
        except TimeoutError:
            await ws.close()
            self.last_open_error = WebSocketOpenError("timeout", "no OPEN packet")
            raise exceptions.ConnectionError(
                "Unexpected recv exception: no OPEN packet in time"
            ) from None
        except BaseException:
            await ws.close()
            raise
        if msg.data is None:
            await ws.close()
            self.last_open_error = WebSocketOpenError("closed", "closed before OPEN packet")
            raise exceptions.ConnectionError("Unexpected recv exception: connection closed")
        try:
            open_packet = packet.Packet(encoded_packet=msg.data)
        except Exception:
            open_packet = None
        if open_packet is None or open_packet.packet_type != packet.OPEN:
            await ws.close()
            raise exceptions.ConnectionError("no OPEN packet")
        self.logger.info("WebSocket connection accepted with " + str(open_packet.data))
        self.sid = open_packet.data["sid"]
        self.upgrades = open_packet.data["upgrades"]
        self.ping_interval = int(open_packet.data["pingInterval"]) / 1000.0
        self.ping_timeout = int(open_packet.data["pingTimeout"]) / 1000.0
        self.current_transport = "websocket"

        self.state = "connected"
        base_client.connected_clients.append(self)
        try:
            await self._trigger_event("connect", run_async=False)
        except Exception as exc:
            base_client.connected_clients.remove(self)
            await ws.close()  # the aiohttp transport leaks its socket here; we must not
            await self._reset()
            raise exceptions.ConnectionError("Connect handler failed: " + str(exc)) from exc

        self.ws = ws
        self.write_loop_task = self.start_background_task(self._write_loop)
        self.read_loop_task = self.start_background_task(self._read_loop_websocket)
        return True

    async def _read_loop_websocket(self) -> None:
        """Read packets from the browser socket (mirrors engineio, plus closing the socket)."""
        ws: BrowserWebSocket = self.ws
        while self.state == "connected" and self.write_loop_task:
            try:
                msg = await asyncio.wait_for(
                    ws.receive(), timeout=self.ping_interval + self.ping_timeout
                )
            except TimeoutError:
                self.logger.warning("Server has stopped communicating, aborting")
                await self.queue.put(None)
                break
            except Exception as e:  # pragma: no cover - receive() does not raise
                self.logger.info('Unexpected error receiving packet: "%s", aborting', str(e))
                await self.queue.put(None)
                break
            if msg.data is None:
                self.logger.info("Read loop: WebSocket connection was closed, aborting")
                await self.queue.put(None)
                break
            try:
                pkt = packet.Packet(encoded_packet=msg.data)
            except Exception as e:
                self.logger.info('Unexpected error decoding packet: "%s", aborting', str(e))
                await self.queue.put(None)
                break
            await self._receive_packet(pkt)

        if self.write_loop_task:  # pragma: no branch
            self.logger.info("Waiting for write loop task to end")
            await self.write_loop_task
        # Browser-specific: never leave the JS socket open once nobody reads it (ping timeout,
        # undecodable packet); a no-op when the close event already tore it down.
        await ws.close()
        if self.state == "connected":
            await self._trigger_event("disconnect", self.reason.TRANSPORT_ERROR, run_async=False)
            with contextlib.suppress(ValueError):
                base_client.connected_clients.remove(self)
            await self._reset()
        self.logger.info("Exiting read loop task")

    async def _flush_before_close(self) -> None:
        """During ``disconnect()``, let the write loop send the queued CLOSE before closing."""
        task = self.write_loop_task
        if (
            self.state == "disconnecting"
            and task is not None
            and not task.done()
            and task is not asyncio.current_task()
        ):
            await asyncio.wait({task}, timeout=FLUSH_BEFORE_CLOSE_TIMEOUT)
