"""Entry point in the page: read the config, start the connection, build the pieces,
start the controller.

Run by ``static/boot.py``, the ``<script type="py" worker>`` of ``index.html``: in a Web
Worker wherever the engine can start module workers, on the main thread otherwise
(``static/apply.js`` decides before PyScript starts). ``boot.py`` puts the app bundle
(``/home/pyodide/app.zip``) on ``sys.path``, then::

    from app.main import main
    main()

The live connection starts as soon as the config is read, before the view, the
controller and their imports: its round trips (token, WebSocket upgrade, CONNECT)
overlap that work instead of following it. So this module imports only what that needs;
the rest is imported in ``_start``, once the connection's first requests have left.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from app import runtime
from app.model.config import Config, config_from_json

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from app.controller import Controller
    from app.transport.early import EarlyConnection
    from app.transport.live import ConnectionEvent, LiveSource

__all__ = ["main"]

_controller: Controller | None = None
# Held so the running task is not garbage-collected mid-flight.
_tasks: list[asyncio.Task[None]] = []


def main() -> None:
    """Start the page: everything runs in one task. Python's first call to the page
    (``boot``) leaves now, so the page's answer is on its way while PyScript finishes
    the script that called this, before the task's first step runs."""
    _tasks.append(asyncio.ensure_future(_start(runtime.Browser.start())))


def _connect(config: Config) -> EarlyConnection:
    """The live connection, started now."""
    from app.transport.early import EarlyConnection
    from app.transport.live import LiveSource

    # Its first token request and socket, if the worker made them before Python ran.
    head_start = runtime.HeadStart.find()

    def make(hear: Callable[[ConnectionEvent], None]) -> LiveSource:
        return LiveSource(
            token_url=config.token_url,
            ws_url=config.ws_url,
            bridge=runtime.make_bridge(head_start),
            fetch_json=runtime.fetch_json,
            on_connection=hear,
            first_token=head_start.first_token if head_start else None,
        )

    return EarlyConnection(make)


async def _start(booting: Awaitable[runtime.Browser]) -> None:
    global _controller
    browser = await booting
    config = config_from_json(browser.json_script("statuspage-config"))
    early = _connect(config) if config.connects else None
    if early is not None:
        await early.under_way()

    from app.controller import Controller
    from app.model.i18n import Catalogue
    from app.ports import SourceFactory
    from app.render.page import PageView
    from app.transport.mock import MockSource, scenario_from_query

    locale = browser.lang
    formatter = runtime.IntlFormatter(locale)
    catalogue = Catalogue(locale, browser.json_script("statuspage-messages"), formatter.plural)
    search = browser.location().search

    def make_mock() -> MockSource:
        return MockSource(
            scenario_from_query(search),
            lambda url: browser.fetch_text(url, timeout=10),
            browser.now_ms,
        )

    _controller = Controller(
        browser,
        config,
        catalogue,
        PageView(catalogue, formatter),
        SourceFactory(live=early.listen if early else None, mock=make_mock),
        time.monotonic,
    )
    await _controller.run()
