"""Entry point in the page: read the config, build the pieces, start the controller.

Run by ``static/boot.py``, the ``<script type="py" worker>`` of ``index.html``: in a Web
Worker wherever the engine can start module workers, on the main thread otherwise
(``static/apply.js`` decides before PyScript starts). ``boot.py`` puts the app bundle
(``/home/pyodide/app.zip``) on ``sys.path``, then::

    from app.main import main
    main()
"""

from __future__ import annotations

import asyncio
import time

from app import runtime
from app.controller import Controller
from app.model.config import config_from_json
from app.model.i18n import Catalogue
from app.ports import OnConnection, SourceFactory
from app.render.page import PageView
from app.transport.mock import MockSource, scenario_from_query
from app.transport.source import StatusSource

__all__ = ["main"]

_controller: Controller | None = None
# Held so the running task is not garbage-collected mid-flight.
_tasks: list[asyncio.Task[None]] = []


def main() -> None:
    """Start the page: everything runs in one task (the host answers ``boot`` first)."""
    _tasks.append(asyncio.ensure_future(_start()))


async def _start() -> None:
    global _controller
    browser = await runtime.Browser.start()
    config = config_from_json(browser.json_script("statuspage-config"))
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

    def make_live(on_connection: OnConnection) -> StatusSource:
        from app.transport.live import LiveSource

        return LiveSource(
            token_url=config.token_url,
            ws_url=config.ws_url,
            bridge=runtime.make_bridge(),
            fetch_json=runtime.fetch_json,
            on_connection=lambda event: on_connection(event.state, event.reason, event.retry_in),
        )

    _controller = Controller(
        browser,
        config,
        catalogue,
        PageView(catalogue, formatter),
        SourceFactory(live=make_live, mock=make_mock),
        time.monotonic,
    )
    await _controller.run()
