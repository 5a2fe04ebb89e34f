"""Sanity tests of the two test backends (mock/server.py and the Node socket.io server).

A real python-socketio ``AsyncClient`` (over aiohttp) talks to each server, over
both the polling and the websocket transports.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import socketio

# Importable however pytest is started (the repo root may not be on sys.path).
if str(Path(__file__).resolve().parents[2]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.backends import Backend, BackendError

T = TypeVar("T")
KINDS = ("python", "node")
ORIGIN = "http://localhost:8000"
RUNNING_KEYS = {"id", "status", "shardList", "createdAt", "guilds", "members", "shards"}
NOT_RUNNING_KEYS = {"id", "status", "shardList", "createdAt"}


def run(coro: Awaitable[T]) -> T:
    async def wrapper() -> T:
        return await coro

    return asyncio.run(wrapper())


def http_get(url: str, *, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Origin": ORIGIN})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


def get_token(backend: Backend) -> str:
    status, _, body = http_get(backend.token_url)
    assert status == 200, body
    token = json.loads(body)["token"]
    assert isinstance(token, str) and token
    return token


class Session:
    """One python-socketio client connection; ``error`` holds connect_error data."""

    def __init__(self, backend: Backend, transports: list[str] | None = None) -> None:
        self.backend = backend
        self.transports = transports
        self.client = socketio.AsyncClient(reconnection=False)
        self.error: Any = None

        async def connect_error(data: Any) -> None:
            self.error = data

        self.client.on("connect_error", connect_error)

    async def connect(self, auth: Any) -> bool:
        try:
            await self.client.connect(
                self.backend.ws_url, auth=auth, transports=self.transports, wait_timeout=5
            )
        except socketio.exceptions.ConnectionError:
            return False
        return True

    async def status(self, timeout: float = 5) -> Any:
        return await self.client.call("get-cluster-status", timeout=timeout)

    async def close(self) -> None:
        eio = self.client.eio
        if eio.current_transport == "polling" and eio.read_loop_task is not None:
            # python-engineio's server does not end a pending long-poll GET when the
            # client says goodbye, so disconnect() would wait for that GET to time out
            # (~30 s). Stop the read loop first, then say goodbye.
            eio.read_loop_task.cancel()
            await asyncio.gather(eio.read_loop_task, return_exceptions=True)
            finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            finished.set_result(None)
            eio.read_loop_task = finished  # what disconnect() waits for
        await self.client.disconnect()
        if eio.http is not None and not eio.http.closed:
            await eio.http.close()

    async def attempt(self, auth: Any) -> bool:
        """Connect, disconnect again; True if the server accepted the connection."""
        try:
            return await self.connect(auth)
        finally:
            await self.close()


async def with_session(
    backend: Backend,
    fn: Callable[[Session], Awaitable[T]],
    *,
    auth: Any = "fetch",
    transports: list[str] | None = None,
) -> T:
    session = Session(backend, transports)
    if auth == "fetch":
        auth = {"token": get_token(backend)}
    try:
        connected = await session.connect(auth)
        assert connected, f"connect refused: {session.error!r}"
        return await fn(session)
    finally:
        await session.close()


def check_cluster_status(cluster: dict[str, Any]) -> None:
    assert isinstance(cluster["id"], int)
    assert cluster["status"] in ("starting", "running", "stopped")
    assert all(isinstance(s, int) for s in cluster["shardList"])
    assert isinstance(cluster["createdAt"], int) and cluster["createdAt"] > 1_600_000_000_000
    if cluster["status"] != "running":
        assert set(cluster) == NOT_RUNNING_KEYS
        return
    assert set(cluster) == RUNNING_KEYS
    assert isinstance(cluster["guilds"], int) and isinstance(cluster["members"], int)
    assert [s["id"] for s in cluster["shards"]] == cluster["shardList"]
    for shard in cluster["shards"]:
        assert set(shard) == {"id", "ping", "status"}
        assert shard["status"] in range(9)
        assert shard["ping"] == -1 or shard["ping"] >= 0


@pytest.fixture(scope="module", params=KINDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    with Backend(request.param) as b:
        yield b


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> None:
    if "backend" in request.fixturenames:
        b: Backend = request.getfixturevalue("backend")
        if b.frozen:
            b.resume()
        if not b.alive():
            b.restart()
        b.reset()


# ---------------------------------------------------------------------- token endpoint


def test_token_endpoint_has_cors_and_counts(backend: Backend) -> None:
    assert backend.token_url.startswith("http://localhost:")
    status, headers, body = http_get(backend.token_url)
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    assert headers["access-control-allow-origin"] in (ORIGIN, "*")
    assert isinstance(json.loads(body)["token"], str)
    stats = backend.stats()
    assert stats["tokens_issued"] == 1
    assert stats["token_requests"] == 1


@pytest.mark.parametrize(
    ("fault", "status", "check"),
    [
        ("500", 500, lambda body: True),
        ("non-json", 200, lambda body: body.lstrip().startswith(b"<")),
        ("no-token", 200, lambda body: "token" not in json.loads(body)),
    ],
)
def test_token_faults(
    backend: Backend, fault: str, status: int, check: Callable[[bytes], bool]
) -> None:
    backend.set_fault(token=fault)
    got, headers, body = http_get(backend.token_url)
    assert got == status
    assert check(body), body
    assert "access-control-allow-origin" in headers
    backend.set_fault(token=None)
    assert http_get(backend.token_url)[0] == 200


def test_token_fault_no_cors(backend: Backend) -> None:
    backend.set_fault(token="no-cors")
    status, headers, body = http_get(backend.token_url)
    assert status == 200
    assert "access-control-allow-origin" not in headers
    assert isinstance(json.loads(body)["token"], str)


class HungTokenRequest:
    """A token request sent under the "hang" fault, answered in a thread of its own."""

    def __init__(self, backend: Backend) -> None:
        backend.set_fault(token="hang")
        self.response: tuple[int, dict[str, str], bytes] | None = None
        self._thread = threading.Thread(target=self._fetch, args=(backend,), daemon=True)
        self._thread.start()

    def _fetch(self, backend: Backend) -> None:
        self.response = http_get(backend.token_url, timeout=30)

    @property
    def waiting(self) -> bool:
        return self._thread.is_alive() and self.response is None

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        """The answer, once a change of fault has released the request."""
        self._thread.join(timeout=10)
        assert self.response is not None
        return self.response


def test_token_fault_hang_until_cleared(backend: Backend) -> None:
    request = HungTokenRequest(backend)
    backend.wait_for(lambda s: s["token_hung"] == 1)
    assert request.waiting
    backend.set_fault(token=None)
    status, _, body = request.answer()
    assert status == 200 and json.loads(body)["token"]
    assert backend.stats()["token_hung"] == 0


def test_token_fault_hang_gives_up_with_client(backend: Backend) -> None:
    backend.set_fault(token="hang")
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        http_get(backend.token_url, timeout=0.5)
    assert time.monotonic() - started >= 0.5
    backend.wait_for(lambda s: s["token_hung"] == 0 and s["token_requests"] == 1)


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(None, "4"), (503, "Wed, 21 Oct 2015 07:28:00 GMT"), (429, "4"), (503, "soon")],
    ids=["default-503", "date", "429", "garbage"],
)
def test_token_fault_busy(backend: Backend, status: int | None, retry_after: str) -> None:
    backend.set_fault(token="busy", retry_after=retry_after, status=status)
    got, headers, body = http_get(backend.token_url)
    assert got == (status or 503)
    assert json.loads(body) == {"error": "busy"}
    assert headers["content-type"].startswith("application/json")
    assert headers["retry-after"] == retry_after  # verbatim
    assert headers["access-control-allow-origin"] in (ORIGIN, "*")
    assert headers["access-control-expose-headers"].lower() == "retry-after"
    stats = backend.stats()
    assert stats["faults"] == {"token": "busy", "socket": None}
    assert stats["token_busy"] == {"retry_after": retry_after, "status": status or 503}
    assert stats["tokens_issued"] == 0 and stats["token_requests"] == 1
    backend.set_fault(token=None)
    assert backend.stats()["token_busy"] is None
    got, headers, _ = http_get(backend.token_url)
    assert got == 200
    assert "retry-after" not in headers


def test_token_fault_busy_without_retry_after(backend: Backend) -> None:
    backend.set_fault(token="busy")
    got, headers, body = http_get(backend.token_url)
    assert (got, json.loads(body)) == (503, {"error": "busy"})
    assert "retry-after" not in headers
    assert headers["access-control-expose-headers"].lower() == "retry-after"
    # A later "busy" without retry_after drops the header of an earlier one.
    backend.set_fault(token="busy", retry_after="7", status=429)
    assert http_get(backend.token_url)[1]["retry-after"] == "7"
    backend.set_fault(token="busy", retry_after=None)
    got, headers, _ = http_get(backend.token_url)
    assert got == 503 and "retry-after" not in headers
    # ...and reset clears it all.
    backend.set_fault(token="busy", retry_after="7", status=429)
    backend.reset()
    assert backend.stats()["token_busy"] is None
    backend.set_fault(token="busy")
    got, headers, _ = http_get(backend.token_url)
    assert got == 503 and "retry-after" not in headers


def test_token_fault_busy_releases_hung_requests(backend: Backend) -> None:
    request = HungTokenRequest(backend)
    backend.wait_for(lambda s: s["token_hung"] == 1)
    backend.set_fault(token="busy", retry_after="2", status=429)
    status, headers, body = request.answer()
    assert (status, json.loads(body), headers["retry-after"]) == (429, {"error": "busy"}, "2")


@pytest.mark.parametrize(
    "body",
    [
        {"token": "busy", "status": 500},
        {"token": "busy", "status": 200},
        {"token": "busy", "status": "503"},
        {"token": "busy", "status": True},
        {"token": "busy", "retry_after": 4},
        {"token": "busy", "retry_after": ["4"]},
        {"token": "busy", "retry_after": "4\r\nX-Evil: 1"},
        {"token": "500", "retry_after": "4"},
        {"token": None, "status": 503},
        {"retry_after": "4"},
        {"socket": None, "status": 429},
    ],
)
def test_token_fault_busy_bad_requests_are_400(backend: Backend, body: dict[str, Any]) -> None:
    with pytest.raises(BackendError, match="400"):
        backend.control("POST", "/control/fault", body)
    # Nothing of a refused fault body is applied.
    assert backend.stats()["faults"] == {"token": None, "socket": None}


def test_set_fault_busy_arguments_are_checked_by_the_server(backend: Backend) -> None:
    with pytest.raises(BackendError, match="400"):
        backend.set_fault(token="500", status=429)
    with pytest.raises(BackendError, match="400"):
        backend.set_fault(token=None, retry_after="4")
    with pytest.raises(BackendError, match="400"):
        backend.set_fault(token="busy", status=502)
    assert backend.stats()["faults"] == {"token": None, "socket": None}
    backend.set_fault(token="busy", socket="no-ack", retry_after="3", status=429)
    stats = backend.stats()
    assert stats["faults"] == {"token": "busy", "socket": "no-ack"}
    assert stats["token_busy"] == {"retry_after": "3", "status": 429}


def test_token_times_are_recorded_and_reset(backend: Backend) -> None:
    assert backend.stats()["token_times"] == []
    before = time.time()
    get_token(backend)
    backend.set_fault(token="busy", retry_after="1")
    http_get(backend.token_url)
    backend.set_fault(token="500")
    http_get(backend.token_url)
    after = time.time()
    stats = backend.stats()
    times = stats["token_times"]
    assert len(times) == stats["token_requests"] == 3
    assert times == sorted(times)
    assert all(isinstance(t, float) for t in times)
    assert before - 1 <= times[0] and times[-1] <= after + 1
    backend.reset()
    assert backend.stats()["token_times"] == []


def test_token_times_count_hung_requests_on_arrival(backend: Backend) -> None:
    request = HungTokenRequest(backend)
    hung = backend.wait_for(lambda s: s["token_hung"] == 1)
    assert len(hung["token_times"]) == 1  # recorded before any answer
    backend.set_fault(token=None)
    assert request.answer()[0] == 200
    assert backend.stats()["token_times"] == hung["token_times"]


def test_cors_preflight_exposes_retry_after(backend: Backend) -> None:
    request = urllib.request.Request(
        backend.token_url,
        method="OPTIONS",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
        assert response.headers["access-control-expose-headers"].lower() == "retry-after"


# ---------------------------------------------------------------------- Socket.IO


@pytest.mark.parametrize(
    "transports", [None, ["websocket"], ["polling"]], ids=["default", "websocket", "polling"]
)
def test_valid_token_connects_and_acks(backend: Backend, transports: list[str] | None) -> None:
    token = get_token(backend)

    async def scenario(session: Session) -> Any:
        return await session.status()

    ack = run(with_session(backend, scenario, auth={"token": token}, transports=transports))
    assert ack["success"] is True
    assert len(ack["data"]) == 4
    for cluster in ack["data"]:
        check_cluster_status(cluster)
    statuses = [c["status"] for c in ack["data"]]
    assert statuses == ["running", "running", "starting", "stopped"]  # degraded

    stats = backend.stats()
    assert stats["emits"] == 1
    assert stats["connects"] == 1
    assert stats["connect_rejected"] == 0
    assert stats["last_auth"] == {"token": token}
    assert stats["max_in_flight"] == 1
    assert stats["in_flight"] == 0
    assert len(stats["emit_times"]) == 1
    assert abs(stats["emit_times"][0] - time.time()) < 10


def test_several_emits_are_counted(backend: Backend) -> None:
    async def scenario(session: Session) -> list[Any]:
        return [await session.status() for _ in range(3)]

    acks = run(with_session(backend, scenario))
    assert all(ack["success"] for ack in acks)
    stats = backend.wait_for(lambda s: s["disconnects"] == 1)
    assert stats["emits"] == 3
    assert stats["max_in_flight"] == 1
    assert stats["emit_times"] == sorted(stats["emit_times"])


@pytest.mark.parametrize(
    "auth",
    [None, {}, {"token": "not-a-token"}, {"token": 42}, "a-string"],
    ids=["none", "empty", "unknown", "number", "string"],
)
def test_bad_auth_is_rejected(backend: Backend, auth: Any) -> None:
    session = Session(backend)
    assert run(session.attempt(auth)) is False
    if isinstance(auth, str) and backend.kind == "node":
        # socket.io's parser refuses a CONNECT payload that is not an object and
        # closes the connection: no connect_error, no middleware call.
        assert session.error is None
        assert backend.stats()["connect_rejected"] == 0
        return
    assert session.error == {"message": "unauthorized"}
    stats = backend.stats()
    assert stats["connect_rejected"] == 1
    assert stats["connects"] == 0


def test_expired_token_is_rejected(backend: Backend) -> None:
    token = get_token(backend)
    backend.expire_tokens()
    session = Session(backend)
    assert run(session.attempt({"token": token})) is False
    assert session.error == {"message": "unauthorized"}
    # A fresh token works again.
    ack = run(with_session(backend, lambda s: s.status()))
    assert ack["success"] is True


@pytest.mark.parametrize("kind", KINDS)
def test_token_ttl_is_enforced(kind: str) -> None:
    ttl = 1.0
    with Backend(kind, token_ttl=ttl) as b:  # type: ignore[arg-type]
        token = get_token(b)
        issued = time.monotonic()
        ack = run(with_session(b, lambda s: s.status(), auth={"token": token}))
        assert ack["success"] is True
        # Reconnect with the same token until the server starts refusing it.
        deadline = issued + ttl + 10
        while True:
            session = Session(b)
            if not run(session.attempt({"token": token})):
                break
            assert time.monotonic() < deadline, "token never expired"
        assert time.monotonic() - issued >= ttl * 0.9
        assert session.error == {"message": "unauthorized"}


def test_socket_fault_reject_token(backend: Backend) -> None:
    backend.set_fault(socket="reject-token")
    token = get_token(backend)
    session = Session(backend)
    assert run(session.attempt({"token": token})) is False
    assert session.error == {"message": "unauthorized"}
    stats = backend.stats()
    assert stats["connect_rejected"] == 1
    assert stats["last_auth"] == {"token": token}


def test_socket_fault_ack_error(backend: Backend) -> None:
    backend.set_fault(socket="ack-error")
    ack = run(with_session(backend, lambda s: s.status()))
    assert ack == {"success": False, "error": "cluster manager unavailable"}


def test_socket_fault_no_ack(backend: Backend) -> None:
    backend.set_fault(socket="no-ack")

    async def scenario(session: Session) -> None:
        with pytest.raises(socketio.exceptions.TimeoutError):
            await session.status(timeout=0.5)
        stats = await asyncio.to_thread(backend.stats)
        assert stats["in_flight"] == 1
        assert stats["max_in_flight"] == 1
        assert stats["emits"] == 1

    run(with_session(backend, scenario))
    # Acks of a socket that disconnected are no longer in flight.
    backend.wait_for(lambda s: s["in_flight"] == 0 and s["disconnects"] == 1)


def test_ack_override_is_verbatim_and_clearable(backend: Backend) -> None:
    values: list[Any] = [
        None,
        "nope",
        [1, 2, 3],
        {"success": True, "data": "not-a-list"},
        {"success": True, "data": [{"id": "0", "status": "exploded"}]},
    ]

    async def scenario(session: Session) -> list[Any]:
        got = []
        for value in values:
            await asyncio.to_thread(backend.set_ack, value)
            got.append(await session.status())
        await asyncio.to_thread(backend.clear_ack)
        got.append(await session.status())
        return got

    got = run(with_session(backend, scenario))
    assert got[:-1] == values
    assert got[-1]["success"] is True


def test_set_clusters_replaces_data(backend: Backend) -> None:
    clusters = [
        {"id": 7, "status": "starting", "shardList": [28, 29], "createdAt": 1_795_000_000_000}
    ]
    backend.set_clusters(clusters)
    ack = run(with_session(backend, lambda s: s.status()))
    assert ack["success"] is True
    assert [c["id"] for c in ack["data"]] == [7]
    assert ack["data"][0]["shardList"] == [28, 29]


def test_reset_clears_faults_and_counters(backend: Backend) -> None:
    backend.set_fault(token="500", socket="no-ack")
    backend.set_ack({"x": 1})
    backend.set_clusters([])
    http_get(backend.token_url)
    backend.reset()
    stats = backend.stats()
    assert stats["faults"] == {"token": None, "socket": None}
    assert stats["ack_override"] is False
    assert stats["tokens_issued"] == 0 and stats["token_requests"] == 0
    assert stats["token_times"] == [] and stats["token_busy"] is None
    ack = run(with_session(backend, lambda s: s.status()))
    assert ack["success"] is True and len(ack["data"]) == 4


def test_bad_control_requests_are_400(backend: Backend) -> None:
    with pytest.raises(BackendError, match="400"):
        backend.control("POST", "/control/fault", {"token": "bogus"})
    with pytest.raises(BackendError, match="400"):
        backend.control("POST", "/control/clusters", {"not": "a list"})
    with pytest.raises(BackendError, match="404"):
        backend.control("GET", "/control/nope")


# ---------------------------------------------------------------------- process control


def test_kill_and_restart_on_same_ports(backend: Backend) -> None:
    api, ws, pid = backend.api_port, backend.ws_port, backend.pid
    backend.kill()
    assert not backend.alive()
    with pytest.raises(urllib.error.URLError):
        http_get(backend.token_url, timeout=2)
    backend.restart()
    assert (backend.api_port, backend.ws_port) == (api, ws)
    assert backend.pid != pid
    ack = run(with_session(backend, lambda s: s.status()))
    assert ack["success"] is True


def test_freeze_and_resume(backend: Backend) -> None:
    backend.freeze()
    try:
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            http_get(backend.token_url, timeout=0.5)
    finally:
        backend.resume()
    assert http_get(backend.token_url)[0] == 200
    ack = run(with_session(backend, lambda s: s.status()))
    assert ack["success"] is True


# ---------------------------------------------------------------------- python-only extras


def test_python_scenarios_and_tick() -> None:
    with Backend("python", scenario="operational", clusters=3, shards_per_cluster=2) as b:
        ack = run(with_session(b, lambda s: s.status()))
        assert [c["status"] for c in ack["data"]] == ["running"] * 3
        assert all(s["status"] == 0 for c in ack["data"] for s in c["shards"])
        assert ack["data"][2]["shardList"] == [4, 5]
        before = b.get_clusters()
        b.tick()
        after = b.get_clusters()
        assert before != after  # pings jitter
        for cluster in after:
            check_cluster_status(cluster)

        b.set_scenario("outage", clusters=5, shards_per_cluster=1)
        ack = run(with_session(b, lambda s: s.status()))
        assert [c["status"] for c in ack["data"]] == ["stopped"] * 5
        b.set_scenario("empty")
        assert run(with_session(b, lambda s: s.status())) == {"success": True, "data": []}


def test_python_data_evolves_on_its_own() -> None:
    with Backend("python", scenario="operational", tick=0.05) as b:
        first = b.get_clusters()
        deadline = time.monotonic() + 10
        while b.get_clusters() == first:
            assert time.monotonic() < deadline, "data never changed"
            time.sleep(0.05)
