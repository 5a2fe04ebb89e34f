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

from app.model.config import Config
from app.model.i18n import Catalogue
from app.model.mock_policy import MockPolicy, mock_allowed
from app.model.page_state import Connection, PageState, SourceKind
from app.model.scheduler import Scheduler
from app.model.snapshot import AckRejected, parse_ack
from app.model.vocabulary import OVERALL_STYLES, OverallStatus
from app.render.favicon import FAVICON_SIZE, favicon_drawing
from app.render.page import PageView, UiState
from app.transport.source import SourceUnavailable, StatusSource

__all__ = ["BrowserPort", "Controller", "SourceFactory"]

# How often relative times and uptimes are redrawn between refreshes.
_TICK_SECONDS = 1.0
# How long the first refresh waits for the live connection before offering mock data.
_FIRST_CONNECT_GRACE_SECONDS = 4.0
# Upper bound on one refresh, ack timeout and first-connection grace included.
_REFRESH_DEADLINE_SECONDS = 20.0


class BrowserPort(Protocol):
    window: Any
    document: Any

    def location(self) -> tuple[str, str, str, str]: ...
    def visible(self) -> bool: ...
    def online(self) -> bool: ...
    def now_ms(self) -> float: ...
    def apply(self, ops: list[Any]) -> None: ...
    def set_title(self, title: str) -> None: ...
    def set_favicon(self, drawing: list[tuple[Any, ...]], size: int) -> None: ...
    def announce(self, text: str) -> None: ...
    def listen(
        self, target: Any, kind: str, handler: Callable[[Any], None], capture: bool = False
    ) -> Any: ...
    def mark_ready(self) -> None: ...
    def close(self) -> None: ...


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

    # -- lifecycle ------------------------------------------------------------------------

    async def run(self) -> None:
        b = self.browser
        b.listen(b.document, "visibilitychange", self._on_visibility)
        b.listen(b.window, "focus", self._on_focus)
        b.listen(b.window, "online", self._on_online)
        b.listen(b.window, "offline", self._on_offline)
        b.listen(b.window, "pagehide", self._on_pagehide)
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
            wait = self.scheduler.next_wakeup(now)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

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
            self.state = self.state.with_connection(self._link_state(), exc.reason)
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
        self.state = self.state.with_snapshot(parsed, kind, self.browser.now_ms())
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
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=remaining)

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

    # -- events ---------------------------------------------------------------------------

    def _on_connection(self, connection: Connection, reason: str | None) -> None:
        if not self.browser.online():
            connection, reason = Connection.OFFLINE, "offline"
        self.state = self.state.with_connection(connection, reason)
        if connection is Connection.CONNECTED and not self._live_shown:
            # The first live answer should not wait for the next tick of the cadence.
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

    # -- drawing --------------------------------------------------------------------------

    def render(self) -> None:
        now = self.browser.now_ms()
        self.browser.apply(self.view.render(self.state, self.ui, now))
        overall = self.state.overall
        label = (
            self.t.text("overall.connecting")
            if self.state.snapshot is None
            else self.t.text(OVERALL_STYLES[overall].label_key)
        )
        self.browser.set_title(self.t.text("title.status", status=label))
        if self.state.snapshot is not None and overall is not self._favicon_status:
            self.browser.set_favicon(favicon_drawing(overall), FAVICON_SIZE)
            if self._favicon_status is not None:
                # Only a change is announced; the first answer and routine refreshes are not.
                self.browser.announce(label)
            self._favicon_status = overall
        if not self._ready and self.state.snapshot is not None:
            self._ready = True
            self.browser.mark_ready()
