"""The vocabulary of the Python-JS seam, written once.

Python queues commands for ``static/apply.js`` (``Command``), listens for the page's
events (``PageKind``) and reduces the visitor's (``UiKind``, ``Action``). The JS needs the
same names: tools/build.py hands them over (``seam_for_js``), as the JSON module
``statuspage-seam`` that esbuild bundles into ``static/apply.js`` and
``static/last-known.js``. Neither script spells a command, an event kind or an action on
its own; ``tests/unit/test_seam.py`` runs them under Node and compares what they do with
these tables.
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Any, TypedDict

__all__ = [
    "GRID_KEYS",
    "HEAD_START_GLOBAL",
    "LOOKUP_INPUT",
    "LOOKUP_KIND",
    "SVG_TAGS",
    "TRUSTED_TYPES_POLICY",
    "Action",
    "Command",
    "EventDescription",
    "HostCall",
    "PageAtBoot",
    "PageKind",
    "UiKind",
]


class Command(Enum):
    """What Python asks of the main thread: ``run()`` in apply.js executes a JSON list of
    ``[spelling, *args]``, each with exactly ``arity`` arguments."""

    APPLY = ("apply", 1)  # one render pass's DOM operations (app/render/vdom.py)
    SET_TITLE = ("setTitle", 1)
    SET_FAVICON = ("setFavicon", 2)  # app/render/favicon.py's canvas commands, size
    LISTEN = ("listen", 3)  # id, "window" or "document", event kind
    UNLISTEN = ("unlisten", 1)
    SET_VALUE = ("setValue", 2)  # element id, value
    SCROLL_TO_SHARD = ("scrollToShard", 1)
    FOCUS_SHARD = ("focusShard", 1)
    SHOW_DETAILS = ("showDetails", 1)
    HIDE_DETAILS = ("hideDetails", 0)
    REPLACE_URL = ("replaceUrl", 1)
    STORE_THEME = ("storeTheme", 1)
    RECORD_RENDER = ("recordRender", 3)  # kind, Python's ms, live proxy count
    REPORT_RUNTIME = ("reportRuntime", 1)  # "worker" or "main"
    STORE_WATCH = ("storeWatch", 1)
    NOTIFY = ("notify", 2)  # title, body
    DROP_LAST_KNOWN = ("dropLastKnown", 0)  # take the painted last known status down
    STORE_LAST_KNOWN = ("storeLastKnown", 1)  # the payload, or None to keep nothing

    def __init__(self, spelling: str, arity: int) -> None:
        self.spelling = spelling
        self.arity = arity


class HostCall(StrEnum):
    """The messages between Python in a worker and apply.js (``attachWorker``), each
    ``["statuspage", call, ...]``; on the main thread the first five are methods of
    ``window.statuspage``."""

    BOOT = "boot"  # answered with the page as it is (one JSON string)
    COPY = "copy"  # answered with whether the text reached the clipboard
    REQUEST_NOTIFICATIONS = "requestNotifications"  # answered with the permission
    RUN = "run"  # a JSON list of commands; no answer
    CONNECT = "connect"  # start (true) or stop (false) sending event descriptions
    ANSWER = "answer"  # apply.js to Python: call id, value
    EVENT = "event"  # apply.js to Python: one event description
    # The worker to apply.js: one Content-Security-Policy violation it saw, as text. Sent
    # by the worker's first line (tools/runtime_patches.py), before Python exists.
    VIOLATION = "violation"


class UiKind(StrEnum):
    """The visitor's DOM events that ``app.reducer`` reduces, listened for on the document."""

    CLICK = "click"
    KEYDOWN = "keydown"
    INPUT = "input"
    FOCUSIN = "focusin"
    FOCUSOUT = "focusout"
    POINTEROVER = "pointerover"
    POINTEROUT = "pointerout"

    @property
    def needs_shard(self) -> bool:
        """Changes nothing unless a shard is involved: apply.js does not send it otherwise
        (nor a keydown other than Escape; see ``describeUi``)."""
        return self in (UiKind.FOCUSIN, UiKind.FOCUSOUT, UiKind.POINTEROVER, UiKind.POINTEROUT)


class PageKind(StrEnum):
    """The page's own events the controller listens for, and what the main thread does
    with each before Python sees it (Python may run in a worker, after the event)."""

    VISIBILITYCHANGE = "visibilitychange"
    FOCUS = "focus"
    ONLINE = "online"
    OFFLINE = "offline"
    PAGEHIDE = "pagehide"
    # The lookup form: listening for it takes the submission over. Python has nothing to
    # do (the field's input events carry the lookup); the main thread prevents the
    # navigation, and sends nothing.
    SUBMIT = "submit"

    @property
    def prevents_default(self) -> bool:
        return self is PageKind.SUBMIT

    @property
    def reaches_python(self) -> bool:
        return self is not PageKind.SUBMIT


class Action(StrEnum):
    """``data-action`` values: what a control does when pressed (``app.reducer``)."""

    THEME = "theme"
    WATCH = "watch"  # apply.js also asks for the notification permission, in the click
    PROBLEMS_ONLY = "problems-only"
    FOLD_HEALTHY = "fold-healthy"
    COPY = "copy"  # the diagnostics report
    FILTER_STATE = "filter-state"  # data-value: a discord.js state's name
    CLEAR_FILTER = "clear-filter"
    FOLD = "fold"  # data-cluster: the cluster folded or unfolded
    LOOKUP = "lookup"  # input in LOOKUP_INPUT: its value is the server to find


class PageAtBoot(TypedDict):
    """What ``boot()`` answers, Python's first call: the page as it is, read once."""

    config: dict[str, Any]  # the inline JSON #statuspage-config
    messages: dict[str, str]  # the inline JSON #statuspage-messages
    lang: str
    href: str
    protocol: str
    hostname: str
    search: str
    pathname: str
    visible: bool
    online: bool
    theme: str | None  # remembered: "light", "dark" or None
    prefersDark: bool
    watch: bool  # remembered: watching for changes
    notifications: str  # the permission: granted, denied, default or unsupported
    lastKnown: bool  # static/last-known.js painted the last known status
    lookup: str  # the lookup field's value: what was typed before Python ran, or ""


class EventDescription(TypedDict):
    """One DOM event as ``describe()`` sends it to Python."""

    id: int  # the listener's, as Command.LISTEN registered it
    target: str  # "window" or "document"
    kind: str
    persisted: bool  # pagehide/pageshow: the page goes to (or comes from) the bfcache
    visible: bool
    online: bool
    ui: dict[str, Any] | None  # UiKind events: app.ports.UiEvent's fields


# The find-my-shard field, by element id, and its events that carry Action.LOOKUP.
LOOKUP_INPUT = "guild-input"
LOOKUP_KIND = UiKind.INPUT
# Keys that move between shards in a grid (app/reducer.py): the main thread keeps them
# from scrolling the page.
GRID_KEYS = ("ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp", "Home", "End")
# The page's one Trusted Types policy: static/apply.js creates it, tools/headers.py's CSP
# allows it and no other.
TRUSTED_TYPES_POLICY = "statuspage"
# Tags the views draw that live in the SVG namespace.
SVG_TAGS = ("svg", "polyline", "path")
# The worker's global where static/head-start.js keeps the connection's first requests,
# made before Python ran, until app/runtime/head_start.py claims them.
HEAD_START_GLOBAL = "statuspageHeadStart"
