"""What the tests share: one place each for the harness, the data and the helpers.

For unit tests (imported from here): ``RecordingBrowser`` (``app.ports.BrowserPort`` on
plain state, recording what was asked of it), ``make_controller``, ``act`` and
``settle``; the catalogues (``english()``, ``catalogue(locale)``, ``messages``); answers
(``ack``, ``cluster``, ``grid_ack``, ``ack_text``); the clock (``NOW``, ``CREATED``);
``SimDom``, the Python model of ``static/apply.js``; ``ROOT``.

For browser tests and tools (imported from their modules, which need more to import):
``tests.support.site`` (building and serving the site), ``tests.support.pages``
(Chromium, watched pages), ``tests.support.backends`` (the Socket.IO test servers),
``tests.support.engines`` (Firefox and WebKit drivers), ``tests.support.soak``; for the
transport tests, ``tests.support.websocket`` (a fake browser WebSocket and bridge); for
the apply.js contract, ``tests.support.apply_js``. ``tests/conftest.py`` keeps the
fixtures and imports what they need from here.
"""

from __future__ import annotations

from tests.support.acks import ack, ack_text, cluster, grid_ack
from tests.support.browser import Listener, PageEvent, RecordingBrowser
from tests.support.catalogues import catalogue, english, messages
from tests.support.clock import CREATED, NOW
from tests.support.controllers import NO_SOURCES, act, make_controller, settle
from tests.support.dom import DomError, SimDom
from tests.support.paths import ROOT

__all__ = [
    "CREATED",
    "NOW",
    "NO_SOURCES",
    "ROOT",
    "DomError",
    "Listener",
    "PageEvent",
    "RecordingBrowser",
    "SimDom",
    "ack",
    "ack_text",
    "act",
    "catalogue",
    "cluster",
    "english",
    "grid_ack",
    "make_controller",
    "messages",
    "settle",
]
