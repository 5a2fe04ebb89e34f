"""Fakes of what ``app.runtime`` injects into the transport in the browser, and the
async helpers of the transport tests (``tests/unit/test_engineio_ws.py``,
``tests/unit/test_live_source.py``).

``FakeWebSocket`` implements ``JsWebSocketLike`` and lets a test (or a scripted fake
server) deliver open, message, error and close events; ``FakeBridge`` builds them and
counts proxies, and plays the connection's head start (``head_start``: a socket opened
before Python ran, its events kept until it is claimed, as static/head-start.js does).
Nothing sleeps to wait: tests await the condition itself (a sent frame, a task, a
future), each bounded by ``within``.
"""

from __future__ import annotations

import ast
import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.transport.browser_socket import SOCKET_EVENTS, BrowserBridge, Claimed

__all__ = [
    "WAIT",
    "FakeBridge",
    "FakeEvent",
    "FakeProxy",
    "FakeUint8Array",
    "FakeWebSocket",
    "KeptSocket",
    "Recorded",
    "imported_modules",
    "later",
    "run",
    "within",
]

T = TypeVar("T")
WAIT = 5.0  # upper bound for any awaited condition; never reached when things work


def run(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test function in a fresh event loop (no pytest-asyncio needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(test(*args, **kwargs), 30))

    return wrapper


async def within(aw: Awaitable[T], timeout: float = WAIT) -> T:
    """Await ``aw`` but fail the test instead of hanging."""
    return await asyncio.wait_for(aw, timeout)


class Recorded(list[T]):
    """What happened, in order, as a list a test can wait on (``until``)."""

    def __init__(self) -> None:
        super().__init__()
        self._changed = asyncio.Condition()

    def record(self, item: T) -> None:
        self.append(item)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(self, done: Callable[[], bool], timeout: float = WAIT) -> None:
        """Return once ``done()`` holds (checked now and after each record)."""

        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(done)

        await within(wait(), timeout)


# -- fakes -------------------------------------------------------------------------------------


@dataclass
class FakeEvent:
    """Stands in for a DOM Event / MessageEvent / CloseEvent."""

    type: str
    data: object = None
    code: int | None = None


@dataclass(frozen=True)
class FakeUint8Array:
    """What the fake ``to_js_bytes`` returns, so tests can see a binary send."""

    data: bytes


class FakeProxy:
    """Stands in for a pyodide ``create_proxy`` result: callable until destroyed once."""

    def __init__(self, fn: Callable[..., object], bridge: FakeBridge) -> None:
        self.fn = fn
        self.bridge = bridge
        self.destroyed = 0

    def __call__(self, *args: object) -> object:
        assert not self.destroyed, "called a destroyed proxy"
        return self.fn(*args)

    def destroy(self) -> None:
        self.destroyed += 1
        assert self.destroyed == 1, "proxy destroyed twice"
        self.bridge.live_proxies.discard(self)


class FakeWebSocket:
    """A browser WebSocket the test drives by hand (implements ``JsWebSocketLike``)."""

    CONNECTING, OPEN, CLOSING, CLOSED = 0, 1, 2, 3

    def __init__(self, url: str, bridge: FakeBridge) -> None:
        self.url = url
        self.bridge = bridge
        self.binaryType = "blob"
        self.readyState = self.CONNECTING
        self.listeners: dict[str, list[object]] = {}
        self.sent: list[object] = []
        self.sent_queue: asyncio.Queue[object] = asyncio.Queue()
        self.close_calls: list[tuple[int | None, str | None]] = []
        self.closed_event = asyncio.Event()
        self.on_send: Callable[[FakeWebSocket, object], None] | None = None

    # JsWebSocketLike ----------------------------------------------------------------------
    def send(self, data: object) -> None:
        if self.readyState != self.OPEN:
            raise RuntimeError("InvalidStateError: send on a non-open WebSocket")
        self.sent.append(data)
        self.sent_queue.put_nowait(data)
        if self.on_send is not None:
            self.on_send(self, data)

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        self.close_calls.append((code, reason))
        if self.readyState in (self.CONNECTING, self.OPEN):
            self.readyState = self.CLOSING
            # a browser fires "close" later, from its own task
            asyncio.get_running_loop().call_soon(self._finish_close, code or 1005)

    def addEventListener(self, type: str, listener: object) -> None:
        self.listeners.setdefault(type, []).append(listener)

    def removeEventListener(self, type: str, listener: object) -> None:
        if listener in self.listeners.get(type, []):
            self.listeners[type].remove(listener)

    # test controls ------------------------------------------------------------------------
    def dispatch(self, event: FakeEvent) -> None:
        for listener in list(self.listeners.get(event.type, [])):
            assert callable(listener)
            listener(event)

    def fire_open(self) -> None:
        self.readyState = self.OPEN
        self.dispatch(FakeEvent("open"))

    def fire_message(self, data: str | bytes) -> None:
        self.dispatch(FakeEvent("message", data=data))

    def fire_error(self) -> None:
        self.dispatch(FakeEvent("error"))

    def fire_close(self, code: int = 1006) -> None:
        """The server (or network) closed the socket."""
        self._finish_close(code)

    def _finish_close(self, code: int) -> None:
        if self.readyState == self.CLOSED:
            return
        self.readyState = self.CLOSED
        self.closed_event.set()
        self.dispatch(FakeEvent("close", code=code))

    @property
    def listener_count(self) -> int:
        return sum(len(v) for v in self.listeners.values())

    async def next_sent(self) -> object:
        return await within(self.sent_queue.get())


class KeptSocket:
    """A socket opened before Python ran, keeping every event until it is claimed (what
    static/head-start.js does in the worker)."""

    def __init__(self, url: str, ws: FakeWebSocket) -> None:
        self.url = url
        self.ws = ws
        self.events: Recorded[FakeEvent] = Recorded()
        self._keep = self.events.record  # one bound method, added and removed alike
        for kind in SOCKET_EVENTS:
            ws.addEventListener(kind, self._keep)

    async def kept(self, count: int) -> None:
        """Return once ``count`` events are kept."""
        await self.events.until(lambda: len(self.events) >= count)

    def claim(self) -> Claimed:
        for kind in SOCKET_EVENTS:
            self.ws.removeEventListener(kind, self._keep)
        events = list(self.events)
        self.events.clear()
        return self.ws, events


@dataclass
class FakeBridge:
    """Builds FakeWebSockets and FakeProxies; ``on_socket`` scripts a server per socket."""

    on_socket: Callable[[FakeWebSocket], None] | None = None
    raise_on_open: BaseException | None = None
    sockets: list[FakeWebSocket] = field(default_factory=list)
    live_proxies: set[FakeProxy] = field(default_factory=set)
    socket_queue: asyncio.Queue[FakeWebSocket] = field(default_factory=asyncio.Queue)
    # The head start's socket until claimed, and every URL a claim was asked for.
    kept: KeptSocket | None = None
    claims: list[str] = field(default_factory=list)

    def head_start(self, url: str) -> KeptSocket:
        """Open the socket for ``url`` now, before anything listens (the head start)."""
        self.kept = KeptSocket(url, self.open_websocket(url))
        return self.kept

    def claim_websocket(self, url: str) -> Claimed | None:
        self.claims.append(url)
        kept = self.kept
        if kept is None or kept.url != url:
            return None
        self.kept = None
        return kept.claim()

    def open_websocket(self, url: str) -> FakeWebSocket:
        if self.raise_on_open is not None:
            raise self.raise_on_open
        ws = FakeWebSocket(url, self)
        self.sockets.append(ws)
        self.socket_queue.put_nowait(ws)
        if self.on_socket is not None:
            self.on_socket(ws)
        return ws

    def create_proxy(self, fn: Callable[..., object]) -> FakeProxy:
        proxy = FakeProxy(fn, self)
        self.live_proxies.add(proxy)
        return proxy

    @staticmethod
    def message_data(event: object) -> str | bytes:
        assert isinstance(event, FakeEvent), event  # what FakeWebSocket dispatches
        data = event.data
        assert isinstance(data, (str, bytes))
        return data

    @staticmethod
    def to_js_bytes(data: bytes) -> FakeUint8Array:
        return FakeUint8Array(bytes(data))

    def bridge(self) -> BrowserBridge:
        return BrowserBridge(
            open_websocket=self.open_websocket,
            create_proxy=self.create_proxy,
            message_data=self.message_data,
            to_js_bytes=self.to_js_bytes,
            claim_websocket=self.claim_websocket,
        )

    async def next_socket(self) -> FakeWebSocket:
        return await within(self.socket_queue.get())


def later(fn: Callable[..., object], *args: object) -> None:
    """Run ``fn`` from the event loop, like a browser event arriving in its own task."""
    asyncio.get_running_loop().call_soon(fn, *args)


def imported_modules(path: str) -> set[str]:
    """Top-level names of every module imported by the source file at ``path``."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names
