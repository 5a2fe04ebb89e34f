"""The live connection's head start (app/model/head_start.py): the first attempt takes over
the token request and the socket made before Python ran; every later attempt makes its
own. Over the scripted Socket.IO server of ``tests.support.sio``, whose bridge plays the
worker's head start (``FakeBridge.head_start``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator

import pytest

from app import seam
from app.model.config import config_from_env
from app.transport.browser_socket import BrowserWebSocket
from app.transport.engineio_ws import websocket_url
from app.transport.live import SOCKETIO_PATH
from app.transport.retry_client import FetchError
from tests.support import ROOT
from tests.support.sio import (
    OPEN,
    Events,
    FakeSioServer,
    Tokens,
    connected,
    make_source,
    no_leaks,
)
from tests.support.websocket import FakeBridge, later, run, within
from tools import page_scripts
from tools.runtime_patches import CORE_CHUNK, PATCHES, patched_text, patches

# The URL make_source's LiveSource opens (ws_url "https://bot.example"), as the build
# computes it for the worker.
SOCKET_URL = websocket_url("https://bot.example", SOCKETIO_PATH)


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    with no_leaks():
        yield


class FirstToken:
    """The head start's token request, as ``HeadStart.first_token`` hands it over: an
    answer (or a failure), or None when there is none to use."""

    def __init__(self, answer: object | BaseException | None = None) -> None:
        self.answer = answer
        self.asked: list[float] = []

    def __call__(self, timeout_s: float) -> Awaitable[object] | None:
        self.asked.append(timeout_s)
        if self.answer is None:
            return None
        return self._answered()

    async def _answered(self) -> object:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


@run
async def test_the_first_attempt_takes_over_the_socket_and_token_made_before_python() -> None:
    """The socket opened (and answered with the engine.io OPEN packet) before Python
    listened is the first attempt's, its events replayed; the token is the head start's.
    A reconnection opens its own socket and asks the token endpoint itself."""
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    kept = server.bridge.head_start(SOCKET_URL)
    await kept.kept(2)  # open, and the OPEN packet: nobody has listened yet
    first = FirstToken({"token": "head"})
    source = make_source(server, tokens, events, first_token=first, token_timeout=3.0)
    await source.start()
    assert source.connected
    assert server.bridge.claims == [SOCKET_URL]
    assert server.bridge.sockets == [kept.ws] and server.connected == [kept.ws]
    assert server.auths == [{"token": "head"}]
    assert first.asked == [3.0] and tokens.urls == []
    assert kept.events == []  # nothing kept once claimed

    kept.ws.fire_close(1006)
    await events.until(lambda e: connected(e) and e is not events.log[1])
    assert len(server.bridge.sockets) == 2
    assert server.auths == [{"token": "head"}, {"token": "tok-1"}]
    assert first.asked == [3.0]
    await source.close()


@run
async def test_under_way_returns_once_the_connect_has_left_over_a_socket_open_already() -> None:
    """With the head start's socket open, the first request is the CONNECT, which waits
    for no answer: ``under_way`` (after which the page imports its view in one block)
    returns once it has left, not before."""
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    kept = server.bridge.head_start(SOCKET_URL)
    await kept.kept(2)
    source = make_source(server, tokens, events, first_token=FirstToken({"token": "head"}))
    starting = asyncio.ensure_future(source.start())
    await within(source.under_way())
    assert kept.ws.sent == ['40{"token":"head"}']
    await within(starting)
    await source.close()


@run
async def test_a_socket_the_server_closed_meanwhile_is_replaced() -> None:
    """The head start's socket was closed before Python claimed it: the first attempt
    opens its own and connects, with the head start's token."""
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    kept = server.bridge.head_start(SOCKET_URL)
    await kept.kept(2)
    kept.ws.fire_close(1006)
    source = make_source(server, tokens, events, first_token=FirstToken({"token": "head"}))
    await source.start()
    assert source.connected
    assert len(server.bridge.sockets) == 2 and server.connected == [server.bridge.sockets[1]]
    assert server.auths == [{"token": "head"}] and tokens.urls == []
    await source.close()


@run
async def test_without_a_token_to_use_the_first_attempt_asks_for_its_own() -> None:
    """No head start token (too old, or none made): the first attempt requests one, once,
    and still takes over the socket."""
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    kept = server.bridge.head_start(SOCKET_URL)
    first = FirstToken(None)
    source = make_source(server, tokens, events, first_token=first)
    await source.start()
    assert source.connected
    assert len(first.asked) == 1 and len(tokens.urls) == 1
    assert server.connected == [kept.ws] and server.auths == [{"token": "tok-1"}]
    await source.close()


@run
async def test_a_failed_head_start_token_is_the_first_attempts_failure() -> None:
    """The head start's token request failed: reported as the first attempt's reason, as
    its own request's failure would be; the next attempt asks the endpoint itself."""
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    server.bridge.head_start(SOCKET_URL)
    failed = FirstToken(FetchError("http", "HTTP 500"))
    source = make_source(server, tokens, events, first_token=failed)
    await source.start()
    waiting = await events.until(lambda e: e.reason is not None)
    assert waiting.reason == "token-http"
    await events.until(connected)
    assert server.auths == [{"token": "tok-1"}] and len(tokens.urls) == 1
    await source.close()


@run
async def test_a_socket_for_another_url_is_not_taken() -> None:
    """The head start opened a socket for other endpoints (a stale build): left alone,
    the first attempt opens its own."""
    server, tokens, events = FakeSioServer(), Tokens(), Events()
    kept = server.bridge.head_start(websocket_url("https://elsewhere.example", SOCKETIO_PATH))
    source = make_source(server, tokens, events)
    await source.start()
    assert source.connected and server.connected != [kept.ws]
    assert server.bridge.kept is kept  # not claimed
    kept.ws.close()
    await source.close()


@run
async def test_a_claimed_socket_replays_its_events_in_order_then_hears_new_ones() -> None:
    """The kept events are handled before any later one, in the step that adds the
    listeners: the open, then the frames, in the order they came."""
    bridge = FakeBridge()
    kept = bridge.head_start("wss://x/")
    kept.ws.fire_open()
    kept.ws.fire_message(OPEN)
    kept.ws.fire_message("2")
    ws = BrowserWebSocket(bridge.bridge(), "wss://x/&t=1")
    await within(ws.open(1.0, bridge.claim_websocket("wss://x/")))
    kept.ws.fire_message("40")
    assert [(await ws.receive()).data for _ in range(3)] == [OPEN, "2", "40"]
    assert bridge.sockets == [kept.ws]
    await ws.close()
    assert kept.ws.listener_count == 0 and not bridge.live_proxies


@run
async def test_a_claimed_socket_still_opening_is_waited_for() -> None:
    """Claimed while still connecting: the attempt waits for its open event as usual."""
    bridge = FakeBridge()
    kept = bridge.head_start("wss://x/")
    ws = BrowserWebSocket(bridge.bridge(), "wss://x/&t=1")
    opening = asyncio.ensure_future(ws.open(1.0, bridge.claim_websocket("wss://x/")))
    # Opened two turns of the loop later: open() has added its listeners in the first.
    later(later, kept.ws.fire_open)
    await within(opening)
    assert bridge.sockets == [kept.ws] and kept.ws.listener_count == 4
    await ws.close()


def test_the_worker_is_told_the_urls_python_opens() -> None:
    """The build hands static/head-start.js the token URL and the very WebSocket URL the
    transport claims (engineio's rule); a page that never connects gets no head start."""
    live = config_from_env(
        {
            "STATUSPAGE_TOKEN_URL": "https://api.example/ws-token",
            "STATUSPAGE_WS_URL": "https://ws.example",
        }
    )
    assert page_scripts.head_start_facts(live) == {
        "global": seam.HEAD_START_GLOBAL,
        "tokenUrl": "https://api.example/ws-token",
        "tokenRequest": {"method": "GET", "cache": "no-store"},
        "socketUrl": "wss://ws.example/socket.io/?transport=websocket&EIO=4",
        "socketEvents": ["open", "message", "error", "close"],
    }
    assert page_scripts.head_start_facts(config_from_env({"STATUSPAGE_MOCK": "always"})) is None
    assert page_scripts.head_start_script(config_from_env({"STATUSPAGE_MOCK": "always"})) == ""


def test_the_worker_starts_with_the_head_start_after_the_violation_reporter() -> None:
    """The build puts the head start at the very top of PyScript's worker, after only the
    line that reports policy violations (so that one of its own is reported too), and
    before PyScript's own worker code; without one, nothing is added."""
    chunk = (ROOT / "node_modules" / CORE_CHUNK).read_text()
    patched = patched_text(CORE_CHUNK, chunk, patches("/*head start*/"))
    start = patched.index('new zr(statuspageWorkerURL(new Blob(["/*@*/"+')
    reporter = patched.index("securitypolicyviolation", start)
    head = patched.index("/*head start*/", start)
    own = patched.index("'const{assign:e}", start)  # PyScript's worker source begins
    assert start < reporter < head < own
    assert patched.count("/*head start*/") == 1
    assert patched_text(CORE_CHUNK, chunk, PATCHES) == patched_text(CORE_CHUNK, chunk, patches())
