"""The visitor's actions as a pure function: ``reduce(ui, event, snapshot) -> (ui, effects)``.

Every change to ``UiState`` goes through here. ``snapshot`` is read-only context (the
data on screen: keyboard moves follow its grids, "fold healthy" its clusters). The
returned ``ui`` is the very same object when nothing changed, so the controller renders
only when something did. What the page must do besides drawing the new state comes
back as effects, which the controller runs; outcomes it learns from them (the new query
string, whether the copy worked) come back in as events.

>>> from app.ports import UiEvent
>>> from app.seam import Action, UiKind
>>> ui = UiState()
>>> ui, effects = reduce(ui, UiEvent(UiKind.CLICK, action=Action.PROBLEMS_ONLY), None)
>>> ui.problems_only, effects
(True, ())
>>> reduce(ui, UiEvent(UiKind.CLICK, action=Action.THEME), None)[1]
(StoreTheme(theme='light'),)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.model.shard_lookup import parse_guild_input
from app.model.snapshot import Snapshot, healthy_cluster_ids
from app.model.ui_state import OpenReason, Popover, UiState, visible_shards
from app.model.vocabulary import ShardState
from app.model.watch import Permission, Watch
from app.ports import UiEvent
from app.seam import Action, UiKind

__all__ = [
    "FOLD_HEALTHY_ABOVE",
    "AskNotifications",
    "Copied",
    "CopyDiagnostics",
    "DataArrived",
    "Effect",
    "Event",
    "FocusShard",
    "HideDetails",
    "NotificationsAnswered",
    "SearchChanged",
    "SetGuildParam",
    "StoreTheme",
    "StoreWatch",
    "reduce",
]

# With more clusters than this, healthy ones start folded so problems are visible at once.
FOLD_HEALTHY_ABOVE = 12


# -- events besides the DOM's ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataArrived:
    """Usable data arrived (the first answer folds healthy clusters on a big bot)."""

    first: bool


@dataclass(frozen=True, slots=True)
class SearchChanged:
    """The page's query string changed (after ``SetGuildParam``)."""

    search: str


@dataclass(frozen=True, slots=True)
class Copied:
    """The diagnostics copy finished."""

    ok: bool


@dataclass(frozen=True, slots=True)
class NotificationsAnswered:
    """The browser answered the permission request made by pressing #watch."""

    permission: Permission


Event = UiEvent | DataArrived | SearchChanged | Copied | NotificationsAnswered


# -- effects --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreTheme:
    theme: str


@dataclass(frozen=True, slots=True)
class HideDetails:
    pass


@dataclass(frozen=True, slots=True)
class FocusShard:
    """Move keyboard focus to a shard, once the pass that makes it the tab stop is drawn."""

    shard_id: int


@dataclass(frozen=True, slots=True)
class SetGuildParam:
    """Put the looked-up server in the URL (``None``: take it out)."""

    guild_id: int | None


@dataclass(frozen=True, slots=True)
class CopyDiagnostics:
    pass


@dataclass(frozen=True, slots=True)
class StoreWatch:
    """Remember (or forget) the visitor's choice to watch, across visits."""

    on: bool


@dataclass(frozen=True, slots=True)
class AskNotifications:
    """Await the permission request the press of #watch made (static/apply.js)."""


Effect = (
    StoreTheme
    | HideDetails
    | FocusShard
    | SetGuildParam
    | CopyDiagnostics
    | StoreWatch
    | AskNotifications
)
_Step = tuple[UiState, tuple[Effect, ...]]

_STATE_BY_JS_NAME = {state.js_name: state for state in ShardState}
_MOVES = {"ArrowRight": 1, "ArrowDown": 1, "ArrowLeft": -1, "ArrowUp": -1}


def reduce(ui: UiState, event: Event, snapshot: Snapshot | None) -> _Step:
    if isinstance(event, UiEvent):
        handler = _UI_HANDLERS.get(event.kind)
        return handler(ui, event, snapshot) if handler else (ui, ())
    if isinstance(event, DataArrived):
        if event.first and snapshot is not None and len(snapshot.clusters) > FOLD_HEALTHY_ABOVE:
            return replace(ui, collapsed=healthy_cluster_ids(snapshot)), ()
        return ui, ()
    if isinstance(event, SearchChanged):
        return (ui, ()) if ui.search == event.search else (replace(ui, search=event.search), ())
    if isinstance(event, NotificationsAnswered):
        return _watch(ui, ui.watch.answered(event.permission))
    return replace(ui, copy_status="copy.done" if event.ok else "copy.failed"), ()


# -- one function per DOM event kind ----------------------------------------------------------


def _input(ui: UiState, event: UiEvent, _snapshot: Snapshot | None) -> _Step:
    if event.action is not Action.LOOKUP:
        return ui, ()
    text = event.value or ""
    lookup = parse_guild_input(text) if text.strip() else None
    # The URL names the server the page answers for, or none: a link shared after
    # invalid input must not point at the server typed before it.
    guild_id = lookup.guild_id if lookup is not None else None
    return replace(ui, lookup=lookup), (SetGuildParam(guild_id),)


def _click(ui: UiState, event: UiEvent, snapshot: Snapshot | None) -> _Step:
    action = event.action
    if event.shard_id is not None:
        return _open(ui, event.shard_id, OpenReason.CLICK), ()
    if action is Action.FILTER_STATE and event.value in _STATE_BY_JS_NAME:
        state = _STATE_BY_JS_NAME[event.value]
        return replace(ui, state_filter=None if ui.state_filter is state else state), ()
    if action is Action.PROBLEMS_ONLY:
        return replace(ui, problems_only=not ui.problems_only), ()
    if action is Action.CLEAR_FILTER:
        return replace(ui, state_filter=None, problems_only=False), ()
    if action is Action.FOLD and event.cluster is not None:
        return replace(ui, collapsed=ui.collapsed ^ {event.cluster}), ()
    if action is Action.FOLD_HEALTHY and snapshot is not None:
        healthy = healthy_cluster_ids(snapshot)
        return replace(ui, collapsed=frozenset() if healthy <= ui.collapsed else healthy), ()
    if action is Action.THEME:
        theme = "light" if ui.dark else "dark"
        return replace(ui, theme=theme), (StoreTheme(theme),)
    if action is Action.COPY:
        return ui, (CopyDiagnostics(),)
    if action is Action.WATCH:
        watch, ask = ui.watch.pressed()
        return (ui, (AskNotifications(),)) if ask else _watch(ui, watch)
    if not event.in_details:
        return _close(ui)
    return ui, ()


def _keydown(ui: UiState, event: UiEvent, snapshot: Snapshot | None) -> _Step:
    if event.key == "Escape":
        return _close(ui)
    if event.shard_id is None or event.grid_cluster is None or snapshot is None:
        return ui, ()
    cluster = next((c for c in snapshot.clusters if c.id == event.grid_cluster), None)
    if cluster is None:
        return ui, ()
    ids = [s.id for s in visible_shards(cluster, ui)]
    if event.shard_id not in ids:
        return ui, ()
    index = ids.index(event.shard_id)
    if event.key == "Home":
        index = 0
    elif event.key == "End":
        index = len(ids) - 1
    elif event.key in _MOVES:
        index += _MOVES[event.key]
    else:
        return ui, ()
    # The page's own scrolling by these keys was prevented on the main thread.
    target = ids[max(0, min(len(ids) - 1, index))]
    focus = {**ui.focus_shard, cluster.id: target}
    return replace(ui, focus_shard=focus), (FocusShard(target),)


def _focusin(ui: UiState, event: UiEvent, _snapshot: Snapshot | None) -> _Step:
    if event.shard_id is None:
        return ui, ()
    if event.grid_cluster is not None:
        ui = replace(ui, focus_shard={**ui.focus_shard, event.grid_cluster: event.shard_id})
    return _open(ui, event.shard_id, OpenReason.FOCUS), ()


def _focusout(ui: UiState, event: UiEvent, _snapshot: Snapshot | None) -> _Step:
    leaving = event.shard_id is not None and event.related_shard is None
    popover = ui.popover
    if (
        leaving
        and popover is not None
        and popover.reason is OpenReason.FOCUS
        and popover.shard_id == event.shard_id
    ):
        return _close(ui)
    return ui, ()


def _pointerover(ui: UiState, event: UiEvent, _snapshot: Snapshot | None) -> _Step:
    if event.pointer != "mouse" or event.shard_id is None or ui.open_shard == event.shard_id:
        return ui, ()
    if ui.popover is None or ui.popover.reason is OpenReason.HOVER:
        return _open(ui, event.shard_id, OpenReason.HOVER), ()
    return ui, ()


def _pointerout(ui: UiState, event: UiEvent, _snapshot: Snapshot | None) -> _Step:
    if event.pointer != "mouse" or event.shard_id is None or event.related_shard is not None:
        return ui, ()
    if ui.popover is not None and ui.popover.reason is OpenReason.HOVER and not event.in_details:
        return _close(ui)
    return ui, ()


def _watch(ui: UiState, watch: Watch) -> _Step:
    if watch == ui.watch:
        return ui, ()
    return replace(ui, watch=watch), (StoreWatch(watch.wanted),)


def _open(ui: UiState, shard_id: int, reason: OpenReason) -> UiState:
    return replace(ui, popover=Popover(shard_id, reason))


def _close(ui: UiState) -> _Step:
    if ui.popover is None:
        return ui, ()
    return replace(ui, popover=None), (HideDetails(),)


_UI_HANDLERS = {
    UiKind.INPUT: _input,
    UiKind.CLICK: _click,
    UiKind.KEYDOWN: _keydown,
    UiKind.FOCUSIN: _focusin,
    UiKind.FOCUSOUT: _focusout,
    UiKind.POINTEROVER: _pointerover,
    UiKind.POINTEROUT: _pointerout,
}
