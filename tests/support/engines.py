"""Firefox ESR and WebKitGTK behind one small interface, for the engine tests and the bench.

    with start_engine("webkit") as engine:
        engine.open("http://127.0.0.1:8000/")
        engine.wait("return document.documentElement.hasAttribute('data-ready')", 60)
        engine.eval("return window.statuspage.debug.python")  # 'main'

Both engines run JavaScript as the body of an async function (``return`` the value; JSON
values only) and are opened fresh per ``open``. Chromium stays on Playwright
(``tests.support.pages``); these two have no Playwright build here.

- **Firefox ESR** (Debian ``firefox-esr``, ``$FIREFOX_PATH``): WebDriver BiDi through npm
  ``puppeteer-core``, in a small Node process (``tests/engines/firefox-driver.mjs``) that
  answers one JSON line per request. ``open`` makes a new browser context: empty cache
  and storage. Console and page errors are recorded.
- **WebKitGTK** (Debian ``webkit2gtk-driver``, ``$WEBKIT_DRIVER_PATH`` and
  ``$WEBKIT_BROWSER_PATH``): ``WebKitWebDriver`` starts ``MiniBrowser --automation`` under
  ``xvfb-run``, driven by PyPI ``selenium`` as a remote WebDriver. One session per engine
  instance; ``open`` navigates through ``about:blank`` (cache and storage are kept).
  Classic WebDriver cannot read the console, so ``errors()`` is ``None``.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Protocol

from tests.support.paths import ROOT

FIREFOX_DRIVER = ROOT / "tests" / "engines" / "firefox-driver.mjs"

EngineName = Literal["firefox", "webkit"]
ENGINES: tuple[EngineName, ...] = ("firefox", "webkit")

#: Debian's locations, each overridable by an environment variable.
FIREFOX_PATH = "/usr/bin/firefox-esr"
WEBKIT_DRIVER_PATH = "/usr/bin/WebKitWebDriver"
WEBKIT_BROWSER_GLOB = "/usr/lib/*/webkit2gtk-4.*/MiniBrowser"  # Debian's multiarch path

POLL_S = 0.1


class EngineError(RuntimeError):
    pass


class Engine(Protocol):
    name: EngineName
    version: str

    def open(self, url: str) -> None:
        """Load ``url`` in a fresh page; returns once the document is parsed."""

    def eval(self, body: str, timeout: float = 30) -> Any:
        """The value of ``(async () => { body })()`` in the page, within ``timeout`` s."""

    def wait(self, body: str, timeout: float) -> Any:
        """Poll ``body`` until it returns something truthy; that value. TimeoutError after."""

    def errors(self) -> dict[str, list[str]] | None:
        """Console errors and uncaught page errors since ``open``; None if not observable."""

    def close(self) -> None: ...


def firefox_path() -> str:
    return os.environ.get("FIREFOX_PATH") or FIREFOX_PATH


def webkit_paths() -> tuple[str, str]:
    """WebKitWebDriver and the MiniBrowser it starts."""
    browser = os.environ.get("WEBKIT_BROWSER_PATH")
    if not browser:
        found = sorted(glob.glob(WEBKIT_BROWSER_GLOB))
        browser = found[-1] if found else WEBKIT_BROWSER_GLOB
    return os.environ.get("WEBKIT_DRIVER_PATH") or WEBKIT_DRIVER_PATH, browser


def missing(name: EngineName) -> str | None:
    """Why ``name`` cannot start here (what to install), or None."""
    if name == "firefox":
        if not Path(firefox_path()).exists():
            return f"Firefox ESR not found at {firefox_path()} (apt-get install firefox-esr)"
        if not (ROOT / "node_modules" / "puppeteer-core").exists():
            return "npm puppeteer-core is not installed (npm ci)"
        return None
    driver, browser = webkit_paths()
    if not Path(driver).exists() or not Path(browser).exists():
        return f"{driver} or {browser} not found (apt-get install webkit2gtk-driver)"
    if shutil.which("xvfb-run") is None:
        return "xvfb-run not found (apt-get install xvfb)"
    return None


class Firefox:
    """Firefox ESR through ``tests/engines/firefox-driver.mjs`` (puppeteer-core, BiDi)."""

    name: EngineName = "firefox"

    def __init__(self, start_timeout: float = 60) -> None:
        node = shutil.which("node")
        if node is None:
            raise EngineError("node is not on PATH")
        self._proc = subprocess.Popen(
            [node, str(FIREFOX_DRIVER)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "FIREFOX_PATH": firefox_path()},
        )
        self._next_id = 0
        hello = self._read()
        if not hello.get("ready"):
            raise EngineError(f"firefox driver did not start: {hello}")
        self.version = str(hello["version"])

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise EngineError(f"firefox driver exited with {self._proc.wait()}")
        message: dict[str, Any] = json.loads(line)
        return message

    def _call(self, op: str, **args: Any) -> Any:
        assert self._proc.stdin is not None
        self._next_id += 1
        self._proc.stdin.write(json.dumps({"id": self._next_id, "op": op, **args}) + "\n")
        self._proc.stdin.flush()
        answer = self._read()
        if answer.get("id") != self._next_id:
            raise EngineError(f"firefox driver answered out of turn: {answer}")
        if not answer["ok"]:
            error = str(answer["error"])
            if error.startswith("TimeoutError"):
                raise TimeoutError(f"firefox: {error}")
            raise EngineError(f"firefox {op}: {error}")
        return answer["value"]

    def open(self, url: str) -> None:
        self._call("open", url=url)

    def eval(self, body: str, timeout: float = 30) -> Any:
        return self._call("eval", body=body, timeout_ms=int(timeout * 1000))

    def wait(self, body: str, timeout: float) -> Any:
        return self._call("wait", body=body, timeout_ms=int(timeout * 1000))

    def errors(self) -> dict[str, list[str]] | None:
        errors: dict[str, list[str]] = self._call("errors")
        return errors

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()  # the driver closes Firefox and exits
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()


# The page's promise settles the WebDriver callback either way, so a rejected promise is
# an error here rather than a script timeout.
_ASYNC_WRAPPER = """const done = arguments[arguments.length - 1];
(async () => { %s })().then(
  (value) => done({ok: true, value: value === undefined ? null : value}),
  (error) => done({ok: false, error: String(error && error.stack || error)}));"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WebKit:
    """WebKitGTK: WebKitWebDriver + MiniBrowser under xvfb-run, through selenium."""

    name: EngineName = "webkit"

    def __init__(self, start_timeout: float = 60) -> None:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options

        driver_path, browser_path = webkit_paths()
        port = _free_port()
        # -a: the first free display; the driver and MiniBrowser both run inside it.
        self._proc = subprocess.Popen(
            ["xvfb-run", "-a", driver_path, f"--port={port}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", port), 0.5).close()
                    break
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise EngineError(f"WebKitWebDriver did not listen on {port}")
                time.sleep(POLL_S)
            options = Options()
            options.binary_location = browser_path
            options.add_argument("--automation")
            # Selenium 4.51 itself passes the address the way it deprecates, for every
            # browser but Chrome and Edge: its warning says nothing about this code.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "setting remote_server_addr", DeprecationWarning)
                self._driver = webdriver.Remote(
                    command_executor=f"http://127.0.0.1:{port}", options=options
                )
        except BaseException:
            self._kill()
            raise
        self.version = str(self._driver.capabilities.get("browserVersion", "?"))

    def open(self, url: str) -> None:
        self._driver.get("about:blank")
        self._driver.get(url)

    def eval(self, body: str, timeout: float = 30) -> Any:
        self._driver.set_script_timeout(timeout)
        answer = self._driver.execute_async_script(_ASYNC_WRAPPER % body)
        if not answer["ok"]:
            raise EngineError(f"webkit: {answer['error']}")
        return answer["value"]

    def wait(self, body: str, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.eval(body)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"webkit: not true within {timeout:g} s: {body}")
            time.sleep(POLL_S)

    def errors(self) -> dict[str, list[str]] | None:
        return None

    def _kill(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._driver.quit()
        self._kill()


@contextlib.contextmanager
def start_engine(name: EngineName) -> Iterator[Engine]:
    """Start ``name``; closed (browser, driver and display) on exit."""
    engine: Engine = Firefox() if name == "firefox" else WebKit()
    try:
        yield engine
    finally:
        engine.close()
