"""The page in the other two engines people browse with: Firefox ESR and WebKitGTK.

Chromium (Playwright, ``tests/browser/``) covers the page in depth; here the same built
sites, served with their production headers (``dist/_headers``: COOP, COEP, CSP), are
opened in Firefox ESR (WebDriver BiDi) and WebKitGTK (WebKitWebDriver), see
``tests/support/engines.py``. Every check is written once in :class:`EngineChecks` and
runs per engine in ``TestFirefox`` / ``TestWebKit``: select one with ``-m firefox`` or
``-m webkit``.

Python runs in PyScript's worker in both. How it reaches the page differs: Firefox has
``SharedArrayBuffer`` under cross-origin isolation; WebKitGTK reports
``crossOriginIsolated`` but has no ``SharedArrayBuffer``, so there the worker talks to
the page by messages only (``static/apply.js``), where it used to hang at "Connecting…".
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from app.model.head_start import TOKEN_MAX_AGE_S
from tests.support import ROOT
from tests.support.backends import Backend
from tests.support.controls import (
    CONTROLS,
    ENTER,
    HELD_RUNTIME,
    PYTHONS_CONTROLS,
    THEME,
    WAITING_ID,
    type_lookup,
)
from tests.support.engines import Engine, EngineError, EngineName, missing, start_engine
from tests.support.pages import HIDE, JS_STATE_NAMES, SHOW, VIOLATIONS
from tests.support.site import (
    FAST_FAIL,
    HELD_BUNDLE,
    Served,
    built_site,
    live_env,
    serve,
    serve_live,
)

BOOT_TIMEOUT_S = 90
READY = "return document.documentElement.hasAttribute('data-ready')"
LIVE = "return document.documentElement.dataset.source === 'live'"
# The service worker's scope once it is active (it registers once data is on screen).
WORKER_SCOPE = """const registration = await navigator.serviceWorker?.getRegistration();
return registration?.active ? registration.scope : null;"""
SHARD_STATES = """return Object.fromEntries([...document.querySelectorAll('[data-shard-id]')]
  .map(e => [e.dataset.shardId, e.dataset.state]))"""
# Typed into the lookup field as a visitor would (the page listens for input events).
TYPE_GUILD = """const input = document.getElementById('guild-input');
input.value = '%d';
input.dispatchEvent(new Event('input', {bubbles: true}));
return null;"""
FOUND = """const found = [...document.querySelectorAll('[data-found]')].map(e => e.dataset.shardId);
return found.length && found;"""
# After a press: "watching" where the engine grants notifications (Firefox here, by its
# profile), else "unavailable": the control is marked as unable and says why.
WATCH_RESULT = """const b = document.getElementById('watch');
const granted = typeof Notification === 'function' && Notification.permission === 'granted';
if (granted) return document.documentElement.hasAttribute('data-watching') && 'watching';
return b.getAttribute('aria-disabled') === 'true'
  && document.getElementById('watch-status').textContent !== '' && 'unavailable';"""
CACHED = "return document.documentElement.dataset.source === 'cache'"
# eval() from a task of the page's own, as an injected string would run.
EVAL_LATER = """return await new Promise(done => setTimeout(() => {
  try { done(eval('1 + 1')); } catch (error) { done(error.name); }
}));"""
# The live sites ask every 3 s: long enough to tell "one request on return" from the next
# scheduled one on a loaded machine.
REFRESH_S = 3

DEGRADED: list[dict[str, Any]] = json.loads((ROOT / "mock" / "degraded.json").read_text())
SHARD_COUNT = len({i for c in DEGRADED for i in c["shardList"]})
# (guild >> 22) % 16 == 1: cluster 0's shard 1, Reconnecting in mock/degraded.json.
RECONNECTING_GUILD = 1174109841002598546


def running_shard_states(clusters: list[dict[str, Any]]) -> dict[str, str]:
    """What the page must show: each shard of a running cluster by its discord.js name."""
    return {
        str(s["id"]): JS_STATE_NAMES[s["status"]]
        for c in clusters
        if c["status"] == "running"
        for s in c.get("shards", [])
    }


def attribute(engine: Engine, name: str) -> Any:
    return engine.eval(f"return document.documentElement.getAttribute({json.dumps(name)})")


def assert_clean(engine: Engine, tolerated: tuple[str, ...] = ()) -> None:
    """No page errors and no console errors beyond ``tolerated`` substrings (where the
    engine lets us see them: WebKitGTK's classic WebDriver does not)."""
    errors = engine.errors()
    if errors is None:
        return
    for kind in ("page", "console"):
        assert [e for e in errors[kind] if not any(t in e for t in tolerated)] == [], kind


@pytest.fixture(scope="session")
def firefox() -> Iterator[Engine]:
    with _engine("firefox") as engine:
        yield engine


@pytest.fixture(scope="session")
def webkit() -> Iterator[Engine]:
    with _engine("webkit") as engine:
        yield engine


def _engine(name: EngineName) -> Any:
    reason = missing(name)
    if reason is not None:
        pytest.fail(f"{name}: {reason}; or deselect it with -m 'not {name}'")
    return start_engine(name)


# Class-scoped: each engine's class has its own server (they may run in parallel).
@pytest.fixture(scope="class")
def node_backend() -> Iterator[Backend]:
    with Backend("node", scenario="degraded") as backend:
        yield backend


@pytest.fixture(scope="class")
def node_site(node_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(node_backend, sites_dir, refresh=REFRESH_S) as served:
        yield served


@pytest.fixture
def stalled_site(sites_dir: Path) -> Iterator[Served]:
    """The mock site built with short boot limits, behind a server whose wasm never ends."""
    served = serve(built_site(sites_dir, **FAST_FAIL), faults=[("*/pyodide.asm.wasm", "stall")])
    yield served
    served.close()


@pytest.fixture
def held_site(sites_dir: Path) -> Iterator[Served]:
    """The preview site behind a server that holds the runtime's wasm until released."""
    served = serve(built_site(sites_dir, STATUSPAGE_MOCK="always"), faults=[HELD_RUNTIME])
    yield served
    served.close()


@pytest.fixture
def held_live_site(node_backend: Backend, sites_dir: Path) -> Iterator[Served]:
    """The live site (node_site's build), its app bundle held until released."""
    env = live_env(node_backend, refresh=REFRESH_S)
    served = serve(built_site(sites_dir, **env), faults=[HELD_BUNDLE])
    yield served
    served.close()


@pytest.fixture
def node(node_backend: Backend) -> Backend:
    """The Node socket.io server, running, with counters, faults and data reset."""
    if not node_backend.alive():
        node_backend.start()
    node_backend.reset()
    return node_backend


class EngineChecks:
    """The issue's checks, once; each subclass names its engine and where Python runs."""

    engine_name: ClassVar[EngineName]
    python_runs_in: ClassVar[str]
    shared_array_buffer: ClassVar[str]  # typeof SharedArrayBuffer under isolation
    watch_result: ClassVar[str]  # what pressing #watch leads to (WATCH_RESULT)

    @pytest.fixture
    def engine(self, request: pytest.FixtureRequest) -> Engine:
        engine: Engine = request.getfixturevalue(self.engine_name)
        return engine

    def open_ready(self, engine: Engine, url: str) -> None:
        engine.open(url)
        engine.wait(READY, BOOT_TIMEOUT_S)

    def test_preview_reaches_data_ready_with_python_where_expected(
        self, engine: Engine, mock_site: Served
    ) -> None:
        """The mock site boots to data-ready with every shard, Python in the expected place."""
        self.open_ready(engine, f"{mock_site.url}/?scenario=degraded")
        assert attribute(engine, "data-source") == "mock"
        assert engine.eval("return crossOriginIsolated") is True
        assert engine.eval("return typeof SharedArrayBuffer") == self.shared_array_buffer
        assert engine.eval("return window.statuspage.debug.python") == self.python_runs_in
        assert engine.eval(SHARD_STATES) == running_shard_states(DEGRADED)
        assert_clean(engine)

    def test_live_node_server_renders_its_shard_states(
        self, engine: Engine, node: Backend, node_site: Served
    ) -> None:
        """With production headers, live data from socket.io@4 shows each shard's state,
        and the service worker registers with the whole site as its scope."""
        engine.open(node_site.url + "/")
        engine.wait(LIVE, BOOT_TIMEOUT_S)
        assert engine.eval(SHARD_STATES) == running_shard_states(node.get_clusters())
        assert engine.wait(WORKER_SCOPE, 30) == node_site.url + "/"
        assert attribute(engine, "data-connection") == "connected"
        assert engine.eval("return window.statuspage.debug.python") == self.python_runs_in
        stats = node.stats()
        assert set(stats["last_auth"]) == {"token"}
        assert stats["emits"] >= 1
        assert_clean(engine)

    def test_the_connection_starts_in_the_worker_before_python_runs(
        self, engine: Engine, node: Backend, held_live_site: Served
    ) -> None:
        """The connection's head start: with Python held back (its app bundle), the worker
        has already asked for the token and opened the socket; once Python runs, live
        data comes over that socket: one socket in all, and one token request, or a
        second only if Python started more than TOKEN_MAX_AGE_S after the first was
        answered (this engine's boot under load can take longer)."""
        engine.open(held_live_site.url + "/")
        node.wait_for(lambda s: s["token_requests"] == 1 and s["sockets"] == 1, timeout=60)
        assert attribute(engine, "data-boot") == "loading"
        held_live_site.release_held()
        engine.wait(LIVE, BOOT_TIMEOUT_S)
        stats = node.stats()
        assert (stats["sockets"], stats["connects"]) == (1, 1)
        times = stats["token_times"]
        assert len(times) == 1 or (len(times) == 2 and times[1] - times[0] > TOKEN_MAX_AGE_S)
        assert_clean(engine)

    def test_guild_link_marks_the_shard_the_guild_is_on(
        self, engine: Engine, node: Backend, node_site: Served
    ) -> None:
        """?guild= on live data: exactly one [data-found], the shard Discord's formula gives."""
        shard = (RECONNECTING_GUILD >> 22) % SHARD_COUNT
        engine.open(f"{node_site.url}/?guild={RECONNECTING_GUILD}")
        engine.wait(LIVE, BOOT_TIMEOUT_S)
        found = engine.wait(
            """const found = [...document.querySelectorAll('[data-found]')];
            return found.length && found.map(e => [e.dataset.shardId, e.dataset.state]);""",
            10,
        )
        assert found == [[str(shard), "Reconnecting"]]
        assert_clean(engine)

    def test_server_killed_and_restarted_the_page_recovers(
        self, engine: Engine, node: Backend, node_site: Served
    ) -> None:
        """Kill the socket.io process, start it again: fresh data arrives without a reload."""
        engine.open(node_site.url + "/")
        engine.wait(LIVE, BOOT_TIMEOUT_S)
        node.kill()
        engine.wait(
            "return ['offline', 'reconnecting'].includes("
            "document.documentElement.dataset.connection)",
            20,
        )
        node.restart()
        clusters = node.get_clusters()
        running = next(c for c in clusters if c["status"] == "running")
        shard_id = running["shards"][0]["id"]
        running["shards"][0]["status"] = 3  # Idle: data only the restarted server has
        node.set_clusters(clusters)
        idle = f'[data-shard-id="{shard_id}"][data-state="Idle"]'
        engine.wait(f"return !!document.querySelector({json.dumps(idle)})", 45)
        assert attribute(engine, "data-connection") == "connected"
        assert node.stats()["connects"] >= 1
        # Firefox itself reports the refused WebSocket while the server is down, as a page
        # error ("Firefox can't establish a connection to the server at ws://…"); no page
        # code can silence it.
        assert_clean(engine, tolerated=(f"ws://localhost:{node.ws_port}/",))

    def test_hidden_tab_asks_nothing_and_exactly_once_on_return(
        self, engine: Engine, node: Backend, node_site: Served
    ) -> None:
        """No emit reaches the server while hidden; becoming visible sends exactly one."""
        engine.open(node_site.url + "/")
        engine.wait(LIVE, BOOT_TIMEOUT_S)
        node.wait_for(lambda s: s["emits"] >= 1)
        engine.eval(f"({HIDE})()")
        hidden_from = node.stats()["emits"]
        engine.eval(f"await new Promise(r => setTimeout(r, {2 * REFRESH_S * 1000}))")
        assert node.stats()["emits"] == hidden_from, "asked while hidden"
        engine.eval(f"({SHOW})()")  # visibilitychange and focus together: still one request
        node.wait_for(lambda s: s["emits"] >= hidden_from + 1, timeout=REFRESH_S - 0.5)
        assert node.stats()["emits"] == hidden_from + 1
        assert node.stats()["max_in_flight"] <= 1
        assert_clean(engine)

    def test_a_stalled_runtime_download_is_named_not_left_connecting(
        self, engine: Engine, stalled_site: Served
    ) -> None:
        """The wasm never finishes: data-boot=failed, the reason, a Reload button, and the
        bot's status stays unknown."""
        en = json.loads((ROOT / "locales" / "en.json").read_text(encoding="utf-8"))
        engine.open(stalled_site.url + "/")
        engine.wait("return document.documentElement.dataset.boot === 'failed'", 60)
        assert attribute(engine, "data-boot-reason") == "download-stalled"
        assert attribute(engine, "data-status") == "unknown"
        assert attribute(engine, "data-ready") is None
        text = "return document.getElementById(%s).textContent"
        assert engine.eval(text % "'overall-title'") == en["boot.failed"]
        assert engine.eval(text % "'overall-detail'") == en["boot.reason.download-stalled"]
        assert engine.eval(text % "'boot-reload'").strip() == en["boot.reload"]

    def test_controls_wait_marked_while_python_downloads_then_work(
        self, engine: Engine, held_site: Served
    ) -> None:
        """While the wasm is held: Python's controls are marked as waiting, the theme
        toggle works, a lookup typed and entered stays and says when it is answered.
        Once Python runs: the marks are gone, the lookup is answered without pressing
        anything, and the controls work."""
        en = json.loads((ROOT / "locales" / "en.json").read_text(encoding="utf-8"))
        engine.open(f"{held_site.url}/?scenario=degraded")
        engine.wait("return document.readyState !== 'loading'", 30)
        state = engine.eval(CONTROLS)
        assert state["boot"] == "loading", state
        pythons = [c for c in state["controls"] if c["id"] != "theme-toggle"]
        assert {c["id"] for c in pythons} >= set(PYTHONS_CONTROLS)
        for control in pythons:
            assert control["disabled"] == "true", control
            assert WAITING_ID in control["describedby"].split(), control
        assert state["waiting"] == en["boot.controls_waiting"]
        engine.eval(THEME)
        state = engine.eval(CONTROLS)
        assert state["themePressed"] == ("true" if state["theme"] == "dark" else "false")
        chosen = state["theme"]
        assert chosen in ("dark", "light")
        engine.eval(type_lookup(str(RECONNECTING_GUILD)))
        assert engine.eval(ENTER) is True  # the submission was prevented: no navigation
        state = engine.eval(CONTROLS)
        assert engine.eval("return window.stayed === true")
        assert state["field"] == str(RECONNECTING_GUILD)
        assert state["result"] == en["lookup.until_started"]
        assert state["search"] == "?scenario=degraded" and state["boot"] == "loading"

        held_site.release_held()
        engine.wait(READY, BOOT_TIMEOUT_S)
        state = engine.eval(CONTROLS)
        assert not any(WAITING_ID in (c["describedby"] or "") for c in state["controls"])
        assert not any(
            c["disabled"] for c in state["controls"] if c["id"] not in ("watch", "theme-toggle")
        )
        found = engine.eval(
            "return [...document.querySelectorAll('[data-found]')].map(e => e.dataset.shardId)"
        )
        assert found == ["1"]
        assert f"guild={RECONNECTING_GUILD}" in state["search"]
        assert state["theme"] == chosen and engine.eval("return window.stayed === true")
        engine.eval("document.getElementById('problems-only').click(); return true;")
        engine.wait(
            "return document.getElementById('problems-only').getAttribute('aria-pressed')"
            " === 'true'",
            10,
        )

    def test_after_a_failed_boot_pythons_controls_are_hidden_the_rest_works(
        self, engine: Engine, stalled_site: Served
    ) -> None:
        """Once the page says it could not start, Python's controls and the lookup are
        gone; the language links and the theme toggle remain, and the toggle works."""
        engine.open(stalled_site.url + "/")
        engine.wait("return document.documentElement.dataset.boot === 'failed'", 60)
        state = engine.eval(CONTROLS)
        pythons = [c for c in state["controls"] if c["id"] != "theme-toggle"]
        assert {c["id"] for c in pythons} >= set(PYTHONS_CONTROLS)
        assert not any(c["shown"] for c in pythons), pythons
        assert state["lookup"]["shown"] is False
        shown_links = engine.eval(
            "return [...document.querySelectorAll('a[data-locale]')]"
            ".filter(a => a.getClientRects().length > 0).length"
        )
        assert shown_links == 4
        before = state["theme"]
        engine.eval(THEME)
        after = engine.eval(CONTROLS)
        assert after["theme"] in ("dark", "light") and after["theme"] != before

    def test_the_watch_control_appears_and_follows_the_engines_permission(
        self, engine: Engine, mock_site: Served
    ) -> None:
        """#watch is there, not pressed, localized; where this engine (under automation)
        has no Notification or has it denied, the control is aria-disabled and says why,
        as documented; otherwise it is a working toggle. Never watching on load."""
        en = json.loads((ROOT / "locales" / "en.json").read_text(encoding="utf-8"))
        self.open_ready(engine, f"{mock_site.url}/?scenario=degraded")
        control = engine.eval(
            """const b = document.getElementById('watch');
            return b && {tag: b.tagName, text: b.textContent,
              pressed: b.getAttribute('aria-pressed'), disabled: b.getAttribute('aria-disabled'),
              permission: b.dataset.permission,
              status: document.getElementById('watch-status').textContent,
              engine: typeof Notification !== 'function' ? 'unsupported'
                : String(Notification.permission)};"""
        )
        assert control["tag"] == "BUTTON"
        assert control["text"] == en["watch.toggle"]
        assert control["pressed"] == "false"
        assert attribute(engine, "data-watching") is None
        assert control["permission"] == control["engine"]
        if control["engine"] in ("unsupported", "denied"):
            assert control["disabled"] == "true"
            assert control["status"] == en[f"watch.{control['engine']}"]
        else:
            assert control["disabled"] is None
            assert control["status"] == ""
        assert_clean(engine)

    def test_german_page_speaks_german(self, engine: Engine, mock_site: Served) -> None:
        """/de/ renders with lang=de and the German texts from locales/de.json."""
        de = json.loads((ROOT / "locales" / "de.json").read_text(encoding="utf-8"))
        self.open_ready(engine, f"{mock_site.url}/de/?scenario=degraded")
        assert attribute(engine, "lang") == "de"
        assert (
            engine.eval("return document.getElementById('overall-title').textContent")
            == (de["overall.degraded"])
        )
        labels = engine.eval(
            "return [...document.querySelectorAll('[data-shard-id] .shard-state')]"
            ".map(e => e.textContent)"
        )
        assert de["shard.state.reconnecting"] in labels
        assert engine.eval("return document.title") == de["title.status"].replace(
            "{status}", de["overall.degraded"]
        )
        assert_clean(engine)

    def test_every_flow_under_the_strict_policy_without_a_violation(
        self, engine: Engine, mock_site: Served, node: Backend, node_site: Served
    ) -> None:
        """The production CSP (no 'unsafe-eval'; Trusted Types required, which this
        engine enforces too): the preview, find-my-shard, the watch control, live data,
        and a second visit painting the last known status, with not one violation
        counted on the page or in Python's worker (window.statuspageBoot())."""
        self.open_ready(engine, f"{mock_site.url}/?scenario=degraded")
        assert engine.eval("return typeof window.trustedTypes") == "object"
        assert engine.eval("return window.statuspage.debug.python") == self.python_runs_in
        engine.eval(TYPE_GUILD % RECONNECTING_GUILD)
        shard = (RECONNECTING_GUILD >> 22) % SHARD_COUNT
        assert engine.wait(FOUND, 20) == [str(shard)]
        engine.eval("document.getElementById('watch').click()")
        assert engine.wait(WATCH_RESULT, 20) == self.watch_result
        assert engine.eval(f"return {VIOLATIONS}") == []
        assert_clean(engine)

        engine.open(node_site.url + "/")
        engine.wait(LIVE, BOOT_TIMEOUT_S)
        engine.wait("return localStorage.getItem('statuspage-last') !== null", 20)
        assert engine.eval(f"return {VIOLATIONS}") == []
        node.set_fault(token="hang")  # the stored status stays on screen until released
        engine.eval("setTimeout(() => location.reload()); return null")
        across_navigation(engine, CACHED, 60)
        node.set_fault(token=None)
        across_navigation(engine, LIVE, BOOT_TIMEOUT_S)
        assert engine.eval(f"return {VIOLATIONS}") == []
        # The count is real: a string made into code is blocked, and counted.
        assert engine.eval(EVAL_LATER) == "EvalError"
        engine.wait(f"return {VIOLATIONS}.length === 1", 10)


def across_navigation(engine: Engine, body: str, timeout: float) -> Any:
    """``engine.wait`` while the page may still be navigating (its old document can be
    gone under the driver's feet: asked again then)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return engine.wait(body, max(1.0, deadline - time.monotonic()))
        except EngineError:
            if time.monotonic() > deadline:
                raise


# One group per engine: under `make browser` (xdist --dist loadgroup) each engine's tests
# share one browser and one server on one worker.
@pytest.mark.firefox
@pytest.mark.xdist_group("firefox")
class TestFirefox(EngineChecks):
    engine_name = "firefox"
    python_runs_in = "worker"
    shared_array_buffer = "function"
    watch_result = "watching"


@pytest.mark.webkit
@pytest.mark.xdist_group("webkit")
class TestWebKit(EngineChecks):
    engine_name = "webkit"
    python_runs_in = "worker"
    shared_array_buffer = "undefined"  # even though crossOriginIsolated is true
    watch_result = "unavailable"  # MiniBrowser under automation grants no notifications
