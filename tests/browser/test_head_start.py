"""The live connection's head start (app/model/head_start.py) in Chromium, against Node's
socket.io@4: the worker's first line requests the token and opens the WebSocket while
Python cannot run yet (the app bundle held back by the site's server), and Python's first
attempt takes both over, or makes its own when they are no longer good to use.

Counted at the server: ``token_requests`` (``GET /ws-token``), ``sockets`` (WebSocket
connections opened, whether or not they joined the namespace) and ``connects`` (joined).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.model.head_start import TOKEN_MAX_AGE_S
from tests.support.backends import Backend
from tests.support.pages import BOOT_TIMEOUT_MS, READY, Watched
from tests.support.site import HELD_BUNDLE, Served, built_site, live_env, serve

pytestmark = pytest.mark.browser

# A socket nobody answers the server's pings on is closed after interval + timeout.
PING_S = 1.0


def node_server(**options: Any) -> Iterator[Backend]:
    with Backend("node", scenario="degraded", **options) as node:
        yield node


@pytest.fixture(scope="module")
def node_backend() -> Iterator[Backend]:
    yield from node_server()


@pytest.fixture(scope="module")
def impatient_backend() -> Iterator[Backend]:
    """A server that closes a socket which answers no ping within two seconds."""
    yield from node_server(ping_interval=PING_S, ping_timeout=PING_S)


@pytest.fixture
def node(node_backend: Backend) -> Backend:
    node_backend.reset()
    return node_backend


@pytest.fixture
def impatient(impatient_backend: Backend) -> Backend:
    impatient_backend.reset()
    return impatient_backend


def held_site(backend: Backend, sites_dir: Path) -> Iterator[Served]:
    """The live site for ``backend``, its app bundle held by the server until released."""
    served = serve(built_site(sites_dir, **live_env(backend)), faults=[HELD_BUNDLE])
    yield served
    served.close()


@pytest.fixture
def held(node_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    yield from held_site(node_backend, sites_dir)


@pytest.fixture
def held_impatient(impatient_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    yield from held_site(impatient_backend, sites_dir)


def open_held(watched: Watched, site: Served, node: Backend) -> Any:
    """Open the page and wait until the worker has made its requests; Python has not run."""
    page = watched.page
    page.goto(site.url + "/")
    node.wait_for(lambda s: s["token_requests"] == 1 and s["sockets"] == 1)
    assert page.get_attribute("html", "data-boot") == "loading"
    assert node.stats()["connects"] == 0
    return page


def released(page: Any, site: Served, backend: Backend) -> tuple[int, int, int]:
    """Let Python run; once live data is on the page: (token requests, sockets, connects)
    the server counted in all."""
    site.release_held()
    page.wait_for_selector(READY, state="attached", timeout=BOOT_TIMEOUT_MS)
    assert page.get_attribute("html", "data-source") == "live"
    stats = backend.stats()
    return stats["token_requests"], stats["sockets"], stats["connects"]


def test_the_first_attempt_takes_over_the_workers_token_and_socket(
    node: Backend, held: Served, watched: Watched
) -> None:
    """Token and socket requested before Python runs; once it runs, live data comes over
    that very socket with that token: one token request and one socket in all."""
    page = open_held(watched, held, node)
    assert released(page, held, node) == (1, 1, 1)
    assert node.stats()["emits"] >= 1
    watched.assert_clean()


def test_a_token_answered_too_long_ago_is_not_used(
    node: Backend, held: Served, watched: Watched
) -> None:
    """Python starts more than TOKEN_MAX_AGE_S after the token arrived: its first attempt
    asks for a fresh token, and still takes over the socket, which is open."""
    page = open_held(watched, held, node)
    (asked,) = node.stats()["token_times"]
    # Time itself is the condition here: the token must be old when Python starts.
    time.sleep(max(0.0, asked + TOKEN_MAX_AGE_S + 0.5 - time.time()))
    assert released(page, held, node) == (2, 1, 1)
    watched.assert_clean()


def test_a_socket_the_server_closed_before_python_ran_is_replaced(
    impatient: Backend, held_impatient: Served, watched: Watched
) -> None:
    """Nobody answers the server's pings before Python runs, so the server closes the
    worker's socket: Python's first attempt opens its own, with the worker's token."""
    page = open_held(watched, held_impatient, impatient)
    impatient.wait_for(lambda s: s["open_sockets"] == 0)
    assert released(page, held_impatient, impatient) == (1, 2, 1)
    watched.assert_clean()
