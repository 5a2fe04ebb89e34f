"""Unit tests for app.transport.engineio_ws: engine.io v4 over a fake browser WebSocket.

The fakes here stand in for what ``app.runtime`` injects in the browser: ``FakeWebSocket``
implements ``JsWebSocketLike`` and lets a test (or a scripted fake server) deliver open, message,
error and close events; ``FakeBridge`` builds them and counts proxies. test_live_source.py
imports these fakes as ``tests.unit.test_engineio_ws``.

Packets are checked against literal engine.io strings. Nothing sleeps to wait: tests await the
condition itself (a sent frame, a task, a future), each bounded by ``asyncio.wait_for``.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import engineio
import pytest
from engineio import base_client
from engineio import exceptions as eio_exceptions

from app.transport import engineio_ws
from app.transport.engineio_ws import (
    BrowserBridge,
    BrowserEngineIOClient,
    BrowserWebSocket,
    WebSocketOpenError,
    live_proxy_count,
)

T = TypeVar("T")
WAIT = 5.0  # upper bound for any awaited condition; never reached when things work

OPEN_PACKET = (
    '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
)


def run(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test function in a fresh event loop (no pytest-asyncio needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(test(*args, **kwargs), 30))

    return wrapper


async def within(aw: Awaitable[T], timeout: float = WAIT) -> T:
    """Await ``aw`` but fail the test instead of hanging."""
    return await asyncio.wait_for(aw, timeout)


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


@dataclass
class FakeBridge:
    """Builds FakeWebSockets and FakeProxies; ``on_socket`` scripts a server per socket."""

    on_socket: Callable[[FakeWebSocket], None] | None = None
    raise_on_open: BaseException | None = None
    sockets: list[FakeWebSocket] = field(default_factory=list)
    live_proxies: set[FakeProxy] = field(default_factory=set)
    socket_queue: asyncio.Queue[FakeWebSocket] = field(default_factory=asyncio.Queue)

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
        data = event.data  # type: ignore[attr-defined]
        assert isinstance(data, (str, bytes))
        return data

    @staticmethod
    def to_js_bytes(data: bytes) -> FakeUint8Array:
        return FakeUint8Array(bytes(data))

    def bridge(self) -> BrowserBridge:
        return BrowserBridge(
            open_websocket=self.open_websocket,  # type: ignore[arg-type]
            create_proxy=self.create_proxy,
            message_data=self.message_data,
            to_js_bytes=self.to_js_bytes,
        )

    async def next_socket(self) -> FakeWebSocket:
        return await within(self.socket_queue.get())


def later(fn: Callable[..., object], *args: object) -> None:
    """Run ``fn`` from the event loop, like a browser event arriving in its own task."""
    asyncio.get_running_loop().call_soon(fn, *args)


def make_client(fake: FakeBridge, **kwargs: Any) -> BrowserEngineIOClient:
    kwargs.setdefault("open_timeout", 2.0)
    kwargs.setdefault("logger", logging.getLogger("tests.engineio"))  # no stderr handler
    return BrowserEngineIOClient(bridge=fake.bridge(), **kwargs)


async def open_connected(
    fake: FakeBridge, client: BrowserEngineIOClient, *, open_packet: str = OPEN_PACKET
) -> FakeWebSocket:
    """Connect ``client`` through a FakeWebSocket that opens and sends ``open_packet``."""
    connecting = asyncio.ensure_future(
        client.connect("http://example.test", transports=["websocket"])
    )
    ws = await fake.next_socket()
    later(ws.fire_open)
    later(ws.fire_message, open_packet)
    assert await within(connecting) is True
    return ws


@pytest.fixture(autouse=True)
def _no_leaks() -> Any:
    """Every test must leave no live proxy and no registered engine.io client behind."""
    before = live_proxy_count()
    yield
    assert live_proxy_count() == before
    base_client.connected_clients[:] = []


# -- URL and handshake ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path", "expected"),
    [
        ("http://example.test:8080", "socket.io", "ws://example.test:8080/socket.io/"),
        ("https://status.example", "/socket.io/", "wss://status.example/socket.io/"),
        ("wss://status.example", "engine.io", "wss://status.example/engine.io/"),
    ],
)
@run
async def test_websocket_url_is_built_like_engineio(url: str, path: str, expected: str) -> None:
    fake = FakeBridge()
    client = make_client(fake, timestamp_requests=False)
    connecting = asyncio.ensure_future(client.connect(url, engineio_path=path))
    ws = await fake.next_socket()
    assert ws.url == expected + "?transport=websocket&EIO=4"
    later(ws.fire_open)
    later(ws.fire_message, OPEN_PACKET)
    await within(connecting)
    await client.disconnect()


@run
async def test_url_keeps_query_and_adds_timestamp() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    connecting = asyncio.ensure_future(client.connect("https://h.example/?shard=3"))
    ws = await fake.next_socket()
    assert ws.url.startswith("wss://h.example/engine.io/?shard=3&transport=websocket&EIO=4&t=")
    later(ws.fire_open)
    later(ws.fire_message, OPEN_PACKET)
    await within(connecting)
    await client.disconnect()


@pytest.mark.parametrize("transports", [None, ["polling"], ["polling", "websocket"], "websocket"])
@run
async def test_polling_is_never_attempted(transports: Any) -> None:
    fake = FakeBridge()
    client = make_client(fake)
    connecting = asyncio.ensure_future(client.connect("http://h.example", transports=transports))
    ws = await fake.next_socket()
    assert "transport=websocket" in ws.url
    later(ws.fire_open)
    later(ws.fire_message, OPEN_PACKET)
    await within(connecting)
    assert client.transport() == "websocket"
    assert client.transports == ["websocket"]
    await client.disconnect()


@run
async def test_open_handshake_sets_engineio_state() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    connected: list[str] = []
    client.on("connect", lambda: connected.append(client.state))
    ws = await open_connected(fake, client)
    assert ws.binaryType == "arraybuffer"
    assert client.sid == "abc"
    assert client.upgrades == []
    assert client.ping_interval == 25.0
    assert client.ping_timeout == 20.0
    assert client.state == "connected"
    assert client.current_transport == "websocket"
    assert connected == ["connected"]
    assert client in base_client.connected_clients
    assert ws.listener_count == 4  # open, message, error, close
    assert len(fake.live_proxies) == 4
    await client.disconnect()
    assert client not in base_client.connected_clients


# -- packets -------------------------------------------------------------------------------


@run
async def test_ping_is_answered_with_pong() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    ws = await open_connected(fake, client)
    ws.fire_message("2")
    assert await ws.next_sent() == "3"
    await client.disconnect()


@run
async def test_text_message_both_ways() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    received: asyncio.Queue[object] = asyncio.Queue()
    client.on("message", received.put_nowait)
    ws = await open_connected(fake, client)
    ws.fire_message('42["x"]')
    assert await within(received.get()) == '2["x"]'
    await client.send('2["x"]')
    assert await ws.next_sent() == '42["x"]'
    await client.send({"a": 1})
    assert await ws.next_sent() == '4{"a":1}'
    await client.disconnect()


@run
async def test_binary_message_both_ways() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    received: asyncio.Queue[object] = asyncio.Queue()
    client.on("message", received.put_nowait)
    ws = await open_connected(fake, client)
    ws.fire_message(b"\x00\x01\xff")
    assert await within(received.get()) == b"\x00\x01\xff"
    await client.send(b"\xde\xad")
    assert await ws.next_sent() == FakeUint8Array(b"\xde\xad")
    await client.disconnect()


# -- closing -------------------------------------------------------------------------------


@run
async def test_client_disconnect_flushes_close_packet_then_closes_socket() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    reasons: list[str] = []
    client.on("disconnect", reasons.append)
    ws = await open_connected(fake, client)
    await client.send("41")  # as socketio.disconnect() does before eio.disconnect()
    await client.disconnect()
    assert ws.sent[-2:] == ["441", "1"]
    assert ws.close_calls == [(1000, "client close")]
    assert reasons == [client.reason.CLIENT_DISCONNECT]
    assert client.state == "disconnected"
    assert ws.listener_count == 0
    assert not fake.live_proxies


@run
async def test_server_close_event_ends_read_loop_and_reports_transport_error() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    reasons: list[str] = []
    client.on("disconnect", reasons.append)
    ws = await open_connected(fake, client)
    ws.fire_close(1006)
    await within(client.read_loop_task)
    assert reasons == [client.reason.TRANSPORT_ERROR]
    assert client.state == "disconnected"
    assert client.sid is None
    assert client not in base_client.connected_clients
    assert ws.close_calls == []  # already closed by the server: nothing to close
    assert ws.listener_count == 0
    assert not fake.live_proxies


@run
async def test_server_close_packet_disconnects() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    reasons: list[str] = []
    client.on("disconnect", reasons.append)
    ws = await open_connected(fake, client)
    ws.fire_message("1")
    await within(ws.closed_event.wait())
    await within(client.read_loop_task)
    assert reasons == [client.reason.SERVER_DISCONNECT]
    assert client.state == "disconnected"
    assert not fake.live_proxies


@run
async def test_ping_timeout_closes_the_browser_socket() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    reasons: list[str] = []
    client.on("disconnect", reasons.append)
    # the read loop gives up after pingInterval + pingTimeout = 60 ms of silence
    fast = '0{"sid":"abc","upgrades":[],"pingInterval":30,"pingTimeout":30}'
    ws = await open_connected(fake, client, open_packet=fast)
    await within(client.read_loop_task)
    assert reasons == [client.reason.TRANSPORT_ERROR]
    assert ws.close_calls == [(1000, "client close")]
    await within(ws.closed_event.wait())
    assert ws.readyState == FakeWebSocket.CLOSED
    assert ws.listener_count == 0
    assert not fake.live_proxies


@run
async def test_undecodable_packet_closes_socket() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    ws = await open_connected(fake, client)
    ws.fire_message("")  # engine.io refuses empty packets
    await within(client.read_loop_task)
    assert ws.close_calls == [(1000, "client close")]
    assert client.state == "disconnected"
    assert not fake.live_proxies


@run
async def test_send_after_socket_died_never_raises() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    ws = await open_connected(fake, client)
    assert isinstance(client.ws, BrowserWebSocket)
    ws.readyState = FakeWebSocket.CLOSED  # died without (yet) a close event
    await client.ws.send_str("4x")
    await client.ws.send_bytes(b"x")
    ws.readyState = FakeWebSocket.OPEN

    def boom(data: object) -> None:
        raise RuntimeError("send failed")

    ws.send = boom  # type: ignore[method-assign]
    await client.send("x")  # the write loop hits the failure: the socket is torn down
    await within(client.read_loop_task)
    assert client.state == "disconnected"
    assert not fake.live_proxies


# -- failed opens --------------------------------------------------------------------------


@run
async def test_error_then_close_before_open_raises_connection_error() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    connecting = asyncio.ensure_future(client.connect("http://h.example"))
    ws = await fake.next_socket()
    later(ws.fire_error)
    later(ws.fire_close, 1006)
    with pytest.raises(eio_exceptions.ConnectionError, match="Connection error"):
        await within(connecting)
    assert client.last_open_error is not None
    assert client.last_open_error.kind == "error"
    assert client.state == "disconnected"
    await within(ws.closed_event.wait())
    assert ws.listener_count == 0
    assert not fake.live_proxies


@run
async def test_open_timeout_closes_socket_and_destroys_proxies() -> None:
    fake = FakeBridge()
    client = make_client(fake, open_timeout=0.05)
    with pytest.raises(eio_exceptions.ConnectionError):
        await within(client.connect("http://h.example"))
    ws = fake.sockets[0]
    assert client.last_open_error is not None
    assert client.last_open_error.kind == "timeout"
    assert ws.close_calls == [(1000, "client close")]
    assert ws.listener_count == 0
    assert not fake.live_proxies
    assert client.state == "disconnected"


@run
async def test_missing_open_packet_times_out_and_closes() -> None:
    fake = FakeBridge()
    client = make_client(fake, open_timeout=0.05)
    connecting = asyncio.ensure_future(client.connect("http://h.example"))
    ws = await fake.next_socket()
    later(ws.fire_open)
    with pytest.raises(eio_exceptions.ConnectionError, match="no OPEN packet"):
        await within(connecting)
    assert ws.close_calls == [(1000, "client close")]
    assert not fake.live_proxies


@run
async def test_wrong_first_packet_is_refused() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    connecting = asyncio.ensure_future(client.connect("http://h.example"))
    ws = await fake.next_socket()
    later(ws.fire_open)
    later(ws.fire_message, "2")
    with pytest.raises(eio_exceptions.ConnectionError, match="no OPEN packet"):
        await within(connecting)
    assert ws.close_calls
    assert not fake.live_proxies


@run
async def test_websocket_constructor_error_is_a_connection_error() -> None:
    fake = FakeBridge(raise_on_open=ValueError("SyntaxError: bad url"))
    client = make_client(fake)
    with pytest.raises(eio_exceptions.ConnectionError):
        await within(client.connect("http://h.example"))
    assert client.last_open_error is not None
    assert client.last_open_error.kind == "error"
    assert not fake.live_proxies


@run
async def test_failing_connect_handler_closes_the_socket() -> None:
    fake = FakeBridge()
    client = make_client(fake)

    async def refuse() -> None:
        raise RuntimeError("no token")

    client.on("connect", refuse)
    connecting = asyncio.ensure_future(client.connect("http://h.example"))
    ws = await fake.next_socket()
    later(ws.fire_open)
    later(ws.fire_message, OPEN_PACKET)
    with pytest.raises(eio_exceptions.ConnectionError, match="Connect handler failed: no token"):
        await within(connecting)
    assert ws.close_calls == [(1000, "client close")]
    assert client.state == "disconnected"
    assert client not in base_client.connected_clients
    assert not fake.live_proxies


@run
async def test_cancelled_open_cleans_up() -> None:
    fake = FakeBridge()
    client = make_client(fake)
    connecting = asyncio.ensure_future(client.connect("http://h.example"))
    ws = await fake.next_socket()
    connecting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await connecting
    assert ws.close_calls
    assert not fake.live_proxies


# -- BrowserWebSocket alone ------------------------------------------------------------------


@run
async def test_receive_after_close_returns_close_marker_repeatedly() -> None:
    fake = FakeBridge()
    sock = BrowserWebSocket(fake.bridge(), "ws://h.example/")
    opening = asyncio.ensure_future(sock.open(1.0))
    ws = await fake.next_socket()
    ws.fire_open()
    await within(opening)
    ws.fire_message("4a")
    ws.fire_close(1001)
    assert (await sock.receive()).data == "4a"
    for _ in range(2):
        msg = await within(sock.receive())
        assert msg.kind == "close"
        assert msg.close_code == 1001
    assert sock.closed
    await sock.close()  # idempotent, nothing left to destroy
    assert ws.close_calls == []


@run
async def test_open_error_kinds() -> None:
    fake = FakeBridge()
    sock = BrowserWebSocket(fake.bridge(), "ws://h.example/")
    opening = asyncio.ensure_future(sock.open(1.0))
    ws = await fake.next_socket()
    ws.fire_close(1006)
    with pytest.raises(WebSocketOpenError) as info:
        await within(opening)
    assert info.value.kind == "closed"
    assert not fake.live_proxies


# -- soak ----------------------------------------------------------------------------------


@run
async def test_soak_many_connections_leave_no_proxies() -> None:
    fake = FakeBridge()
    base = live_proxy_count()
    for i in range(60):
        client = make_client(fake, open_timeout=0.02 if i % 3 == 2 else 2.0)
        if i % 3 == 2:  # a timed-out open
            with pytest.raises(eio_exceptions.ConnectionError):
                await within(client.connect("http://h.example"))
            await fake.next_socket()  # consume the timed-out socket
            continue
        ws = await open_connected(fake, client)
        assert live_proxy_count() == base + 4
        if i % 3 == 0:
            await client.disconnect()
        else:
            ws.fire_close()
            await within(client.read_loop_task)
        assert live_proxy_count() == base
    assert not fake.live_proxies
    assert all(ws.listener_count == 0 for ws in fake.sockets)


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


def test_module_has_no_browser_imports() -> None:
    assert not imported_modules(engineio_ws.__file__) & {"js", "pyodide", "pyscript"}
    assert issubclass(BrowserEngineIOClient, engineio.AsyncClient)


def test_open_packet_literal_is_valid_json() -> None:
    assert json.loads(OPEN_PACKET[1:])["sid"] == "abc"
