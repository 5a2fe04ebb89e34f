"""The real site for browser tests and tools: built with ``tools/build.py`` once per
environment, served over HTTP by ``tools/serve.py``.

``PUBLIC_HOST`` is a name that is not a local host, for proving what the page does on the
real domain; Chromium resolves it to 127.0.0.1 (``tests.support.pages.CHROMIUM_ARGS``).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import build as site_build
from tools.serve import make_server

__all__ = [
    "FAST_FAIL",
    "HELD_BUNDLE",
    "PUBLIC_HOST",
    "PUBLIC_PORTS",
    "Served",
    "built_site",
    "live_env",
    "serve",
    "serve_live",
]

# A name that is not a local host, for proving what the page does on the real domain.
PUBLIC_HOST = "status.test"
# The real domain is HTTPS, a secure context, where the page can be cross-origin isolated
# and runs Python in a worker. Plain-HTTP status.test stands in for it on these ports,
# which Chromium is told to treat as secure (it takes exact origins only). A site served
# on PUBLIC_HOST with ``secure=False`` gets another port: an insecure context.
PUBLIC_PORTS = range(47810, 47840)

# A build whose boot gives up quickly (short limits, so that a failure test does not
# wait for the product's: see tools/build.py), on preview data.
FAST_FAIL = {
    "STATUSPAGE_MOCK": "always",
    "STATUSPAGE_BOOT_STALL_SECONDS": "2",
    "STATUSPAGE_BOOT_START_SECONDS": "3",
}

# The ``hold`` fault (tools/serve.py) for the app bundle: PyScript writes it before
# Python's first line, so Python cannot run until it is released; the rest of the page
# and the runtime load as usual.
HELD_BUNDLE = ("/_a/app.*.zip", "hold")

_built: dict[tuple[tuple[str, str], ...], Path] = {}


def built_site(tmp_root: Path, **env: str) -> Path:
    """Build dist/ once per distinct environment for the whole session."""
    key = tuple(sorted(env.items()))
    if key not in _built:
        out = tmp_root / f"site{len(_built)}"
        site_build.build(out, {k: v for k, v in env.items()})
        _built[key] = out
    return _built[key]


@dataclass
class Served:
    """A built site behind a real HTTP server."""

    root: Path
    url: str
    server: Any

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def release_held(self) -> None:
        """Send what the ``hold`` fault holds (tools/serve.py), and every later request."""
        self.server.release_held()

    @property
    def origins(self) -> tuple[str, ...]:
        """Every origin the page may ask: its own and its two configured endpoints (as
        the build wrote them into the page)."""
        page = (self.root / "index.html").read_text(encoding="utf-8")
        config = json.loads(re.findall(r'id="statuspage-config">([^<]*)<', page)[0])
        return (self.url, config["tokenUrl"], config["wsUrl"])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(
    directory: Path,
    host: str = "127.0.0.1",
    secure: bool = True,
    faults: list[tuple[str, str]] | None = None,
    port: int = 0,
) -> Served:
    """Serve on 127.0.0.1; ``host`` is the name the page is opened under.

    On PUBLIC_HOST the page is a secure context (one of PUBLIC_PORTS) unless ``secure``
    is false. Local hosts are always secure contexts. ``faults``: see tools/serve.py.
    ``port``: a given port on a local host (one origin for two builds in turn).
    """
    ports = PUBLIC_PORTS if host == PUBLIC_HOST and secure else [port]
    for port in ports:
        try:
            server = make_server(directory, "127.0.0.1", port, faults=faults)
            break
        except OSError:  # taken by another test's server
            continue
    else:
        raise RuntimeError(f"no free port in {ports}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Served(directory, f"http://{host}:{server.server_address[1]}", server)


@contextlib.contextmanager
def serve_live(
    backend: Any, sites_dir: Path, host: str = "127.0.0.1", **env: Any
) -> Iterator[Served]:
    """A site built against ``backend`` (``live_env`` options in ``env``), served."""
    served = serve(built_site(sites_dir, **live_env(backend, **env)), host)
    try:
        yield served
    finally:
        served.close()


def live_env(backend: Any, mock: str = "never", refresh: float = 15) -> dict[str, str]:
    """Build environment for a site that talks to ``backend``."""
    return {
        "STATUSPAGE_TOKEN_URL": backend.token_url,
        "STATUSPAGE_WS_URL": backend.ws_url,
        "STATUSPAGE_MOCK": mock,
        "STATUSPAGE_REFRESH_SECONDS": str(refresh),
    }
