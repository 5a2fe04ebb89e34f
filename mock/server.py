"""Demo backend for the SupportMail status page.

One process, one asyncio loop, two uvicorn servers:

- API port (``--api-port``, default 3000): ``GET /ws-token`` -> ``{"token": "..."}``
  (CORS, exposing ``Retry-After``), plus the control API under ``/control/`` used by
  the tests.
- Socket.IO port (``--ws-port``, default 4000): a python-socketio ``AsyncServer``
  (ASGI). The CONNECT packet must carry ``auth={"token": <valid token>}``;
  ``get-cluster-status`` is answered in the acknowledgement with
  ``{"success": true, "data": [ClusterStatus, ...]}``.

The cluster data evolves every ``--tick`` seconds (``mock/scenarios.py:step``).

Control API (API port, CORS too; JSON bodies):

- ``GET  /control/stats``     counters, see ``State.stats``; ``token_times`` holds the
                              arrival of each ``/ws-token`` request (Unix s, last 1000)
- ``GET  /control/clusters``  the current generated cluster list
- ``POST /control/fault``     ``{"token": null|"500"|"hang"|"non-json"|"no-token"|"no-cors"
                                         |"busy",
                                "socket": null|"reject-token"|"no-ack"|"ack-error"}``
                              (keys left out are left as they are); only with
                              ``"token": "busy"`` also ``"retry_after": null|"<value>"``
                              (the ``Retry-After`` header, verbatim; null: none) and
                              ``"status": null|429|503`` (null: 503): ``/ws-token``
                              answers that status with ``{"error": "busy"}``
- ``POST /control/ack``       any JSON value: every later ack is exactly that value
- ``DELETE /control/ack``     back to generated data
- ``POST /control/clusters``  a list replacing the cluster data; evolution is frozen
                              unless ``?evolve=1``
- ``POST /control/scenario``  ``{"scenario": ..., "clusters": N, "shards_per_cluster": M,
                                "seed": S}`` regenerate (evolution resumes)
- ``POST /control/tick``      apply one evolution step now (even when frozen)
- ``POST /control/expire-tokens``  every token issued so far is expired
- ``POST /control/reset``     clear faults, ack override and counters, forget tokens,
                              and restore the scenario the server was started with
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Generator, Iterator, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import socketio
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scenarios

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_FAULTS = (None, "500", "hang", "non-json", "no-token", "no-cors", "busy")
BUSY_STATUSES = (429, 503)
#: What a Retry-After value may hold: printable ASCII, spaces and tabs (no CR/LF).
HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
SOCKET_FAULTS = (None, "reject-token", "no-ack", "ack-error")
#: A hung token request is answered (normally) once the fault is cleared, or
#: after this many seconds at the latest.
HANG_LIMIT_S = 120.0
MAX_EMIT_TIMES = 1000


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclasses.dataclass(frozen=True)
class Busy:
    """How ``/ws-token`` answers under the ``"busy"`` token fault."""

    retry_after: str | None = None  # the Retry-After header, verbatim; None: no header
    status: int = 503

    @classmethod
    def from_fault(cls, body: dict[str, Any]) -> Busy:
        """``retry_after`` and ``status`` of a fault body; they only go with ``"busy"``."""
        given = [key for key in ("retry_after", "status") if key in body]
        if body.get("token") != "busy":
            if given:
                raise BadRequest(f'{" and ".join(given)} only go with {{"token": "busy"}}')
            return cls()
        retry_after = body.get("retry_after")
        if retry_after is not None and (
            not isinstance(retry_after, str) or not HEADER_VALUE.fullmatch(retry_after)
        ):
            raise BadRequest("retry_after must be null or a string of printable ASCII")
        status = body.get("status")
        if status is None:
            status = 503
        if isinstance(status, bool) or status not in BUSY_STATUSES:
            raise BadRequest(f"status must be one of {list(BUSY_STATUSES)}")
        return cls(retry_after, int(status))


class State:
    """Everything both servers share: tokens, data, faults and counters."""

    def __init__(
        self,
        *,
        scenario: str,
        clusters: int,
        shards_per_cluster: int,
        seed: int,
        token_ttl: float,
    ) -> None:
        self.initial = (scenario, clusters, shards_per_cluster, seed)
        self.token_ttl = token_ttl
        self.changed = asyncio.Condition()
        self.in_flight_by_sid: dict[str, set[int]] = {}
        self.hung_tasks: set[asyncio.Future[None]] = set()
        self.token_hung = 0
        self.open_sockets = 0  # WebSocket connections open now (not reset: a gauge)
        self._load_initial()
        self._reset_counters()

    # -- data
    def _load_initial(self) -> None:
        scenario, clusters, spc, seed = self.initial
        self.set_scenario(scenario, clusters, spc, seed)
        self.token_fault: str | None = None
        self.busy = Busy()  # the "busy" token fault's answer
        self.socket_fault: str | None = None
        self.ack_override: list[Any] | None = None  # [value] when set
        self.tokens: dict[str, float] = {}  # token -> monotonic expiry

    def set_scenario(self, scenario: str, clusters: int, spc: int, seed: int) -> None:
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.clusters: list[Any] = scenarios.build_clusters(
            scenario, clusters, spc, now_ms=now_ms(), seed=seed
        )
        self.evolve = True

    def tick(self) -> None:
        respawn = 0.0 if self.scenario == "outage" else 0.35
        self.clusters = scenarios.step(
            self.clusters, self.rng, now_ms(), respawn_probability=respawn
        )

    # -- counters
    def _reset_counters(self) -> None:
        self.emits = 0
        self.sockets = 0  # WebSocket connections opened (engine.io), namespace or not
        self.connects = 0
        self.connect_rejected = 0
        self.disconnects = 0
        self.tokens_issued = 0
        self.token_requests = 0
        self.max_in_flight = self.in_flight
        self.last_auth: Any = None
        self.emit_times: list[float] = []
        self.token_times: list[float] = []

    @property
    def in_flight(self) -> int:
        return sum(len(s) for s in getattr(self, "in_flight_by_sid", {}).values())

    def stats(self) -> dict[str, Any]:
        return {
            "emits": self.emits,
            "sockets": self.sockets,
            "open_sockets": self.open_sockets,
            "connects": self.connects,
            "connect_rejected": self.connect_rejected,
            "disconnects": self.disconnects,
            "connected": len(self.in_flight_by_sid),
            "tokens_issued": self.tokens_issued,
            "token_requests": self.token_requests,
            "token_hung": self.token_hung,
            "max_in_flight": self.max_in_flight,
            "in_flight": self.in_flight,
            "last_auth": self.last_auth,
            "emit_times": list(self.emit_times),
            "token_times": list(self.token_times),
            "faults": {"token": self.token_fault, "socket": self.socket_fault},
            "token_busy": (
                {"retry_after": self.busy.retry_after, "status": self.busy.status}
                if self.token_fault == "busy"
                else None
            ),
            "ack_override": self.ack_override is not None,
            "evolve": self.evolve,
            "server": "python",
            "pid": os.getpid(),
        }

    def reset(self) -> None:
        self._load_initial()
        self._reset_counters()

    # -- tokens
    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.token_ttl
        self.tokens_issued += 1
        # Forget long-expired tokens so a long demo does not grow without bound.
        cutoff = time.monotonic() - 3600
        for old in [t for t, exp in self.tokens.items() if exp < cutoff]:
            del self.tokens[old]
        return token

    def token_valid(self, auth: Any) -> bool:
        if not isinstance(auth, dict):
            return False
        token = auth.get("token")
        if not isinstance(token, str):
            return False
        expiry = self.tokens.get(token)
        return expiry is not None and time.monotonic() < expiry

    def expire_tokens(self) -> None:
        past = time.monotonic() - 1
        for token in self.tokens:
            self.tokens[token] = past

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()


# --------------------------------------------------------------------------- HTTP API


def _cors_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    origin = b"*"
    for name, value in scope.get("headers", []):
        if name == b"origin":
            origin = value
    return [
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-methods", b"GET, POST, DELETE, OPTIONS"),
        (b"access-control-allow-headers", b"content-type, authorization"),
        (b"access-control-max-age", b"600"),
        (b"access-control-expose-headers", b"Retry-After"),
        (b"vary", b"Origin"),
    ]


async def _respond(
    send: Send,
    scope: Scope,
    status: int,
    body: Any = None,
    *,
    raw: bytes | None = None,
    content_type: bytes = b"application/json",
    cors: bool = True,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    payload = raw if raw is not None else json.dumps(body).encode()
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
        *(headers or []),
    ]
    if cors:
        headers += _cors_headers(scope)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


class BadRequest(Exception):
    pass


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from exc


class ApiApp:
    """Plain ASGI app for the token endpoint and the control API."""

    def __init__(self, state: State) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # pragma: no cover - lifespan is off
            return
        if scope["type"] != "http":
            return
        method: str = scope["method"]
        path: str = scope["path"]
        if method == "OPTIONS":
            await send(
                {"type": "http.response.start", "status": 204, "headers": _cors_headers(scope)}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        try:
            if path == "/ws-token" and method == "GET":
                await self.token(scope, receive, send)
            elif path.startswith("/control/"):
                body = _json_body(await _read_body(receive)) if method in ("POST", "PUT") else None
                await self.control(scope, send, method, path.removeprefix("/control/"), body)
            elif path in ("/", "/healthz"):
                await _respond(send, scope, 200, {"ok": True})
            else:
                await _respond(send, scope, 404, {"error": f"no route {method} {path}"})
        except BadRequest as exc:
            await _respond(send, scope, 400, {"error": str(exc)})

    async def token(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        state.token_requests += 1
        state.token_times.append(time.time())
        del state.token_times[:-MAX_EMIT_TIMES]
        if state.token_fault == "hang":
            state.token_hung += 1
            try:
                if not await self._hang(receive):
                    return  # the client gave up: nobody to answer
            finally:
                state.token_hung -= 1
        fault = state.token_fault
        if fault == "500":
            await _respond(send, scope, 500, {"error": "internal server error"})
        elif fault == "non-json":
            await _respond(
                send,
                scope,
                200,
                raw=b"<!doctype html><title>502 Bad Gateway</title><h1>Bad Gateway</h1>",
                content_type=b"text/html; charset=utf-8",
            )
        elif fault == "no-token":
            await _respond(send, scope, 200, {"ok": True})
        elif fault == "busy":
            busy = state.busy
            extra = (
                [] if busy.retry_after is None else [(b"retry-after", busy.retry_after.encode())]
            )
            await _respond(send, scope, busy.status, {"error": "busy"}, headers=extra)
        else:
            await _respond(
                send, scope, 200, {"token": state.issue_token()}, cors=fault != "no-cors"
            )

    async def _hang(self, receive: Receive) -> bool:
        """Wait until the hang fault is cleared (True) or the client disconnects (False)."""
        state = self.state

        async def unhung() -> None:
            async with state.changed:
                await state.changed.wait_for(lambda: state.token_fault != "hang")

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        released = asyncio.ensure_future(unhung())
        gone = asyncio.ensure_future(disconnected())
        try:
            await asyncio.wait(
                {released, gone}, timeout=HANG_LIMIT_S, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            released.cancel()
            gone.cancel()
        return not (gone.done() and not gone.cancelled())

    async def control(self, scope: Scope, send: Send, method: str, name: str, body: Any) -> None:
        state = self.state
        query = parse_qs(scope.get("query_string", b"").decode())
        route = (method, name)
        if route == ("GET", "stats"):
            await _respond(send, scope, 200, state.stats())
            return
        if route == ("GET", "clusters"):
            await _respond(send, scope, 200, state.clusters)
            return
        if route == ("POST", "fault"):
            if not isinstance(body, dict):
                raise BadRequest("fault body must be an object")
            busy = Busy.from_fault(body)
            if "token" in body and body["token"] not in TOKEN_FAULTS:
                raise BadRequest(f"token fault must be one of {TOKEN_FAULTS}")
            if "socket" in body and body["socket"] not in SOCKET_FAULTS:
                raise BadRequest(f"socket fault must be one of {SOCKET_FAULTS}")
            if "token" in body:
                state.token_fault = body["token"]
                state.busy = busy
            if "socket" in body:
                state.socket_fault = body["socket"]
        elif route == ("POST", "ack"):
            state.ack_override = [body]
        elif route == ("DELETE", "ack"):
            state.ack_override = None
        elif route == ("POST", "clusters"):
            if not isinstance(body, list):
                raise BadRequest("clusters body must be a list")
            state.clusters = body
            state.evolve = query.get("evolve", ["0"])[0] in ("1", "true", "yes")
        elif route == ("POST", "scenario"):
            if not isinstance(body, dict) or body.get("scenario") not in scenarios.SCENARIOS:
                raise BadRequest(f"scenario must be one of {scenarios.SCENARIOS}")
            _, clusters, spc, seed = state.initial
            try:
                state.set_scenario(
                    body["scenario"],
                    int(body.get("clusters", clusters)),
                    int(body.get("shards_per_cluster", spc)),
                    int(body.get("seed", seed)),
                )
            except (TypeError, ValueError) as exc:
                raise BadRequest(str(exc)) from exc
        elif route == ("POST", "tick"):
            state.tick()
        elif route == ("POST", "expire-tokens"):
            state.expire_tokens()
        elif route == ("POST", "reset"):
            state.reset()
        else:
            await _respond(send, scope, 404, {"error": f"no control route {method} {name}"})
            return
        await state.notify()
        await _respond(send, scope, 200, {"ok": True, "stats": state.stats()})


# --------------------------------------------------------------------------- Socket.IO


def counting_sockets(app: ASGIApp, state: State) -> ASGIApp:
    """``app``, counting each WebSocket connection it is asked to open (``sockets``) and
    those still open (``open_sockets``)."""

    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await app(scope, receive, send)
            return
        state.sockets += 1
        state.open_sockets += 1
        try:
            await app(scope, receive, send)
        finally:
            state.open_sockets -= 1

    return counted


def build_sio(state: State, *, ping_interval: float, ping_timeout: float) -> socketio.AsyncServer:
    sio = socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins="*",
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
        logger=False,
        engineio_logger=False,
    )
    ack_ids = iter(range(1, sys.maxsize))

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        state.last_auth = auth
        if state.socket_fault == "reject-token" or not state.token_valid(auth):
            state.connect_rejected += 1
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        state.connects += 1
        state.in_flight_by_sid[sid] = set()

    async def disconnect(sid: str, *args: Any) -> None:
        state.disconnects += 1
        # Acks for a socket that is gone will never be answered: stop counting them.
        state.in_flight_by_sid.pop(sid, None)

    async def get_cluster_status(sid: str, *args: Any) -> Any:
        state.emits += 1
        state.emit_times.append(time.time())
        del state.emit_times[:-MAX_EMIT_TIMES]
        pending = state.in_flight_by_sid.setdefault(sid, set())
        ack_id = next(ack_ids)
        pending.add(ack_id)
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if state.socket_fault == "no-ack":
                # Never answer; the task ends when the server shuts down.
                hang: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                state.hung_tasks.add(hang)
                try:
                    await hang
                finally:
                    state.hung_tasks.discard(hang)
            if state.socket_fault == "ack-error":
                value: Any = {"success": False, "error": "cluster manager unavailable"}
            elif state.ack_override is not None:
                value = state.ack_override[0]
            else:
                value = {"success": True, "data": state.clusters}
            # A 1-tuple so that even a JSON null override is sent as one argument.
            return (value,)
        finally:
            pending.discard(ack_id)

    sio.on("connect", connect)
    sio.on("disconnect", disconnect)
    sio.on("get-cluster-status", get_cluster_status)
    return sio


# --------------------------------------------------------------------------- serving


class _Server(uvicorn.Server):
    """uvicorn.Server that leaves signal handling to ``serve`` below."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _config(app: Any, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=1,
        ws="wsproto",
    )


@contextlib.contextmanager
def _ignore_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:  # pragma: no cover - demo must keep ticking
        print(f"mock server: tick failed: {exc!r}", file=sys.stderr, flush=True)


async def serve(args: argparse.Namespace) -> None:
    state = State(
        scenario=args.scenario,
        clusters=args.clusters,
        shards_per_cluster=args.shards_per_cluster,
        seed=args.seed,
        token_ttl=args.token_ttl,
    )
    sio = build_sio(state, ping_interval=args.ping_interval, ping_timeout=args.ping_timeout)
    ws_app = counting_sockets(socketio.ASGIApp(sio, socketio_path="socket.io"), state)

    api_sock = _bind(args.host, args.api_port)
    ws_sock = _bind(args.host, args.ws_port)
    api_port = api_sock.getsockname()[1]
    ws_port = ws_sock.getsockname()[1]

    api_server = _Server(_config(ApiApp(state), args.log_level))
    ws_server = _Server(_config(ws_app, args.log_level))
    servers = (api_server, ws_server)

    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            if server.should_exit:
                server.force_exit = True
            server.should_exit = True
        for hang in list(state.hung_tasks):
            hang.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)

    async def ticker() -> None:
        while True:
            await asyncio.sleep(args.tick)
            if state.evolve:
                with _ignore_errors():
                    state.tick()

    async def announce() -> None:
        while not all(s.started for s in servers):
            if any(s.should_exit for s in servers):
                return
            await asyncio.sleep(0.01)
        host = f"[{args.host}]" if ":" in args.host else args.host
        print(
            f"statuspage mock ({args.scenario}): token http://{host}:{api_port}/ws-token"
            f"  socket.io http://{host}:{ws_port}",
            flush=True,
        )
        if args.ready_file:
            path = Path(args.ready_file)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps({"api_port": api_port, "ws_port": ws_port}))
            tmp.replace(path)

    background = [asyncio.create_task(ticker()), asyncio.create_task(announce())]
    try:
        await asyncio.gather(
            api_server.serve(sockets=[api_sock]), ws_server.serve(sockets=[ws_sock])
        )
    finally:
        for task in background:
            task.cancel()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="SupportMail status page demo backend")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--api-port", type=int, default=3000, help="token + control API; 0 = any")
    p.add_argument("--ws-port", type=int, default=4000, help="Socket.IO; 0 = any")
    p.add_argument("--scenario", choices=scenarios.SCENARIOS, default="operational")
    p.add_argument("--clusters", type=int, default=4)
    p.add_argument("--shards-per-cluster", type=int, default=4)
    p.add_argument("--token-ttl", type=float, default=60.0, help="seconds a token is valid")
    p.add_argument("--tick", type=float, default=2.0, help="seconds between evolution steps")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ready-file", help='write {"api_port":..,"ws_port":..} here once listening')
    p.add_argument("--ping-interval", type=float, default=25.0, help="Engine.IO ping interval (s)")
    p.add_argument("--ping-timeout", type=float, default=20.0, help="Engine.IO ping timeout (s)")
    p.add_argument("--log-level", default="warning")
    args = p.parse_args(argv)
    if not (args.tick > 0 and math.isfinite(args.tick)):
        p.error("--tick must be a positive number")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except OSError as exc:
        print(f"mock server: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
