"""The page's driver: picks a source, runs the refresh loop, draws each change once.

Data flows one way: source -> ``parse_ack`` -> ``PageState`` -> ``PageView`` -> one batch
of DOM operations. The controller holds the only mutable state: ``state`` (the data and
the link), ``ui`` (the visitor's choices, changed only by ``app.reducer.reduce``) and
the change log. Whatever changes any of them calls ``invalidate()``; one painter task
draws the page once for everything that changed since it last drew (``paint``, which
hands the pass to ``app.painter.Painter``). The
browser is reached through ``app.ports.BrowserPort`` (``app.runtime.Browser`` in the
page, ``tests.support.RecordingBrowser`` in tests).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from app.last_known_view import LastKnownView
from app.model.changelog import ChangeLog
from app.model.config import Config
from app.model.i18n import Catalogue
from app.model.link import Connection, Reason
from app.model.mock_policy import should_use_mock
from app.model.page_state import PageState, SourceKind
from app.model.scheduler import Outcome, Scheduler
from app.model.shard_lookup import parse_guild_input
from app.model.snapshot import AckRejected, parse_ack
from app.model.ui_state import UiState
from app.model.watch import Permission, Watch
from app.painter import Painter
from app.ports import BrowserPort, SourceFactory, UiEvent
from app.reducer import (
    AskNotifications,
    Copied,
    CopyDiagnostics,
    DataArrived,
    Effect,
    Event,
    FocusShard,
    HideDetails,
    NotificationsAnswered,
    SearchChanged,
    SetGuildParam,
    StoreTheme,
    StoreWatch,
    reduce,
)
from app.render.page import PageView
from app.render.report import diagnostics_report
from app.seam import LOOKUP_INPUT, Action, PageKind, UiKind
from app.transport.source import SourceUnavailable, StatusSource
from app.watcher import Watcher

__all__ = ["Controller"]

# How often relative times and uptimes are redrawn between refreshes.
_TICK_SECONDS = 1.0
# How long the first refresh waits for the live connection before offering mock data.
_FIRST_CONNECT_GRACE_SECONDS = 4.0
# How long a pass waits for an ask that a new connection made due to go out first.
_ASK_FIRST_SECONDS = 0.5
# Upper bound on one refresh, ack timeout and first-connection grace included.
_REFRESH_DEADLINE_SECONDS = 20.0
# Failed asks that reached the bot's server: they count as a busy server; the others
# (not connected, the connection dropped while waiting) never reached it.
_UNANSWERED = {Reason.ACK_TIMEOUT: Outcome.NO_ANSWER, Reason.ACK_ERROR: Outcome.NO_ANSWER}


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
        self.scheduler = Scheduler(
            config.refresh_seconds,
            visible=browser.visible(),
            now=monotonic(),
            hidden_interval=config.hidden_refresh_seconds,
        )
        self.watcher = Watcher(browser, catalogue)
        self._wake = asyncio.Event()  # the refresh loop has something to reconsider
        self._dirty = asyncio.Event()  # the page needs drawing
        # Cleared while an ask is about to go out: the painter lets it leave first, so the
        # ask's round trip overlaps the pass (a first render takes a while), not follows it.
        self._asked = asyncio.Event()
        self._asked.set()
        self._live: StatusSource | None = None
        self._mock: StatusSource | None = None
        self._live_shown = False
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        self._answered_in: float | None = None  # the last ask's round trip, for the scheduler
        # the last known status painted before Python started.
        self.last_known = LastKnownView(browser, view, catalogue.locale, config.version)
        self.painter = Painter(browser, self.last_known, monotonic)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """The synchronous part of ``run``: listen to the page, read the visitor's choices
        from it (theme, ``?guild=``, watching) and draw the first frame."""
        b = self.browser
        b.listen("document", PageKind.VISIBILITYCHANGE, self._on_visibility)
        b.listen("window", PageKind.FOCUS, self._on_focus)
        b.listen("window", PageKind.ONLINE, self._on_online)
        b.listen("window", PageKind.OFFLINE, self._on_offline)
        b.listen("window", PageKind.PAGEHIDE, self._on_pagehide)
        for kind in UiKind:
            b.listen("document", kind, self._on_ui_event)
        # Listening takes the form over: the main thread prevents its submission and sends
        # nothing (PageKind.SUBMIT's declared handling), so any handler will do.
        b.listen("document", PageKind.SUBMIT, self._on_ui_event)
        search = b.location().search
        guild = b.query_param("guild")
        # Typed into the lookup field before Python ran: the field keeps it, and it is
        # answered below as if typed now (taking the place of ``?guild=``).
        typed = b.typed_lookup().strip()
        if guild and not typed:
            b.set_input_value(LOOKUP_INPUT, guild)
        self.ui = UiState(
            theme=b.stored_theme(),
            system_dark=b.prefers_dark(),
            search=search,
            lookup=parse_guild_input(guild) if guild else None,
            # The remembered choice counts only with the permission granted now.
            watch=Watch(b.stored_watch(), Permission.parse(b.notification_permission())),
        )
        if typed:
            self.dispatch(UiEvent(UiKind.INPUT, action=Action.LOOKUP, value=typed))
        self._follow_watch()
        self.paint()

    async def run(self) -> None:
        """Start, then run the refresh loop until the page closes."""
        if self.config.connects and self.sources.live is not None:
            self._live = self.sources.live(self._on_connection)
            self._tasks.append(asyncio.ensure_future(self._live.start()))
            # One turn of the loop before the first frame: the connection's first requests
            # (its token, its socket) are under way while the frame is drawn and sent.
            await asyncio.sleep(0)
        self.start()
        self._tasks.append(asyncio.ensure_future(self._tick()))
        self._tasks.append(asyncio.ensure_future(self._painter()))
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
                outcome = Outcome.NOT_ASKED
                self._answered_in = None
                try:
                    outcome = await asyncio.wait_for(self.refresh(), _REFRESH_DEADLINE_SECONDS)
                except TimeoutError:
                    outcome = Outcome.NO_ANSWER
                    self._set_state(
                        self.state.with_connection(self.state.connection, Reason.ACK_TIMEOUT)
                    )
                finally:
                    # Every started request is reported finished, or refreshing stops for good.
                    self.scheduler.on_request_finished(self.monotonic(), outcome, self._answered_in)
                    self._follow_cadence()
                continue
            self._wake.clear()
            await _wait_event(self._wake, self.scheduler.next_wakeup(now))

    async def _tick(self) -> None:
        while not self._closed:
            await asyncio.sleep(_TICK_SECONDS)
            if self.browser.visible():
                self.invalidate()

    async def _painter(self) -> None:
        while not self._closed:
            await self._dirty.wait()
            if not self._asked.is_set():
                await _wait_event(self._asked, _ASK_FIRST_SECONDS)
                self._asked.set()
            self.paint()

    # -- one refresh ----------------------------------------------------------------------

    async def refresh(self) -> Outcome:
        """Ask the current source once; the outcome tells the scheduler how busy the bot's
        server is (only the live source's answers count)."""
        source = await self._pick_source()
        if source is None:
            self.invalidate()
            return Outcome.NOT_ASKED
        asked = self.monotonic()
        fetching = asyncio.ensure_future(source.fetch())
        self._asked.set()  # the ask leaves as that task starts, ahead of the painter
        try:
            ack = await fetching
        except SourceUnavailable as exc:
            if source.kind is SourceKind.LIVE and self._may_use_mock():
                return await self.refresh_from(await self._mock_source())
            self._set_state(self.state.with_connection(self._link_state(), self._reason(exc)))
            return _UNANSWERED.get(exc.reason, Outcome.NOT_ASKED)
        finally:
            fetching.cancel()  # the refresh's deadline passed: the ask is abandoned too
        # The server's answer time, without this page's parsing of it.
        self._answered_in = self.monotonic() - asked
        self.accept(ack, source.kind)
        return Outcome.ANSWERED if source.kind is SourceKind.LIVE else Outcome.NOT_ASKED

    async def refresh_from(self, source: StatusSource) -> Outcome:
        """Ask ``source`` (the preview data) once; it is never the bot's server."""
        try:
            ack = await source.fetch()
        except (SourceUnavailable, OSError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, SourceUnavailable) else Reason.MOCK
            self._set_state(self.state.with_connection(self.state.connection, reason))
            return Outcome.NOT_ASKED
        self.accept(ack, source.kind)
        return Outcome.NOT_ASKED

    def accept(self, ack: object, kind: SourceKind) -> bool:
        """One answer from a source, as the refresh loop gets it: parse, update state,
        notify, draw (``invalidate``: the painter draws it soon, once). False if the answer
        was rejected; the page then says why."""
        parsed = parse_ack(ack, self.browser.now_ms())
        if isinstance(parsed, AckRejected):
            self._set_state(self.state.with_rejection(parsed.problem))
            return False
        first = self.state.snapshot is None
        if kind is SourceKind.LIVE:
            self._live_shown = True
        now = self.browser.now_ms()
        self.changes.observe(
            now,
            ((c.id, ((s.id, int(s.state), s.ping_ms) for s in c.shards)) for c in parsed.clusters),
        )
        self._set_state(self.state.with_snapshot(parsed, kind, now))
        self.watcher.answer(parsed, kind, self.ui)
        self.dispatch(DataArrived(first))
        return True

    async def _pick_source(self) -> StatusSource | None:
        if self._live is None:
            return await self._mock_source()
        if self.state.connection is Connection.CONNECTING and not self._live_shown:
            await self._await_first_connection()
        if self.state.connection is Connection.CONNECTED or not self._may_use_mock():
            return self._live
        return await self._mock_source()

    async def _await_first_connection(self) -> None:
        deadline = self.monotonic() + _FIRST_CONNECT_GRACE_SECONDS
        while self.state.connection is Connection.CONNECTING and not self.state.failing:
            remaining = deadline - self.monotonic()
            if remaining <= 0:
                return
            self._wake.clear()
            await _wait_event(self._wake, remaining)

    async def _mock_source(self) -> StatusSource:
        if self._mock is None:
            self._mock = self.sources.mock()
        return self._mock

    def _may_use_mock(self) -> bool:
        where = self.browser.location()
        return should_use_mock(
            self.config.mock,
            protocol=where.protocol,
            hostname=where.hostname,
            search=where.search,
            live_ever_shown=self._live_shown,
        )

    def _link_state(self) -> Connection:
        if not self.browser.online():
            return Connection.OFFLINE
        return self.state.connection

    def _reason(self, exc: SourceUnavailable) -> Reason:
        """The reason a failed refresh shows: offline wins; "not connected" keeps the why."""
        if not self.browser.online():
            return Reason.OFFLINE
        if exc.reason == Reason.NOT_CONNECTED and self.state.error is not None:
            # The link's own reason (token refused, server unreachable...) says more.
            return self.state.error
        return exc.reason

    # -- the page's events ------------------------------------------------------------------

    def _on_connection(
        self, connection: Connection, reason: Reason | None, retry_in: float | None = None
    ) -> None:
        if not self.browser.online():
            connection, reason = Connection.OFFLINE, Reason.OFFLINE
        retry_at_ms = None
        if reason is Reason.TOKEN_BUSY and retry_in is not None:
            retry_at_ms = self.browser.now_ms() + retry_in * 1000
        self._set_state(self.state.with_connection(connection, reason, retry_at_ms))
        if connection is Connection.CONNECTED:
            # The first answer, or the first after a reconnection (the data on screen is
            # probably stale by now), should not wait for the next tick of the cadence.
            self.scheduler.ask_now(self.monotonic())
            self._asked.clear()
        self._wake.set()

    def _on_visibility(self, _event: Any) -> None:
        visible = self.browser.visible()
        self.scheduler.on_visibility(visible, self.monotonic())
        self._wake.set()
        if visible:
            self.invalidate()

    def _on_focus(self, _event: Any) -> None:
        self.scheduler.on_focus(self.monotonic())
        self._wake.set()

    def _on_online(self, _event: Any) -> None:
        self._set_state(self.state.with_connection(Connection.RECONNECTING, None))
        reconnect = getattr(self._live, "reconnect_now", None)
        if reconnect is not None:
            reconnect()
        self.scheduler.ask_now(self.monotonic())
        self._wake.set()

    def _on_offline(self, _event: Any) -> None:
        self._set_state(self.state.with_connection(Connection.OFFLINE, Reason.OFFLINE))

    def _on_pagehide(self, event: Any) -> None:
        if not getattr(event, "persisted", False):
            self._tasks.append(asyncio.ensure_future(self.close()))

    def _on_ui_event(self, raw: Any) -> None:
        self.dispatch(self.browser.ui_event(raw))

    # -- the visitor's actions: reducer and effects ---------------------------------------------

    def dispatch(self, event: Event) -> None:
        """Reduce ``event`` into ``ui``, run what it asks for, and draw if anything changed."""
        ui, effects = reduce(self.ui, event, self.state.snapshot)
        if ui is not self.ui:
            self.ui = ui
            self._follow_watch()
            self.invalidate()
        for effect in effects:
            self._run(effect)

    def _run(self, effect: Effect) -> None:
        b = self.browser
        if isinstance(effect, StoreTheme):
            b.store_theme(effect.theme)
        elif isinstance(effect, HideDetails):
            b.hide_details()
        elif isinstance(effect, FocusShard):
            self.painter.focus_after_next_pass(effect.shard_id)
            self.invalidate()
        elif isinstance(effect, SetGuildParam):
            guild = None if effect.guild_id is None else str(effect.guild_id)
            self.painter.scroll_again()
            self.dispatch(SearchChanged(b.replace_query_param("guild", guild)))
        elif isinstance(effect, CopyDiagnostics):
            self._tasks.append(asyncio.ensure_future(self._copy_diagnostics()))
        elif isinstance(effect, StoreWatch):
            b.store_watch(effect.on)
        elif isinstance(effect, AskNotifications):
            self._tasks.append(asyncio.ensure_future(self._ask_notifications()))

    async def _copy_diagnostics(self) -> None:
        self.paint()  # the report says what the page says now
        said = self.painter.last
        assert said is not None
        text = diagnostics_report(
            self.t,
            lookup=said.lookup_text,
            overall=said.status_label,
            now_ms=self.browser.now_ms(),
            version=self.config.version,
            source=self.state.source.value if self.state.source else "none",
        )
        self.dispatch(Copied(await self.browser.write_clipboard(text)))

    # -- watching for changes (the rules live in app.model.watch) -------------------------------

    async def _ask_notifications(self) -> None:
        # The request was made by the click itself, on the main thread; this awaits it.
        answer = await self.browser.request_notifications()
        self.dispatch(NotificationsAnswered(Permission.parse(answer)))

    def _follow_watch(self) -> None:
        """Hidden tabs keep asking exactly while watching."""
        if self.scheduler.watching is not self.ui.watch.active:
            self.scheduler.set_watching(self.ui.watch.active)
            self._wake.set()  # a hidden tab's next ask may have moved

    def _follow_cadence(self) -> None:
        """The page says when it asks less often for a busy server, and judges staleness by
        the interval it keeps now."""
        s = self.scheduler
        state = self.state.with_cadence(s.current_interval, s.busy)
        if state is not self.state:
            self._set_state(state)

    # -- drawing --------------------------------------------------------------------------

    def _set_state(self, state: PageState) -> None:
        self.state = state
        self.invalidate()

    def invalidate(self) -> None:
        """Something on screen changed: the painter draws it soon, once."""
        self._dirty.set()

    def paint(self) -> None:
        """Draw now, once, everything that changed (``app.painter``)."""
        self._dirty.clear()
        self.painter.paint(self.state, self.ui, self.changes)
