"""A Socket.IO server scripted on the fake WebSocket, and the token endpoints the
transport tests play (``tests/unit/test_live_source.py``, ``tests/unit/test_head_start.py``).

``FakeSioServer`` answers like a Socket.IO v5 server on ``FakeWebSocket``: it opens each
socket, sends the engine.io OPEN packet, checks the token in the ``40{"token":...}``
CONNECT packet (accepting with ``40{"sid":...}`` or refusing with
``44{"message":"unauthorized"}``) and acks ``42<id>["get-cluster-status"]`` with
``43<id>[...]``. ``Tokens`` and ``HeldTokens`` are ``FetchJson``s; ``Events`` collects
what a ``LiveSource`` reports. Backoff delays are shrunk to milliseconds (``QUICK``);
tests wait on the reported ``ConnectionEvent``s themselves, never on the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engineio import base_client as eio_base_client
from socketio import base_client as sio_base_client

from app.model.reconnect import ReconnectPolicy
from app.transport.browser_socket import live_proxy_count
from app.transport.live import ConnectionEvent, ConnectionState, LiveSource
from tests.support.websocket import WAIT, FakeBridge, FakeWebSocket, Recorded, later

__all__ = [
    "GLACIAL",
    "OPEN",
    "QUICK",
    "STATUS",
    "Events",
    "FakeSioServer",
    "HeldTokens",
    "Tokens",
    "connected",
    "make_source",
    "no_leaks",
    "split_event",
]


@contextlib.contextmanager
def no_leaks() -> Iterator[None]:
    """Every listener proxy made inside is destroyed by the end; the libraries' module-level
    client lists are cleared for the next test."""
    before = live_proxy_count()
    yield
    assert live_proxy_count() == before
    eio_base_client.connected_clients[:] = []
    sio_base_client.reconnecting_clients[:] = []


OPEN = '0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":5000}'
STATUS = {"clusters": [{"id": 0, "shards": [{"id": 0, "status": 0}]}]}


@dataclass
class FakeSioServer:
    """A Socket.IO server scripted on FakeWebSockets (see the module docstring)."""

    valid_tokens: Callable[[str], bool] = lambda token: True
    answer_acks: bool = True
    refuse_sockets: int = 0  # this many next sockets fail to open (error + close)
    silent_sockets: int = 0  # this many next sockets never open (open timeout)
    auths: list[object] = field(default_factory=list)
    connected: list[FakeWebSocket] = field(default_factory=list)
    in_flight: set[FakeWebSocket] = field(default_factory=set)
    max_opening: int = 0
    bridge: FakeBridge = field(init=False)

    def __post_init__(self) -> None:
        self.bridge = FakeBridge(on_socket=self._on_socket)

    def _on_socket(self, ws: FakeWebSocket) -> None:
        ws.on_send = self._on_frame
        # an attempt is "in flight" from socket creation to the CONNECT answer or the close
        # (a socket the client already closed no longer counts, even before its close event)
        self.in_flight.add(ws)
        live = [w for w in self.in_flight if not w.close_calls and w.readyState != w.CLOSED]
        self.max_opening = max(self.max_opening, len(live))
        asyncio.get_running_loop().create_task(self._watch(ws))
        if self.silent_sockets:
            self.silent_sockets -= 1
            return
        if self.refuse_sockets:
            self.refuse_sockets -= 1
            later(ws.fire_error)
            later(ws.fire_close, 1006)
            return
        later(ws.fire_open)
        later(
            ws.fire_message, '0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":5000}'
        )

    async def _watch(self, ws: FakeWebSocket) -> None:
        await ws.closed_event.wait()
        self.in_flight.discard(ws)

    def _on_frame(self, ws: FakeWebSocket, data: object) -> None:
        assert isinstance(data, str)
        if data.startswith("40"):
            auth = json.loads(data[2:]) if len(data) > 2 else None
            self.auths.append(auth)
            self.in_flight.discard(ws)
            token = auth.get("token") if isinstance(auth, dict) else None
            if isinstance(token, str) and self.valid_tokens(token):
                self.connected.append(ws)
                later(ws.fire_message, '40{"sid":"s1"}')
            else:
                later(ws.fire_message, '44{"message":"unauthorized"}')
        elif data.startswith("42"):
            ack_id, args = split_event(data[2:])
            if args == ["get-cluster-status"] and self.answer_acks and ack_id is not None:
                later(ws.fire_message, f"43{ack_id}{json.dumps([STATUS])}")
        # "3" (pong), "41" and "1" (client disconnect) need no answer


def split_event(body: str) -> tuple[int | None, object]:
    digits = ""
    while body and body[0].isdigit():
        digits, body = digits + body[0], body[1:]
    return (int(digits) if digits else None), json.loads(body)


class Tokens:
    """A FetchJson that hands out tok-1, tok-2, ... or plays scripted failures first."""

    def __init__(self, *failures: BaseException | object) -> None:
        self.failures = list(failures)
        self.urls: list[tuple[str, float]] = []
        self.issued: list[str] = []

    async def __call__(self, url: str, timeout: float) -> object:
        self.urls.append((url, timeout))
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, BaseException):
                raise failure
            return failure  # a scripted (bad) JSON body
        token = f"tok-{len(self.issued) + 1}"
        self.issued.append(token)
        return {"token": token}


class Events:
    """Collects ConnectionEvents and lets a test await one matching a predicate."""

    def __init__(self) -> None:
        self.log: Recorded[ConnectionEvent] = Recorded()

    def __call__(self, event: ConnectionEvent) -> None:
        self.log.record(event)

    async def until(
        self, pred: Callable[[ConnectionEvent], bool], timeout: float = WAIT
    ) -> ConnectionEvent:
        """The first event so far, or to come, for which ``pred`` holds."""

        def first() -> ConnectionEvent | None:
            return next((event for event in self.log if pred(event)), None)

        await self.log.until(lambda: first() is not None, timeout)
        found = first()
        assert found is not None
        return found

    def states(self) -> list[ConnectionState]:
        return [e.state for e in self.log]


# Waits for tests: 1 ms doubling to 4 ms; and 600 s, which only reconnect_now() can cut.
QUICK = ReconnectPolicy(0.001, 2.0, 0.004, 1.0, 1.0, spread_first=False)
GLACIAL = ReconnectPolicy(600.0, 1.0, 600.0, 1.0, 1.0, spread_first=False)


def make_source(server: FakeSioServer, tokens: Tokens, events: Events, **kwargs: Any) -> LiveSource:
    kwargs.setdefault("reconnect", QUICK)
    kwargs.setdefault("open_timeout", 1.0)
    kwargs.setdefault("wait_timeout", 1.0)
    kwargs.setdefault("ack_timeout", 1.0)
    return LiveSource(
        token_url="https://bot.example/token",
        ws_url="https://bot.example",
        bridge=server.bridge.bridge(),
        fetch_json=tokens,
        on_connection=events,
        **kwargs,
    )


def connected(event: ConnectionEvent) -> bool:
    return event.state is ConnectionState.CONNECTED


class HeldTokens:
    """A FetchJson whose answers the test releases: tok-1, tok-2, ... one per ``release``.

    Records, at each request, the ``readyState`` of every socket the page has created, and
    how many requests were in flight at once; a request aborted by the page counts as
    ``cancelled``.
    """

    def __init__(self, server: FakeSioServer) -> None:
        self.server = server
        self.seen: list[list[int]] = []
        self.in_flight = self.max_in_flight = self.cancelled = self.released = 0
        self.asked = asyncio.Event()
        self._answers: asyncio.Queue[object] = asyncio.Queue()

    def release(self, answer: object = None) -> None:
        """Answer the next request: ``answer`` (raised if an exception), else a new token."""
        self.released += 1
        self._answers.put_nowait(answer or {"token": f"tok-{self.released}"})

    async def __call__(self, url: str, timeout: float) -> object:
        self.seen.append([ws.readyState for ws in self.server.bridge.sockets])
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.asked.set()
        try:
            answer = await self._answers.get()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1
        if isinstance(answer, BaseException):
            raise answer
        return answer
