"""The Socket.IO client with one retry loop, on the browser's WebSocket.

``SocketIOClient`` is ``socketio.AsyncClient`` over ``BrowserEngineIOClient``
(``app.transport.engineio_ws``), with every connection attempt, the first included,
routed through one background retry task. It knows nothing of tokens or of the status:
``app.transport.live.LiveSource`` drives it and hears from it through a ``RetryObserver``.
A ``FetchJson`` is the injected HTTP GET; it raises ``FetchError``, which the token fetch
turns into ``TokenError``.

The retry design (python-socketio 5.18.1, verified in its source):
- ``socketio.AsyncClient`` only runs its reconnection loop after an *established* connection
  drops with a transport error. It does *not* retry a failed initial ``connect()`` (``retry=True``
  covers only engine.io-level failures, not a namespace rejection such as a refused token), nor a
  server-initiated disconnect (namespace DISCONNECT or engine.io CLOSE packet).
- So ``SocketIOClient`` routes *every* attempt, the first one included, through a single
  background task: its override of socketio's ``_handle_reconnect`` (the task socketio itself
  starts on a transport error). ``_handle_eio_disconnect`` is extended so any unexpected loss
  restarts that task when socketio would not. One task means at most one attempt in flight.
- The waits are ``app.model.reconnect``'s rule (``ReconnectPolicy.delay``), written for a crowd
  of tabs that all dropped at once; socketio's own ``reconnection_delay*`` settings are unused.
  (Its code adds ``+/- randomization_factor`` *seconds*, which barely spreads a crowd.)
- ``hold(seconds)`` (a token endpoint's ``Retry-After``) holds every attempt until then: the
  next wait is the longer of the rule's and the hold, and nothing cuts a hold short.
- Each attempt calls ``connect()`` with ``auth=`` an async callable, which socketio evaluates in
  its engine.io ``connect`` handler, i.e. once per attempt: a fresh token every time. The
  observer hears ``socket_opening`` as the attempt creates its WebSocket, so the token can be
  requested then, in parallel with the socket's opening, and handed over when socketio asks.
- ``reconnect_now()`` cuts the current backoff wait short; if an attempt is in flight it is
  remembered and the next attempt starts as soon as that one fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random as _random
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

import socketio
from socketio import base_client as sio_base_client
from socketio import exceptions as sio_exceptions

from app.model.link import Reason
from app.model.reconnect import DEFAULT, ReconnectPolicy
from app.transport.browser_socket import BrowserBridge
from app.transport.engineio_ws import DEFAULT_OPEN_TIMEOUT, BrowserEngineIOClient

__all__ = [
    "FetchError",
    "FetchJson",
    "RetryObserver",
    "SocketIOClient",
    "TokenError",
]

FetchJson = Callable[[str, float], Awaitable[object]]
"""``(url, timeout_s) -> parsed JSON body``; raises (ideally ``FetchError``) on failure."""

FetchErrorKind = Literal["http", "timeout", "network", "bad-json"]
TokenErrorKind = Literal["http", "busy", "timeout", "network", "bad-json", "no-token"]


class FetchError(Exception):
    """Raised by a ``FetchJson`` implementation; ``kind`` says what went wrong.

    ``retry_after``: seconds the server asked the client to wait (a 429 or 503 with a
    well-formed ``Retry-After``, read by ``app.model.reconnect.retry_after_seconds``).
    """

    def __init__(
        self, kind: FetchErrorKind, detail: str = "", *, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind: FetchErrorKind = kind
        self.detail = detail
        self.retry_after = retry_after


class TokenError(Exception):
    """No usable token; ``kind`` is one of http, busy, timeout, network, bad-json, no-token.

    ``busy`` carries ``retry_after``: the token endpoint asked the page to wait that long.
    """

    def __init__(
        self, kind: TokenErrorKind, detail: str = "", *, retry_after: float | None = None
    ) -> None:
        super().__init__(f"token {kind}: {detail}" if detail else f"token {kind}")
        self.kind: TokenErrorKind = kind
        self.detail = detail
        self.retry_after = retry_after

    @property
    def reason(self) -> Reason:
        """The stable reason code (``token-*``) for this failure."""
        return Reason.TOKEN_MISSING if self.kind == "no-token" else Reason(f"token-{self.kind}")


class RetryObserver(Protocol):
    """Notifications from ``SocketIOClient``'s retry loop (all synchronous)."""

    def retry_scheduled(self, delay: float, attempt: int) -> None:
        """The loop will wait ``delay`` s (0 when immediate) before attempt number ``attempt``."""

    def attempt_started(self, attempt: int) -> None:
        """Attempt ``attempt`` starts now."""

    def socket_opening(self, open_already: bool) -> None:
        """The attempt in flight creates its WebSocket now (not at all if it fails before),
        or takes over one made before Python ran (``open_already`` if that one is open)."""

    def frame_sent(self) -> None:
        """A frame left on the connection's socket (the first: the Socket.IO CONNECT)."""

    def attempt_failed(self, attempt: int, exc: BaseException) -> None:
        """Attempt ``attempt`` failed with ``exc``; the loop continues."""

    def connection_lost(self, reason: str) -> None:
        """engine.io reported a disconnect (socketio reason string)."""


class SocketIOClient(socketio.AsyncClient):  # type: ignore[misc]
    """``socketio.AsyncClient`` over ``BrowserEngineIOClient``, with a single retry loop.

    Keyword-only extras: ``bridge`` (required), ``open_timeout`` (engine.io open + OPEN packet),
    ``wait_timeout`` (namespace answer, used by every attempt; socketio's own reconnection uses
    a fixed 1 s), ``observer``, ``policy`` (the waits between attempts) and ``random`` (its
    random source). Everything else goes to ``socketio.AsyncClient``; ``handle_sigint`` is
    forced to ``False``.

    Use ``begin`` (not ``connect``) to start connecting and keep retrying, ``wake`` to cut
    a wait short, ``hold`` to obey a ``Retry-After`` and ``stop`` to end everything.
    """

    # socketio is unannotated: the attributes this class reads and sets, as it uses them.
    connected: bool
    _reconnect_task: asyncio.Task[None] | None
    _reconnect_abort: asyncio.Event | None

    def __init__(
        self,
        *,
        bridge: BrowserBridge,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        wait_timeout: float = 5.0,
        observer: RetryObserver | None = None,
        policy: ReconnectPolicy = DEFAULT,
        random: Callable[[], float] = _random.random,
        **kwargs: Any,
    ) -> None:
        # Set before super().__init__, which calls _engineio_client_class().
        self._bridge = bridge
        self._open_timeout = open_timeout
        self.policy = policy
        self._random = random
        self._hold_until = 0.0  # loop time before which no attempt starts (Retry-After)
        kwargs["handle_sigint"] = False
        super().__init__(**kwargs)
        self.wait_timeout = wait_timeout
        self.observer = observer
        self._wake_event = asyncio.Event()
        self._immediate = False
        self._stopping = False
        # Data of the last CONNECT_ERROR (namespace rejection) seen in the current attempt.
        self.last_rejection: object = None
        # Whether engine.io got open during the current attempt.
        self.eio_opened = False

    def _engineio_client_class(self) -> Callable[..., BrowserEngineIOClient]:
        return functools.partial(
            BrowserEngineIOClient,
            bridge=self._bridge,
            open_timeout=self._open_timeout,
            on_opening=functools.partial(self._notify, "socket_opening"),
            on_sent=functools.partial(self._notify, "frame_sent"),
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
        """Skip the current backoff wait; during an attempt, retry at once if it fails.

        A hold (``hold``) is not cut short.
        """
        self._wake_event.set()

    def hold(self, seconds: float) -> None:
        """Start no attempt for ``seconds`` from now (a ``Retry-After``); a longer hold stays."""
        until = asyncio.get_running_loop().time() + max(0.0, seconds)
        self._hold_until = max(self._hold_until, until)

    def held_for(self) -> float:
        """Seconds left of the current hold (0 when none)."""
        return max(0.0, self._hold_until - asyncio.get_running_loop().time())

    @property
    def retrying(self) -> bool:
        """True while the retry loop task is alive (waiting or attempting)."""
        task = self._reconnect_task
        return task is not None and not task.done()

    async def stop(self) -> None:
        """Stop retrying (cancelling any attempt in flight) and disconnect."""
        self._stopping = True
        if self._reconnect_abort is not None:
            self._reconnect_abort.set()  # ends a wait at once, a Retry-After hold included
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
        """socketio's ``connect``, refused once ``stop`` was called."""
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
        try:
            while True:
                if self._immediate:
                    self._immediate = False
                    delay = 0.0
                else:
                    delay = self.policy.delay(attempt_count + 1, self._random())
                # A Retry-After makes the wait longer, never shorter.
                delay = max(delay, self.held_for())
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
        """Wait ``delay`` s unless woken, then out any hold; True if aborted instead."""
        abort = self._reconnect_abort
        assert abort is not None
        if abort.is_set():
            return True
        if delay > 0 and not self._wake_event.is_set():
            await self._wait_for(delay, abort, self._wake_event)
        held = self.held_for()
        if held > 0 and not abort.is_set():
            await self._wait_for(held, abort)  # waking does not cut a Retry-After short
        return bool(abort.is_set())

    @staticmethod
    async def _wait_for(timeout: float, *events: asyncio.Event) -> None:
        waiters = {asyncio.ensure_future(event.wait()) for event in events}
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

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

    def classify_failure(self, exc: BaseException) -> tuple[Reason, str]:
        """Map a failed attempt to ``(reason code, detail)`` using what the attempt recorded."""
        if self.last_rejection is not None:
            return Reason.AUTH_REJECTED, _rejection_text(self.last_rejection)
        open_error = getattr(self.eio, "last_open_error", None)
        if not self.eio_opened and open_error is not None:
            code = (
                Reason.CONNECT_TIMEOUT if open_error.kind == "timeout" else Reason.CONNECT_REFUSED
            )
            return code, str(open_error)
        if self.eio_opened:
            # engine.io was open but the namespace never answered (or the link dropped).
            return Reason.CONNECT_TIMEOUT, str(exc)
        return Reason.CONNECT_REFUSED, str(exc)


def _rejection_text(data: object) -> str:
    if isinstance(data, dict):
        message = data.get("message")
        if isinstance(message, str):
            return message
    return str(data)
