"""One way to build a ``Controller`` for a unit test, and to let what it started finish.

``make_controller(browser)`` wires the real view (English catalogue,
``FallbackFormatter``) to ``browser`` (a ``RecordingBrowser`` usually) with no live
source and a clock stopped at 0; tests then drive the controller's public methods:
``start()`` (what ``run()`` does before its loops), ``accept(ack, kind)`` (one answer,
as the refresh loop gets it), ``paint()``, ``dispatch(event)``, and the page's events
through the browser (``RecordingBrowser.fire``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from app.controller import Controller
from app.model.config import config_from_env
from app.model.format import FallbackFormatter
from app.ports import BrowserPort, SourceFactory
from app.render.page import PageView
from app.transport.source import StatusSource
from tests.support.browser import RecordingBrowser
from tests.support.catalogues import catalogue

__all__ = ["NO_SOURCES", "act", "make_controller", "settle"]


def _no_source() -> StatusSource:
    raise AssertionError("this test gives the controller no source to ask")


NO_SOURCES = SourceFactory(live=None, mock=_no_source)
"""No live source, and asking for the preview data fails the test: answers come from the
test itself (``Controller.accept``)."""


def make_controller(
    browser: BrowserPort | None = None,
    *,
    env: Mapping[str, str] | None = None,
    version: str = "dev",
    locale: str = "en",
    sources: SourceFactory = NO_SOURCES,
    monotonic: Callable[[], float] = lambda: 0.0,
) -> Controller:
    """A controller on ``browser`` (a fresh ``RecordingBrowser`` if None).

    ``env``: the build environment (``STATUSPAGE_*``), by default never mock data.
    """
    t = catalogue(locale)
    return Controller(
        browser if browser is not None else RecordingBrowser(),
        config_from_env(env if env is not None else {"STATUSPAGE_MOCK": "never"}, version),
        t,
        PageView(t, FallbackFormatter(locale)),
        sources,
        monotonic=monotonic,
    )


async def settle(timeout: float = 5.0) -> None:
    """Wait until every other task of this event loop is done (the tasks a controller
    starts for an effect: copying, asking for notifications), and theirs in turn.

    Only for a controller that was not ``run()``: its refresh loop never ends.
    """

    current = asyncio.current_task()
    async with asyncio.timeout(timeout):
        while pending := [t for t in asyncio.all_tasks() if t is not current and not t.done()]:
            await asyncio.gather(*pending)


def act(browser: RecordingBrowser, target: str, kind: str, **ui: Any) -> int:
    """Fire one page event in a fresh event loop and wait for what it started (``settle``).

    Returns how many handlers ran: 0 means nothing listened (was ``start()`` called?).
    """

    async def go() -> int:
        ran = browser.fire(target, kind, **ui)
        await settle()
        return ran

    return asyncio.run(go())
