"""The live connection's requests leave before the passes that draw: its first requests
before the page's first frame, and a new connection's ask before the pass that draws the
connection. Their round trips overlap the renders instead of following them (a render
takes a while on a phone)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from app.model.link import Connection
from app.model.page_state import SourceKind
from app.ports import OnConnection, SourceFactory
from tests.support import RecordingBrowser, grid_ack, make_controller
from tests.support.controllers import NO_SOURCES


def connected_drawn(browser: RecordingBrowser) -> bool:
    return any(
        op[0] == "a" and op[1] == "#html" and op[2].get("data-connection") == "connected"
        for op in browser.ops()
    )


class Live:
    """A live source that connects a moment after it starts and answers at once."""

    kind = SourceKind.LIVE

    def __init__(self, browser: RecordingBrowser, on_connection: OnConnection) -> None:
        self.browser, self.on_connection = browser, on_connection
        self.asks: list[bool] = []  # for each ask: was the connection already drawn?

    async def start(self) -> None:
        self.started_before_first_frame = not self.browser.ops()
        await asyncio.sleep(0.05)
        self.on_connection(Connection.CONNECTED, None, None)

    async def fetch(self) -> object:
        self.asks.append(connected_drawn(self.browser))
        return grid_ack(2, 2)

    async def close(self) -> None:
        pass


def run_until_answered(live_for: Any) -> tuple[RecordingBrowser, Live]:
    browser = RecordingBrowser()
    made: list[Live] = []

    def factory(on_connection: OnConnection) -> Live:
        made.append(live_for(browser, on_connection))
        return made[0]

    controller = make_controller(
        browser,
        sources=SourceFactory(live=factory, mock=NO_SOURCES.mock),
        monotonic=time.monotonic,
    )

    async def scenario() -> None:
        running = asyncio.ensure_future(controller.run())
        async with asyncio.timeout(5):
            while not browser.ready:
                await asyncio.sleep(0.01)
        await controller.close()
        running.cancel()

    asyncio.run(scenario())
    return browser, made[0]


def test_the_first_ask_leaves_before_the_connection_is_drawn() -> None:
    browser, live = run_until_answered(Live)
    assert live.asks[:1] == [False]
    assert connected_drawn(browser)  # and the pass after it drew it, with the data


def test_the_connection_starts_before_the_first_frame_is_drawn() -> None:
    browser, live = run_until_answered(Live)
    assert live.started_before_first_frame
    assert browser.ops()  # and the first frame was drawn after it
