"""Start and steer the status page's test backends from pytest.

``Backend("python")`` runs ``mock/server.py`` (python-socketio, uvicorn);
``Backend("node")`` runs ``tests/servers/socketio-server.mjs`` (Node's socket.io@4).
Both speak the same contract: ``GET token_url`` -> ``{"token": ...}``, Socket.IO at
``ws_url`` with ``auth={"token": ...}``, ``get-cluster-status`` answered in the ack,
and the control API under ``/control/`` that the methods below wrap (the faults are
listed at ``set_fault``; ``stats()`` includes ``emit_times`` and ``token_times``, the
Unix times of the last 1000 emits and ``/ws-token`` requests).

    with Backend("python", scenario="degraded") as backend:
        page.goto(f"...?token_url={backend.token_url}&ws_url={backend.ws_url}")
        backend.wait_for(lambda s: s["emits"] >= 1)

Both servers bind 127.0.0.1 and the URLs say ``localhost`` (which Chromium and
Python resolve to 127.0.0.1 here), so the page's origins line up.

Only the Python server generates data (``scenario``, ``clusters``,
``shards_per_cluster``, ``tick``); the Node one serves ``mock/<scenario>.json``
(4 clusters x 4 shards) and ignores the sizes.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from tests.support.paths import ROOT

PYTHON_SERVER = ROOT / "mock" / "server.py"
NODE_SERVER = ROOT / "tests" / "servers" / "socketio-server.mjs"

Kind = Literal["python", "node"]

#: Poll interval of ``wait_for`` and of the start-up wait.
POLL_S = 0.05


class BackendError(RuntimeError):
    pass


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGCONT)
            proc.kill()
        proc.wait()


class Backend:
    """A test backend process; use as a context manager."""

    def __init__(
        self,
        kind: Kind,
        *,
        scenario: str = "degraded",
        clusters: int = 4,
        shards_per_cluster: int = 4,
        token_ttl: float = 60,
        tick: float = 3600.0,
        seed: int = 1,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
        start_timeout: float = 20.0,
    ) -> None:
        if kind not in ("python", "node"):
            raise ValueError(f"unknown backend kind {kind!r}")
        self.kind: Kind = kind
        self.scenario = scenario
        self.clusters = clusters
        self.shards_per_cluster = shards_per_cluster
        self.token_ttl = token_ttl
        self.tick_s = tick
        self.seed = seed
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.start_timeout = start_timeout
        self.api_port = 0
        self.ws_port = 0
        self._dir = Path(tempfile.mkdtemp(prefix=f"statuspage-{kind}-backend-"))
        self.log_path = self._dir / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self.frozen = False

    # ------------------------------------------------------------------ URLs

    @property
    def token_url(self) -> str:
        return f"http://localhost:{self.api_port}/ws-token"

    @property
    def ws_url(self) -> str:
        return f"http://localhost:{self.ws_port}"

    @property
    def api_url(self) -> str:
        return f"http://localhost:{self.api_port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _command(self) -> list[str]:
        common = [
            "--host",
            "127.0.0.1",
            "--api-port",
            str(self.api_port),
            "--ws-port",
            str(self.ws_port),
            "--ready-file",
            str(self._dir / "ready.json"),
            "--token-ttl",
            str(self.token_ttl),
            "--scenario",
            self.scenario,
        ]
        if self.ping_interval is not None:
            common += ["--ping-interval", str(self.ping_interval)]
        if self.ping_timeout is not None:
            common += ["--ping-timeout", str(self.ping_timeout)]
        if self.kind == "node":
            node = shutil.which("node")
            if node is None:
                raise BackendError("node is not on PATH")
            return [node, str(NODE_SERVER), *common]
        return [
            sys.executable,
            str(PYTHON_SERVER),
            *common,
            "--clusters",
            str(self.clusters),
            "--shards-per-cluster",
            str(self.shards_per_cluster),
            "--tick",
            str(self.tick_s),
            "--seed",
            str(self.seed),
        ]

    def start(self) -> None:
        """Start the process (on the ports of the last run, if any) and wait until it listens."""
        if self._proc is not None and self._proc.poll() is None:
            raise BackendError(f"{self.kind} backend already running (pid {self._proc.pid})")
        ready = self._dir / "ready.json"
        ready.unlink(missing_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"--- start {' '.join(self._command())}\n".encode())
            log.flush()
            proc = subprocess.Popen(
                self._command(),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self._proc = proc
        self.frozen = False
        if self._finalizer is not None:
            self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _kill, proc)
        deadline = time.monotonic() + self.start_timeout
        while True:
            if ready.exists():
                ports = json.loads(ready.read_text())
                self.api_port = int(ports["api_port"])
                self.ws_port = int(ports["ws_port"])
                return
            if proc.poll() is not None:
                raise BackendError(
                    f"{self.kind} backend exited with {proc.returncode}:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                _kill(proc)
                raise BackendError(
                    f"{self.kind} backend not ready after {self.start_timeout}s:\n{self.log_tail()}"
                )
            time.sleep(POLL_S)

    def kill(self) -> None:
        """SIGKILL the server: a crash, connections drop without a goodbye."""
        if self._proc is not None:
            _kill(self._proc)
        self.frozen = False

    def restart(self) -> None:
        """Kill (if running) and start again on the same ports; counters start from zero."""
        self.kill()
        self.start()

    def close(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and remove its temporary files."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _kill(proc)
        if self._finalizer is not None:
            self._finalizer.detach()
        self.frozen = False
        shutil.rmtree(self._dir, ignore_errors=True)

    def freeze(self) -> None:
        """SIGSTOP the server: ports stay open, nothing answers (stats() too, until resume())."""
        if self._proc is None or self._proc.poll() is not None:
            raise BackendError("backend is not running")
        self._proc.send_signal(signal.SIGSTOP)
        self.frozen = True

    def resume(self) -> None:
        """SIGCONT a frozen server."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGCONT)
        self.frozen = False

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------ control API

    def control(self, method: str, path: str, body: Any = None, *, timeout: float = 10.0) -> Any:
        """One request to the control API (the methods below wrap it): JSON ``body`` in,
        the JSON answer out; ``BackendError`` names an HTTP error and its body."""
        data = None if body is None and method in ("GET", "DELETE") else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.api_port}{path}",
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise BackendError(f"{method} {path} -> {exc.code}: {detail}") from exc

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.control("GET", "/control/stats")
        return result

    def set_fault(
        self,
        token: str | None = None,
        socket: str | None = None,
        *,
        retry_after: str | None = None,
        status: int | None = None,
    ) -> None:
        """Set both fault switches (None clears one).

        Token faults: ``"500"``, ``"hang"`` (answered once cleared), ``"non-json"``,
        ``"no-token"``, ``"no-cors"`` and ``"busy"``: ``status`` (503 when None, or 429)
        with ``{"error": "busy"}`` and, unless ``retry_after`` is None, the header
        ``Retry-After: <retry_after>`` verbatim. Socket faults: ``"reject-token"``,
        ``"no-ack"``, ``"ack-error"``. ``retry_after`` and ``status`` only go with
        ``token="busy"`` (the server answers 400 otherwise).
        """
        body: dict[str, Any] = {"token": token, "socket": socket}
        if token == "busy" or retry_after is not None or status is not None:
            body["retry_after"] = retry_after
            body["status"] = status
        self.control("POST", "/control/fault", body)

    def set_ack(self, value: Any) -> None:
        """Every later ack is exactly ``value`` (any JSON value, ``None`` included)."""
        self.control("POST", "/control/ack", value)

    def clear_ack(self) -> None:
        self.control("DELETE", "/control/ack")

    def set_clusters(self, clusters: list[Any], *, evolve: bool = False) -> None:
        """Replace the cluster data; it stops evolving unless ``evolve``."""
        self.control("POST", "/control/clusters" + ("?evolve=1" if evolve else ""), clusters)

    def set_scenario(
        self, scenario: str, clusters: int | None = None, shards_per_cluster: int | None = None
    ) -> None:
        body: dict[str, Any] = {"scenario": scenario}
        if clusters is not None:
            body["clusters"] = clusters
        if shards_per_cluster is not None:
            body["shards_per_cluster"] = shards_per_cluster
        self.control("POST", "/control/scenario", body)

    def get_clusters(self) -> list[Any]:
        result: list[Any] = self.control("GET", "/control/clusters")
        return result

    def tick(self) -> None:
        """One evolution step now (a no-op on the Node server)."""
        self.control("POST", "/control/tick")

    def expire_tokens(self) -> None:
        """Expire every token issued so far."""
        self.control("POST", "/control/expire-tokens")

    def reset(self) -> None:
        """Clear faults, ack override, tokens and counters; restore the start-up data."""
        self.control("POST", "/control/reset")

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20
    ) -> dict[str, Any]:
        """Poll ``stats()`` until ``predicate(stats)``; return those stats."""
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | None = None
        while True:
            last = self.stats()
            if predicate(last):
                return last
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{self.kind} backend: condition not met within {timeout}s; last stats: "
                    f"{json.dumps(last)}"
                )
            time.sleep(POLL_S)

    def __repr__(self) -> str:
        return f"Backend({self.kind!r}, api={self.api_port}, ws={self.ws_port}, pid={self.pid})"
