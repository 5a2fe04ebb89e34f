"""Python's first call to the page (``boot``) is made by ``Browser.start()`` itself, before
it returns, not when its result is first awaited. ``app.main.main()`` calls it from the
script PyScript runs, so the call leaves before PyScript's own work after that script,
and the page's answer is on its way meanwhile."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest

from app.runtime import Browser
from app.runtime import browser as browser_module
from app.seam import PageAtBoot
from tests.support.websocket import run, within

PAGE: PageAtBoot = {
    "config": {"version": "1.0+boot"},
    "messages": {},
    "lang": "de",
    "href": "https://status.example/de/",
    "protocol": "https:",
    "hostname": "status.example",
    "search": "",
    "pathname": "/de/",
    "visible": True,
    "online": True,
    "theme": None,
    "prefersDark": False,
    "watch": False,
    "notifications": "default",
    "lastKnown": False,
    "lookup": "",
}


class MainThreadPage:
    """``window.statuspage`` as static/apply.js offers it where Python runs on the main
    thread; ``boot()`` answers once ``answer`` is set."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def boot(self) -> asyncio.Future[str]:
        self.calls.append("boot")
        return self.answer

    def run(self, commands: str) -> None:
        self.calls.append("run")


@pytest.fixture
def page_host(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Installs a main-thread page for ``Browser`` to find; the test makes it in its loop."""

    def install(host: MainThreadPage) -> None:
        window = SimpleNamespace(statuspage=host)
        monkeypatch.setattr(browser_module, "js", SimpleNamespace(window=window))

    return install


def test_start_makes_the_boot_call_before_it_returns(page_host: Any) -> None:
    @run
    async def scenario() -> None:
        host = MainThreadPage()
        page_host(host)
        booting = Browser.start()
        assert host.calls == ["boot"]  # nothing has awaited the result yet
        assert not booting.done()  # the page has not answered
        host.answer.set_result(json.dumps(PAGE))
        browser = await within(booting)
        assert browser.lang == "de" and not browser.in_worker

    scenario()
