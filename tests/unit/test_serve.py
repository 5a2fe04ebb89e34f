"""The site's local server (tools/serve.py) treats a visitor who goes away mid-download
as normal weather: no traceback for it, while other errors still print one."""

from __future__ import annotations

import socket
import socketserver
import struct
from pathlib import Path

import pytest

from tools import serve
from tools.serve import make_server

BIG = 8 * 1024 * 1024  # larger than any socket buffer: the write must meet the reset


def serve_one(tmp_path: Path, request: bytes) -> None:
    """One connection that sends ``request`` and resets before reading the answer,
    handled on this thread as the server's own worker thread would handle it."""
    (tmp_path / "big.bin").write_bytes(b"\0" * BIG)
    server = make_server(tmp_path, "127.0.0.1", 0, None)
    try:
        client = socket.create_connection(server.server_address[:2])
        conn, address = server.socket.accept()
        client.sendall(request)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # a reset, as a closed tab sends
        socketserver.ThreadingMixIn.process_request_thread(server, conn, address)
    finally:
        server.server_close()


def test_a_client_gone_mid_body_prints_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_one(tmp_path, b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    assert "Traceback" not in capsys.readouterr().err


def test_other_errors_still_print_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise ValueError("a bug in the handler")

    monkeypatch.setattr(serve.Handler, "do_GET", broken)
    serve_one(tmp_path, b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    assert "ValueError: a bug in the handler" in capsys.readouterr().err
