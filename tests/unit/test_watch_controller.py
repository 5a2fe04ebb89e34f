"""The controller's watch hooks, driven without a browser: what reaches
``BrowserPort.notify``, what is stored, and how the scheduler's hidden cadence follows.

The page is a ``RecordingBrowser``; the controller is started as ``run()`` starts it
(``start()``: the remembered choice and the permission read from the page), answers come
in through ``accept`` and presses of #watch as clicks the page describes.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.controller import Controller
from app.model.page_state import SourceKind
from app.seam import Action
from tests.support import RecordingBrowser, ack, act, cluster, make_controller

GUILD = 81384788765712384  # (>> 22) % 4 = 2 with 4 shards: shard 2


def answer(cluster_status: str = "running", shard_2: int = 0) -> dict[str, Any]:
    """One cluster of four shards; shard 2 in discord.js status ``shard_2``."""
    return ack(cluster(0, range(4), status=cluster_status, states={2: shard_2}))


def started(browser: RecordingBrowser) -> Controller:
    c = make_controller(
        browser, env={"STATUSPAGE_MOCK": "never", "STATUSPAGE_HIDDEN_REFRESH_SECONDS": "30"}
    )
    c.start()
    return c


def press(browser: RecordingBrowser) -> None:
    """A click on #watch, as the page describes it, and whatever it started, finished."""
    assert act(browser, "document", "click", action=Action.WATCH) == 1


def test_a_remembered_choice_with_permission_notifies_down_and_back() -> None:
    browser = RecordingBrowser(permission="granted", watch=True)
    c = started(browser)
    assert c.ui.watch.active and c.scheduler.watching
    for body in (answer(), answer(), answer("stopped"), answer("stopped"), answer()):
        assert c.accept(copy.deepcopy(body), SourceKind.LIVE)
    assert [title for title, _ in browser.notes] == [
        "SupportMail status: Major outage",
        "SupportMail is back: all systems operational",
    ]
    assert browser.sent("notify") == [list(note) for note in browser.notes]


def test_the_looked_up_shard_changing_state_notifies() -> None:
    browser = RecordingBrowser(permission="granted", watch=True, query={"guild": str(GUILD)})
    c = started(browser)
    assert c.ui.lookup is not None and c.ui.lookup.guild_id == GUILD
    c.accept(answer(), SourceKind.LIVE)
    c.accept(answer(shard_2=2), SourceKind.LIVE)
    assert [title for title, _ in browser.notes] == ["Your server's shard 2 is Reconnecting"]


def test_not_watching_notifies_nothing_and_hidden_tabs_ask_nothing() -> None:
    browser = RecordingBrowser(permission="granted", watch=False)
    c = started(browser)
    c.accept(answer(), SourceKind.LIVE)
    c.accept(answer("stopped"), SourceKind.LIVE)
    assert browser.notes == []
    browser.set_visible(False)
    assert c.scheduler.next_wakeup(0.0) is None


def test_preview_data_never_notifies() -> None:
    browser = RecordingBrowser(permission="granted", watch=True)
    c = started(browser)
    c.accept(answer(), SourceKind.MOCK)
    c.accept(answer("stopped"), SourceKind.MOCK)
    c.accept(answer("stopped"), SourceKind.LIVE)
    assert browser.notes == []


def test_pressing_asks_once_turns_on_remembers_and_starts_the_hidden_heartbeat() -> None:
    browser = RecordingBrowser(permission="default", watch=False, answer="granted")
    c = started(browser)
    press(browser)
    assert browser.asked == 1 and browser.watch is True
    assert browser.sent("storeWatch") == [[True]]
    assert c.ui.watch.active and c.scheduler.watching
    browser.set_visible(False)
    wakeup = c.scheduler.next_wakeup(0.0)
    assert wakeup is not None and 22.5 <= wakeup <= 37.5  # the hidden 30 s, +/- 25 %
    press(browser)  # off again: nothing asked, the choice forgotten
    assert browser.asked == 1 and browser.watch is False and not c.scheduler.watching


@pytest.mark.parametrize("answered", ["denied", "default"])
def test_a_refused_or_dismissed_prompt_stays_off(answered: str) -> None:
    browser = RecordingBrowser(permission="default", watch=False, answer=answered)
    c = started(browser)
    press(browser)
    assert not c.ui.watch.active and browser.watch is False
    assert c.ui.watch.blocked is (answered == "denied")


@pytest.mark.parametrize("permission", ["denied", "unsupported"])
def test_blocked_never_asks_again(permission: str) -> None:
    browser = RecordingBrowser(permission=permission, watch=True)
    c = started(browser)
    assert not c.ui.watch.active
    press(browser)
    press(browser)
    assert browser.asked == 0
