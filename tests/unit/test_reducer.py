"""Unit tests for app.reducer: the visitor's actions as (ui, event) -> (ui, effects).

No browser and no controller: each test feeds ``reduce`` a ``UiEvent`` as static/apply.js
describes it and looks at the new ``UiState`` and the effects asked for.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.model.snapshot import Snapshot, parse_ack
from app.model.ui_state import OpenReason, Popover, UiState
from app.model.vocabulary import ShardState
from app.ports import UiEvent
from app.reducer import (
    FOLD_HEALTHY_ABOVE,
    Copied,
    CopyDiagnostics,
    DataArrived,
    FocusShard,
    HideDetails,
    SearchChanged,
    SetGuildParam,
    StoreTheme,
    reduce,
)
from app.seam import Action, UiKind
from tests.support import NOW


def snapshot(clusters: int = 2, bad_shard: int | None = 2) -> Snapshot:
    """``clusters`` clusters of 4 shards each, all Ready but ``bad_shard`` (Disconnected)."""
    data = [
        {
            "id": c,
            "status": "running",
            "shardList": list(range(4 * c, 4 * c + 4)),
            "shards": [
                {"id": s, "ping": 40, "status": 5 if s == bad_shard else 0}
                for s in range(4 * c, 4 * c + 4)
            ],
        }
        for c in range(clusters)
    ]
    result = parse_ack(json.loads(json.dumps({"success": True, "data": data})), NOW)
    assert isinstance(result, Snapshot)
    return result


def click(**fields: Any) -> UiEvent:
    return UiEvent(UiKind.CLICK, **fields)


def test_nothing_to_do_returns_the_very_same_state() -> None:
    """An event that changes nothing gives back the same object: the controller skips drawing."""
    ui = UiState()
    for event in (
        click(),
        UiEvent(UiKind.KEYDOWN, key="a"),
        UiEvent(UiKind.INPUT, action=Action.COPY),  # input that is not the lookup
        UiEvent(UiKind.POINTEROVER, pointer="touch", shard_id=1),
        UiEvent(UiKind.FOCUSOUT),
        UiEvent.from_json("click", {"kind": "click", "action": "from-another-build"}),
    ):
        assert reduce(ui, event, snapshot()) == (ui, ())
        assert reduce(ui, event, snapshot())[0] is ui


def test_legend_filter_toggles_and_clear_resets_both_filters() -> None:
    ui, _ = reduce(UiState(), click(action=Action.FILTER_STATE, value="Disconnected"), None)
    assert ui.state_filter is ShardState.DISCONNECTED
    assert (
        reduce(ui, click(action=Action.FILTER_STATE, value="Disconnected"), None)[0].state_filter
        is None
    )
    ui, _ = reduce(ui, click(action=Action.PROBLEMS_ONLY), None)
    assert ui.problems_only
    ui, effects = reduce(ui, click(action=Action.CLEAR_FILTER), None)
    assert (ui.state_filter, ui.problems_only, effects) == (None, False, ())


def test_an_unknown_filter_value_is_ignored_rather_than_raising() -> None:
    ui = UiState()
    assert reduce(ui, click(action=Action.FILTER_STATE, value="Bogus"), None)[0] is ui


def test_fold_one_cluster_and_fold_all_healthy_then_unfold() -> None:
    data = snapshot(clusters=3, bad_shard=2)  # cluster 0 has the bad shard
    ui, _ = reduce(UiState(), click(action=Action.FOLD, cluster=2), data)
    assert ui.collapsed == {2}
    ui, _ = reduce(ui, click(action=Action.FOLD_HEALTHY), data)
    assert ui.collapsed == {1, 2}
    ui, _ = reduce(ui, click(action=Action.FOLD_HEALTHY), data)
    assert ui.collapsed == frozenset()


def test_theme_flips_what_is_on_screen_and_asks_to_store_it() -> None:
    """With no choice yet the system's theme is what the button flips."""
    ui, effects = reduce(UiState(system_dark=True), click(action=Action.THEME), None)
    assert (ui.theme, effects) == ("light", (StoreTheme("light"),))
    ui, effects = reduce(ui, click(action=Action.THEME), None)
    assert (ui.theme, effects) == ("dark", (StoreTheme("dark"),))


def test_copy_asks_for_the_report_and_its_outcome_is_shown() -> None:
    ui = UiState()
    assert reduce(ui, click(action=Action.COPY), None) == (ui, (CopyDiagnostics(),))
    assert reduce(ui, Copied(True), None)[0].copy_status == "copy.done"
    assert reduce(ui, Copied(False), None)[0].copy_status == "copy.failed"


def test_lookup_input_parses_and_puts_only_a_valid_server_in_the_url() -> None:
    ui, effects = reduce(
        UiState(), UiEvent(UiKind.INPUT, action=Action.LOOKUP, value="81384788765712384"), None
    )
    assert ui.lookup is not None and ui.lookup.guild_id == 81384788765712384
    assert effects == (SetGuildParam(81384788765712384),)
    ui, effects = reduce(
        ui, UiEvent(UiKind.INPUT, action=Action.LOOKUP, value="not a server"), None
    )
    assert ui.lookup is not None and ui.lookup.error is not None
    assert effects == (SetGuildParam(None),)
    ui, effects = reduce(ui, UiEvent(UiKind.INPUT, action=Action.LOOKUP, value="   "), None)
    assert ui.lookup is None
    assert reduce(ui, SearchChanged("?guild=1"), None)[0].search == "?guild=1"


def test_click_opens_the_popover_and_a_click_elsewhere_closes_it() -> None:
    ui, _ = reduce(UiState(), click(shard_id=3), None)
    assert ui.popover == Popover(3, OpenReason.CLICK)
    assert reduce(ui, click(in_details=True), None)[0] is ui  # inside the popover: stays
    ui, effects = reduce(ui, click(), None)
    assert (ui.popover, effects) == (None, (HideDetails(),))


def test_escape_closes_whatever_opened_the_popover() -> None:
    for reason in OpenReason:
        ui, effects = reduce(
            UiState(popover=Popover(1, reason)), UiEvent(UiKind.KEYDOWN, key="Escape"), None
        )
        assert (ui.popover, effects) == (None, (HideDetails(),))
    ui = UiState()
    assert reduce(ui, UiEvent(UiKind.KEYDOWN, key="Escape"), None) == (ui, ())


def test_hover_opens_and_leaving_closes_but_never_a_clicked_popover() -> None:
    over = UiEvent(UiKind.POINTEROVER, pointer="mouse", shard_id=5)
    out = UiEvent(UiKind.POINTEROUT, pointer="mouse", shard_id=5)
    ui, _ = reduce(UiState(), over, None)
    assert ui.popover == Popover(5, OpenReason.HOVER)
    assert reduce(ui, out, None)[0].popover is None
    clicked = UiState(popover=Popover(4, OpenReason.CLICK))
    assert reduce(clicked, over, None)[0] is clicked
    assert reduce(clicked, out, None)[0] is clicked
    # Moving onto the popover itself keeps a hovered one open.
    into_details = UiEvent(UiKind.POINTEROUT, pointer="mouse", shard_id=5, in_details=True)
    assert reduce(ui, into_details, None)[0] is ui


def test_focus_opens_moves_the_tab_stop_and_leaving_the_grid_closes() -> None:
    ui, _ = reduce(UiState(), UiEvent(UiKind.FOCUSIN, shard_id=6, grid_cluster=1), None)
    assert ui.popover == Popover(6, OpenReason.FOCUS)
    assert ui.focus_shard == {1: 6}
    # Focus moving to another shard is not leaving.
    assert reduce(ui, UiEvent(UiKind.FOCUSOUT, shard_id=6, related_shard=7), None)[0] is ui
    ui, effects = reduce(ui, UiEvent(UiKind.FOCUSOUT, shard_id=6), None)
    assert (ui.popover, effects) == (None, (HideDetails(),))


@pytest.mark.parametrize(
    ("key", "start", "target"),
    [
        ("ArrowRight", 5, 6),
        ("ArrowDown", 5, 6),
        ("ArrowLeft", 5, 4),
        ("ArrowUp", 4, 4),  # clamped at the first shard
        ("ArrowRight", 7, 7),  # clamped at the last
        ("Home", 6, 4),
        ("End", 5, 7),
    ],
)
def test_arrow_keys_move_the_roving_tab_stop_within_the_grid(
    key: str, start: int, target: int
) -> None:
    event = UiEvent(UiKind.KEYDOWN, key=key, shard_id=start, grid_cluster=1)
    ui, effects = reduce(UiState(), event, snapshot())
    assert ui.focus_shard == {1: target}
    assert effects == (FocusShard(target),)


def test_arrow_keys_skip_shards_the_filters_hide() -> None:
    """Cluster 0's shards 0, 1, 3 are Ready and 2 is down: "problems only" leaves just 2."""
    ui = UiState(problems_only=True)
    event = UiEvent(UiKind.KEYDOWN, key="ArrowRight", shard_id=2, grid_cluster=0)
    assert reduce(ui, event, snapshot())[1] == (FocusShard(2),)
    hidden = UiEvent(UiKind.KEYDOWN, key="ArrowRight", shard_id=1, grid_cluster=0)
    assert reduce(ui, hidden, snapshot())[0] is ui


def test_the_first_answer_folds_healthy_clusters_only_on_a_big_bot() -> None:
    big = snapshot(clusters=FOLD_HEALTHY_ABOVE + 1, bad_shard=2)
    ui, _ = reduce(UiState(), DataArrived(first=True), big)
    assert ui.collapsed == set(range(1, FOLD_HEALTHY_ABOVE + 1))
    assert reduce(UiState(), DataArrived(first=False), big)[0].collapsed == frozenset()
    small = snapshot(clusters=FOLD_HEALTHY_ABOVE)
    assert reduce(UiState(), DataArrived(first=True), small)[0].collapsed == frozenset()


def test_module_examples_run() -> None:
    """The docstring examples of the reducer, the UI state, the link vocabulary and the memo."""
    import doctest

    from app import reducer
    from app.model import link, ui_state
    from app.render import memo

    for module in (reducer, ui_state, link, memo):
        assert doctest.testmod(module).failed == 0, module.__name__
