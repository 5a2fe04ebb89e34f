"""A page for the controller without a browser: ``RecordingBrowser`` implements
``app.ports.BrowserPort`` and records what was asked of it.

In the spirit of httpx's ``MockTransport``: every port method does what
``app.runtime.Browser`` does, on plain Python state (the location, the stored theme and
watch choice, the notification permission) instead of the page's. Writes are queued as
the same commands the runtime sends to ``static/apply.js`` (``["apply", ops]``,
``["setTitle", title]``, ``["storeLastKnown", payload]``...) and grouped into a batch at
each ``flush``; what a test usually asks about is also kept by kind (``notes``,
``clipboard``, ``stored_last_known``, ``title``...). The page's events are fired by the test
(``fire``, ``set_visible``, ``set_online``) to the handlers the controller registered.

    browser = RecordingBrowser(permission="granted", watch=True)
    c = make_controller(browser)
    c.start()
    c.accept(ack(...), SourceKind.LIVE)
    assert browser.notes == [...]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.ports import Location, UiEvent
from app.seam import Command
from tests.support.clock import NOW

__all__ = ["Listener", "PageEvent", "RecordingBrowser"]


@dataclass(frozen=True)
class PageEvent:
    """A DOM event as the main thread describes it (``describe`` in static/apply.js): what
    ``app.runtime.browser.PageEvent`` holds, and what ``BrowserPort.ui_event`` reduces."""

    kind: str
    target: str = "document"
    persisted: bool = False
    ui: Mapping[str, Any] | None = None


@dataclass
class Listener:
    """One registered listener; ``close()`` removes it, as the runtime's does."""

    id: int
    target: str
    kind: str
    handler: Callable[[Any], None]
    capture: bool
    browser: RecordingBrowser = field(repr=False)

    def close(self) -> None:
        self.browser.unlisten(self.id)


class RecordingBrowser:
    """``BrowserPort`` on plain state; see the module docstring.

    ``url``: the page's address (``query`` entries are set on it); ``visible`` and
    ``online``: the page now; ``now_ms``: its clock (a plain attribute, move it freely);
    ``theme``, ``watch``: what ``localStorage`` remembers; ``prefers_dark``: the system
    theme; ``permission``: ``Notification.permission`` at boot (granted, denied, default,
    unsupported) and ``answer``: what the visitor answers when asked; ``last_known``:
    whether the paint script showed the last known status; ``clipboard_works``: what the
    Clipboard API's promise resolves to; ``typed``: what the lookup field held when
    Python started (typed before it ran).
    """

    def __init__(
        self,
        *,
        url: str = "https://status.test/",
        query: Mapping[str, str] | None = None,
        visible: bool = True,
        online: bool = True,
        now_ms: float = NOW,
        theme: str | None = None,
        prefers_dark: bool = False,
        watch: bool = False,
        permission: str = "default",
        answer: str = "granted",
        last_known: bool = False,
        clipboard_works: bool = True,
        typed: str = "",
    ) -> None:
        self.href = url
        for name, value in (query or {}).items():
            self._set_param(name, value)
        self.is_visible = visible
        self.is_online = online
        self.clock_ms = now_ms
        self.theme = theme
        self.dark = prefers_dark
        self.watch = watch
        self.permission = permission
        self.answer = answer
        self.last_known = last_known
        self.clipboard_works = clipboard_works
        self.typed = typed
        # What was asked of the page, in order: every command, and the flushed batches.
        self.commands: list[list[Any]] = []
        self.batches: list[list[list[Any]]] = []
        self._queue: list[list[Any]] = []
        self.listeners: dict[int, Listener] = {}
        self._next_id = 1
        # The same, by kind.
        self.title: str | None = None
        self.favicon: tuple[list[tuple[Any, ...]], int] | None = None
        self.announced: list[str] = []
        self.renders: list[tuple[str, float]] = []
        self.inputs: dict[str, str] = {}
        self.scrolled_to: list[int] = []
        self.focused: list[int] = []
        self.details: int | None = None  # the shard whose details popover is open
        self.clipboard: list[str] = []
        self.notes: list[tuple[str, str]] = []  # notifications shown: (title, body)
        self.asked = 0  # notification permission requests
        self.stored_last_known: list[str | None] = []  # payloads kept for the next visit
        self.dropped_last_known = False
        self.ready = False
        self.closed = False

    # -- what a test reads back -----------------------------------------------------------

    def sent(self, name: str) -> list[list[Any]]:
        """The arguments of every ``name`` command, in order."""
        return [command[1:] for command in self.commands if command[0] == name]

    def ops(self) -> list[list[Any]]:
        """Every DOM operation applied, in order (``static/apply.js`` ``applyOps``)."""
        return [op for (ops,) in self.sent("apply") for op in ops]

    def listened(self, target: str) -> list[str]:
        """The event kinds listened for on ``target`` ("window" or "document"), in order."""
        return [item.kind for item in self.listeners.values() if item.target == target]

    # -- what a test does as the page -----------------------------------------------------

    def fire(self, target: str, kind: str, *, persisted: bool = False, **ui: Any) -> int:
        """Dispatch one event to the handlers listening for it; ``ui`` fields (action,
        value, shard_id...) make it a described UI event. Returns how many handlers ran."""
        event = PageEvent(kind, target, persisted, {"kind": kind, **ui} if ui else None)
        handlers = [
            item.handler
            for item in self.listeners.values()
            if item.target == target and item.kind == kind
        ]
        for handler in handlers:
            handler(event)
        return len(handlers)

    def set_visible(self, visible: bool) -> None:
        """The tab is shown or hidden: ``visibilitychange`` on the document."""
        self.is_visible = visible
        self.fire("document", "visibilitychange")

    def set_online(self, online: bool) -> None:
        """The network comes or goes: ``online`` or ``offline`` on the window."""
        self.is_online = online
        self.fire("window", "online" if online else "offline")

    # -- BrowserPort: reading the page ------------------------------------------------------

    def location(self) -> Location:
        parts = urlsplit(self.href)
        search = f"?{parts.query}" if parts.query else ""
        return Location(f"{parts.scheme}:", parts.hostname or "", search, parts.path or "/")

    def visible(self) -> bool:
        return self.is_visible

    def online(self) -> bool:
        return self.is_online

    def now_ms(self) -> float:
        return float(self.clock_ms)

    def query_param(self, name: str) -> str | None:
        """``URLSearchParams.get``: the first value, "" for ``?name=``, None if absent."""
        return next((v for k, v in self._params() if k == name), None)

    def stored_theme(self) -> str | None:
        return self.theme

    def typed_lookup(self) -> str:
        return self.typed

    def prefers_dark(self) -> bool:
        return self.dark

    def stored_watch(self) -> bool:
        return self.watch

    def notification_permission(self) -> str:
        return self.permission

    def last_known_shown(self) -> bool:
        return self.last_known

    def ui_event(self, event: Any) -> UiEvent:
        return UiEvent.from_json(event.kind, None if event.ui is None else dict(event.ui))

    # -- BrowserPort: writing the page ------------------------------------------------------

    def _send(self, command: Command, *args: Any) -> None:
        """As the runtime queues it: the seam's spelling, with the declared arity."""
        assert len(args) == command.arity, command
        self.commands.append([command.spelling, *args])
        self._queue.append([command.spelling, *args])

    def flush(self) -> None:
        if self._queue:
            self.batches.append(self._queue)
            self._queue = []

    def apply(self, ops: list[Any]) -> None:
        if ops:
            self._send(Command.APPLY, ops)

    def record_render(self, kind: str, ms: float) -> None:
        self.renders.append((kind, ms))
        self._send(Command.RECORD_RENDER, kind, ms, 0)  # no JS proxies under CPython

    def set_title(self, title: str) -> None:
        if title != self.title:
            self.title = title
            self._send(Command.SET_TITLE, title)

    def set_favicon(self, drawing: list[tuple[Any, ...]], size: int) -> None:
        self.favicon = (drawing, size)
        self._send(Command.SET_FAVICON, drawing, size)

    def announce(self, text: str) -> None:
        self.announced.append(text)
        self.apply([["t", "#live-region", text]])

    def listen(
        self, target: Any, kind: str, handler: Callable[[Any], None], capture: bool = False
    ) -> Listener:
        listener = Listener(self._next_id, str(target), kind, handler, capture, self)
        self._next_id += 1
        self.listeners[listener.id] = listener
        self._send(Command.LISTEN, listener.id, listener.target, kind)
        return listener

    def unlisten(self, listener_id: int) -> None:
        if self.listeners.pop(listener_id, None) is not None:
            self._send(Command.UNLISTEN, listener_id)

    def mark_ready(self) -> None:
        self.ready = True
        self.apply([["a", "#html", {"data-ready": ""}]])

    def close(self) -> None:
        for listener_id in list(self.listeners):
            self.unlisten(listener_id)
        self.flush()
        self.closed = True

    def replace_query_param(self, name: str, value: str | None) -> str:
        """``URL.searchParams`` set or delete, without a history entry; the new search."""
        self._set_param(name, value)
        self._send(Command.REPLACE_URL, self.href)
        return self.location().search

    def set_input_value(self, element_id: str, value: str) -> None:
        self.inputs[element_id] = value
        self._send(Command.SET_VALUE, element_id, value)

    def scroll_to_shard(self, shard_id: int) -> None:
        self.scrolled_to.append(shard_id)
        self._send(Command.SCROLL_TO_SHARD, shard_id)

    def focus_shard(self, shard_id: int) -> None:
        self.focused.append(shard_id)
        self._send(Command.FOCUS_SHARD, shard_id)

    def show_details(self, shard_id: int) -> None:
        self.details = shard_id
        self._send(Command.SHOW_DETAILS, shard_id)

    def hide_details(self) -> None:
        self.details = None
        self._send(Command.HIDE_DETAILS)

    async def write_clipboard(self, text: str) -> bool:
        self.flush()
        self.clipboard.append(text)
        return self.clipboard_works

    def store_theme(self, theme: str) -> None:
        self.theme = theme
        self._send(Command.STORE_THEME, theme)

    def store_watch(self, on: bool) -> None:
        self.watch = on
        self._send(Command.STORE_WATCH, on)

    async def request_notifications(self) -> str:
        self.flush()
        self.asked += 1
        self.permission = self.answer
        return self.answer

    def notify(self, title: str, body: str) -> None:
        self.notes.append((title, body))
        self._send(Command.NOTIFY, title, body)

    def drop_last_known(self) -> None:
        self.dropped_last_known = True
        self._send(Command.DROP_LAST_KNOWN)

    def store_last_known(self, payload: str | None) -> None:
        self.stored_last_known.append(payload)
        self._send(Command.STORE_LAST_KNOWN, payload)

    # -- the address ------------------------------------------------------------------------

    def _params(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.href).query, keep_blank_values=True)

    def _set_param(self, name: str, value: str | None) -> None:
        """``searchParams.set`` (the first entry replaced, later ones dropped) or
        ``searchParams.delete`` (every entry)."""
        params, placed = [], False
        for key, old in self._params():
            if key != name:
                params.append((key, old))
            elif value is not None and not placed:
                params.append((key, value))
                placed = True
        if value is not None and not placed:
            params.append((name, value))
        self.href = urlunsplit(urlsplit(self.href)._replace(query=urlencode(params)))
