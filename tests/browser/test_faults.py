"""Never lie, never crash: the page under every fault we can inject, on the public host.

One python demo backend and one page are shared by the module: each test breaks one thing,
checks what the visitor sees while it is broken, clears the fault and waits for the page to
recover by itself (no reload). The site is built with ``STATUSPAGE_MOCK=auto`` and opened on
``status.test``, which is not a local host: even ``auto`` must never show preview data there.

While a fault holds, every test checks the same promises (``assert_holding``):

* the page stays responsive (``evaluate`` answers, the lookup input still reacts);
* ``#notice`` is visible and names the right reason (``locales/en.json`` ``error.*``);
* the last good data stays on screen, marked ``data-stale`` within 2 intervals;
* ``data-source`` stays ``live`` and no preview data is ever requested;
* no retry storm: at most one emit in flight, connection attempts bounded by the backoff.

Token faults only bite when a connection is (re)opened, so the Socket.IO link goes through
a small TCP forwarder (``CuttableLink``) whose connections a test can cut without touching
the server's state, the way a flaky network or a load balancer would.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.model.reconnect import DEFAULT as RECONNECT
from app.model.scheduler import SPREAD
from tests.support import ROOT
from tests.support.backends import Backend
from tests.support.pages import Watched, open_page, watch
from tests.support.site import PUBLIC_HOST, Served, serve_live

pytestmark = pytest.mark.browser

REFRESH_S = 1.0
# Socket.IO pings every 2 s with a 2 s timeout: a frozen server is noticed within 4 s.
PING_S = 2.0
# LiveSource defaults (app/transport/live.py), accepted as they are.
TOKEN_TIMEOUT_S = 10.0
ACK_TIMEOUT_S = 10.0
OPEN_TIMEOUT_S = 10.0
# Stale after 2 intervals without success; the page redraws once a second.
STALE_WITHIN_MS = (2 * REFRESH_S + 2) * 1000
# Once a fault clears: at most one reconnect wait plus one attempt, with room to spare
# (a loaded machine).
RECOVERY_MS = (3 * RECONNECT.longest + OPEN_TIMEOUT_S + 5) * 1000
CLUSTERS = 4

EN = json.loads((ROOT / "locales" / "en.json").read_text())
UNAVAILABLE = EN["notice.unavailable"]


def reason_text(code: str) -> str:
    return str(EN[f"error.{code}"])


def max_attempts(window_s: float) -> int:
    """Most connection attempts the page's reconnect rule allows in ``window_s`` seconds,
    plus one of slack.

    After a drop the first wait may be close to 0 s (it is spread over ``first``); every
    later one is at least ``first`` (app/model/reconnect.py): so at most two attempts,
    and one more per ``first`` seconds.
    """
    return 3 + math.floor(window_s / RECONNECT.first)


# --------------------------------------------------------------------------- a cuttable link


class CuttableLink:
    """A TCP forwarder to ``127.0.0.1:<port>`` whose open connections a test can cut.

    New connections are forwarded as long as the target accepts them; a refused upstream
    closes the client side at once (the browser sees a failed WebSocket, as without us).
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self.accepted = 0
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def cut(self) -> int:
        """Close every open connection (both sides); returns how many there were."""
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            self._drop(pair)
        return len(pairs)

    def close(self) -> None:
        self._listener.close()
        self.cut()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst, pair), daemon=True).start()

    def _pump(
        self, src: socket.socket, dst: socket.socket, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(pair)

    def _drop(self, pair: tuple[socket.socket, socket.socket]) -> None:
        with self._lock:
            if pair not in self._pairs:
                return
            self._pairs.discard(pair)
        for sock in pair:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server() -> Iterator[Backend]:
    with Backend("python", scenario="degraded", ping_interval=PING_S, ping_timeout=PING_S) as b:
        yield b


@pytest.fixture(scope="module")
def link(server: Backend) -> Iterator[CuttableLink]:
    cuttable = CuttableLink(server.ws_port)
    yield cuttable
    cuttable.close()


@pytest.fixture(scope="module")
def site(server: Backend, link: CuttableLink, sites_dir: Path) -> Iterator[Served]:
    target = SimpleNamespace(token_url=server.token_url, ws_url=link.url)
    with serve_live(target, sites_dir, PUBLIC_HOST, mock="auto", refresh=REFRESH_S) as served:
        yield served


@pytest.fixture(scope="module")
def shared_context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture(scope="module")
def shared(shared_context: Any, site: Served) -> Watched:
    """The one page the module's tests share; it is never reloaded by a test."""
    watched = watch(shared_context.new_page())
    open_page(watched, site.url)
    return watched


HEALTHY = "html[data-source='live'][data-connection='connected']:not([data-stale])"


@pytest.fixture
def page(shared: Watched, server: Backend, shared_context: Any, site: Served) -> Iterator[Any]:
    """The shared page, healthy, with faults cleared and the server's counters at zero."""
    shared_context.set_offline(False)
    if server.frozen or not server.alive():
        server.restart()
    server.reset()
    page = shared.page
    page.wait_for_selector(HEALTHY, state="attached", timeout=RECOVERY_MS)
    page.wait_for_selector("#notice", state="hidden", timeout=RECOVERY_MS)
    shared.page_errors.clear()
    yield page
    # Whatever a test did, the page itself must never have thrown.
    assert shared.page_errors == [], shared.page_errors
    assert not [e for e in shared.console_errors if "Traceback" in e], shared.console_errors
    assert not [u for u in shared.requests if "/mock/" in u], "preview data was requested"
    # Faults take the code paths boot does not (reconnects, timeouts, errors): none of
    # them imports a module that boot left out (tools/lazy_imports.py).
    rest = [path for path, _ in site.server.sent if path.endswith("python_stdlib_rest.zip")]
    assert rest == [], "a fault path imported a module that boot left out"


# --------------------------------------------------------------------------- the promises


def attr(page: Any, name: str) -> str | None:
    value: str | None = page.get_attribute("html", name)
    return value


def assert_responsive(page: Any) -> None:
    """The main thread answers at once and the lookup still reacts to typing."""
    started = time.monotonic()
    assert page.evaluate("1 + 1") == 2
    assert time.monotonic() - started < 2, "the page took seconds to answer a trivial evaluate"
    page.fill("#guild-input", "not a server id")
    page.wait_for_selector("#lookup-result[data-kind='error']", state="attached", timeout=5_000)
    page.fill("#guild-input", "")
    page.wait_for_selector("#lookup-result:not([data-kind])", state="attached", timeout=5_000)


def wait_notice(page: Any, *texts: str, timeout_ms: float) -> str:
    """Wait until ``#notice`` is visible and contains one of ``texts``; return its text."""
    page.wait_for_function(
        """texts => {
            const n = document.getElementById('notice');
            return !n.hidden && texts.some(t => n.textContent.includes(t));
        }""",
        arg=list(texts),
        timeout=timeout_ms,
    )
    text: str = page.inner_text("#notice")
    assert text.startswith(UNAVAILABLE), text
    return text


def assert_notice_steady(page: Any, text: str, window_ms: float = 2.5 * REFRESH_S * 1000) -> None:
    """Observe ``#notice`` over a window (refreshes keep failing): it always names ``text``."""
    seen = page.evaluate(
        """ms => new Promise(resolve => {
            const n = document.getElementById('notice');
            const seen = new Set([n.hidden ? '' : n.textContent]);
            const record = () => seen.add(n.hidden ? '' : n.textContent);
            const observer = new MutationObserver(record);
            observer.observe(n, {subtree: true, childList: true, characterData: true,
                                 attributes: true});
            setTimeout(() => { observer.disconnect(); record(); resolve([...seen]); }, ms);
        })""",
        window_ms,
    )
    assert all(text in shown for shown in seen), seen


def assert_holding(page: Any, *texts: str, notice_ms: float = 10_000) -> str:
    """Under a fault: notice with the reason, stale data still shown, live source, responsive."""
    page.wait_for_selector("html[data-stale]", state="attached", timeout=STALE_WITHIN_MS)
    text = wait_notice(page, *texts, timeout_ms=notice_ms)
    assert page.locator("[data-cluster-id]").count() == CLUSTERS
    assert page.locator("#updated[data-stale]").count() == 1
    assert attr(page, "data-source") == "live"
    assert page.locator("#preview-banner").is_hidden()
    assert_responsive(page)
    return text


def assert_recovers(page: Any, server: Backend, cleared_at: float) -> float:
    """No reload: fresh live data, no stale mark, no notice. Returns the recovery time."""
    emits = server.stats()["emits"]
    page.wait_for_selector(HEALTHY, state="attached", timeout=RECOVERY_MS)
    page.wait_for_selector("#notice", state="hidden", timeout=5_000)
    took = time.monotonic() - cleared_at
    server.wait_for(lambda s: s["emits"] > emits, timeout=10)
    assert page.locator("[data-cluster-id]").count() == CLUSTERS
    assert attr(page, "data-source") == "live"
    print(f"recovered {took:.1f} s after the fault cleared")
    return took


def assert_no_storm(stats: dict[str, Any], window_s: float, *, attempts: str) -> None:
    assert stats["max_in_flight"] <= 1, stats
    assert stats[attempts] <= max_attempts(window_s), (attempts, window_s, stats)


# --------------------------------------------------------------------------- token endpoint

TOKEN_FAULTS = {
    "500": "token-http",
    "non-json": "token-bad-json",
    "no-token": "token-missing",
    "no-cors": "token-network",
    "hang": "token-timeout",
}


@pytest.mark.parametrize("fault", list(TOKEN_FAULTS))
def test_token_endpoint_fault(page: Any, server: Backend, link: CuttableLink, fault: str) -> None:
    """The link drops while the token endpoint is broken: every retry fails the same way."""
    reason = TOKEN_FAULTS[fault]
    server.set_fault(token=fault)
    started = time.monotonic()
    assert link.cut() >= 1
    notice_ms = (TOKEN_TIMEOUT_S + 8) * 1000 if fault == "hang" else 10_000
    assert_holding(page, reason_text(reason), notice_ms=notice_ms)
    if fault != "hang":
        # It keeps trying (a fresh token request per attempt), with the same answer.
        server.wait_for(lambda s: s["token_requests"] >= 2, timeout=10)
        assert_notice_steady(page, reason_text(reason))
    stats = server.stats()
    assert_no_storm(stats, time.monotonic() - started, attempts="token_requests")
    assert stats["connects"] == 0
    server.set_fault(token=None)
    assert_recovers(page, server, time.monotonic())


# --------------------------------------------------------------------------- socket.io


def test_token_rejected_in_connect_error(page: Any, server: Backend, link: CuttableLink) -> None:
    """connect_error for every token: fresh token per attempt, backoff, then recovery."""
    server.set_fault(socket="reject-token")
    started = time.monotonic()
    link.cut()
    assert_holding(page, reason_text("auth-rejected"))
    server.wait_for(lambda s: s["connect_rejected"] >= 2, timeout=10)
    assert_notice_steady(page, reason_text("auth-rejected"))
    stats = server.stats()
    assert stats["tokens_issued"] == stats["connect_rejected"]  # a new token each time
    assert_no_storm(stats, time.monotonic() - started, attempts="tokens_issued")
    server.set_fault(socket=None)
    assert_recovers(page, server, time.monotonic())


def test_server_killed_then_restarted(page: Any, server: Backend) -> None:
    """A crash: the link drops, reconnecting is refused, the restarted server is found."""
    server.kill()
    assert_holding(page, reason_text("connect-refused"), reason_text("disconnected"))
    wait_notice(page, reason_text("connect-refused"), timeout_ms=10_000)
    assert_notice_steady(page, reason_text("connect-refused"))
    server.restart()
    assert_recovers(page, server, time.monotonic())


def test_server_not_running_when_the_page_opens(
    server: Backend, site: Served, context: Any, page: Any
) -> None:
    """Never connected, public host, MOCK=auto: no preview data, a notice, then live data."""
    server.kill()
    fresh = watch(context.new_page())
    fresh.page.goto(site.url)
    wait_notice(fresh.page, reason_text("connect-refused"), timeout_ms=30_000)
    assert_notice_steady(fresh.page, reason_text("connect-refused"))
    assert attr(fresh.page, "data-source") is None
    assert fresh.page.locator("[data-cluster-id]").count() == 0
    assert fresh.page.locator("#preview-banner").is_hidden()
    assert_responsive(fresh.page)
    # Long enough for the first-connection grace (4 s) to have passed without mock data.
    fresh.page.wait_for_timeout(5_000)
    assert attr(fresh.page, "data-source") is None
    server.restart()
    assert_recovers(fresh.page, server, time.monotonic())
    assert fresh.page_errors == []
    assert not [u for u in fresh.requests if "/mock/" in u]


def test_server_frozen_then_resumed(page: Any, server: Backend) -> None:
    """SIGSTOP: pings stop, the link is declared dead, attempts time out; SIGCONT heals."""
    server.freeze()
    try:
        assert_holding(
            page,
            reason_text("disconnected"),
            reason_text("connect-timeout"),
            notice_ms=(2 * PING_S + REFRESH_S + 5) * 1000,
        )
    finally:
        server.resume()
    assert_recovers(page, server, time.monotonic())
    assert server.stats()["max_in_flight"] <= 1


def test_ack_that_never_comes(page: Any, server: Backend, link: CuttableLink) -> None:
    """No ack: the emit times out after 10 s and the next one waits for that; no pile-up."""
    server.set_fault(socket="no-ack")
    started = time.monotonic()
    # An emit counted before this line may have come before the fault and been answered
    # (the page asks every second): only emits after it are certainly unanswered. Likewise
    # a reconnect after the previous test's restart may land after the counters' reset.
    before = server.stats()
    answered_maybe, connects_before = before["emits"], before["connects"]
    assert_holding(page, reason_text("ack-timeout"), notice_ms=(ACK_TIMEOUT_S + 5) * 1000)
    stats = server.wait_for(
        lambda s: s["emits"] >= answered_maybe + 2, timeout=2 * ACK_TIMEOUT_S + 5
    )
    # The server cannot tell an ack the client gave up on from one it still awaits, so
    # "one in flight" is checked on the client's cadence: each emit waited out the last.
    times = stats["emit_times"][answered_maybe:]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= ACK_TIMEOUT_S - 0.5 for gap in gaps), gaps
    assert stats["emits"] <= 1 + (time.monotonic() - started) / ACK_TIMEOUT_S + 1
    assert stats["connects"] == connects_before  # a missing ack is not a reason to reconnect
    server.set_fault(socket=None)
    assert_recovers(page, server, time.monotonic())
    # The server still holds the unanswered emits of this connection: drop it so the next
    # test's in-flight count starts clean.
    connects = server.stats()["connects"]
    link.cut()
    server.wait_for(lambda s: s["connects"] > connects and s["in_flight"] == 0, timeout=20)


def test_ack_with_success_false(page: Any, server: Backend) -> None:
    """{"success": false, "error": ...}: the server's error is shown, the data is kept."""
    server.set_fault(socket="ack-error")
    started = time.monotonic()
    text = assert_holding(page, EN["problem.ack_error"])
    assert "cluster manager unavailable" in text
    emits = server.stats()["emits"]
    server.wait_for(lambda s: s["emits"] >= emits + 2, timeout=5)  # it keeps asking
    stats = server.stats()
    window = time.monotonic() - started
    assert stats["max_in_flight"] <= 1
    # Each wait is at least the interval less the scheduler's spread: no storm.
    shortest_wait = (1 - SPREAD) * REFRESH_S
    assert stats["emits"] <= window / shortest_wait + 2, (window, stats["emits"])
    server.set_fault(socket=None)
    assert_recovers(page, server, time.monotonic())


# --------------------------------------------------------------------------- the browser


def test_browser_offline_then_online(page: Any, server: Backend, shared_context: Any) -> None:
    """The offline event says so at once; online reconnects without waiting for the backoff."""
    shared_context.set_offline(True)
    started = time.monotonic()
    try:
        text = assert_holding(page, reason_text("offline"))
        assert text == f"{UNAVAILABLE} {reason_text('offline')}"
        # The link dies (ping timeout) while offline: the notice still says offline.
        page.wait_for_selector(
            "html[data-connection='offline']", state="attached", timeout=STALE_WITHIN_MS
        )
        server.wait_for(lambda s: s["disconnects"] >= 1, timeout=2 * PING_S + 5)
        assert_notice_steady(page, reason_text("offline"))
        stats = server.stats()
        assert_no_storm(stats, time.monotonic() - started, attempts="tokens_issued")
    finally:
        shared_context.set_offline(False)
    took = assert_recovers(page, server, time.monotonic())
    assert took < 10, "online should reconnect at once, not after a backoff wait"
