"""Serve ``dist/`` the way Cloudflare's static assets do, for ``make dev`` and the tests.

    python tools/serve.py [--dir dist] [--host 127.0.0.1] [--port 8000]

- ``/de/`` serves ``de/index.html``; an unknown path serves ``404.html`` with status 404.
- Headers from ``dist/_headers`` are applied (same path patterns as Cloudflare: exact
  paths and a trailing ``*`` splat), so the CSP and caching rules are exercised locally.
- ``.mjs`` and ``.wasm`` get their proper MIME types (module scripts and streaming
  wasm compilation refuse anything else).
- Faults, for the boot-failure tests in any engine: ``--fault PATTERN=stall`` answers
  matching paths with their headers and the first 64 KiB of the body, then never sends
  the rest (a stalled download); ``--fault PATTERN=404`` (or any status) answers with
  that error. PATTERN is an ``fnmatch`` pattern of the request path, such as
  ``*/pyodide.asm.wasm``. ``make_server(..., faults=[(pattern, fault)])`` does the same,
  and has one more: ``hold`` sends nothing until ``Server.release_held()``, then the
  whole file (a slow download that a test ends when it is ready).
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import gzip
import http.server
import io
import os
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

MIME = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".zip": "application/zip",
    ".py": "text/x-python; charset=utf-8",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json",
}


def parse_headers_file(path: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    if not path.exists():
        return rules
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif rules and ":" in line:
            name, _, value = line.strip().partition(":")
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


class Link:
    """A simulated network link for one server: bandwidth shared by every connection
    (a token bucket), and a delay before each response's first byte.

    For ``make bench`` only: over loopback, downloads are nearly free, which hides what
    matters on a visitor's connection (e.g. when the big runtime downloads start).

    With ``gzip_paced``, each file's body takes the time its gzip -9 size would (what a
    compressing CDN sends) while the raw bytes are what arrives: the browser sees the
    same files, the link sees the compressed sizes.
    """

    CHUNK = 16 * 1024

    def __init__(self, bytes_per_second: float, latency_s: float, gzip_paced: bool = False) -> None:
        self.bytes_per_second, self.latency_s = bytes_per_second, latency_s
        self.gzip_paced = gzip_paced
        self._lock = threading.Lock()
        self._free_at = 0.0
        self._ratios: dict[tuple[str, float], float] = {}

    def ratio(self, file: Path) -> float:
        """gzip -9 size ÷ raw size of ``file`` (1.0 unless ``gzip_paced``); cached."""
        if not self.gzip_paced:
            return 1.0
        key = (str(file), file.stat().st_mtime)
        if key not in self._ratios:
            data = file.read_bytes()
            self._ratios[key] = len(gzip.compress(data, compresslevel=9)) / max(1, len(data))
        return self._ratios[key]

    def send(self, write: Callable[[bytes], Any], data: bytes, ratio: float = 1.0) -> None:
        for start in range(0, len(data), self.CHUNK):
            chunk = data[start : start + self.CHUNK]
            with self._lock:
                begin = max(time.monotonic(), self._free_at)
                self._free_at = done = begin + len(chunk) * ratio / self.bytes_per_second
            time.sleep(max(0.0, done - time.monotonic()))
            write(chunk)


class _Counted:
    """The response stream, counting the bytes written to the socket (headers and body),
    through the server's simulated ``Link`` when it has one."""

    def __init__(self, inner: Any, link: Link | None) -> None:
        self._inner, self._link, self.count = inner, link, 0
        self._first = True
        self.ratio = 1.0  # of the body being sent (see Link.gzip_paced)

    def write(self, data: bytes) -> int:
        self.count += len(data)
        if self._link is None:
            return int(self._inner.write(data))
        if self._first:
            self._first = False
            time.sleep(self._link.latency_s)
        self._link.send(self._inner.write, data, self.ratio)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class Handler(http.server.SimpleHTTPRequestHandler):
    rules: ClassVar[list[tuple[str, list[tuple[str, str]]]]] = []
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.wfile = _Counted(self.wfile, self.server.link)  # type: ignore[assignment]

    def finish(self) -> None:
        super().finish()
        # HTTP/1.0: one request per connection, so this is one response's bytes.
        self.server.sent.append((getattr(self, "path", ""), self.wfile.count))  # type: ignore[attr-defined]

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return MIME.get(Path(path).suffix, "application/octet-stream")

    def end_headers(self) -> None:
        request_path = self.path.split("?", 1)[0]
        for pattern, headers in self.rules:
            if fnmatch.fnmatchcase(request_path, pattern):
                for name, value in headers:
                    self.send_header(name, value)
        super().end_headers()

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        request_path = self.path.split("?", 1)[0]
        for pattern, fault in self.server.faults:
            if fnmatch.fnmatchcase(request_path, pattern):
                if fault == "hold":
                    self.server.held.wait()
                    break
                self._fault(fault)
                return None
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # redirects /de -> /de/
            path = path / "index.html"
        if path.is_file() and self.server.link is not None:
            self.wfile.ratio = self.server.link.ratio(path)  # type: ignore[attr-defined]
        if not path.is_file():
            body = (Path(self.directory) / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", MIME[".html"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        return super().send_head()

    STALL_AFTER = 64 * 1024

    def _fault(self, fault: str) -> None:
        if fault != "stall":
            self.send_error(int(fault))
            return
        path = Path(self.translate_path(self.path))
        body = path.read_bytes() if path.is_file() else b"\0" * (4 * self.STALL_AFTER)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: self.STALL_AFTER])
        self.wfile.flush()
        # The rest never comes; the connection stays open until the server is closed.
        self.server.released.wait()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # (request path, bytes sent) per response, for `make bench`'s transfer figures.
    sent: list[tuple[str, int]]
    link: Link | None
    # (fnmatch pattern of the request path, "stall", "hold" or an HTTP status), first
    # match wins.
    faults: list[tuple[str, str]]
    # Set by server_close(): stalled responses give up and end.
    released: threading.Event
    # Set by release_held() (or server_close()): held responses are sent.
    held: threading.Event

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Before binding: a bind that fails (port taken, e.g. by a parallel test worker)
        # calls server_close(), which must still raise that OSError, not AttributeError.
        self.released = threading.Event()
        self.held = threading.Event()
        super().__init__(*args, **kwargs)

    def release_held(self) -> None:
        """Answer the requests the ``hold`` fault holds, and every later one at once."""
        self.held.set()

    def server_close(self) -> None:
        self.released.set()
        self.held.set()
        super().server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that closes a connection mid-body (a tab closed, a visit over) is
        normal weather, not an error worth a traceback; anything else still prints one."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(
    directory: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    link: Link | None = None,
    faults: list[tuple[str, str]] | None = None,
) -> Server:
    # A handler class per server: two sites in one process keep their own headers.
    rules = parse_headers_file(directory / "_headers")
    site_handler = type("SiteHandler", (Handler,), {"rules": rules})
    server = Server((host, port), functools.partial(site_handler, directory=str(directory)))
    server.sent = []
    server.link = link
    server.faults = list(faults or [])
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent.parent / "dist")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="PATTERN=stall|STATUS",
        help="stall or fail the requests whose path matches PATTERN (repeatable)",
    )
    args = parser.parse_args()
    faults: list[tuple[str, str]] = []
    for spec in args.fault:
        pattern, _, fault = spec.rpartition("=")
        if not pattern or not (fault == "stall" or fault.isdigit()):
            parser.error("--fault takes PATTERN=stall or PATTERN=<HTTP status>")
        faults.append((pattern, fault))
    server = make_server(args.dir, args.host, args.port, faults=faults)
    print(f"serving {args.dir} at http://{args.host}:{server.server_address[1]}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
