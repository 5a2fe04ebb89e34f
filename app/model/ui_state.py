"""What the visitor chose on the page: filters, folds, lookup, the open popover, the theme.

Kept by the controller (changed only by ``app.reducer.reduce``), read by the view.
A value: every change makes a new ``UiState``. At most one shard popover is open: a
``Popover`` names its shard and the ``OpenReason`` that opened it.

>>> ui = UiState(theme=None, system_dark=False)
>>> ui.dark
False
>>> UiState(theme="dark", system_dark=False).dark
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from app.model.shard_lookup import GuildInput
from app.model.snapshot import Cluster, Shard
from app.model.vocabulary import ShardState, is_healthy
from app.model.watch import Watch

__all__ = ["OpenReason", "Popover", "UiState", "visible_shards"]


class OpenReason(StrEnum):
    """What opened the shard popover, which decides what closes it."""

    CLICK = "click"  # stays until Escape or a click elsewhere
    FOCUS = "focus"  # closes when focus leaves the grid
    HOVER = "hover"  # closes when the mouse leaves the shard


@dataclass(frozen=True, slots=True)
class Popover:
    shard_id: int
    reason: OpenReason


@dataclass(frozen=True, slots=True)
class UiState:
    problems_only: bool = False
    state_filter: ShardState | None = None
    collapsed: frozenset[int] = frozenset()
    focus_shard: Mapping[int, int] = field(default_factory=dict)  # cluster -> roving stop
    lookup: GuildInput | None = None
    popover: Popover | None = None
    theme: str | None = None  # "light" / "dark" when chosen, None: follow the system
    system_dark: bool = True
    copy_status: str | None = None  # message key of the last copy outcome
    search: str = ""  # the page's query string, kept by the locale switcher
    # "Notify me when the status changes": the choice and the permission (app.model.watch)
    watch: Watch = field(default_factory=Watch)

    @property
    def open_shard(self) -> int | None:
        return self.popover.shard_id if self.popover is not None else None

    @property
    def dark(self) -> bool:
        """The theme on screen: the visitor's choice, else the system's (the one rule)."""
        return self.theme == "dark" if self.theme else self.system_dark


def visible_shards(cluster: Cluster, ui: UiState) -> tuple[Shard, ...]:
    """The shards the filters leave on screen, in grid order."""
    shards = cluster.shards
    if ui.state_filter is not None:
        shards = tuple(s for s in shards if s.state is ui.state_filter)
    if ui.problems_only:
        shards = tuple(s for s in shards if not is_healthy(s.state))
    return shards
