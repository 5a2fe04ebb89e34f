"""Unit tests for app.transport.engineio_ws: engine.io v4 over a fake browser WebSocket.

The fakes (``tests.support.websocket``) stand in for what ``app.runtime`` injects in the
browser: ``FakeWebSocket`` implements ``JsWebSocketLike`` and lets a test (or a scripted fake
server) deliver open, message, error and close events; ``FakeBridge`` builds them and counts
proxies.

Packets are checked against literal engine.io strings. Nothing sleeps to wait: tests await the
condition itself (a sent frame, a task, a future), each bounded by ``asyncio.wait_for``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import engineio
import pytest
from engineio import base_client
from engineio import exceptions as eio_exceptions

from app.transport import browser_socket, engineio_ws
from app.transport.browser_socket import BrowserWebSocket, WebSocketOpenError, live_proxy_count
from app.transport.engineio_ws import BrowserEngineIOClient
from tests.support.websocket import (
    FakeBridge,
    FakeUint8Array,
    FakeWebSocket,
    imported_modules,
    later,
    run,
    within,
)

OPEN_PACKET = (
    '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
)


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


def test_module_has_no_browser_imports() -> None:
    for module in (engineio_ws, browser_socket):
        assert not imported_modules(module.__file__) & {"js", "pyodide", "pyscript"}
    assert issubclass(BrowserEngineIOClient, engineio.AsyncClient)


def test_open_packet_literal_is_valid_json() -> None:
    assert json.loads(OPEN_PACKET[1:])["sid"] == "abc"
