"""Watching the status for the visitor: the toggle's state and what deserves a notification.

``Watch`` is the toggle: what the visitor chose, and what the browser allows (its
notification ``Permission``, plus ``unsupported``). Each answer is reduced to what it says
about the things a notification names (``observed`` makes an ``Observed``); ``observe``
compares it with the last one and returns the ``Alert`` values to raise, for the overall
status or the looked-up shard, which ``alert_message`` words in the visitor's language.

Rules:
- Watching is on only when the visitor asked for it *and* the permission is granted.
  Pressing the toggle while off asks for permission (the browser prompts only when it
  has not been answered yet: never on load, never again once denied); while on, it
  turns watching off. Denied or unsupported: the toggle says so and does nothing.
- A notification is raised for a change of the overall status, and for a change of the
  state of the shard the visitor looked up ("find my shard"). Never for an unchanged
  answer, never for preview data (it forgets what it saw, so the first live answer after
  preview data is a new start, not a change), never for the connection: only answers are
  observed, so a reconnection whose first answer says what the last one said is silent.
- Looking up another server, or none, starts the shard over without a notification.

>>> first, alerts = observe(None, Observed(OverallStatus.OUTAGE, None, live=True))
>>> alerts
()
>>> _, alerts = observe(first, Observed(OverallStatus.OPERATIONAL, None, live=True))
>>> [(a.kind.value, a.status.value) for a in alerts]
[('overall', 'operational')]
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from app.model.i18n import Catalogue
from app.model.lookup import Located, locate_guild
from app.model.snapshot import Snapshot
from app.model.vocabulary import OVERALL_STYLES, SHARD_STYLES, OverallStatus, ShardState

__all__ = [
    "Alert",
    "AlertKind",
    "Observed",
    "Permission",
    "Watch",
    "alert_message",
    "observe",
    "observed",
]


class Permission(StrEnum):
    """``Notification.permission``, or ``unsupported`` where there is no Notification."""

    DEFAULT = "default"  # not asked yet (or the prompt was dismissed)
    GRANTED = "granted"
    DENIED = "denied"
    UNSUPPORTED = "unsupported"

    @classmethod
    def parse(cls, value: object) -> Permission:
        """Anything the browser may say; unknown values count as unsupported."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.UNSUPPORTED


@dataclass(frozen=True, slots=True)
class Watch:
    wanted: bool = False  # the visitor's choice, remembered across visits
    permission: Permission = Permission.DEFAULT

    @property
    def active(self) -> bool:
        """Notifications are raised and hidden tabs keep asking."""
        return self.wanted and self.permission is Permission.GRANTED

    @property
    def blocked(self) -> bool:
        """The browser will not show notifications: the toggle says so and stays inert."""
        return self.permission in (Permission.DENIED, Permission.UNSUPPORTED)

    def pressed(self) -> tuple[Watch, bool]:
        """The toggle was pressed: (the new state, whether to ask for permission).

        The permission request is the browser's to show or skip: it prompts only while
        the permission is ``default``, and answers at once otherwise.
        """
        if self.blocked:
            return self, False
        if self.active:
            return Watch(False, self.permission), False
        return self, True

    def answered(self, permission: Permission) -> Watch:
        """The permission request came back: watching is on if it was granted."""
        return Watch(permission is Permission.GRANTED, permission)


class AlertKind(Enum):
    OVERALL = "overall"
    SHARD = "shard"


@dataclass(frozen=True, slots=True)
class Observed:
    """What one answer says: the overall status and the looked-up shard's state."""

    status: OverallStatus
    shard: tuple[int, ShardState] | None  # (shard id, state), when a lookup found one
    live: bool  # False for preview data


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    status: OverallStatus  # the overall status now
    before: OverallStatus  # the overall status before (for an overall alert)
    shard_id: int | None = None
    state: ShardState | None = None


def observed(snapshot: Snapshot, guild_id: int | None, live: bool) -> Observed:
    """The overall status and, when ``guild_id`` was looked up, its shard's state."""
    found = locate_guild(snapshot, guild_id) if guild_id is not None else None
    shard = found.shard if isinstance(found, Located) else None
    return Observed(snapshot.overall, (shard.id, shard.state) if shard else None, live)


def observe(before: Observed | None, now: Observed) -> tuple[Observed | None, tuple[Alert, ...]]:
    """(what to remember, the notifications this answer deserves)."""
    if not now.live:
        return None, ()
    if before is None:
        return now, ()
    alerts = []
    if now.status is not before.status:
        alerts.append(Alert(AlertKind.OVERALL, now.status, before.status))
    if now.shard is not None and before.shard is not None:
        (shard_id, state), (before_id, before_state) = now.shard, before.shard
        if shard_id == before_id and state is not before_state:
            alerts.append(Alert(AlertKind.SHARD, now.status, before.status, shard_id, state))
    return now, tuple(alerts)


def alert_message(t: Catalogue, alert: Alert) -> tuple[str, str]:
    """The notification's title and body; the title names the new state."""
    status = t.text(OVERALL_STYLES[alert.status].label_key)
    if alert.kind is AlertKind.SHARD and alert.state is not None:
        title = t.text(
            "notify.shard",
            id=str(alert.shard_id),
            state=t.text(SHARD_STYLES[alert.state].label_key),
        )
        return title, t.text("notify.overall", status=status)
    if alert.status is OverallStatus.OPERATIONAL:
        title = t.text("notify.back")
    else:
        title = t.text("notify.overall", status=status)
    return title, t.text("notify.before", status=t.text(OVERALL_STYLES[alert.before].label_key))
