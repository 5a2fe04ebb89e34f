"""Unit tests for app.transport.live: LiveSource and SocketIOClient over a scripted fake server
(``tests.support.sio``). Backoff delays are shrunk to milliseconds; tests wait on the reported
``ConnectionEvent``s themselves, never on the clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import socketio
from socketio import exceptions as sio_exceptions

from app.model.page_state import Connection, SourceKind
from app.transport import live, source
from app.transport.browser_socket import live_proxy_count
from app.transport.early import EarlyConnection
from app.transport.live import (
    REASONS,
    ConnectionEvent,
    ConnectionState,
    LiveSource,
    SourceUnavailable,
)
from app.transport.retry_client import FetchError, SocketIOClient, TokenError
from tests.support.sio import (
    GLACIAL,
    OPEN,
    QUICK,
    STATUS,
    Events,
    FakeSioServer,
    HeldTokens,
    Tokens,
    connected,
    make_source,
    no_leaks,
)
from tests.support.websocket import (
    WAIT,
    FakeWebSocket,
    imported_modules,
    run,
    within,
)

C, OK, RE, OFF = (
    ConnectionState.CONNECTING,
    ConnectionState.CONNECTED,
    ConnectionState.RECONNECTING,
    ConnectionState.OFFLINE,
)


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    with no_leaks():
        yield


# -- happy path --------------------------------------------------------------------------------


@run
async def test_start_fetches_token_connects_and_fetch_returns_raw_ack() -> None:
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    source = make_source(server, tokens, events, token_timeout=3.0)
    await source.start()
    assert source.connected
    assert events.states() == [C, OK]
    assert events.log[0] == ConnectionEvent(C, None, 1)
    assert tokens.urls == [("https://bot.example/token", 3.0)]
    assert server.auths == [{"token": "tok-1"}]
    ws = server.connected[0]
    assert ws.url.startswith("wss://bot.example/socket.io/?transport=websocket&EIO=4")
    assert ws.sent[0] == '40{"token":"tok-1"}'
    assert await source.fetch() == STATUS
    assert ws.sent[-1] == '421["get-cluster-status"]'  # socketio ack ids start at 1
    assert await source.fetch() == STATUS
    assert ws.sent[-1] == '422["get-cluster-status"]'
    await source.close()
    assert events.log[-1] == ConnectionEvent(OFF, "closed")
    assert not source.connected
    assert ws.sent[-2:] == ["41", "1"]
    assert not server.bridge.live_proxies


@run
async def test_fetch_errors_have_stable_reasons() -> None:
    server, tokens, events = FakeSioServer(answer_acks=False), Tokens(), Events()
    source = make_source(server, tokens, events, ack_timeout=0.05)
    with pytest.raises(SourceUnavailable) as info:
        await source.fetch()
    assert info.value.reason == "not-connected"
    await source.start()
    with pytest.raises(SourceUnavailable) as info:
        await source.fetch()
    assert info.value.reason == "ack-timeout"
    await source.close()
    with pytest.raises(SourceUnavailable) as info:
        await source.fetch()
    assert info.value.reason == "not-connected"


@run
async def test_fetch_returns_early_when_connection_drops() -> None:
    server, tokens, events = FakeSioServer(answer_acks=False), Tokens(), Events()
    source = make_source(server, tokens, events, ack_timeout=WAIT * 2)
    await source.start()
    fetching = asyncio.ensure_future(source.fetch())
    ws = server.connected[0]
    await ws.next_sent()  # 40{...}
    assert await ws.next_sent() == '421["get-cluster-status"]'
    ws.fire_close(1006)
    with pytest.raises(SourceUnavailable) as info:
        await within(fetching)
    assert info.value.reason == "disconnected"
    await source.close()


# -- tokens and rejection ------------------------------------------------------------------------


@run
async def test_rejected_token_retries_with_a_fresh_token() -> None:
    server = FakeSioServer(valid_tokens=lambda t: t != "tok-1")
    tokens, events = Tokens(), Events()
    source = make_source(server, tokens, events)
    await source.start()  # returns after the first (failed) attempt
    await events.until(connected)
    assert server.auths == [{"token": "tok-1"}, {"token": "tok-2"}]
    states = events.states()
    assert states[0] is C and states[-1] is OK
    offline = next(e for e in events.log if e.state is OFF)
    assert offline.reason == "auth-rejected"
    assert offline.detail == "unauthorized"
    assert offline.retry_in is not None and 0 < offline.retry_in <= 0.004
    second = next(e for e in events.log if e.state is C and e.attempt == 2)
    assert second.reason == "auth-rejected"
    # the refused socket was closed by the client
    refused = server.bridge.sockets[0]
    assert refused.sent[-1] == "1"
    assert refused.close_calls
    await source.close()
    assert not server.bridge.live_proxies


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (FetchError("http", "HTTP 503"), "token-http"),
        (FetchError("network", "TypeError: Failed to fetch"), "token-network"),
        (FetchError("bad-json", "Unexpected token <"), "token-bad-json"),
        (FetchError("timeout"), "token-timeout"),
        (TimeoutError(), "token-timeout"),
        (ValueError("Expecting value"), "token-bad-json"),
        (OSError("Failed to fetch"), "token-network"),
        ({"tok": "x"}, "token-missing"),
        ({"token": ""}, "token-missing"),
        (["tok-1"], "token-missing"),
    ],
)
@run
async def test_token_failures_are_reported_and_retried(failure: object, reason: str) -> None:
    server, tokens, events = FakeSioServer(), Tokens(failure), Events()
    source = make_source(server, tokens, events)
    await source.start()
    await events.until(connected)
    offline = next(e for e in events.log if e.state is OFF)
    assert offline.reason == reason
    assert reason in REASONS
    assert server.auths == [{"token": "tok-1"}]  # nothing reached the server without a token
    first = server.bridge.sockets[0]
    assert first.close_calls and first.listener_count == 0
    await source.close()


@run
async def test_token_fetch_that_hangs_times_out() -> None:
    server, events = FakeSioServer(), Events()
    calls = 0

    async def slow_then_fast(url: str, timeout: float) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.Event().wait()  # never answers; LiveSource must time it out
        return {"token": "fresh"}

    source = LiveSource(
        token_url="/token",
        ws_url="http://bot.example",
        bridge=server.bridge.bridge(),
        fetch_json=slow_then_fast,
        on_connection=events,
        token_timeout=0.05,
        reconnect=QUICK,
    )
    await source.start()
    await events.until(connected)
    assert next(e for e in events.log if e.state is OFF).reason == "token-timeout"
    assert server.auths == [{"token": "fresh"}]
    await source.close()


@run
async def test_a_busy_token_endpoint_holds_every_attempt_for_its_retry_after() -> None:
    """A 503 with Retry-After: the next attempt waits at least that long, is reported as
    token-busy with the hold as its wait, and reconnect_now() does not cut the hold short."""
    server, events = FakeSioServer(), Events()
    tokens = Tokens(FetchError("http", "HTTP 503", retry_after=0.3))
    source = make_source(server, tokens, events)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await source.start()
    waiting = await events.until(lambda e: e.state is OFF)
    assert waiting.reason == "token-busy"
    assert waiting.retry_in is not None and waiting.retry_in >= 0.29
    source.reconnect_now()  # the visitor came back online: still no attempt before the hold
    await events.until(connected)
    assert len(tokens.urls) == 2
    assert loop.time() - began >= 0.3
    await source.close()


@run
async def test_a_token_error_without_retry_after_uses_the_normal_wait() -> None:
    """A 503 without a usable Retry-After is a plain token-http failure, retried as usual."""
    server, events = FakeSioServer(), Events()
    source = make_source(server, Tokens(FetchError("http", "HTTP 503")), events)
    await source.start()
    waiting = await events.until(lambda e: e.state is OFF)
    assert waiting.reason == "token-http"
    assert waiting.retry_in is not None and waiting.retry_in <= 0.004
    await events.until(connected)
    await source.close()


@run
async def test_a_hold_never_shortens_the_normal_wait() -> None:
    """Retry-After: 0 with a long normal wait: the wait stays the rule's, not the header's."""
    server, events = FakeSioServer(), Events()
    tokens = Tokens(FetchError("http", "HTTP 429", retry_after=0.0))
    source = make_source(server, tokens, events, reconnect=GLACIAL)
    await source.start()
    waiting = await events.until(lambda e: e.state is OFF)
    assert waiting.reason == "token-busy"
    assert waiting.retry_in == 600.0
    await source.close()


# -- the token in parallel with the socket ----------------------------------------------------


@run
async def test_the_first_token_is_asked_before_the_socket_and_sent_once_both_are_there() -> None:
    """The first connection of a fresh page: the token request is made before the
    WebSocket is created (the socket's own start keeps the loop busy for a while); the
    Socket.IO CONNECT waits for the token, then carries it."""
    server, events = FakeSioServer(silent_sockets=1), Events()  # the test opens the socket
    tokens = HeldTokens(server)
    source = make_source(server, tokens, events)  # type: ignore[arg-type]
    starting = asyncio.ensure_future(source.start())
    ws = await within(server.bridge.next_socket())
    await within(tokens.asked.wait())
    assert tokens.seen == [[]]  # asked before the socket was created
    ws.fire_open()
    ws.fire_message(OPEN)
    tokens.release()
    await within(starting)
    assert source.connected
    assert ws.sent[0] == '40{"token":"tok-1"}'
    assert len(tokens.seen) == 1
    assert events.states() == [C, OK]
    await source.close()


@run
async def test_under_way_returns_once_the_first_token_is_asked_and_its_socket_made() -> None:
    """What the page waits for before its other imports: both first requests have left."""
    server, events = FakeSioServer(silent_sockets=1), Events()  # the socket never opens
    tokens = HeldTokens(server)
    source = make_source(server, tokens, events)  # type: ignore[arg-type]
    starting = asyncio.ensure_future(source.start())
    await within(source.under_way())
    assert tokens.seen == [[]]  # the token was asked, before the socket existed
    assert [ws.readyState for ws in server.bridge.sockets] == [FakeWebSocket.CONNECTING]
    await source.close()
    await within(starting)


@run
async def test_under_way_does_not_wait_for_a_source_that_was_closed() -> None:
    server, events = FakeSioServer(), Events()
    source = make_source(server, Tokens(), events)
    await source.close()
    await within(source.under_way())


@run
async def test_under_way_gives_up_after_its_limit_when_nothing_happens() -> None:
    """A source that never starts an attempt does not stall what waits on it."""
    server, events = FakeSioServer(), Events()
    source = make_source(server, Tokens(), events)  # never started
    await within(source.under_way(limit=0.05))
    assert server.bridge.sockets == []


@run
async def test_an_early_connection_hands_over_the_last_event_it_heard_then_every_one() -> None:
    """The connection starts before the controller exists (app.main): the controller gets
    the state it missed (the last event says all of it), then each event as it comes."""
    server, tokens = FakeSioServer(), Tokens()
    early = EarlyConnection(lambda hear: make_source(server, tokens, hear))  # type: ignore[arg-type]

    async def until_connected() -> None:
        while not early.source.connected:
            await asyncio.sleep(0.005)

    await within(until_connected())
    heard: list[tuple[Connection, object, object]] = []
    assert early.listen(lambda *event: heard.append(event)) is early.source
    assert heard == [(OK, None, None)]  # not CONNECTING, which it heard first
    server.connected[0].fire_close(1006)

    async def until_back() -> None:
        while len(heard) < 3 or heard[-1][0] is not OK:
            await asyncio.sleep(0.005)

    await within(until_back())
    states = [state for state, *_ in heard]
    assert states[1] is OFF and states[-2:] == [RE, OK]  # the drop, then back
    await early.source.close()


@run
async def test_each_reconnection_requests_a_fresh_token_as_its_socket_opens() -> None:
    server, events = FakeSioServer(), Events()
    tokens = HeldTokens(server)
    source = make_source(server, tokens, events)  # type: ignore[arg-type]
    tokens.release()
    await source.start()
    await within(server.bridge.next_socket())  # the first connection's
    tokens.asked.clear()
    server.silent_sockets = 1  # the test opens the next socket
    server.connected[0].fire_close(1006)
    ws = await within(server.bridge.next_socket())
    await within(tokens.asked.wait())
    assert tokens.seen[-1] == [FakeWebSocket.CLOSED, FakeWebSocket.CONNECTING]
    ws.fire_open()
    ws.fire_message(OPEN)
    tokens.release()
    await events.until(lambda e: e.state is OK and e is not events.log[1])
    assert server.auths == [{"token": "tok-1"}, {"token": "tok-2"}]
    assert tokens.max_in_flight == 1
    await source.close()


@run
async def test_a_token_failure_is_reported_when_the_socket_asks_for_it() -> None:
    """A token request that fails while the socket is still opening is reported as today:
    the attempt fails with the token's reason, its socket is closed without a CONNECT."""
    server, events = FakeSioServer(), Events()
    tokens = HeldTokens(server)
    tokens.release(FetchError("http", "HTTP 500"))
    source = make_source(server, tokens, events)  # type: ignore[arg-type]
    await source.start()
    waiting = await events.until(lambda e: e.state is OFF)
    assert waiting.reason == "token-http"
    first = server.bridge.sockets[0]
    assert first.close_calls and not any(str(f).startswith("40") for f in first.sent)
    tokens.release()
    await events.until(connected)
    assert server.auths == [{"token": "tok-2"}]
    await source.close()


@run
async def test_a_busy_answer_holds_the_next_attempt_even_when_the_socket_failed_first() -> None:
    """The socket is refused (the attempt's reason), its token request answers 503 with
    Retry-After: the next attempt still waits for the hold."""
    server, events = FakeSioServer(refuse_sockets=1), Events()
    tokens = Tokens(FetchError("http", "HTTP 503", retry_after=0.3))
    source = make_source(server, tokens, events)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await source.start()
    await events.until(connected)
    assert loop.time() - began >= 0.3
    assert next(e for e in events.log if e.state is OFF).reason == "connect-refused"
    assert [e.attempt for e in events.log if e.state is C] == [1, 2]
    assert server.auths == [{"token": "tok-1"}]
    await source.close()


@run
async def test_a_token_request_left_pending_is_aborted_when_the_next_socket_opens() -> None:
    """One token request at a time: the refused attempt's request, still unanswered, is
    aborted as the next attempt's socket is created, and that attempt asks again."""
    server, events = FakeSioServer(refuse_sockets=1), Events()
    tokens = HeldTokens(server)
    source = make_source(server, tokens, events)  # type: ignore[arg-type]
    await source.start()  # the first attempt is refused; its token request hangs
    assert events.log[-1].reason == "connect-refused"
    assert tokens.in_flight == 1
    tokens.asked.clear()
    await within(tokens.asked.wait())  # the next attempt's socket is being created
    assert tokens.cancelled == 1
    tokens.release()
    await events.until(connected)
    assert tokens.max_in_flight == 1
    assert server.auths == [{"token": "tok-1"}]
    await source.close()


# -- initial failures, drops and reconnection -------------------------------------------------


@run
async def test_initial_connect_failure_keeps_retrying() -> None:
    server, tokens, events = FakeSioServer(refuse_sockets=3), Tokens(), Events()
    source = make_source(server, tokens, events)
    await source.start()
    assert not source.connected
    assert events.log[-1].reason == "connect-refused"
    await events.until(connected)
    attempts = [e.attempt for e in events.log if e.state is C]
    assert attempts == [1, 2, 3, 4]
    # every attempt requests its token as it starts; only the open socket's is sent
    assert len(tokens.urls) == 4
    assert server.auths == [{"token": tokens.issued[-1]}]
    assert server.max_opening == 1  # never two attempts in flight
    await source.close()


@run
async def test_open_timeout_is_reported_as_connect_timeout() -> None:
    server, tokens, events = FakeSioServer(silent_sockets=1), Tokens(), Events()
    source = make_source(server, tokens, events, open_timeout=0.05)
    await source.start()
    assert events.log[-1].reason == "connect-timeout"
    await events.until(connected)
    await source.close()


@run
async def test_server_killed_then_back_reconnects_with_fresh_token() -> None:
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    source = make_source(server, tokens, events)
    await source.start()
    server.refuse_sockets = 2  # the restarted server is not up at once
    server.connected[0].fire_close(1006)
    lost = await events.until(lambda e: e.state is OFF)
    assert lost.reason == "disconnected"
    await events.until(lambda e: e.state is OK and e is not events.log[1])
    assert [e.state for e in events.log][:3] == [C, OK, OFF]
    assert RE in events.states()
    assert C not in events.states()[2:]  # after a first success it is "reconnecting"
    # one token request per attempt (the first, two refused, the last), each a fresh one
    assert len(tokens.urls) == 4
    assert server.auths == [{"token": "tok-1"}, {"token": "tok-4"}]
    assert server.max_opening == 1
    assert await source.fetch() == STATUS
    await source.close()
    assert not server.bridge.live_proxies


@pytest.mark.parametrize("frame", ["41", "1"])
@run
async def test_server_initiated_disconnect_also_reconnects(frame: str) -> None:
    # python-socketio itself does not reconnect after a namespace DISCONNECT ("41") or an
    # engine.io CLOSE ("1") from the server; a status page must.
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    source = make_source(server, tokens, events)
    await source.start()
    server.connected[0].fire_message(frame)
    await events.until(lambda e: e.state is OFF and e.reason == "disconnected")
    await events.until(lambda e: e.state is OK and e is not events.log[1])
    assert tokens.issued == ["tok-1", "tok-2"]
    await source.close()


@run
async def test_reconnect_now_cuts_the_backoff_wait() -> None:
    server, tokens, events = FakeSioServer(refuse_sockets=1), Tokens(), Events()
    # a huge backoff: only reconnect_now() can make the second attempt happen in time
    source = make_source(server, tokens, events, reconnect=GLACIAL)
    await source.start()
    waiting = await events.until(lambda e: e.state is OFF)
    assert waiting.retry_in is not None and waiting.retry_in >= 300
    source.reconnect_now()
    source.reconnect_now()  # repeated calls do not start a second attempt
    await events.until(connected)
    assert server.max_opening == 1
    assert len(server.bridge.sockets) == 2
    source.reconnect_now()  # no-op while connected
    assert not source.sio.retrying
    await source.close()


@run
async def test_reconnect_now_during_an_attempt_does_not_start_another() -> None:
    server, tokens, events = FakeSioServer(silent_sockets=1), Tokens(), Events()
    source = make_source(server, tokens, events, open_timeout=0.1, reconnect=GLACIAL)
    starting = asyncio.ensure_future(source.start())
    await server.bridge.next_socket()  # attempt 1 is in flight (the socket never opens)
    source.reconnect_now()
    assert len(server.bridge.sockets) == 1
    await within(starting)
    # the remembered wake-up skips the 600 s wait once attempt 1 has failed
    await events.until(connected)
    assert server.max_opening == 1
    await source.close()


@run
async def test_close_while_retrying_stops_everything() -> None:
    server, tokens, events = FakeSioServer(refuse_sockets=1), Tokens(), Events()
    source = make_source(server, tokens, events, reconnect=GLACIAL)
    await source.start()
    assert source.sio.retrying
    await source.close()
    assert not source.sio.retrying
    assert events.log[-1] == ConnectionEvent(OFF, "closed")
    source.reconnect_now()  # ignored after close
    assert not source.sio.retrying
    assert len(server.bridge.sockets) == 1
    await source.close()  # idempotent


@run
async def test_close_during_token_fetch_leaves_nothing_open() -> None:
    server, events = FakeSioServer(), Events()
    asked = asyncio.Event()

    async def hanging(url: str, timeout: float) -> object:
        asked.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    source = LiveSource(
        token_url="/token",
        ws_url="http://bot.example",
        bridge=server.bridge.bridge(),
        fetch_json=hanging,
        on_connection=events,
        wait_timeout=0.05,
    )
    starting = asyncio.ensure_future(source.start())
    await within(asked.wait())
    await within(source.close())
    await within(starting)
    assert not source.sio.retrying
    assert server.bridge.sockets[0].close_calls
    assert not server.bridge.live_proxies


@run
async def test_soak_reconnect_cycles_leave_no_proxies() -> None:
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    source = make_source(server, tokens, events)
    base = live_proxy_count()
    await source.start()
    for cycle in range(15):
        assert live_proxy_count() == base + 4
        server.connected[-1].fire_close(1006)
        await events.until(lambda e, n=cycle: e.state is OK and len(server.connected) == n + 2)
        assert await source.fetch() == STATUS
    await source.close()
    assert len(tokens.issued) == 16
    assert server.max_opening == 1
    assert not server.bridge.live_proxies


# -- verified assumptions about python-socketio 5.18.1 ----------------------------------------


@run
async def test_plain_socketio_does_not_retry_a_failed_initial_connect() -> None:
    """Why LiveSource runs its own loop: socketio's reconnection skips initial failures."""
    server = FakeSioServer(refuse_sockets=1)
    client = SocketIOClient(bridge=server.bridge.bridge(), reconnection=True)
    with pytest.raises(sio_exceptions.ConnectionError):
        await within(socketio.AsyncClient.connect(client, "http://h.example"))
    assert client._reconnect_task is None


@run
async def test_socketio_calls_an_async_auth_callable_per_connection() -> None:
    server = FakeSioServer()
    client = SocketIOClient(bridge=server.bridge.bridge())
    calls = 0

    async def auth() -> dict[str, str]:
        nonlocal calls
        calls += 1
        return {"token": f"t{calls}"}

    for _ in range(2):
        await within(client.connect("http://h.example", auth=auth, transports=["websocket"]))
        await client.disconnect()
    assert server.auths == [{"token": "t1"}, {"token": "t2"}]


# -- pure helpers ------------------------------------------------------------------------------


def test_reason_codes() -> None:
    assert TokenError("no-token").reason == "token-missing"
    assert TokenError("bad-json").reason == "token-bad-json"
    assert TokenError("busy", retry_after=5.0).reason == "token-busy"
    for kind in ("http", "busy", "timeout", "network", "bad-json", "no-token"):
        assert TokenError(kind).reason in REASONS  # type: ignore[arg-type]


def test_module_has_no_browser_imports() -> None:
    assert not imported_modules(live.__file__) & {"js", "pyodide", "pyscript"}


def test_fits_the_controller_contract() -> None:
    """main.py maps events with ``Connection(event.state)``; the controller catches
    ``app.transport.source.SourceUnavailable`` and reads ``kind``."""
    for state in ConnectionState:
        assert Connection(state) == state.value
    assert LiveSource.kind is SourceKind.LIVE
    assert SourceUnavailable is source.SourceUnavailable
    assert issubclass(live.LiveUnavailable, source.SourceUnavailable)
    assert live.LiveUnavailable("ack-timeout", "x").reason == "ack-timeout"
