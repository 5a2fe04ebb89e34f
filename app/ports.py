"""What the app needs from the page, by role, and the events the page sends it.

``app.runtime.Browser`` implements every role in the page; ``tests.support.
RecordingBrowser`` does in tests. Each part of the app asks only for the roles it uses:
the painter draws (``Page``), the watcher notifies (``Notifications``), the last known
status view keeps and drops what the paint script showed (``LastKnown``); the controller,
which wires them, takes the whole ``BrowserPort``. Kept apart from the controller so that
the runtime seam does not import the controller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.model.link import Connection, Reason
from app.seam import Action, UiKind
from app.transport.source import StatusSource

__all__ = [
    "BrowserPort",
    "LastKnown",
    "Location",
    "Navigation",
    "Notifications",
    "OnConnection",
    "Page",
    "SourceFactory",
    "Storage",
    "UiEvent",
]


_ACTIONS = frozenset(a.value for a in Action)


@dataclass(frozen=True)
class UiEvent:
    """A DOM event reduced to what the reducer needs (``describeUi`` in static/apply.js)."""

    kind: UiKind
    action: Action | None = None  # data-action of the nearest element that has one
    value: str | None = None  # its data-value, or the input's value
    cluster: int | None = None  # data-cluster of the action element
    shard_id: int | None = None  # data-shard-id of the nearest shard
    grid_cluster: int | None = None  # data-cluster of the shard's grid
    key: str | None = None
    pointer: str | None = None  # pointerType: mouse, pen, touch
    in_details: bool = False  # inside the shard details popover
    related_shard: int | None = None  # focusout/pointerout: the shard being entered

    @classmethod
    def from_json(cls, kind: str, ui: dict[str, Any] | None) -> UiEvent:
        """``describeUi``'s JSON (or None, for an event it did not describe); an action
        this build does not know (a page of another build still open) is no action."""
        if not ui:
            return cls(kind=UiKind(kind))
        action = ui.get("action")
        return cls(
            **{
                **ui,
                "kind": UiKind(ui["kind"]),
                "action": Action(action) if action in _ACTIONS else None,
            }
        )


@dataclass(frozen=True)
class Location:
    """Where the page is: ``https:``, ``status.example``, ``?guild=1``, ``/de/``."""

    protocol: str
    hostname: str
    search: str
    pathname: str


class Page(Protocol):
    """The DOM and its events: render passes, focus, the popover, the clipboard, the
    clock. Listen targets are ``"window"`` and ``"document"``; handlers get an event
    object with ``kind`` and ``persisted`` that ``ui_event`` reduces to a ``UiEvent``."""

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
    def ui_event(self, event: Any) -> UiEvent: ...
    def mark_ready(self) -> None: ...
    def close(self) -> None: ...
    def record_render(self, kind: str, ms: float) -> None: ...
    def set_input_value(self, element_id: str, value: str) -> None: ...
    def typed_lookup(self) -> str: ...  # the lookup field's value when Python started
    def scroll_to_shard(self, shard_id: int) -> None: ...
    def focus_shard(self, shard_id: int) -> None: ...
    def show_details(self, shard_id: int) -> None: ...
    def hide_details(self) -> None: ...
    async def write_clipboard(self, text: str) -> bool: ...


class Navigation(Protocol):
    """The page's address: where it is, and its query, changed without a history entry."""

    def location(self) -> Location: ...
    def query_param(self, name: str) -> str | None: ...
    def replace_query_param(self, name: str, value: str | None) -> str: ...


class Storage(Protocol):
    """The visitor's choices as the browser remembers them, and the system theme."""

    def stored_theme(self) -> str | None: ...
    def store_theme(self, theme: str) -> None: ...
    def prefers_dark(self) -> bool: ...
    def stored_watch(self) -> bool: ...
    def store_watch(self, on: bool) -> None: ...


class Notifications(Protocol):
    """The notification permission, asked for in the click on #watch, and notifying."""

    def notification_permission(self) -> str: ...
    async def request_notifications(self) -> str: ...
    def notify(self, title: str, body: str) -> None: ...


class LastKnown(Protocol):
    """The last known status painted before Python started (static/last-known.js)."""

    def last_known_shown(self) -> bool: ...
    def drop_last_known(self) -> None: ...
    def store_last_known(self, payload: str | None) -> None: ...


class BrowserPort(Page, Navigation, Storage, Notifications, LastKnown, Protocol):
    """Every role: what the controller, which wires the parts, is given."""


OnConnection = Callable[[Connection, Reason | None, float | None], None]
"""The link changed: its state, why it is not connected, and seconds until the next try."""


@dataclass(frozen=True)
class SourceFactory:
    """Builds sources on demand, so a page that never needs mock data never loads it."""

    live: Callable[[OnConnection], StatusSource] | None
    mock: Callable[[], StatusSource]
