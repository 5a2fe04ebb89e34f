"""The controller's watch hooks (issue 15), driven without a browser: what reaches
``BrowserPort.notify``, what is stored, and how the scheduler's hidden cadence follows."""

from __future__ import annotations

import asyncio
import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from app.controller import Controller
from app.model.config import config_from_env
from app.model.format import FallbackFormatter
from app.model.i18n import Catalogue
from app.model.page_state import SourceKind
from app.model.shard_lookup import parse_guild_input
from app.model.watch import Permission, Watch
from app.ports import SourceFactory, UiEvent
from app.render.page import PageView

ROOT = Path(__file__).resolve().parents[2]
NOW_MS = 1_700_000_000_000
GUILD = 81384788765712384  # (>> 22) % 4 = 2 with 4 shards: shard 2


def ack(cluster_status: str = "running", shard_2: int = 0) -> dict[str, Any]:
    shards = [{"id": i, "ping": 40, "status": 0} for i in range(4)]
    shards[2]["status"] = shard_2
    return {
        "success": True,
        "data": [
            {
                "id": 0,
                "status": cluster_status,
                "shardList": [0, 1, 2, 3],
                "createdAt": NOW_MS - 60_000,
                "guilds": 10,
                "members": 100,
                **({"shards": shards} if cluster_status == "running" else {}),
            }
        ],
    }


class FakeBrowser:
    def __init__(self, permission: str, stored: bool, answer: str = "granted") -> None:
        self.permission, self.stored, self.answer = permission, stored, answer
        self.notes: list[tuple[str, str]] = []
        self.asked = 0
        self.visible_now = True

    def visible(self) -> bool:
        return self.visible_now

    def online(self) -> bool:
        return True

    def now_ms(self) -> float:
        return float(NOW_MS)

    def location(self) -> tuple[str, str, str, str]:
        return "https:", "status.test", "", "/"

    def stored_watch(self) -> bool:
        return self.stored

    def store_watch(self, on: bool) -> None:
        self.stored = on

    def notification_permission(self) -> str:
        return self.permission

    async def request_notifications(self) -> str:
        self.asked += 1
        self.permission = self.answer
        return self.answer

    def notify(self, title: str, body: str) -> None:
        self.notes.append((title, body))

    def ui_event(self, event: Any) -> UiEvent:
        return UiEvent(**event)

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def controller(browser: FakeBrowser) -> Controller:
    messages = json.loads((ROOT / "locales" / "en.json").read_text())
    catalogue = Catalogue("en", messages)
    c = Controller(
        browser,  # type: ignore[arg-type]
        config_from_env({"STATUSPAGE_MOCK": "never", "STATUSPAGE_HIDDEN_REFRESH_SECONDS": "30"}),
        catalogue,
        PageView(catalogue, FallbackFormatter("en")),
        SourceFactory(live=None, mock=lambda: None),  # type: ignore[arg-type,return-value]
        monotonic=lambda: 0.0,
    )
    return c


def boot(c: Controller) -> None:
    """What ``run`` does before the loop: read the remembered choice and the permission."""
    b = c.browser
    watch = Watch(b.stored_watch(), Permission.parse(b.notification_permission()))
    c.ui = replace(c.ui, watch=watch)
    c._follow_watch()


def press(c: Controller) -> None:
    async def go() -> None:
        c._tasks.clear()  # done tasks of an earlier press belong to a closed loop
        c._on_ui_event({"kind": "click", "action": "watch"})
        await asyncio.gather(*c._tasks)

    asyncio.run(go())


def test_a_remembered_choice_with_permission_notifies_down_and_back() -> None:
    browser = FakeBrowser("granted", stored=True)
    c = controller(browser)
    boot(c)
    assert c.ui.watch.active and c.scheduler.watching
    for answer in (ack(), ack(), ack("stopped"), ack("stopped"), ack()):
        assert c.accept(copy.deepcopy(answer), SourceKind.LIVE)
    assert [title for title, _ in browser.notes] == [
        "SupportMail status: Major outage",
        "SupportMail is back: all systems operational",
    ]


def test_the_looked_up_shard_changing_state_notifies() -> None:
    browser = FakeBrowser("granted", stored=True)
    c = controller(browser)
    boot(c)
    c.ui = replace(c.ui, lookup=parse_guild_input(str(GUILD)))
    c.accept(ack(), SourceKind.LIVE)
    c.accept(ack(shard_2=2), SourceKind.LIVE)
    assert [title for title, _ in browser.notes] == ["Your server's shard 2 is Reconnecting"]


def test_not_watching_notifies_nothing_and_hidden_tabs_ask_nothing() -> None:
    browser = FakeBrowser("granted", stored=False)
    c = controller(browser)
    boot(c)
    c.accept(ack(), SourceKind.LIVE)
    c.accept(ack("stopped"), SourceKind.LIVE)
    assert browser.notes == []
    c.scheduler.on_visibility(False, 0.0)
    assert c.scheduler.next_wakeup(0.0) is None


def test_preview_data_never_notifies() -> None:
    browser = FakeBrowser("granted", stored=True)
    c = controller(browser)
    boot(c)
    c.accept(ack(), SourceKind.MOCK)
    c.accept(ack("stopped"), SourceKind.MOCK)
    c.accept(ack("stopped"), SourceKind.LIVE)
    assert browser.notes == []


def test_pressing_asks_once_turns_on_remembers_and_starts_the_hidden_heartbeat() -> None:
    browser = FakeBrowser("default", stored=False, answer="granted")
    c = controller(browser)
    boot(c)
    press(c)
    assert browser.asked == 1 and browser.stored is True
    assert c.ui.watch.active and c.scheduler.watching
    c.scheduler.on_visibility(False, 0.0)
    wakeup = c.scheduler.next_wakeup(0.0)
    assert wakeup is not None and 22.5 <= wakeup <= 37.5  # the hidden 30 s, +/- 25 %
    press(c)  # off again: nothing asked, the choice forgotten
    assert browser.asked == 1 and browser.stored is False and not c.scheduler.watching


@pytest.mark.parametrize("answer", ["denied", "default"])
def test_a_refused_or_dismissed_prompt_stays_off(answer: str) -> None:
    browser = FakeBrowser("default", stored=False, answer=answer)
    c = controller(browser)
    boot(c)
    press(c)
    assert not c.ui.watch.active and browser.stored is False
    assert c.ui.watch.blocked is (answer == "denied")


@pytest.mark.parametrize("permission", ["denied", "unsupported"])
def test_blocked_never_asks_again(permission: str) -> None:
    browser = FakeBrowser(permission, stored=True)
    c = controller(browser)
    boot(c)
    assert not c.ui.watch.active
    press(c)
    press(c)
    assert browser.asked == 0
