"""tools/delay_proxy.py: the bench's second link relays every byte, in order, never early."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tools.delay_proxy import DelayProxy

RTT_S = 0.05


@pytest.fixture
def echo_port() -> Iterator[int]:
    """A TCP echo server on loopback that closes its side when the client closes its own."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with server:
            connection, _ = server.accept()
            with connection:
                while data := connection.recv(4096):
                    connection.sendall(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    thread.join(timeout=5)


def test_a_request_and_its_answer_take_at_least_one_round_trip_and_arrive_intact(
    echo_port: int,
) -> None:
    with (
        DelayProxy("127.0.0.1", echo_port, RTT_S) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as client,
    ):
        message = bytes(range(256)) * 40
        started = time.monotonic()
        client.sendall(message)
        received = b""
        while len(received) < len(message):
            received += client.recv(65536)
        assert time.monotonic() - started >= RTT_S  # never early: half on each way
        assert received == message
        client.shutdown(socket.SHUT_WR)
        assert client.recv(1) == b""  # the end of the stream is relayed too


def test_a_target_that_is_down_ends_the_connection() -> None:
    unused = socket.create_server(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()
    with (
        DelayProxy("127.0.0.1", port, RTT_S) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as client,
    ):
        assert client.recv(1) == b""
