"""The live data source: a Socket.IO client, running in Pyodide, that asks the bot for its status.

:class:`LiveSource` keeps one Socket.IO connection to the bot's status server open for the life of
the page, fetching a fresh auth token before every connection attempt, retrying forever with
capped exponential backoff and jitter, and answering :meth:`LiveSource.fetch` with the raw ack of
``get-cluster-status`` (parsing is ``app.model``'s job). Connection changes are reported through
an ``on_connection`` callback as :class:`ConnectionEvent` values with stable reason codes that the
page maps to localized text.

Like :mod:`app.transport.engineio_ws` this module never imports ``js``/``pyodide``/``pyscript``:
the browser arrives as a :class:`~app.transport.engineio_ws.BrowserBridge` and a
:data:`FetchJson` function, both built by ``app/runtime.py``.

Public names
------------
``FetchJson``            ``(url, timeout_s) -> Awaitable[parsed JSON]`` injected HTTP GET.
``FetchError``           what a ``FetchJson`` should raise (``kind``: http/timeout/network/
                         bad-json).
``TokenError``           a token could not be obtained (``kind``: http/timeout/network/bad-json/
                         no-token); raised inside the auth callable, reported as ``token-*``.
``SourceUnavailable``    re-exported from :mod:`app.transport.source` (what the controller catches).
``LiveUnavailable``      its subclass raised by :meth:`LiveSource.fetch`: ``reason`` + ``detail``.
``ConnectionState``      ``connecting`` / ``connected`` / ``reconnecting`` / ``offline``.
``ConnectionEvent``      frozen dataclass given to ``on_connection``.
``REASONS``              every reason code either of the above may carry.
``SocketIOClient``       ``socketio.AsyncClient`` on the browser transport, with one retry loop.
``RetryObserver``        protocol of the retry-loop notifications ``SocketIOClient`` sends.
``LiveSource``           the source itself: ``start()``, ``fetch()``, ``reconnect_now()``,
                         ``close()``, ``state``, ``connected``.
``STATUS_EVENT``         ``"get-cluster-status"``.

Retry design (python-socketio 5.18.1, verified in its source)
-----------------------------------------------------------
* ``socketio.AsyncClient`` only runs its reconnection loop after an *established* connection
  drops with a transport error. It does **not** retry a failed initial ``connect()`` (``retry=True``
  covers only engine.io-level failures, not a namespace rejection such as a refused token), nor a
  server-initiated disconnect (namespace DISCONNECT or engine.io CLOSE packet).
* So :class:`SocketIOClient` routes *every* attempt, the first one included, through a single
  background task: its override of socketio's ``_handle_reconnect`` (the task socketio itself
  starts on a transport error). ``_handle_eio_disconnect`` is extended so any unexpected loss
  restarts that task when socketio would not. One task means at most one attempt in flight.
* Backoff: ``reconnection_delay`` doubling up to ``reconnection_delay_max``, then jitter of
  ``+/- randomization_factor`` *times* the delay, clamped to the cap, i.e. socket.io's JS client
  rule and what python-socketio documents. (Its code adds ``+/- randomization_factor`` *seconds*
  instead, which barely spreads a crowd of pages after a server restart and can exceed the cap.)
* Each attempt calls ``connect()`` with ``auth=`` an async callable, which socketio evaluates in
  its engine.io ``connect`` handler, i.e. once per attempt: a fresh token every time.
* ``reconnect_now()`` cuts the current backoff wait short; if an attempt is in flight it is
  remembered and the next attempt starts as soon as that one fails.

Quirks recorded
---------------
* The token is fetched after the WebSocket has opened (that is when socketio asks for ``auth``).
  A token failure therefore closes that fresh socket; no extra request reaches the server.
* ``socketio.AsyncClient.call`` keeps waiting for the full timeout after a disconnect; ``fetch()``
  also returns early with ``SourceUnavailable('disconnected')`` when the connection drops.
* engineio logs a traceback at ERROR level when the auth callable raises; both libraries are given
  the ``app.transport.*`` loggers, which have a ``NullHandler``, so the browser console stays
  clean unless the page configures logging.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol

import socketio
from socketio import base_client as sio_base_client
from socketio import exceptions as sio_exceptions

from app.model.page_state import SourceKind
from app.transport.engineio_ws import (
    DEFAULT_OPEN_TIMEOUT,
    BrowserBridge,
    BrowserEngineIOClient,
)
from app.transport.source import SourceUnavailable

__all__ = [
    "REASONS",
    "STATUS_EVENT",
    "ConnectionEvent",
    "ConnectionState",
    "FetchError",
    "FetchJson",
    "LiveSource",
    "LiveUnavailable",
    "RetryObserver",
    "SocketIOClient",
    "SourceUnavailable",
    "TokenError",
]

STATUS_EVENT = "get-cluster-status"

logger = logging.getLogger("app.transport")
logger.addHandler(logging.NullHandler())

FetchJson = Callable[[str, float], Awaitable[object]]
"""``(url, timeout_s) -> parsed JSON body``; raises (ideally :class:`FetchError`) on failure."""

FetchErrorKind = Literal["http", "timeout", "network", "bad-json"]
TokenErrorKind = Literal["http", "timeout", "network", "bad-json", "no-token"]

REASONS = frozenset(
    {
        "token-http",  # token endpoint answered with a non-2xx status
        "token-timeout",  # token endpoint did not answer in time
        "token-network",  # network/CORS failure reaching the token endpoint
        "token-bad-json",  # token endpoint answered something that is not JSON
        "token-missing",  # JSON without a non-empty string "token"
        "connect-refused",  # WebSocket could not open / server closed it during the handshake
        "connect-timeout",  # WebSocket open, OPEN packet or namespace answer took too long
        "auth-rejected",  # server answered CONNECT with connect_error (token refused)
        "disconnected",  # an established connection was lost
        "closed",  # LiveSource.close() was called
        "not-connected",  # fetch() while not connected
        "ack-timeout",  # fetch(): no ack within ack_timeout
        "ack-error",  # fetch(): emitting failed
    }
)


class FetchError(Exception):
    """Raised by a :data:`FetchJson` implementation; ``kind`` says what went wrong."""

    def __init__(self, kind: FetchErrorKind, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind: FetchErrorKind = kind
        self.detail = detail


class TokenError(Exception):
    """No usable token; ``kind`` is one of http, timeout, network, bad-json, no-token."""

    def __init__(self, kind: TokenErrorKind, detail: str = "") -> None:
        super().__init__(f"token {kind}: {detail}" if detail else f"token {kind}")
        self.kind: TokenErrorKind = kind
        self.detail = detail

    @property
    def reason(self) -> str:
        """The stable reason code (``token-*``) for this failure."""
        return "token-missing" if self.kind == "no-token" else f"token-{self.kind}"


class LiveUnavailable(SourceUnavailable):
    """:meth:`LiveSource.fetch` could not get an answer; ``reason`` is a stable code.

    A :class:`app.transport.source.SourceUnavailable` (what the controller catches) that also
    carries a free-text ``detail`` for logs.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.detail = detail


class ConnectionState(StrEnum):
    """Where the live connection stands (same values as ``app.model.page_state.Connection``).

    CONNECTING: an attempt is in flight and the page has not been connected yet.
    CONNECTED: the Socket.IO namespace is connected; ``fetch()`` can be used.
    RECONNECTING: an attempt is in flight after an earlier connection was lost.
    OFFLINE: no connection and no attempt in flight: waiting ``retry_in`` s before the next
    one (``retry_in`` is None once closed).
    """

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


@dataclass(frozen=True)
class ConnectionEvent:
    """One connection state change, as given to ``on_connection``.

    ``reason`` is a stable code from :data:`REASONS` explaining why we are not (or no longer)
    connected: the last failure while CONNECTING/RECONNECTING/OFFLINE, None when CONNECTED or on
    the very first attempt. ``attempt`` counts attempts in the current retry run (1 = first).
    ``retry_in`` is the backoff wait in seconds (OFFLINE only). ``detail`` is free text for logs.
    """

    state: ConnectionState
    reason: str | None = None
    attempt: int = 0
    retry_in: float | None = None
    detail: str = ""


class RetryObserver(Protocol):
    """Notifications from :class:`SocketIOClient`'s retry loop (all synchronous)."""

    def retry_scheduled(self, delay: float, attempt: int) -> None:
        """The loop will wait ``delay`` s (0 when immediate) before attempt number ``attempt``."""

    def attempt_started(self, attempt: int) -> None:
        """Attempt ``attempt`` starts now."""

    def attempt_failed(self, attempt: int, exc: BaseException) -> None:
        """Attempt ``attempt`` failed with ``exc``; the loop continues."""

    def connection_lost(self, reason: str) -> None:
        """engine.io reported a disconnect (socketio reason string)."""


def backoff_delay(base: float, cap: float, randomization_factor: float, rnd: float) -> float:
    """Return ``base`` jittered by +/- ``randomization_factor`` * base, clamped to [0, cap].

    ``rnd`` is a uniform random number in [0, 1). For example, with the defaults the 6th wait
    has base 32 s and lands uniformly in [16, 30] s.
    """
    jittered = base * (1 + randomization_factor * (2 * rnd - 1))
    return max(0.0, min(jittered, cap))


class SocketIOClient(socketio.AsyncClient):  # type: ignore[misc]
    """``socketio.AsyncClient`` over :class:`BrowserEngineIOClient`, with a single retry loop.

    Keyword-only extras: ``bridge`` (required), ``open_timeout`` (engine.io open + OPEN packet),
    ``wait_timeout`` (namespace answer, used by every attempt; socketio's own reconnection uses
    a fixed 1 s) and ``observer``. Everything else goes to ``socketio.AsyncClient``;
    ``handle_sigint`` is forced to ``False``.

    Use :meth:`begin` (not ``connect``) to start connecting and keep retrying,
    :meth:`wake` to cut a backoff wait short and :meth:`stop` to end everything.
    """

    def __init__(
        self,
        *,
        bridge: BrowserBridge,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        wait_timeout: float = 5.0,
        observer: RetryObserver | None = None,
        **kwargs: Any,
    ) -> None:
        # Set before super().__init__, which calls _engineio_client_class().
        self._bridge = bridge
        self._open_timeout = open_timeout
        kwargs["handle_sigint"] = False
        super().__init__(**kwargs)
        self.wait_timeout = wait_timeout
        self.observer = observer
        self._wake_event = asyncio.Event()
        self._immediate = False
        self._stopping = False
        #: Data of the last CONNECT_ERROR (namespace rejection) seen in the current attempt.
        self.last_rejection: object = None
        #: Whether engine.io got open during the current attempt.
        self.eio_opened = False

    def _engineio_client_class(self) -> Callable[..., BrowserEngineIOClient]:
        return functools.partial(
            BrowserEngineIOClient, bridge=self._bridge, open_timeout=self._open_timeout
        )

    # -- public control ------------------------------------------------------------------

    def begin(
        self,
        url: str,
        *,
        auth: Any = None,
        namespaces: list[str] | None = None,
        socketio_path: str = "socket.io",
    ) -> None:
        """Start connecting to ``url`` now, then keep retrying until connected or stopped."""
        self.connection_url = url
        self.connection_headers: dict[str, str] = {}
        self.connection_auth = auth
        self.connection_transports = ["websocket"]
        self.connection_namespaces = list(namespaces or ["/"])
        self.socketio_path = socketio_path
        self._stopping = False
        self.ensure_retrying(immediate=True)

    def ensure_retrying(self, *, immediate: bool = False) -> None:
        """Start the retry loop unless connected, stopping, or the loop already runs.

        With ``immediate`` the first attempt skips the backoff wait (a running loop is woken).
        """
        if self._stopping or self.connection_url is None:
            return
        task = self._reconnect_task
        if task is not None and not task.done():
            if immediate:
                self.wake()
            return
        if self.connected:
            return
        self._immediate = immediate
        self._reconnect_task = self.start_background_task(self._handle_reconnect)

    def wake(self) -> None:
        """Skip the current backoff wait; during an attempt, retry at once if it fails."""
        self._wake_event.set()

    @property
    def retrying(self) -> bool:
        """True while the retry loop task is alive (waiting or attempting)."""
        task = self._reconnect_task
        return task is not None and not task.done()

    async def stop(self) -> None:
        """Stop retrying (cancelling any attempt in flight) and disconnect."""
        self._stopping = True
        task = self._reconnect_task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            # engineio swallows CancelledError inside connect handlers (e.g. the token fetch),
            # so the task may also end normally: wait for it either way.
            await asyncio.gather(task, return_exceptions=True)
        if self.connected or self.namespaces:
            await self.disconnect()
        elif self.eio.state != "disconnected":
            await self.eio.disconnect()

    # -- socketio seams --------------------------------------------------------------------

    async def connect(self, *args: Any, **kwargs: Any) -> None:
        """socketio's ``connect``, refused once :meth:`stop` was called."""
        if self._stopping:
            raise sio_exceptions.ConnectionError("client is stopping")
        await super().connect(*args, **kwargs)

    async def _handle_reconnect(self) -> None:
        """The one retry loop: wait (backoff + jitter, skippable), attempt, repeat."""
        if self._reconnect_abort is None:  # pragma: no cover - socketio sets it on demand
            self._reconnect_abort = self.eio.create_event()
        self._reconnect_abort.clear()
        sio_base_client.reconnecting_clients.append(self)
        attempt_count = 0
        current_delay = float(self.reconnection_delay)
        try:
            while True:
                if self._immediate:
                    self._immediate = False
                    delay = 0.0
                else:
                    delay = backoff_delay(
                        min(current_delay, float(self.reconnection_delay_max)),
                        float(self.reconnection_delay_max),
                        float(self.randomization_factor),
                        random.random(),
                    )
                    current_delay *= 2
                self._notify("retry_scheduled", delay, attempt_count + 1)
                if delay > 0:
                    self.logger.info("Connection failed, new attempt in %.02f seconds", delay)
                if await self._wait_before_attempt(delay) or self._stopping:
                    self.logger.info("Reconnect task aborted")
                    for n in self.connection_namespaces:
                        await self._trigger_event("__disconnect_final", namespace=n)
                    break
                attempt_count += 1
                self._wake_event.clear()
                self.last_rejection = None
                self.eio_opened = False
                self.eio.last_open_error = None
                self._notify("attempt_started", attempt_count)
                try:
                    await self.connect(
                        self.connection_url,
                        headers=self.connection_headers,
                        auth=self.connection_auth,
                        transports=self.connection_transports,
                        namespaces=self.connection_namespaces,
                        socketio_path=self.socketio_path,
                        wait_timeout=self.wait_timeout,
                        retry=False,
                    )
                    if self.eio.state != "connected":
                        # socketio can report success if engine.io dropped between the
                        # namespace CONNECT and the end of connect(): treat as a failure.
                        self.connected = False
                        self.namespaces: dict[str, str] = {}
                        raise sio_exceptions.ConnectionError("connection lost while connecting")
                except Exception as exc:
                    self._notify("attempt_failed", attempt_count, exc)
                else:
                    self.logger.info("Reconnection successful")
                    self._reconnect_task = None
                    break
                if self.reconnection_attempts and attempt_count >= self.reconnection_attempts:
                    self.logger.info("Maximum reconnection attempts reached, giving up")
                    for n in self.connection_namespaces:
                        await self._trigger_event("__disconnect_final", namespace=n)
                    break
        finally:
            with contextlib.suppress(ValueError):
                sio_base_client.reconnecting_clients.remove(self)

    async def _wait_before_attempt(self, delay: float) -> bool:
        """Wait ``delay`` s unless woken; return True if the loop was aborted instead."""
        assert self._reconnect_abort is not None
        if self._reconnect_abort.is_set():
            return True
        if delay <= 0 or self._wake_event.is_set():
            return False
        waiters = {
            asyncio.ensure_future(self._reconnect_abort.wait()),
            asyncio.ensure_future(self._wake_event.wait()),
        }
        try:
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        return bool(self._reconnect_abort.is_set())

    async def _handle_eio_connect(self) -> None:
        self.eio_opened = True
        await super()._handle_eio_connect()

    async def _handle_error(self, namespace: str | None, data: object) -> None:
        self.last_rejection = data if data is not None else {}
        await super()._handle_error(namespace, data)

    async def _handle_eio_disconnect(self, reason: str) -> None:
        """socketio's handler, then restart the retry loop where socketio would not."""
        await super()._handle_eio_disconnect(reason)
        self._notify("connection_lost", reason)
        if self.reconnection:
            self.ensure_retrying()

    def _notify(self, method: str, *args: Any) -> None:
        if self.observer is None:
            return
        try:
            getattr(self.observer, method)(*args)
        except Exception:
            self.logger.exception("retry observer %s failed", method)

    def classify_failure(self, exc: BaseException) -> tuple[str, str]:
        """Map a failed attempt to ``(reason code, detail)`` using what the attempt recorded."""
        if self.last_rejection is not None:
            return "auth-rejected", _rejection_text(self.last_rejection)
        open_error = getattr(self.eio, "last_open_error", None)
        if not self.eio_opened and open_error is not None:
            code = "connect-timeout" if open_error.kind == "timeout" else "connect-refused"
            return code, str(open_error)
        if self.eio_opened:
            # engine.io was open but the namespace never answered (or the link dropped).
            return "connect-timeout", str(exc)
        return "connect-refused", str(exc)


def _rejection_text(data: object) -> str:
    if isinstance(data, dict):
        message = data.get("message")
        if isinstance(message, str):
            return message
    return str(data)


class LiveSource:
    """The page's live status source: one Socket.IO connection, retried forever.

    ``token_url`` answers ``GET`` with ``{"token": "<string>"}`` (CORS-enabled if cross-origin);
    ``ws_url`` is the Socket.IO server (``https://host`` or ``wss://host``). ``on_connection``
    receives every :class:`ConnectionEvent` (deduplicated). ``reconnection_delay_max`` caps the
    backoff. ``open_timeout``, ``wait_timeout`` and ``token_timeout`` bound each attempt's
    WebSocket open, namespace answer and token fetch. Implements
    :class:`app.transport.source.StatusSource`.
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
        reconnection_delay_max: float = 30.0,
        reconnection_delay: float = 1.0,
        randomization_factor: float = 0.5,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        wait_timeout: float = 5.0,
        token_timeout: float = 10.0,
        socketio_path: str = "socket.io",
    ) -> None:
        self._token_url = token_url
        self._ws_url = ws_url
        self._fetch_json = fetch_json
        self._on_connection = on_connection
        self._ack_timeout = ack_timeout
        self._token_timeout = token_timeout
        self._socketio_path = socketio_path
        self.sio = SocketIOClient(
            bridge=bridge,
            open_timeout=open_timeout,
            wait_timeout=wait_timeout,
            observer=self,
            reconnection=True,
            reconnection_attempts=0,
            reconnection_delay=reconnection_delay,
            reconnection_delay_max=reconnection_delay_max,
            randomization_factor=randomization_factor,
            handle_sigint=False,
            logger=logging.getLogger("app.transport.socketio"),
            engineio_logger=logging.getLogger("app.transport.engineio"),
        )
        self.sio.on("connect", self._on_connect)
        self._started = False
        self._closed = False
        self._up = False
        self._ever_connected = False
        self._last_reason: str | None = None
        self._last_detail = ""
        self._token_error: TokenError | None = None
        self._lost = asyncio.Event()
        self._first_outcome = asyncio.Event()
        self._last_event: ConnectionEvent | None = None
        #: How many tokens were fetched successfully (diagnostics and tests).
        self.tokens_fetched = 0

    # -- public API ----------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState | None:
        """The state last reported through ``on_connection`` (None before ``start()``)."""
        return self._last_event.state if self._last_event else None

    @property
    def connected(self) -> bool:
        """True while the namespace is connected and ``fetch()`` may be called."""
        return self._up and "/" in self.sio.namespaces

    async def start(self) -> None:
        """Start connecting; return once the first attempt succeeded or failed.

        Never raises for connection problems: they are reported through ``on_connection`` and
        retried in the background (fresh token each time) until :meth:`close`.
        """
        if self._started:
            return
        self._started = True
        self.sio.begin(
            self._ws_url,
            auth=self._auth,
            namespaces=["/"],
            socketio_path=self._socketio_path,
        )
        await self._first_outcome.wait()

    async def fetch(self) -> object:
        """Emit ``get-cluster-status`` and return the server's raw ack.

        Raises :class:`SourceUnavailable` with reason ``not-connected``, ``ack-timeout``,
        ``disconnected`` (connection lost while waiting) or ``ack-error``.
        """
        if not self.connected:
            raise LiveUnavailable("not-connected")
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
            raise LiveUnavailable("disconnected", "connection lost while waiting for the ack")
        exc = call.exception()
        if exc is None:
            return call.result()
        if isinstance(exc, sio_exceptions.TimeoutError):
            raise LiveUnavailable("ack-timeout", f"no ack within {self._ack_timeout:g} s")
        if isinstance(exc, sio_exceptions.BadNamespaceError):
            raise LiveUnavailable("not-connected", str(exc))
        raise LiveUnavailable("ack-error", repr(exc)) from exc

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
        await self.sio.stop()
        self._up = False
        self._lost.set()
        self._first_outcome.set()
        self._emit(ConnectionEvent(ConnectionState.OFFLINE, "closed"))

    # -- token -----------------------------------------------------------------------------

    async def _auth(self) -> dict[str, str]:
        """socketio ``auth`` callable: fetch a fresh token for this attempt."""
        self._token_error = None
        try:
            token = await self._fetch_token()
        except TokenError as exc:
            self._token_error = exc
            raise
        self.tokens_fetched += 1
        return {"token": token}

    async def _fetch_token(self) -> str:
        try:
            body = await asyncio.wait_for(
                self._fetch_json(self._token_url, self._token_timeout), self._token_timeout
            )
        except FetchError as exc:
            raise TokenError(exc.kind, exc.detail) from exc
        except TimeoutError as exc:
            raise TokenError("timeout", f"no answer within {self._token_timeout:g} s") from exc
        except ValueError as exc:
            raise TokenError("bad-json", str(exc)) from exc
        except Exception as exc:
            raise TokenError("network", repr(exc)) from exc
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenError("no-token", "response has no string 'token'")
        return token

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
        self._token_error = None
        state = ConnectionState.RECONNECTING if self._ever_connected else ConnectionState.CONNECTING
        self._emit(ConnectionEvent(state, self._last_reason, attempt, detail=self._last_detail))

    def attempt_failed(self, attempt: int, exc: BaseException) -> None:
        """RetryObserver: remember why the attempt failed (reported with the next event)."""
        if self._token_error is not None:
            reason, detail = self._token_error.reason, self._token_error.detail
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
        self._last_reason, self._last_detail = "disconnected", reason
        if not self._closed:
            self._emit(ConnectionEvent(ConnectionState.OFFLINE, "disconnected", detail=reason))

    def _emit(self, event: ConnectionEvent) -> None:
        if event == self._last_event:
            return
        self._last_event = event
        try:
            self._on_connection(event)
        except Exception:
            logger.exception("on_connection callback failed")
