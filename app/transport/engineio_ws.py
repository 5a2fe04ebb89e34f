"""Engine.IO v4 over the browser's own ``WebSocket``, for python-engineio running in Pyodide.

python-engineio's asyncio client talks to the network through aiohttp, which Pyodide does not
have. This module keeps engineio's protocol logic (packets, pings, queues, the write loop, the
disconnect bookkeeping) and swaps only the transport: it subclasses ``engineio.AsyncClient`` and
overrides the private seams ``_connect_polling``, ``_connect_websocket`` and
``_read_loop_websocket`` of python-engineio *4.15.1* (pinned exactly in pyproject.toml; a new
release must be re-read before the pin moves).

This module never imports ``js``, ``pyodide`` or ``pyscript``: each connection it opens is a
``BrowserWebSocket`` (``app.transport.browser_socket``), over the ``BrowserBridge`` that
``app.runtime`` builds, so everything here runs under CPython with fakes.

Runtime quirks:
- WebSocket only. A browser ``WebSocket`` cannot do long-polling and Pyodide has no aiohttp, so
  ``_connect_polling`` goes straight to the WebSocket and ``transports`` is forced to
  ``['websocket']``; the polling-to-websocket upgrade path is never taken.
- Browsers cannot set headers on a WebSocket handshake: ``headers`` given to ``connect()`` are
  ignored (with a warning). Authentication must travel in the Socket.IO ``auth`` payload.
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
- The first attempt may take over the socket the head start opened before Python ran
  (``BrowserBridge.claim_websocket``, asked with ``websocket_url``, the URL the build gave
  the worker).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import engineio
from engineio import base_client, exceptions, packet

from app.transport.browser_socket import OPEN, BrowserBridge, BrowserWebSocket, WebSocketOpenError

__all__ = [
    "DEFAULT_OPEN_TIMEOUT",
    "BrowserEngineIOClient",
    "websocket_url",
]

DEFAULT_OPEN_TIMEOUT = 10.0
"""Seconds allowed for the socket to open, and again for the server's OPEN packet."""

FLUSH_BEFORE_CLOSE_TIMEOUT = 1.0
"""Seconds a client-initiated close waits for engineio's write loop to flush queued packets."""


def websocket_url(url: str, socketio_path: str) -> str:
    """The engine.io WebSocket URL for the Socket.IO server at ``url`` (engineio's own
    rule, without the timestamp it adds to each attempt's request)."""
    return str(engineio.AsyncClient._get_engineio_url(None, url, socketio_path, "websocket"))


class BrowserEngineIOClient(engineio.AsyncClient):  # type: ignore[misc]
    """``engineio.AsyncClient`` that carries engine.io v4 over the browser ``WebSocket`` only.

    Extra keyword-only arguments: ``bridge`` (required), ``open_timeout``, ``on_opening``
    (called as each attempt's socket is created or taken over, with whether it is open
    already) and ``on_sent`` (after each frame sent). All others go to
    ``engineio.AsyncClient``; ``handle_sigint`` is forced to ``False``.
    """

    # engineio is unannotated: the attributes this class reads and sets, as it uses them.
    sid: str | None

    def __init__(
        self,
        *args: Any,
        bridge: BrowserBridge,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        on_opening: Callable[[bool], None] | None = None,
        on_sent: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs["handle_sigint"] = False
        super().__init__(*args, **kwargs)
        self.bridge = bridge
        self.open_timeout = open_timeout
        # Called as each browser WebSocket is about to be created or taken over (before
        # any await), with whether it is open already (taken over, open).
        self.on_opening = on_opening
        self.on_sent = on_sent
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
            on_sent=self.on_sent,
        )
        claimed = self.bridge.claim_websocket(websocket_url)
        if self.on_opening is not None:
            self.on_opening(claimed is not None and claimed[0].readyState == OPEN)
        try:
            await ws.open(self.open_timeout, claimed)
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
