"""The live data source: a Socket.IO client, running in Pyodide, that asks the bot for its status.

``LiveSource`` keeps one Socket.IO connection to the bot's status server open for the life of
the page, fetching a fresh auth token with every connection attempt, retrying forever with
capped exponential backoff and jitter, and answering ``LiveSource.fetch`` with the raw ack of
``get-cluster-status`` (parsing is ``app.model``'s job). Connection changes are reported through
an ``on_connection`` callback as ``ConnectionEvent`` values with stable reason codes that the
page maps to localized text.

Like ``app.transport.engineio_ws`` this module never imports ``js``/``pyodide``/``pyscript``:
the browser arrives as a ``BrowserBridge`` (``app.transport.browser_socket``) and a
``FetchJson`` function, both built by ``app.runtime``.

The connection itself (one retry loop, the waits of ``app.model.reconnect``, a fresh token
per attempt) is ``app.transport.retry_client``. A token endpoint that answers 429 or 503
with ``Retry-After`` holds every attempt until then (``token-busy``).

Each attempt requests its token as its WebSocket is created, so the two round trips
overlap; socketio asks for ``auth`` once the socket is open, and gets that request's answer
(``app.transport.token``). Every attempt that opens a socket, the first of a fresh page and
every reconnection, requests a fresh token; an attempt that fails before it opens a socket
requests none.

The first attempt of a fresh page may find both made already, before Python ran (the
connection's head start, ``app.model.head_start``): its token request is ``first_token``'s
(when it is fresh enough) and its socket the bridge's ``claim_websocket``. Either is
otherwise made as above.

Quirks:
- A token failure is reported when socketio asks for ``auth``: that attempt's fresh socket is
  closed and no extra request reaches the server. When the socket fails first, the socket's
  failure is the attempt's reason; its token request still ends in the background, and a
  ``Retry-After`` it brings holds the next attempt all the same.
- ``socketio.AsyncClient.call`` keeps waiting for the full timeout after a disconnect; ``fetch()``
  also returns early with ``SourceUnavailable('disconnected')`` when the connection drops.
- engineio logs a traceback at ERROR level when the auth callable raises; both libraries are given
  the ``app.transport.*`` loggers, which have a ``NullHandler``, so the browser console stays
  clean unless the page configures logging.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from socketio import exceptions as sio_exceptions

from app.model.link import TRANSPORT_REASONS, Connection, Reason
from app.model.page_state import SourceKind
from app.model.reconnect import DEFAULT, ReconnectPolicy
from app.transport.browser_socket import BrowserBridge
from app.transport.engineio_ws import DEFAULT_OPEN_TIMEOUT
from app.transport.retry_client import FetchJson, SocketIOClient
from app.transport.source import SourceUnavailable
from app.transport.token import AttemptTokens, FirstToken

__all__ = [
    "REASONS",
    "SOCKETIO_PATH",
    "STATUS_EVENT",
    "ConnectionEvent",
    "ConnectionState",
    "LiveSource",
    "LiveUnavailable",
    "SourceUnavailable",
]

STATUS_EVENT = "get-cluster-status"
# Where the Socket.IO server listens under ``ws_url`` (Socket.IO's default).
SOCKETIO_PATH = "socket.io"

logger = logging.getLogger("app.transport")
logger.addHandler(logging.NullHandler())

REASONS = TRANSPORT_REASONS


class LiveUnavailable(SourceUnavailable):
    """``LiveSource.fetch`` could not get an answer; ``reason`` is a stable code.

    An ``app.transport.source.SourceUnavailable`` (what the controller catches) that also
    carries a free-text ``detail`` for logs.
    """

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(reason)
        self.detail = detail


ConnectionState = Connection


@dataclass(frozen=True)
class ConnectionEvent:
    """One connection state change, as given to ``on_connection``.

    ``reason`` is a stable code from ``REASONS`` explaining why we are not (or no longer)
    connected: the last failure while CONNECTING/RECONNECTING/OFFLINE, None when CONNECTED or on
    the very first attempt. ``attempt`` counts attempts in the current retry run (1 = first).
    ``retry_in`` is the wait before the next attempt in seconds (OFFLINE only; with
    ``token-busy``, the hold the token endpoint asked for). ``detail`` is free text for logs.
    """

    state: Connection
    reason: Reason | None = None
    attempt: int = 0
    retry_in: float | None = None
    detail: str = ""


class LiveSource:
    """The page's live status source: one Socket.IO connection, retried forever.

    ``token_url`` answers ``GET`` with ``{"token": "<string>"}`` (CORS-enabled if cross-origin);
    ``ws_url`` is the Socket.IO server (``https://host`` or ``wss://host``). ``on_connection``
    receives every ``ConnectionEvent`` (deduplicated). ``reconnect`` is the rule for the waits
    between attempts. ``open_timeout``, ``wait_timeout`` and ``token_timeout`` bound each
    attempt's WebSocket open, namespace answer and token fetch. ``first_token`` is the
    head start's token request, which the first attempt uses instead of its own (see
    the module). Implements ``app.transport.source.StatusSource``.
    """

    kind = SourceKind.LIVE

    def __init__(
        self,
        *,
        token_url: str,
        ws_url: str,
        bridge: BrowserBridge,
        fetch_json: FetchJson,
        on_connection: Callable[[ConnectionEvent], None],
        ack_timeout: float = 10.0,
        reconnect: ReconnectPolicy = DEFAULT,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        wait_timeout: float = 5.0,
        token_timeout: float = 10.0,
        socketio_path: str = SOCKETIO_PATH,
        first_token: FirstToken | None = None,
    ) -> None:
        self._ws_url = ws_url
        self._on_connection = on_connection
        self._ack_timeout = ack_timeout
        self._socketio_path = socketio_path
        self.sio = SocketIOClient(
            bridge=bridge,
            open_timeout=open_timeout,
            wait_timeout=wait_timeout,
            observer=self,
            policy=reconnect,
            reconnection=True,
            reconnection_attempts=0,
            handle_sigint=False,
            logger=logging.getLogger("app.transport.socketio"),
            engineio_logger=logging.getLogger("app.transport.engineio"),
        )
        self.sio.on("connect", self._on_connect)
        self._tokens = AttemptTokens(
            url=token_url,
            fetch_json=fetch_json,
            timeout=token_timeout,
            hold=self._hold,
            first=first_token,
        )
        self._started = False
        self._closed = False
        self._up = False
        self._ever_connected = False
        self._last_reason: Reason | None = None
        self._last_detail = ""
        self._lost = asyncio.Event()
        self._first_outcome = asyncio.Event()
        self._opened = asyncio.Event()  # the first attempt's socket was created
        self._open_already = False  # ... or taken over, open already (the head start)
        self._sent = asyncio.Event()  # a frame left: the first attempt's CONNECT
        self._last_event: ConnectionEvent | None = None

    # -- public API ----------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState | None:
        """The state last reported through ``on_connection`` (None before ``start()``)."""
        return self._last_event.state if self._last_event else None

    @property
    def connected(self) -> bool:
        """True while the namespace is connected and ``fetch()`` may be called."""
        return self._up and "/" in self.sio.namespaces

    @property
    def tokens_fetched(self) -> int:
        """How many tokens were fetched successfully (diagnostics and tests)."""
        return self._tokens.fetched

    async def start(self) -> None:
        """Start connecting; return once the first attempt succeeded or failed.

        Never raises for connection problems: they are reported through ``on_connection`` and
        retried in the background (fresh token each time) until ``close()``.
        """
        if self._started:
            return
        self._started = True
        # The first attempt's token leaves first: the socket's own start (engine.io's
        # connect, the bridge) keeps the loop busy for a while, and the CONNECT waits for
        # both. Later attempts ask as their socket opens, each for a fresh token.
        self._tokens.request()
        self.sio.begin(
            self._ws_url,
            auth=self._tokens.auth,
            namespaces=["/"],
            socketio_path=self._socketio_path,
        )
        await self._first_outcome.wait()

    async def under_way(self, limit: float = 1.0) -> None:
        """Return once the first attempt's requests have left (its token asked, its socket
        created), or once that attempt ended without them; after ``limit`` seconds in any
        case (what waits on this only orders work, it must never stall the page).

        When the attempt took over a socket that is open already (the head start), its
        first request is the CONNECT, which needs no answer before it can leave: this
        returns once it has left, instead of once the socket was created.
        """
        deadline = asyncio.get_running_loop().time() + limit
        await self._first(self._opened, deadline)
        if self._open_already:
            await self._first(self._sent, deadline)

    async def _first(self, event: asyncio.Event, deadline: float) -> None:
        """Wait for ``event``, or for the first attempt's outcome, until ``deadline``."""
        waits = [asyncio.ensure_future(e.wait()) for e in (event, self._first_outcome)]
        timeout = max(0.0, deadline - asyncio.get_running_loop().time())
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def fetch(self) -> object:
        """Emit ``get-cluster-status`` and return the server's raw ack.

        Raises ``SourceUnavailable`` with reason ``not-connected``, ``ack-timeout``,
        ``disconnected`` (connection lost while waiting) or ``ack-error``.
        """
        if not self.connected:
            raise LiveUnavailable(Reason.NOT_CONNECTED)
        lost = self._lost
        call = asyncio.ensure_future(self.sio.call(STATUS_EVENT, timeout=self._ack_timeout))
        lost_wait = asyncio.ensure_future(lost.wait())
        try:
            await asyncio.wait({call, lost_wait}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost_wait.cancel()
            if not call.done():
                call.cancel()
        if not call.done() or call.cancelled():
            raise LiveUnavailable(Reason.DISCONNECTED, "connection lost while waiting for the ack")
        exc = call.exception()
        if exc is None:
            return call.result()
        if isinstance(exc, sio_exceptions.TimeoutError):
            raise LiveUnavailable(Reason.ACK_TIMEOUT, f"no ack within {self._ack_timeout:g} s")
        if isinstance(exc, sio_exceptions.BadNamespaceError):
            raise LiveUnavailable(Reason.NOT_CONNECTED, str(exc))
        raise LiveUnavailable(Reason.ACK_ERROR, repr(exc)) from exc

    def reconnect_now(self) -> None:
        """Try to connect at once (e.g. on the browser ``online`` event); no-op if connected.

        Never starts a second attempt: a wait is cut short, an attempt in flight is left alone
        (and the next one follows immediately if it fails).
        """
        if self._closed or not self._started or self.connected:
            return
        self.sio.ensure_retrying(immediate=True)

    async def close(self) -> None:
        """Stop retrying, disconnect and release every browser resource; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._tokens.cancel()
        await self.sio.stop()
        self._up = False
        self._lost.set()
        self._first_outcome.set()
        self._emit(ConnectionEvent(ConnectionState.OFFLINE, Reason.CLOSED))

    # -- the attempt's socket and token ------------------------------------------------------

    def socket_opening(self, open_already: bool) -> None:
        """RetryObserver: start this attempt's token request, while its WebSocket opens
        (the first attempt's was started just before, by ``start``)."""
        first = not self._opened.is_set()
        if first:
            self._open_already = open_already
        self._opened.set()
        if first and self._tokens.requested:
            return  # asked by ``start``, a moment ago
        self._tokens.request()

    def frame_sent(self) -> None:
        """RetryObserver: a frame left (``under_way`` waits for the first, the CONNECT)."""
        self._sent.set()

    def _hold(self, retry_after: float) -> None:
        """The token endpoint asked to wait: no attempt before then (unless closed)."""
        if not self._closed:
            self.sio.hold(retry_after)

    # -- socketio / retry-loop notifications -------------------------------------------------

    async def _on_connect(self) -> None:
        self._up = True
        self._ever_connected = True
        self._lost = asyncio.Event()
        self._last_reason = None
        self._last_detail = ""
        self._first_outcome.set()
        self._emit(ConnectionEvent(ConnectionState.CONNECTED))

    def retry_scheduled(self, delay: float, attempt: int) -> None:
        """RetryObserver: report OFFLINE while waiting before a retry."""
        if delay > 0 and not self._closed:
            self._emit(
                ConnectionEvent(
                    ConnectionState.OFFLINE,
                    self._last_reason,
                    attempt - 1,
                    retry_in=delay,
                    detail=self._last_detail,
                )
            )

    def attempt_started(self, attempt: int) -> None:
        """RetryObserver: report CONNECTING (never connected yet) or RECONNECTING."""
        self._tokens.new_attempt()
        state = ConnectionState.RECONNECTING if self._ever_connected else ConnectionState.CONNECTING
        self._emit(ConnectionEvent(state, self._last_reason, attempt, detail=self._last_detail))

    def attempt_failed(self, attempt: int, exc: BaseException) -> None:
        """RetryObserver: remember why the attempt failed (reported with the next event)."""
        token_error = self._tokens.failure
        if token_error is not None:  # its Retry-After is held already (AttemptTokens)
            reason, detail = token_error.reason, token_error.detail
        else:
            reason, detail = self.sio.classify_failure(exc)
        self._last_reason, self._last_detail = reason, detail
        logger.info("connection attempt %d failed: %s (%s)", attempt, reason, detail)
        self._first_outcome.set()

    def connection_lost(self, reason: str) -> None:
        """RetryObserver: an established connection went away."""
        if not self._up:
            return
        self._up = False
        self._lost.set()
        self._last_reason, self._last_detail = Reason.DISCONNECTED, reason
        if not self._closed:
            self._emit(ConnectionEvent(ConnectionState.OFFLINE, Reason.DISCONNECTED, detail=reason))

    def _emit(self, event: ConnectionEvent) -> None:
        if event == self._last_event:
            return
        self._last_event = event
        try:
            self._on_connection(event)
        except Exception:
            logger.exception("on_connection callback failed")
