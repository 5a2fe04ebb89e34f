"""app.model.watch: the watch toggle's state machine and which answers raise a notification."""

from __future__ import annotations

import doctest

import pytest

from app.model import watch as watch_module
from app.model.i18n import LOCALES
from app.model.vocabulary import OverallStatus, ShardState
from app.model.watch import (
    Alert,
    AlertKind,
    Observed,
    Permission,
    Watch,
    alert_message,
    observe,
)
from app.seam import Action, UiKind
from tests.support import catalogue

OK, DEGRADED, DOWN = OverallStatus.OPERATIONAL, OverallStatus.DEGRADED, OverallStatus.OUTAGE


def live(status: OverallStatus, shard: tuple[int, ShardState] | None = None) -> Observed:
    return Observed(status, shard, live=True)


def preview(status: OverallStatus) -> Observed:
    return Observed(status, None, live=False)


def replay(*answers: Observed) -> list[Alert]:
    """Feed answers in order, as the controller does, and collect every alert."""
    seen: Observed | None = None
    alerts: list[Alert] = []
    for answer in answers:
        seen, raised = observe(seen, answer)
        alerts += raised
    return alerts


def test_module_docstring_example_runs() -> None:
    assert doctest.testmod(watch_module).failed == 0


# -- what deserves a notification ------------------------------------------------------------


def test_the_first_answer_is_a_start_not_a_change() -> None:
    assert replay(live(DOWN)) == []


def test_the_bot_going_down_and_coming_back_raise_one_notification_each() -> None:
    alerts = replay(live(OK), live(DOWN), live(DOWN), live(OK))
    assert [(a.kind, a.before, a.status) for a in alerts] == [
        (AlertKind.OVERALL, OK, DOWN),
        (AlertKind.OVERALL, DOWN, OK),
    ]


def test_unchanged_answers_raise_nothing() -> None:
    shard = (12, ShardState.READY)
    assert replay(*[live(DEGRADED, shard)] * 20) == []


def test_preview_data_never_notifies_and_is_forgotten() -> None:
    """Preview data is not the bot's status: no alert for it, nor for live data after it."""
    assert replay(preview(OK), preview(DOWN), preview(OK)) == []
    assert replay(live(OK), preview(DOWN)) == []
    # Live OK, preview, then live DOWN: the preview broke the chain, so DOWN is a new start.
    assert replay(live(OK), preview(DOWN), live(DOWN)) == []


def test_the_connection_recovering_is_not_a_change() -> None:
    """Only answers are observed: after a reconnection, the same status is silent."""
    # Whatever the link did between two answers (dropped, offline, reconnected), the
    # controller observes answers alone; equal answers on both sides raise nothing.
    assert replay(live(DEGRADED), live(DEGRADED)) == []


def test_the_looked_up_shard_changing_state_notifies_with_its_id_and_state() -> None:
    alerts = replay(
        live(DEGRADED, (12, ShardState.READY)),
        live(DEGRADED, (12, ShardState.RECONNECTING)),
        live(DEGRADED, (12, ShardState.RECONNECTING)),
    )
    assert [(a.kind, a.shard_id, a.state) for a in alerts] == [
        (AlertKind.SHARD, 12, ShardState.RECONNECTING)
    ]


def test_both_changes_in_one_answer_raise_both() -> None:
    alerts = replay(live(OK, (3, ShardState.READY)), live(DOWN, (3, ShardState.DISCONNECTED)))
    assert [a.kind for a in alerts] == [AlertKind.OVERALL, AlertKind.SHARD]


def test_looking_up_another_server_or_none_starts_the_shard_over() -> None:
    assert replay(live(OK, (3, ShardState.READY)), live(OK, (7, ShardState.IDLE))) == []
    assert replay(live(OK, (3, ShardState.READY)), live(OK), live(OK, (3, ShardState.IDLE))) == []


# -- the toggle -------------------------------------------------------------------------------


def test_pressing_while_off_asks_for_permission_and_a_grant_turns_it_on() -> None:
    watch, ask = Watch().pressed()
    assert ask and not watch.active
    on = watch.answered(Permission.GRANTED)
    assert on.active and on.wanted


def test_a_dismissed_prompt_leaves_it_off_and_may_be_asked_again() -> None:
    off = Watch().answered(Permission.DEFAULT)
    assert not off.active and not off.blocked
    assert off.pressed()[1]


def test_pressing_while_on_turns_it_off_without_asking() -> None:
    on = Watch(True, Permission.GRANTED)
    off, ask = on.pressed()
    assert not ask and not off.active and not off.wanted
    assert off.permission is Permission.GRANTED


@pytest.mark.parametrize("permission", [Permission.DENIED, Permission.UNSUPPORTED])
def test_denied_or_unsupported_is_blocked_inert_and_never_asks(permission: Permission) -> None:
    for wanted in (False, True):
        watch = Watch(wanted, permission)
        assert watch.blocked and not watch.active
        assert watch.pressed() == (watch, False)


def test_remembered_choice_counts_only_while_permission_is_granted() -> None:
    """A visit after the permission was revoked: wanted, but not watching."""
    assert not Watch(True, Permission.DEFAULT).active
    assert Watch(True, Permission.GRANTED).active


@pytest.mark.parametrize(
    ("raw", "permission"),
    [
        ("granted", Permission.GRANTED),
        ("denied", Permission.DENIED),
        ("default", Permission.DEFAULT),
        ("unsupported", Permission.UNSUPPORTED),
        (None, Permission.UNSUPPORTED),
        ("prompt", Permission.UNSUPPORTED),
    ],
)
def test_permission_parse(raw: object, permission: Permission) -> None:
    assert Permission.parse(raw) is permission


# -- the words --------------------------------------------------------------------------------


def test_english_messages_name_the_new_state() -> None:
    t = catalogue("en")
    back = alert_message(t, Alert(AlertKind.OVERALL, OK, DOWN))
    assert back == ("SupportMail is back: all systems operational", "Before: Major outage")
    down = alert_message(t, Alert(AlertKind.OVERALL, DOWN, OK))
    assert down == ("SupportMail status: Major outage", "Before: All systems operational")
    shard = alert_message(
        t, Alert(AlertKind.SHARD, DEGRADED, DEGRADED, 12, ShardState.RECONNECTING)
    )
    assert shard == (
        "Your server's shard 12 is Reconnecting",
        "SupportMail status: Partially degraded",
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_fills_every_alert(locale: str) -> None:
    t = catalogue(locale)
    alerts = [Alert(AlertKind.OVERALL, new, old) for new in OverallStatus for old in OverallStatus]
    alerts += [Alert(AlertKind.SHARD, OK, OK, 5, state) for state in ShardState]
    for alert in alerts:
        title, body = alert_message(t, alert)
        assert title and body and "{" not in title + body


# -- through the reducer ----------------------------------------------------------------------


def test_reducer_press_asks_then_the_answer_turns_watching_on_and_is_stored() -> None:
    from app.model.ui_state import UiState
    from app.ports import UiEvent
    from app.reducer import AskNotifications, NotificationsAnswered, StoreWatch, reduce

    ui = UiState()
    same, effects = reduce(ui, UiEvent(UiKind.CLICK, action=Action.WATCH), None)
    assert same is ui and effects == (AskNotifications(),)
    on, effects = reduce(ui, NotificationsAnswered(Permission.GRANTED), None)
    assert on.watch.active and effects == (StoreWatch(True),)
    off, effects = reduce(on, UiEvent(UiKind.CLICK, action=Action.WATCH), None)
    assert not off.watch.active and effects == (StoreWatch(False),)
    dismissed = reduce(ui, NotificationsAnswered(Permission.DEFAULT), None)
    assert dismissed == (ui, ())
