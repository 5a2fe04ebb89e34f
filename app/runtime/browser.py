"""The page as the app sees it (every role of ``app.ports.BrowserPort``), and its DOM
events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from app.ports import Location, UiEvent
from app.runtime.ffi import destroy, is_null, js, proxy
from app.runtime.network import http_get
from app.runtime.probes import diagnostics, import_probe, live_proxy_count
from app.runtime.worker_host import WorkerHost, maybe_await
from app.seam import Command, EventDescription, PageAtBoot

__all__ = ["Browser", "Listener", "PageEvent"]


class PageEvent:
    """A DOM event as the main thread described it (``describe`` in static/apply.js)."""

    __slots__ = ("kind", "persisted", "target", "ui")

    def __init__(self, description: EventDescription) -> None:
        self.kind: str = description["kind"]
        self.target: str = description["target"]
        self.persisted: bool = bool(description.get("persisted"))
        self.ui: dict[str, Any] | None = description.get("ui")


class Listener:
    """One main-thread listener registered through the host; ``close()`` removes it."""

    def __init__(self, browser: Browser, listener_id: int) -> None:
        self._browser, self.id = browser, listener_id

    def close(self) -> None:
        self._browser._unlisten(self.id)


class Browser:
    """The page as the controller sees it: DOM batches, events, location, clock.

    Python may run in a Web Worker (``<script type="py" worker>``) or on the main thread;
    the code is the same. The page is reached only through ``window.statuspage``
    (static/apply.js): directly on the main thread, by messages from a worker
    (``WorkerHost``). So: everything Python reads is fetched once at boot (``boot()``,
    one JSON string) and kept current from event descriptions; writes are queued and
    sent as one ``run(json)`` call per render pass (``flush``, or soon after any write
    outside a render pass); events arrive as one JSON string each. ``js`` stays this
    thread's own global: Intl, Date, URL, fetch and WebSocket are used natively, in the
    worker when there is one. Made by ``await Browser.start()``.
    """

    def __init__(self, host: Any, page: PageAtBoot, in_worker: bool) -> None:
        self.in_worker = in_worker
        self._host = host
        self._page = page
        self._href: str = page["href"]
        self._search: str = page["search"]
        self._visible: bool = page["visible"]
        self._online: bool = page["online"]
        self._theme: str | None = page["theme"]
        self._typed_lookup: str = page["lookup"]
        self._title: str | None = None
        self._queue: list[list[Any]] = []
        self._flush_soon: Any = None
        self._handlers: dict[int, Callable[[PageEvent], None]] = {}
        self._next_id = 1
        self._sink: Any = None
        self._send(Command.REPORT_RUNTIME, "worker" if self.in_worker else "main")
        if self.in_worker:
            # polyscript's: PyScript's own package is never written here (its prelude
            # is left out at build, tools/runtime_patches.py).
            from polyscript import xworker  # type: ignore[import-not-found]

            # Callable from the main thread as ``<script type=py>.xworker.sync.diagnostics()``.
            xworker.sync.diagnostics = diagnostics
            xworker.sync.import_probe = import_probe

    @classmethod
    def start(cls) -> asyncio.Future[Browser]:
        """The page host for wherever this interpreter runs, and the page read at boot.

        On the main thread, ``window.statuspage`` itself. In a worker, ``WorkerHost``:
        the same four calls as messages, so no ``SharedArrayBuffer`` is needed (WebKit has
        none, even when cross-origin isolated) and the only wait is for ``boot()``.

        ``boot()``, Python's first call, is made before this returns, not when the result
        is first awaited: called from the script PyScript runs, it leaves before
        PyScript's own work after that script, and the page answers meanwhile.
        """
        in_worker = hasattr(js, "WorkerGlobalScope")
        host: Any = WorkerHost() if in_worker else js.window.statuspage
        answer = host.boot()

        async def booted() -> Browser:
            page = json.loads(str(await maybe_await(answer)))
            return cls(host, page, in_worker)

        return asyncio.ensure_future(booted())

    def _send(self, command: Command, *args: Any) -> None:
        """Queue one command for ``run``; sent by ``flush``, or soon after at the latest."""
        if len(args) != command.arity:
            raise TypeError(f"{command.spelling} takes {command.arity} arguments")
        self._queue.append([command.spelling, *args])
        if self._flush_soon is None:
            self._flush_soon = asyncio.get_event_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Send every queued write to the main thread in one call."""
        if self._flush_soon is not None:
            self._flush_soon.cancel()
            self._flush_soon = None
        if self._queue:
            commands, self._queue = self._queue, []
            self._host.run(json.dumps(commands, separators=(",", ":"), ensure_ascii=False))

    # -- reading the page ---------------------------------------------------------------
    def json_script(self, element_id: str) -> Any:
        """The page's inline JSON script ``element_id``, as ``boot()`` read it."""
        if element_id == "statuspage-config":
            return self._page["config"]
        if element_id == "statuspage-messages":
            return self._page["messages"]
        raise KeyError(element_id)

    @property
    def lang(self) -> str:
        return str(self._page["lang"])

    def location(self) -> Location:
        page = self._page
        return Location(page["protocol"], page["hostname"], self._search, page["pathname"])

    def visible(self) -> bool:
        return self._visible

    def online(self) -> bool:
        return self._online

    def now_ms(self) -> float:
        return float(js.Date.now())

    # -- writing the page ---------------------------------------------------------------
    def apply(self, ops: list[Any]) -> None:
        """A whole render pass's DOM operations, as one command."""
        if ops:
            self._send(Command.APPLY, ops)

    def record_render(self, kind: str, ms: float) -> None:
        """Publish a render's duration and the live proxy count on window.statuspage.debug.

        ``ms`` is Python's share (view and diff); queued last in the pass, the main
        thread adds the time it spent applying the batch before it.
        """
        self._send(Command.RECORD_RENDER, kind, ms, live_proxy_count())

    def set_title(self, title: str) -> None:
        if title != self._title:
            self._title = title
            self._send(Command.SET_TITLE, title)

    def set_favicon(self, drawing: list[tuple[Any, ...]], size: int) -> None:
        """``app.render.favicon`` commands, replayed on a canvas by the main thread."""
        self._send(Command.SET_FAVICON, drawing, size)

    def announce(self, text: str) -> None:
        self.apply([["t", "#live-region", text]])

    def listen(
        self, target: str, kind: str, handler: Callable[[Any], None], capture: bool = False
    ) -> Listener:
        """``handler(PageEvent)`` for ``kind`` events on ``"window"`` or ``"document"``."""
        if self._sink is None:
            self._sink = proxy(self._dispatch)
            self._host.connect(self._sink)
        listener_id, self._next_id = self._next_id, self._next_id + 1
        self._handlers[listener_id] = handler
        self._send(Command.LISTEN, listener_id, target, kind)
        return Listener(self, listener_id)

    def _dispatch(self, description: str) -> None:
        event: EventDescription = json.loads(str(description))
        self._visible, self._online = event["visible"], event["online"]
        handler = self._handlers.get(event["id"])
        if handler is not None:
            handler(PageEvent(event))

    def _unlisten(self, listener_id: int) -> None:
        if self._handlers.pop(listener_id, None) is not None:
            self._send(Command.UNLISTEN, listener_id)

    def close(self) -> None:
        for listener_id in list(self._handlers):
            self._unlisten(listener_id)
        self.flush()
        if self._sink is not None:
            self._host.connect(None)
            destroy(self._sink)
            self._sink = None

    def mark_ready(self) -> None:
        self.apply([["a", "#html", {"data-ready": ""}]])

    # -- URL, focus, popover, clipboard, theme ------------------------------------------
    def query_param(self, name: str) -> str | None:
        value = js.URLSearchParams.new(self._search).get(name)
        return None if is_null(value) else str(value)

    def replace_query_param(self, name: str, value: str | None) -> str:
        """Update the URL without a history entry; returns the new query string."""
        url = js.URL.new(self._href)
        if value is None:
            url.searchParams.delete(name)
        else:
            url.searchParams.set(name, value)
        self._href, self._search = str(url.href), str(url.search)
        self._send(Command.REPLACE_URL, self._href)
        return self._search

    def set_input_value(self, element_id: str, value: str) -> None:
        self._send(Command.SET_VALUE, element_id, value)

    def typed_lookup(self) -> str:
        """What the lookup field held at boot: typed before Python ran ("" if nothing)."""
        return self._typed_lookup

    def scroll_to_shard(self, shard_id: int) -> None:
        self._send(Command.SCROLL_TO_SHARD, int(shard_id))

    def focus_shard(self, shard_id: int) -> None:
        self._send(Command.FOCUS_SHARD, int(shard_id))

    def show_details(self, shard_id: int) -> None:
        self._send(Command.SHOW_DETAILS, int(shard_id))

    def hide_details(self) -> None:
        self._send(Command.HIDE_DETAILS)

    async def write_clipboard(self, text: str) -> bool:
        # The Clipboard API exists only on the main thread; its promise never rejects.
        self.flush()
        return bool(await maybe_await(self._host.copy(text)))

    # -- the last known status (static/last-known.js) --------------------------------------
    def last_known_shown(self) -> bool:
        """Whether the paint script put a stored last known status on screen."""
        return bool(self._page["lastKnown"])

    def drop_last_known(self) -> None:
        """Remove the painted view; queued ahead of the ops that replace it."""
        self._send(Command.DROP_LAST_KNOWN)

    def store_last_known(self, payload: str | None) -> None:
        """Keep ``payload`` for the next visit's first paint (None: keep nothing)."""
        self._send(Command.STORE_LAST_KNOWN, payload)

    def stored_theme(self) -> str | None:
        return self._theme

    def store_theme(self, theme: str) -> None:
        self._theme = theme
        self._send(Command.STORE_THEME, theme)

    def prefers_dark(self) -> bool:
        return bool(self._page["prefersDark"])

    # -- watching for changes ------------------------------------------------------------
    def stored_watch(self) -> bool:
        return bool(self._page.get("watch"))

    def store_watch(self, on: bool) -> None:
        self._page["watch"] = on
        self._send(Command.STORE_WATCH, on)

    def notification_permission(self) -> str:
        """As the page said at boot: granted, denied, default or unsupported."""
        return str(self._page.get("notifications", "unsupported"))

    async def request_notifications(self) -> str:
        """The answer to the permission request made by the last press of #watch.

        The request itself was made on the main thread, inside the click (apply.js), so
        the browser sees the visitor's gesture; this only awaits its outcome.
        """
        self.flush()
        answer = str(await self._host.requestNotifications())
        self._page["notifications"] = answer
        return answer

    def notify(self, title: str, body: str) -> None:
        self._send(Command.NOTIFY, title, body)

    def ui_event(self, event: PageEvent) -> UiEvent:
        """The event as the main thread reduced it (``describeUi`` in static/apply.js)."""
        return UiEvent.from_json(event.kind, event.ui)

    def resolve_url(self, url: str) -> str:
        """``url`` relative to the page (a worker's own base URL is a blob: URL)."""
        return str(js.URL.new(url, self._href).href)

    async def fetch_text(self, url: str, timeout: float) -> str:
        response, text = await http_get(self.resolve_url(url), timeout)
        if not response.ok:
            raise OSError(f"HTTP {response.status}")
        return text
