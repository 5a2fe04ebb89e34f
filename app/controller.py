"""The page's driver: picks a source, runs the refresh loop, renders each answer once.

Data flows one way: source -> ``parse_ack`` -> ``PageState`` -> ``PageView`` -> one batch
of DOM operations. The controller holds the only mutable state; the browser reaches it
through a small port (``app.runtime.Browser`` in the page, a fake in tests).

Public names: Controller, BrowserPort, SourceFactory
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.model.changelog import ChangeLog
from app.model.config import Config
from app.model.i18n import Catalogue
from app.model.mock_policy import MockPolicy, mock_allowed
from app.model.page_state import Connection, PageState, SourceKind
from app.model.scheduler import Scheduler
from app.model.shard_lookup import parse_guild_input
from app.model.snapshot import AckRejected, Snapshot, healthy_cluster_ids, parse_ack
from app.model.vocabulary import OverallStatus, ShardState
from app.render.cached import CachedPaint
from app.render.favicon import FAVICON_SIZE, favicon_drawing
from app.render.page import PageView, UiState, visible_shards
from app.render.report import diagnostics_report
from app.transport.source import SourceUnavailable, StatusSource

__all__ = ["BrowserPort", "Controller", "SourceFactory", "UiEvent"]

# How often relative times and uptimes are redrawn between refreshes.
_TICK_SECONDS = 1.0
# How long the first refresh waits for the live connection before offering mock data.
_FIRST_CONNECT_GRACE_SECONDS = 4.0
# With more clusters than this, healthy ones start folded so problems are visible at once.
_FOLD_HEALTHY_ABOVE = 12
# Upper bound on one refresh, ack timeout and first-connection grace included.
_REFRESH_DEADLINE_SECONDS = 20.0


async def _wait_event(event: asyncio.Event, timeout: float | None) -> None:
    """Wait until ``event`` is set or ``timeout`` seconds pass (``None``: no limit).

    Not ``asyncio.wait_for``: its timeout is a ``call_at`` computed a moment earlier, and
    Pyodide's WebLoop raises "Can't schedule in the past" when a tiny timeout has already
    elapsed by then, which killed the refresh loop for good. ``asyncio.wait`` schedules a
    relative ``call_later`` instead.
    """
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=timeout)
    finally:
        waiter.cancel()


class BrowserPort(Protocol):
    """Listen targets are ``"window"`` and ``"document"``; handlers get an event object
    with ``kind`` and ``persisted`` that ``ui_event`` reduces to a :class:`UiEvent`."""

    def location(self) -> tuple[str, str, str, str]: ...
    def visible(self) -> bool: ...
    def online(self) -> bool: ...
    def now_ms(self) -> float: ...
    def apply(self, ops: list[Any]) -> None: ...
    def flush(self) -> None: ...
    def set_title(self, title: str) -> None: ...
    def set_favicon(self, drawing: list[tuple[Any, ...]], size: int) -> None: ...
    def announce(self, text: str) -> None: ...
    def listen(
        self, target: Any, kind: str, handler: Callable[[Any], None], capture: bool = False
    ) -> Any: ...
    def mark_ready(self) -> None: ...
    def close(self) -> None: ...
    def record_render(self, kind: str, ms: float) -> None: ...
    def query_param(self, name: str) -> str | None: ...
    def replace_query_param(self, name: str, value: str | None) -> str: ...
    def set_input_value(self, element_id: str, value: str) -> None: ...
    def scroll_to_shard(self, shard_id: int) -> None: ...
    def focus_shard(self, shard_id: int) -> None: ...
    def show_details(self, shard_id: int) -> None: ...
    def hide_details(self) -> None: ...
    async def write_clipboard(self, text: str) -> bool: ...
    def stored_theme(self) -> str | None: ...
    def store_theme(self, theme: str) -> None: ...
    def prefers_dark(self) -> bool: ...
    def ui_event(self, event: Any) -> UiEvent: ...
    def cached_shown(self) -> bool: ...
    def drop_cached(self) -> None: ...
    def store_snapshot(self, payload: str | None) -> None: ...


@dataclass(frozen=True)
class UiEvent:
    """A DOM event reduced to what the controller needs (built by the runtime seam)."""

    kind: str  # click, keydown, input, focusin, focusout, pointerover, pointerout
    action: str | None = None  # data-action of the nearest element that has one
    value: str | None = None  # its data-value, or the input's value
    cluster: int | None = None  # data-cluster of the action element
    shard_id: int | None = None  # data-shard-id of the nearest shard
    grid_cluster: int | None = None  # data-cluster of the shard's grid
    key: str | None = None
    pointer: str | None = None  # pointerType: mouse, pen, touch
    in_details: bool = False  # inside the shard details popover
    related_shard: int | None = None  # focusout/pointerout: the shard being entered


@dataclass(frozen=True)
class SourceFactory:
    """Builds sources on demand, so a page that never needs mock data never loads it."""

    live: Callable[[Callable[[Connection, str | None], None]], StatusSource] | None
    mock: Callable[[], StatusSource]


class Controller:
    def __init__(
        self,
        browser: BrowserPort,
        config: Config,
        catalogue: Catalogue,
        view: PageView,
        sources: SourceFactory,
        monotonic: Callable[[], float],
    ) -> None:
        self.browser = browser
        self.config = config
        self.t = catalogue
        self.view = view
        self.sources = sources
        self.monotonic = monotonic
        self.state = PageState.initial(config.refresh_seconds)
        self.ui = UiState()
        self.changes = ChangeLog()
        self._open_reason: str | None = None
        self._scrolled_to: int | None = None
        self._folded_initially = False
        self._rendered_snapshot: Snapshot | None = None
        self.scheduler = Scheduler(
            config.refresh_seconds, visible=browser.visible(), now=monotonic()
        )
        self._wake = asyncio.Event()
        self._live: StatusSource | None = None
        self._mock: StatusSource | None = None
        self._live_shown = False
        self._ready = False
        self._favicon_status: OverallStatus | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        # Issue 14: the last known status painted before Python started (static/cached-paint.js).
        self.cached = CachedPaint(shown=bool(browser.cached_shown()))

    # -- lifecycle ------------------------------------------------------------------------

    async def run(self) -> None:
        b = self.browser
        b.listen("document", "visibilitychange", self._on_visibility)
        b.listen("window", "focus", self._on_focus)
        b.listen("window", "online", self._on_online)
        b.listen("window", "offline", self._on_offline)
        b.listen("window", "pagehide", self._on_pagehide)
        for kind in (
            "click",
            "keydown",
            "input",
            "focusin",
            "focusout",
            "pointerover",
            "pointerout",
        ):
            b.listen("document", kind, self._on_ui_event)
        # Listening takes the form over: the main thread prevents the submission itself.
        b.listen("document", "submit", self._on_submit)
        self.ui.theme = b.stored_theme()
        self.ui.system_dark = b.prefers_dark()
        _, _, self.ui.search, _ = b.location()
        guild = b.query_param("guild")
        if guild:
            b.set_input_value("guild-input", guild)
            self.ui.lookup = parse_guild_input(guild)
        self.render()
        if self.config.mock is not MockPolicy.ALWAYS and self.sources.live is not None:
            self._live = self.sources.live(self._on_connection)
            self._tasks.append(asyncio.ensure_future(self._live.start()))
        self._tasks.append(asyncio.ensure_future(self._tick()))
        await self._refresh_loop()

    async def close(self) -> None:
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for source in (self._live, self._mock):
            if source is not None:
                with contextlib.suppress(Exception):
                    await source.close()
        self.browser.close()

    async def _refresh_loop(self) -> None:
        while not self._closed:
            now = self.monotonic()
            if self.scheduler.due(now):
                self.scheduler.on_request_started(now)
                ok = False
                try:
                    ok = await asyncio.wait_for(self.refresh(), _REFRESH_DEADLINE_SECONDS)
                except TimeoutError:
                    self.state = self.state.with_connection(self.state.connection, "ack-timeout")
                    self.render()
                finally:
                    # Every started request is reported finished, or refreshing stops for good.
                    self.scheduler.on_request_finished(self.monotonic(), ok)
                continue
            self._wake.clear()
            await _wait_event(self._wake, self.scheduler.next_wakeup(now))

    async def _tick(self) -> None:
        while not self._closed:
            await asyncio.sleep(_TICK_SECONDS)
            if self.browser.visible():
                self.render()

    # -- one refresh ----------------------------------------------------------------------

    async def refresh(self) -> bool:
        """Ask the current source once; returns whether usable data arrived."""
        source = await self._pick_source()
        if source is None:
            self.render()
            return False
        try:
            ack = await source.fetch()
        except SourceUnavailable as exc:
            if source.kind is SourceKind.LIVE and self._mock_permitted():
                return await self.refresh_from(await self._mock_source())
            self.state = self.state.with_connection(self._link_state(), self._reason(exc.reason))
            self.render()
            return False
        return self._accept(ack, source.kind)

    async def refresh_from(self, source: StatusSource) -> bool:
        try:
            ack = await source.fetch()
        except (SourceUnavailable, OSError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, SourceUnavailable) else "mock"
            self.state = self.state.with_connection(self.state.connection, reason)
            self.render()
            return False
        return self._accept(ack, source.kind)

    def _accept(self, ack: object, kind: SourceKind) -> bool:
        parsed = parse_ack(ack, self.browser.now_ms())
        if isinstance(parsed, AckRejected):
            self.state = self.state.with_rejection(parsed.problem)
            self.render()
            return False
        if kind is SourceKind.LIVE:
            self._live_shown = True
        now = self.browser.now_ms()
        self.changes.observe(
            now,
            ((c.id, ((s.id, int(s.state), s.ping_ms) for s in c.shards)) for c in parsed.clusters),
        )
        if not self._folded_initially:
            self._folded_initially = True
            if len(parsed.clusters) > _FOLD_HEALTHY_ABOVE:
                self.ui.collapsed = set(healthy_cluster_ids(parsed))
        self.state = self.state.with_snapshot(parsed, kind, now)
        self.render()
        return True

    async def _pick_source(self) -> StatusSource | None:
        if self._live is None:
            return await self._mock_source()
        if self.state.connection is Connection.CONNECTING and not self._live_shown:
            await self._await_first_connection()
        if self.state.connection is Connection.CONNECTED or not self._mock_permitted():
            return self._live
        return await self._mock_source()

    async def _await_first_connection(self) -> None:
        deadline = self.monotonic() + _FIRST_CONNECT_GRACE_SECONDS
        while self.state.connection is Connection.CONNECTING and self.state.error is None:
            remaining = deadline - self.monotonic()
            if remaining <= 0:
                return
            self._wake.clear()
            await _wait_event(self._wake, remaining)

    async def _mock_source(self) -> StatusSource:
        if self._mock is None:
            self._mock = self.sources.mock()
        return self._mock

    def _mock_permitted(self) -> bool:
        if self._live_shown or self.config.mock is MockPolicy.NEVER:
            return False
        protocol, hostname, search, _ = self.browser.location()
        return mock_allowed(self.config.mock, protocol=protocol, hostname=hostname, search=search)

    def _link_state(self) -> Connection:
        if not self.browser.online():
            return Connection.OFFLINE
        return self.state.connection

    def _reason(self, reason: str) -> str:
        """The reason a failed refresh shows: offline wins; "not connected" keeps the why."""
        if not self.browser.online():
            return "offline"
        if reason == "not-connected" and self.state.error is not None:
            # The link's own reason (token refused, server unreachable...) says more.
            return self.state.error
        return reason

    # -- events ---------------------------------------------------------------------------

    def _on_connection(self, connection: Connection, reason: str | None) -> None:
        if not self.browser.online():
            connection, reason = Connection.OFFLINE, "offline"
        self.state = self.state.with_connection(connection, reason)
        if connection is Connection.CONNECTED:
            # The first answer, or the first after a reconnection (the data on screen is
            # probably stale by now), should not wait for the next tick of the cadence.
            self.scheduler.ask_now(self.monotonic())
        self._wake.set()
        self.render()

    def _on_visibility(self, _event: Any) -> None:
        visible = self.browser.visible()
        self.scheduler.on_visibility(visible, self.monotonic())
        self._wake.set()
        if visible:
            self.render()

    def _on_focus(self, _event: Any) -> None:
        self.scheduler.on_focus(self.monotonic())
        self._wake.set()

    def _on_online(self, _event: Any) -> None:
        self.state = self.state.with_connection(Connection.RECONNECTING, None)
        reconnect = getattr(self._live, "reconnect_now", None)
        if reconnect is not None:
            reconnect()
        self.scheduler.ask_now(self.monotonic())
        self._wake.set()
        self.render()

    def _on_offline(self, _event: Any) -> None:
        self.state = self.state.with_connection(Connection.OFFLINE, "offline")
        self.render()

    def _on_pagehide(self, event: Any) -> None:
        if not getattr(event, "persisted", False):
            self._tasks.append(asyncio.ensure_future(self.close()))

    # -- the visitor's actions -------------------------------------------------------------

    def _on_submit(self, _event: Any) -> None:
        """Never reached: static/apply.js prevents the submission and sends nothing."""

    def _on_ui_event(self, raw: Any) -> None:
        event = self.browser.ui_event(raw)
        handler = getattr(self, f"_ui_{event.kind}", None)
        if handler is not None and handler(event, raw):
            self.render()

    def _ui_input(self, event: UiEvent, _raw: Any) -> bool:
        if event.action != "lookup":
            return False
        text = event.value or ""
        self.ui.lookup = parse_guild_input(text) if text.strip() else None
        # The URL names the server the page answers for, or none: a link shared after
        # invalid input must not point at the server typed before it.
        guild_id = self.ui.lookup.guild_id if self.ui.lookup is not None else None
        self.ui.search = self.browser.replace_query_param(
            "guild", None if guild_id is None else str(guild_id)
        )
        self._scrolled_to = None
        return True

    def _ui_click(self, event: UiEvent, _raw: Any) -> bool:
        action = event.action
        if event.shard_id is not None:
            self._open(event.shard_id, "click")
            return True
        if action == "filter-state" and event.value:
            state = ShardState[_STATE_BY_JS_NAME[event.value]]
            self.ui.state_filter = None if self.ui.state_filter is state else state
        elif action == "problems-only":
            self.ui.problems_only = not self.ui.problems_only
        elif action == "clear-filter":
            self.ui.state_filter, self.ui.problems_only = None, False
        elif action == "fold" and event.cluster is not None:
            self.ui.collapsed ^= {event.cluster}
        elif action == "fold-healthy" and self.state.snapshot is not None:
            healthy = healthy_cluster_ids(self.state.snapshot)
            self.ui.collapsed = set() if healthy <= self.ui.collapsed else set(healthy)
        elif action == "theme":
            dark = self.ui.theme == "dark" if self.ui.theme else self.ui.system_dark
            self.ui.theme = "light" if dark else "dark"
            self.browser.store_theme(self.ui.theme)
        elif action == "copy":
            self._tasks.append(asyncio.ensure_future(self._copy_diagnostics()))
            return False
        elif not event.in_details and self.ui.open_shard is not None:
            return self._close_details()
        else:
            return False
        return True

    def _ui_keydown(self, event: UiEvent, _raw: Any) -> bool:
        if event.key == "Escape":
            return self._close_details()
        if event.shard_id is None or event.grid_cluster is None or self.state.snapshot is None:
            return False
        cluster = next(
            (c for c in self.state.snapshot.clusters if c.id == event.grid_cluster), None
        )
        if cluster is None:
            return False
        ids = [s.id for s in visible_shards(cluster, self.ui)]
        if event.shard_id not in ids:
            return False
        index = ids.index(event.shard_id)
        moves = {
            "ArrowRight": index + 1,
            "ArrowDown": index + 1,
            "ArrowLeft": index - 1,
            "ArrowUp": index - 1,
            "Home": 0,
            "End": len(ids) - 1,
        }
        if event.key not in moves:
            return False
        # The page's own scrolling by these keys was prevented on the main thread.
        target = ids[max(0, min(len(ids) - 1, moves[event.key]))]
        self.ui.focus_shard[cluster.id] = target
        self.render()
        self.browser.focus_shard(target)
        return False

    def _ui_focusin(self, event: UiEvent, _raw: Any) -> bool:
        if event.shard_id is None:
            return False
        if event.grid_cluster is not None:
            self.ui.focus_shard[event.grid_cluster] = event.shard_id
        self._open(event.shard_id, "focus")
        return True

    def _ui_focusout(self, event: UiEvent, _raw: Any) -> bool:
        leaving = event.shard_id is not None and event.related_shard is None
        if leaving and self._open_reason == "focus" and self.ui.open_shard == event.shard_id:
            return self._close_details()
        return False

    def _ui_pointerover(self, event: UiEvent, _raw: Any) -> bool:
        if event.pointer != "mouse" or event.shard_id is None:
            return False
        if self.ui.open_shard == event.shard_id:
            return False
        if self._open_reason in (None, "hover"):
            self._open(event.shard_id, "hover")
            return True
        return False

    def _ui_pointerout(self, event: UiEvent, _raw: Any) -> bool:
        if event.pointer != "mouse" or event.shard_id is None or event.related_shard is not None:
            return False
        if self._open_reason == "hover" and not event.in_details:
            return self._close_details()
        return False

    def _open(self, shard_id: int, reason: str) -> None:
        self.ui.open_shard = shard_id
        self._open_reason = reason

    def _close_details(self) -> bool:
        if self.ui.open_shard is None:
            return False
        self.ui.open_shard = None
        self._open_reason = None
        self.browser.hide_details()
        return True

    async def _copy_diagnostics(self) -> None:
        kind, answer = self.view.lookup_answer(self.state.snapshot, self.ui)
        text = diagnostics_report(
            self.t,
            lookup=answer if kind else None,
            overall=self.view.overall_label(self.state),
            now_ms=self.browser.now_ms(),
            version=self.config.version,
            source=self.state.source.value if self.state.source else "none",
        )
        ok = await self.browser.write_clipboard(text)
        self.ui.copy_status = "copy.done" if ok else "copy.failed"
        self.render()

    # -- drawing --------------------------------------------------------------------------

    def render(self) -> None:
        started = self.monotonic()
        now = self.browser.now_ms()
        # Issue 14: the painted last known status stays until data arrives, then goes in
        # the same batch as the first data is drawn (app/render/cached.py).
        if self.cached.take_over(self.state.snapshot is not None):
            self.browser.drop_cached()
        ops = self.view.render(self.state, self.ui, now, self.changes)
        if self.cached.shown:
            ops = self.cached.hold(ops)
            self.view.forget(self.cached.held_keys())
        self.browser.apply(ops)
        overall = self.state.overall
        label = self.view.overall_label(self.state)
        self.browser.set_title(self.t.text("title.status", status=label))
        found = self.view.found_shard(self.state.snapshot, self.ui)
        if found is not None and found != self._scrolled_to:
            self._scrolled_to = found
            self.browser.scroll_to_shard(found)
        if self.ui.open_shard is not None:
            self.browser.show_details(self.ui.open_shard)
        if self.state.snapshot is not None and overall is not self._favicon_status:
            self.browser.set_favicon(favicon_drawing(overall), FAVICON_SIZE)
            if self._favicon_status is not None:
                # Only a change is announced; the first answer and routine refreshes are not.
                self.browser.announce(label)
            self._favicon_status = overall
        if not self._ready and self.state.snapshot is not None:
            self._ready = True
            self.browser.mark_ready()
        kind = "data" if self.state.snapshot is not self._rendered_snapshot else "view"
        self._rendered_snapshot = self.state.snapshot
        self.browser.record_render(kind, (self.monotonic() - started) * 1000)
        # Issue 14: only live data is kept, after the render is recorded (not part of it).
        if kind == "data" and self.state.source is SourceKind.LIVE:
            self.browser.store_snapshot(
                self.cached.payload(
                    self.view.rendered(),
                    saved_at_ms=self.state.last_success_ms or now,
                    locale=self.t.locale,
                    version=self.config.version,
                )
            )
        # Everything above reaches the page as one call (one round trip from a worker).
        self.browser.flush()


_STATE_BY_JS_NAME = {state.js_name: state.name for state in ShardState}
